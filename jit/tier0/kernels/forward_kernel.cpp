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
// walks memory forward. Positions q are tiled, and each tile's window of x is copied with
// zeros where l falls outside [0, L): every position, edges included, then runs through the
// same vector blocks (a scalar edge path costs as much as the vectors when a vector holds 16
// positions), and the window is reused from cache by every phase and row block. Blocks at the
// end of a phase take as many vectors as remain and store only the positions that exist.
//
// With a stride, a phase's outputs are s apart in y. Rather than store them lane by lane, a
// row block's phases go to contiguous planes of a staging tile, which are then interleaved
// into y with vector shuffles (log2(s) rounds of pairwise interleaves for s = 2, 4, 8): on
// hifigan_up4 the lane-by-lane stores were a third of the register blocks' time, and most of
// depthwise's. Other strides (3, 5, ...) keep the lane stores: interleaving them element by
// element cost more than it saved.
#include "../scratch.h"
#include "../tap_order.h"
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

// Bytes of x window a tile aims for: most of a 32 KiB L1 data cache, since every (tap, input
// channel) step of a register block reads the next window row (measured on Zen 5: 24 KiB
// against a third of the scratch budget, 64 KiB, lifted the AVX2 copy from 31-53 to
// 43-77 GFLOP/s on the suite's layers; 12 KiB was slower again). The tile never goes below
// one register block of positions, so a wide chunk of channels can exceed it.
constexpr int64_t kWindowBytes = 24 * 1024;

// One call: the layer and the phase tables all items share.
template <class T>
struct ForwardCall {
  const Geometry& g;
  const T* x;
  const T* w;
  const T* bias;  // null when the layer has none
  T* y;
  // Taps sorted by phase. The phases that have taps, ascending: phase_r[p] owns entries
  // [phase_begin[p], phase_begin[p + 1]); the other phases hold only the bias.
  const int64_t* phase_r;
  const int64_t* phase_begin;
  int64_t phases;
  const int64_t* tap_offset;  // l - q - min_offset of each entry (its window column at q = tile start)
  const int64_t* tap_slot;    // entry index of tap k
  int64_t* pack_step;         // per tap k: where its weights go in a row block's packing
  int64_t min_offset, max_offset;
  int64_t chunk;  // input channels per packed chunk
  int64_t tile;   // positions q per tile (a multiple of the vector width)
  T* packed;      // the item's packed weights for one chunk
  T* window;      // [channel][tile + max_offset - min_offset] zero-padded x
  T* stage;       // [row in block][phase][tile] when phases are staged, else null
};

// The taps of phase r: entries [first, first + count) of the phase-ordered tables; none
// (count 0) for a phase without taps. p walks the phases with taps in step with r, which
// ascends.
struct PhaseTaps {
  int64_t first = 0, count = 0;
};

template <class T>
PhaseTaps taps_of_phase(const ForwardCall<T>& call, int64_t r, int64_t& p) {
  if (p >= call.phases || call.phase_r[p] != r) return {};
  const PhaseTaps t{call.phase_begin[p], call.phase_begin[p + 1] - call.phase_begin[p]};
  ++p;
  return t;
}

// What a register block of R rows of one phase needs.
template <class T>
struct Strip {
  const T* x;             // the tile's window
  int64_t row_stride;     // window row length
  const T* w;             // packed weights of the rows and phase: [tap][ci][R]
  const int64_t* offset;  // the phase's tap offsets, counted from the window's first position
  int64_t taps;
  int64_t channels;       // input channels in the chunk
  T* y;                   // first row, where position q = y_q0 lands (q lands at y + (q - y_q0)*s)
  int64_t y_q0;
  int64_t Lout, s;        // Lout: the distance between rows
  const T* bias;          // first row's bias, null for none
  bool first;             // first chunk: y = bias + sum; later chunks: y += sum
};

