// Shared by the JIT and AOT correctness tests: random layer configurations over the space of
// issue 3, and a comparison of generated kernels with the fp64 reference under a rounding
// bound (tolerance x the same sum taken over absolute values).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/reference.h"

namespace lucid::testing {

struct Problem {
  ConvSpec spec;
  int64_t batch = 1;
  int64_t length = 1;
};

// Draws a valid configuration: kernel 1..17, stride 1..8, dilation 1..4, int / asymmetric /
// "same" / "valid" padding, output_padding, groups (depthwise included), channels 1..70,
// length 1..300, batch 1..4. The work is capped so a thousand of them run in seconds.
inline Problem random_problem(std::mt19937_64& rng, DType dtype) {
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (;;) {
    Problem p;
    int64_t K = pick(1, 17), s = pick(1, 8), d = pick(1, 4);
    if (pick(0, 3) == 0) s = pick(0, 1) ? 5 : 7;
    int64_t G = 1;
    int64_t Cin = pick(1, 70), Cout = pick(1, 70);
    switch (pick(0, 5)) {
      case 0: G = Cin; Cout = Cin * pick(1, 2); break;  // depthwise (and channel multiplier 2)
      case 1: G = pick(2, 4); Cin = G * pick(1, 70 / G); Cout = G * pick(1, 70 / G); break;
      default: break;
    }
    Padding padding;
    int64_t op = 0;
    switch (pick(0, 5)) {
      case 0: padding = Padding::same(); break;
      case 1: padding = Padding::valid(); break;
      case 2: padding = Padding(pick(0, 8), pick(0, 8)); break;
      default: padding = Padding(pick(0, d * (K - 1) / 2 + 1)); break;
    }
    if (padding.kind == Padding::Kind::Int || padding.kind == Padding::Kind::Pair)
      op = pick(0, std::max(s, d) - 1);
    bool bias = pick(0, 3) != 0;
    try {
      p.spec = ConvSpec::make(Cin, Cout, K, s, padding, op, d, G, bias, dtype);
    } catch (const std::exception&) {
      continue;
    }
    p.batch = pick(1, 4);
    p.length = pick(0, 4) == 0 ? pick(1, 4) : pick(1, 300);
    // Keep the reference loops cheap.
    while (p.length > 1 && p.batch * p.spec.weight_numel() * p.length > 3'000'000) p.length /= 2;
    if (p.spec.output_length_unchecked(p.length) < 1) continue;
    return p;
  }
}

template <class T>
std::vector<T> random_vector(std::mt19937_64& rng, size_t n) {
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<T> v(n);
  for (auto& e : v) e = static_cast<T>(dist(rng));
  return v;
}

template <class T>
std::vector<double> widen(const std::vector<T>& v) { return std::vector<double>(v.begin(), v.end()); }

inline std::vector<double> absolute(std::vector<double> v) {
  for (auto& e : v) e = std::fabs(e);
  return v;
}

// Largest |got - want| / (tolerance * bound + tiny) over the elements; <= 1 passes.
template <class T>
double worst_ratio(const std::vector<T>& got, const std::vector<double>& want,
                   const std::vector<double>& bound, double tolerance) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double g = static_cast<double>(got[i]);
    if (!std::isfinite(g)) return INFINITY;
    double allowed = tolerance * bound[i] + 1e-300;
    worst = std::max(worst, std::fabs(g - want[i]) / allowed);
  }
  return worst;
}

// The reference answers for one problem, with their absolute-value bounds.
struct ReferenceResults {
  std::vector<double> y, gx, gw, gb;
  std::vector<double> y_bound, gx_bound, gw_bound, gb_bound;
};

inline ReferenceResults run_reference(const Problem& p, const std::vector<double>& x,
                                      const std::vector<double>& w, const std::vector<double>& b,
                                      const std::vector<double>& gy) {
  const ConvSpec& s = p.spec;
  const int64_t Lout = s.output_length(p.length);
  ReferenceResults r;
  r.y.resize(static_cast<size_t>(p.batch * s.out_channels * Lout));
  r.y_bound = r.y;
  r.gx.resize(x.size());
  r.gx_bound = r.gx;
  r.gw.resize(w.size());
  r.gw_bound = r.gw;
  r.gb.resize(static_cast<size_t>(s.out_channels));
  r.gb_bound = r.gb;
  auto ax = absolute(x), aw = absolute(w), ab = absolute(b), agy = absolute(gy);
  reference::forward(s, x.data(), w.data(), s.bias ? b.data() : nullptr, r.y.data(), p.batch, p.length);
  reference::forward(s, ax.data(), aw.data(), s.bias ? ab.data() : nullptr, r.y_bound.data(), p.batch, p.length);
  reference::backward_data(s, gy.data(), w.data(), r.gx.data(), p.batch, p.length);
  reference::backward_data(s, agy.data(), aw.data(), r.gx_bound.data(), p.batch, p.length);
  reference::backward_weight(s, x.data(), gy.data(), r.gw.data(), p.batch, p.length);
  reference::backward_weight(s, ax.data(), agy.data(), r.gw_bound.data(), p.batch, p.length);
  reference::backward_bias(s, gy.data(), r.gb.data(), p.batch, p.length);
  reference::backward_bias(s, agy.data(), r.gb_bound.data(), p.batch, p.length);
  return r;
}

}  // namespace lucid::testing
