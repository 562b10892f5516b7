// Stride-phase decomposition of the taps, shared by both forward layouts: output t receives
// tap k from input l exactly when t + pad_left = l*stride + k*dilation. Writing
// u = t + pad_left = q*stride + p, the taps of phase p are those with (k*dilation) mod stride
// == p, and each reads x[q - m] with m = floor(k*dilation / stride).
//
// ResidueTaps indexes the same taps by the output's own residue instead: t = j*stride + r.
// Blocks of j then start on whole output vectors and cover exactly ceil(Lout / stride)
// positions, where blocks of q cover the u range, one position longer whenever pad_left is
// not a multiple of the stride (hifigan_up1: 129 q for 128 j, so whole blocks of 48 q ran
// 144 where 128 positions of 32 need no padding at all).
#pragma once

#include <algorithm>
#include <cstdint>
#include <set>
#include <vector>

#include "lucid/conv_spec.h"

namespace lucid::ir {

struct PhaseTap {
  int64_t k;  // kernel tap
  int64_t m;  // x is read at q - m
};

struct PhaseTaps {
  std::vector<std::vector<PhaseTap>> by_phase;  // stride entries, taps in increasing k
  int64_t max_m = 0;

  explicit PhaseTaps(const ConvSpec& spec) : by_phase(static_cast<size_t>(spec.stride)) {
    for (int64_t k = 0; k < spec.kernel_size; ++k) {
      const int64_t offset = k * spec.dilation;
      by_phase[static_cast<size_t>(offset % spec.stride)].push_back({k, offset / spec.stride});
      max_m = std::max(max_m, offset / spec.stride);
    }
  }
  const std::vector<PhaseTap>& operator[](size_t p) const { return by_phase[p]; }
  // Taps of the phases before p: where phase p starts in a phase-major packing.
  int64_t before(int64_t p) const {
    int64_t n = 0;
    for (int64_t q = 0; q < p; ++q) n += static_cast<int64_t>(by_phase[static_cast<size_t>(q)].size());
    return n;
  }
};

// Whether a block of `positions` consecutive q of phase `taps`, one channel vector wide, loads
// each x element once per input channel and feeds every (position, tap) that reads it, instead
// of once per (position, tap) (the forward's merged broadcasts, lower_forward_channels.cpp):
// where positions share elements (taps closer than the block is long), and every tap's weight
// vector fits beside the accumulators among `registers`.
inline bool merges_x_broadcasts(const std::vector<PhaseTap>& taps, int positions, int registers) {
  if (taps.empty()) return false;
  std::set<int64_t> offsets;
  for (int m = 0; m < positions; ++m)
    for (const PhaseTap& tap : taps) offsets.insert(m - tap.m);
  if (offsets.size() == static_cast<size_t>(positions) * taps.size()) return false;
  return positions + static_cast<int>(taps.size()) + 2 <= registers;
}

// The same for every phase with taps: what the default schedule asks before it takes such
// blocks, so that it never picks a block the lowering would not merge.
inline bool merges_x_broadcasts(const PhaseTaps& phase_taps, int positions, int registers) {
  bool any = false;
  for (const auto& taps : phase_taps.by_phase) {
    if (taps.empty()) continue;
    if (!merges_x_broadcasts(taps, positions, registers)) return false;
    any = true;
  }
  return any;
}

// Taps by output residue r (t = j*stride + r): those of phase p = (r + pad_left) mod stride,
// each reading x[j - e] with e = m - floor((r + pad_left) / stride). e may be negative (a
// tap reading ahead of j) when pad_left reaches past a stride.
struct ResidueTap {
  int64_t k;  // kernel tap
  int64_t e;  // x is read at j - e
};

// Tap k's residue r and x offset e (ResidueTap), from the tap alone: the residue whose phase
// (r + pad_left) mod stride is k*dilation mod stride.
inline int64_t tap_residue(const ConvSpec& spec, int64_t k) {
  const int64_t p = k * spec.dilation % spec.stride;
  return ((p - spec.pad_left) % spec.stride + spec.stride) % spec.stride;
}
inline int64_t tap_offset_e(const ConvSpec& spec, int64_t k) {
  return k * spec.dilation / spec.stride - (tap_residue(spec, k) + spec.pad_left) / spec.stride;
}

// x positions a block of `block` outputs per residue reads (ResidueTaps::reach), from the
// taps alone: O(kernel_size), with no per-residue table, so the schedule can ask it for any
// stride a spec allows.
inline int64_t residue_reach(const ConvSpec& spec, int64_t block) {
  int64_t max_e = tap_offset_e(spec, 0), min_e = max_e;
  for (int64_t k = 1; k < spec.kernel_size; ++k) {
    max_e = std::max(max_e, tap_offset_e(spec, k));
    min_e = std::min(min_e, tap_offset_e(spec, k));
  }
  return block + max_e - min_e;
}

struct ResidueTaps {
  std::vector<std::vector<ResidueTap>> by_residue;  // stride entries, taps in increasing k
  int64_t max_e = 0;  // the furthest any tap reads behind j
  int64_t min_e = 0;  // the furthest ahead (<= 0: tap 0's residue reads at or ahead of j)

  explicit ResidueTaps(const ConvSpec& spec) : by_residue(static_cast<size_t>(spec.stride)) {
    for (int64_t k = 0; k < spec.kernel_size; ++k) {
      const int64_t e = tap_offset_e(spec, k);
      by_residue[static_cast<size_t>(tap_residue(spec, k))].push_back({k, e});
      max_e = k == 0 ? e : std::max(max_e, e);
      min_e = k == 0 ? e : std::min(min_e, e);
    }
  }
  const std::vector<ResidueTap>& operator[](size_t r) const { return by_residue[r]; }
  // x positions a block of `block` outputs per residue reads: from j0 - max_e, this many.
  int64_t reach(int64_t block) const { return block + max_e - min_e; }
};

}  // namespace lucid::ir