// Positions [q, q + NT*V) of R rows, of which the first `valid` exist.
template <class T, int R, int NT>
void vector_block(const Strip<T>& a, int64_t q_in_tile, T* y, int64_t valid) {
  constexpr int V = kLanes<T>;
  // Zeroed and read lane by lane only through copies: an aggregate `= {}`, or a lane index
  // into acc itself, makes GCC keep acc in memory and clear it with `rep stos`, which cost a
  // fifth of depthwise's register-block time.
  Vec<T> acc[R][NT];
#pragma GCC unroll 8
  for (int j = 0; j < R; ++j)
#pragma GCC unroll 8
    for (int v = 0; v < NT; ++v) acc[j][v] = Vec<T>{};
  for (int64_t i = 0; i < a.taps; ++i) {
    const T* xp = a.x + a.offset[i] + q_in_tile;
    const T* wp = a.w + i * a.channels * R;
    for (int64_t c = 0; c < a.channels; ++c, xp += a.row_stride, wp += R) {
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
    T* out = y + j * a.Lout;
    if (a.s == 1 && valid >= NT * V) {
      for (int v = 0; v < NT; ++v) {
        Vec<T> value = acc[j][v] + b;
        if (!a.first) value += load(out + v * V);
        store(out + v * V, value);
      }
      continue;
    }
    // Phase outputs are s apart, or the block runs past the phase's end: lane by lane (the
    // sum behind each is Cin/groups x taps long).
    for (int v = 0; v < NT; ++v) {
      const Vec<T> sums = acc[j][v];
      for (int lane = 0; lane < V && v * V + lane < valid; ++lane) {
        T* p = out + (v * V + lane) * a.s;
        const T value = sums[lane] + b;
        *p = a.first ? value : *p + value;
      }
    }
  }
}

// A block of `vectors` (1..NT) vectors: as many as the phase has left.
template <class T, int R, int NT>
void vector_block_of(int vectors, const Strip<T>& a, int64_t q_in_tile, T* y, int64_t valid) {
  if constexpr (NT > 1) {
    if (vectors < NT) return vector_block_of<T, R, NT - 1>(vectors, a, q_in_tile, y, valid);
  }
  vector_block<T, R, NT>(a, q_in_tile, y, valid);
}

// Positions [q_begin, q_end) of the tile starting at tile_q0, rows j0 .. j0 + R.
template <class T, int R>
void strip_positions(const Strip<T>& a, int64_t tile_q0, int64_t q_begin, int64_t q_end) {
  constexpr int V = kLanes<T>, NT = kVectorsPerRow<R>;
  // Equal blocks rather than full ones and a runt: 8 vectors as 4 + 4, not 6 + 2.
  const int64_t vectors_total = ceil_div(q_end - q_begin, V);
  const int64_t per_block = ceil_div(vectors_total, ceil_div(vectors_total, NT));
  for (int64_t q = q_begin; q < q_end; q += per_block * V) {
    const int vectors = static_cast<int>(min64(per_block, ceil_div(q_end - q, V)));
    vector_block_of<T, R, NT>(vectors, a, q - tile_q0, a.y + (q - a.y_q0) * a.s, q_end - q);
  }
}

// Whole vectors of S = s staged phases into one row of y: positions q in [q, ...) while a
// vector of each plane, S*V outputs, ends by t_end. Advances q past them.
template <class T, int S>
void interleave_vectors(const T* planes, int64_t tile, T* out, int64_t q0, int64_t& q, int64_t t_end,
                        bool first) {
  constexpr int64_t V = kLanes<T>;
  for (; (q + V) * S <= t_end; q += V) {
    Vec<T> in[S], woven[S];
#pragma GCC unroll 8
    for (int r = 0; r < S; ++r) in[r] = load(planes + r * tile + (q - q0));
    interleave_planes<T, S>(in, woven);
#pragma GCC unroll 8
    for (int r = 0; r < S; ++r) {
      T* at = out + S * q + r * V;
      if (!first) woven[r] += load(at);
      store(at, woven[r]);
    }
  }
}

// The strides whose phases are woven into y with shuffles (interleave_planes does S = 2,
// 4, 8); forward() stages only these, and interleave_phases dispatches on the same set.
constexpr bool woven_stride(int64_t s) { return s == 2 || s == 4 || s == 8; }

// Rows [0, R) of a staged tile into y: y[j, q*s + r] = (or +=) stage[j][r][q - q0] for the
// positions t = q*s + r in [q0*s, t_end). Strides 2, 4 and 8 (the ones forward() stages) go
// by whole vectors woven with shuffles; the element loop after them serves their tail (the
// last, partial vector of positions) and keeps the function right for any s.
template <class T>
void interleave_phases(const T* stage, int64_t tile, int64_t R, int64_t s, T* y, int64_t Lout,
                       int64_t q0, int64_t t_end, bool first) {
  for (int64_t j = 0; j < R; ++j) {
    const T* planes = stage + j * s * tile;
    T* out = y + j * Lout;
    int64_t q = q0;
    switch (s) {
      case 2: interleave_vectors<T, 2>(planes, tile, out, q0, q, t_end, first); break;
      case 4: interleave_vectors<T, 4>(planes, tile, out, q0, q, t_end, first); break;
      case 8: interleave_vectors<T, 8>(planes, tile, out, q0, q, t_end, first); break;
      default: break;
    }
    for (; q * s < t_end; ++q)
      for (int64_t r = 0; r < s && q * s + r < t_end; ++r) {
        const T value = planes[r * tile + (q - q0)];
        T* p = out + q * s + r;
        *p = first ? value : *p + value;
      }
  }
}

template <class T>
void run_strip(int R, const Strip<T>& a, int64_t tile_q0, int64_t q_begin, int64_t q_end) {
  static_assert(kRows == 4, "run_strip dispatches R = 1..4");
  switch (R) {
    case 1: strip_positions<T, 1>(a, tile_q0, q_begin, q_end); break;
    case 2: strip_positions<T, 2>(a, tile_q0, q_begin, q_end); break;
    case 3: strip_positions<T, 3>(a, tile_q0, q_begin, q_end); break;
    default: strip_positions<T, 4>(a, tile_q0, q_begin, q_end); break;
  }
}

template <class T>
void forward_item(const ForwardCall<T>& call, int64_t item) {
  const Geometry& g = call.g;
  const ItemCoordinates at = split_item(item, g.groups, g.blocks_per_group);
  const int64_t co0 = at.block * g.block;
  const int64_t rows = min64(g.block, g.out_per_group - co0);
  const int64_t L = g.length, Lout = g.out_length, K = g.kernel_size, s = g.stride;
  const int64_t span = call.max_offset - call.min_offset;
  const int64_t row_stride = call.tile + span;
  const int64_t q_total = ceil_div(Lout, s);  // phase 0 has the most positions
  const T* x = call.x + (at.n * g.in_channels + at.group * g.in_per_group) * L;
  T* y = call.y + (at.n * g.out_channels + at.group * g.out_per_group + co0) * Lout;
  const T* bias = call.bias ? call.bias + at.group * g.out_per_group + co0 : nullptr;
  // W[ci, co, k] at (ci * Cout_g + co) * K + k, ci counted from the group's first.
  const T* w = call.w + (at.group * g.in_per_group * g.out_per_group + co0) * K;

  for (int64_t c0 = 0; c0 < g.in_per_group; c0 += call.chunk) {
    const int64_t channels = min64(call.chunk, g.in_per_group - c0);
    const bool first = c0 == 0;
    // Pack: row block j0 at packed + j0*K*channels, entries [slot][ci][row in block]. Each
    // weight row is read once, contiguously; where its taps go is computed once per block
    // (with L = 128 this copy is a quarter of the arithmetic's time, so it stays lean).
    for (int64_t j0 = 0; j0 < rows; j0 += kRows) {
      const int64_t R = min64(kRows, rows - j0);
      for (int64_t k = 0; k < K; ++k) call.pack_step[k] = call.tap_slot[k] * channels * R;
      T* block = call.packed + j0 * K * channels;
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t jj = 0; jj < R; ++jj) {
          const T* src = w + ((c0 + c) * g.out_per_group + j0 + jj) * K;
          T* dst = block + c * R + jj;
          for (int64_t k = 0; k < K; ++k) dst[call.pack_step[k]] = src[k];
        }
    }
    for (int64_t q0 = 0; q0 < q_total; q0 += call.tile) {
      // The window: positions l = q0 + min_offset + i, i < row_stride, zero outside [0, L).
      const int64_t l_first = q0 + call.min_offset;
      const int64_t i_begin = min64(row_stride, max64(0, -l_first));
      const int64_t i_end = max64(i_begin, min64(row_stride, L - l_first));
      for (int64_t c = 0; c < channels; ++c) {
        T* dst = call.window + c * row_stride;
        const T* src = x + (c0 + c) * L;
        for (int64_t i = 0; i < i_begin; ++i) dst[i] = T(0);
        for (int64_t i = i_begin; i < i_end; ++i) dst[i] = src[l_first + i];
        for (int64_t i = i_end; i < row_stride; ++i) dst[i] = T(0);
        // The next tile's window, on its way while this tile's FMAs run (a few hundred bytes
        // per row and tile are too short a run for the hardware prefetchers).
        prefetch_range(src + max64(0, l_first + row_stride), src + min64(L, l_first + row_stride + call.tile));
      }
      const int64_t phase_end = min64(s, Lout);
      if (call.stage != nullptr) {
        // Every phase, those without taps included (they hold the bias, or nothing), so the
        // planes are whole; then the row block's tile goes into y at once.
        const int64_t t_end = min64(Lout, min64(q0 + call.tile, q_total) * s);
        for (int64_t j0 = 0; j0 < rows; j0 += kRows) {
          const int64_t R = min64(kRows, rows - j0);
          for (int64_t r = 0, p = 0; r < phase_end; ++r) {
            const PhaseTaps t = taps_of_phase(call, r, p);
            const int64_t q_end = min64(q0 + call.tile, ceil_div(Lout - r, s));
            if (q_end <= q0) continue;
            const Strip<T> a{call.window, row_stride,
                             call.packed + j0 * K * channels + t.first * channels * R, call.tap_offset + t.first,
                             t.count, channels, call.stage + r * call.tile, q0, s * call.tile, 1,
                             first && bias ? bias + j0 : nullptr, true};
            run_strip(static_cast<int>(R), a, q0, q0, q_end);
          }
          interleave_phases(call.stage, call.tile, R, s, y + j0 * Lout, Lout, q0, t_end, first);
        }
        continue;
      }
      for (int64_t r = 0, p = 0; r < phase_end; ++r) {
        const PhaseTaps t = taps_of_phase(call, r, p);
        if (t.count == 0 && !first) {
          // Only the bias, stored by the first chunk: on to the next phase with taps.
          if (p == call.phases) break;
          r = call.phase_r[p] - 1;
          continue;
        }
        const int64_t q_end = min64(q0 + call.tile, ceil_div(Lout - r, s));
        if (q_end <= q0) continue;
        for (int64_t j0 = 0; j0 < rows; j0 += kRows) {
          const int64_t R = min64(kRows, rows - j0);
          const Strip<T> a{call.window, row_stride,
                           call.packed + j0 * K * channels + t.first * channels * R, call.tap_offset + t.first,
                           t.count, channels, y + j0 * Lout + r, 0, Lout, s, bias ? bias + j0 : nullptr,
                           first};
          run_strip(static_cast<int>(R), a, q0, q0, q_end);
        }
      }
    }
  }
}

}  // namespace

