// lucid-tune's search space: every candidate differs from the base only in its pass's knobs,
// copy_pass_knobs carries all of them (lanes included) into the schedule the search compiles,
// every candidate's key parses back to it, and each lane layout the lowering offers is tried.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/error.h"
#include "lucid/integer_division.h"
#include "lucid/schedule.h"
#include "lucid/work_items.h"
#include "schedule_space.h"

using lucid::ConvSpec;
using lucid::Lanes;
using lucid::Schedule;
using lucid::bench::Pass;
using lucid::tune::ScheduleSpace;

namespace {

const std::vector<std::string> kSpecs = {
    "ConvTranspose1d(512, 256, 16, stride=8, padding=4)",
    "ConvTranspose1d(128, 64, 10, stride=5)",
    "ConvTranspose1d(64, 64, 4, stride=2, padding=1, groups=64)",
    "ConvTranspose1d(128, 128, 8, stride=4, padding=2, groups=4)",
    "ConvTranspose1d(256, 256, 3, padding=1, dtype=float64)",
    "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)",
    "ConvTranspose1d(32, 32, 3, padding=2, dilation=2)",
};

Lanes lanes_of(const Schedule& s, Pass p) {
  return p == Pass::Forward ? s.fwd_lanes : p == Pass::BackwardData ? s.bwd_data_lanes : s.bwd_weight_lanes;
}

}  // namespace

TEST_CASE("every candidate is the base with its own pass's knobs, and those knobs carry over") {
  for (const auto& text : kSpecs)
    for (int bits : {128, 256, 512}) {
      const int registers = bits == 512 ? 32 : 16;
      const ConvSpec spec = ConvSpec::parse(text);
      const ScheduleSpace space(spec, bits, registers);
      const Schedule base = Schedule::default_for(spec, bits, registers).normalized_for(spec);
      for (Pass p : lucid::bench::kAllPasses) {
        const auto candidates = space.candidates(base, p);
        REQUIRE(!candidates.empty());
        CHECK(candidates.front() == base);
        for (const Schedule& c : candidates) {
          INFO(text, " bits=", bits, " pass=", lucid::bench::pass_name(p), " candidate=", c.key());
          Schedule combined = base;
          ScheduleSpace::copy_pass_knobs(c, p, combined);
          CHECK(combined.normalized_for(spec) == c);
          CHECK(Schedule::parse_key(c.key()).normalized_for(spec) == c);
        }
      }
    }
}

TEST_CASE("the search tries channels in lanes for every pass of a layer with channels to spare") {
  const ConvSpec spec = ConvSpec::parse("ConvTranspose1d(128, 64, 10, stride=5)");
  const ScheduleSpace space(spec, 256, 16);
  const Schedule base = Schedule::default_for(spec, 256, 16).normalized_for(spec);
  for (Pass p : lucid::bench::kAllPasses) {
    bool channels = false, other = false;
    for (const Schedule& c : space.candidates(base, p)) {
      channels |= lanes_of(c, p) == Lanes::Channels;
      other |= lanes_of(c, p) != Lanes::Channels;
    }
    INFO(lucid::bench::pass_name(p));
    CHECK(channels);
    CHECK(other);
  }
}

TEST_CASE("default register blocks fit the target's register file, and AOT targets can share items") {
  for (const auto& text : kSpecs) {
    const ConvSpec spec = ConvSpec::parse(text);
    const Schedule wide = Schedule::default_for(spec, 512, 32);
    const Schedule narrow = Schedule::default_for(spec, 256, 16);
    INFO(text, " wide=", wide.key(), " narrow=", narrow.key());
    CHECK(wide.accumulators == 28);
    CHECK(narrow.accumulators == 12);
    for (const Schedule& s : {wide, narrow, narrow.with_work_items_of(wide, spec), wide.with_work_items_of(narrow, spec)}) {
      INFO("schedule ", s.key());
      CHECK(s == s.normalized_for(spec));
      if (s.fwd_lanes == Lanes::Length) {
        const int register_rows = s.fwd_register_rows();
        CHECK(register_rows <= s.fwd_block_co);
        CHECK(register_rows * s.fwd_block_t * s.fwd_phase_chunk <= std::max(s.accumulators, register_rows));
      }
      if (s.bwd_data_lanes == Lanes::Length) CHECK(s.bwd_data_block_ci * s.bwd_data_block_t <= s.accumulators);
      if (s.bwd_weight_lanes == Lanes::Taps) {
        const int register_rows = s.bwd_weight_register_rows();
        CHECK(register_rows <= s.bwd_weight_block_ci);
        CHECK(register_rows * s.bwd_weight_block_co * s.bwd_weight_block_taps <= s.accumulators);
      }
    }
    const Schedule adopted = narrow.with_work_items_of(wide, spec);
    CHECK(adopted.fwd_block_co == wide.fwd_block_co);
    CHECK(adopted.bwd_data_block_ci == wide.bwd_data_block_ci);
    CHECK(adopted.bwd_weight_block_ci == wide.bwd_weight_block_ci);
    CHECK(adopted.accumulators == narrow.accumulators);
    CHECK(adopted.vector_width == narrow.vector_width);
    // The refit is the host's own rule for the rows it is given: a default schedule refitted
    // to its own rows is itself.
    CHECK(wide.with_work_items_of(wide, spec) == wide);
    CHECK(narrow.with_work_items_of(narrow, spec) == narrow);
  }
}

