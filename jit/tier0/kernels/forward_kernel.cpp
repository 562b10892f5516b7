// forward: y = conv_transpose1d(x, W) + bias; one work item = (n, group, block of output
// channels), each output written exactly once (bias + sum), so nothing is zeroed or
// scatter-added.
//
// The item is computed by stride phase: output t = q*s + r receives exactly the taps k with
// (k*d - pl) = r (mod s), each from input position l = q + off_k, off_k = (r + pl - k*d) / s.
// Every phase is then a dense, unit-stride convolution over q, computed in register blocks of
// R output channels x NT vectors of q: per (tap, input channel) R broadcast weights and NT
// loads of x feed R*NT FMAs, whatever the stride.
//
// Weights are packed per item and chunk of input channels in (row block, tap in phase order,
// input channel, row) order, so the R broadcasts of one step are adjacent and the inner loop
// walks memory forward. Positions q are tiled so a tile's window of x stays in cache across
// all phases and row blocks. Positions whose taps reach outside [0, L), and the few left after
// whole vectors, take a scalar path.
#include "../scratch.h"
#include "index_math.h"
#include "lucid/kernel_abi.h"
#include "pass_kernels.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

namespace {

// Output channels per register block. NT vectors of q per channel are what the registers
// hold beside them: R*NT accumulators, NT loaded x vectors and one broadcast weight.
constexpr int kRows = 4;
template <int R>
constexpr int kVectorsPerRow = (kVectorRegisters - 1) / (R + 1) < 8 ? (kVectorRegisters - 1) / (R + 1) : 8;

// Bytes of x one position tile may span (input channels of the chunk x positions): about a
// quarter of a 512 KiB L2, beside the packed weights.
constexpr int64_t kTileBytes = 128 * 1024;

// One call: the layer, the phase tables shared by all items, the scratch.
template <class T>
struct ForwardCall {
  const Geometry& g;
  const T* x;
  const T* w;
  const T* bias;  // null when the layer has none
  T* y;
  // Taps sorted by phase: phase r owns entries [phase_begin[r], phase_begin[r + 1]).
  const int64_t* phase_begin;
  const int64_t* tap_offset;  // l - q of each entry
  const int64_t* tap_slot;    // entry index of tap k
  T* packed;                  // this item's packed weights for one chunk of input channels
  int64_t chunk;              // input channels per chunk
};

// What one register-block row strip (R channels of one phase, one chunk) needs.
template <class T>
struct Strip {
  const T* x;            // chunk's first input channel, position 0
  const T* w;            // packed weights of the strip's rows and phase: [tap][ci][R]
  const int64_t* offset; // the phase's tap offsets
  int64_t taps;
  int64_t channels;      // input channels in the chunk
  int64_t L;
  T* y;                  // first row, output position r (so q lands at y + q*s)
  int64_t Lout, s;
  const T* bias;         // first row's bias, null for none
  bool first;            // first chunk: y = bias + sum; later chunks: y += sum
};

template <class T, int R, int NT>
inline void vector_block(const Strip<T>& a, int64_t q) {
  constexpr int V = kLanes<T>;
  Vec<T> acc[R][NT] = {};
  for (int64_t i = 0; i < a.taps; ++i) {
    const T* xp = a.x + a.offset[i] + q;
    const T* wp = a.w + i * a.channels * R;
    for (int64_t c = 0; c < a.channels; ++c, xp += a.L, wp += R) {
      Vec<T> xv[NT];
#pragma GCC unroll 8
      for (int v = 0; v < NT; ++v) xv[v] = load(xp + v * V);
#pragma GCC unroll 8
      for (int j = 0; j < R; ++j) {
        const Vec<T> wj = splat(wp[j]);
#pragma GCC unroll 8
        for (int v = 0; v < NT; ++v) acc[j][v] += wj * xv[v];
      }
    }
  }
  for (int j = 0; j < R; ++j) {
    const T b = a.first && a.bias ? a.bias[j] : T(0);
    T* out = a.y + j * a.Lout + q * a.s;
    if (a.s == 1) {
      for (int v = 0; v < NT; ++v) {
        Vec<T> value = acc[j][v] + b;
        if (!a.first) value += load(out + v * V);
        store(out + v * V, value);
      }
    } else {
      // Phase outputs are s apart: lane by lane (the sum behind each is Cin/groups x taps long).
      for (int v = 0; v < NT; ++v)
        for (int lane = 0; lane < V; ++lane) {
          T* p = out + (v * V + lane) * a.s;
          const T value = acc[j][v][lane] + b;
          *p = a.first ? value : *p + value;
        }
    }
  }
}

// Positions [q_begin, q_end) of a strip one at a time, skipping taps outside [0, L).
template <class T, int R>
void scalar_positions(const Strip<T>& a, int64_t q_begin, int64_t q_end) {
  for (int64_t q = q_begin; q < q_end; ++q)
    for (int j = 0; j < R; ++j) {
      T sum = 0;
      for (int64_t i = 0; i < a.taps; ++i) {
        const int64_t l = q + a.offset[i];
        if (l < 0 || l >= a.L) continue;
        const T* xp = a.x + l;
        const T* wp = a.w + i * a.channels * R + j;
        for (int64_t c = 0; c < a.channels; ++c) sum += wp[c * R] * xp[c * a.L];
      }
      T* p = a.y + j * a.Lout + q * a.s;
      const T b = a.first && a.bias ? a.bias[j] : T(0);
      *p = a.first ? sum + b : *p + sum;
    }
}

// The whole NT-vector blocks of interior [lo, hi) whose start lies in [lo + tile_lo, lo + tile_hi).
template <class T, int R>
void interior_tile(const Strip<T>& a, int64_t lo, int64_t hi, int64_t tile_lo, int64_t tile_hi) {
  constexpr int W = kVectorsPerRow<R> * kLanes<T>;
  const int64_t whole = (hi - lo) / W * W;
  for (int64_t q = ceil_div(tile_lo, W) * W; q < tile_hi && q < whole; q += W)
    vector_block<T, R, kVectorsPerRow<R>>(a, lo + q);
}

// What whole NT-vector blocks leave of interior [lo, hi): single vectors, then scalars.
template <class T, int R>
void interior_tail(const Strip<T>& a, int64_t lo, int64_t hi) {
  constexpr int V = kLanes<T>;
  constexpr int W = kVectorsPerRow<R> * V;
  int64_t q = lo + (hi - lo) / W * W;
  for (; q + V <= hi; q += V) vector_block<T, R, 1>(a, q);
  scalar_positions<T, R>(a, q, hi);
}

// The three strip operations for a run-time row count R (1..kRows).
enum class StripOp { Tile, Tail, Scalar };
template <class T>
void run_strip(StripOp op, int R, const Strip<T>& a, int64_t lo, int64_t hi, int64_t tile_lo = 0,
               int64_t tile_hi = 0) {
  auto run = [&]<int Rows>() {
    if (op == StripOp::Tile) interior_tile<T, Rows>(a, lo, hi, tile_lo, tile_hi);
    else if (op == StripOp::Tail) interior_tail<T, Rows>(a, lo, hi);
    else scalar_positions<T, Rows>(a, lo, hi);
  };
  static_assert(kRows == 4, "run_strip dispatches R = 1..4");
  switch (R) {
    case 1: run.template operator()<1>(); break;
    case 2: run.template operator()<2>(); break;
    case 3: run.template operator()<3>(); break;
    default: run.template operator()<4>(); break;
  }
}

template <class T>
void forward_item(const ForwardCall<T>& call, int64_t item) {
  const Geometry& g = call.g;
  const ItemCoordinates at = split_item(item, g.groups, g.blocks_per_group);
  const int64_t co0 = at.block * g.block;
  const int64_t rows = min64(g.block, g.out_per_group - co0);
  const int64_t L = g.length, Lout = g.out_length, K = g.kernel_size, s = g.stride;
  const T* x = call.x + (at.n * g.in_channels + at.group * g.in_per_group) * L;
  T* y = call.y + (at.n * g.out_channels + at.group * g.out_per_group + co0) * Lout;
  const T* bias = call.bias ? call.bias + at.group * g.out_per_group + co0 : nullptr;
  // W[ci, co, k] at ((ci * Cout_g) + co) * K + k, ci counted from the group's first.
  const T* w = call.w + (at.group * g.in_per_group * g.out_per_group + co0) * K;

  for (int64_t c0 = 0; c0 < g.in_per_group; c0 += call.chunk) {
    const int64_t channels = min64(call.chunk, g.in_per_group - c0);
    const bool first = c0 == 0;
    // Pack: row block j0 at packed + j0*K*channels, entries [slot][ci][row in block].
    for (int64_t j = 0; j < rows; ++j) {
      const int64_t j0 = j / kRows * kRows, R = min64(kRows, rows - j0);
      T* dst = call.packed + j0 * K * channels + (j - j0);
      for (int64_t c = 0; c < channels; ++c) {
        const T* src = w + ((c0 + c) * g.out_per_group + j) * K;
        for (int64_t k = 0; k < K; ++k) dst[(call.tap_slot[k] * channels + c) * R] = src[k];
      }
    }
    auto strip = [&](int64_t r, int64_t j0) {
      const int64_t R = min64(kRows, rows - j0);
      const int64_t b = call.phase_begin[r];
      return Strip<T>{x + c0 * L, call.packed + j0 * K * channels + b * channels * R,
                      call.tap_offset + b, call.phase_begin[r + 1] - b, channels, L,
                      y + j0 * Lout + r, Lout, s, bias ? bias + j0 : nullptr, first};
    };
    // Interior of phase r: the q whose taps all read inside [0, L) (all q without taps).
    auto phase_range = [&](int64_t r, int64_t& q_end, int64_t& lo, int64_t& hi) {
      q_end = r < Lout ? ceil_div(Lout - r, s) : 0;
      int64_t min_off = 0, max_off = 0;
      for (int64_t i = call.phase_begin[r]; i < call.phase_begin[r + 1]; ++i) {
        const int64_t off = call.tap_offset[i];
        if (i == call.phase_begin[r] || off < min_off) min_off = off;
        if (i == call.phase_begin[r] || off > max_off) max_off = off;
      }
      lo = min64(max64(0, -min_off), q_end);
      hi = max64(lo, min64(q_end, L - max_off));
    };
    auto skip = [&](int64_t r) { return !first && call.phase_begin[r + 1] == call.phase_begin[r]; };

    // Interiors tile by tile (the tile's x window is reused by every phase and row block)...
    int64_t longest = 0;
    for (int64_t r = 0; r < s; ++r) {
      int64_t q_end, lo, hi;
      phase_range(r, q_end, lo, hi);
      longest = max64(longest, hi - lo);
    }
    const int64_t tile = max64(64, kTileBytes / (channels * static_cast<int64_t>(sizeof(T))));
    for (int64_t t0 = 0; t0 < longest; t0 += tile)
      for (int64_t r = 0; r < s; ++r) {
        if (skip(r)) continue;
        int64_t q_end, lo, hi;
        phase_range(r, q_end, lo, hi);
        for (int64_t j0 = 0; j0 < rows; j0 += kRows)
          run_strip(StripOp::Tile, static_cast<int>(min64(kRows, rows - j0)), strip(r, j0), lo, hi, t0, t0 + tile);
      }
    // ... then what whole blocks leave, and the edges.
    for (int64_t r = 0; r < s; ++r) {
      if (skip(r)) continue;
      int64_t q_end, lo, hi;
      phase_range(r, q_end, lo, hi);
      for (int64_t j0 = 0; j0 < rows; j0 += kRows) {
        const int R = static_cast<int>(min64(kRows, rows - j0));
        const Strip<T> a = strip(r, j0);
        run_strip(StripOp::Tail, R, a, lo, hi);
        run_strip(StripOp::Scalar, R, a, 0, lo);
        run_strip(StripOp::Scalar, R, a, hi, q_end);
      }
    }
  }
}

}  // namespace

