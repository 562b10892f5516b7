// Schedule: the default heuristic, normalisation against a spec, and the key text.
#include "lucid/schedule.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include <fmt/format.h>

#include "lucid/conv_spec.h"
#include "lucid/error.h"
#include "lucid/integer_division.h"
#include "phase_taps.h"

namespace lucid {

namespace {

int clamp_int(int64_t v, int64_t lo, int64_t hi) {
  return static_cast<int>(std::clamp<int64_t>(v, lo, std::max(lo, hi)));
}

// Rows per item made of register blocks of `register_rows` (of `per_group` rows per group).
// In the forward with q in the lanes, every block of positions copies its x window once per
// item, and the copy cost as much as the FMAs of a few register rows; in backward-weight with
// taps in lanes, every register block streams grad_y once per item. So items are as many
// register blocks as fit in `most_rows`, unless fewer rows deal a batch-1 call out more
// evenly over `threads`: the rows of the longest thread's share, at most 5% above the best
// count's, with the largest items among those. Measured with 16 registers (4 rows x 3
// vectors), one thread: forward hifigan_up3 10.2-11.7 -> 7.7-8.1 ms, hifigan_up4 5.1-5.9 ->
// 3.5-4.2 ms at 32 rows.
int item_rows(int64_t per_group, int64_t groups, int register_rows, int threads, int most_rows) {
  const auto longest_thread = [&](int64_t rows) {
    return ceil_div(ceil_div(per_group, rows) * groups, threads) * rows;
  };
  const int64_t most = std::min<int64_t>(per_group, most_rows);
  int64_t best_share = longest_thread(register_rows);
  for (int64_t rows = register_rows; rows <= most; rows += register_rows)
    best_share = std::min(best_share, longest_thread(rows));
  int64_t chosen = register_rows;
  for (int64_t rows = register_rows; rows <= most; rows += register_rows)
    if (longest_thread(rows) * 20 <= best_share * 21) chosen = rows;
  return static_cast<int>(chosen);
}

// Positions of one cache line of a row.
int line_positions(const ConvSpec& spec) { return static_cast<int>(Schedule::kCacheLineBytes / dtype_size(spec.dtype)); }

// Channel vectors of a register block with channels in the lanes: min(vectors of `rows`, 2).
int channel_block_vectors(int rows, int lanes) { return std::min(2, static_cast<int>(ceil_div(rows, lanes))); }

// Positions per such block: the accumulators are channel vectors x positions, at most 12
// positions (past that the broadcasts and weight vectors of a tap no longer fit beside them).
int channel_block_positions(int rows, int lanes, int accumulators) {
  return std::clamp(accumulators / std::max(1, channel_block_vectors(rows, lanes)), 1, 12);
}

// The most positions per block a schedule key carries (normalized_for).
constexpr int kMaxPositionsInKey = 16;

// Vector registers a backward-weight block with channels in lanes leaves to grad_y broadcasts
// that the scheduler loads ahead of their FMAs (fit_register_blocks).
constexpr int kBroadcastsInFlight = 8;

// Loaded x vectors per forward register block with q in the lanes (fit_register_blocks):
// with 4 rows of broadcast weights, two loads per cycle keep two FMA pipes busy.
constexpr int kForwardBlockVectors = 3;

// Most input channels per group for which stride-1 backward-data keeps lengths in the lanes
// with 32 registers (default_for has the measurements).
constexpr int64_t kStride1LengthLaneChannels = 32;

// A register file of 32 (AVX-512) leaves 28 accumulators; its blocks were measured on one,
// the smaller file's on Zen 3 (AVX2).
bool wide_register_file(const Schedule& s) { return s.accumulators >= 28; }

// Backward-weight with taps in lanes: each position loads columns x tap vectors of grad_y
// (contiguous taps) and broadcasts one x element per row. Up to 2 tap vectors, and 4 vectors
// of grad_y per position in all.
int tap_lane_vectors(const ConvSpec& spec, const Schedule& s) {
  return clamp_int(spec.kernel_size / s.vector_width, 1, 2);
}
int tap_lane_columns(int tap_vectors) { return std::max(1, 4 / tap_vectors); }

// Rows (input channels) of that block: as many as leave the accumulators and the grad_y
// vectors in registers. With 32 registers the x broadcast is an FMA memory operand, so the
// grad_y vectors are the only other live values: hifigan_up1/2 (16 taps, one tap vector of
// 16 lanes) ran 6 rows x 4 columns (24 accumulators) in 2.8-3.1 ms / 5.5-5.8 ms against
// 3.8-4.1 / 7.5-7.8 ms for the 3 x 2 block before, and 7 x 4 (28 accumulators, spilling)
// in 3.9-4.5 / 7.1-7.9 ms.
// The 16-register file has no broadcast memory operand: each row's x element takes a register,
// and the loop keeps two grad_y vectors in flight. So rows x grad_y accumulators + rows + 2
// must fit the registers (the accumulators plus the 4 that default_for holds back). The 3 x 4
// block before filled all 16 with no slack, and LLVM spilled three accumulators in
// hifigan_up2's loop (a store and a reload per step): 27-30 ms on Zen 3. 2 x 4: 12.9-13.9 ms;
// hifigan_up1, which had escaped the spill, went from 7.1-7.7 to 8.3-9.0 ms.
int tap_lane_rows(const ConvSpec& spec, const Schedule& s) {
  const int taps = tap_lane_vectors(spec, s);
  const int grad_y = std::min<int>(tap_lane_columns(taps), static_cast<int>(spec.out_per_group())) * taps;
  if (wide_register_file(s)) return std::max(1, (s.accumulators - grad_y) / grad_y);
  const int registers = s.vector_registers();
  constexpr int kGradYInFlight = 2;
  return std::max(1, (registers - kGradYInFlight) / (grad_y + 1));
}

// Input channels per forward reduction chunk (Schedule::fwd_ci_chunk) on a host with
// `l1d_bytes` of L1 data cache: as many as keep the chunk's x window (ir::residue_reach of
// U*V positions, whole 64-byte lines) and its packed weights (register rows x K) in half of
// L1, the other half left to the output stores, the stack and the next lines. 0 (no chunks)
// when the whole group fits, or when the cache size is unknown.
int forward_ci_chunk(const ConvSpec& spec, const Schedule& s, int64_t l1d_bytes) {
  if (s.fwd_lanes != Lanes::Length || l1d_bytes <= 0) return 0;
  const int64_t element = dtype_size(spec.dtype);
  const int64_t line = line_positions(spec);
  const int64_t window = ceil_div(ir::residue_reach(spec, int64_t{s.fwd_block_t} * s.vector_width), line) * line;
  const int64_t per_channel = (window + int64_t{s.fwd_register_rows()} * spec.kernel_size) * element;
  const int64_t chunk = std::max<int64_t>(8, l1d_bytes / 2 / per_channel);
  return chunk >= spec.in_per_group() ? 0 : static_cast<int>(std::min<int64_t>(chunk, 4096));
}

// The most rows of a forward item: kMaxBlockRows, or up to kMaxForwardBlockRows where that
// many rows' packed weights (in_per_group x K per row, streamed by every block of positions)
// fit half of an L2 of `l2_bytes`, so each x window copy serves more rows. hifigan_up3 (64
// rows, 128 KiB packed, 2 length tiles), Zen 5, alternating, min / median of 4 rounds x 3, ms:
// 1 thread 2.73 / 2.89 -> 2.64 / 2.72, 2 threads 1.39 / 1.48 -> 1.31 / 1.35. encodec_s5 (64
// rows, 320 KiB) and demucs_s4 (48 rows) moved within the noise, both ways across sittings.
int forward_most_rows(const ConvSpec& spec, int64_t l2_bytes) {
  const int64_t per_row = spec.in_per_group() * spec.kernel_size * dtype_size(spec.dtype);
  return clamp_int(l2_bytes / 2 / per_row, Schedule::kMaxBlockRows, Schedule::kMaxForwardBlockRows);
}

// The register-block dimensions that follow from a schedule's rows (fwd_block_co,
// bwd_data_block_ci, bwd_weight_block_ci: the work items' channel blocks), its lane layouts and its
// accumulator budget. default_for picks rows and lanes and ends here; with_work_items_of
// takes another schedule's rows and ends here too, so a refitted block is this host's own
// default for those rows.
void fit_register_blocks(const ConvSpec& spec, Schedule& s) {
  const int acc = s.accumulators;
  const int V = s.vector_width;

  if (s.fwd_lanes == Lanes::Channels) {
    s.fwd_block_t = channel_block_positions(s.fwd_block_co, V, acc);
    s.fwd_phase_chunk = 1;
    // One channel vector x a line of positions where its x broadcasts merge across taps
    // (ir::merges_x_broadcasts, the lowering's own test, in every phase): about as few
    // broadcasts per FMA as two vectors, and where y's rows alias in L1 the blocks lie on whole
    // lines (row_line_grid). Zen 5, 1 thread, alternating, min / median ms of 3 rounds x 3,
    // 2 x 12 -> 1 x 16: dilated 1.108 / 1.155 -> 0.942 / 0.961 (y rows 16 KiB apart), 0.967 /
    // 0.983 -> 0.958 / 0.986 at L 4112; wide_s1 4.009 / 4.037 -> 3.888 / 3.962.
    const int line = line_positions(spec);
    if (line > s.fwd_block_t && line <= acc && ir::merges_x_broadcasts(ir::PhaseTaps(spec), line, s.vector_registers()))
      s.fwd_block_t = line;
  } else {
    // fwd_register_rows() rows of broadcast weights x fwd_block_t loaded vectors of x per
    // tap, for fwd_phase_chunk residues that share each loaded x vector. 4 channels x 3
    // vectors reuse each x vector 4 times and each broadcast weight 3 times, which keeps two
    // FMA pipes busy with two loads per cycle; a larger file spends what is left on more
    // residues first, down to blocks of 2 vectors (Zen 5: hifigan_up1 and up4 ran faster as
    // 4 x 3 x 2 residues than as 4 x 6, and up1 as fast as 4 x 2 x 3 where both divide the
    // length), in chunks of equal size, then on longer blocks (rows of one channel, such as
    // depthwise: 6 vectors, 0.56 ms on Zen 5, against 0.71 at 3). Blocks of 2 vectors divide
    // the power-of-two lengths of many layers: hifigan_up1's 128 positions per residue took
    // 3 blocks of 48 (144), and take 4 of 32.
    const int rows = s.fwd_register_rows();
    const int most_residues = clamp_int(acc / (rows * 2), 1, spec.stride);
    s.fwd_phase_chunk = static_cast<int>(ceil_div(spec.stride, ceil_div(spec.stride, int64_t{most_residues})));
    s.fwd_block_t = clamp_int(acc / (rows * s.fwd_phase_chunk), 1, wide_register_file(s) ? 6 : kForwardBlockVectors);
    // Every stride phase's accumulators are interleaved at the store; past stride 8 that
    // shuffle network (rows x stride vectors, and its spills) outgrows the compute and the
    // compile time, so one vector per phase.
    if (spec.stride > 8) {
      s.fwd_block_t = 1;
      s.fwd_phase_chunk = clamp_int(acc / rows, 1, spec.stride);
    }
  }

  if (s.bwd_data_lanes == Lanes::Channels) {
    // Each position x tap keeps a grad_y index live across the co loop: past ~96 of them
    // the block spills (hifigan's 16 taps ran 1.7-2x faster at 6 positions than at 12).
    // A block of one channel vector takes as many positions as the accumulators hold, up to
    // a key's 16: its broadcasts are merged across taps (lower_backward_data.cpp), so a longer
    // block reads fewer grad_y elements per FMA. Zen 5, alternating, min / median ms of 3
    // rounds x 5, 1 thread, 12 -> 16 positions: small_batch32 (16 channels, K 5, s 3) 0.115 /
    // 0.119 -> 0.104 / 0.112 at L 500 and 0.123 / 0.133 -> 0.108 / 0.117 at L 512; 16
    // channels, K 3, s 2, L 1000: 0.066 / 0.068 -> 0.061 / 0.064.
    const bool one_vector = channel_block_vectors(s.bwd_data_block_ci, V) == 1;
    const int most = one_vector ? std::min(acc, kMaxPositionsInKey) : channel_block_positions(s.bwd_data_block_ci, V, acc);
    s.bwd_data_block_t = std::min(most, clamp_int(96 / spec.kernel_size, 1, one_vector ? kMaxPositionsInKey : 12));
    // With a stride and few taps, one channel vector x a line of positions, in place of two
    // vectors x fewer: its merged broadcasts keep up, and where grad_x's rows alias in L1 the
    // sweep lays its blocks on whole lines (row_line_grid), each written once. Zen 5, 1
    // thread, alternating, min / median ms of 3 rounds x 3, 2 x 12 -> 1 x 16: hifigan_up4
    // 1.489 / 1.551 -> 1.339 / 1.387 at L 16384 and 1.340 / 1.385 -> 1.313 / 1.364 at L 16392,
    // hifigan_up3 2.724 / 2.857 -> 2.595 / 2.667 at L 8192 and 2.618 / 2.723 -> 2.597 / 2.684
    // at L 8200. Slower with 8-10 taps (demucs_s4 3.04 -> 3.08, grouped4 1.40 -> 1.47,
    // encodec_s5 1.92 -> 2.03) and without a stride (wide_s1 4.13 -> 5.47).
    const int line = line_positions(spec);
    if (!one_vector && spec.stride > 1 && line > s.bwd_data_block_t && line <= acc && 96 / spec.kernel_size >= line)
      s.bwd_data_block_t = line;
  } else if (s.bwd_data_lanes == Lanes::Taps) {
    s.bwd_data_block_t = 3;  // 4 channels x 3 positions = 12 accumulators
  } else {
    s.bwd_data_block_t = clamp_int(acc / s.bwd_data_block_ci, 1, 3);
    // Each strided grad_y vector costs a load per lane: keep fewer of them in flight.
    if (spec.stride > 4) s.bwd_data_block_t = std::min(s.bwd_data_block_t, 2);
  }

  if (s.bwd_weight_lanes == Lanes::Channels) {
    // One broadcast grad_y element per (co, tap) pair and position: one or two channel
    // vectors x 12 or 6 pairs. At most 12 accumulators here, even with more to spare: two
    // channel vectors x 12 pairs measured 20-35% slower than x 6 on dilated, encodec_s5,
    // grouped4 and wide_s1 with AVX-512, one vector x 6 slower than x 12 on dilated, and one
    // vector x 15-24 pairs slower than x 10-12 (dilated, small_batch32). Blocks of whole
    // output channels may take more (below).
    // The Cog x K pairs are spread evenly over as few blocks as that many pairs per block
    // need: the last block is moved back over the one before, so 40 pairs in blocks of 12
    // computed 48 (small_batch32). Zen 3, alternating, min / median of 30 runs, 1 thread:
    // small_batch32 0.391 / 0.459 ms at 12 pairs, 0.282 / 0.397 at 10.
    s.bwd_weight_block_co = 1;
    const int most = channel_block_positions(s.bwd_weight_block_ci, V, std::min(acc, 12));
    const int64_t pairs = spec.out_per_group() * spec.kernel_size;
    s.bwd_weight_block_taps = static_cast<int>(ceil_div(pairs, ceil_div(pairs, most)));
    // Where positions d/s apart can share their broadcasts (lower_backward_weight.cpp,
    // shared_positions), blocks of whole output channels, spread evenly the same way.
    if (spec.dilation % spec.stride == 0 && spec.kernel_size <= most) {
      const int64_t channels = spec.out_per_group();
      const int64_t per_block = ceil_div(channels, ceil_div(channels, most / spec.kernel_size));
      s.bwd_weight_block_taps = static_cast<int>(per_block * spec.kernel_size);
      return;
    }
    // Elsewhere, with 32 registers and two channel vectors, blocks of as many whole output
    // channels as the accumulators hold beside kBroadcastsInFlight (20 of 28: 10 pairs). All
    // of a block's broadcasts then come from one or two grad_y rows. Zen 5, alternating, min /
    // median ms of 3 rounds x 3, 1 thread, 6 pairs (the rule above) -> whole channels:
    // hifigan_up3 (2 x K 4) 2.777 / 2.791 -> 2.631 / 2.682,
    // hifigan_up4 1.471 / 1.494 -> 1.394 / 1.408, encodec_s5 (K 10) 2.031 / 2.077 -> 1.952 /
    // 1.972, demucs_s4 (K 8) 3.105 / 3.169 -> 2.975 / 3.024, grouped4 (K 8) 1.536 / 1.744 ->
    // 1.429 / 1.505. One channel of K 4 or 5 ran 2-8% slower than 6 pairs, and 10 or 12 pairs
    // that split channels slower than whole ones.
    const int vectors = channel_block_vectors(s.bwd_weight_block_ci, V);
    const int whole_budget = (acc - kBroadcastsInFlight) / vectors;
    if (wide_register_file(s) && vectors == 2 && spec.kernel_size <= whole_budget)
      s.bwd_weight_block_taps = static_cast<int>(whole_budget / spec.kernel_size * spec.kernel_size);
    return;
  }
  // Register rows x bwd_weight_block_co channels: each loaded x vector serves the channels x
  // the taps, each grad_y vector the rows.
  const int ci = s.bwd_weight_register_rows();
  if (ci * spec.kernel_size <= acc) {
    // Short kernels: all taps in one tile, so nothing is streamed twice or recomputed.
    s.bwd_weight_block_taps = static_cast<int>(spec.kernel_size);
    s.bwd_weight_block_co = clamp_int(acc / (ci * spec.kernel_size), 1, std::min<int64_t>(2, spec.out_per_group()));
  } else {
    s.bwd_weight_block_co = clamp_int(spec.out_per_group(), 1, 2);
    s.bwd_weight_block_taps = clamp_int(acc / (ci * s.bwd_weight_block_co), 1, spec.kernel_size);
  }
  if (s.bwd_weight_lanes == Lanes::Taps) {
    const int taps = tap_lane_vectors(spec, s);
    s.bwd_weight_block_co = clamp_int(std::min(tap_lane_columns(taps), acc / (ci * taps)), 1, spec.out_per_group());
    s.bwd_weight_block_taps = clamp_int(std::min(taps, acc / (ci * s.bwd_weight_block_co)), 1, 2);
  }
}

}  // namespace

Schedule Schedule::default_for(const ConvSpec& spec, int host_vector_bits, int vector_registers, int threads,
                               int64_t l1d_bytes, int64_t l2_bytes) {
  Schedule s;
  int bits = host_vector_bits >= 512 ? 512 : host_vector_bits >= 256 ? 256 : 128;
  s.vector_width = bits / static_cast<int>(8 * dtype_size(spec.dtype));
  s.accumulators = std::max(8, vector_registers) - Schedule::kReservedRegisters;
  const bool wide_file = wide_register_file(s);
  const int channel_rows = wide_file ? 32 : 16;

  // Forward: register blocks of 4 output channels (2 past stride 8, see fit_register_blocks),
  // or of the whole group where its rows x 3 vectors fit the accumulators; items of several
  // register blocks share each x window copy. With 32 registers (Zen 5, 1 thread, min ms of
  // 6 alternating runs): rows of 8 or 12 as one register block before, items of 4-row blocks
  // after: hifigan_up1 4.28 -> 3.71, hifigan_up2 6.72 -> 6.12, hifigan_up3 3.97 -> 3.10,
  // hifigan_up4 1.95 -> 1.68, encodec_s5 2.80 -> 2.57, demucs_s4 3.99 -> 3.61, grouped4 1.89
  // -> 1.67. small_batch32's 8 rows ran 20% slower as two items of 4 than as one block.
  const bool whole_group_fits = spec.out_per_group() * kForwardBlockVectors <= s.accumulators;
  s.fwd_register_co = clamp_int(spec.out_per_group(), 1, spec.stride > 8 ? 2 : whole_group_fits ? spec.out_per_group() : 4);
  const int forward_rows = forward_most_rows(spec, l2_bytes);
  s.fwd_block_co = item_rows(spec.out_per_group(), spec.groups, s.fwd_register_co, std::max(1, threads), forward_rows);
  if (spec.stride == 1 && spec.out_per_group() >= 8) {
    // Without a stride, output channels in lanes (lower_forward_channels.cpp) measured 30-40%
    // faster on wide_s1 and dilated: one dense reduction over ci x K per register block of
    // channel vectors x positions. With a stride each phase's reduction has only K/s taps
    // and the transposed stores cost as much as they save, so strided layers keep q in lanes.
    s.fwd_lanes = Lanes::Channels;
    s.fwd_block_co = clamp_int(spec.out_per_group(), 1, channel_rows);
  }
  // Where one item could hold a whole group but dealing a batch-1 call out over the threads
  // splits it, the items keep the group and split the length instead: each x window copy (a
  // few hundred nanoseconds per block) then serves all its rows. hifigan_up4 (32 rows), Zen 5,
  // alternating, min of 4 rounds x 3: 1 thread 1.614 -> 1.421 ms, 2 threads 0.969 -> 0.767.
  // Where the group needs several items anyway (demucs_s4, 96 rows, batch 2), tiles would
  // only repeat each item's weight pack (its 2-thread call ran 1.80 -> 1.93 ms).
  if (s.fwd_lanes == Lanes::Length && !spec.small_groups() && threads > 1) {
    const int one_thread_rows = item_rows(spec.out_per_group(), spec.groups, s.fwd_register_co, 1, forward_rows);
    if (one_thread_rows > s.fwd_block_co && one_thread_rows >= spec.out_per_group()) {
      s.fwd_block_co = one_thread_rows;
      s.fwd_length_tiles = threads;
    }
  }

  // Backward-data: input channels per block and the lanes. Without a stride, backward-data is
  // a plain correlation whose grad_y vectors load contiguously, and with 32 registers 8 rows
  // x 3 vectors of them beat channel lanes up to 32 channels per group, most where rows are
  // a whole number of 4 KiB pages apart (the L1 conflicts of channel lanes' broadcasts, see
  // README). Zen 5, 1 thread, min / median ms, channel lanes -> length lanes: dilated (32
  // channels) 1.16 / 1.20 -> 1.01 / 1.04 at L 4096 and 1.01 / 1.05 -> 0.99 / 1.00 at L 4112
  // (2 threads 0.68 -> 0.59); 16 channels, K 5: 0.47 / 0.49 -> 0.42 / 0.42; 64 channels: 2.08
  // -> 1.99 at L 4096 but 1.96 -> 1.99 at L 4112; 128: 3.96 -> 4.17; wide_s1 (256) 5-13%
  // slower. The 16-register file keeps channel lanes: not measured there.
  const bool stride1_length_lanes = wide_file && spec.stride == 1 && spec.in_per_group() >= 8 &&
                                    spec.in_per_group() <= kStride1LengthLaneChannels;
  if (stride1_length_lanes) {
    s.bwd_data_block_ci = clamp_int(spec.in_per_group(), 1, channel_rows / 4);
  } else if (spec.in_per_group() >= 8) {
    // Enough channels for a vector: channels in lanes (see lower_backward_data.cpp) broadcast
    // grad_y whatever the stride; two channel vectors x up to 12 positions.
    s.bwd_data_lanes = Lanes::Channels;
    s.bwd_data_block_ci = clamp_int(spec.in_per_group(), 1, channel_rows);
  } else {
    s.bwd_data_block_ci = clamp_int(spec.in_per_group(), 1, 4);
    // Long kernels with a stride: taps in lanes read grad_y and W contiguously.
    if (spec.kernel_size >= s.vector_width && spec.stride > 1) s.bwd_data_lanes = Lanes::Taps;
  }

  // Backward-weight: input channels per block and the lanes.
  s.bwd_weight_block_ci = clamp_int(spec.in_per_group(), 1, 3);
  // Long kernels with a stride: taps in lanes read grad_y contiguously (see
  // lower_backward_weight.cpp).
  if (spec.kernel_size >= s.vector_width && spec.stride > 1) {
    s.bwd_weight_lanes = Lanes::Taps;
    // Register blocks of few rows stream grad_y once each: items of several share each chunk
    // of it. Up to 16 rows: Zen 3, 2-row register blocks, min / median of 25 alternating runs
    // in ms, 1 thread: hifigan_up1 7.05 / 8.83 at 2 rows (no sharing), 6.98 / 7.95 at 8,
    // 6.50 / 7.66 at 16, 6.61 / 7.90 at 32; hifigan_up2 12.6 / 14.7, 12.0 / 14.4, 11.7 / 13.5,
    // 13.6 / 15.4 (its 32 rows of x, 128 KiB, no longer stay in L1 between channel tiles).
    s.bwd_weight_register_ci = clamp_int(spec.in_per_group(), 1, tap_lane_rows(spec, s));
    s.bwd_weight_block_ci =
        item_rows(spec.in_per_group(), spec.groups, s.bwd_weight_register_ci, std::max(1, threads), kMaxBlockRows / 2);
  }
  if (spec.in_per_group() >= 8 && !(spec.kernel_size >= 16 && spec.stride > 1)) {
    // A vector of channels per group: channels in lanes, whatever the stride. Only kernels
    // of 16+ taps with a stride keep taps in lanes, which measured faster there.
    s.bwd_weight_lanes = Lanes::Channels;
    // Backward-weight items split only the input channels of each group (never the batch or
    // the length), so blocks of channel_rows only where that still leaves an item per thread
    // (at least two): a 32-channel layer gets two items of 16, grouped4's four groups of 32
    // one item each (Zen 5, 1 thread: 2.19 ms at 16 rows, 1.83 at 32).
    const int64_t blocks = spec.groups * ceil_div(spec.in_per_group(), int64_t{channel_rows});
    s.bwd_weight_block_ci = clamp_int(spec.in_per_group(), 1,
                                      blocks >= std::max(2, threads) ? channel_rows : channel_rows / 2);
  }
  s = s.normalized_for(spec);
  fit_register_blocks(spec, s);
  s.fwd_ci_chunk = forward_ci_chunk(spec, s, l1d_bytes);
  return s.normalized_for(spec);
}

Schedule Schedule::with_work_items_of(const Schedule& other, const ConvSpec& spec) const {
  Schedule s = *this;
  // This host's forward register rows stay (unless the new items are smaller).
  if (s.fwd_lanes == Lanes::Length) s.fwd_register_co = fwd_register_rows();
  if (s.bwd_weight_lanes == Lanes::Taps) s.bwd_weight_register_ci = bwd_weight_register_rows();
  s.fwd_block_co = other.fwd_block_co;
  s.fwd_length_tiles = other.fwd_length_tiles;
  s.bwd_data_block_ci = other.bwd_data_block_ci;
  s.bwd_weight_block_ci = other.bwd_weight_block_ci;
  // Length-lane backward-data keeps all of a block's rows in registers; a block adopted from
  // a target with channels in lanes (32 rows, where a stride-1 layer of 8-32 channels takes
  // length lanes on this host) may hold more rows than accumulators, and channel lanes
  // split any block into register chunks.
  if (s.bwd_data_lanes == Lanes::Length && s.bwd_data_block_ci > s.accumulators) s.bwd_data_lanes = Lanes::Channels;
  s = s.normalized_for(spec);
  fit_register_blocks(spec, s);
  return s.normalized_for(spec);
}

Schedule Schedule::normalized_for(const ConvSpec& spec) const {
  Schedule s = *this;
  int v = 1;
  while (v < s.vector_width && v < 16) v *= 2;
  s.vector_width = v;
  s.fwd_block_co = clamp_int(s.fwd_block_co, 1, std::min<int64_t>(spec.out_per_group(), kMaxForwardBlockRows));
  s.fwd_block_t = clamp_int(s.fwd_block_t, 1, 16);
  s.fwd_phase_chunk = clamp_int(s.fwd_phase_chunk, 1, spec.stride);
  if (s.fwd_lanes != Lanes::Channels) s.fwd_lanes = Lanes::Length;
  if (s.fwd_lanes == Lanes::Channels) s.fwd_phase_chunk = 1;
  // Off (0) where unused or where it would change nothing, so each kernel has one key.
  s.fwd_register_co = s.fwd_lanes == Lanes::Length ? std::clamp(s.fwd_register_co, 0, s.fwd_block_co) : 0;
  if (s.fwd_register_co == s.fwd_block_co) s.fwd_register_co = 0;
  s.fwd_ci_chunk = s.fwd_lanes == Lanes::Length ? std::clamp(s.fwd_ci_chunk, 0, 4096) : 0;
  if (s.fwd_ci_chunk >= spec.in_per_group()) s.fwd_ci_chunk = 0;
  // Small layers' sweeps (interior blocks beside one-vector edge steps) run whole rows.
  const bool tiled = s.fwd_lanes == Lanes::Length && !spec.small_groups();
  s.fwd_length_tiles = tiled ? std::clamp(s.fwd_length_tiles, 0, kMaxLengthTiles) : 0;
  if (s.fwd_length_tiles == 1) s.fwd_length_tiles = 0;
  s.bwd_data_block_ci = clamp_int(s.bwd_data_block_ci, 1, std::min<int64_t>(spec.in_per_group(), kMaxBlockRows));
  s.bwd_data_block_t = clamp_int(s.bwd_data_block_t, 1, kMaxPositionsInKey);
  s.bwd_weight_block_ci = clamp_int(s.bwd_weight_block_ci, 1, std::min<int64_t>(spec.in_per_group(), kMaxBlockRows));
  s.bwd_weight_block_co = clamp_int(s.bwd_weight_block_co, 1, std::min<int64_t>(spec.out_per_group(), 16));
  s.accumulators = clamp_int(s.accumulators, 4, 60);
  if (s.bwd_weight_lanes == Lanes::Taps && spec.kernel_size < s.vector_width) s.bwd_weight_lanes = Lanes::Length;
  if (s.bwd_weight_lanes == Lanes::Channels) s.bwd_weight_block_co = 1;
  if (s.bwd_data_lanes == Lanes::Taps && spec.kernel_size < s.vector_width) s.bwd_data_lanes = Lanes::Length;
  if (s.bwd_weight_lanes == Lanes::Taps) {
    s.bwd_weight_register_ci = std::clamp(s.bwd_weight_register_ci, 0, s.bwd_weight_block_ci);
    if (s.bwd_weight_register_ci == s.bwd_weight_block_ci) s.bwd_weight_register_ci = 0;
    s.bwd_weight_length_tile = std::clamp(s.bwd_weight_length_tile, 0, kMaxLengthTile);
  } else {
    s.bwd_weight_register_ci = 0;
    s.bwd_weight_length_tile = 0;
  }
  s.bwd_weight_block_taps = clamp_int(s.bwd_weight_block_taps, 1,
                                      s.bwd_weight_lanes == Lanes::Taps       ? spec.kernel_size / s.vector_width
                                      : s.bwd_weight_lanes == Lanes::Channels ? 12
                                                                              : spec.kernel_size);
  return s;
}

std::string Schedule::key() const {
  auto suffix = [](Lanes lanes) { return lanes == Lanes::Taps ? "t" : lanes == Lanes::Channels ? "c" : ""; };
  return fmt::format("v{}.f{}x{}x{}{}.d{}x{}{}.w{}x{}x{}{}.a{}", vector_width, fwd_block_co, fwd_block_t,
                     fwd_phase_chunk, suffix(fwd_lanes), bwd_data_block_ci, bwd_data_block_t, suffix(bwd_data_lanes),
                     bwd_weight_block_ci, bwd_weight_block_co, bwd_weight_block_taps, suffix(bwd_weight_lanes),
                     accumulators) +
         (fwd_register_co > 0 ? fmt::format(".r{}", fwd_register_co) : "") +
         (fwd_ci_chunk > 0 ? fmt::format(".k{}", fwd_ci_chunk) : "") +
         (bwd_weight_register_ci > 0 ? fmt::format(".wr{}", bwd_weight_register_ci) : "") +
         (bwd_weight_length_tile > 0 ? fmt::format(".wl{}", bwd_weight_length_tile) : "") +
         (fwd_length_tiles > 0 ? fmt::format(".ft{}", fwd_length_tiles) : "");
}

Schedule Schedule::parse_key(const std::string& key) {
  static const std::regex pattern(R"(v(\d+)\.f(\d+)x(\d+)x(\d+)(c?)\.d(\d+)x(\d+)([tc]?)\.w(\d+)x(\d+)x(\d+)([tc]?)(?:\.a(\d+))?(?:\.r(\d+))?(?:\.k(\d{1,4}))?(?:\.wr(\d+))?(?:\.wl(\d{1,5}))?(?:\.ft(\d+))?)");
  std::smatch m;
  if (!std::regex_match(key, m, pattern))
    throw Error(fmt::format("Schedule: malformed schedule key '{}' (expected e.g. '{}')", key, Schedule{}.key()));
  auto knob = [&](int i) {
    int v = std::atoi(m[i].str().c_str());
    if (v < 1 || v > 64 || m[i].length() > 2)
      throw Error(fmt::format("Schedule: every knob of '{}' must be in 1..64", key));
    return v;
  };
  Schedule s;
  s.vector_width = knob(1);
  s.fwd_block_co = knob(2);
  s.fwd_block_t = knob(3);
  s.fwd_phase_chunk = knob(4);
  auto lanes = [&](int i) { return m[i] == "t" ? Lanes::Taps : m[i] == "c" ? Lanes::Channels : Lanes::Length; };
  s.fwd_lanes = lanes(5);
  s.bwd_data_block_ci = knob(6);
  s.bwd_data_block_t = knob(7);
  s.bwd_data_lanes = lanes(8);
  s.bwd_weight_block_ci = knob(9);
  s.bwd_weight_block_co = knob(10);
  s.bwd_weight_block_taps = knob(11);
  s.bwd_weight_lanes = lanes(12);
  if (m[13].matched) s.accumulators = knob(13);
  if (m[14].matched) s.fwd_register_co = knob(14);
  if (m[15].matched) {
    s.fwd_ci_chunk = std::atoi(m[15].str().c_str());
    if (s.fwd_ci_chunk < 1) throw Error(fmt::format("Schedule: the channel chunk of '{}' must be in 1..9999", key));
  }
  if (m[16].matched) s.bwd_weight_register_ci = knob(16);
  if (m[17].matched) {
    s.bwd_weight_length_tile = std::atoi(m[17].str().c_str());
    if (s.bwd_weight_length_tile < 1 || s.bwd_weight_length_tile > kMaxLengthTile)
      throw Error(fmt::format("Schedule: the length tile of '{}' must be in 1..{}", key, kMaxLengthTile));
  }
  if (m[18].matched) s.fwd_length_tiles = knob(18);
  return s;
}

}  // namespace lucid