TEST_CASE("a schedule key carries the accumulator budget; keys from before it read as 12") {
  Schedule s;
  s.accumulators = 28;
  CHECK(s.key() == "v8.f4x2x1.d4x2.w2x2x3.a28");
  CHECK(Schedule::parse_key(s.key()) == s);
  CHECK(Schedule::parse_key("v16.f4x6x1.d16x12c.w16x1x12c").accumulators == 12);
  CHECK_THROWS(Schedule::parse_key("v8.f4x2x1.d4x2.w2x2x3.a"));
  CHECK_THROWS(Schedule::parse_key("v8.f4x2x1.d4x2.w2x2x3.a0"));
}

TEST_CASE("with several threads, forward row blocks deal a batch-1 call out evenly") {
  const ConvSpec up2 = ConvSpec::parse("ConvTranspose1d(256, 128, 16, stride=8, padding=4)");
  // 128 channels in items of 4-row register blocks: 4 items of 32, 2 + 2 on two threads.
  CHECK(Schedule::default_for(up2, 512, 32).fwd_block_co == 32);
  CHECK(Schedule::default_for(up2, 512, 32, 2).fwd_block_co == 32);
  for (const auto& text : kSpecs) {
    const ConvSpec spec = ConvSpec::parse(text);
    for (int threads : {1, 2, 3, 4, 8}) {
      INFO(text, " threads=", threads);
      const Schedule s = Schedule::default_for(spec, 512, 32, threads);
      const Schedule one = Schedule::default_for(spec, 512, 32, 1);
      CHECK(s == s.normalized_for(spec));
      // Only the items may differ (forward rows, backward-weight rows), and the register
      // blocks fitted to them; items never grow with the threads.
      CHECK(s.bwd_data_block_ci == one.bwd_data_block_ci);
      if (s.bwd_weight_lanes == Lanes::Taps) CHECK(s.bwd_weight_register_rows() == one.bwd_weight_register_rows());
      CHECK(s.fwd_register_rows() == one.fwd_register_rows());
      CHECK(s.bwd_weight_block_ci <= one.bwd_weight_block_ci);
      const int64_t blocks = lucid::ceil_div(spec.out_per_group(), s.fwd_block_co);
      const int64_t blocks_one = lucid::ceil_div(spec.out_per_group(), one.fwd_block_co);
      CHECK(lucid::ceil_div(blocks, threads) * s.fwd_block_co <= lucid::ceil_div(blocks_one, threads) * one.fwd_block_co);
    }
  }
}

