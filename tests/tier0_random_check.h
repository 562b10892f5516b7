// Runs tier-0 kernel sets on random problems and checks all four passes against the
// reference, as jit_random_runner.h does for the JIT: random schedules' block sizes, work
// ranges split into random pieces, outputs poisoned with NaN first. Each layer goes through
// one instruction-set copy (round robin over those the CPU runs, the public entry points
// among them). Layers also rotate over the kernels' limits: one in four runs every call
// through the direct loops of small calls, one in four through the blocked kernels with a
// scratch budget of a few hundred bytes (one channel or pair per chunk), the rest with the
// defaults.
#pragma once

#include <doctest/doctest.h>

#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "jit_random_runner.h"
#include "kernel_check.h"
#include "tier0/kernel_limits.h"
#include "tier0/tier0_isa.h"
#include "tier0/tier0_kernels.h"

namespace lucid::testing {

// The copies to rotate through; std::nullopt-like -1 stands for the public entry points.
inline std::vector<int> tier0_isas_to_test() {
  std::vector<int> isas{-1};
  for (tier0::Isa isa : tier0::kAllIsas)
    if (tier0::isa_supported(isa)) isas.push_back(static_cast<int>(isa));
  return isas;
}

// The four passes of `set` through copy `isa` (-1: the public entry points).
struct Tier0Calls {
  const KernelSet& set;
  int isa;
  int forward(const void* x, const void* w, const void* b, void* y, int64_t n, int64_t l, int64_t i0, int64_t i1) const {
    return isa < 0 ? set.forward(x, w, b, y, n, l, i0, i1)
                   : tier0::forward_with(tier0::Isa(isa), set, x, w, b, y, n, l, i0, i1);
  }
  int backward_data(const void* gy, const void* w, void* gx, int64_t n, int64_t l, int64_t i0, int64_t i1) const {
    return isa < 0 ? set.backward_data(gy, w, gx, n, l, i0, i1)
                   : tier0::backward_data_with(tier0::Isa(isa), set, gy, w, gx, n, l, i0, i1);
  }
  int backward_weight(const void* x, const void* gy, void* gw, int64_t n, int64_t l, int64_t i0, int64_t i1) const {
    return isa < 0 ? set.backward_weight(x, gy, gw, n, l, i0, i1)
                   : tier0::backward_weight_with(tier0::Isa(isa), set, x, gy, gw, n, l, i0, i1);
  }
  int backward_bias(const void* gy, void* gb, int64_t n, int64_t l, int64_t i0, int64_t i1) const {
    return isa < 0 ? set.backward_bias(gy, gb, n, l, i0, i1)
                   : tier0::backward_bias_with(tier0::Isa(isa), set, gy, gb, n, l, i0, i1);
  }
};

// Which limits a layer runs with (see the file comment); restores the defaults on exit, even
// when a check fails half way.
enum class Tier0Limits { Default, DirectLoops, TinyScratch };
struct ScopedLimits {
  ScopedLimits(Tier0Limits limits, std::mt19937_64& rng) {
    if (limits == Tier0Limits::DirectLoops) tier0::set_direct_call_macs_for_testing(1e300);
    if (limits == Tier0Limits::TinyScratch) {
      tier0::set_direct_call_macs_for_testing(0);
      tier0::set_scratch_budget_bytes_for_testing(std::uniform_int_distribution<std::size_t>(1, 4096)(rng));
    }
  }
  ~ScopedLimits() {
    tier0::set_direct_call_macs_for_testing(-1);
    tier0::set_scratch_budget_bytes_for_testing(0);
  }
};
inline const char* limits_name(Tier0Limits limits) {
  return limits == Tier0Limits::Default ? "default" : limits == Tier0Limits::DirectLoops ? "direct loops" : "tiny scratch";
}

template <class T>
void check_tier0_problem(const Problem& p, std::mt19937_64& rng, double tolerance, int isa,
                         Tier0Limits limits) {
  const ConvSpec& s = p.spec;
  const int64_t Lout = s.output_length(p.length);
  auto x = random_vector<T>(rng, static_cast<size_t>(p.batch * s.in_channels * p.length));
  auto w = random_vector<T>(rng, static_cast<size_t>(s.weight_numel()));
  auto b = random_vector<T>(rng, static_cast<size_t>(s.out_channels));
  auto gy = random_vector<T>(rng, static_cast<size_t>(p.batch * s.out_channels * Lout));
  ReferenceResults want = run_reference(p, widen(x), widen(w), widen(b), widen(gy));

  auto set = tier0::make_kernel_set(s, random_schedule(rng, s));
  REQUIRE(set->tier == 0);
  const Tier0Calls k{*set, isa};
  ScopedLimits scoped(limits, rng);
  const T poison = std::numeric_limits<T>::quiet_NaN();
  std::vector<T> y(want.y.size(), poison), gx(want.gx.size(), poison), gw(want.gw.size(), poison),
      gb(want.gb.size(), poison);
  run_in_pieces(rng, set->forward_items(p.batch), [&](int64_t i0, int64_t i1) {
    return k.forward(x.data(), w.data(), s.bias ? b.data() : nullptr, y.data(), p.batch, p.length, i0, i1);
  });
  run_in_pieces(rng, set->backward_data_items(p.batch), [&](int64_t i0, int64_t i1) {
    return k.backward_data(gy.data(), w.data(), gx.data(), p.batch, p.length, i0, i1);
  });
  run_in_pieces(rng, set->backward_weight_items(), [&](int64_t i0, int64_t i1) {
    return k.backward_weight(x.data(), gy.data(), gw.data(), p.batch, p.length, i0, i1);
  });
  run_in_pieces(rng, set->backward_bias_items(), [&](int64_t i0, int64_t i1) {
    return k.backward_bias(gy.data(), gb.data(), p.batch, p.length, i0, i1);
  });
  const std::string isa_text = isa < 0 ? "selected" : tier0::isa_name(tier0::Isa(isa));
  const std::string limits_text = limits_name(limits);
  INFO(s.to_string(), " batch=", p.batch, " length=", p.length, " schedule=", set->schedule.key(),
       " isa=", isa_text, " limits=", limits_text);
  CHECK(worst_ratio(y, want.y, want.y_bound, tolerance) <= 1.0);
  CHECK(worst_ratio(gx, want.gx, want.gx_bound, tolerance) <= 1.0);
  CHECK(worst_ratio(gw, want.gw, want.gw_bound, tolerance) <= 1.0);
  CHECK(worst_ratio(gb, want.gb, want.gb_bound, tolerance) <= 1.0);

  // Backward-weight items own whole rows of dW, so the result must not depend on the split:
  // one call over all items gives the same bits.
  std::vector<T> gw_whole(gw.size(), poison);
  REQUIRE(k.backward_weight(x.data(), gy.data(), gw_whole.data(), p.batch, p.length, 0,
                            set->backward_weight_items()) == 0);
  CHECK(std::memcmp(gw.data(), gw_whole.data(), gw.size() * sizeof(T)) == 0);
}

template <class T>
void check_tier0_random_layers(DType dtype, uint64_t seed, double tolerance) {
  std::mt19937_64 rng(seed);
  const std::vector<int> isas = tier0_isas_to_test();
  for (int i = 0; i < random_layer_count(); ++i) {
    auto p = random_problem(rng, dtype);
    const Tier0Limits limits = i % 4 == 3 ? Tier0Limits::TinyScratch : i % 4 == 1 ? Tier0Limits::DirectLoops : Tier0Limits::Default;
    check_tier0_problem<T>(p, rng, tolerance, isas[static_cast<size_t>(i) % isas.size()], limits);
  }
}

}  // namespace lucid::testing
