// Schedule: the tunable knobs of the lowering. The spec says what to compute; the schedule
// says how (vector width, register blocks, tap chunking). Every schedule computes the same
// result up to floating-point reassociation; the autotuner searches over them.
#pragma once

#include <cstdint>
#include <string>

namespace lucid {

struct ConvSpec;

// What a pass puts in the vector lanes (Schedule::fwd_lanes, bwd_data_lanes, bwd_weight_lanes):
// consecutive positions along the length, consecutive kernel taps, or consecutive channels.
enum class Lanes { Length, Taps, Channels };

struct Schedule {

  // Lanes per vector (fp32 lanes for float32, fp64 lanes for float64). 8 = one AVX2 register
  // of floats. Must be a power of two, 1..16.
  int vector_width = 8;

  // forward: each work item computes `fwd_block_co` output channels of one (n, group); the
  // time loop keeps `fwd_block_t` vectors of stride-phase outputs per channel of a register
  // block in registers, and `fwd_phase_chunk` stride phases share one pass over the input
  // channels.
  int fwd_block_co = 4;
  int fwd_block_t = 2;
  int fwd_phase_chunk = 1;
  // What runs along the vector lanes: q positions of a phase (above) or the output channels
  // (fwd_block_co rows repacked per item, fwd_block_t single positions per register block,
  // fwd_phase_chunk unused). Values as for bwd_data_lanes below, taps excluded.
  Lanes fwd_lanes = Lanes::Length;
  // Cache blocking of the forward with q in the lanes (both 0 = off, as in keys without them):
  // an item's fwd_block_co rows run as register blocks of `fwd_register_co` rows, which share
  // each copied x window (the copy costs as much as the FMAs of a few rows); and each block
  // sums its input channels in chunks of `fwd_ci_chunk`, every phase inside the chunk, so the
  // chunk's x window and packed weights stay in L1 across the phases.
  int fwd_register_co = 0;
  int fwd_ci_chunk = 0;
  // Length tiles of the forward with q in the lanes (0 = off, one tile): each (n, group,
  // channel block) splits into `fwd_length_tiles` items of consecutive position blocks, so a
  // batch-1 call spreads over the cores with items of the most rows (each x window copy, a
  // few hundred nanoseconds per block, is shared by more rows).
  int fwd_length_tiles = 0;
  // Rows of one forward register block with q in the lanes: fwd_register_co, else the item's.
  int fwd_register_rows() const { return fwd_register_co > 0 ? fwd_register_co : fwd_block_co; }

  // backward-data: each work item computes `bwd_data_block_ci` input channels of one (n, group),
  // `bwd_data_block_t` vectors along the input length.
  int bwd_data_block_ci = 4;
  int bwd_data_block_t = 2;
  // What runs along the vector lanes: the length (bwd_data_block_t counts vectors), the taps
  // (needs K >= vector_width) or the input channels (bwd_data_block_ci rows are repacked
  // per item and swept in chunks of channel vectors); with taps or channels in lanes,
  // bwd_data_block_t counts single positions.
  Lanes bwd_data_lanes = Lanes::Length;

  // backward-weight: each work item owns `bwd_weight_block_ci` rows of dW (all output channels and
  // taps), so items never write the same element. Inside, `bwd_weight_block_co` output channels and
  // `bwd_weight_block_taps` taps are accumulated in registers while streaming over the length.
  int bwd_weight_block_ci = 2;
  int bwd_weight_block_co = 2;
  int bwd_weight_block_taps = 3;
  // What runs along the vector lanes: l, the taps (needs K >= vector_width; then
  // bwd_weight_block_taps counts vectors of taps) or the input channels (then a register block is
  // bwd_weight_block_taps (co, tap) pairs by up to 12 / bwd_weight_block_taps channel vectors, and
  // bwd_weight_block_co is unused).
  Lanes bwd_weight_lanes = Lanes::Length;
  // Cache blocking of backward-weight with taps in lanes (both 0 = off, as in keys without
  // them): an item's bwd_weight_block_ci rows run as register blocks of
  // `bwd_weight_register_ci` rows, which share each chunk of grad_y rows (from L1) instead of
  // streaming all of grad_y once per register block; and each batch row's length runs in
  // tiles of `bwd_weight_length_tile` positions, later tiles adding their sums to dW, so a
  // tile's grad_y chunk stays in L1 across the register blocks and its x rows across the
  // channel tiles. default_for sets items of several register blocks, but no length tiles:
  // on Zen 3 tiles of 64-254 positions ran hifigan_up2 10-20% slower than none (cause not
  // profiled: without tiles each row is one long sequential stream). The tuner tries them.
  int bwd_weight_register_ci = 0;
  int bwd_weight_length_tile = 0;
  // Rows of one backward-weight register block: bwd_weight_register_ci, else the item's.
  int bwd_weight_register_rows() const { return bwd_weight_register_ci > 0 ? bwd_weight_register_ci : bwd_weight_block_ci; }

