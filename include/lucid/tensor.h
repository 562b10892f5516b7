// lucid::Tensor: an n-dimensional float32/float64 array over contiguous storage, with the
// autograd state (requires_grad, grad, grad_fn) of docs/semantics.md §9. A Tensor is a cheap handle:
// copies share the same tensor, and views (reshape, detach) share the same storage.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "lucid/dtype.h"

namespace lucid {

using Shape = std::vector<int64_t>;

// "(1, 4, 5)", the spelling every shape error message uses.
std::string shape_to_string(const Shape& shape);
// Product of the extents; 1 for a 0-dimensional (scalar) shape. Throws lucid::Error when it
// overflows int64.
int64_t shape_numel(const Shape& shape);

class Generator;
class Node;
struct TensorImpl;

class Tensor {
 public:
  // An undefined tensor (like Python's None): a layer without bias has an undefined `bias`.
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Uninitialised storage, for outputs a kernel overwrites.
  static Tensor empty(Shape shape, DType dtype = DType::Float32);
  static Tensor zeros(Shape shape, DType dtype = DType::Float32, bool requires_grad = false);
  static Tensor ones(Shape shape, DType dtype = DType::Float32, bool requires_grad = false);
  static Tensor full(Shape shape, double value, DType dtype = DType::Float32,
                     bool requires_grad = false);
  // Standard normal samples from `generator` (default: the process-wide default_generator()).
  static Tensor randn(Shape shape, bool requires_grad = false, DType dtype = DType::Float32);
  static Tensor randn(Shape shape, Generator& generator, bool requires_grad = false,
                      DType dtype = DType::Float32);
  // U(low, high) samples, as PyTorch's nn.init.uniform_.
  static Tensor uniform(Shape shape, double low, double high, Generator& generator,
                        DType dtype = DType::Float32, bool requires_grad = false);
  // Copies `values` (row-major) into a new tensor; values.size() must equal the shape's numel.
  static Tensor from_vector(const std::vector<double>& values, Shape shape,
                            DType dtype = DType::Float32, bool requires_grad = false);
  // Copies numel elements of `dtype` from raw memory (e.g. an .npy payload).
  static Tensor from_data(const void* data, Shape shape, DType dtype);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t dim() const;
  int64_t size(int64_t d) const;  // negative d counts from the back, as in PyTorch
  int64_t numel() const;
  DType dtype() const;

  // Raw contiguous row-major data. Writing through it bypasses autograd; mark_modified()
  // afterwards so graphs that saved this tensor notice.
  void* data();
  const void* data() const;
  template <typename T> T* data_as() { check_element_type(sizeof(T)); return static_cast<T*>(data()); }
  template <typename T> const T* data_as() const {
    check_element_type(sizeof(T));
    return static_cast<const T*>(data());
  }

  // Element access for tests and small programs (slow: one bounds-checked element).
  double at(std::initializer_list<int64_t> index) const;
  void set(std::initializer_list<int64_t> index, double value);
  double item() const;  // the single element of a one-element tensor
  std::vector<double> to_vector() const;

  // In-place updates bump the storage version; a backward pass that saved the old values
  // then fails loudly instead of computing a wrong gradient.
  void mark_modified();
  std::uint64_t version() const;

  // Autograd.
  bool requires_grad() const;
  Tensor& requires_grad_(bool on = true);  // leaves only, as in PyTorch
  bool is_leaf() const;                    // no grad_fn
  Tensor grad() const;                     // undefined until a backward reaches this leaf
  void set_grad(const Tensor& grad);
  void zero_grad();                        // drops the gradient (PyTorch's set_to_none)
  const std::shared_ptr<Node>& grad_fn() const;
  void set_grad_fn(std::shared_ptr<Node> node);  // for ops: marks this tensor their output

  // Backpropagates a gradient of ones (Lucid's behaviour, also for non-scalar tensors), or
  // `gradient` of this tensor's shape. The graph is freed afterwards unless retain_graph.
  void backward(bool retain_graph = false) const;
  void backward(const Tensor& gradient, bool retain_graph = false) const;

  Tensor detach() const;  // same storage, no autograd history
  Tensor clone() const;   // new storage, no autograd history
  Tensor reshape(Shape shape) const;  // a view; differentiable

  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  std::string to_string() const;

  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }

 private:
  void check_element_type(std::size_t bytes) const;
  TensorImpl& checked() const;

  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& out, const Tensor& tensor);

}  // namespace lucid
