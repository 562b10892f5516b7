// NaN and ±Inf in the input, weight, bias or output gradient propagate as in PyTorch: an
// output is NaN when a NaN (or Inf - Inf, or Inf * 0) reaches it, ±Inf when only infinities
// of one sign do, and every output no bad value reaches stays finite and correct.
//
// 1. The kernels (tier 1 from the JIT in sync mode, and every tier-0 instruction-set copy this
//    CPU runs) against the reference loops, which take only the products the formula has,
//    within the kernels' contract: the weight finite, and the input finite for the
//    backward-weight pass (their zero padding then only adds exact zeros).
// 2. The runtime's conv_transpose1d and autograd, on tier 1 and on tier 0, with every planting
//    (non-finite weights and inputs included, which take runtime/nonfinite_passes.cpp) against
//    PyTorch's rule, written out below: its forward (col2im) takes only the products the
//    formula has, its backward passes (im2col) take every tap and read grad_y outside the
//    output as 0, so 0 * Inf or 0 * NaN there is NaN. (Checked against torch 1.13, with and
//    without oneDNN, on the layers here.)
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "lucid/lucid.h"
#include "lucid/reference.h"
#include "tier0/tier0_isa.h"
#include "tier0/tier0_kernels.h"

using namespace lucid;
namespace tier0 = lucid::tier0;

namespace {

struct Problem {
  ConvSpec spec;
  int64_t batch;
  int64_t length;
};

std::vector<Problem> problems(DType dtype) {
  return {
      // Packed tier-0 paths, peeled JIT edges: stride, crop, output_padding, dilation, groups.
      {ConvSpec::make(16, 24, 5, 3, 2, 1, 2, 2, true, dtype), 2, 37},
      // Depthwise with "same" padding.
      {ConvSpec::make(8, 8, 3, 2, Padding::same(), 0, 1, 8, true, dtype), 2, 50},
      // Wide enough for whole vectors of channels.
      {ConvSpec::make(32, 32, 4, 2, 1, 0, 1, 1, false, dtype), 1, 64},
      // Tiny: tier 0's direct loops.
      {ConvSpec::make(2, 1, 2, 1, 0, 0, 1, 1, true, dtype), 1, 5},
  };
}

// One way to run the four passes over all their items: a KernelSet's own calls (tier 1), or a
// tier-0 set through one instruction-set copy.
struct Runner {
  std::string name;
  std::shared_ptr<const KernelSet> set;
  std::optional<tier0::Isa> isa;

  int forward(const void* x, const void* w, const void* b, void* y, int64_t N, int64_t L) const {
    if (isa) return tier0::forward_with(*isa, *set, x, w, b, y, N, L, 0, set->forward_items(N));
    return set->forward(x, w, b, y, N, L, 0, set->forward_items(N));
  }
  int backward_data(const void* gy, const void* w, void* gx, int64_t N, int64_t L) const {
    if (isa) return tier0::backward_data_with(*isa, *set, gy, w, gx, N, L, 0, set->backward_data_items(N));
    return set->backward_data(gy, w, gx, N, L, 0, set->backward_data_items(N));
  }
  int backward_weight(const void* x, const void* gy, void* gw, int64_t N, int64_t L) const {
    if (isa) return tier0::backward_weight_with(*isa, *set, x, gy, gw, N, L, 0, set->backward_weight_items());
    return set->backward_weight(x, gy, gw, N, L, 0, set->backward_weight_items());
  }
  int backward_bias(const void* gy, void* gb, int64_t N, int64_t L) const {
    if (isa) return tier0::backward_bias_with(*isa, *set, gy, gb, N, L, 0, set->backward_bias_items());
    return set->backward_bias(gy, gb, N, L, 0, set->backward_bias_items());
  }
};

std::vector<Runner> runners(JitEngine& engine, const ConvSpec& spec) {
  std::vector<Runner> all;
  auto tier1 = engine.kernels(spec);
  REQUIRE(tier1->tier == 1);
  all.push_back({"tier 1", tier1, std::nullopt});
  auto generic = tier0::make_kernel_set(spec, tier1->schedule);
  for (tier0::Isa isa : tier0::kAllIsas)
    if (tier0::isa_supported(isa)) all.push_back({std::string("tier 0 ") + tier0::isa_name(isa), generic, isa});
  return all;
}

// Equal as PyTorch users see it: NaN where the reference has NaN, the same infinity where it
// has one, and within rounding elsewhere.
template <class T>
bool same_value(T got, T want) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  const T tolerance = sizeof(T) == 4 ? T(1e-4) : T(1e-10);
  return std::isfinite(got) && std::fabs(got - want) <= tolerance * (1 + std::fabs(want));
}

