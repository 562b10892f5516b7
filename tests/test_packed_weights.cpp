// nn::ConvTranspose1d::pack_weights: forward with the weight packed once gives exactly the
// plain kernels' output, and follows every change of the weight the runtime can see (an
// optimizer step, an in-place write marked with mark_modified(), a new weight tensor,
// another output_padding's kernels), also from several threads at once; and the kernel-level
// pack entries answer bad ranges and null pointers with a status.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include "lucid/grad_mode.h"
#include "lucid/jit_engine.h"
#include "lucid/kernel_abi.h"
#include "lucid/nn/conv_transpose1d.h"
#include "lucid/ops.h"
#include "lucid/optim/sgd.h"

using lucid::ConvSpec;
using lucid::Padding;
using lucid::Tensor;
using lucid::nn::ConvTranspose1d;

namespace {

// The layer's output without the packed copy (the plain kernels), restoring its setting.
std::vector<double> plain_output(ConvTranspose1d& layer, const Tensor& x) {
  const bool packed = layer.packs_weights();
  layer.pack_weights(false);
  std::vector<double> y = layer(x).to_vector();
  layer.pack_weights(packed);
  return y;
}

// Forward layouts: q in lanes (strided), output channels in lanes (stride 1), groups.
std::vector<ConvSpec> specs() {
  return {ConvSpec::make(16, 32, 8, 4, 2), ConvSpec::make(32, 32, 3, 1, 2, 0, 2),
          ConvSpec::make(24, 48, 4, 2, 1, 0, 1, 3, false)};
}

}  // namespace

TEST_CASE("a packed weight gives the plain kernels' output, bit for bit") {
  lucid::Generator gen(3);
  for (const ConvSpec& spec : specs()) {
    CAPTURE(spec.to_string());
    ConvTranspose1d layer(spec, gen);
    Tensor x = Tensor::randn({2, spec.in_channels, 37}, gen);
    lucid::NoGradGuard no_grad;
    layer(x);
    lucid::JitEngine::global().wait_for_background();  // tier 1, which has packed entries
    REQUIRE(lucid::JitEngine::global().kernels(spec)->forward_packed_bytes > 0);  // so packing is tested
    const std::vector<double> want = plain_output(layer, x);
    CHECK(!layer.packs_weights());
    layer.pack_weights();
    CHECK(layer.packs_weights());
    for (int call = 0; call < 3; ++call) CHECK(layer(x).to_vector() == want);
  }
}

TEST_CASE("a packed weight follows optimizer steps, marked writes and a new weight tensor") {
  lucid::Generator gen(4);
  for (const ConvSpec& spec : specs()) {
    CAPTURE(spec.to_string());
    ConvTranspose1d layer(spec, gen);
    layer.pack_weights();
    Tensor x = Tensor::randn({1, spec.in_channels, 21}, gen);
    layer(x);
    lucid::JitEngine::global().wait_for_background();
    const std::vector<double> first = layer(x).to_vector();

    // An optimizer step writes the weight in place and bumps its version.
    lucid::optim::SGD sgd(layer.parameters(), {.lr = 0.5});
    lucid::sum(layer(x)).backward();
    sgd.step();
    std::vector<double> after_step;
    {
      lucid::NoGradGuard no_grad;
      after_step = layer(x).to_vector();
      CHECK(after_step != first);
      CHECK(after_step == plain_output(layer, x));
    }

    // A raw write, announced with mark_modified().
    lucid::NoGradGuard no_grad;
    layer.weight.data_as<float>()[0] += 1.0f;
    layer.weight.mark_modified();
    const std::vector<double> after_write = layer(x).to_vector();
    CHECK(after_write != after_step);
    CHECK(after_write == plain_output(layer, x));

    // A new weight tensor, even one whose storage lands where the old one was.
    layer.weight = Tensor::randn(layer.weight.shape(), gen);
    CHECK(layer(x).to_vector() == plain_output(layer, x));
  }
}

