// thread_scratch: one growing buffer per thread, so a kernel call pays no allocation once
// its thread has seen a layer of that size.
#include "scratch.h"

#include <cstdlib>

namespace lucid::tier0 {

namespace {

struct ThreadBuffer {
  void* data = nullptr;
  std::size_t bytes = 0;
  ~ThreadBuffer() { std::free(data); }
};

}  // namespace

void* thread_scratch(std::size_t bytes) {
  thread_local ThreadBuffer buffer;
  if (bytes > scratch_limit_bytes()) return nullptr;
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
