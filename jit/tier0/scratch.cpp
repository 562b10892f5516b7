// thread_scratch: one growing buffer per thread, so a kernel call pays no allocation once
// its thread has seen a layer of that size. Also the JIT kernels' malloc, and the record of
// the last scratch request that failed (lucid/kernel_scratch.h).
#include "scratch.h"

#include <atomic>
#include <cstdlib>

#include "lucid/kernel_scratch.h"

namespace lucid::tier0 {

namespace {

struct ThreadBuffer {
  void* data = nullptr;
  std::size_t bytes = 0;
  ~ThreadBuffer() { std::free(data); }
};

std::atomic<std::size_t> failed_bytes{0};

void* record_failure(std::size_t bytes) {
  failed_bytes.store(bytes, std::memory_order_relaxed);
  return nullptr;
}

}  // namespace

void* thread_scratch(std::size_t bytes) {
  thread_local ThreadBuffer buffer;
  if (bytes > scratch_limit_bytes()) return record_failure(bytes);
  if (bytes <= buffer.bytes) return buffer.data;
  // Round up so a thread that sees slowly growing requests does not reallocate each time.
  const std::size_t rounded = (bytes + 65535) / 65536 * 65536;
  void* fresh = std::aligned_alloc(64, rounded);
  if (fresh == nullptr) return record_failure(rounded);
  std::free(buffer.data);
  buffer.data = fresh;
  buffer.bytes = rounded;
  return fresh;
}

}  // namespace lucid::tier0

extern "C" void* lucid_kernel_scratch_aligned_alloc(std::size_t alignment, std::size_t bytes) {
  if (bytes > lucid::tier0::scratch_limit_bytes()) return lucid::tier0::record_failure(bytes);
  void* block = std::aligned_alloc(alignment, bytes);
  return block != nullptr ? block : lucid::tier0::record_failure(bytes);
}

namespace lucid {

std::size_t take_failed_kernel_scratch_bytes() {
  return tier0::failed_bytes.exchange(0, std::memory_order_relaxed);
}

}  // namespace lucid