TEST_CASE("forward items take up to 64 rows where their packed weights fit half the L2") {
  constexpr int64_t kKiB = 1024;
  const ConvSpec up1 = ConvSpec::parse("ConvTranspose1d(512, 256, 16, stride=8, padding=4)");
  const ConvSpec up3 = ConvSpec::parse("ConvTranspose1d(128, 64, 4, stride=2, padding=1)");
  const ConvSpec demucs = ConvSpec::parse("ConvTranspose1d(192, 96, 8, stride=4)");
  // hifigan_up3: 128 channels x 4 taps x 4 bytes = 2 KiB per row, 128 KiB for 64 rows.
  const Schedule one = Schedule::default_for(up3, 512, 32, 1, 48 * kKiB, 1024 * kKiB);
  CHECK(one.fwd_block_co == 64);
  CHECK(one.fwd_length_tiles == 0);
  // Two threads: the whole group in each item, half the length each.
  const Schedule two = Schedule::default_for(up3, 512, 32, 2, 48 * kKiB, 1024 * kKiB);
  CHECK(two.fwd_block_co == 64);
  CHECK(two.fwd_length_tiles == 2);
  CHECK(two.key() == "v16.f64x3x2.d32x16c.w32x1x8c.a28.r4.k76.ft2");
  // Exactly half the L2 still fits; less, or no L2 size, keeps kMaxBlockRows.
  CHECK(Schedule::default_for(up3, 512, 32, 1, 0, 256 * kKiB).fwd_block_co == 64);
  CHECK(Schedule::default_for(up3, 512, 32, 1, 0, 128 * kKiB).fwd_block_co == 32);
  CHECK(Schedule::default_for(up3, 512, 32, 1).fwd_block_co == 32);
  // hifigan_up1: 32 KiB per row, already 1 MiB at 32 rows: never fewer than kMaxBlockRows.
  CHECK(Schedule::default_for(up1, 512, 32, 1, 48 * kKiB, 1024 * kKiB).fwd_block_co == 32);
  // demucs_s4's 96 rows: two items of 48 (6 KiB per row, 288 KiB) rather than 32 + 32 + 32.
  CHECK(Schedule::default_for(demucs, 512, 32, 1, 48 * kKiB, 1024 * kKiB).fwd_block_co == 48);
  // The backward passes keep their 32-row items.
  CHECK(one.bwd_data_block_ci <= Schedule::kMaxBlockRows);
  CHECK(one.bwd_weight_block_ci <= Schedule::kMaxBlockRows);
}

