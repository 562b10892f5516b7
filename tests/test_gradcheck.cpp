// Finite-difference gradient check in float64, in the spirit of torch.autograd.gradcheck:
// over 60 random ConvTranspose1d configurations (groups, dilation, stride, int / pair /
// "same" / "valid" padding, output_padding, bias or not, batched or not), the analytic
// gradients of input, weight and bias must match central differences of a random linear
// functional of the output, element by element.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <string>

#include "lucid/error.h"
#include "lucid/grad_mode.h"
#include "lucid/nn/conv_transpose1d.h"
#include "lucid/ops.h"

using lucid::ConvSpec;
using lucid::DType;
using lucid::Padding;
using lucid::Tensor;

namespace {

int64_t pick(lucid::Generator& gen, int64_t low, int64_t high) {  // inclusive
  return low + static_cast<int64_t>(gen.uniform() * static_cast<double>(high - low + 1));
}

struct Config {
  ConvSpec spec;
  int64_t batch = 1;
  int64_t length = 1;
  bool batched = true;
};

// Draws configurations until one has a valid output length.
Config random_config(lucid::Generator& gen) {
  for (;;) {
    int64_t groups = pick(gen, 1, 3);
    int64_t in_channels = groups * pick(gen, 1, 3);
    int64_t out_channels = groups * pick(gen, 1, 3);
    int64_t kernel = pick(gen, 1, 5);
    int64_t stride = pick(gen, 1, 4);
    int64_t dilation = pick(gen, 1, 3);
    Padding padding;
    int64_t output_padding = 0;
    switch (pick(gen, 0, 3)) {
      case 0: padding = Padding(pick(gen, 0, 3)); break;
      case 1: padding = Padding(pick(gen, 0, 3), pick(gen, 0, 3)); break;
      case 2: padding = Padding::same(); break;
      default: padding = Padding::valid(); break;
    }
    if (padding.kind == Padding::Kind::Int || padding.kind == Padding::Kind::Pair)
      output_padding = pick(gen, 0, std::max(stride, dilation) - 1);
    bool bias = pick(gen, 0, 3) != 0;
    Config c;
    try {
      c.spec = ConvSpec::make(in_channels, out_channels, kernel, stride, padding, output_padding,
                              dilation, groups, bias, DType::Float64);
      c.length = pick(gen, 1, 6);
      c.spec.output_length(c.length);
    } catch (const lucid::Error&) {
      continue;
    }
    c.batch = pick(gen, 1, 3);
    c.batched = pick(gen, 0, 3) != 0;
    if (!c.batched) c.batch = 1;
    return c;
  }
}

// sum(y * r): its gradient with respect to y is r, any linear functional would do.
double functional(lucid::nn::ConvTranspose1d& layer, const Tensor& x, const Tensor& r) {
  lucid::NoGradGuard no_grad;
  return lucid::sum(layer(x) * r).item();
}

// Compares analytic[i] with the central difference of functional() in each element of t.
void check_tensor(const char* what, Tensor t, const Tensor& analytic,
                  lucid::nn::ConvTranspose1d& layer, const Tensor& x, const Tensor& r) {
  const double h = 1e-6;
  REQUIRE(analytic.defined());
  REQUIRE(analytic.shape() == t.shape());
  auto a = analytic.to_vector();
  double* p = t.data_as<double>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    double saved = p[i];
    p[i] = saved + h;
    double up = functional(layer, x, r);
    p[i] = saved - h;
    double down = functional(layer, x, r);
    p[i] = saved;
    double numeric = (up - down) / (2 * h);
    CAPTURE(what);
    CAPTURE(i);
    CHECK(std::abs(numeric - a[i]) <= 1e-6 + 1e-5 * std::abs(numeric));
  }
}

}  // namespace

TEST_CASE("gradcheck: input, weight and bias over 60 random float64 configurations") {
  lucid::Generator gen(20240611);
  std::map<std::string, int> coverage;
  const int configs = 60;
  for (int n = 0; n < configs; ++n) {
    Config c = random_config(gen);
    const ConvSpec& s = c.spec;
    CAPTURE(s.to_string());
    CAPTURE(c.batch);
    CAPTURE(c.length);
    lucid::nn::ConvTranspose1d layer(s, gen);
    lucid::Shape x_shape = c.batched ? lucid::Shape{c.batch, s.in_channels, c.length}
                                     : lucid::Shape{s.in_channels, c.length};
    Tensor x = Tensor::randn(x_shape, gen, true, DType::Float64);
    Tensor y = layer(x);
    Tensor r = Tensor::randn(y.shape(), gen, false, DType::Float64);
    lucid::sum(y * r).backward();

    check_tensor("input", x.detach(), x.grad(), layer, x, r);
    check_tensor("weight", layer.weight.detach(), layer.weight.grad(), layer, x, r);
    if (s.bias) check_tensor("bias", layer.bias.detach(), layer.bias.grad(), layer, x, r);

    coverage["configs"]++;
    if (s.groups > 1) coverage["groups>1"]++;
    if (s.dilation > 1) coverage["dilation>1"]++;
    if (s.stride > 1) coverage["stride>1"]++;
    if (s.output_padding > 0) coverage["output_padding>0"]++;
    if (s.padding.kind == Padding::Kind::Same) coverage["padding=same"]++;
    if (s.padding.kind == Padding::Kind::Valid) coverage["padding=valid"]++;
    if (s.padding.kind == Padding::Kind::Pair && s.pad_left != s.pad_right)
      coverage["asymmetric padding"]++;
    if (s.padding.kind == Padding::Kind::Same && s.pad_right < 0) coverage["same, extended"]++;
    if (s.kernel_size * s.dilation < s.stride) coverage["gaps between taps"]++;
    if (!s.bias) coverage["no bias"]++;
    if (!c.batched) coverage["unbatched"]++;
    if (c.batch > 1) coverage["batch>1"]++;
  }
  std::string summary;
  for (const auto& [name, count] : coverage) summary += name + "=" + std::to_string(count) + " ";
  MESSAGE("gradcheck coverage: " << summary);
  CHECK(coverage["configs"] == configs);
  for (const char* feature : {"groups>1", "dilation>1", "stride>1", "output_padding>0",
                              "padding=same", "padding=valid", "asymmetric padding", "no bias",
                              "unbatched", "batch>1"}) {
    CAPTURE(feature);
    CHECK(coverage[feature] >= 3);
  }
}
