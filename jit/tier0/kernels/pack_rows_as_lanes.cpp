// pack_rows_as_lanes: the row-to-lane repacking that JIT kernels call instead of inlining it
// (ir/lowering.h, emit_pack_rows). Its lanes x lanes register transpose was the costliest
// code of backward-data and backward-weight to compile (X86's shuffle combining), and it is
// the same in every layer, so it is compiled here, once per instruction set.
#include "pass_kernels.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

namespace {

// One butterfly stage of the transpose: vectors i (bit h of i clear) and i + h trade the
// upper and lower h-lane halves of each 2h-lane chunk.
template <class T, int H, std::size_t... C>
inline void swap_blocks(Vec<T>& lo, Vec<T>& hi, std::index_sequence<C...>) {
  constexpr std::size_t N = kLanes<T>;
  const Vec<T> a = lo, b = hi;
  lo = __builtin_shufflevector(a, b, ((C & H) == 0 ? C : N + C - H)...);
  hi = __builtin_shufflevector(a, b, ((C & H) == 0 ? C + H : N + C)...);
}

template <class T, int H>
inline void transpose_stages(Vec<T> (&a)[kLanes<T>]) {
  if constexpr (H >= 1) {
#pragma GCC unroll 16
    for (int i = 0; i < kLanes<T>; ++i)
      if ((i & H) == 0) swap_blocks<T, H>(a[i], a[i + H], std::make_index_sequence<kLanes<T>>{});
    transpose_stages<T, H / 2>(a);
  }
}

// Tiles of V columns: V row loads, the transpose, V column stores. Row i is read from row[i]
// + m0 * step[i]: a source row, or (step 0) a row of zeros, so the loads are unconditional
// (a branch per row had GCC copy the loop for each combination). kFull: every row is real.
template <class T, bool kFull>
void pack_tiles(const T* src, int64_t src_row_stride, int64_t rows, int64_t tiled, T* dst, int64_t dst_column_stride) {
  constexpr int V = kLanes<T>;
  alignas(kVectorBytes) static const T zeros[V] = {};
  const T* row[V];
  int64_t step[V];
  for (int i = 0; i < V; ++i) {
    const bool real = kFull || i < rows;
    row[i] = real ? src + i * src_row_stride : zeros;
    step[i] = real ? 1 : 0;
  }
  for (int64_t m0 = 0; m0 < tiled; m0 += V) {
    Vec<T> tile[V];
#pragma GCC unroll 16
    for (int i = 0; i < V; ++i) tile[i] = load(kFull ? src + i * src_row_stride + m0 : row[i] + m0 * step[i]);
    transpose_stages<T, V / 2>(tile);
#pragma GCC unroll 16
    for (int j = 0; j < V; ++j) store(dst + (m0 + j) * dst_column_stride, tile[j]);
  }
}

}  // namespace

template <class T>
void pack_rows_as_lanes(const T* src, int64_t src_row_stride, int64_t rows, int64_t columns, T* dst,
                        int64_t dst_column_stride) {
  constexpr int V = kLanes<T>;
  const int64_t tiled = columns / V * V;
  if (rows == V) pack_tiles<T, true>(src, src_row_stride, rows, tiled, dst, dst_column_stride);
  else pack_tiles<T, false>(src, src_row_stride, rows, tiled, dst, dst_column_stride);
  for (int64_t m = tiled; m < columns; ++m)
    for (int i = 0; i < V; ++i) dst[m * dst_column_stride + i] = i < rows ? src[i * src_row_stride + m] : T(0);
}

template void pack_rows_as_lanes<float>(const float*, int64_t, int64_t, int64_t, float*, int64_t);
template void pack_rows_as_lanes<double>(const double*, int64_t, int64_t, int64_t, double*, int64_t);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
