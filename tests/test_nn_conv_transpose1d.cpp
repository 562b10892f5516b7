// nn::ConvTranspose1d: the seed's worked examples with the correct numbers, the stacked
// Decoder, unbatched input, forward(x, output_size), initialisation, agreement with the
// reference kernels, thread-count independence, and every mismatch error.
#include <doctest/doctest.h>

#include <cmath>

#include "lucid/error.h"
#include "lucid/grad_mode.h"
#include "lucid/jit_engine.h"
#include "lucid/nn/conv_transpose1d.h"
#include "lucid/nn/relu.h"
#include "lucid/node.h"
#include "lucid/ops.h"
#include "lucid/reference.h"
#include "lucid/thread_pool.h"

using lucid::ConvSpec;
using lucid::DType;
using lucid::Padding;
using lucid::Tensor;
using lucid::nn::ConvTranspose1d;

TEST_CASE("the seed's basic example: y = [1, 2.5, 4, 1.5], x.grad = [1.5]*3, weight.grad = [6, 6]") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    CAPTURE(lucid::dtype_name(dtype));
    Tensor x = Tensor::from_vector({1, 2, 3}, {1, 1, 3}, dtype, true);
    ConvTranspose1d deconv(1, 1, 2, 1, 0, 0, 1, 1, /*bias=*/false, dtype);
    CHECK_FALSE(deconv.bias.defined());
    deconv.weight = Tensor::from_vector({1.0, 0.5}, {1, 1, 2}, dtype, true);
    Tensor y = deconv(x);
    CHECK(y.shape() == lucid::Shape{1, 1, 4});
    CHECK(y.to_vector() == std::vector<double>{1, 2.5, 4, 1.5});
    CHECK(y.grad_fn()->name() == "ConvTranspose1dBackward");
    y.backward();
    CHECK(x.grad().to_vector() == std::vector<double>{1.5, 1.5, 1.5});
    CHECK(deconv.weight.grad().to_vector() == std::vector<double>{6, 6});
  }
}

TEST_CASE("the stride-2 version of the example: y = [1, 0.5, 2, 1, 3, 1.5]") {
  Tensor x = Tensor::from_vector({1, 2, 3}, {1, 1, 3});
  ConvTranspose1d deconv(1, 1, 2, 2, 0, 0, 1, 1, false);
  deconv.weight = Tensor::from_vector({1.0, 0.5}, {1, 1, 2}, DType::Float32, true);
  CHECK(deconv(x).to_vector() == std::vector<double>{1, 0.5, 2, 1, 3, 1.5});
}

namespace {

// The seed's Decoder, written as a user would: members registered by name.
struct Decoder : lucid::nn::Module {
  ConvTranspose1d deconv1{4, 2, 3, /*stride=*/2, /*padding=*/1, /*output_padding=*/1};
  lucid::nn::ReLU relu;
  Decoder() {
    register_module("deconv1", deconv1);
    register_module("relu", relu);
  }
  Tensor forward(const Tensor& x) override { return relu(deconv1(x)); }
  std::string to_string() const override { return "Decoder"; }
};

}  // namespace

TEST_CASE("the seed's Decoder: (1, 4, 5) -> (1, 2, 10), every parameter gets a gradient") {
  lucid::manual_seed(0);
  Decoder model;
  Tensor z = Tensor::randn({1, 4, 5}, /*requires_grad=*/true);
  Tensor output = model(z);
  CHECK(output.shape() == lucid::Shape{1, 2, 10});
  for (double v : output.to_vector()) CHECK(v >= 0);
  output.backward();
  auto named = model.named_parameters();
  REQUIRE(named.size() == 2);
  CHECK(named[0].first == "deconv1.weight");
  CHECK(named[1].first == "deconv1.bias");
  for (auto& [name, p] : named) {
    CAPTURE(name);
    REQUIRE(p.grad().defined());
    CHECK(p.grad().shape() == p.shape());
  }
  CHECK(z.grad().shape() == z.shape());

  // The same numbers as the reference kernels followed by ReLU.
  std::vector<float> y(20);
  auto w = model.deconv1.weight.to_vector(), b = model.deconv1.bias.to_vector();
  std::vector<float> wf(w.begin(), w.end()), bf(b.begin(), b.end());
  auto zv = z.to_vector();
  std::vector<float> zf(zv.begin(), zv.end());
  lucid::reference::forward<float>(model.deconv1.spec(), zf.data(), wf.data(), bf.data(), y.data(),
                                   1, 5);
  auto out = output.to_vector();
  for (int i = 0; i < 20; ++i) CHECK(out[i] == doctest::Approx(std::max(0.f, y[i])).epsilon(1e-5));
}