TEST_CASE("forward cache blocking: items of several register blocks on 16 registers, channel chunks from L1") {
  const ConvSpec up1 = ConvSpec::parse("ConvTranspose1d(512, 256, 16, stride=8, padding=4)");
  const ConvSpec up4 = ConvSpec::parse("ConvTranspose1d(64, 32, 4, stride=2, padding=1)");
  const ConvSpec demucs = ConvSpec::parse("ConvTranspose1d(192, 96, 8, stride=4)");
  // One thread: as many 4-row register blocks as kMaxBlockRows holds.
  const Schedule one = Schedule::default_for(up4, 256, 16, 1);
  CHECK(one.fwd_register_co == 4);
  CHECK(one.fwd_block_co == 32);
  // Two threads: a batch-1 call of 32 channels is two items of the whole group's 32 rows,
  // each half of the length, not two items of 16 rows.
  const Schedule two = Schedule::default_for(up4, 256, 16, 2);
  CHECK(two.fwd_block_co == 32);
  CHECK(two.fwd_length_tiles == 2);
  CHECK(lucid::forward_items(up4, two, 3) == 3 * 2);
  CHECK(one.fwd_length_tiles == 0);
  // 96 channels on two threads: blocks of 24 (2 + 2) beat 32 (2 + 1: 64 rows on one thread);
  // the group needs several items anyway, so no length tiles.
  CHECK(Schedule::default_for(demucs, 256, 16, 2).fwd_block_co == 24);
  CHECK(Schedule::default_for(demucs, 256, 16, 2).fwd_length_tiles == 0);
  // The 32-register file has the same items, its 4-row blocks run 3 vectors x 2 phases
  // (and 3 x 1 on 16 registers).
  const Schedule wide_up4 = Schedule::default_for(up4, 512, 32, 2);
  CHECK(wide_up4.fwd_register_co == 4);
  CHECK(wide_up4.fwd_block_co == 32);
  CHECK(wide_up4.fwd_length_tiles == 2);
  CHECK(wide_up4.fwd_block_t == 3);
  CHECK(wide_up4.fwd_phase_chunk == 2);
  CHECK(one.fwd_phase_chunk == 1);
  CHECK(Schedule::default_for(demucs, 512, 32, 2).fwd_block_co == 24);
  // A group whose rows x 3 vectors fit the accumulators is one register block: small_batch32's
  // 8 channels on 32 registers (4 + 4 on 16).
  const ConvSpec small_batch32 = ConvSpec::parse("ConvTranspose1d(16, 8, 5, stride=3, padding=1, output_padding=2)");
  CHECK(Schedule::default_for(small_batch32, 512, 32, 2).fwd_register_rows() == 8);
  CHECK(Schedule::default_for(small_batch32, 512, 32, 2).fwd_block_co == 8);
  CHECK(Schedule::default_for(small_batch32, 256, 16, 1).fwd_register_rows() == 4);
  // Rows of one channel (depthwise) spend the file on 6-vector blocks of 2 phases.
  const Schedule depthwise = Schedule::default_for(ConvSpec::parse("ConvTranspose1d(64, 64, 4, stride=2, padding=1, groups=64)"), 512, 32);
  CHECK(depthwise.fwd_block_t == 6);
  CHECK(depthwise.fwd_phase_chunk == 2);

  // No cache size, no chunks; 32 KiB of L1: chunks whose window (1 + 24 positions -> 32
  // floats) and weights (4 rows x 16 taps) take half of it: 16384 / 384 = 42 channels.
  CHECK(Schedule::default_for(up1, 256, 16, 1).fwd_ci_chunk == 0);
  const Schedule chunked = Schedule::default_for(up1, 256, 16, 1, 32 * 1024);
  CHECK(chunked.fwd_ci_chunk == 42);
  // A group that fits whole needs no chunks: 64 channels x (32 + 16) floats = 12 KiB.
  CHECK(Schedule::default_for(up4, 256, 16, 1, 32 * 1024).fwd_ci_chunk == 0);
  // Channels in lanes use neither knob.
  const Schedule wide_s1 = Schedule::default_for(ConvSpec::parse("ConvTranspose1d(256, 256, 3, padding=1)"), 256, 16, 2, 32 * 1024);
  CHECK(wide_s1.fwd_lanes == Lanes::Channels);
  CHECK(wide_s1.fwd_register_co == 0);
  CHECK(wide_s1.fwd_ci_chunk == 0);

  // Keys carry both knobs and parse back; keys without them mean both off.
  CHECK(chunked.key() == "v8.f32x3x1.d16x6c.w16x2x2t.a12.r4.k42.wr2");
  CHECK(Schedule::parse_key(chunked.key()) == chunked);
  const Schedule old_key = Schedule::parse_key("v8.f4x3x1.d16x6c.w3x2x2t.a12");
  CHECK(old_key.fwd_register_co == 0);
  CHECK(old_key.fwd_ci_chunk == 0);
  CHECK_THROWS_AS(Schedule::parse_key("v8.f4x3x1.d16x6c.w3x2x2t.a12.r4.k0"), lucid::Error);
  // Normalising drops knobs that change nothing: register rows equal to the item's, chunks
  // of the whole group.
  Schedule same = chunked;
  same.fwd_register_co = same.fwd_block_co;
  same.fwd_ci_chunk = 512;
  CHECK(same.normalized_for(up1).fwd_register_co == 0);
  CHECK(same.normalized_for(up1).fwd_ci_chunk == 0);

  // Length tiles: in keys as ".ftN" and parsed back; one tile is none; channels in lanes and
  // small layers' sweeps take none.
  CHECK(two.key() == "v8.f32x3x1.d16x6c.w16x1x6c.a12.r4.ft2");
  CHECK(Schedule::parse_key(two.key()) == two);
  CHECK_THROWS_AS(Schedule::parse_key("v8.f32x3x1.d16x6c.w16x2x2t.a12.r4.ft65"), lucid::Error);
  Schedule one_tile = two;
  one_tile.fwd_length_tiles = 1;
  CHECK(one_tile.normalized_for(up4).fwd_length_tiles == 0);
  Schedule many = two;
  many.fwd_length_tiles = 1000;
  CHECK(many.normalized_for(up4).fwd_length_tiles == Schedule::kMaxLengthTiles);
  CHECK(Schedule::default_for(ConvSpec::parse("ConvTranspose1d(256, 256, 3, padding=1)"), 512, 32, 2).fwd_length_tiles == 0);
  Schedule depthwise_tiles = depthwise;
  depthwise_tiles.fwd_length_tiles = 4;
  CHECK(depthwise_tiles.normalized_for(ConvSpec::parse("ConvTranspose1d(64, 64, 4, stride=2, padding=1, groups=64)")).fwd_length_tiles == 0);
}

