// Runs JIT kernels on random problems and checks all four passes against the reference.
// Work ranges are split into random pieces, as a thread pool would, and outputs are
// poisoned first, so a kernel that skips or double-writes an element is caught.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

#include "kernel_check.h"
#include "lucid/jit_engine.h"

namespace lucid::testing {

// Calls fn(begin, end) over [0, items) in 1..3 random contiguous pieces.
template <class Fn>
void run_in_pieces(std::mt19937_64& rng, int64_t items, Fn fn) {
  int64_t cut1 = std::uniform_int_distribution<int64_t>(0, items)(rng);
  int64_t cut2 = std::uniform_int_distribution<int64_t>(cut1, items)(rng);
  REQUIRE(fn(0, cut1) == 0);
  REQUIRE(fn(cut1, cut2) == 0);
  REQUIRE(fn(cut2, items) == 0);
}

// Any schedule the tuner could pick: every knob drawn at random (normalised for the spec), so
// layouts the default heuristic never chooses for a spec are still checked on it.
inline Schedule random_schedule(std::mt19937_64& rng, const ConvSpec& spec) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Schedule s;
  s.vector_width = 1 << pick(1, 4);
  s.fwd_lanes = pick(0, 1) ? Schedule::kLanesChannels : Schedule::kLanesLength;
  s.fwd_block_co = pick(1, s.fwd_lanes == Schedule::kLanesChannels ? 16 : 6);
  s.fwd_block_t = pick(1, s.fwd_lanes == Schedule::kLanesChannels ? 12 : 4);
  s.fwd_phase_chunk = pick(1, 8);
  s.bwd_data_lanes = pick(Schedule::kLanesLength, Schedule::kLanesChannels);
  s.bwd_data_block_ci = pick(1, 16);
  s.bwd_data_block_t = pick(1, s.bwd_data_lanes == Schedule::kLanesChannels ? 12 : 4);
  s.bww_lanes = pick(Schedule::kLanesLength, Schedule::kLanesChannels);
  s.bww_block_ci = pick(1, s.bww_lanes == Schedule::kLanesChannels ? 16 : 4);
  s.bww_block_co = pick(1, 4);
  s.bww_block_taps = pick(1, s.bww_lanes == Schedule::kLanesChannels ? 12 : 6);
  return s.normalized_for(spec);
}

enum class Schedules { Default, Random };

template <class T>
void check_problem(JitEngine& engine, const Problem& p, std::mt19937_64& rng, double tolerance,
                   Schedules schedules = Schedules::Default) {
  const ConvSpec& s = p.spec;
  const int64_t Lout = s.output_length(p.length);
  auto x = random_vector<T>(rng, static_cast<size_t>(p.batch * s.in_channels * p.length));
  auto w = random_vector<T>(rng, static_cast<size_t>(s.weight_numel()));
  auto b = random_vector<T>(rng, static_cast<size_t>(s.out_channels));
  auto gy = random_vector<T>(rng, static_cast<size_t>(p.batch * s.out_channels * Lout));
  ReferenceResults want = run_reference(p, widen(x), widen(w), widen(b), widen(gy));

  auto k = schedules == Schedules::Random ? engine.kernels(s, random_schedule(rng, s)) : engine.kernels(s);
  const T poison = std::numeric_limits<T>::quiet_NaN();
  std::vector<T> y(want.y.size(), poison), gx(want.gx.size(), poison), gw(want.gw.size(), poison),
      gb(want.gb.size(), poison);
  run_in_pieces(rng, k->forward_items(p.batch), [&](int64_t i0, int64_t i1) {
    return k->forward(x.data(), w.data(), s.bias ? b.data() : nullptr, y.data(), p.batch, p.length, i0, i1);
  });
  run_in_pieces(rng, k->backward_data_items(p.batch), [&](int64_t i0, int64_t i1) {
    return k->backward_data(gy.data(), w.data(), gx.data(), p.batch, p.length, i0, i1);
  });
  run_in_pieces(rng, k->backward_weight_items(), [&](int64_t i0, int64_t i1) {
    return k->backward_weight(x.data(), gy.data(), gw.data(), p.batch, p.length, i0, i1);
  });
  run_in_pieces(rng, k->backward_bias_items(), [&](int64_t i0, int64_t i1) {
    return k->backward_bias(gy.data(), gb.data(), p.batch, p.length, i0, i1);
  });
  INFO(s.to_string(), " batch=", p.batch, " length=", p.length, " schedule=", k->schedule.key());
  CHECK(worst_ratio(y, want.y, want.y_bound, tolerance) <= 1.0);
  CHECK(worst_ratio(gx, want.gx, want.gx_bound, tolerance) <= 1.0);
  CHECK(worst_ratio(gw, want.gw, want.gw_bound, tolerance) <= 1.0);
  CHECK(worst_ratio(gb, want.gb, want.gb_bound, tolerance) <= 1.0);
}

// 500 per shard unless LUCID_RANDOM_LAYERS asks for a quicker (or longer) run.
inline int random_layer_count() {
  const char* v = std::getenv("LUCID_RANDOM_LAYERS");
  return v ? std::max(1, std::atoi(v)) : 500;
}

// A private engine with the disk cache off: a thousand throwaway layers stay out of the cache.
inline JitEngine& test_engine() {
  static JitEngine engine([] {
    JitOptions o = JitOptions::from_environment();
    o.disk_cache = false;
    return o;
  }());
  return engine;
}

// Checks random_layer_count() layers drawn from `seed`, each with its default schedule or a
// random one.
template <class T>
void check_random_layers(DType dtype, uint64_t seed, double tolerance, Schedules schedules) {
  std::mt19937_64 rng(seed);
  for (int i = 0; i < random_layer_count(); ++i) {
    auto p = random_problem(rng, dtype);
    check_problem<T>(test_engine(), p, rng, tolerance, schedules);
  }
}

}  // namespace lucid::testing