TEST_CASE("unbatched (C, L) input gives unbatched output and gradients") {
  lucid::Generator gen(3);
  ConvTranspose1d layer(ConvSpec::make(4, 6, 3, 2, 1, 1, 1, 2, true), gen);
  Tensor xb = Tensor::randn({1, 4, 7}, gen, true);
  Tensor xu = xb.detach().reshape({4, 7}).clone().requires_grad_();
  // Bitwise equality holds within a tier: let tier 1 serve every call compared below.
  layer(xb.detach());
  lucid::JitEngine::global().wait_for_background();
  Tensor yb = layer(xb);
  Tensor yu = layer(xu);
  CHECK(yu.shape() == lucid::Shape{6, 14});
  CHECK(yu.to_vector() == yb.to_vector());
  yu.backward();
  CHECK(xu.grad().shape() == lucid::Shape{4, 7});
  Tensor wgrad_unbatched = layer.weight.grad().clone();
  layer.zero_grad();
  yb.backward();
  CHECK(xu.grad().to_vector() == xb.grad().to_vector());
  CHECK(layer.weight.grad().to_vector() == wgrad_unbatched.to_vector());
}

TEST_CASE("forward(x, output_size) picks output_padding, or lists the reachable sizes") {
  ConvTranspose1d layer(2, 3, 3, /*stride=*/2, /*padding=*/1);
  Tensor x = Tensor::randn({1, 2, 5});
  CHECK(layer(x).size(-1) == 9);
  Tensor y9 = layer(x, 9);
  Tensor y10 = layer(x, 10);
  CHECK(y9.size(-1) == 9);
  CHECK(y10.size(-1) == 10);
  // The first 9 positions agree: output_padding only appends positions.
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t t = 0; t < 9; ++t) CHECK(y10.at({0, c, t}) == doctest::Approx(y9.at({0, c, t})));
  CHECK_THROWS_WITH_AS(layer(x, 11),
                       "ConvTranspose1d(2, 3, 3, stride=2, padding=1): output_size (11) is not "
                       "reachable from an input of length 5; the output can be 9 to 10 long "
                       "(output_padding from 0 to 1)",
                       lucid::Error);
  CHECK_THROWS_AS(layer(x, 8), lucid::Error);
  // Unbatched input, and gradients through the output_padding=1 kernels.
  Tensor xu = Tensor::randn({2, 5}, false).requires_grad_();
  Tensor yu = layer(xu, 10);
  CHECK(yu.shape() == lucid::Shape{3, 10});
  yu.backward();
  CHECK(xu.grad().shape() == lucid::Shape{2, 5});

  ConvTranspose1d same(2, 2, 3, 2, Padding::same());
  CHECK(same(x, 10).size(-1) == 10);
  CHECK_THROWS_AS(same(x, 11), lucid::Error);
}

