// The forward pass with lengths in the lanes computes by output residue (t = j*stride + r,
// ir/phase_taps.h ResidueTaps): blocks start on whole output vectors, and taps read behind j,
// or ahead of it when the padding reaches past a stride. Layers with padding below, equal to
// and past the stride, not a multiple of it, with dilation and output padding, lengths from 1
// to several blocks that blocks do not divide, the small-layer sweep and the whole-block path,
// at vector widths 2 to 16, register blocks and residue chunks that do not divide, and length
// tiles that do not divide the blocks, match the fp64 reference.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "../ir/phase_taps.h"
#include "isolated_engine.h"
#include "kernel_check.h"
#include "lowered_ir.h"
#include "lucid/jit_engine.h"
#include "random_pass_check.h"
#include "text_counts.h"

namespace lucid::testing {
namespace {

template <class T>
void check_residue_blocks(const ConvSpec& spec, int64_t batch, double tolerance) {
  CAPTURE(spec.key());
  // The schedule sizes the window from the taps alone; the lowering copies the table's.
  for (int64_t block : {1, 16, 48}) CHECK(ir::residue_reach(spec, block) == ir::ResidueTaps(spec).reach(block));
  std::mt19937_64 rng(static_cast<uint64_t>(spec.kernel_size * 1000 + spec.stride * 10 + spec.pad_left));
  const Schedule base = memory_only_engine().default_schedule(spec);
  for (int64_t length : {1, 2, 7, 33, 64}) {
    if (spec.output_length_unchecked(length) < 1) continue;  // heavy cropping: no output
    const Problem p{spec, batch, length};
    const PassData<T> data(p, rng);
    for (int lanes : {2, 4, 8, 16})
      for (int block_t : {1, 2, 3})
        for (int chunk : {1, 3}) {
          Schedule s = base;
          s.vector_width = lanes;
          s.fwd_lanes = Lanes::Length;
          s.fwd_block_co = 3;
          s.fwd_register_co = 2;
          s.fwd_block_t = block_t;
          s.fwd_phase_chunk = chunk;
          s = s.normalized_for(spec);
          CAPTURE(length);
          CAPTURE(s.key());
          REQUIRE(s.fwd_lanes == Lanes::Length);
          check_schedule(memory_only_engine(), s, p, data, rng, tolerance);
        }
  }
}

TEST_CASE("forward by output residue: padding below, at and past the stride matches the reference") {
  // hifigan_up1's shape, scaled: stride 8, K 16, padding 4 (residues 4..7 read one x ahead).
  check_residue_blocks<float>(ConvSpec::make(8, 6, 16, 8, 4, 0, 1, 1, true, DType::Float32), 1, 1e-5);
  // Padding 5 past stride 2: taps read up to three x ahead of j; output padding 1.
  check_residue_blocks<double>(ConvSpec::make(3, 5, 9, 2, 5, 1, 1, 1, false, DType::Float64), 2, 1e-12);
  // Padding a whole stride (4), output padding 3: Lout not a multiple of the stride.
  check_residue_blocks<double>(ConvSpec::make(4, 3, 8, 4, 4, 3, 1, 1, true, DType::Float64), 1, 1e-12);
  // Stride 3, K 7, dilation 2, padding 4: residues of different tap counts.
  check_residue_blocks<float>(ConvSpec::make(5, 4, 7, 3, 4, 2, 2, 1, true, DType::Float32), 2, 1e-5);
  // A small layer (the interior sweep with one-vector edge steps): depthwise, padding 3.
  check_residue_blocks<double>(ConvSpec::make(4, 4, 4, 2, 3, 1, 1, 4, true, DType::Float64), 2, 1e-12);
  // Stride 1, dilation 2, padding 2: every tap in one residue, reading ahead and behind.
  check_residue_blocks<float>(ConvSpec::make(5, 3, 3, 1, 2, 0, 2, 1, false, DType::Float32), 1, 1e-5);
  // Strides 5 and 7 (interleaves of a non-power-of-two count of residues), with and without bias.
  check_residue_blocks<float>(ConvSpec::make(6, 5, 10, 5, 2, 1, 1, 1, true, DType::Float32), 2, 1e-5);
  check_residue_blocks<double>(ConvSpec::make(4, 3, 14, 7, 3, 0, 1, 1, false, DType::Float64), 1, 1e-12);
}

TEST_CASE("the forward interleaves 5 residues with shuffles, not through single lanes") {
  // encodec_s5 (stride 5): its 5 x 16-lane interleave used to reach the stores in another
  // block, where the backend splits a vector of 80 lanes into scalars: 889 single-lane inserts
  // and extracts in the forward body with 16 lanes. Interleaved in the store block: none.
  const auto assembly = dumped_kernels(ConvSpec::make(128, 64, 10, 5, 0, 0, 1, 1, true), "fwd-interleave", ".s");
  REQUIRE(assembly.size() == 1);
  const std::string body = function_assembly(assembly[0], "fwd.rows");
  REQUIRE(!body.empty());
  int single_lanes = 0;
  for (const char* op : {"vinsertps", "vextractps", "vpinsrd", "vpextrd"}) single_lanes += static_cast<int>(count_occurrences(body, op));
  CHECK(single_lanes < 16);
}

TEST_CASE("forward length tiles: any count of tiles over any count of blocks matches the reference") {
  // Tiles that do not divide the blocks of positions, more tiles than blocks (length 1: every
  // tile but one empty), register blocks that do not divide the rows, items run in random
  // pieces (as threads take them), fp32 with a bias and fp64 without.
  auto tiled = [](const Schedule& base) {
    std::vector<Schedule> out;
    for (int tiles : {2, 3, 7})
      for (int block_t : {1, 2}) {
        Schedule s = base;
        s.fwd_lanes = Lanes::Length;
        s.fwd_block_co = 5;
        s.fwd_register_co = 2;
        s.fwd_block_t = block_t;
        s.fwd_length_tiles = tiles;
        out.push_back(s);
      }
    return out;
  };
  check_schedule_variants<float>(memory_only_engine(), ConvSpec::make(6, 5, 4, 2, 1, 0, 1, 1, true, DType::Float32),
                                 {1, 2, 33, 100, 257}, 71, 1e-5, tiled);
  check_schedule_variants<double>(memory_only_engine(), ConvSpec::make(4, 7, 10, 5, 3, 2, 1, 1, false, DType::Float64),
                                  {1, 5, 64, 130}, 72, 1e-12, tiled);
  // The schedule keeps them: the kernels split each (n, group, block) into that many items.
  Schedule s = tiled(Schedule{})[1].normalized_for(ConvSpec::make(6, 5, 4, 2, 1));
  CHECK(s.fwd_length_tiles == 2);
  CHECK(forward_items(ConvSpec::make(6, 5, 4, 2, 1), s, 3) == 3 * 1 * 2);
}

TEST_CASE("forward items past 32 rows: 48- and 64-row items and their remainders match the reference") {
  // 70 output channels: items of 64 rows (16 register blocks of 4) and 6, or of 48 rows in
  // register blocks of 5 (not dividing them) and 22; with and without length tiles.
  auto wide_items = [](const Schedule& base) {
    std::vector<Schedule> out;
    for (int rows : {48, Schedule::kMaxForwardBlockRows})
      for (int tiles : {0, 2}) {
        Schedule s = base;
        s.fwd_lanes = Lanes::Length;
        s.fwd_block_co = rows;
        s.fwd_register_co = rows == 48 ? 5 : 4;
        s.fwd_length_tiles = tiles;
        out.push_back(s);
      }
    return out;
  };
  const ConvSpec spec = ConvSpec::make(9, 70, 4, 2, 1, 0, 1, 1, true, DType::Float32);
  check_schedule_variants<float>(memory_only_engine(), spec, {1, 37, 130}, 73, 1e-5, wide_items);
  // The schedule keeps them, and no more than kMaxForwardBlockRows.
  CHECK(wide_items(Schedule{})[2].normalized_for(spec).fwd_block_co == 64);
  Schedule too_many;
  too_many.fwd_block_co = 100;
  CHECK(too_many.normalized_for(spec).fwd_block_co == Schedule::kMaxForwardBlockRows);
  CHECK(forward_items(spec, wide_items(Schedule{})[3].normalized_for(spec), 1) == 2 * 2);
}

TEST_CASE("the forward window's reach needs no per-residue table, whatever the stride") {
  // The default schedule of a layer with a stride of 2^31 - 1 (test_size_limits' overflow case)
  // sizes its window without allocating a table of 2^31 residues.
  const ConvSpec huge = ConvSpec::make(1, 1024, 1, 2147483647);
  CHECK(ir::residue_reach(huge, 16) == 16);
  const ConvSpec padded = ConvSpec::make(2, 2, 5, 3, 7, 0, 2, 1, true, DType::Float32);
  CHECK(ir::residue_reach(padded, 16) == ir::ResidueTaps(padded).reach(16));
}

}  // namespace
}  // namespace lucid::testing
