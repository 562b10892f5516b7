// Backward-data with channels in lanes and one channel vector, whose interior blocks load
// each grad_y element once per output channel and feed every (position, tap) that reads it
// (lower_backward_data.cpp, merge_broadcasts): strides below, at and above the taps' span,
// dilations, groups, blocks of 2 to 12 positions, item rows filling a vector or not, lengths
// the blocks do not divide and length 1, every vector width from 2 to 16 lanes; all four
// passes against the fp64 reference, outputs poisoned with NaN before each call.
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
void check_merged(const ConvSpec& spec, double tolerance) {
  const uint64_t seed = spec.in_channels * 100 + spec.kernel_size * 10 + spec.stride;
  check_schedule_variants<T>(memory_only_engine(), spec, {1, 5, 29}, seed, tolerance, [&](Schedule s) {
    s.bwd_data_lanes = Lanes::Channels;
    s.bwd_data_block_ci = std::min<int>(s.vector_width, static_cast<int>(spec.in_per_group()));
    std::vector<Schedule> out;
    for (int positions : {2, 5, 12}) {
      s.bwd_data_block_t = positions;
      out.push_back(s);
    }
    return out;
  });
}

TEST_CASE("channel-lane backward-data with merged grad_y broadcasts matches the reference") {
  // small_batch32's shape: stride 3, 5 taps (positions one apart share two taps' elements).
  check_merged<double>(ConvSpec::make(16, 8, 5, 3, 1, 2, 1, 1, true, DType::Float64), 1e-12);
  // Stride 1 with a dilation; 12 input channels, so the last item's vector is partly empty.
  check_merged<double>(ConvSpec::make(12, 6, 4, 1, 2, 0, 2, 1, false, DType::Float64), 1e-12);
  // Stride 2, dilation 3 (elements shared two positions apart), groups.
  check_merged<float>(ConvSpec::make(16, 10, 3, 2, 1, 1, 3, 2, true, DType::Float32), 1e-5);
  // Stride 4 beyond the span of 3 taps: nothing shared, the tap-major loop.
  check_merged<float>(ConvSpec::make(8, 4, 3, 4, 0, 3, 1, 1, false, DType::Float32), 1e-5);
}

TEST_CASE("small_batch32's default schedule takes the merged-broadcast blocks") {
  const ConvSpec spec = ConvSpec::make(16, 8, 5, 3, 1, 2, 1, 1, true);
  CHECK(memory_only_engine().default_schedule(spec).bwd_data_lanes == Lanes::Channels);
  const auto modules = lowered_ir(spec, "bwd-data-merged");
  REQUIRE(modules.size() == 1);
  CHECK(modules[0].find("gy.merged") != std::string::npos);
}

}  // namespace
}  // namespace lucid::testing