TEST_CASE("initialisation: U(-1/sqrt(fan_in), +) with fan_in = (Cout/G)*K, seedable") {
  lucid::Generator a(11), b(11), c(12);
  ConvSpec spec = ConvSpec::make(8, 12, 5, 2, 0, 0, 1, 4, true);
  ConvTranspose1d la(spec, a), lb(spec, b), lc(spec, c);
  CHECK(la.weight.shape() == lucid::Shape{8, 3, 5});
  CHECK(la.bias.shape() == lucid::Shape{12});
  CHECK(la.weight.requires_grad());
  CHECK(la.weight.to_vector() == lb.weight.to_vector());
  CHECK(la.bias.to_vector() == lb.bias.to_vector());
  CHECK(la.weight.to_vector() != lc.weight.to_vector());
  double bound = 1 / std::sqrt(3.0 * 5.0);
  double largest = 0;
  for (double v : la.weight.to_vector()) {
    CHECK(std::abs(v) <= bound);
    largest = std::max(largest, std::abs(v));
  }
  for (double v : la.bias.to_vector()) CHECK(std::abs(v) <= bound);
  CHECK(largest > 0.8 * bound);  // the samples span the interval, not a narrower one
  ConvTranspose1d f64(2, 2, 2, 1, 0, 0, 1, 1, true, DType::Float64);
  CHECK(f64.weight.dtype() == DType::Float64);
}

TEST_CASE("forward and all gradients agree with the reference kernels") {
  struct Case {
    ConvSpec spec;
    int64_t batch, length;
  };
  std::vector<Case> cases = {
      {ConvSpec::make(3, 4, 3, 1), 2, 9},
      {ConvSpec::make(4, 6, 4, 2, 1, 1, 1, 2), 3, 8},
      {ConvSpec::make(6, 6, 3, 3, Padding(2, 0), 2, 2, 3, false), 2, 5},
      {ConvSpec::make(5, 7, 5, 2, Padding::same(), 0, 1, 1, true), 2, 11},
      {ConvSpec::make(16, 32, 8, 4, 2, 0, 1, 1, true), 4, 33},
      {ConvSpec::make(8, 4, 2, 4, Padding::same(), 0, 1, 1, true, DType::Float64), 1, 6},
  };
  lucid::Generator gen(5);
  for (const auto& [spec, batch, length] : cases) {
    CAPTURE(spec.to_string());
    ConvTranspose1d layer(spec, gen);
    Tensor x = Tensor::randn({batch, spec.in_channels, length}, gen, true, spec.dtype);
    Tensor y = layer(x);
    int64_t out_length = spec.output_length(length);
    REQUIRE(y.shape() == lucid::Shape{batch, spec.out_channels, out_length});
    Tensor gy = Tensor::randn(y.shape(), gen, false, spec.dtype);
    y.backward(gy);

    // Reference in double from the same (possibly float) values.
    auto xv = x.to_vector(), wv = layer.weight.to_vector(), gyv = gy.to_vector();
    std::vector<double> bv = spec.bias ? layer.bias.to_vector() : std::vector<double>{};
    std::vector<double> y_ref(y.numel()), gx_ref(x.numel()), gw_ref(wv.size()),
        gb_ref(spec.out_channels);
    ConvSpec spec64 = spec;
    spec64.dtype = DType::Float64;
    lucid::reference::forward<double>(spec64, xv.data(), wv.data(), spec.bias ? bv.data() : nullptr,
                                      y_ref.data(), batch, length);
    lucid::reference::backward_data<double>(spec64, gyv.data(), wv.data(), gx_ref.data(), batch,
                                            length);
    lucid::reference::backward_weight<double>(spec64, xv.data(), gyv.data(), gw_ref.data(), batch,
                                              length);
    lucid::reference::backward_bias<double>(spec64, gyv.data(), gb_ref.data(), batch, length);
    double tol = spec.dtype == DType::Float32 ? 1e-4 : 1e-12;
    auto close = [&](const std::vector<double>& got, const std::vector<double>& want) {
      REQUIRE(got.size() == want.size());
      for (std::size_t i = 0; i < got.size(); ++i)
        CHECK(got[i] == doctest::Approx(want[i]).epsilon(tol).scale(10));
    };
    close(y.to_vector(), y_ref);
    close(x.grad().to_vector(), gx_ref);
    close(layer.weight.grad().to_vector(), gw_ref);
    if (spec.bias) close(layer.bias.grad().to_vector(), gb_ref);
  }
}

