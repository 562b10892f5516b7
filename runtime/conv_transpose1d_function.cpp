// The functional ConvTranspose1d: checks the operands against the spec, runs the layer's
// kernels over the thread pool, and records ConvTranspose1dBackward, which keeps the same
// KernelHandle so the backward pass needs no second lookup and uses tier 1 as soon as it is in.
// Each pass loads the handle's current set once and takes its item counts and kernels from it.
// Calls with a non-finite weight (or input, for the weight's gradient) take the plain loops of
// nonfinite_passes.h, which propagate NaN and Inf as PyTorch does.
#include "lucid/conv_transpose1d.h"

#include <cstring>

#include <fmt/format.h>

#include "autograd_support.h"
#include "kernel_passes.h"
#include "lucid/checked_int.h"
#include "lucid/error.h"
#include "lucid/jit_engine.h"
#include "nonfinite_passes.h"

namespace lucid {

namespace {

// The sizes one call works on. An unbatched (Cin, L) input is the same memory as (1, Cin, L).
struct Geometry {
  bool batched = true;
  int64_t batch = 1;
  int64_t length = 1;
  int64_t out_length = 1;
};

Geometry check_operands(const KernelSet& kernels, const Tensor& x, const Tensor& weight,
                        const Tensor& bias) {
  const ConvSpec& spec = kernels.spec;
  const std::string layer = spec.to_string();
  Shape weight_shape{spec.in_channels, spec.out_per_group(), spec.kernel_size};
  if (!x.defined()) throw Error(fmt::format("{}: the input is undefined", layer));
  if (!weight.defined()) throw Error(fmt::format("{}: the weight is undefined", layer));
  if (x.dim() != 2 && x.dim() != 3)
    throw Error(fmt::format("{}: input of shape {} must be (N, {}, L) or unbatched ({}, L)",
                            layer, shape_to_string(x.shape()), spec.in_channels,
                            spec.in_channels));
  if (weight.shape() != weight_shape)
    throw Error(fmt::format("{}: weight of shape {} must be (in_channels, out_channels/groups, "
                            "kernel_size) = {}",
                            layer, shape_to_string(weight.shape()),
                            shape_to_string(weight_shape)));
  if (x.size(-2) != spec.in_channels)
    throw Error(fmt::format("{}: input of shape {} has {} channels, but weight of shape {} expects "
                            "{} (input (N, {}, L) or ({}, L))",
                            layer, shape_to_string(x.shape()), x.size(-2),
                            shape_to_string(weight.shape()), spec.in_channels, spec.in_channels,
                            spec.in_channels));
  if (x.dtype() != spec.dtype || weight.dtype() != spec.dtype)
    throw Error(fmt::format("{}: input {} of shape {} and weight {} of shape {} must both be {}",
                            layer, dtype_name(x.dtype()), shape_to_string(x.shape()),
                            dtype_name(weight.dtype()), shape_to_string(weight.shape()),
                            dtype_name(spec.dtype)));
  if (spec.bias && !bias.defined())
    throw Error(fmt::format("{}: the layer has bias=True but no bias tensor was given", layer));
  if (!spec.bias && bias.defined())
    throw Error(fmt::format("{}: the layer has bias=False but a bias of shape {} was given", layer,
                            shape_to_string(bias.shape())));
  if (bias.defined()) {
    if (bias.shape() != Shape{spec.out_channels})
      throw Error(fmt::format("{}: bias of shape {} must be (out_channels,) = ({},)", layer,
                              shape_to_string(bias.shape()), spec.out_channels));
    if (bias.dtype() != spec.dtype)
      throw Error(fmt::format("{}: bias {} of shape {} must be {} like the weight of shape {}",
                              layer, dtype_name(bias.dtype()), shape_to_string(bias.shape()),
                              dtype_name(spec.dtype), shape_to_string(weight.shape())));
  }
  Geometry g;
  g.batched = x.dim() == 3;
  g.batch = g.batched ? x.size(0) : 1;
  g.length = x.size(-1);
  if (g.length < 1)
    throw Error(fmt::format("{}: input of shape {} has length 0; the length must be >= 1", layer,
                            shape_to_string(x.shape())));
  g.out_length = spec.output_length(g.length);
  // Rejected before anything is allocated: an output whose size int64 cannot count.
  product_or_throw({g.batch, spec.out_channels, g.out_length, static_cast<int64_t>(dtype_size(spec.dtype))}, [&] {
    return fmt::format("{}: for input of shape {}, the output's byte count batch * out_channels * "
                       "output_length * sizeof(dtype)",
                       layer, shape_to_string(x.shape()));
  });
  return g;
}

// Tensor::empty that names the layer and the result it was allocating when memory runs out.
Tensor allocate(const Shape& shape, const KernelSet& kernels, const char* what) {
  try {
    return Tensor::empty(shape, kernels.spec.dtype);
  } catch (const OutOfMemory& e) {
    throw OutOfMemory(fmt::format("{}: {}: {}", kernels.spec.to_string(), what, e.what()));
  }
}

Shape output_shape(const ConvSpec& spec, const Geometry& g) {
  if (g.batched) return {g.batch, spec.out_channels, g.out_length};
  return {spec.out_channels, g.out_length};
}

void fill_zero(Tensor& t) {
  std::memset(t.data(), 0, static_cast<std::size_t>(t.numel()) * dtype_size(t.dtype()));
}

class ConvTranspose1dBackward : public OpNode {
 public:
  ConvTranspose1dBackward(const Tensor& x, const Tensor& weight, const Tensor& bias,
                          std::shared_ptr<const KernelHandle> kernels, const Geometry& geometry)
      : OpNode({&x, &weight, &bias}),
        kernels_(std::move(kernels)),
        geometry_(geometry),
        x_shape_(x.shape()),
        weight_shape_(weight.shape()) {
    // Save only what the requested gradients read: dx needs the weight, dW needs the input.
    if (next_edges_[0]) weight_ = SavedTensor(weight);
    if (next_edges_[1]) x_ = SavedTensor(x);
  }

