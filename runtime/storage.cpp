// Storage: the aligned allocation behind tensors.
#include <cstdlib>
#include <new>

#include "tensor_impl.h"

namespace lucid {

namespace {
constexpr std::size_t kAlignment = 64;  // a cache line, and one AVX-512 register
}

Storage::Storage(std::size_t size) : bytes(size) {
  // aligned_alloc wants a multiple of the alignment; a zero-byte tensor still gets a pointer.
  std::size_t rounded = (size + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded == 0) rounded = kAlignment;
  data = std::aligned_alloc(kAlignment, rounded);
  if (data == nullptr) throw std::bad_alloc();
}

Storage::~Storage() { std::free(data); }

}  // namespace lucid
