// thread_scratch: one growing buffer per thread, so a kernel call pays no allocation once
// its thread has seen a layer of that size; and the budget passes size their chunks by.
#include "scratch.h"

#include <atomic>
#include <cstdlib>

namespace lucid::tier0 {

namespace {

constexpr std::size_t kDefaultBudgetBytes = 192 * 1024;
std::atomic<std::size_t> budget_bytes{kDefaultBudgetBytes};

struct ThreadBuffer {
  void* data = nullptr;
  std::size_t bytes = 0;
  ~ThreadBuffer() { std::free(data); }
};

}  // namespace

std::size_t scratch_budget_bytes() { return budget_bytes.load(std::memory_order_relaxed); }

void set_scratch_budget_bytes_for_testing(std::size_t bytes) {
  budget_bytes.store(bytes == 0 ? kDefaultBudgetBytes : bytes, std::memory_order_relaxed);
}

void* thread_scratch(std::size_t bytes) {
  thread_local ThreadBuffer buffer;
  if (bytes <= buffer.bytes) return buffer.data;
  // Round up so a thread that sees slowly growing requests does not reallocate each time.
  const std::size_t rounded = (bytes + 65535) / 65536 * 65536;
  void* fresh = std::aligned_alloc(64, rounded);
  if (fresh == nullptr) return nullptr;
  std::free(buffer.data);
  buffer.data = fresh;
  buffer.bytes = rounded;
  return fresh;
}

}  // namespace lucid::tier0
