// Direct loops for passes of a few hundred multiply-adds (the seed layers): packing weights,
// building tap tables and copying windows costs more than such a pass's whole arithmetic, so
// these compute each item's outputs straight from the formulas of docs/semantics.md §1, with the
// same items and ownership as the blocked kernels. Each tap's range of input positions (those
// whose output lands in [0, Lout)) is computed once per call, so the inner loops have no
// bounds checks.
#include "index_math.h"
#include "lucid/kernel_abi.h"
#include "pass_kernels.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

namespace {

// Trip counts here are the seed layers' 2..5: the vectoriser's versioned loops only add
// checks and branches, so it stays off for these functions.
#define LUCID_TIER0_SCALAR_LOOPS __attribute__((optimize("no-tree-vectorize")))

// A direct pass has at most direct_call_macs() (512) multiply-adds, so at most that many
// taps; larger limits (tests) fall back to computing the range per use.
constexpr int64_t kMaxTableTaps = 512;

// Tap k writes output l*s + offset for l in [begin, end).
struct TapRange {
  int64_t offset, begin, end;
};

inline TapRange tap_range(const Geometry& g, int64_t k) {
  const int64_t offset = k * g.dilation - g.pad_left;
  return {offset, max64(0, ceil_div(-offset, g.stride)),
          min64(g.length, floor_div(g.out_length - 1 - offset, g.stride) + 1)};
}

// The ranges of all taps, from `table` when they fit in it.
struct TapRanges {
  const Geometry& g;
  TapRange table[kMaxTableTaps];
  bool tabled;
  explicit TapRanges(const Geometry& geometry) : g(geometry), tabled(g.kernel_size <= kMaxTableTaps) {
    if (tabled)
      for (int64_t k = 0; k < g.kernel_size; ++k) table[k] = tap_range(g, k);
  }
  TapRange operator[](int64_t k) const { return tabled ? table[k] : tap_range(g, k); }
};

}  // namespace

template <class T>
LUCID_TIER0_SCALAR_LOOPS int forward_direct(const Geometry& g, const T* x, const T* w,
                                            const T* bias, T* y, int64_t begin, int64_t end) {
  const int64_t L = g.length, Lout = g.out_length, K = g.kernel_size, s = g.stride;
  const TapRanges taps(g);
  for (int64_t item = begin; item < end; ++item) {
    const ItemCoordinates at = split_item(item, g.groups, g.blocks_per_group);
    const int64_t co0 = at.block * g.block, rows = min64(g.block, g.out_per_group - co0);
    for (int64_t j = 0; j < rows; ++j) {
      const int64_t co = at.group * g.out_per_group + co0 + j;
      T* out = y + (at.n * g.out_channels + co) * Lout;
      const T b = bias ? bias[co] : T(0);
      for (int64_t t = 0; t < Lout; ++t) out[t] = b;
      // The item owns these rows, so scatter-adding into them is safe.
      for (int64_t c = 0; c < g.in_per_group; ++c) {
        const int64_t ci = at.group * g.in_per_group + c;
        const T* xr = x + (at.n * g.in_channels + ci) * L;
        const T* wr = w + (ci * g.out_per_group + co0 + j) * K;
        for (int64_t k = 0; k < K; ++k) {
          const TapRange tap = taps[k];
          const T wk = wr[k];
          for (int64_t l = tap.begin; l < tap.end; ++l) out[l * s + tap.offset] += xr[l] * wk;
        }
      }
    }
  }
  return LUCID_STATUS_OK;
}

template <class T>
LUCID_TIER0_SCALAR_LOOPS int backward_data_direct(const Geometry& g, const T* grad_y, const T* w,
                                                  T* grad_x, int64_t begin, int64_t end) {
  const int64_t L = g.length, Lout = g.out_length, K = g.kernel_size, s = g.stride;
  const TapRanges taps(g);
  for (int64_t item = begin; item < end; ++item) {
    const ItemCoordinates at = split_item(item, g.groups, g.blocks_per_group);
    const int64_t ci0 = at.block * g.block, rows = min64(g.block, g.in_per_group - ci0);
    const T* gy = grad_y + (at.n * g.out_channels + at.group * g.out_per_group) * Lout;
    for (int64_t j = 0; j < rows; ++j) {
      const int64_t ci = at.group * g.in_per_group + ci0 + j;
      T* out = grad_x + (at.n * g.in_channels + ci) * L;
      for (int64_t l = 0; l < L; ++l) out[l] = T(0);
      for (int64_t c = 0; c < g.out_per_group; ++c) {
        const T* wr = w + (ci * g.out_per_group + c) * K;
        const T* gr = gy + c * Lout;
        for (int64_t k = 0; k < K; ++k) {
          const TapRange tap = taps[k];
          const T wk = wr[k];
          for (int64_t l = tap.begin; l < tap.end; ++l) out[l] += gr[l * s + tap.offset] * wk;
        }
      }
    }
  }
  return LUCID_STATUS_OK;
}

template <class T>
LUCID_TIER0_SCALAR_LOOPS int backward_weight_direct(const Geometry& g, const T* x, const T* grad_y,
                                                    T* grad_weight, int64_t begin, int64_t end) {
  const int64_t L = g.length, Lout = g.out_length, K = g.kernel_size, s = g.stride;
  const TapRanges taps(g);
  for (int64_t item = begin; item < end; ++item) {
    const int64_t group = item / g.blocks_per_group, ci0 = item % g.blocks_per_group * g.block;
    const int64_t rows = min64(g.block, g.in_per_group - ci0);
    for (int64_t j = 0; j < rows; ++j) {
      const int64_t ci = group * g.in_per_group + ci0 + j;
      for (int64_t c = 0; c < g.out_per_group; ++c)
        for (int64_t k = 0; k < K; ++k) {
          const TapRange tap = taps[k];
          T sum = 0;
          for (int64_t n = 0; n < g.batch; ++n) {
            const T* xr = x + (n * g.in_channels + ci) * L;
            const T* gr = grad_y + (n * g.out_channels + group * g.out_per_group + c) * Lout;
            for (int64_t l = tap.begin; l < tap.end; ++l) sum += xr[l] * gr[l * s + tap.offset];
          }
          grad_weight[(ci * g.out_per_group + c) * K + k] = sum;
        }
    }
  }
  return LUCID_STATUS_OK;
}

template int forward_direct<float>(const Geometry&, const float*, const float*, const float*, float*, int64_t, int64_t);
template int forward_direct<double>(const Geometry&, const double*, const double*, const double*, double*, int64_t, int64_t);
template int backward_data_direct<float>(const Geometry&, const float*, const float*, float*, int64_t, int64_t);
template int backward_data_direct<double>(const Geometry&, const double*, const double*, double*, int64_t, int64_t);
template int backward_weight_direct<float>(const Geometry&, const float*, const float*, float*, int64_t, int64_t);
template int backward_weight_direct<double>(const Geometry&, const double*, const double*, double*, int64_t, int64_t);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