TEST_CASE("results do not depend on the number of threads, and big layers do go parallel") {
  lucid::Generator gen(9);
  ConvTranspose1d layer(ConvSpec::make(32, 32, 8, 4, 2), gen);
  Tensor x = Tensor::randn({4, 32, 64}, gen, true);
  auto run = [&](int threads) {
    lucid::ThreadPool::set_global_threads(threads);
    layer.zero_grad();
    x.zero_grad();
    Tensor y = layer(x);
    y.backward();
    return std::vector<std::vector<double>>{y.to_vector(), x.grad().to_vector(),
                                            layer.weight.grad().to_vector(),
                                            layer.bias.grad().to_vector()};
  };
  // Bitwise equality holds within a tier; the layer's first call may start on tier 0, so
  // wait for tier 1 before the runs compared.
  run(1);
  lucid::JitEngine::global().wait_for_background();
  auto one = run(1);
  auto two = run(2);
  CHECK(lucid::ThreadPool::global().parallel_calls() > 0);
  auto three = run(3);
  CHECK(one == two);
  CHECK(one == three);
  lucid::ThreadPool::set_global_threads(lucid::ThreadPool::default_threads());
}

TEST_CASE("kernels are fetched once per output_padding and kept by the graph") {
  ConvTranspose1d layer(3, 3, 4, 2, 1, 0, 1, 1, true, DType::Float64);
  auto before = lucid::JitEngine::global().stats();
  Tensor x = Tensor::randn({1, 3, 4}, false, DType::Float64);
  for (int i = 0; i < 5; ++i) layer(x);
  layer(x, 9);
  auto after = lucid::JitEngine::global().stats();
  CHECK(after.handles - before.handles == 2);          // one per output_padding
  CHECK(after.memory_hits - before.memory_hits == 0);  // and never asked for again
}

TEST_CASE("NoGradGuard: a layer's output has no graph") {
  ConvTranspose1d layer(2, 2, 2);
  Tensor x = Tensor::randn({1, 2, 3}, true);
  lucid::NoGradGuard guard;
  Tensor y = layer(x);
  CHECK_FALSE(y.requires_grad());
  CHECK(y.grad_fn() == nullptr);
}

TEST_CASE("gradient accumulation through the layer over two backward calls") {
  lucid::Generator gen(2);
  ConvTranspose1d layer(ConvSpec::make(2, 3, 3, 2), gen);
  Tensor x = Tensor::randn({2, 2, 4}, gen, true, DType::Float32);
  layer(x).backward();
  auto gw1 = layer.weight.grad().to_vector(), gb1 = layer.bias.grad().to_vector(),
       gx1 = x.grad().to_vector();
  layer(x).backward();
  auto gw2 = layer.weight.grad().to_vector(), gb2 = layer.bias.grad().to_vector(),
       gx2 = x.grad().to_vector();
  for (std::size_t i = 0; i < gw1.size(); ++i) CHECK(gw2[i] == doctest::Approx(2 * gw1[i]));
  for (std::size_t i = 0; i < gb1.size(); ++i) CHECK(gb2[i] == doctest::Approx(2 * gb1[i]));
  for (std::size_t i = 0; i < gx1.size(); ++i) CHECK(gx2[i] == doctest::Approx(2 * gx1[i]));
}

TEST_CASE("backward twice through a layer's freed graph is a clear error") {
  ConvTranspose1d layer(2, 2, 2);
  Tensor x = Tensor::randn({1, 2, 3}, true);
  Tensor y = layer(x);
  y.backward();
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("already freed"), lucid::Error);
}

TEST_CASE("updating the weight in place between forward and backward is caught") {
  ConvTranspose1d layer(2, 2, 2);
  Tensor x = Tensor::randn({1, 2, 3}, true);
  Tensor y = layer(x);
  layer.weight.set({0, 0, 0}, 5.0);
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("modified in place"), lucid::Error);
}

