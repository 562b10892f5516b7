// Elementwise ops and their backward nodes: add, sub, mul (tensor and scalar), relu.
#include <fmt/format.h>

#include "autograd_support.h"
#include "dtype_dispatch.h"
#include "lucid/error.h"
#include "lucid/ops.h"

namespace lucid {

namespace {

void check_operand(const char* op, const Tensor& t) {
  if (!t.defined()) throw Error(fmt::format("{}: an operand is undefined", op));
}

void check_same(const char* op, const Tensor& a, const Tensor& b) {
  check_operand(op, a);
  check_operand(op, b);
  if (a.shape() != b.shape())
    throw Error(fmt::format("{}: shapes {} and {} must be equal", op, shape_to_string(a.shape()),
                            shape_to_string(b.shape())));
  if (a.dtype() != b.dtype())
    throw Error(fmt::format("{}: dtypes {} (shape {}) and {} (shape {}) must be equal", op,
                            dtype_name(a.dtype()), shape_to_string(a.shape()),
                            dtype_name(b.dtype()), shape_to_string(b.shape())));
}

// out[i] = f(a[i], b[i]) in the operands' type.
template <typename F>
Tensor map2(const Tensor& a, const Tensor& b, F&& f) {
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = static_cast<const T*>(a.data());
    const T* pb = static_cast<const T*>(b.data());
    T* po = static_cast<T*>(out.data());
    for (int64_t i = 0; i < a.numel(); ++i) po[i] = f(pa[i], pb[i]);
  });
  return out;
}

template <typename F>
Tensor map1(const Tensor& a, F&& f) {
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  visit_dtype(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* pa = static_cast<const T*>(a.data());
    T* po = static_cast<T*>(out.data());
    for (int64_t i = 0; i < a.numel(); ++i) po[i] = f(pa[i]);
  });
  return out;
}

class AddBackward : public OpNode {
 public:
  AddBackward(const Tensor& a, const Tensor& b, double b_sign) : OpNode({&a, &b}), sign_(b_sign) {}
  std::string name() const override { return sign_ > 0 ? "AddBackward" : "SubBackward"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    if (sign_ > 0) return {g, g};
    return {g, map1(g, [](auto v) { return -v; })};
  }

 private:
  double sign_;
};

class MulBackward : public OpNode {
 public:
  MulBackward(const Tensor& a, const Tensor& b) : OpNode({&a, &b}), a_(a), b_(b) {}
  std::string name() const override { return "MulBackward"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    std::vector<Tensor> grads(2);
    if (next_edges_[0]) grads[0] = map2(g, b_.unpack(name()), [](auto x, auto y) { return x * y; });
    if (next_edges_[1]) grads[1] = map2(g, a_.unpack(name()), [](auto x, auto y) { return x * y; });
    return grads;
  }

 protected:
  void release_saved() override {
    a_.reset();
    b_.reset();
  }

 private:
  SavedTensor a_, b_;
};

class ScaleBackward : public OpNode {
 public:
  ScaleBackward(const Tensor& a, double scalar) : OpNode({&a}), scalar_(scalar) {}
  std::string name() const override { return "MulBackward"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    return {map1(g, [s = scalar_](auto v) { return static_cast<decltype(v)>(v * s); })};
  }

 private:
  double scalar_;
};

class ReluBackward : public OpNode {
 public:
  ReluBackward(const Tensor& x, const Tensor& out) : OpNode({&x}), out_(out) {}
  std::string name() const override { return "ReluBackward"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    return {map2(g, out_.unpack(name()),
                 [](auto gv, auto yv) { return yv > 0 ? gv : decltype(gv){0}; })};
  }

 protected:
  void release_saved() override { out_.reset(); }

 private:
  SavedTensor out_;  // the output: its sign is the mask, and it cannot change under us
};

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  check_same("add", a, b);
  Tensor out = map2(a, b, [](auto x, auto y) { return x + y; });
  if (should_record({&a, &b})) attach_node(out, std::make_shared<AddBackward>(a, b, 1.0));
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b) {
  check_same("sub", a, b);
  Tensor out = map2(a, b, [](auto x, auto y) { return x - y; });
  if (should_record({&a, &b})) attach_node(out, std::make_shared<AddBackward>(a, b, -1.0));
  return out;
}

Tensor mul(const Tensor& a, const Tensor& b) {
  check_same("mul", a, b);
  Tensor out = map2(a, b, [](auto x, auto y) { return x * y; });
  if (should_record({&a, &b})) attach_node(out, std::make_shared<MulBackward>(a, b));
  return out;
}

Tensor mul(const Tensor& a, double scalar) {
  check_operand("mul", a);
  Tensor out = map1(a, [scalar](auto v) { return static_cast<decltype(v)>(v * scalar); });
  if (should_record({&a})) attach_node(out, std::make_shared<ScaleBackward>(a, scalar));
  return out;
}

Tensor relu(const Tensor& x) {
  check_operand("relu", x);
  Tensor out = map1(x, [](auto v) { return v > 0 ? v : decltype(v){0}; });
  if (should_record({&x})) attach_node(out, std::make_shared<ReluBackward>(x, out));
  return out;
}

}  // namespace lucid
