// Storage: the aligned allocation behind tensors.
#include <cstdlib>
#include <string>

#include "lucid/error.h"
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
  // Callers (Tensor::empty) add what the bytes were for: the tensor's dtype and shape.
  if (data == nullptr)
    throw OutOfMemory("cannot allocate " + std::to_string(size) + " bytes of tensor storage");
}

Storage::~Storage() { std::free(data); }

}  // namespace lucid
