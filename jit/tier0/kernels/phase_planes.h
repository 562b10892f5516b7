// Phase planes of one grad_y row, for the layouts with positions in the lanes (backward-data
// and backward-weight of depthwise-like layers): plane u holds phase r = plane_phase[u],
// column j = grad_y[(m0 + j)*s + r], zero where that position falls outside [0, Lout).
// Copying them is most of those layouts' time, so stride 2 with both phases used (depthwise
// upsamplers) splits whole vectors with shuffles; other strides and the edges copy element by
// element.
#pragma once

#include <cstdint>

#include "../geometry.h"
#include "../kernel_limits.h"
#include "../tap_order.h"
#include "index_math.h"
#include "simd.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

// Writing tap k's offset e_k = k*d - pl as a_k*s + r_k (0 <= r_k < s): the least a_k, the
// span of a_k, and how many positions a tile holds.
struct PlaneShape {
  int64_t min_shift;
  int64_t shift_span;
  int64_t planes_max;  // planes exist for the phases that have taps: at most min(s, K)
  int64_t tile;        // a multiple of V; tiles fill about half the budget with planes
  int64_t plane_length() const { return tile + shift_span; }
};

template <class T>
inline PlaneShape plane_shape(const Geometry& g) {
  constexpr int64_t V = kLanes<T>, size = sizeof(T);
  const int64_t K = g.kernel_size, s = g.stride;
  int64_t min_shift = 0, max_shift = 0;
  for (int64_t k = 0; k < K; ++k) {
    const int64_t a = floor_div(k * g.dilation - g.pad_left, s);
    if (k == 0 || a < min_shift) min_shift = a;
    if (k == 0 || a > max_shift) max_shift = a;
  }
  const int64_t planes_max = min64(s, K);
  const int64_t budget = static_cast<int64_t>(scratch_budget_bytes());
  int64_t tile = min64(1024, max64(V, budget / 2 / (planes_max * size)) / V * V);
  tile = max64(V, min64(tile, ceil_div(g.length, V) * V));
  return {min_shift, max_shift - min_shift, planes_max, tile};
}

// Numbers the phases that have taps in ascending order into plane_phase (returns how many)
// and calls on_tap(k, plane, a_k - min_shift) for every tap. order: K entries of scratch.
template <class OnTap>
inline int64_t map_taps_to_planes(const Geometry& g, int64_t min_shift, int64_t* order,
                                  int64_t* plane_phase, OnTap on_tap) {
  const int64_t K = g.kernel_size, s = g.stride;
  order_taps_by_phase(K, g.dilation, g.pad_left, s, order);
  int64_t planes_used = 0;
  for (int64_t i = 0; i < K; ++i) {
    const int64_t k = order[i], e = k * g.dilation - g.pad_left;
    const int64_t r = positive_mod(e, s);
    if (planes_used == 0 || plane_phase[planes_used - 1] != r) plane_phase[planes_used++] = r;
    on_tap(k, planes_used - 1, floor_div(e, s) - min_shift);
  }
  return planes_used;
}

template <class T>
inline void fill_phase_planes(T* planes, int64_t plane_length, const int64_t* plane_phase,
                              int64_t planes_used, const T* gy, int64_t m0, int64_t s, int64_t Lout) {
  constexpr int64_t V = kLanes<T>;
  int64_t v_begin = 0, v_end = 0;  // columns the vector path fills
  if (s == 2 && planes_used == 2) {
    // Columns whose positions 2m and 2m + 1 (m = m0 + j) both lie in [0, Lout).
    v_begin = min64(plane_length, max64(0, -m0));
    const int64_t both_end = min64(plane_length, max64(v_begin, Lout / 2 - m0));
    v_end = v_begin + (both_end - v_begin) / V * V;
    T* even = planes + (plane_phase[0] == 0 ? 0 : plane_length);
    T* odd = planes + (plane_phase[0] == 0 ? plane_length : 0);
    for (int64_t j = v_begin; j < v_end; j += V) {
      const T* src = gy + (m0 + j) * 2;
      Vec<T> e, o;
      deinterleave_pair<T>(load(src), load(src + V), e, o);
      store(even + j, e);
      store(odd + j, o);
    }
  }
  for (int64_t u = 0; u < planes_used; ++u) {
    const int64_t r = plane_phase[u];
    T* plane = planes + u * plane_length;
    // Columns whose position lands in [0, Lout): m*s + r >= 0 and m*s + r < Lout.
    const int64_t j_begin = min64(plane_length, max64(0, ceil_div(-r, s) - m0));
    const int64_t j_end = max64(j_begin, min64(plane_length, ceil_div(Lout - r, s) - m0));
    auto copy = [&](int64_t from, int64_t to) {
      for (int64_t j = from; j < to; ++j) plane[j] = j >= j_begin && j < j_end ? gy[(m0 + j) * s + r] : T(0);
    };
    copy(0, v_begin);
    copy(v_end, plane_length);
  }
}

}  // namespace lucid::tier0::LUCID_TIER0_ISA