  // Vector registers a register block may fill with accumulators: the target's register
  // file less those the inner loops need for loaded operands, broadcasts and addresses
  // (default_for: registers - kReservedRegisters, i.e. 12 of AVX2's 16, 28 of AVX-512's 32). Where the
  // lowering derives a block's shape (channel vectors x positions) it never exceeds this.
  int accumulators = 12;
  // Vector registers default_for holds back from the accumulators: one for the loaded input
  // vector, one for the broadcast weight, and slack for addresses the backend keeps in vectors.
  static constexpr int kReservedRegisters = 4;
  // The register file this schedule was fitted to: its accumulators plus those held back.
  int vector_registers() const { return accumulators + kReservedRegisters; }

  // The largest row block of a work item (bwd_data_block_ci, bwd_weight_block_ci), and of a
  // forward item whose packed weights would not fit half the L2 at more rows.
  static constexpr int kMaxBlockRows = 32;
  // The largest forward row block (fwd_block_co).
  static constexpr int kMaxForwardBlockRows = 64;
  // The longest backward-weight length tile a key may name.
  static constexpr int kMaxLengthTile = 65536;
  // The most forward length tiles a key may name.
  static constexpr int kMaxLengthTiles = 64;
  // The cache line the blocks of positions are laid on (bytes).
  static constexpr int64_t kCacheLineBytes = 64;
  // The bytes of one way of the L1 data cache: addresses this far apart share a set. 4 KiB on
  // every x86 core we have met (32 KiB x 8 ways, 48 KiB x 12).
  static constexpr int64_t kL1WayBytes = 4096;

  // Default heuristic for a target with `vector_registers` registers of `host_vector_bits`:
  // register blocks sized so the accumulators fill the register file without spilling.
  // `threads`, the threads a call is expected to split over (the host's cores), may pick
  // forward row blocks that deal a batch-1 call out more evenly; 1 leaves them to the rule
  // for one thread.
  // `l1d_bytes`, the host's L1 data cache (0: unknown), sizes the forward's channel chunks;
  // `l2_bytes`, its L2 (0: unknown), how many rows past kMaxBlockRows a forward item may take.
  static Schedule default_for(const ConvSpec& spec, int host_vector_bits, int vector_registers, int threads = 1,
                              int64_t l1d_bytes = 0, int64_t l2_bytes = 0);

  // This schedule with the work-item knobs of `other` (fwd_block_co, fwd_length_tiles,
  // bwd_data_block_ci, bwd_weight_block_ci) and its register blocks refitted to this
  // schedule's accumulators: how the targets of one multi-target AOT build split calls into
  // the same items.
  Schedule with_work_items_of(const Schedule& other, const ConvSpec& spec) const;

  // Clamps every knob to what the spec can use (e.g. no more co per block than co per group).
  Schedule normalized_for(const ConvSpec& spec) const;

  // Short stable text, part of cache keys: e.g. "v8.f4x2x1.d4x2.w2x2x3.a12" ("...d4x3t" or
  // "...w3x2x2t" with taps in lanes, "f16x6x1c", "...d16x6c" or "...w16x1x6c" with channels
  // in lanes), then ".rN", ".kN", ".wrN", ".wlN" and ".ftN" when fwd_register_co, fwd_ci_chunk,
  // bwd_weight_register_ci, bwd_weight_length_tile and fwd_length_tiles are on. parse_key
  // also takes keys without ".aN" (written before that knob existed), as accumulators = 12.
  std::string key() const;
  // Parses key() back; throws lucid::Error on malformed text.
  static Schedule parse_key(const std::string& key);

  bool operator==(const Schedule&) const = default;
};

}  // namespace lucid