template <class T>
struct Counts {
  int64_t nan = 0, inf = 0, finite = 0;
  void add(const std::vector<T>& v) {
    for (T e : v) (std::isnan(e) ? nan : std::isinf(e) ? inf : finite) += 1;
  }
};

template <class T>
void check_same(const std::vector<T>& got, const std::vector<T>& want, const char* what, Counts<T>& counts) {
  REQUIRE(got.size() == want.size());
  size_t mismatches = 0, first = 0;
  for (size_t i = 0; i < got.size(); ++i)
    if (!same_value(got[i], want[i]) && mismatches++ == 0) first = i;
  INFO(std::string(what), ": first mismatch at ", first, ": got ", got[first], ", want ", want[first]);
  CHECK(mismatches == 0);
  counts.add(want);
}

// A bad value planted in one operand.
enum class Operand { X, Weight, Bias, GradY };
struct Planting {
  const char* name;
  Operand operand;
  std::function<void(std::vector<double>& values)> plant;
};

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

std::vector<Planting> plantings() {
  return {
      {"NaN in x", Operand::X, [](auto& x) { x[x.size() / 3] = kNaN; }},
      {"+Inf and -Inf in x", Operand::X,
       [](auto& x) {
         x[1] = kInf;
         x[x.size() - 2] = -kInf;
       }},
      {"+Inf and -Inf at neighbouring x positions", Operand::X,
       [](auto& x) {
         x[x.size() / 2] = kInf;
         x[x.size() / 2 + 1] = -kInf;
       }},
      {"Inf at x's first position", Operand::X, [](auto& x) { x[0] = kInf; }},
      {"NaN in the weight", Operand::Weight, [](auto& w) { w[w.size() / 2] = kNaN; }},
      {"+Inf in the weight", Operand::Weight, [](auto& w) { w[0] = kInf; }},
      {"NaN in the bias", Operand::Bias,
       [](auto& b) {
         if (!b.empty()) b[b.size() - 1] = kNaN;
       }},
      {"NaN and +Inf in grad_y", Operand::GradY,
       [](auto& gy) {
         gy[gy.size() / 4] = kNaN;
         gy[gy.size() - 1] = kInf;
       }},
  };
}

