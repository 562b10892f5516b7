// nn::ConvTranspose1d: the layer of docs/semantics.md §1 with PyTorch's constructor, attributes and
// initialisation. Its forward and backward passes run JIT kernels only.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/generator.h"
#include "lucid/kernel_handle.h"
#include "lucid/packed_weights.h"
#include "lucid/nn/module.h"

namespace lucid::nn {

class ConvTranspose1d : public Module {
 public:
  // The arguments of docs/semantics.md §1, validated by ConvSpec::make. Parameters are drawn from
  // default_generator(); pass a Generator to the ConvSpec constructor to seed them apart.
  ConvTranspose1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                  int64_t stride = 1, Padding padding = 0, int64_t output_padding = 0,
                  int64_t dilation = 1, int64_t groups = 1, bool bias = true,
                  DType dtype = DType::Float32);
  explicit ConvTranspose1d(const ConvSpec& spec);
  ConvTranspose1d(const ConvSpec& spec, Generator& generator);

  // x: (N, Cin, L) or unbatched (Cin, L).
  Tensor forward(const Tensor& x) override;
  // PyTorch's forward(x, output_size): picks the output_padding that makes the output
  // `output_size` long (replacing the constructor's), or throws lucid::Error listing the
  // reachable lengths. A different output_padding is a different spec, so other kernels.
  Tensor forward(const Tensor& x, int64_t output_size);
  using Module::operator();
  Tensor operator()(const Tensor& x, int64_t output_size) { return forward(x, output_size); }

  // The output_padding forward(x, output_size) uses for an input `length` long; throws
  // lucid::Error listing the reachable sizes when there is none.
  int64_t output_padding_for(int64_t length, int64_t output_size) const;

  // Redraws weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = (Cout/G)*K.
  void reset_parameters(Generator& generator);

  // For inference with fixed weights: with `enabled`, forward packs the weight into its
  // kernel's order once, in the first call after each change of weight.version() (an
  // optimizer step, any in-place op, mark_modified()) or of the kernels, and reuses that copy,
  // which saves the per-call pack (6-8% of hifigan_up1's forward on Zen 5). The copy takes as
  // much memory as the weight. Writes that bypass the version (data(), numpy views) need
  // weight.mark_modified() afterwards. Off by default, and off again with false.
  void pack_weights(bool enabled = true);
  bool packs_weights() const { return packed_ != nullptr; }

  const ConvSpec& spec() const { return spec_; }
  std::string to_string() const override { return spec_.to_string(); }

  Tensor weight;  // (Cin, Cout/groups, K)
  Tensor bias;    // (Cout), undefined when the layer has no bias

 private:
  // The kernels for the spec with `output_padding`, fetched from the JIT once per value.
  std::shared_ptr<const KernelHandle> kernels_for(int64_t output_padding);

  ConvSpec spec_;
  std::vector<std::pair<int64_t, std::shared_ptr<const KernelHandle>>> kernels_;
  std::shared_ptr<PackedWeights> packed_;  // null unless pack_weights(true)
};

}  // namespace lucid::nn
