// nn::ConvTranspose1d: parameters, PyTorch initialisation, and forward with or without
// output_size. Kernels are fetched lazily, once per output_padding the layer is run with.
#include "lucid/nn/conv_transpose1d.h"

#include <algorithm>
#include <cmath>

#include <optional>

#include <fmt/format.h>

#include "lucid/conv_transpose1d.h"
#include "lucid/error.h"
#include "lucid/grad_mode.h"
#include "lucid/jit_engine.h"

namespace lucid::nn {

ConvTranspose1d::ConvTranspose1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                                 int64_t stride, Padding padding, int64_t output_padding,
                                 int64_t dilation, int64_t groups, bool bias, DType dtype)
    : ConvTranspose1d(ConvSpec::make(in_channels, out_channels, kernel_size, stride, padding,
                                     output_padding, dilation, groups, bias, dtype)) {}

ConvTranspose1d::ConvTranspose1d(const ConvSpec& spec)
    : ConvTranspose1d(spec, default_generator()) {}

ConvTranspose1d::ConvTranspose1d(const ConvSpec& spec, Generator& generator) : spec_(spec) {
  register_parameter("weight", weight);
  register_parameter("bias", bias);
  reset_parameters(generator);
}

void ConvTranspose1d::reset_parameters(Generator& generator) {
  // PyTorch: kaiming_uniform_(a=sqrt(5)) on the weight gives exactly U(-1/sqrt(fan_in), +),
  // with fan_in = weight.size(1) * K = (Cout/groups) * K; the bias uses the same bound.
  double fan_in = static_cast<double>(spec_.out_per_group() * spec_.kernel_size);
  double bound = 1.0 / std::sqrt(fan_in);
  // A layer too large for memory says which layer and which parameter it could not hold.
  const char* parameter = "weight";
  try {
    weight = Tensor::uniform({spec_.in_channels, spec_.out_per_group(), spec_.kernel_size}, -bound,
                             bound, generator, spec_.dtype, true);
    parameter = "bias";
    bias = spec_.bias ? Tensor::uniform({spec_.out_channels}, -bound, bound, generator,
                                        spec_.dtype, true)
                      : Tensor();
  } catch (const OutOfMemory& e) {
    throw OutOfMemory(fmt::format("{}: the {}: {}", spec_.to_string(), parameter, e.what()));
  }
}

void ConvTranspose1d::pack_weights(bool enabled) {
  if (!enabled) packed_.reset();
  else if (!packed_) packed_ = std::make_shared<PackedWeights>();
}

std::shared_ptr<const KernelHandle> ConvTranspose1d::kernels_for(int64_t output_padding) {
  for (const auto& [op, kernels] : kernels_)
    if (op == output_padding) return kernels;
  ConvSpec spec = ConvSpec::make(spec_.in_channels, spec_.out_channels, spec_.kernel_size,
                                 spec_.stride, spec_.padding, output_padding, spec_.dilation,
                                 spec_.groups, spec_.bias, spec_.dtype);
  auto kernels = JitEngine::global().handle(spec);
  kernels_.emplace_back(output_padding, kernels);
  return kernels;
}

Tensor ConvTranspose1d::forward(const Tensor& x) {
  return conv_transpose1d(x, weight, bias, kernels_for(spec_.output_padding), packed_.get());
}

int64_t ConvTranspose1d::output_padding_for(int64_t length, int64_t output_size) const {
  // Lengths reachable with output_padding 0 .. max(stride, dilation) - 1 (PyTorch's rule);
  // string paddings fix output_padding at 0.
  ConvSpec base = spec_;
  base.output_padding = 0;
  std::optional<int64_t> shortest_or_overflow = base.output_length_or_overflow(length);
  if (!shortest_or_overflow) base.output_length(length);  // throws the overflow, naming the length
  int64_t shortest = *shortest_or_overflow;
  bool string_padding =
      spec_.padding.kind == Padding::Kind::Same || spec_.padding.kind == Padding::Kind::Valid;
  int64_t longest =
      string_padding ? shortest : shortest + std::max(spec_.stride, spec_.dilation) - 1;
  if (output_size < std::max<int64_t>(shortest, 1) || output_size > longest) {
    std::string reachable =
        longest < 1 ? std::string("no output length >= 1")
        : shortest == longest
            ? fmt::format("the output can only be {} long", shortest)
            : fmt::format("the output can be {} to {} long (output_padding from {} to {})",
                          std::max<int64_t>(shortest, 1), longest,
                          std::max<int64_t>(shortest, 1) - shortest, longest - shortest);
    throw Error(fmt::format("{}: output_size ({}) is not reachable from an input of length {}; {}",
                            spec_.to_string(), output_size, length, reachable));
  }
  return output_size - shortest;
}

Tensor ConvTranspose1d::forward(const Tensor& x, int64_t output_size) {
  if (!x.defined()) throw Error(fmt::format("{}: the input is undefined", spec_.to_string()));
  if (x.dim() != 2 && x.dim() != 3)
    throw Error(fmt::format("{}: input of shape {} must be (N, {}, L) or unbatched ({}, L)",
                            spec_.to_string(), shape_to_string(x.shape()), spec_.in_channels,
                            spec_.in_channels));
  int64_t output_padding = output_padding_for(x.size(-1), output_size);
  return conv_transpose1d(x, weight, bias, kernels_for(output_padding), packed_.get());
}

}  // namespace lucid::nn