TEST_CASE("backward-weight cache blocking: items of several taps-in-lanes register blocks, length tiles in keys") {
  const ConvSpec up1 = ConvSpec::parse("ConvTranspose1d(512, 256, 16, stride=8, padding=4)");
  const ConvSpec up4 = ConvSpec::parse("ConvTranspose1d(64, 32, 4, stride=2, padding=1)");
  // 16 registers: register blocks of 2 rows, items of 8 of them (16 rows); no length tiles.
  const Schedule narrow = Schedule::default_for(up1, 256, 16, 1, 32 * 1024);
  CHECK(narrow.bwd_weight_lanes == Lanes::Taps);
  CHECK(narrow.bwd_weight_register_ci == 2);
  CHECK(narrow.bwd_weight_block_ci == 16);
  CHECK(narrow.bwd_weight_length_tile == 0);
  // A group of 3 input channels: items are whole register blocks within the group, so two
  // items of one 2-row block (the second with one row).
  const ConvSpec three = ConvSpec::parse("ConvTranspose1d(3, 8, 16, stride=8)");
  const Schedule small = Schedule::default_for(three, 256, 16);
  CHECK(small.bwd_weight_register_rows() == 2);
  CHECK(small.bwd_weight_block_ci == 2);
  // Channels in lanes use neither knob.
  CHECK(Schedule::default_for(up4, 256, 16).bwd_weight_register_ci == 0);
  // Channels in lanes: blocks of two vectors of channels where that leaves an item per thread
  // (at least two), else one vector. grouped4's four groups of 32: four items of 32; a
  // 32-channel layer: two items of 16.
  const ConvSpec grouped4 = ConvSpec::parse("ConvTranspose1d(128, 128, 8, stride=4, padding=2, groups=4)");
  const ConvSpec dilated = ConvSpec::parse("ConvTranspose1d(32, 32, 3, padding=2, dilation=2)");
  CHECK(Schedule::default_for(grouped4, 512, 32, 2).bwd_weight_block_ci == 32);
  CHECK(Schedule::default_for(grouped4, 512, 32, 8).bwd_weight_block_ci == 16);
  CHECK(Schedule::default_for(dilated, 512, 32, 1).bwd_weight_block_ci == 16);
  CHECK(Schedule::default_for(up4, 512, 32, 2).bwd_weight_block_ci == 32);

  // Both knobs in keys, parsed back; out-of-range tiles are errors.
  Schedule tiled = narrow;
  tiled.bwd_weight_length_tile = 300;
  CHECK(tiled.key() == "v8.f32x3x1.d16x6c.w16x2x2t.a12.r4.k42.wr2.wl300");
  CHECK(Schedule::parse_key(tiled.key()) == tiled);
  CHECK_THROWS_AS(Schedule::parse_key("v8.f32x3x1.d16x6c.w16x2x2t.a12.wr2.wl0"), lucid::Error);
  CHECK_THROWS_AS(Schedule::parse_key("v8.f32x3x1.d16x6c.w16x2x2t.a12.wr2.wl70000"), lucid::Error);
  // Normalising drops them where they change nothing: register rows equal to the item's, or
  // lanes other than taps.
  Schedule same = tiled;
  same.bwd_weight_register_ci = same.bwd_weight_block_ci;
  CHECK(same.normalized_for(up1).bwd_weight_register_ci == 0);
  Schedule channels = tiled;
  channels.bwd_weight_lanes = Lanes::Channels;
  CHECK(channels.normalized_for(up1).bwd_weight_register_ci == 0);
  CHECK(channels.normalized_for(up1).bwd_weight_length_tile == 0);
}