TEST_CASE("every mismatch throws lucid::Error naming the shapes") {
  ConvTranspose1d layer(4, 2, 3);
  const std::string name = "ConvTranspose1d(4, 2, 3)";
  CHECK_THROWS_WITH_AS(layer(Tensor::zeros({1, 3, 5})),
                       (name + ": input of shape (1, 3, 5) has 3 channels, but weight of shape "
                               "(4, 2, 3) expects 4 (input (N, 4, L) or (4, L))")
                           .c_str(),
                       lucid::Error);
  CHECK_THROWS_WITH_AS(layer(Tensor::zeros({3, 5})), doctest::Contains("(3, 5) has 3 channels"),
                       lucid::Error);
  CHECK_THROWS_WITH_AS(layer(Tensor::zeros({1, 1, 4, 5})),
                       (name + ": input of shape (1, 1, 4, 5) must be (N, 4, L) or unbatched (4, L)")
                           .c_str(),
                       lucid::Error);
  CHECK_THROWS_WITH_AS(layer(Tensor::zeros({5})), doctest::Contains("(5,)"), lucid::Error);
  CHECK_THROWS_WITH_AS(layer(Tensor::zeros({1, 4, 5}, DType::Float64)),
                       (name + ": input float64 of shape (1, 4, 5) and weight float32 of shape "
                               "(4, 2, 3) must both be float32")
                           .c_str(),
                       lucid::Error);
  CHECK_THROWS_WITH_AS(layer(Tensor::zeros({1, 4, 0})), doctest::Contains("length 0"),
                       lucid::Error);
  CHECK_THROWS_WITH_AS(layer(Tensor()), doctest::Contains("undefined"), lucid::Error);

  layer.weight = Tensor::zeros({4, 2, 2}, DType::Float32, true);
  CHECK_THROWS_WITH_AS(layer(Tensor::zeros({1, 4, 5})),
                       (name + ": weight of shape (4, 2, 2) must be (in_channels, "
                               "out_channels/groups, kernel_size) = (4, 2, 3)")
                           .c_str(),
                       lucid::Error);
  layer.weight = Tensor::zeros({4, 2, 3}, DType::Float32, true);
  layer.bias = Tensor::zeros({3}, DType::Float32, true);
  CHECK_THROWS_WITH_AS(layer(Tensor::zeros({1, 4, 5})),
                       (name + ": bias of shape (3,) must be (out_channels,) = (2,)").c_str(),
                       lucid::Error);
  layer.bias = Tensor();
  CHECK_THROWS_WITH_AS(layer(Tensor::zeros({1, 4, 5})), doctest::Contains("no bias tensor"),
                       lucid::Error);

  // Lengths the layer cannot produce, and bad constructor arguments (ConvSpec's messages).
  ConvTranspose1d cropping(1, 1, 2, 1, 3);
  CHECK_THROWS_AS(cropping(Tensor::zeros({1, 1, 2})), lucid::Error);
  CHECK_THROWS_WITH_AS(ConvTranspose1d(4, 2, 3, 2, 0, 3),
                       doctest::Contains("output_padding (3) must be smaller than"), lucid::Error);
  CHECK_THROWS_AS(ConvTranspose1d(4, 3, 3, 1, 0, 0, 1, 2), lucid::Error);
  CHECK_THROWS_AS(ConvTranspose1d(0, 3, 3), lucid::Error);
}

TEST_CASE("an empty batch gives an empty output and zero gradients") {
  ConvTranspose1d layer(2, 3, 3);
  Tensor x = Tensor::zeros({0, 2, 4}, DType::Float32, true);
  Tensor y = layer(x);
  CHECK(y.shape() == lucid::Shape{0, 3, 6});
  y.backward();
  for (double v : layer.weight.grad().to_vector()) CHECK(v == 0);
}
