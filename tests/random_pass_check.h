// What the JIT and tier-0 random-layer tests share: a random problem's data and its fp64
// reference, random schedules, the four passes run over work ranges split into random pieces
// (as a thread pool would) into outputs poisoned with NaN (so a kernel that skips or
// double-writes an element is caught), and the tolerance checks. LUCID_RANDOM_LAYERS sets
// how many layers each shard checks.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <random>
#include <vector>

#include "kernel_check.h"
#include "lucid/jit_engine.h"
#include "lucid/kernel_set.h"

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
  auto pick_lanes = [&](Lanes lo, Lanes hi) {
    return static_cast<Lanes>(pick(static_cast<int>(lo), static_cast<int>(hi)));
  };
  Schedule s;
  s.vector_width = 1 << pick(1, 4);
  s.fwd_lanes = pick(0, 1) ? Lanes::Channels : Lanes::Length;
  s.fwd_block_co = pick(1, Schedule::kMaxForwardBlockRows);
  s.fwd_block_t = pick(1, s.fwd_lanes == Lanes::Channels ? 12 : 6);
  s.fwd_phase_chunk = pick(1, 8);
  // Cache blocking (q in lanes): register blocks that need not divide the item's rows, and
  // channel chunks that need not divide the group's channels (1 included); off half the time.
  s.fwd_register_co = pick(0, 1) || s.fwd_block_co > 12 ? pick(1, std::min(12, s.fwd_block_co)) : 0;
  s.fwd_ci_chunk = pick(0, 1) ? pick(1, 24) : 0;
  s.bwd_data_lanes = pick_lanes(Lanes::Length, Lanes::Channels);
  s.bwd_data_block_ci = pick(1, Schedule::kMaxBlockRows);
  s.bwd_data_block_t = pick(1, s.bwd_data_lanes == Lanes::Channels ? 12 : 4);
  s.bwd_weight_lanes = pick_lanes(Lanes::Length, Lanes::Channels);
  s.bwd_weight_block_ci = pick(1, s.bwd_weight_lanes == Lanes::Length ? 4 : Schedule::kMaxBlockRows);
  s.bwd_weight_block_co = pick(1, 4);
  s.bwd_weight_block_taps = pick(1, s.bwd_weight_lanes == Lanes::Channels ? 12 : 6);
  // Cache blocking (taps in lanes): register blocks that need not divide the item's rows, and
  // length tiles that need not divide the length (1 included); off half the time.
  s.bwd_weight_register_ci = pick(0, 1) || s.bwd_weight_block_ci > 4 ? pick(1, std::min(4, s.bwd_weight_block_ci)) : 0;
  s.bwd_weight_length_tile = pick(0, 1) ? pick(1, 24) : 0;
  // The register files of AVX2 (16: 12 accumulators) and AVX-512 (32: 28), and one between.
  s.accumulators = std::array{12, 20, 28}[static_cast<size_t>(pick(0, 2))];
  // Forward length tiles (q in lanes) that need not divide the blocks of positions, more
  // tiles than blocks included (rows of one block leave the later tiles empty); off half the time.
  s.fwd_length_tiles = pick(0, 1) ? pick(2, 7) : 0;
  return s.normalized_for(spec);
}

// Layers per shard: 500 unless LUCID_RANDOM_LAYERS asks for a quicker (or longer) run.
inline int random_layer_count() {
  const char* v = std::getenv("LUCID_RANDOM_LAYERS");
  return v ? std::max(1, std::atoi(v)) : 500;
}

// LUCID_RANDOM_SEED, if set, replaces a shard's fixed seed: more random layers on demand, for
// example after a change to the optimisation pipeline, without editing the test.
inline uint64_t random_seed_or(uint64_t fixed) {
  const char* v = std::getenv("LUCID_RANDOM_SEED");
  return v ? std::strtoull(v, nullptr, 10) : fixed;
}

// A problem's inputs and the fp64 reference results for them.
template <class T>
struct PassData {
  std::vector<T> x, w, b, gy;
  ReferenceResults want;

