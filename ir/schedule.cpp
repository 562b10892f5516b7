// Schedule: the default heuristic, normalisation against a spec, and the key text.
#include "lucid/schedule.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "lucid/conv_spec.h"
#include "lucid/error.h"

namespace lucid {

namespace {

int clamp_int(int64_t v, int64_t lo, int64_t hi) {
  return static_cast<int>(std::clamp<int64_t>(v, lo, std::max(lo, hi)));
}

}  // namespace

Schedule Schedule::default_for(const ConvSpec& spec, int host_vector_bits) {
  Schedule s;
  int bits = host_vector_bits >= 512 ? 512 : host_vector_bits >= 256 ? 256 : 128;
  s.vector_width = bits / static_cast<int>(8 * dtype_size(spec.dtype));
  // Accumulators may take all vector registers but a few: one for the loaded input vector,
  // one for the broadcast weight, and slack for addresses the backend keeps in vectors.
  const int registers = bits == 512 ? 32 : 16;
  const int budget = registers - 4;

  // forward: 4 output channels x 3 vectors of q reuse each loaded x vector 4 times and each
  // broadcast weight 3 times, which keeps two FMA pipes busy with two loads per cycle.
  s.fwd_block_co = clamp_int(spec.out_per_group(), 1, 4);
  s.fwd_block_t = clamp_int(budget / s.fwd_block_co, 1, bits == 512 ? 6 : 4);
  s.fwd_block_t = std::min(s.fwd_block_t, 3 * (bits == 512 ? 2 : 1));
  // Every stride phase's accumulators are interleaved at the store; past stride 8 that
  // shuffle network (rows x stride vectors, and its spills) outgrows the compute and the
  // compile time, so keep one vector and two channels per phase.
  if (spec.stride > 8) {
    s.fwd_block_t = 1;
    s.fwd_block_co = clamp_int(spec.out_per_group(), 1, 2);
  }
  // Phases share one pass over the input channels (and its x loads) as far as their
  // accumulators fit.
  s.fwd_phase_chunk = clamp_int(budget / (s.fwd_block_co * s.fwd_block_t), 1, spec.stride);
  if (spec.stride == 1 && spec.out_per_group() >= 8) {
    // Without a stride, output channels in lanes (lower_forward_channels.cpp) measured 30-40%
    // faster on wide_s1 and dilated: one dense reduction over ci x K per register block of
    // 2 channel vectors x 6 positions. With a stride each phase's reduction has only K/s taps
    // and the transposed stores cost as much as they save, so strided layers keep q in lanes.
    s.fwd_lanes = kLanesChannels;
    s.fwd_block_co = clamp_int(spec.out_per_group(), 1, 16);
    s.fwd_block_t = s.fwd_block_co > s.vector_width ? 6 : 12;
    s.fwd_phase_chunk = 1;
  }

  // The knobs that define work items (fwd_block_co, bwd_data_block_ci, bww_block_ci) depend
  // on the spec only, never on the vector width: every target of a multi-target AOT build
  // then splits a call into the same items.
  if (spec.in_per_group() >= 8) {
    // Enough channels for a vector: channels in lanes (see lower_backward_data.cpp) broadcast
    // grad_y whatever the stride. Items of 16 channels whatever the width; 2 channel vectors
    // x 6 positions = 12 accumulators for AVX2 floats (one vector x 12 when only 8 channels).
    s.bwd_data_lanes = kLanesChannels;
    s.bwd_data_block_ci = clamp_int(spec.in_per_group(), 1, 16);
    s.bwd_data_block_t = s.bwd_data_block_ci > s.vector_width ? 6 : 12;
  } else {
    s.bwd_data_block_ci = clamp_int(spec.in_per_group(), 1, 4);
    s.bwd_data_block_t = clamp_int(budget / s.bwd_data_block_ci, 1, 3);
    if (spec.kernel_size >= s.vector_width && spec.stride > 1) {
      // Long kernels with a stride: taps in lanes read grad_y and W contiguously.
      // 4 channels x 3 positions = 12 accumulators.
      s.bwd_data_lanes = kLanesTaps;
      s.bwd_data_block_t = 3;
    } else if (spec.stride > 4) {
      // Each strided grad_y vector costs a load per lane: keep fewer of them in flight.
      s.bwd_data_block_t = 2;
    }
  }

  // 3 rows x 2 channels: each loaded x vector serves 2 channels x the taps, each grad_y
  // vector 3 rows.
  s.bww_block_ci = clamp_int(spec.in_per_group(), 1, 3);
  if (s.bww_block_ci * spec.kernel_size <= budget) {
    // Short kernels: all taps in one tile, so nothing is streamed twice or recomputed.
    s.bww_block_taps = static_cast<int>(spec.kernel_size);
    s.bww_block_co = clamp_int(budget / (s.bww_block_ci * spec.kernel_size), 1, std::min<int64_t>(2, spec.out_per_group()));
  } else {
    s.bww_block_co = clamp_int(spec.out_per_group(), 1, 2);
    s.bww_block_taps = clamp_int(budget / (s.bww_block_ci * s.bww_block_co), 1, spec.kernel_size);
  }
  if (spec.kernel_size >= s.vector_width && spec.stride > 1) {
    // Long kernels with a stride: taps in lanes read grad_y contiguously (see
    // lower_backward_weight.cpp). 3 rows x 2 channels x 2 tap vectors = 12 accumulators.
    s.bww_lanes = kLanesTaps;
    s.bww_block_taps = clamp_int(spec.kernel_size / s.vector_width, 1, 2);
  }
  if (spec.in_per_group() >= 8 && !(spec.kernel_size >= 16 && spec.stride > 1)) {
    // A vector of channels per group: channels in lanes (one broadcast grad_y element per
    // (co, tap) pair and position, whatever the stride); 2 channel vectors x 6 pairs. Only
    // kernels of 16+ taps with a stride keep taps in lanes, which measured faster there.
    // Decided from the spec alone, as bww_block_ci must be.
    s.bww_lanes = kLanesChannels;
    s.bww_block_ci = clamp_int(spec.in_per_group(), 1, 16);
    s.bww_block_co = 1;
    s.bww_block_taps = s.bww_block_ci > s.vector_width ? 6 : 12;
  }
  return s.normalized_for(spec);
}

Schedule Schedule::normalized_for(const ConvSpec& spec) const {
  Schedule s = *this;
  int v = 1;
  while (v < s.vector_width && v < 16) v *= 2;
  s.vector_width = v;
  s.fwd_block_co = clamp_int(s.fwd_block_co, 1, std::min<int64_t>(spec.out_per_group(), 16));
  s.fwd_block_t = clamp_int(s.fwd_block_t, 1, 16);
  s.fwd_phase_chunk = clamp_int(s.fwd_phase_chunk, 1, spec.stride);
  if (s.fwd_lanes != kLanesChannels) s.fwd_lanes = kLanesLength;
  if (s.fwd_lanes == kLanesChannels) s.fwd_phase_chunk = 1;
  s.bwd_data_block_ci = clamp_int(s.bwd_data_block_ci, 1, std::min<int64_t>(spec.in_per_group(), 16));
  s.bwd_data_block_t = clamp_int(s.bwd_data_block_t, 1, 16);
  s.bww_block_ci = clamp_int(s.bww_block_ci, 1, std::min<int64_t>(spec.in_per_group(), 16));
  s.bww_block_co = clamp_int(s.bww_block_co, 1, std::min<int64_t>(spec.out_per_group(), 16));
  if (s.bww_lanes == kLanesTaps && spec.kernel_size < s.vector_width) s.bww_lanes = kLanesLength;
  if (s.bww_lanes < kLanesLength || s.bww_lanes > kLanesChannels) s.bww_lanes = kLanesLength;
  if (s.bww_lanes == kLanesChannels) s.bww_block_co = 1;
  if (s.bwd_data_lanes == kLanesTaps && spec.kernel_size < s.vector_width) s.bwd_data_lanes = kLanesLength;
  if (s.bwd_data_lanes < kLanesLength || s.bwd_data_lanes > kLanesChannels) s.bwd_data_lanes = kLanesLength;
  s.bww_block_taps = clamp_int(s.bww_block_taps, 1,
                               s.bww_lanes == kLanesTaps ? spec.kernel_size / s.vector_width
                               : s.bww_lanes == kLanesChannels ? 12 : spec.kernel_size);
  return s;
}

std::string Schedule::key() const {
  return fmt::format("v{}.f{}x{}x{}{}.d{}x{}{}.w{}x{}x{}{}", vector_width, fwd_block_co, fwd_block_t,
                     fwd_phase_chunk, fwd_lanes == kLanesChannels ? "c" : "", bwd_data_block_ci, bwd_data_block_t,
                     bwd_data_lanes == kLanesTaps ? "t" : bwd_data_lanes == kLanesChannels ? "c" : "", bww_block_ci, bww_block_co, bww_block_taps,
                     bww_lanes == kLanesTaps ? "t" : bww_lanes == kLanesChannels ? "c" : "");
}

Schedule Schedule::parse_key(const std::string& key) {
  static const std::regex pattern(R"(v(\d+)\.f(\d+)x(\d+)x(\d+)(c?)\.d(\d+)x(\d+)([tc]?)\.w(\d+)x(\d+)x(\d+)([tc]?))");
  std::smatch m;
  if (!std::regex_match(key, m, pattern))
    throw Error(fmt::format("Schedule: malformed schedule key '{}' (expected e.g. '{}')", key, Schedule{}.key()));
  auto knob = [&](int i) {
    int v = std::atoi(m[i].str().c_str());
    if (v < 1 || v > 64 || m[i].length() > 2)
      throw Error(fmt::format("Schedule: every knob of '{}' must be in 1..64", key));
    return v;
  };
  Schedule s;
  s.vector_width = knob(1);
  s.fwd_block_co = knob(2);
  s.fwd_block_t = knob(3);
  s.fwd_phase_chunk = knob(4);
  s.fwd_lanes = m[5] == "c" ? kLanesChannels : kLanesLength;
  s.bwd_data_block_ci = knob(6);
  s.bwd_data_block_t = knob(7);
  s.bwd_data_lanes = m[8] == "t" ? kLanesTaps : m[8] == "c" ? kLanesChannels : kLanesLength;
  s.bww_block_ci = knob(9);
  s.bww_block_co = knob(10);
  s.bww_block_taps = knob(11);
  s.bww_lanes = m[12] == "t" ? kLanesTaps : m[12] == "c" ? kLanesChannels : kLanesLength;
  return s;
}

}  // namespace lucid
