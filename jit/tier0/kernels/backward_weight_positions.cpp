// backward-weight with positions l in the vector lanes, for items with few input channels and
// kernels that cannot fill a vector of taps (depthwise layers: one channel, K = 4):
//   dW[ci, co, k] = sum over n of the dot product of x[n, ci, :] with grad_y[n, co, l*s + e_k],
//   e_k = k*d - pl.
// Writing e_k = a_k*s + r_k (0 <= r_k < s), grad_y[n, co, l*s + e_k] is element l + a_k of
// phase plane r_k (the positions = r_k mod s). Per (n, output channel, tile of l) the planes
// are copied de-interleaved with zeros outside [0, Lout), so every tap reads one contiguous,
// in-bounds vector and there is no edge path. A register block of RB channels x KB taps
// accumulates lane-wise partial sums, kept per (channel, tap) in a small staging block across
// tiles and n; each dW element is then one horizontal sum, the same whatever the split.
#include "../scratch.h"
#include "index_math.h"
#include "lucid/kernel_abi.h"
#include "pass_kernels.h"
#include "phase_planes.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

namespace {

// Taps per register block, and channels beside them: RB*KB accumulators, RB x vectors, one
// plane vector.
constexpr int kMaxTaps = 4;
constexpr int kMaxRows = (kVectorRegisters - 2) / (kMaxTaps + 1) < 4 ? (kVectorRegisters - 2) / (kMaxTaps + 1) : 4;

struct TapPhase {
  int64_t plane;  // which plane holds phase r_k (planes exist only for phases with taps)
  int64_t shift;  // a_k - min over taps of a_k: the tap's column in its plane at l = tile start
};

template <class T>
struct PositionsCall {
  const Geometry& g;
  const TapPhase* taps;
  const int64_t* plane_phase;  // r of each plane
  int64_t planes_used;
  PlaneShape shape;
  T* planes;           // [plane][tile + shift_span]
  T* x_tile;           // [row][tile]
  T* staging;          // [row][tap][V]
};

template <class T, int RB, int KB>
void tap_block(const PositionsCall<T>& c, int64_t r0, int64_t k0, int64_t vectors) {
  constexpr int V = kLanes<T>;
  const int64_t K = c.g.kernel_size, plane_length = c.shape.plane_length();
  Vec<T> acc[RB][KB];
  const T* plane[KB];
  for (int kb = 0; kb < KB; ++kb) {
    const TapPhase tap = c.taps[k0 + kb];
    plane[kb] = c.planes + tap.plane * plane_length + tap.shift;
  }
  for (int rb = 0; rb < RB; ++rb)
    for (int kb = 0; kb < KB; ++kb) acc[rb][kb] = load(c.staging + ((r0 + rb) * K + k0 + kb) * V);
  for (int64_t i = 0; i < vectors * V; i += V) {
    Vec<T> xv[RB];
#pragma GCC unroll 4
    for (int rb = 0; rb < RB; ++rb) xv[rb] = load(c.x_tile + (r0 + rb) * c.shape.tile + i);
#pragma GCC unroll 4
    for (int kb = 0; kb < KB; ++kb) {
      const Vec<T> pv = load(plane[kb] + i);
#pragma GCC unroll 4
      for (int rb = 0; rb < RB; ++rb) acc[rb][kb] += xv[rb] * pv;
    }
  }
  for (int rb = 0; rb < RB; ++rb)
    for (int kb = 0; kb < KB; ++kb) store(c.staging + ((r0 + rb) * K + k0 + kb) * V, acc[rb][kb]);
}

template <class T, int RB>
void tap_block_rows(int taps, const PositionsCall<T>& c, int64_t r0, int64_t k0, int64_t vectors) {
  switch (taps) {
    case 1: tap_block<T, RB, 1>(c, r0, k0, vectors); break;
    case 2: tap_block<T, RB, 2>(c, r0, k0, vectors); break;
    case 3: tap_block<T, RB, 3>(c, r0, k0, vectors); break;
    default: tap_block<T, RB, 4>(c, r0, k0, vectors); break;
  }
}

// The tile's blocks: rows in groups of up to kMaxRows, taps in groups of up to kMaxTaps.
template <class T>
void tile_blocks(const PositionsCall<T>& c, int64_t rows, int64_t vectors) {
  static_assert(kMaxTaps == 4 && kMaxRows >= 1 && kMaxRows <= 4, "the switches cover 1..4");
  const int64_t K = c.g.kernel_size;
  for (int64_t r0 = 0; r0 < rows; r0 += kMaxRows)
    for (int64_t k0 = 0; k0 < K; k0 += kMaxTaps) {
      const int rb = static_cast<int>(min64(kMaxRows, rows - r0));
      const int kb = static_cast<int>(min64(kMaxTaps, K - k0));
      switch (rb) {
        case 1: tap_block_rows<T, 1>(kb, c, r0, k0, vectors); break;
        case 2: if constexpr (kMaxRows >= 2) tap_block_rows<T, 2>(kb, c, r0, k0, vectors); break;
        case 3: if constexpr (kMaxRows >= 3) tap_block_rows<T, 3>(kb, c, r0, k0, vectors); break;
        default: if constexpr (kMaxRows >= 4) tap_block_rows<T, 4>(kb, c, r0, k0, vectors); break;
      }
    }
}

template <class T>
void positions_item(const PositionsCall<T>& c, const T* x, const T* grad_y, T* grad_weight,
                    int64_t group, int64_t ci0, int64_t rows) {
  constexpr int V = kLanes<T>;
  const Geometry& g = c.g;
  const int64_t L = g.length, Lout = g.out_length, K = g.kernel_size, s = g.stride;
  const int64_t plane_length = c.shape.plane_length();
  for (int64_t co = 0; co < g.out_per_group; ++co) {
    for (int64_t i = 0; i < rows * K * V; ++i) c.staging[i] = T(0);
    for (int64_t n = 0; n < g.batch; ++n) {
      const T* gy = grad_y + (n * g.out_channels + group * g.out_per_group + co) * Lout;
      const T* xs = x + (n * g.in_channels + group * g.in_per_group + ci0) * L;
      for (int64_t l0 = 0; l0 < L; l0 += c.shape.tile) {
        const int64_t positions = min64(c.shape.tile, L - l0);
        const int64_t vectors = ceil_div(positions, V);
        fill_phase_planes(c.planes, plane_length, c.plane_phase, c.planes_used, gy, l0 + c.shape.min_shift, s, Lout);
        for (int64_t j = 0; j < rows; ++j) {
          T* dst = c.x_tile + j * c.shape.tile;
          const T* src = xs + j * L + l0;
          for (int64_t i = 0; i < positions; ++i) dst[i] = src[i];
          for (int64_t i = positions; i < vectors * V; ++i) dst[i] = T(0);
        }
        tile_blocks(c, rows, vectors);
      }
    }
    for (int64_t j = 0; j < rows; ++j)
      for (int64_t k = 0; k < K; ++k)
        grad_weight[((group * g.in_per_group + ci0 + j) * g.out_per_group + co) * K + k] =
            horizontal_sum<T>(load(c.staging + (j * K + k) * V));
  }
}

}  // namespace

