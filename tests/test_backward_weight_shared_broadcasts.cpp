// Backward-weight with channels in lanes where positions d/s apart share their grad_y
// broadcasts (lower_backward_weight.cpp, shared_positions): strides 1 and 2 with dilations
// that are multiples of them, blocks of whole output channels with and without a partial last
// block, lengths the groups of positions do not divide, lengths past one transposed chunk
// (256 positions), length 1, and every vector width from 2 to 16 lanes; all four passes
// against the fp64 reference, outputs poisoned with NaN before each call.
#include <doctest/doctest.h>

#include <vector>

#include "isolated_engine.h"
#include "kernel_check.h"
#include "lowered_ir.h"
#include "lucid/jit_engine.h"
#include "random_pass_check.h"

namespace lucid::testing {
namespace {

template <class T>
void check_shared(const ConvSpec& spec, double tolerance) {
  const uint64_t seed = spec.in_channels * 100 + spec.kernel_size * 10 + spec.dilation;
  check_schedule_variants<T>(memory_only_engine(), spec, {1, 7, 37, 300}, seed, tolerance, [&](Schedule s) {
    s.bwd_weight_lanes = Lanes::Channels;
    s.bwd_weight_block_ci = static_cast<int>(spec.in_per_group());
    std::vector<Schedule> out;
    for (int channels_per_block : {1, 2, 3}) {
      s.bwd_weight_block_taps = channels_per_block * static_cast<int>(spec.kernel_size);
      out.push_back(s);
    }
    return out;
  });
}

TEST_CASE("channel-lane backward-weight sharing broadcasts across positions matches the reference") {
  // Stride 1, dilation 1: neighbouring positions share (5 output channels: blocks of 2 and 3
  // leave a partial last block).
  check_shared<double>(ConvSpec::make(8, 5, 3, 1, 1, 0, 1, 1, true, DType::Float64), 1e-12);
  // Stride 1, dilation 3: positions 3 apart; groups.
  check_shared<double>(ConvSpec::make(16, 12, 2, 1, 1, 0, 3, 2, false, DType::Float64), 1e-12);
  // Stride 2, dilation 4: positions 2 apart, with an output padding.
  check_shared<float>(ConvSpec::make(8, 6, 4, 2, 3, 1, 4, 1, true, DType::Float32), 1e-5);
  // Stride 2, dilation 2: neighbouring positions again.
  check_shared<float>(ConvSpec::make(9, 4, 3, 2, 0, 1, 2, 1, false, DType::Float32), 1e-5);
}

TEST_CASE("the default schedule of a dilated channel-lane layer takes the shared-broadcast loop") {
  // The suite's `dilated` layer: its default blocks hold whole output channels, so the
  // lowering emits the shared loop (its blocks' names survive in the dumped IR).
  const ConvSpec spec = ConvSpec::make(32, 32, 3, 1, 2, 0, 2, 1, true);
  const Schedule s = memory_only_engine().default_schedule(spec);
  CHECK(s.bwd_weight_lanes == Lanes::Channels);
  CHECK(s.bwd_weight_block_taps % spec.kernel_size == 0);
  const auto modules = lowered_ir(spec, "bwd-weight-shared");
  REQUIRE(modules.size() == 1);
  CHECK(modules[0].find("bwd_weight.channels.shared") != std::string::npos);
}

}  // namespace
}  // namespace lucid::testing