TEST_CASE("stride-1 backward-data with few channels per group keeps lengths in the lanes on 32 registers") {
  const ConvSpec dilated = ConvSpec::parse("ConvTranspose1d(32, 32, 3, padding=2, dilation=2)");
  const Schedule wide = Schedule::default_for(dilated, 512, 32, 1);
  CHECK(wide.bwd_data_lanes == Lanes::Length);
  CHECK(wide.bwd_data_block_ci == 8);
  CHECK(wide.bwd_data_block_t == 3);
  // 8 channels per group is the first that leaves channel lanes; 64 stay in them; so do
  // strided layers and the 16-register file.
  CHECK(Schedule::default_for(ConvSpec::parse("ConvTranspose1d(8, 8, 5, padding=2)"), 512, 32).bwd_data_block_ci == 8);
  CHECK(Schedule::default_for(ConvSpec::parse("ConvTranspose1d(64, 64, 3, padding=1)"), 512, 32).bwd_data_lanes ==
        Lanes::Channels);
  CHECK(Schedule::default_for(ConvSpec::parse("ConvTranspose1d(32, 32, 4, stride=2, padding=1)"), 512, 32)
            .bwd_data_lanes == Lanes::Channels);
  CHECK(Schedule::default_for(dilated, 256, 16).bwd_data_lanes == Lanes::Channels);
  // A block of more rows than accumulators, adopted from a schedule with channels in lanes
  // (e.g. a tuned one), goes back to channel lanes rather than keep 32 rows in registers.
  Schedule channel_block = wide;
  channel_block.bwd_data_lanes = Lanes::Channels;
  channel_block.bwd_data_block_ci = 32;
  const Schedule adopted = wide.with_work_items_of(channel_block, dilated);
  CHECK(adopted.bwd_data_block_ci == 32);
  CHECK(adopted.bwd_data_lanes == Lanes::Channels);
  CHECK(wide.with_work_items_of(wide, dilated) == wide);
  // Grouped: the rule reads channels per group.
  const Schedule grouped = Schedule::default_for(ConvSpec::parse("ConvTranspose1d(128, 128, 3, padding=1, groups=4)"), 512, 32);
  CHECK(grouped.bwd_data_lanes == Lanes::Length);
  CHECK(grouped.bwd_data_block_ci == 8);
}

TEST_CASE("backward-weight with two channel vectors in lanes takes blocks of whole output channels on 32 registers") {
  auto taps_of = [](const char* text, int bits, int registers) {
    const Schedule s = Schedule::default_for(ConvSpec::parse(text), bits, registers, 1);
    REQUIRE(s.bwd_weight_lanes == Lanes::Channels);
    return s.bwd_weight_block_taps;
  };
  // As many whole channels as (28 - 8) / 2 = 10 pairs hold.
  CHECK(taps_of("ConvTranspose1d(128, 64, 4, stride=2, padding=1)", 512, 32) == 8);
  CHECK(taps_of("ConvTranspose1d(128, 64, 10, stride=5)", 512, 32) == 10);
  CHECK(taps_of("ConvTranspose1d(128, 128, 8, stride=4, padding=2, groups=4)", 512, 32) == 8);
  CHECK(taps_of("ConvTranspose1d(64, 32, 3, stride=2)", 512, 32) == 9);
  // Longer kernels keep 6 pairs spread evenly over the channels.
  CHECK(taps_of("ConvTranspose1d(64, 32, 11, stride=2)", 512, 32) == 6);
  // One channel vector (16 rows) and the 16-register file keep the rule before.
  CHECK(taps_of("ConvTranspose1d(16, 8, 5, stride=3, padding=1, output_padding=2)", 512, 32) == 10);
  CHECK(taps_of("ConvTranspose1d(128, 64, 4, stride=2, padding=1)", 256, 16) == 6);
  // Layers whose positions share broadcasts (d a multiple of s) keep their own rule.
  CHECK(taps_of("ConvTranspose1d(256, 256, 3, padding=1)", 512, 32) == 6);
}

TEST_CASE("channel-lane backward-data blocks of one channel vector take up to 16 positions") {
  const ConvSpec sb32 = ConvSpec::parse("ConvTranspose1d(16, 8, 5, stride=3, padding=1, output_padding=2)");
  const Schedule wide = Schedule::default_for(sb32, 512, 32, 1);
  REQUIRE(wide.bwd_data_lanes == Lanes::Channels);
  CHECK(wide.bwd_data_block_t == 16);
  // Two vectors keep 12 at most, unless a strided layer of few taps takes one vector x a
  // line (test_line_grid.cpp); long kernels keep 96 / K (grad_y indices live in the loop).
  CHECK(Schedule::default_for(ConvSpec::parse("ConvTranspose1d(64, 32, 4, stride=2, padding=1)"), 512, 32)
            .bwd_data_block_t == 16);
  CHECK(Schedule::default_for(ConvSpec::parse("ConvTranspose1d(64, 32, 4, padding=1)"), 512, 32).bwd_data_block_t <= 12);
  CHECK(Schedule::default_for(ConvSpec::parse("ConvTranspose1d(16, 8, 8, stride=4)"), 512, 32).bwd_data_block_t == 12);
  // The 16-register file: its 12 accumulators.
  CHECK(Schedule::default_for(ConvSpec::parse("ConvTranspose1d(8, 8, 5, stride=3)"), 256, 16).bwd_data_block_t <= 12);
}
