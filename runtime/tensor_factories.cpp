// Tensor constructors: empty, zeros, ones, full, randn, uniform, from_vector, from_data.
#include <cstring>

#include <fmt/format.h>

#include "dtype_dispatch.h"
#include "lucid/checked_int.h"
#include "lucid/error.h"
#include "lucid/generator.h"
#include "tensor_impl.h"

namespace lucid {

namespace {

void check_shape(const Shape& shape, const char* who) {
  for (int64_t extent : shape)
    if (extent < 0)
      throw Error(fmt::format("Tensor::{}: shape {} has a negative extent", who,
                              shape_to_string(shape)));
}

// Fills every element with f(index) converted to the tensor's type.
template <typename F>
void fill(Tensor& t, F&& f) {
  visit_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = static_cast<T*>(t.data());
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<T>(f(i));
  });
}

}  // namespace

Tensor Tensor::empty(Shape shape, DType dtype) {
  check_shape(shape, "empty");
  const int64_t numel = shape_numel(shape);  // throws when the count overflows int64
  const int64_t bytes = product_or_throw({numel, static_cast<int64_t>(dtype_size(dtype))}, [&] {
    return fmt::format("Tensor::empty: the byte count of a {} tensor of shape {}, numel * {},",
                       dtype_name(dtype), shape_to_string(shape), dtype_size(dtype));
  });
  auto impl = std::make_shared<TensorImpl>();
  impl->numel = numel;
  try {
    impl->storage = std::make_shared<Storage>(static_cast<std::size_t>(bytes));
  } catch (const std::bad_alloc&) {  // the control block, or Storage itself
    throw OutOfMemory(fmt::format("Tensor::empty: cannot allocate {} bytes for a {} tensor of shape {}",
                                  bytes, dtype_name(dtype), shape_to_string(shape)));
  } catch (const OutOfMemory&) {
    throw OutOfMemory(fmt::format("Tensor::empty: cannot allocate {} bytes for a {} tensor of shape {}",
                                  bytes, dtype_name(dtype), shape_to_string(shape)));
  }
  impl->shape = std::move(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(Shape shape, DType dtype, bool requires_grad) {
  return full(std::move(shape), 0.0, dtype, requires_grad);
}

Tensor Tensor::ones(Shape shape, DType dtype, bool requires_grad) {
  return full(std::move(shape), 1.0, dtype, requires_grad);
}

Tensor Tensor::full(Shape shape, double value, DType dtype, bool requires_grad) {
  Tensor t = empty(std::move(shape), dtype);
  fill(t, [&](int64_t) { return value; });
  t.requires_grad_(requires_grad);
  return t;
}

Tensor Tensor::randn(Shape shape, bool requires_grad, DType dtype) {
  return randn(std::move(shape), default_generator(), requires_grad, dtype);
}

Tensor Tensor::randn(Shape shape, Generator& generator, bool requires_grad, DType dtype) {
  Tensor t = empty(std::move(shape), dtype);
  fill(t, [&](int64_t) { return generator.normal(); });
  t.requires_grad_(requires_grad);
  return t;
}

Tensor Tensor::uniform(Shape shape, double low, double high, Generator& generator, DType dtype,
                       bool requires_grad) {
  Tensor t = empty(std::move(shape), dtype);
  fill(t, [&](int64_t) { return generator.uniform(low, high); });
  t.requires_grad_(requires_grad);
  return t;
}

Tensor Tensor::from_vector(const std::vector<double>& values, Shape shape, DType dtype,
                           bool requires_grad) {
  check_shape(shape, "from_vector");
  if (static_cast<int64_t>(values.size()) != shape_numel(shape))
    throw Error(fmt::format("Tensor::from_vector: {} values cannot fill shape {} ({} elements)",
                            values.size(), shape_to_string(shape), shape_numel(shape)));
  Tensor t = empty(std::move(shape), dtype);
  fill(t, [&](int64_t i) { return values[static_cast<std::size_t>(i)]; });
  t.requires_grad_(requires_grad);
  return t;
}

Tensor Tensor::from_data(const void* data, Shape shape, DType dtype) {
  Tensor t = empty(std::move(shape), dtype);
  std::memcpy(t.data(), data, static_cast<std::size_t>(t.numel()) * dtype_size(dtype));
  return t;
}

}  // namespace lucid
