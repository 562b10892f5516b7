// backward-data with positions l in the vector lanes, for items with few input channels
// (depthwise layers: one channel per group), which channel lanes would leave mostly empty:
//   dx[ci, l] = sum over co, k of W[ci, co, k] * grad_y[co, l*s + e_k],  e_k = k*d - pl.
// As in backward-weight's positions layout, writing e_k = a_k*s + r_k (0 <= r_k < s),
// grad_y[co, l*s + e_k] is column l + a_k of phase plane r_k. Per (output channel, tile of l)
// the planes are copied de-interleaved with zeros outside [0, Lout), so every tap reads one
// contiguous in-bounds vector and there is no edge path. Each row's tile of sums builds up
// in scratch over the output channels (co, then k: the same order whatever the split) and is
// then stored into dx, which every item owns whole rows of.
#include "../scratch.h"
#include "index_math.h"
#include "lucid/kernel_abi.h"
#include "pass_kernels.h"
#include "phase_planes.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

namespace {

// Position vectors per register block: with one weight broadcast per tap, each vector costs
// one plane load per FMA, so a few vectors cover the FMA latency without spilling.
constexpr int kBlockVectors = 4;

template <class T>
struct DataPositionsCall {
  const Geometry& g;
  const int64_t* tap_column;   // per tap: plane * plane_length + (a_k - min_shift)
  const int64_t* plane_phase;  // r of each plane (planes exist only for phases with taps)
  int64_t planes_used;
  PlaneShape shape;
  T* planes;           // [plane][tile + shift_span]
  T* sums;             // [row][tile]
};

// sums[i, i + NB*V) += sum over k of w[k] * (tap k's plane)[i, i + NB*V).
template <class T, int NB>
inline void vector_block(const DataPositionsCall<T>& c, const T* w, T* sums, int64_t i) {
  constexpr int V = kLanes<T>;
  Vec<T> acc[NB];
#pragma GCC unroll 8
  for (int v = 0; v < NB; ++v) acc[v] = load(sums + i + v * V);
  for (int64_t k = 0; k < c.g.kernel_size; ++k) {
    const Vec<T> wk = splat(w[k]);
    const T* plane = c.planes + c.tap_column[k] + i;
#pragma GCC unroll 8
    for (int v = 0; v < NB; ++v) acc[v] += wk * load(plane + v * V);
  }
#pragma GCC unroll 8
  for (int v = 0; v < NB; ++v) store(sums + i + v * V, acc[v]);
}

template <class T>
void positions_item(const DataPositionsCall<T>& c, const T* grad_y, const T* weight, T* grad_x,
                    int64_t item) {
  constexpr int V = kLanes<T>;
  const Geometry& g = c.g;
  const int64_t L = g.length, Lout = g.out_length, K = g.kernel_size, s = g.stride;
  const int64_t plane_length = c.shape.plane_length();
  const ItemCoordinates at = split_item(item, g.groups, g.blocks_per_group);
  const int64_t ci0 = at.block * g.block;
  const int64_t rows = min64(g.block, g.in_per_group - ci0);
  const T* gy_n = grad_y + (at.n * g.out_channels + at.group * g.out_per_group) * Lout;
  const T* w = weight + (at.group * g.in_per_group + ci0) * g.out_per_group * K;  // row j: + j*Cog*K
  T* gx = grad_x + (at.n * g.in_channels + at.group * g.in_per_group + ci0) * L;
  for (int64_t l0 = 0; l0 < L; l0 += c.shape.tile) {
    const int64_t positions = min64(c.shape.tile, L - l0);
    const int64_t vectors = ceil_div(positions, V);
    for (int64_t i = 0; i < rows * c.shape.tile; ++i) c.sums[i] = T(0);
    for (int64_t co = 0; co < g.out_per_group; ++co) {
      fill_phase_planes(c.planes, plane_length, c.plane_phase, c.planes_used, gy_n + co * Lout,
                        l0 + c.shape.min_shift, s, Lout);
      for (int64_t j = 0; j < rows; ++j) {
        const T* w_row = w + (j * g.out_per_group + co) * K;
        T* sums = c.sums + j * c.shape.tile;
        int64_t i = 0;
        for (; i + kBlockVectors * V <= vectors * V; i += kBlockVectors * V)
          vector_block<T, kBlockVectors>(c, w_row, sums, i);
        for (; i < vectors * V; i += V) vector_block<T, 1>(c, w_row, sums, i);
      }
    }
    for (int64_t j = 0; j < rows; ++j)
      for (int64_t i = 0; i < positions; ++i) gx[j * L + l0 + i] = c.sums[j * c.shape.tile + i];
  }
}

}  // namespace

template <class T>
int backward_data_positions(const Geometry& g, const T* grad_y, const T* weight, T* grad_x,
                            int64_t begin, int64_t end) {
  constexpr int64_t size = sizeof(T);
  const int64_t K = g.kernel_size, rows_max = min64(g.block, g.in_per_group);
  const PlaneShape shape = plane_shape<T>(g);
  const int64_t tile = shape.tile;
  const int64_t plane_bytes = (shape.planes_max * shape.plane_length() * size + 63) / 64 * 64;
  const int64_t sums_bytes = (rows_max * tile * size + 63) / 64 * 64;
  const int64_t table_bytes = 3 * K * 8;
  auto* scratch = static_cast<char*>(thread_scratch(static_cast<std::size_t>(plane_bytes + sums_bytes + table_bytes)));
  if (scratch == nullptr) return LUCID_STATUS_OUT_OF_MEMORY;
  auto* tap_column = reinterpret_cast<int64_t*>(scratch + plane_bytes + sums_bytes);
  int64_t* order = tap_column + K;
  int64_t* plane_phase = order + K;
  const int64_t planes_used = map_taps_to_planes(g, shape.min_shift, order, plane_phase,
                                                 [&](int64_t k, int64_t plane, int64_t shift) {
                                                   tap_column[k] = plane * shape.plane_length() + shift;
                                                 });
  const DataPositionsCall<T> call{g, tap_column, plane_phase, planes_used, shape,
                                  reinterpret_cast<T*>(scratch), reinterpret_cast<T*>(scratch + plane_bytes)};
  for (int64_t item = begin; item < end; ++item) positions_item(call, grad_y, weight, grad_x, item);
  return LUCID_STATUS_OK;
}

template int backward_data_positions<float>(const Geometry&, const float*, const float*, float*, int64_t, int64_t);
template int backward_data_positions<double>(const Geometry&, const double*, const double*, double*, int64_t, int64_t);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
