// backward-data: grad_x = conv1d(grad_y, W), a strided, dilated convolution; one work item =
// (n, group, block of input channels).
//
// Input channels run along the vector lanes. Per (output channel, tap) pair, CV vectors of
// weights (repacked per item so a pair's channels are contiguous) meet P broadcast grad_y
// elements, one per position: CV*P FMAs for CV loads and P broadcasts, whatever the stride
// (a broadcast reads one element, so strided positions cost nothing extra). Each register
// block is stored transposed, lane by lane, into the rows of grad_x.
//
// Pairs are packed in chunks that fit the scratch budget (usually one chunk holds them all);
// later chunks add to what the first stored. Positions whose taps reach outside [0, Lout)
// take a path that checks each tap. Items of under half a vector of channels take the
// positions layout instead (backward_data_positions.cpp).
#include "../scratch.h"
#include "index_math.h"
#include "lucid/kernel_abi.h"
#include "pass_kernels.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

namespace {

// Channel vectors per register block, and positions beside them: CV*P accumulators, CV weight
// vectors and one broadcast.
constexpr int kMaxChannelVectors = 2;
template <int CV>
constexpr int kPositions = (kVectorRegisters - CV - 2) / CV < 12 ? (kVectorRegisters - CV - 2) / CV : 12;

// One chunk of pairs for one sub-block of an item's input channels.
template <class T>
struct PairChunk {
  const T* w;              // packed [pair][CV * V], lanes beyond the rows zero
  const int64_t* offset;   // per pair: co * Lout + k * d - pl, into grad_y of (n, group)
  int64_t pairs;
  int64_t first_pair;      // index of the chunk's first pair (co * K + k) in the group
  const T* grad_y;         // (n, group)'s first output channel
  int64_t s, d, K, Lout, pad_left;
  T* grad_x;               // the sub-block's first row
  int64_t L;
  int64_t rows;            // valid lanes
  bool first;              // first chunk: store; later chunks: add
};

// The lanes are read from a copy in a local buffer, not from acc: a lane index into acc
// itself makes GCC keep every accumulator in memory (and clear it with `rep stos`).
template <class T, int CV, int P>
inline void store_transposed(const PairChunk<T>& a, int64_t l0, const Vec<T> (&acc)[CV][P]) {
  constexpr int V = kLanes<T>;
  alignas(kVectorBytes) T sums[CV][P][V];
#pragma GCC unroll 4
  for (int c = 0; c < CV; ++c)
#pragma GCC unroll 16
    for (int m = 0; m < P; ++m) store(sums[c][m], acc[c][m]);
  for (int c = 0; c < CV; ++c)
    for (int lane = 0; lane < V; ++lane) {
      const int64_t row = c * V + lane;
      if (row >= a.rows) return;
      T* out = a.grad_x + row * a.L + l0;
      for (int m = 0; m < P; ++m) out[m] = a.first ? sums[c][m][lane] : out[m] + sums[c][m][lane];
    }
}

template <class T, int CV, int P>
inline void zero(Vec<T> (&acc)[CV][P]) {
#pragma GCC unroll 4
  for (int c = 0; c < CV; ++c)
#pragma GCC unroll 16
    for (int m = 0; m < P; ++m) acc[c][m] = Vec<T>{};
}

// Positions [l0, l0 + P), all of whose taps read inside grad_y.
template <class T, int CV, int P>
inline void interior_block(const PairChunk<T>& a, int64_t l0) {
  constexpr int V = kLanes<T>;
  Vec<T> acc[CV][P];
  zero<T, CV, P>(acc);
  const T* gy = a.grad_y + l0 * a.s;
  const int64_t s = a.s;
  for (int64_t p = 0; p < a.pairs; ++p) {
    const T* gp = gy + a.offset[p];
    Vec<T> wv[CV];
#pragma GCC unroll 4
    for (int c = 0; c < CV; ++c) wv[c] = load(a.w + (p * CV + c) * V);
#pragma GCC unroll 16
    for (int m = 0; m < P; ++m) {
      const Vec<T> b = splat(gp[m * s]);
#pragma GCC unroll 4
      for (int c = 0; c < CV; ++c) acc[c][m] += wv[c] * b;
    }
  }
  store_transposed<T, CV, P>(a, l0, acc);
}

// One position whose taps may reach outside [0, Lout): only taps k in [k_lo, k_hi) count.
template <class T, int CV>
void edge_position(const PairChunk<T>& a, int64_t l) {
  constexpr int V = kLanes<T>;
  const int64_t origin = l * a.s - a.pad_left;  // grad_y position of tap 0
  const int64_t k_lo = max64(0, ceil_div(-origin, a.d));
  const int64_t k_hi = min64(a.K, floor_div(a.Lout - 1 - origin, a.d) + 1);
  Vec<T> acc[CV][1];
  zero<T, CV, 1>(acc);
  const T* gy = a.grad_y + l * a.s;
  int64_t k = a.first_pair % a.K;
  for (int64_t p = 0; p < a.pairs; ++p) {
    if (k >= k_lo && k < k_hi) {
      const Vec<T> b = splat(gy[a.offset[p]]);
      for (int c = 0; c < CV; ++c) acc[c][0] += load(a.w + (p * CV + c) * V) * b;
    }
    if (++k == a.K) k = 0;
  }
  store_transposed<T, CV, 1>(a, l, acc);
}

template <class T, int CV>
void run_chunk(const PairChunk<T>& a, int64_t lo, int64_t hi) {
  constexpr int P = kPositions<CV>;
  int64_t l = lo;
  for (; l + P <= hi; l += P) interior_block<T, CV, P>(a, l);
  for (; l < hi; ++l) interior_block<T, CV, 1>(a, l);
  for (l = 0; l < lo; ++l) edge_position<T, CV>(a, l);
  for (l = hi; l < a.L; ++l) edge_position<T, CV>(a, l);
}

}  // namespace

