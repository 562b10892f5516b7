// What every pass's lowering shares: the spec and schedule as IR constants, the entry-point
// skeleton (argument checks and the work-item loop) and the per-pass lowering functions.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kernel_builder.h"
#include "lower.h"
#include "lucid/kernel_abi.h"
#include "lucid/work_items.h"

namespace lucid::ir {

// The lowering's precondition: it sizes loops and item counts straight from the schedule's
// knobs (a channel block wider than a group would index past it), so only a schedule equal
// to schedule.normalized_for(spec) may reach it. Throws lucid::InternalError otherwise: every
// caller (the JIT engine, lucid-aot, lucid-tune) normalises first.
void require_normalized(const ConvSpec& spec, const Schedule& schedule, const char* who);

// The spec's sizes as every pass's loops use them: stride, dilation, taps, channels in all
// and per group, left padding. Each pass's plan adds its own derived layout to these.
struct LayerGeometry {
  int64_t s, d, K, Cin, Cout, Cig, Cog, pl;
  explicit LayerGeometry(const ConvSpec& spec)
      : s(spec.stride), d(spec.dilation), K(spec.kernel_size), Cin(spec.in_channels),
        Cout(spec.out_channels), Cig(spec.in_per_group()), Cog(spec.out_per_group()), pl(spec.pad_left) {}
  // Where tap k of input position l lands in y (and reads grad_y): l*s + e(k).
  int64_t e(int64_t k) const { return k * d - pl; }
  // e(k0 + t) for a run-time first tap k0.
  llvm::Value* e(KernelBuilder& kb, llvm::Value* k0, int64_t t) const;
  // ConvSpec::small_groups(): seed layers, depthwise.
  bool small() const { return ConvSpec::small_groups(Cig, Cog, K); }
};

// Verifies the module; on invalid IR (a generator bug) prints it with the problems and
// aborts, so it never runs as garbage.
void require_valid_ir(llvm::Module& module, const ConvSpec& spec, const Schedule& schedule);

struct Lowering {
  const ConvSpec& spec;
  const Schedule& schedule;
  llvm::Module& module;
  llvm::Type* element;  // float or double
  int lanes;            // schedule.vector_width
  bool call_pack_rows;  // LoweringOptions::call_pack_rows

