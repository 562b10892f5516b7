// What a Tensor handle points to (private to runtime/): the storage, shared between views,
// and the per-tensor shape and autograd state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "lucid/node.h"
#include "lucid/tensor.h"

namespace lucid {

// One 64-byte aligned allocation, so kernels can use aligned vector loads at the start.
// Throws lucid::OutOfMemory naming the byte count when it cannot be had.
struct Storage {
  explicit Storage(std::size_t bytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data = nullptr;
  std::size_t bytes = 0;
  std::uint64_t version = 0;  // bumped by every in-place write, checked by saved tensors
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  int64_t numel = 0;
  DType dtype = DType::Float32;

  bool requires_grad = false;
  Tensor grad;                    // leaves only
  std::shared_ptr<Node> grad_fn;  // non-leaves only
};

}  // namespace lucid
