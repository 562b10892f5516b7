// Channel-lane blocks of whole cache lines of positions laid on lines of their output rows
// where those rows are a whole number of 4 KiB apart (ir/lower.cpp, row_line_grid): the
// first block starts at the interior's start and overlaps the second, the rest start on
// lines. Backward-data (any stride) and the forward without a stride, at lengths whose rows
// alias and lengths whose rows do not, interiors that start off a line, length 1, every vector
// width from 2 to 16 lanes; all four passes against the fp64 reference, outputs poisoned with
// NaN before each call. Then the default schedules that take such blocks (the forward's with
// its x broadcasts merged across taps, lower_forward_channels.cpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "isolated_engine.h"
#include "kernel_check.h"
#include "lowered_ir.h"
#include "lucid/jit_engine.h"
#include "random_pass_check.h"

namespace lucid::testing {
namespace {

template <class T>
int64_t line_positions() {
  return Schedule::kCacheLineBytes / static_cast<int64_t>(sizeof(T));
}

// Positions of one L1 way: rows this long alias.
template <class T>
constexpr int64_t way_positions = Schedule::kL1WayBytes / static_cast<int64_t>(sizeof(T));
constexpr int64_t f32_way = way_positions<float>;
constexpr int64_t f64_way = way_positions<double>;

// The default schedule, 1 thread, on a host of `bits`-bit vectors and `registers` registers
// with Zen 5's caches (48 KiB L1d, 1 MiB L2).
Schedule schedule(const ConvSpec& spec, int bits, int registers) {
  return Schedule::default_for(spec, bits, registers, 1, 48 * 1024, 1024 * 1024);
}

enum class Pass { Forward, BackwardData };

// Every pass under schedules whose `pass` has channels in lanes, rows of up to two vectors and
// blocks of one and two lines of positions (the forward's key holds at most 16).
template <class T>
void check_line_blocks(Pass pass, const ConvSpec& spec, std::initializer_list<int64_t> lengths, double tolerance) {
  const uint64_t seed = spec.in_channels * 100 + spec.out_channels * 10 + spec.kernel_size;
  check_schedule_variants<T>(memory_only_engine(), spec, lengths, seed, tolerance, [&](Schedule s) {
    std::vector<Schedule> out;
    for (int64_t positions : {line_positions<T>(), 2 * line_positions<T>()}) {
      if (pass == Pass::Forward) {
        s.fwd_lanes = Lanes::Channels;
        s.fwd_block_co = static_cast<int>(std::min<int64_t>(2 * s.vector_width, spec.out_per_group()));
        s.fwd_block_t = static_cast<int>(positions);
      } else {
        s.bwd_data_lanes = Lanes::Channels;
        s.bwd_data_block_ci = static_cast<int>(std::min<int64_t>(2 * s.vector_width, spec.in_per_group()));
        s.bwd_data_block_t = static_cast<int>(positions);
      }
      out.push_back(s);
    }
    return out;
  });
}

TEST_CASE("backward-data blocks of whole lines match the reference where grad_x's rows alias") {
  // hifigan_up4's shape, fewer channels: the interior starts at position 1, off a line.
  check_line_blocks<float>(Pass::BackwardData, ConvSpec::make(32, 8, 4, 2, 1, 0, 1, 1, true, DType::Float32),
                           {f32_way, f32_way + 16, 1}, 1e-5);
  // A wider pad (interior from position 5), a dilation, groups, a last vector partly empty.
  check_line_blocks<float>(Pass::BackwardData, ConvSpec::make(24, 6, 3, 3, 9, 1, 2, 2, false, DType::Float32),
                           {2 * f32_way, 37}, 1e-5);
  // fp64: lines of 8 positions, ways of 512.
  check_line_blocks<double>(Pass::BackwardData, ConvSpec::make(16, 8, 5, 3, 1, 2, 1, 1, true, DType::Float64),
                            {f64_way, f64_way + 3}, 1e-12);
}

TEST_CASE("forward blocks of whole lines match the reference where y's rows alias") {
  // dilated's shape, fewer channels: y as long as x, the interior starting off a line.
  check_line_blocks<float>(Pass::Forward, ConvSpec::make(8, 32, 3, 1, 2, 0, 2, 1, true, DType::Float32),
                           {f32_way, f32_way + 16, 1}, 1e-5);
  // No padding: y is 4 longer than x, so x of 1020 makes y's rows alias.
  check_line_blocks<float>(Pass::Forward, ConvSpec::make(8, 16, 3, 1, 0, 0, 2, 1, false, DType::Float32),
                           {f32_way - 4, f32_way}, 1e-5);
  check_line_blocks<double>(Pass::Forward, ConvSpec::make(6, 16, 3, 1, 1, 0, 1, 1, true, DType::Float64),
                            {f64_way, 1}, 1e-12);
}

TEST_CASE("strided backward-data with few taps takes one channel vector x a line of positions, with 32 registers") {
  const ConvSpec up4 = ConvSpec::make(64, 32, 4, 2, 1, 0, 1, 1, true);
  const Schedule wide = schedule(up4, 512, 32);
  CHECK(wide.bwd_data_lanes == Lanes::Channels);
  CHECK(wide.bwd_data_block_t == 16);
  // Eight taps (demucs_s4's) keep two vectors x 12 positions; so do layers without a stride
  // (wide_s1) and the 16-register file, whose accumulators hold no line of one vector.
  CHECK(schedule(ConvSpec::make(192, 96, 8, 4, 0, 0, 1, 1, true), 512, 32).bwd_data_block_t == 12);
  CHECK(schedule(ConvSpec::make(256, 256, 3, 1, 1, 0, 1, 1, true), 512, 32).bwd_data_block_t == 12);
  CHECK(schedule(up4, 256, 16).bwd_data_block_t < 16);
  const auto modules = lowered_ir(up4, "line-grid");
  REQUIRE(!modules.empty());
  bool grid = false;
  for (const auto& m : modules) grid = grid || m.find("line.grid") != std::string::npos;
  CHECK(grid == (memory_only_engine().default_schedule(up4).bwd_data_block_t % 16 == 0));
}

TEST_CASE("the channel-lane forward takes one vector x a line of positions, its broadcasts merged, with 32 registers") {
  const ConvSpec dilated = ConvSpec::make(32, 32, 3, 1, 2, 0, 2, 1, true);
  CHECK(schedule(dilated, 512, 32).fwd_lanes == Lanes::Channels);
  CHECK(schedule(dilated, 512, 32).fwd_block_t == 16);
  CHECK(schedule(ConvSpec::make(256, 256, 3, 1, 1, 0, 1, 1, true), 512, 32).fwd_block_t == 16);
  // Positions a dilation of 16 apart share no x element; one tap shares nothing; the
  // 16-register file's 12 accumulators hold no line.
  CHECK(schedule(ConvSpec::make(32, 32, 3, 1, 0, 0, 16, 1, true), 512, 32).fwd_block_t == 12);
  CHECK(schedule(ConvSpec::make(32, 32, 1, 1, 0, 0, 1, 1, true), 512, 32).fwd_block_t == 12);
  CHECK(schedule(dilated, 256, 16).fwd_block_t < 16);
  if (memory_only_engine().default_schedule(dilated).fwd_block_t == 16) {
    bool merged = false;
    for (const auto& m : lowered_ir(dilated, "line-grid-forward")) merged = merged || m.find("x.merged") != std::string::npos;
    CHECK(merged);
  }
}

}  // namespace
}  // namespace lucid::testing
