// Phase planes of one grad_y row, for the layouts with positions in the lanes (backward-data
// and backward-weight of depthwise-like layers): plane u holds phase r = plane_phase[u],
// column j = grad_y[(m0 + j)*s + r], zero where that position falls outside [0, Lout).
// Copying them is most of those layouts' time, so stride 2 with both phases used (depthwise
// upsamplers) splits whole vectors with shuffles; other strides and the edges copy element by
// element.
#pragma once

#include <cstdint>

#include "index_math.h"
#include "simd.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

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