  // Internal function named `name` taking `params` (pointers then i64s) and returning an i32
  // LUCID_STATUS_* (bodies that allocate scratch can fail).
  llvm::Function* make_body(const std::string& name, const std::vector<std::string>& pointer_params,
                            const std::vector<std::string>& index_params) const;
};

// Arguments an entry point hands each work item.
struct ItemArgs {
  Values pointers;  // the kernel's pointer arguments in ABI order
  llvm::Value* batch;
  llvm::Value* length;
  llvm::Value* out_length;
  llvm::Value* range_packed = nullptr;  // RangePack's copy, or a null pointer (entries with one)
};

// A plain entry's pack shared by its range: when the range holds more items than one sample
// has, every (group, channel block) recurs in it, so the entry packs the whole weight once
// (`pack`, a PackedEntries _pack entry, into `bytes` of malloc'd memory) and hands the copy to
// each item (ItemArgs::range_packed), instead of each item packing its own block again.
// Without memory, or with a shorter range, range_packed is null and items pack their own.
struct RangePack {
  llvm::Function* pack = nullptr;
  int64_t pack_items = 0;
  int64_t bytes = 0;
  unsigned weight_arg = 1;  // the weight's place among the entry's pointer arguments
};

// Emits `i32 symbol(<pointer args>, i64 batch, i64 length, i64 item_begin, i64 item_end)`:
// returns LUCID_STATUS_* for a bad batch, length or range, else runs `per_item` for each
// work item and returns the first non-zero status an item returned (0 when all succeed).
void emit_entry(const Lowering& lowering, const std::string& symbol,
                const std::vector<std::string>& pointer_args,
                const std::function<llvm::Value*(KernelBuilder&, llvm::Value* batch)>& item_count,
                const std::function<llvm::Value*(KernelBuilder&, llvm::Value* item, const ItemArgs&)>& per_item,
                const RangePack* range_pack = nullptr);

// Visits [lo, hi): unmasked blocks of `block` positions inside [a, b), and the edges
// [lo, a) and [b, hi) every `edge_step` positions through `emit_edge`, a compact path with
// bounds checks (one copy serves both edges unless `layer` is tiny; see lower.cpp). Needs an
// overwriting block: the last interior block is moved back to end at b and recomputes a few
// positions with identical arithmetic instead of running a tail. When [a, b) is shorter than
// one block, all of [lo, hi) is edge. `grid` (in [a, a + block), default a): the blocks after
// the first start on a + block multiples past it; the first starts at a and overlaps the
// second, recomputing a few positions like the last.
void emit_sweep(KernelBuilder& kb, const std::string& name, const LayerGeometry& layer, llvm::Value* lo,
                llvm::Value* a, llvm::Value* b, llvm::Value* hi, int64_t block, int64_t edge_step,
                const std::function<void(llvm::Value* start)>& emit_block,
                const std::function<void(llvm::Value* position)>& emit_edge, llvm::Value* grid = nullptr);

// The grid for emit_sweep of blocks whose positions are stored as rows `row_pitch` elements
// apart, position q at element q + `offset` of its row: where the rows are a whole number of
// L1 ways apart (Schedule::kL1WayBytes), every row of a block falls in one L1 set, more rows
// than it has ways; a line of those rows written by two blocks is then evicted in between and
// fetched again. So there, blocks of whole lines start on a line and each line is written by
// one block. Elsewhere, and for blocks that are not whole lines, `a` itself.
llvm::Value* row_line_grid(KernelBuilder& kb, llvm::Value* a, llvm::Value* row_pitch, int64_t offset, int64_t block);

// Positions l of x all of whose taps read inside grad_y (0 <= l*s + k*d - pad_left < Lout
// for every k): [first, end), first a constant, end <= L; empty when end <= first.
struct PositionRange {
  llvm::Value* first;
  llvm::Value* end;
};
PositionRange taps_inside_grad_y(KernelBuilder& kb, const ConvSpec& spec, llvm::Value* L, llvm::Value* Lout);

// Runs emit_store for row r of a row block whose first rows_valid rows exist (the last
// block of a group may be short; its extra rows computed copies of a real row). Row 0
// always exists, so only the others get a run-time guard, named `tag`.row<r>.
void emit_row_store(KernelBuilder& kb, int r, llvm::Value* rows_valid, const std::string& tag,
                    const std::function<void()>& emit_store);

// How far ahead of an interior block the channel-lane kernels (forward, backward-data)
// prefetch each row they broadcast from. A block walks every row of the reduction a few
// elements at a time, Cig or Cog rows at once: more streams than the hardware prefetcher
// follows, rows that alias in L1 when their pitch is a multiple of 4 KiB. So one prefetch
// per row and block, a few blocks ahead. A stand-alone copy of hifigan_up3's backward-data
// block loop (64 rows 64 KiB apart, Zen 3) ran at 83 GFLOP/s without it and 95 with 256
// bytes; in the kernels, alternating runs stayed within that VM's noise (medians 0.94-1.22x).
constexpr int64_t kRowPrefetchBytes = 256;

// Up to this stride, length-lane backward passes load the grad_y span their taps read once,
// as plain vectors, and shuffle every tap's strided vector out of it (KernelBuilder::load_span
// and pick_strided; at most stride + 1 sources per shuffle). Past it a strided vector is a
// load per lane (KernelBuilder::load_strided).
constexpr int64_t kSpanMaxStride = 4;

// Stores register blocks whose lanes are rows (channels in lanes): lane i of
// acc[v * positions + m] goes to base[row * row_stride + first + m * position_stride] with
// row = row0 + v * lanes + i; rows from rows_valid on are skipped.
void store_lanes_as_rows(KernelBuilder& kb, const Values& acc, int vectors, int positions, llvm::Value* base,
                         llvm::Value* first, llvm::Value* row_stride, int64_t position_stride,
                         llvm::Value* row0, llvm::Value* rows_valid, const std::string& name);

// Weight repacking for channels in lanes. Rows row0 .. row0 + lanes - 1 of a row-major
// matrix (row r at src_row(r); rows from rows_valid on read as zero, and src_row sees row 0
// for them) become one vector over the rows per column: column m's vector goes to
// dst_column(m). Columns [0, columns) go in tiles of lanes (lanes vector loads, one register
// transpose, lanes vector stores); the last columns % lanes are copied as scalars.
void emit_pack_rows_as_lanes(KernelBuilder& kb, const std::string& name, llvm::Value* row0, llvm::Value* rows_valid,
                             const std::function<llvm::Value*(llvm::Value* row)>& src_row, llvm::Value* columns,
                             const std::function<llvm::Value*(llvm::Value* column)>& dst_column);

// emit_pack_rows_as_lanes for a matrix with rows src_row_stride apart from src (row 0), whose
// column m's vector goes to dst + m * dst_column_stride: inline, or as a call of the library's
// routine when lw.call_pack_rows (pack_rows_symbol; same result, element for element).
void emit_pack_rows(const Lowering& lw, KernelBuilder& kb, const std::string& name, llvm::Value* row0,
                    llvm::Value* rows_valid, llvm::Value* src, llvm::Value* src_row_stride, llvm::Value* columns,
                    llvm::Value* dst, llvm::Value* dst_column_stride);

// The output length (L - 1) * stride + spec.output_length_offset(), for item bodies, whose
// entry has checked that it fits: computed in the body rather than passed, so that small
// layers' bodies take their arguments in registers (a seventh went through the stack).
llvm::Value* body_output_length(KernelBuilder& kb, const ConvSpec& spec, llvm::Value* L);

// Row `channel` of batch entry n of an NCL tensor with `channels` rows of `length` elements:
// base + (n * channels + channel) * length.
llvm::Value* ncl_row(KernelBuilder& kb, llvm::Value* base, llvm::Value* n, int64_t channels, llvm::Value* channel,
                     llvm::Value* length, const std::string& name);

// A work item's coordinates when items enumerate (n, group, row block) in that order, with
// `blocks` row blocks per group.
struct ItemCoordinates {
  llvm::Value* n;
  llvm::Value* group;
  llvm::Value* block;
};
ItemCoordinates split_item(KernelBuilder& kb, llvm::Value* item, int64_t groups, int64_t blocks);

// The rows of a block of `rows` channels starting at first_row that exist:
// min(rows, channels - first_row). When rows divides channels every block is full and this
// is the constant `rows`, which the body's callers pass on, so interprocedural constant
// propagation deletes its short-block guards (two fifths of backward-data's code for demucs_s4).
llvm::Value* rows_in_block(KernelBuilder& kb, int64_t channels, int64_t rows, llvm::Value* first_row);

// Scratch memory of a compile-time size for one work item's body: on the stack when small
// (a tiny layer's call must not pay for malloc), from malloc otherwise, so huge layers need
// no stack. A failed malloc returns LUCID_STATUS_OUT_OF_MEMORY from the body. Call
// release() before each return of the body.
struct Scratch {
  llvm::Value* pointer = nullptr;
  bool on_heap = false;
  llvm::Value* owned = nullptr;  // i1, emit_scratch_unless: whether `pointer` is ours to free
  void release(KernelBuilder& kb, llvm::Module& module) const;
};
Scratch emit_scratch(KernelBuilder& kb, llvm::Module& module, int64_t bytes, const std::string& name);
// The caller's buffer `given` when it is not null, else emit_scratch's own memory (allocated
// only then, and freed by release() only then). For packed weights that a _prepacked entry
// receives from the caller (PackedEntries).
Scratch emit_scratch_unless(KernelBuilder& kb, llvm::Module& module, int64_t bytes, const std::string& name,
                            llvm::Value* given);

// Internal functions that compute a whole call with PyTorch's exact sums (only in-range
// taps, so no 0 * Inf), for calls whose weight or x holds NaN or Inf; see
// lower_exact_loops.cpp. all_finite(data, count) -> i1; the passes take their ABI pointers,
// then batch, length and the output length, and return nothing (the caller checked the sizes).
struct ExactLoops {
  llvm::Function* all_finite;
  llvm::Function* forward;
  llvm::Function* backward_data;
  llvm::Function* backward_weight;
};
ExactLoops lower_exact_loops(const Lowering& lowering, const std::string& prefix);

void lower_forward(const Lowering& lowering, const std::string& symbol);
// The forward body of one work item with output channels in the lanes
// (Schedule::fwd_lanes == Lanes::Channels): `rows` channels of one (n, group), of which the
// first rows_valid exist; x, w, bias and y point at the item's first row. It reads the item's
// packed weights from packed_in, or when that is null packs them itself with `pack`
// (emit_forward_channels_pack, `rows` rows) into scratch.
void emit_forward_channels(const Lowering& lowering, KernelBuilder& kb, int rows, llvm::Value* x,
                           llvm::Value* w, llvm::Value* bias, llvm::Value* y, llvm::Value* L,
                           llvm::Value* Lout, llvm::Value* rows_valid, llvm::Value* packed_in,
                           llvm::Function* pack);
// i32 pack(w, packed, rows_valid): one item's packed weights, forward_channels_packed_elements.
llvm::Function* emit_forward_channels_pack(const Lowering& lowering, int rows);
int64_t forward_channels_packed_elements(const Lowering& lowering, int rows);

// The entry points that let a caller pack weights once and reuse them across calls (the ABI
// is include/lucid/kernel_abi.h's "Packed weights"). A pass whose items repack weights emits
// its kernel twice with emit_entry, sharing one item body: `<symbol>` packs per item (or per
// range, RangePack), and `<symbol>_prepacked` takes the packed weights after the weight
// (NULL: packs per item; a separate entry rather than a wrapper, since forwarding nine
// arguments through the stack cost seed_toy's forward 9 ns of its 20). This adds:
//   <symbol>_pack(weight, packed, begin, end): runs pack_item for items [begin, end) of
//                `items` (one per (group, channel block)); each writes slice_elements
//                elements at packed + item * slice_elements;
//   <symbol>_packed_bytes(): items * slice_elements * element bytes (0: nothing to pack).
struct PackedEntries {
  int64_t items;           // (group, channel block) pairs
  int64_t slice_elements;  // packed elements of one item; 0 when the pass packs nothing
  // Packs one item: its weight rows and its slice of the packed buffer; returns an i32 status.
  std::function<llvm::Value*(KernelBuilder&, llvm::Value* item, llvm::Value* weight, llvm::Value* slice)> pack_item;
};
// Returns the RangePack of the plain entry (emitted after these): its _pack entry, items and
// bytes.
RangePack emit_packed_entries(const Lowering& lowering, const std::string& symbol, const PackedEntries& entries);
// The item's slice of a _prepacked entry's packed argument (null when that is null).
llvm::Value* packed_slice(KernelBuilder& kb, llvm::Value* packed, llvm::Value* pack_item, int64_t slice_elements);
void lower_backward_data(const Lowering& lowering, const std::string& symbol);
void lower_backward_weight(const Lowering& lowering, const std::string& symbol);
void lower_backward_bias(const Lowering& lowering, const std::string& symbol);

}  // namespace lucid::ir