  PassData(const Problem& p, std::mt19937_64& rng) {
    const ConvSpec& s = p.spec;
    const int64_t Lout = s.output_length(p.length);
    x = random_vector<T>(rng, static_cast<size_t>(p.batch * s.in_channels * p.length));
    w = random_vector<T>(rng, static_cast<size_t>(s.weight_numel()));
    b = random_vector<T>(rng, static_cast<size_t>(s.out_channels));
    gy = random_vector<T>(rng, static_cast<size_t>(p.batch * s.out_channels * Lout));
    want = run_reference(p, widen(x), widen(w), widen(b), widen(gy));
  }
};

template <class T>
struct PassOutputs {
  std::vector<T> y, gx, gw, gb;
};

// Runs the four passes through `calls` (a KernelSet, or anything with its call methods),
// splitting each over `set`'s work items in random pieces.
template <class T, class Calls>
PassOutputs<T> run_passes_in_pieces(const Calls& calls, const KernelSet& set, const Problem& p,
                                    const PassData<T>& d, std::mt19937_64& rng) {
  const ConvSpec& s = p.spec;
  const T poison = std::numeric_limits<T>::quiet_NaN();
  PassOutputs<T> out{std::vector<T>(d.want.y.size(), poison), std::vector<T>(d.want.gx.size(), poison),
                     std::vector<T>(d.want.gw.size(), poison), std::vector<T>(d.want.gb.size(), poison)};
  run_in_pieces(rng, set.forward_items(p.batch), [&](int64_t i0, int64_t i1) {
    return calls.forward(d.x.data(), d.w.data(), s.bias ? d.b.data() : nullptr, out.y.data(), p.batch, p.length, i0, i1);
  });
  run_in_pieces(rng, set.backward_data_items(p.batch), [&](int64_t i0, int64_t i1) {
    return calls.backward_data(d.gy.data(), d.w.data(), out.gx.data(), p.batch, p.length, i0, i1);
  });
  run_in_pieces(rng, set.backward_weight_items(), [&](int64_t i0, int64_t i1) {
    return calls.backward_weight(d.x.data(), d.gy.data(), out.gw.data(), p.batch, p.length, i0, i1);
  });
  run_in_pieces(rng, set.backward_bias_items(), [&](int64_t i0, int64_t i1) {
    return calls.backward_bias(d.gy.data(), out.gb.data(), p.batch, p.length, i0, i1);
  });
  return out;
}

// Every output within `tolerance` of the reference, relative to the absolute-value sums.
template <class T>
void check_outputs(const PassOutputs<T>& out, const ReferenceResults& want, double tolerance) {
  CHECK(worst_ratio(out.y, want.y, want.y_bound, tolerance) <= 1.0);
  CHECK(worst_ratio(out.gx, want.gx, want.gx_bound, tolerance) <= 1.0);
  CHECK(worst_ratio(out.gw, want.gw, want.gw_bound, tolerance) <= 1.0);
  CHECK(worst_ratio(out.gb, want.gb, want.gb_bound, tolerance) <= 1.0);
}