  std::string name() const override { return "ConvTranspose1dBackward"; }

  std::vector<Tensor> apply(const Tensor& grad_y) override {
    const KernelSet& k = kernels_->current();
    const Geometry& g = geometry_;
    std::vector<Tensor> grads(3);
    if (next_edges_[0]) {
      Tensor w = weight_.unpack(name());
      Tensor gx = allocate(x_shape_, k, "the input's gradient");
      if (g.batch == 0) fill_zero(gx);
      else if (!nonfinite::all_finite(w)) nonfinite::backward_data(k.spec, grad_y, w, gx, g.batch, g.length);
      else run_backward_data(k, grad_y.data(), w.data(), gx.data(), g.batch, g.length);
      grads[0] = std::move(gx);
    }
    if (next_edges_[1]) {
      Tensor x = x_.unpack(name());
      Tensor gw = allocate(weight_shape_, k, "the weight's gradient");
      if (g.batch == 0) fill_zero(gw);
      else if (!nonfinite::all_finite(x)) nonfinite::backward_weight(k.spec, x, grad_y, gw, g.batch, g.length);
      else run_backward_weight(k, x.data(), grad_y.data(), gw.data(), g.batch, g.length);
      grads[1] = std::move(gw);
    }
    if (next_edges_[2]) {
      Tensor gb = allocate({k.spec.out_channels}, k, "the bias's gradient");
      if (g.batch == 0) fill_zero(gb);
      else run_backward_bias(k, grad_y.data(), gb.data(), g.batch, g.length);
      grads[2] = std::move(gb);
    }
    return grads;
  }

 protected:
  void release_saved() override {
    x_.reset();
    weight_.reset();
  }

 private:
  std::shared_ptr<const KernelHandle> kernels_;
  Geometry geometry_;
  Shape x_shape_, weight_shape_;
  SavedTensor x_, weight_;
};

}  // namespace

Tensor conv_transpose1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        std::shared_ptr<const KernelHandle> kernels) {
  return conv_transpose1d(x, weight, bias, std::move(kernels), nullptr);
}

Tensor conv_transpose1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        std::shared_ptr<const KernelHandle> kernels, PackedWeights* packed) {
  if (!kernels) throw Error("conv_transpose1d: no kernels given");
  const KernelSet& k = kernels->current();
  Geometry g = check_operands(k, x, weight, bias);
  Tensor y = allocate(output_shape(k.spec, g), k, "the output");
  if (g.batch > 0) {
    // The kernels' products with zero padding add NaN only where the weight is not finite,
    // and only to outputs PyTorch would leave finite; so a finite y is exact whatever the
    // weight, and a finite weight makes any y exact. Check the smaller of the two.
    const bool check_weight_first = weight.numel() <= y.numel();
    if (check_weight_first && !nonfinite::all_finite(weight)) {
      nonfinite::forward(k.spec, x, weight, bias, y, g.batch, g.length);
    } else {
      const std::shared_ptr<const void> packed_weight = packed ? packed->forward(kernels, k, weight) : nullptr;
      run_forward(k, x.data(), weight.data(), bias.defined() ? bias.data() : nullptr, y.data(), g.batch, g.length,
                  packed_weight.get());
      if (!check_weight_first && !nonfinite::all_finite(y) && !nonfinite::all_finite(weight))
        nonfinite::forward(k.spec, x, weight, bias, y, g.batch, g.length);
    }
  }
  if (should_record({&x, &weight, &bias}))
    attach_node(y, std::make_shared<ConvTranspose1dBackward>(x, weight, bias, std::move(kernels), g));
  return y;
}

Tensor conv_transpose1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvSpec& spec) {
  return conv_transpose1d(x, weight, bias, JitEngine::global().handle(spec));
}

}  // namespace lucid
