// kernel_limits: the defaults, and the test overrides (relaxed atomics: a value is read once
// per call).
#include "kernel_limits.h"

#include <atomic>
#include <cstdint>

namespace lucid::tier0 {

namespace {

constexpr std::size_t kDefaultBudgetBytes = 192 * 1024;
// Past this a call's arithmetic (about a nanosecond per multiply-add in plain loops) outweighs
// the blocked kernels' setup (packing, tables, windows: a few hundred nanoseconds).
constexpr double kDefaultDirectCallMacs = 512;
std::atomic<std::size_t> budget_bytes{kDefaultBudgetBytes};
std::atomic<double> direct_macs{kDefaultDirectCallMacs};
std::atomic<std::size_t> limit_bytes{SIZE_MAX};

}  // namespace

std::size_t scratch_budget_bytes() { return budget_bytes.load(std::memory_order_relaxed); }
double direct_call_macs() { return direct_macs.load(std::memory_order_relaxed); }
std::size_t scratch_limit_bytes() { return limit_bytes.load(std::memory_order_relaxed); }

void set_scratch_budget_bytes_for_testing(std::size_t bytes) {
  budget_bytes.store(bytes == 0 ? kDefaultBudgetBytes : bytes, std::memory_order_relaxed);
}

void set_direct_call_macs_for_testing(double macs) {
  direct_macs.store(macs < 0 ? kDefaultDirectCallMacs : macs, std::memory_order_relaxed);
}

void set_scratch_limit_bytes_for_testing(std::size_t bytes) {
  limit_bytes.store(bytes == 0 ? SIZE_MAX : bytes, std::memory_order_relaxed);
}

}  // namespace lucid::tier0
