// Tensor: shape and data accessors, element access, printing, detach and clone.
#include "lucid/tensor.h"

#include <cstring>
#include <optional>
#include <ostream>
#include <sstream>

#include <fmt/format.h>

#include "dtype_dispatch.h"
#include "lucid/checked_int.h"
#include "lucid/error.h"
#include "tensor_impl.h"

namespace lucid {

std::string shape_to_string(const Shape& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t extent : shape) {
    std::optional<int64_t> next = checked_mul(n, extent);
    if (!next)
      throw Error(fmt::format("shape {}: the element count (the product of the extents) overflows "
                              "int64 (at most 9223372036854775807)",
                              shape_to_string(shape)));
    n = *next;
  }
  return n;
}

TensorImpl& Tensor::checked() const {
  if (!impl_) throw Error("Tensor: the tensor is undefined (like None); it has no data");
  return *impl_;
}

const Shape& Tensor::shape() const { return checked().shape; }
int64_t Tensor::dim() const { return static_cast<int64_t>(checked().shape.size()); }
int64_t Tensor::numel() const { return checked().numel; }
DType Tensor::dtype() const { return checked().dtype; }

int64_t Tensor::size(int64_t d) const {
  int64_t rank = dim();
  int64_t index = d < 0 ? d + rank : d;
  if (index < 0 || index >= rank)
    throw Error(fmt::format("Tensor::size: dimension {} is out of range for shape {}", d,
                            shape_to_string(shape())));
  return shape()[static_cast<std::size_t>(index)];
}

void* Tensor::data() { return checked().storage->data; }
const void* Tensor::data() const { return checked().storage->data; }

void Tensor::check_element_type(std::size_t bytes) const {
  if (dtype_size(dtype()) != bytes)
    throw Error(fmt::format("Tensor::data_as: the tensor holds {}, not a {}-byte type",
                            dtype_name(dtype()), bytes));
}

namespace {

int64_t flat_index(const Tensor& t, std::initializer_list<int64_t> index) {
  const Shape& shape = t.shape();
  if (index.size() != shape.size())
    throw Error(fmt::format("Tensor::at: {} indices for a tensor of shape {}", index.size(),
                            shape_to_string(shape)));
  int64_t flat = 0;
  std::size_t d = 0;
  for (int64_t i : index) {
    if (i < 0 || i >= shape[d])
      throw Error(fmt::format("Tensor::at: index {} is out of range for dimension {} of shape {}",
                              i, d, shape_to_string(shape)));
    flat = flat * shape[d] + i;
    ++d;
  }
  return flat;
}

}  // namespace

double Tensor::at(std::initializer_list<int64_t> index) const {
  int64_t flat = flat_index(*this, index);
  return visit_dtype(dtype(), [&](auto tag) {
    using T = decltype(tag);
    return static_cast<double>(static_cast<const T*>(data())[flat]);
  });
}

void Tensor::set(std::initializer_list<int64_t> index, double value) {
  int64_t flat = flat_index(*this, index);
  visit_dtype(dtype(), [&](auto tag) {
    using T = decltype(tag);
    static_cast<T*>(data())[flat] = static_cast<T>(value);
  });
  mark_modified();
}

double Tensor::item() const {
  if (numel() != 1)
    throw Error(fmt::format("Tensor::item: the tensor of shape {} has {} elements, not 1",
                            shape_to_string(shape()), numel()));
  return to_vector()[0];
}

std::vector<double> Tensor::to_vector() const {
  return visit_dtype(dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = static_cast<const T*>(data());
    return std::vector<double>(p, p + numel());
  });
}

void Tensor::mark_modified() { ++checked().storage->version; }
std::uint64_t Tensor::version() const { return checked().storage->version; }

bool Tensor::requires_grad() const { return impl_ && impl_->requires_grad; }

Tensor& Tensor::requires_grad_(bool on) {
  TensorImpl& impl = checked();
  if (impl.grad_fn && !on)
    throw Error(
        "Tensor::requires_grad_: only leaves can stop requiring grad; use detach() for a copy "
        "without history");
  impl.requires_grad = on || impl.grad_fn != nullptr;
  return *this;
}

bool Tensor::is_leaf() const { return checked().grad_fn == nullptr; }
Tensor Tensor::grad() const { return checked().grad; }

void Tensor::set_grad(const Tensor& grad) {
  if (grad.defined() && (grad.shape() != shape() || grad.dtype() != dtype()))
    throw Error(fmt::format("Tensor::set_grad: gradient {} {} does not match tensor {} {}",
                            dtype_name(grad.dtype()), shape_to_string(grad.shape()),
                            dtype_name(dtype()), shape_to_string(shape())));
  checked().grad = grad;
}

void Tensor::zero_grad() { checked().grad = Tensor(); }

const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked().grad_fn; }

void Tensor::set_grad_fn(std::shared_ptr<Node> node) {
  TensorImpl& impl = checked();
  impl.grad_fn = std::move(node);
  impl.requires_grad = impl.grad_fn != nullptr;
}

Tensor Tensor::detach() const {
  const TensorImpl& impl = checked();
  auto view = std::make_shared<TensorImpl>();
  view->storage = impl.storage;
  view->shape = impl.shape;
  view->numel = impl.numel;
  view->dtype = impl.dtype;
  return Tensor(std::move(view));
}

Tensor Tensor::clone() const {
  Tensor copy = Tensor::empty(shape(), dtype());
  std::memcpy(copy.data(), data(), static_cast<std::size_t>(numel()) * dtype_size(dtype()));
  return copy;
}

namespace {

// Prints nested brackets; long dimensions show their first and last three entries.
template <typename T>
void print_level(std::ostream& out, const T* data, const Shape& shape, std::size_t level,
                 bool summarise) {
  int64_t extent = shape[level];
  int64_t inner = 1;
  for (std::size_t d = level + 1; d < shape.size(); ++d) inner *= shape[d];
  out << '[';
  for (int64_t i = 0; i < extent; ++i) {
    if (summarise && extent > 6 && i == 3) {
      out << "...";
      i = extent - 4;
      if (level + 1 < shape.size()) out << ",\n" << std::string(level + 8, ' ');
      else out << ", ";
      continue;
    }
    if (level + 1 == shape.size()) out << fmt::format("{:.6g}", static_cast<double>(data[i]));
    else print_level(out, data + i * inner, shape, level + 1, summarise);
    if (i + 1 < extent) {
      if (level + 1 < shape.size()) out << ",\n" << std::string(level + 8, ' ');
      else out << ", ";
    }
  }
  out << ']';
}

}  // namespace

std::string Tensor::to_string() const {
  if (!impl_) return "Tensor(undefined)";
  std::ostringstream out;
  out << "Tensor(";
  visit_dtype(dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = static_cast<const T*>(data());
    if (shape().empty()) out << fmt::format("{:.6g}", static_cast<double>(p[0]));
    else print_level(out, p, shape(), 0, numel() > 1000);
  });
  out << ", shape=" << shape_to_string(shape()) << ", dtype=" << dtype_name(dtype());
  if (impl_->grad_fn) out << ", grad_fn=" << impl_->grad_fn->name();
  else if (impl_->requires_grad) out << ", requires_grad=true";
  out << ')';
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Tensor& tensor) {
  return out << tensor.to_string();
}

}  // namespace lucid