template <class T>
int forward(const Geometry& g, const void* x, const void* weight, const void* bias, void* y,
            int64_t begin, int64_t end) {
  const int64_t K = g.kernel_size, s = g.stride;
  // Chunks of input channels keep the packed weights within the scratch budget (at least one
  // channel's worth, however large the kernel).
  const int64_t row_bytes = g.block * K * static_cast<int64_t>(sizeof(T));
  const int64_t chunk = max64(1, min64(g.in_per_group, static_cast<int64_t>(scratch_budget_bytes()) / row_bytes));
  const int64_t packed_bytes = (chunk * row_bytes + 63) / 64 * 64;
  const int64_t table_entries = (s + 1) + 2 * K + s;
  auto* scratch = static_cast<char*>(
      thread_scratch(static_cast<std::size_t>(packed_bytes + table_entries * 8)));
  if (scratch == nullptr) return LUCID_STATUS_OUT_OF_MEMORY;
  auto* phase_begin = reinterpret_cast<int64_t*>(scratch + packed_bytes);
  int64_t* tap_offset = phase_begin + (s + 1);
  int64_t* tap_slot = tap_offset + K;
  int64_t* cursor = tap_slot + K;

  // Counting sort of the taps by phase r = (k*d - pl) mod s, k ascending within a phase.
  for (int64_t r = 0; r <= s; ++r) phase_begin[r] = 0;
  for (int64_t k = 0; k < K; ++k) ++phase_begin[positive_mod(k * g.dilation - g.pad_left, s) + 1];
  for (int64_t r = 0; r < s; ++r) phase_begin[r + 1] += phase_begin[r];
  for (int64_t r = 0; r < s; ++r) cursor[r] = phase_begin[r];
  for (int64_t k = 0; k < K; ++k) {
    const int64_t r = positive_mod(k * g.dilation - g.pad_left, s);
    const int64_t slot = cursor[r]++;
    tap_slot[k] = slot;
    tap_offset[slot] = (r + g.pad_left - k * g.dilation) / s;  // exact by the choice of r
  }

  const ForwardCall<T> call{g, static_cast<const T*>(x), static_cast<const T*>(weight),
                            static_cast<const T*>(bias), static_cast<T*>(y), phase_begin,
                            tap_offset, tap_slot, reinterpret_cast<T*>(scratch), chunk};
  for (int64_t item = begin; item < end; ++item) forward_item(call, item);
  return LUCID_STATUS_OK;
}

template int forward<float>(const Geometry&, const void*, const void*, const void*, void*, int64_t, int64_t);
template int forward<double>(const Geometry&, const void*, const void*, const void*, void*, int64_t, int64_t);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