template <class T>
int forward(const Geometry& g, const void* x, const void* weight, const void* bias, void* y,
            int64_t begin, int64_t end) {
  constexpr int V = kLanes<T>;
  constexpr int64_t size = sizeof(T);
  const int64_t K = g.kernel_size, s = g.stride, budget = static_cast<int64_t>(scratch_budget_bytes());
  if (pass_macs(g) <= direct_call_macs())
    return forward_direct<T>(g, static_cast<const T*>(x), static_cast<const T*>(weight),
                             static_cast<const T*>(bias), static_cast<T*>(y), begin, end);
  // Tables, first in scratch: entries (taps in phase order), per tap and per phase.
  const int64_t table_bytes = (6 * K + 2) * 8;
  const int64_t tables_aligned = (table_bytes + 63) / 64 * 64;

  // Offsets of the taps: off_k = (r + pl - k*d) / s; the window spans their range.
  int64_t min_offset = 0, max_offset = 0;
  for (int64_t k = 0; k < K; ++k) {
    const int64_t r = positive_mod(k * g.dilation - g.pad_left, s);
    const int64_t off = (r + g.pad_left - k * g.dilation) / s;
    if (k == 0 || off < min_offset) min_offset = off;
    if (k == 0 || off > max_offset) max_offset = off;
  }
  const int64_t span = max_offset - min_offset;

  // Chunks of input channels keep the packed weights within two thirds of the budget and the
  // x window (a register block of positions at least, plus the span) within the rest; at
  // least one channel, however large the kernel or its span. Tiles then aim for
  // kWindowBytes of window.
  const int64_t row_bytes = g.block * K * size;
  const int64_t block_positions = kVectorsPerRow<kRows> * V;
  const int64_t chunk = max64(1, min64(g.in_per_group, min64(budget * 2 / 3 / row_bytes,
                                                                budget / 3 / ((block_positions + span) * size))));
  const int64_t q_total = ceil_div(g.out_length, s);
  int64_t tile = max64(block_positions, kWindowBytes / (chunk * size) - span);
  tile = min64(ceil_div(tile, V) * V, ceil_div(q_total, V) * V);

  const int64_t packed_bytes = (chunk * row_bytes + 63) / 64 * 64;
  const int64_t window_bytes = (chunk * (tile + span) * size + 63) / 64 * 64;
  // Staged phases (see the top) for the strides woven by shuffles: a row block's planes of
  // one tile, when they fit the budget (else lane-by-lane stores).
  const int64_t stage_bytes = min64(kRows, g.block) * s * tile * size;
  const bool staged = woven_stride(s) && stage_bytes <= budget;
  auto* scratch = static_cast<char*>(thread_scratch(
      static_cast<std::size_t>(tables_aligned + packed_bytes + window_bytes + (staged ? stage_bytes : 0))));
  if (scratch == nullptr) return LUCID_STATUS_OUT_OF_MEMORY;

  auto* order = reinterpret_cast<int64_t*>(scratch);  // entry -> tap
  int64_t* tap_offset = order + K;
  int64_t* tap_slot = tap_offset + K;
  int64_t* pack_step = tap_slot + K;
  int64_t* phase_r = pack_step + K;
  int64_t* phase_begin = phase_r + K;  // K + 1 entries at most
  order_taps_by_phase(K, g.dilation, g.pad_left, s, order);
  int64_t phases = 0;
  for (int64_t e = 0; e < K; ++e) {
    const int64_t k = order[e];
    const int64_t r = positive_mod(k * g.dilation - g.pad_left, s);
    if (phases == 0 || phase_r[phases - 1] != r) {
      phase_r[phases] = r;
      phase_begin[phases++] = e;
    }
    tap_slot[k] = e;
    // Exact by the choice of r; stored relative to the window's first position.
    tap_offset[e] = (r + g.pad_left - k * g.dilation) / s - min_offset;
  }
  phase_begin[phases] = K;

  const ForwardCall<T> call{g, static_cast<const T*>(x), static_cast<const T*>(weight),
                            static_cast<const T*>(bias), static_cast<T*>(y), phase_r,
                            phase_begin, phases, tap_offset, tap_slot, pack_step, min_offset,
                            max_offset, chunk, tile,
                            reinterpret_cast<T*>(scratch + tables_aligned),
                            reinterpret_cast<T*>(scratch + tables_aligned + packed_bytes),
                            staged ? reinterpret_cast<T*>(scratch + tables_aligned + packed_bytes + window_bytes)
                                   : nullptr};
  for (int64_t item = begin; item < end; ++item) forward_item(call, item);
  return LUCID_STATUS_OK;
}

template int forward<float>(const Geometry&, const void*, const void*, const void*, void*, int64_t, int64_t);
template int forward<double>(const Geometry&, const void*, const void*, const void*, void*, int64_t, int64_t);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