template <class T>
int backward_weight_positions(const Geometry& g, const T* x, const T* grad_y, T* grad_weight,
                              int64_t begin, int64_t end) {
  constexpr int V = kLanes<T>;
  constexpr int64_t size = sizeof(T);
  const int64_t K = g.kernel_size, rows_max = min64(g.block, g.in_per_group);
  const PlaneShape shape = plane_shape<T>(g);
  const int64_t tile = shape.tile;
  const int64_t plane_bytes = (shape.planes_max * shape.plane_length() * size + 63) / 64 * 64;
  const int64_t x_bytes = (rows_max * tile * size + 63) / 64 * 64;
  const int64_t staging_bytes = (rows_max * K * V * size + 63) / 64 * 64;
  const int64_t tap_bytes = K * static_cast<int64_t>(sizeof(TapPhase)) + 2 * K * 8;
  auto* scratch = static_cast<char*>(
      thread_scratch(static_cast<std::size_t>(plane_bytes + x_bytes + staging_bytes + tap_bytes)));
  if (scratch == nullptr) return LUCID_STATUS_OUT_OF_MEMORY;
  auto* taps = reinterpret_cast<TapPhase*>(scratch + plane_bytes + x_bytes + staging_bytes);
  auto* order = reinterpret_cast<int64_t*>(taps + K);
  int64_t* plane_phase = order + K;
  const int64_t planes_used = map_taps_to_planes(g, shape.min_shift, order, plane_phase,
                                                 [&](int64_t k, int64_t plane, int64_t shift) {
                                                   taps[k] = {plane, shift};
                                                 });
  const PositionsCall<T> call{g, taps, plane_phase, planes_used, shape,
                              reinterpret_cast<T*>(scratch), reinterpret_cast<T*>(scratch + plane_bytes),
                              reinterpret_cast<T*>(scratch + plane_bytes + x_bytes)};
  for (int64_t item = begin; item < end; ++item) {
    const int64_t group = item / g.blocks_per_group, block = item % g.blocks_per_group;
    const int64_t ci0 = block * g.block;
    positions_item(call, x, grad_y, grad_weight, group, ci0, min64(g.block, g.in_per_group - ci0));
  }
  return LUCID_STATUS_OK;
}

template int backward_weight_positions<float>(const Geometry&, const float*, const float*, float*, int64_t, int64_t);
template int backward_weight_positions<double>(const Geometry&, const double*, const double*, double*, int64_t, int64_t);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