TEST_CASE("forward(x, output_size) packs for its own kernels") {
  lucid::Generator gen(5);
  ConvTranspose1d layer(ConvSpec::make(16, 32, 8, 4, 2), gen);
  layer.pack_weights();
  Tensor x = Tensor::randn({1, 16, 9}, gen);
  lucid::NoGradGuard no_grad;
  layer(x);
  layer(x, 38);
  lucid::JitEngine::global().wait_for_background();
  for (int call = 0; call < 2; ++call) {
    const std::vector<double> longer = layer(x, 38).to_vector();
    const std::vector<double> usual = layer(x).to_vector();
    layer.pack_weights(false);
    CHECK(longer == layer(x, 38).to_vector());
    CHECK(usual == layer(x).to_vector());
    layer.pack_weights();
  }
}

TEST_CASE("threads sharing a packed layer all get the plain output") {
  lucid::Generator gen(6);
  ConvTranspose1d layer(ConvSpec::make(32, 32, 3, 1, 1), gen);
  Tensor x = Tensor::randn({1, 32, 64}, gen);
  lucid::NoGradGuard no_grad;
  layer(x);
  lucid::JitEngine::global().wait_for_background();
  const std::vector<double> want = plain_output(layer, x);
  layer.pack_weights();
  std::vector<std::vector<double>> got(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      lucid::NoGradGuard guard;  // grad mode is per thread
      for (int call = 0; call < 3; ++call) got[t] = layer(x).to_vector();
    });
  for (auto& thread : threads) thread.join();
  for (const auto& y : got) CHECK(y == want);
}

TEST_CASE("the pack entries refuse bad ranges and null pointers with a status") {
  const ConvSpec spec = ConvSpec::make(16, 32, 8, 4, 2);
  auto set = lucid::JitEngine::global().kernels(spec);
  REQUIRE(set->forward_packed_bytes > 0);
  REQUIRE(set->backward_data_packed_bytes > 0);
  std::vector<float> weight(static_cast<size_t>(spec.weight_numel()), 1.0f);
  std::vector<float> packed(static_cast<size_t>(set->forward_packed_bytes) / sizeof(float));
  const int64_t items = set->forward_pack_items();
  CHECK(set->pack_forward(weight.data(), packed.data(), -1, items) == LUCID_STATUS_BAD_RANGE);
  CHECK(set->pack_forward(weight.data(), packed.data(), 0, items + 1) == LUCID_STATUS_BAD_RANGE);
  CHECK(set->pack_forward(weight.data(), packed.data(), 1, 0) == LUCID_STATUS_BAD_RANGE);
  CHECK(set->pack_forward(nullptr, packed.data(), 0, items) == LUCID_STATUS_BAD_ARGUMENT);
  CHECK(set->pack_forward(weight.data(), nullptr, 0, items) == LUCID_STATUS_BAD_ARGUMENT);
  CHECK(set->pack_forward(nullptr, nullptr, 0, 0) == LUCID_STATUS_OK);  // nothing to pack
  CHECK(set->pack_backward_data(weight.data(), nullptr, 0, set->backward_data_pack_items()) ==
        LUCID_STATUS_BAD_ARGUMENT);
  CHECK(set->pack_forward(weight.data(), packed.data(), 0, items) == LUCID_STATUS_OK);
  // The prepacked kernels check their sizes and range like the plain ones.
  std::vector<float> x(16 * 5), y(static_cast<size_t>(32 * spec.output_length(5)));
  std::vector<float> bias(32);
  CHECK(set->forward_prepacked(x.data(), weight.data(), bias.data(), packed.data(), y.data(), 0, 5, 0, 0) ==
        LUCID_STATUS_BAD_BATCH);
  CHECK(set->forward_prepacked(x.data(), weight.data(), bias.data(), packed.data(), y.data(), 1, 5, 0,
                               set->forward_items(1) + 1) == LUCID_STATUS_BAD_RANGE);
  CHECK(set->forward_prepacked(x.data(), weight.data(), bias.data(), packed.data(), y.data(), 1, 5, 0,
                               set->forward_items(1)) == LUCID_STATUS_OK);
}
