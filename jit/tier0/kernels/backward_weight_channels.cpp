// backward-weight with input channels in the vector lanes:
//   dW[ci, co, k] = sum over n, l of x[n, ci, l] * grad_y[n, co, l*s - pl + k*d].
//
// Per position l, CV vectors of x (from a tile of x transposed per (n, tile), so a position's
// channels are contiguous) meet PB broadcast grad_y elements, one per (output channel, tap)
// pair: CV*PB FMAs for CV loads and PB broadcasts, whatever the stride and dilation.
// The sums over n and l build up in a staging block (pairs x channels, in scratch) that the
// register blocks load and store once per tile; at the end of a chunk of pairs it is written
// into the item's rows of dW. Each pair only visits the positions l whose tap lands inside
// [0, Lout); a register block runs over the positions all its pairs share, and each pair then
// adds the rest of its own range alone.
#include "../scratch.h"
#include "index_math.h"
#include "lucid/kernel_abi.h"
#include "pass_kernels.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

namespace {

// Channel vectors per register block, and pairs beside them: CV*PB accumulators, CV x vectors
// and one broadcast.
constexpr int kMaxChannelVectors = 2;
template <int CV>
constexpr int kPairs = (kVectorRegisters - CV - 2) / CV < 12 ? (kVectorRegisters - CV - 2) / CV : 12;

// Positions per transposed x tile.
constexpr int64_t kTilePositions = 256;

// PB pairs' staging rows, over positions [l_begin, l_end) of the current tile.
template <class T, int CV, int PB>
inline void pair_block(T* staging, const T* tile, int64_t tile_l0, const T* const (&grad_y)[PB],
                       int64_t s, int64_t l_begin, int64_t l_end) {
  constexpr int V = kLanes<T>;
  Vec<T> acc[CV][PB];
  for (int m = 0; m < PB; ++m)
    for (int c = 0; c < CV; ++c) acc[c][m] = load(staging + (m * CV + c) * V);
  const T* gp[PB];
  for (int m = 0; m < PB; ++m) gp[m] = grad_y[m] + l_begin * s;
  const T* xp = tile + (l_begin - tile_l0) * CV * V;
  for (int64_t l = l_begin; l < l_end; ++l, xp += CV * V) {
    Vec<T> xv[CV];
#pragma GCC unroll 4
    for (int c = 0; c < CV; ++c) xv[c] = load(xp + c * V);
#pragma GCC unroll 16
    for (int m = 0; m < PB; ++m) {
      const Vec<T> b = splat(*gp[m]);
      gp[m] += s;
#pragma GCC unroll 4
      for (int c = 0; c < CV; ++c) acc[c][m] += xv[c] * b;
    }
  }
  for (int m = 0; m < PB; ++m)
    for (int c = 0; c < CV; ++c) store(staging + (m * CV + c) * V, acc[c][m]);
}

struct Span {
  int64_t begin, end;
};

template <class T, int CV>
struct ChannelsCall {
  const Geometry& g;
  T* staging;  // [pair][CV * V]
  T* tile;     // [position][CV * V]
  int64_t chunk;
};

// The positions l whose tap k lands inside [0, Lout).
inline Span tap_positions(const Geometry& g, int64_t k) {
  const int64_t origin = k * g.dilation - g.pad_left;  // l*s + origin is the grad_y position
  return {max64(0, ceil_div(-origin, g.stride)),
          min64(g.length, floor_div(g.out_length - 1 - origin, g.stride) + 1)};
}

// Item rows [j0, j0 + rows) of one group, pairs [p0, p0 + n_pairs): sums into staging.
template <class T, int CV>
void accumulate_chunk(const ChannelsCall<T, CV>& call, const T* x, const T* grad_y, int64_t group,
                      int64_t ci0, int64_t rows, int64_t p0, int64_t n_pairs) {
  constexpr int W = CV * kLanes<T>, PB = kPairs<CV>;
  const Geometry& g = call.g;
  const int64_t L = g.length, Lout = g.out_length, K = g.kernel_size, s = g.stride;
  for (int64_t i = 0; i < n_pairs * W; ++i) call.staging[i] = T(0);
  for (int64_t n = 0; n < g.batch; ++n) {
    const T* xn = x + (n * g.in_channels + group * g.in_per_group + ci0) * L;
    const T* gyn = grad_y + (n * g.out_channels + group * g.out_per_group) * Lout - g.pad_left;
    for (int64_t l0 = 0; l0 < L; l0 += kTilePositions) {
      const int64_t l1 = min64(L, l0 + kTilePositions);
      // Row by row: each x row is read forward. Position by position, the W rows' reads
      // (L elements apart, often a multiple of 4 KiB) all fall in one L1 set and evict each
      // other: that order spent a quarter of this pass's time in the copy (hifigan_up4).
      for (int64_t j = 0; j < W; ++j) {
        T* dst = call.tile + j;
        const T* src = xn + j * L;
        if (j < rows) {
          for (int64_t l = l0; l < l1; ++l) dst[(l - l0) * W] = src[l];
          // The next tile's part of the row, on its way while this tile's FMAs run: rows
          // read in 1 KiB bursts give the hardware prefetchers too little to follow.
          prefetch_range(src + l1, src + min64(L, l1 + kTilePositions));
        } else
          for (int64_t l = l0; l < l1; ++l) dst[(l - l0) * W] = T(0);
      }
      // One register block of PB pairs (or a single pair) over the tile.
      auto block = [&]<int B>(int64_t pb) {
        const T* gp[B];
        Span own[B];
        Span shared{l0, l1};
        for (int m = 0; m < B; ++m) {
          const int64_t p = p0 + pb + m, co = p / K, k = p % K;
          gp[m] = gyn + co * Lout + k * g.dilation;
          const Span span = tap_positions(g, k);
          own[m] = {max64(span.begin, l0), min64(span.end, l1)};
          shared = {max64(shared.begin, own[m].begin), min64(shared.end, own[m].end)};
        }
        if (shared.end <= shared.begin) shared = {l0, l0};  // nothing in common: pairs alone
        pair_block<T, CV, B>(call.staging + pb * W, call.tile, l0, gp, s, shared.begin, shared.end);
        for (int m = 0; m < B; ++m) {
          const T* single[1] = {gp[m]};
          T* row = call.staging + (pb + m) * W;
          if (shared.begin == shared.end) {
            pair_block<T, CV, 1>(row, call.tile, l0, single, s, own[m].begin, max64(own[m].begin, own[m].end));
            continue;
          }
          pair_block<T, CV, 1>(row, call.tile, l0, single, s, own[m].begin, max64(own[m].begin, shared.begin));
          pair_block<T, CV, 1>(row, call.tile, l0, single, s, min64(shared.end, own[m].end), own[m].end);
        }
      };
      int64_t pb = 0;
      for (; pb + PB <= n_pairs; pb += PB) block.template operator()<PB>(pb);
      for (; pb < n_pairs; ++pb) block.template operator()<1>(pb);
    }
  }
}

template <class T, int CV>
void channels_item(const ChannelsCall<T, CV>& call, const T* x, const T* grad_y, T* grad_weight,
                   int64_t group, int64_t ci0, int64_t rows) {
  constexpr int W = CV * kLanes<T>;
  const Geometry& g = call.g;
  const int64_t pairs = g.out_per_group * g.kernel_size;
  for (int64_t p0 = 0; p0 < pairs; p0 += call.chunk) {
    const int64_t n_pairs = min64(call.chunk, pairs - p0);
    accumulate_chunk<T, CV>(call, x, grad_y, group, ci0, rows, p0, n_pairs);
    for (int64_t j = 0; j < rows; ++j) {
      T* out = grad_weight + (group * g.in_per_group + ci0 + j) * pairs + p0;
      for (int64_t p = 0; p < n_pairs; ++p) out[p] = call.staging[p * W + j];
    }
  }
}

}  // namespace

