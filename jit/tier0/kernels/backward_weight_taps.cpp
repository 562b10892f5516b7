// backward-weight with taps in the vector lanes, for undilated kernels of at least one vector:
//   dW[ci, co, k0 .. k0+V) += x[n, ci, l] * grad_y[n, co, l*s - pl + k0 .. +V).
// The grad_y vector is contiguous whatever the stride, so long strided kernels (HiFi-GAN's
// K = 16, s = 8) fill every lane even when an item has only a few input channels.
//
// A register block is RC input channels x RO output channels x KV tap vectors, summed over
// every n and l in registers and stored once as whole vectors. Blocks at the ends overlap
// their neighbours instead of running short (the last tap vector starts at K - V, the last
// channel blocks end at the last channel): an overlapped element gets the same sum, in the
// same order, and the item owns every row it writes. Positions where some lane's tap falls
// outside [0, Lout) (a few at each end) read their vectors from a copy of the grad_y segment
// they span, zero outside [0, Lout).
#include "../scratch.h"
#include "index_math.h"
#include "lucid/kernel_abi.h"
#include "pass_kernels.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

namespace {

// Input channels per block (the schedules give such layers items of 3), and output channels
// filling the registers beside them: RC*RO*KV accumulators, RC broadcasts, one grad_y vector.
constexpr int kMaxRows = 3;
template <int RC, int KV>
constexpr int kOutputs = (kVectorRegisters - RC - 1) / (RC * KV) < 1   ? 1
                         : (kVectorRegisters - RC - 1) / (RC * KV) > 4 ? 4
                                                                       : (kVectorRegisters - RC - 1) / (RC * KV);

// Edge positions per zero-padded copy: the copy spans about this many grad_y elements.
constexpr int64_t kEdgeSpan = 512;

struct TapBlock {
  int64_t ci;     // first input channel (in the group)
  int64_t co;     // first output channel (in the group)
  int64_t k0[2];  // first tap of each tap vector
};

template <class T, int RC, int RO, int KV>
void tap_block(const Geometry& g, const T* x, const T* grad_y, T* grad_weight, int64_t group,
               const TapBlock& blk, T* edge_copy) {
  constexpr int V = kLanes<T>;
  const int64_t L = g.length, Lout = g.out_length, s = g.stride, K = g.kernel_size;
  Vec<T> acc[RC][RO][KV] = {};
  // l is interior when every lane of every tap vector lands in [0, Lout):
  // l*s - pl + k0 >= 0 and l*s - pl + k0 + V - 1 <= Lout - 1.
  int64_t lo = 0, hi = L;
  for (int v = 0; v < KV; ++v) {
    lo = max64(lo, ceil_div(g.pad_left - blk.k0[v], s));
    hi = min64(hi, floor_div(Lout - V + g.pad_left - blk.k0[v], s) + 1);
  }
  lo = min64(lo, L);
  hi = max64(lo, hi);
  const int64_t edge_chunk = max64(1, kEdgeSpan / s);
  int64_t first_tap[KV];  // grad_y position of lane 0 at l = 0
  for (int v = 0; v < KV; ++v) first_tap[v] = blk.k0[v] - g.pad_left;
  for (int64_t n = 0; n < g.batch; ++n) {
    const T* xr[RC];
    const T* gr[RO];
    for (int r = 0; r < RC; ++r) xr[r] = x + (n * g.in_channels + group * g.in_per_group + blk.ci + r) * L;
    for (int o = 0; o < RO; ++o)
      gr[o] = grad_y + (n * g.out_channels + group * g.out_per_group + blk.co + o) * Lout;
    // Positions [l_begin, l_end), chunk by chunk: per output channel, copy the grad_y
    // positions the chunk's vectors span (zero outside [0, Lout)), then load from the copy.
    auto edges = [&](int64_t l_begin, int64_t l_end) {
      for (int64_t c0 = l_begin; c0 < l_end; c0 += edge_chunk) {
        const int64_t c1 = min64(l_end, c0 + edge_chunk);
        const int64_t t_begin = c0 * s - g.pad_left + blk.k0[0];
        const int64_t t_end = (c1 - 1) * s - g.pad_left + blk.k0[KV - 1] + V;
#pragma GCC unroll 8
        for (int o = 0; o < RO; ++o) {
          for (int64_t t = t_begin; t < t_end; ++t)
            edge_copy[t - t_begin] = t >= 0 && t < Lout ? gr[o][t] : T(0);
          for (int64_t l = c0; l < c1; ++l) {
            Vec<T> bx[RC];
            for (int r = 0; r < RC; ++r) bx[r] = splat(xr[r][l]);
            for (int v = 0; v < KV; ++v) {
              const Vec<T> gv = load(edge_copy + l * s - g.pad_left + blk.k0[v] - t_begin);
              for (int r = 0; r < RC; ++r) acc[r][o][v] += bx[r] * gv;
            }
          }
        }
      }
    };
    edges(0, lo);
    for (int64_t l = lo; l < hi; ++l) {
      Vec<T> bx[RC];
#pragma GCC unroll 4
      for (int r = 0; r < RC; ++r) bx[r] = splat(xr[r][l]);
#pragma GCC unroll 8
      for (int o = 0; o < RO; ++o)
#pragma GCC unroll 2
        for (int v = 0; v < KV; ++v) {
          const Vec<T> gv = load(gr[o] + (l * s + first_tap[v]));
#pragma GCC unroll 4
          for (int r = 0; r < RC; ++r) acc[r][o][v] += bx[r] * gv;
        }
    }
    edges(hi, L);
  }
  for (int r = 0; r < RC; ++r)
    for (int o = 0; o < RO; ++o)
      for (int v = 0; v < KV; ++v)
        store(grad_weight + ((group * g.in_per_group + blk.ci + r) * g.out_per_group + blk.co + o) * K + blk.k0[v],
              acc[r][o][v]);
}

// All blocks of one item with RC rows and KV tap vectors per block.
template <class T, int RC, int KV>
void item_blocks(const Geometry& g, const T* x, const T* grad_y, T* grad_weight, int64_t group,
                 int64_t ci0, int64_t rows, T* edge_copy) {
  constexpr int V = kLanes<T>;
  constexpr int RO = kOutputs<RC, KV>;
  const int64_t K = g.kernel_size, Cout_g = g.out_per_group;
  const int64_t tap_vectors = ceil_div(K, V);
  for (int64_t r0 = 0; r0 < rows; r0 += RC) {
    TapBlock blk{};
    blk.ci = ci0 + min64(r0, rows - RC);
    for (int64_t v0 = 0; v0 < tap_vectors; v0 += KV) {
      const int64_t first = min64(v0, tap_vectors - KV);
      for (int v = 0; v < KV; ++v) blk.k0[v] = min64((first + v) * V, K - V);
      if (Cout_g < RO) {
        for (blk.co = 0; blk.co < Cout_g; ++blk.co) tap_block<T, RC, 1, KV>(g, x, grad_y, grad_weight, group, blk, edge_copy);
        continue;
      }
      for (int64_t c0 = 0; c0 < Cout_g; c0 += RO) {
        blk.co = min64(c0, Cout_g - RO);
        tap_block<T, RC, RO, KV>(g, x, grad_y, grad_weight, group, blk, edge_copy);
      }
    }
  }
}

template <class T, int RC>
void item_rows(const Geometry& g, const T* x, const T* grad_y, T* grad_weight, int64_t group,
               int64_t ci0, int64_t rows, T* edge_copy) {
  if (ceil_div(g.kernel_size, kLanes<T>) >= 2) item_blocks<T, RC, 2>(g, x, grad_y, grad_weight, group, ci0, rows, edge_copy);
  else item_blocks<T, RC, 1>(g, x, grad_y, grad_weight, group, ci0, rows, edge_copy);
}

}  // namespace