template <class T>
int backward_data(const Geometry& g, const void* grad_y_, const void* weight_, void* grad_x_,
                  int64_t begin, int64_t end) {
  constexpr int V = kLanes<T>;
  constexpr int64_t kMaxWidth = kMaxChannelVectors * V;
  const T* grad_y = static_cast<const T*>(grad_y_);
  const T* weight = static_cast<const T*>(weight_);
  T* grad_x = static_cast<T*>(grad_x_);
  const int64_t K = g.kernel_size, s = g.stride, d = g.dilation, pl = g.pad_left;
  const int64_t L = g.length, Lout = g.out_length;
  const int64_t pairs = g.out_per_group * K;
  if (pass_macs(g) <= direct_call_macs())
    return backward_data_direct<T>(g, grad_y, weight, grad_x, begin, end);
  // Under half a vector of channels: positions fill the lanes instead (depthwise layers).
  if (2 * min64(g.block, g.in_per_group) < V)
    return backward_data_positions<T>(g, grad_y, weight, grad_x, begin, end);

  const int64_t pair_bytes = kMaxWidth * static_cast<int64_t>(sizeof(T)) + 8;
  const int64_t chunk = max64(1, min64(pairs, static_cast<int64_t>(scratch_budget_bytes()) / pair_bytes));
  auto* scratch = static_cast<char*>(thread_scratch(static_cast<std::size_t>(chunk * pair_bytes)));
  if (scratch == nullptr) return LUCID_STATUS_OUT_OF_MEMORY;
  T* packed = reinterpret_cast<T*>(scratch);
  auto* offset = reinterpret_cast<int64_t*>(scratch + chunk * kMaxWidth * static_cast<int64_t>(sizeof(T)));

  // Positions whose taps all land in [0, Lout): l*s - pl >= 0 and l*s - pl + (K-1)*d < Lout.
  const int64_t lo = min64(L, ceil_div(pl, s));
  const int64_t hi = max64(lo, min64(L, floor_div(Lout - 1 + pl - (K - 1) * d, s) + 1));

  for (int64_t item = begin; item < end; ++item) {
    const ItemCoordinates at = split_item(item, g.groups, g.blocks_per_group);
    const int64_t ci0 = at.block * g.block;
    const int64_t rows = min64(g.block, g.in_per_group - ci0);
    const T* gy = grad_y + (at.n * g.out_channels + at.group * g.out_per_group) * Lout;
    const T* w = weight + (at.group * g.in_per_group + ci0) * pairs;  // row j at w + j * pairs
    T* gx = grad_x + (at.n * g.in_channels + at.group * g.in_per_group + ci0) * L;
    for (int64_t j0 = 0; j0 < rows; j0 += kMaxWidth) {
      const int64_t sub_rows = min64(kMaxWidth, rows - j0);
      const int CV = sub_rows > V ? 2 : 1;
      const int64_t width = CV * V;
      for (int64_t p0 = 0; p0 < pairs; p0 += chunk) {
        const int64_t n_pairs = min64(chunk, pairs - p0);
        for (int64_t jj = 0; jj < width; ++jj) {
          if (jj >= sub_rows) {
            for (int64_t p = 0; p < n_pairs; ++p) packed[p * width + jj] = T(0);
            continue;
          }
          const T* src = w + (j0 + jj) * pairs + p0;
          for (int64_t p = 0; p < n_pairs; ++p) packed[p * width + jj] = src[p];
        }
        for (int64_t p = 0; p < n_pairs; ++p) {
          const int64_t co = (p0 + p) / K, k = (p0 + p) % K;
          offset[p] = co * Lout + k * d - pl;
        }
        const PairChunk<T> a{packed, offset, n_pairs, p0, gy, s, d, K, Lout, pl,
                             gx + j0 * L, L, sub_rows, p0 == 0};
        if (CV == 2) run_chunk<T, 2>(a, lo, hi);
        else run_chunk<T, 1>(a, lo, hi);
      }
    }
  }
  return LUCID_STATUS_OK;
}

template int backward_data<float>(const Geometry&, const void*, const void*, void*, int64_t, int64_t);
template int backward_data<double>(const Geometry&, const void*, const void*, void*, int64_t, int64_t);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