template <class T>
std::vector<T> narrow(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

// The operands of one problem with one planting applied.
struct Operands {
  std::vector<double> x, w, b, gy;
  bool planted = false;
};

Operands make_operands(const Problem& p, const Planting& planting) {
  const ConvSpec& s = p.spec;
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> dist(-1, 1);
  auto random = [&](int64_t n) {
    std::vector<double> v(static_cast<size_t>(n));
    for (double& e : v) e = dist(rng);
    return v;
  };
  Operands o{random(p.batch * s.in_channels * p.length), random(s.weight_numel()),
             random(s.bias ? s.out_channels : 0), random(p.batch * s.out_channels * s.output_length(p.length))};
  std::vector<double>& target = planting.operand == Operand::X        ? o.x
                                : planting.operand == Operand::Weight ? o.w
                                : planting.operand == Operand::Bias   ? o.b
                                                                      : o.gy;
  if (target.empty()) return o;  // a bias planting on a layer without bias
  planting.plant(target);
  o.planted = true;
  return o;
}

// PyTorch's backward passes (im2col): every (channel, tap) or (n, position) term, grad_y read
// as 0 outside [0, Lout). Written over an explicitly zero-padded copy of grad_y.
template <class T>
struct TorchBackward {
  const ConvSpec& s;
  int64_t N, L, Lout, margin;
  std::vector<T> padded;  // grad_y with `margin` zeros on each side of every row

  TorchBackward(const ConvSpec& spec, const std::vector<T>& gy, int64_t batch, int64_t length)
      : s(spec), N(batch), L(length), Lout(spec.output_length(length)) {
    margin = spec.pad_left + (spec.kernel_size - 1) * spec.dilation + (length - 1) * spec.stride + 1;
    const int64_t row = Lout + 2 * margin;
    padded.assign(static_cast<size_t>(N * s.out_channels * row), T(0));
    for (int64_t r = 0; r < N * s.out_channels; ++r)
      for (int64_t t = 0; t < Lout; ++t) padded[static_cast<size_t>(r * row + margin + t)] = gy[static_cast<size_t>(r * Lout + t)];
  }
  T at(int64_t n, int64_t c, int64_t t) const {
    return padded[static_cast<size_t>((n * s.out_channels + c) * (Lout + 2 * margin) + margin + t)];
  }
  std::vector<T> grad_x(const std::vector<T>& w) const {
    const int64_t Cin_g = s.in_per_group(), Cout_g = s.out_per_group(), K = s.kernel_size;
    std::vector<T> gx(static_cast<size_t>(N * s.in_channels * L));
    for (int64_t n = 0; n < N; ++n)
      for (int64_t ci = 0; ci < s.in_channels; ++ci)
        for (int64_t l = 0; l < L; ++l) {
          T sum = 0;
          for (int64_t co = 0; co < Cout_g; ++co)
            for (int64_t k = 0; k < K; ++k)
              sum += at(n, ci / Cin_g * Cout_g + co, l * s.stride - s.pad_left + k * s.dilation) *
                     w[static_cast<size_t>((ci * Cout_g + co) * K + k)];
          gx[static_cast<size_t>((n * s.in_channels + ci) * L + l)] = sum;
        }
    return gx;
  }
  std::vector<T> grad_weight(const std::vector<T>& x) const {
    const int64_t Cin_g = s.in_per_group(), Cout_g = s.out_per_group(), K = s.kernel_size;
    std::vector<T> gw(static_cast<size_t>(s.weight_numel()));
    for (int64_t ci = 0; ci < s.in_channels; ++ci)
      for (int64_t co = 0; co < Cout_g; ++co)
        for (int64_t k = 0; k < K; ++k) {
          T sum = 0;
          for (int64_t n = 0; n < N; ++n)
            for (int64_t l = 0; l < L; ++l)
              sum += x[static_cast<size_t>((n * s.in_channels + ci) * L + l)] *
                     at(n, ci / Cin_g * Cout_g + co, l * s.stride - s.pad_left + k * s.dilation);
          gw[static_cast<size_t>((ci * Cout_g + co) * K + k)] = sum;
        }
    return gw;
  }
};

// Part 1: the kernels of both tiers, within their contract (see the file comment).
template <class T>
void check_kernels(DType dtype) {
  JitOptions options = JitOptions::from_environment();
  options.mode = JitMode::Sync;
  JitEngine engine(options);
  for (const Problem& p : problems(dtype)) {
    const ConvSpec& s = p.spec;
    const int64_t N = p.batch, L = p.length;
    std::vector<Runner> all = runners(engine, s);
    for (const Planting& planting : plantings()) {
      if (planting.operand == Operand::Weight) continue;  // outside the kernels' contract
      Operands o = make_operands(p, planting);
      if (!o.planted) continue;
      const std::vector<T> x = narrow<T>(o.x), w = narrow<T>(o.w), b = narrow<T>(o.b), gy = narrow<T>(o.gy);
      const T* bias = s.bias ? b.data() : nullptr;
      std::vector<T> ry(gy.size()), rgx(x.size()), rgw(w.size()), rgb(static_cast<size_t>(s.out_channels));
      reference::forward(s, x.data(), w.data(), bias, ry.data(), N, L);
      reference::backward_data(s, gy.data(), w.data(), rgx.data(), N, L);
      reference::backward_weight(s, x.data(), gy.data(), rgw.data(), N, L);
      reference::backward_bias(s, gy.data(), rgb.data(), N, L);
      for (const Runner& r : all) {
        INFO(s.to_string(), " N=", N, " L=", L, ", ", std::string(planting.name), ", ", r.name);
        Counts<T> counts;
        std::vector<T> y(gy.size(), T(-7)), gx(x.size(), T(-7)), gw(w.size(), T(-7)), gb(rgb.size(), T(-7));
        REQUIRE(r.forward(x.data(), w.data(), bias, y.data(), N, L) == LUCID_STATUS_OK);
        check_same(y, ry, "forward", counts);
        REQUIRE(r.backward_data(gy.data(), w.data(), gx.data(), N, L) == LUCID_STATUS_OK);
        check_same(gx, rgx, "backward_data", counts);
        if (planting.operand != Operand::X) {
          REQUIRE(r.backward_weight(x.data(), gy.data(), gw.data(), N, L) == LUCID_STATUS_OK);
          check_same(gw, rgw, "backward_weight", counts);
        }
        REQUIRE(r.backward_bias(gy.data(), gb.data(), N, L) == LUCID_STATUS_OK);
        check_same(gb, rgb, "backward_bias", counts);
        // The planted value reached some outputs and spared others.
        CHECK(counts.nan + counts.inf > 0);
        CHECK(counts.finite > 0);
      }
    }
  }
}

// Part 2: conv_transpose1d and autograd on a tier-1 and a tier-0 handle, every planting,
// against PyTorch's rule.
template <class T>
void check_runtime(DType dtype) {
  JitOptions options = JitOptions::from_environment();
  options.mode = JitMode::Sync;
  JitEngine engine(options);
  for (const Problem& p : problems(dtype)) {
    const ConvSpec& s = p.spec;
    const int64_t N = p.batch, L = p.length, Lout = s.output_length(L);
    auto tier1 = engine.handle(s);
    REQUIRE(tier1->specialised());
    auto tier0 = std::make_shared<KernelHandle>(tier0::make_kernel_set(s, tier1->current().schedule));
    for (const Planting& planting : plantings()) {
      Operands o = make_operands(p, planting);
      if (!o.planted) continue;
      const std::vector<T> x = narrow<T>(o.x), w = narrow<T>(o.w), b = narrow<T>(o.b), gy = narrow<T>(o.gy);
      std::vector<T> ry(gy.size()), rgb(static_cast<size_t>(s.out_channels));
      reference::forward(s, x.data(), w.data(), s.bias ? b.data() : nullptr, ry.data(), N, L);
      reference::backward_bias(s, gy.data(), rgb.data(), N, L);
      TorchBackward<T> torch(s, gy, N, L);
      const std::vector<T> rgx = torch.grad_x(w), rgw = torch.grad_weight(x);
      for (const auto& [name, handle] : {std::pair{"tier 1", tier1}, std::pair{"tier 0", std::shared_ptr<const KernelHandle>(tier0)}}) {
        INFO(s.to_string(), " N=", N, " L=", L, ", ", std::string(planting.name), ", runtime on ", std::string(name));
        Tensor xt = Tensor::from_vector(o.x, {N, s.in_channels, L}, dtype, true);
        Tensor wt = Tensor::from_vector(o.w, {s.in_channels, s.out_per_group(), s.kernel_size}, dtype, true);
        Tensor bt = s.bias ? Tensor::from_vector(o.b, {s.out_channels}, dtype, true) : Tensor();
        Tensor y = conv_transpose1d(xt, wt, bt, handle);
        y.backward(Tensor::from_vector(o.gy, {N, s.out_channels, Lout}, dtype));
        Counts<T> counts;
        check_same(narrow<T>(y.to_vector()), ry, "forward", counts);
        check_same(narrow<T>(xt.grad().to_vector()), rgx, "grad_x", counts);
        check_same(narrow<T>(wt.grad().to_vector()), rgw, "grad_weight", counts);
        if (s.bias) check_same(narrow<T>(bt.grad().to_vector()), rgb, "grad_bias", counts);
        CHECK(counts.nan + counts.inf > 0);
        CHECK(counts.finite > 0);
      }
    }
  }
}

}  // namespace