template <class T>
int backward_weight_taps(const Geometry& g, const T* x, const T* grad_y, T* grad_weight,
                         int64_t begin, int64_t end) {
  static_assert(kMaxRows == 3, "the switch below covers 1..kMaxRows rows per block");
  // An edge chunk spans (chunk - 1) * s + (last k0 - first k0) + V elements, and
  // (chunk - 1) * s <= kEdgeSpan (chunk = max(1, kEdgeSpan / s)).
  const int64_t edge_elements = kEdgeSpan + g.kernel_size + kLanes<T>;
  T* edge_copy = static_cast<T*>(thread_scratch(static_cast<std::size_t>(edge_elements) * sizeof(T)));
  if (edge_copy == nullptr) return LUCID_STATUS_OUT_OF_MEMORY;
  for (int64_t item = begin; item < end; ++item) {
    const int64_t group = item / g.blocks_per_group, block = item % g.blocks_per_group;
    const int64_t ci0 = block * g.block;
    const int64_t rows = min64(g.block, g.in_per_group - ci0);
    switch (min64(rows, kMaxRows)) {
      case 1: item_rows<T, 1>(g, x, grad_y, grad_weight, group, ci0, rows, edge_copy); break;
      case 2: item_rows<T, 2>(g, x, grad_y, grad_weight, group, ci0, rows, edge_copy); break;
      default: item_rows<T, 3>(g, x, grad_y, grad_weight, group, ci0, rows, edge_copy); break;
    }
  }
  return LUCID_STATUS_OK;
}

template int backward_weight_taps<float>(const Geometry&, const float*, const float*, float*, int64_t, int64_t);
template int backward_weight_taps<double>(const Geometry&, const double*, const double*, double*, int64_t, int64_t);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
