// Reductions to a 0-dimensional tensor: sum, mean, and the MSE loss built on the same idea.
// Sums accumulate in double so a float32 loss over many elements stays accurate.
#include <fmt/format.h>

#include "autograd_support.h"
#include "dtype_dispatch.h"
#include "lucid/error.h"
#include "lucid/ops.h"

namespace lucid {

namespace {

Tensor scalar_like(const Tensor& t, double value) {
  return Tensor::full({}, value, t.dtype());
}

// d(scale * sum(x))/dx = scale everywhere.
class SumBackward : public OpNode {
 public:
  SumBackward(const Tensor& x, double scale) : OpNode({&x}), shape_(x.shape()), scale_(scale) {}
  std::string name() const override { return scale_ == 1.0 ? "SumBackward" : "MeanBackward"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    return {Tensor::full(shape_, g.item() * scale_, g.dtype())};
  }

 private:
  Shape shape_;
  double scale_;
};

// d/dp mean((p - t)^2) = 2 (p - t) / n, and the negative for t.
class MseLossBackward : public OpNode {
 public:
  MseLossBackward(const Tensor& p, const Tensor& t) : OpNode({&p, &t}), p_(p), t_(t) {}
  std::string name() const override { return "MseLossBackward"; }
  std::vector<Tensor> apply(const Tensor& g) override {
    Tensor p = p_.unpack(name()), t = t_.unpack(name());
    double scale = 2.0 * g.item() / static_cast<double>(p.numel());
    Tensor dp = Tensor::empty(p.shape(), p.dtype());
    visit_dtype(p.dtype(), [&](auto tag) {
      using T = decltype(tag);
      const T* pp = static_cast<const T*>(p.data());
      const T* pt = static_cast<const T*>(t.data());
      T* pd = static_cast<T*>(dp.data());
      for (int64_t i = 0; i < p.numel(); ++i) pd[i] = static_cast<T>(scale * (pp[i] - pt[i]));
    });
    std::vector<Tensor> grads(2);
    if (next_edges_[1]) grads[1] = mul(dp, -1.0);
    if (next_edges_[0]) grads[0] = std::move(dp);
    return grads;
  }

 protected:
  void release_saved() override {
    p_.reset();
    t_.reset();
  }

 private:
  SavedTensor p_, t_;
};

double sum_as_double(const Tensor& x) {
  return visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = static_cast<const T*>(x.data());
    double total = 0;
    for (int64_t i = 0; i < x.numel(); ++i) total += static_cast<double>(p[i]);
    return total;
  });
}

}  // namespace

Tensor sum(const Tensor& x) {
  if (!x.defined()) throw Error("sum: the operand is undefined");
  Tensor out = scalar_like(x, sum_as_double(x));
  if (should_record({&x})) attach_node(out, std::make_shared<SumBackward>(x, 1.0));
  return out;
}

Tensor mean(const Tensor& x) {
  if (!x.defined()) throw Error("mean: the operand is undefined");
  if (x.numel() == 0) throw Error("mean: the tensor of shape (0) has no elements");
  double scale = 1.0 / static_cast<double>(x.numel());
  Tensor out = scalar_like(x, sum_as_double(x) * scale);
  if (should_record({&x})) attach_node(out, std::make_shared<SumBackward>(x, scale));
  return out;
}

Tensor mse_loss(const Tensor& prediction, const Tensor& target) {
  if (!prediction.defined() || !target.defined()) throw Error("mse_loss: an operand is undefined");
  if (prediction.shape() != target.shape() || prediction.dtype() != target.dtype())
    throw Error(fmt::format("mse_loss: prediction {} {} and target {} {} must match",
                            dtype_name(prediction.dtype()), shape_to_string(prediction.shape()),
                            dtype_name(target.dtype()), shape_to_string(target.shape())));
  if (prediction.numel() == 0) throw Error("mse_loss: the tensors have no elements");
  double total = visit_dtype(prediction.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = static_cast<const T*>(prediction.data());
    const T* t = static_cast<const T*>(target.data());
    double acc = 0;
    for (int64_t i = 0; i < prediction.numel(); ++i) {
      double d = static_cast<double>(p[i]) - static_cast<double>(t[i]);
      acc += d * d;
    }
    return acc;
  });
  Tensor out = scalar_like(prediction, total / static_cast<double>(prediction.numel()));
  if (should_record({&prediction, &target}))
    attach_node(out, std::make_shared<MseLossBackward>(prediction, target));
  return out;
}

}  // namespace lucid