TEST_CASE("the kernels of both tiers propagate NaN and Inf in x, bias and grad_y (float32)") {
  check_kernels<float>(DType::Float32);
}

TEST_CASE("the kernels of both tiers propagate NaN and Inf in x, bias and grad_y (float64)") {
  check_kernels<double>(DType::Float64);
}

TEST_CASE("conv_transpose1d and its gradients propagate NaN and Inf as PyTorch, on both tiers (float32)") {
  check_runtime<float>(DType::Float32);
}

TEST_CASE("conv_transpose1d and its gradients propagate NaN and Inf as PyTorch, on both tiers (float64)") {
  check_runtime<double>(DType::Float64);
}

TEST_CASE("a NaN in the input reaches the outputs it feeds and the weight gradient of its channel") {
  // Sync mode: the layer runs tier 1 from its first call.
  ::setenv("LUCID_JIT_MODE", "sync", 1);
  nn::ConvTranspose1d layer(3, 2, 3, /*stride=*/2, /*padding=*/1);
  Tensor x = Tensor::randn({1, 3, 6}, /*requires_grad=*/true);
  x.data_as<float>()[1 * 6 + 2] = std::numeric_limits<float>::quiet_NaN();  // x[0, 1, 2]
  Tensor y = layer(x);
  REQUIRE(y.shape() == Shape{1, 2, 11});
  // x[., ., 2] feeds positions 2*2 - 1 + k for k = 0, 1, 2: 3, 4 and 5, in every output channel.
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t t = 0; t < 11; ++t) {
      INFO("y[0, ", c, ", ", t, "]");
      CHECK(std::isnan(y.at({0, c, t})) == (t >= 3 && t <= 5));
    }
  y.backward();  // a gradient of ones
  // dx = sum of the weights: finite everywhere. dW[ci=1] sums x[., 1, .]: NaN; other rows finite.
  for (double v : x.grad().to_vector()) CHECK(std::isfinite(v));
  Tensor gw = layer.weight.grad();
  for (int64_t ci = 0; ci < 3; ++ci)
    for (int64_t co = 0; co < 2; ++co)
      for (int64_t k = 0; k < 3; ++k) {
        INFO("grad_weight[", ci, ", ", co, ", ", k, "]");
        CHECK(std::isnan(gw.at({ci, co, k})) == (ci == 1));
      }
  for (double v : layer.bias.grad().to_vector()) CHECK(v == 11.0);
}