template <class T>
int backward_weight_channels(const Geometry& g, const T* x, const T* grad_y, T* grad_weight,
                             int64_t begin, int64_t end) {
  constexpr int V = kLanes<T>;
  constexpr int64_t kMaxWidth = kMaxChannelVectors * V;
  const int64_t pairs = g.out_per_group * g.kernel_size;
  const int64_t width_bytes = kMaxWidth * static_cast<int64_t>(sizeof(T));
  const int64_t tile_bytes = kTilePositions * width_bytes;
  const int64_t chunk = max64(1, min64(pairs, (static_cast<int64_t>(scratch_budget_bytes()) - tile_bytes) / width_bytes));
  auto* scratch = static_cast<T*>(thread_scratch(static_cast<std::size_t>(tile_bytes + chunk * width_bytes)));
  if (scratch == nullptr) return LUCID_STATUS_OUT_OF_MEMORY;
  const ChannelsCall<T, 1> narrow{g, scratch + kTilePositions * kMaxWidth, scratch, chunk};
  const ChannelsCall<T, 2> wide{g, scratch + kTilePositions * kMaxWidth, scratch, chunk};
  for (int64_t item = begin; item < end; ++item) {
    const int64_t group = item / g.blocks_per_group, block = item % g.blocks_per_group;
    const int64_t ci0 = block * g.block;
    const int64_t rows = min64(g.block, g.in_per_group - ci0);
    for (int64_t j0 = 0; j0 < rows; j0 += kMaxWidth) {
      const int64_t sub_rows = min64(kMaxWidth, rows - j0);
      if (sub_rows > V) channels_item<T, 2>(wide, x, grad_y, grad_weight, group, ci0 + j0, sub_rows);
      else channels_item<T, 1>(narrow, x, grad_y, grad_weight, group, ci0 + j0, sub_rows);
    }
  }
  return LUCID_STATUS_OK;
}

template int backward_weight_channels<float>(const Geometry&, const float*, const float*, float*, int64_t, int64_t);
template int backward_weight_channels<double>(const Geometry&, const double*, const double*, double*, int64_t, int64_t);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