// A KernelSet's calls with forward and backward-data reading weights packed once
// (kernel_abi.h's packed weights): packed in random pieces into buffers poisoned with NaN (so
// an item that reads a slice no pack item wrote is caught), and where a pass has a packed
// copy its kernel gets a NaN weight, so reading the weight instead of the copy is caught too.
template <class T>
class PrepackedCalls {
 public:
  PrepackedCalls(const KernelSet& set, const std::vector<T>& weight, std::mt19937_64& rng)
      : set_(set), weight_(weight.data()), poisoned_(weight.size(), std::numeric_limits<T>::quiet_NaN()),
        forward_packed_(packed_elements(set.forward_packed_bytes), std::numeric_limits<T>::quiet_NaN()),
        backward_data_packed_(packed_elements(set.backward_data_packed_bytes), std::numeric_limits<T>::quiet_NaN()) {
    run_in_pieces(rng, set.forward_pack_items(), [&](int64_t i0, int64_t i1) {
      return set.pack_forward(weight_, forward_packed_.data(), i0, i1);
    });
    run_in_pieces(rng, set.backward_data_pack_items(), [&](int64_t i0, int64_t i1) {
      return set.pack_backward_data(weight_, backward_data_packed_.data(), i0, i1);
    });
  }
  int forward(const void* x, const void*, const void* bias, void* y, int64_t batch, int64_t length, int64_t i0,
              int64_t i1) const {
    const void* w = forward_packed_.empty() ? weight_ : poisoned_.data();
    return set_.forward_prepacked(x, w, bias, forward_packed_.data(), y, batch, length, i0, i1);
  }
  int backward_data(const void* gy, const void*, void* gx, int64_t batch, int64_t length, int64_t i0, int64_t i1) const {
    const void* w = backward_data_packed_.empty() ? weight_ : poisoned_.data();
    return set_.backward_data_prepacked(gy, w, backward_data_packed_.data(), gx, batch, length, i0, i1);
  }
  int backward_weight(const void* x, const void* gy, void* gw, int64_t batch, int64_t length, int64_t i0,
                      int64_t i1) const {
    return set_.backward_weight(x, gy, gw, batch, length, i0, i1);
  }
  int backward_bias(const void* gy, void* gb, int64_t batch, int64_t length, int64_t i0, int64_t i1) const {
    return set_.backward_bias(gy, gb, batch, length, i0, i1);
  }

 private:
  static size_t packed_elements(int64_t bytes) { return static_cast<size_t>(bytes) / sizeof(T); }
  const KernelSet& set_;
  const T* weight_;
  std::vector<T> poisoned_, forward_packed_, backward_data_packed_;
};

// `k`'s four passes run in random pieces on `p` and checked against the reference, once as
// the plain kernels and once with packed weights (PrepackedCalls), the layer and the schedule
// key in the failure message.
template <class T>
void check_kernel_set(const KernelSet& k, const Problem& p, const PassData<T>& data, std::mt19937_64& rng,
                      double tolerance) {
  INFO(p.spec.to_string(), " batch=", p.batch, " length=", p.length, " schedule=", k.schedule.key());
  check_outputs(run_passes_in_pieces(k, k, p, data, rng), data.want, tolerance);
  INFO("with packed weights (", k.forward_packed_bytes, " and ", k.backward_data_packed_bytes, " bytes)");
  const PrepackedCalls<T> prepacked(k, data.w, rng);
  check_outputs(run_passes_in_pieces(prepacked, k, p, data, rng), data.want, tolerance);
}

// The kernel set of `schedule` from `engine`, checked by check_kernel_set.
template <class T>
void check_schedule(JitEngine& engine, const Schedule& schedule, const Problem& p, const PassData<T>& data,
                    std::mt19937_64& rng, double tolerance) {
  check_kernel_set(*engine.kernels(p.spec, schedule), p, data, rng, tolerance);
}

// For each length in `lengths` and batch 1 and 2, `spec`'s default schedule at every vector
// width from 2 to 16 lanes, handed to `variants` (Schedule -> std::vector<Schedule>): every
// schedule it returns is normalised and checked. For tests that pin one loop's knobs.
template <class T, class Variants>
void check_schedule_variants(JitEngine& engine, const ConvSpec& spec, std::initializer_list<int64_t> lengths,
                             uint64_t seed, double tolerance, Variants variants) {
  std::mt19937_64 rng(seed);
  for (int64_t length : lengths)
    for (int64_t batch : {1, 2}) {
      const Problem p{spec, batch, length};
      const PassData<T> data(p, rng);
      for (int lanes : {2, 4, 8, 16}) {
        Schedule base = engine.default_schedule(spec);
        base.vector_width = lanes;
        for (const Schedule& s : variants(base)) check_schedule(engine, s.normalized_for(spec), p, data, rng, tolerance);
      }
    }
}

}  // namespace lucid::testing
