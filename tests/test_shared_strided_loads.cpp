// Strided layers with lengths in the lanes load grad_y once per block or tile and shuffle
// the taps' strided vectors out of it: backward-data per residue of the tap offsets mod s,
// and up to stride 4 from one span of plain loads (ir/lower_backward_data.cpp,
// residue_loads); backward-weight from one span per channel (ir/lower_backward_weight.cpp).
// Layers whose taps fall into one or several residues, with shifts of whole vectors and of
// single lanes, negative tap offsets (padding), dilation, strides served by spans (2-4) and
// by element loads (5, 8), lengths that leave edge positions, at vector widths 2 to 16,
// match the fp64 reference in every pass.
#include <doctest/doctest.h>

#include <random>

#include "isolated_engine.h"
#include "kernel_check.h"
#include "lucid/jit_engine.h"
#include "random_pass_check.h"

namespace lucid::testing {
namespace {

template <class T>
void check_length_lanes(const ConvSpec& spec, int64_t batch, int64_t length, double tolerance) {
  CAPTURE(spec.key());
  std::mt19937_64 rng(static_cast<uint64_t>(spec.in_channels * 1000 + spec.kernel_size * 10 + spec.stride));
  const Problem p{spec, batch, length};
  const PassData<T> data(p, rng);
  const Schedule base = memory_only_engine().default_schedule(spec);
  for (int lanes : {2, 4, 8, 16})
    for (int rows : {1, 2, 3})
      for (int block_t : {1, 2, 3}) {
        Schedule s = base;
        s.vector_width = lanes;
        s.bwd_data_lanes = Lanes::Length;
        s.bwd_data_block_ci = rows;
        s.bwd_data_block_t = block_t;
        s.bwd_weight_lanes = Lanes::Length;
        s = s.normalized_for(spec);
        CAPTURE(s.key());
        REQUIRE(s.bwd_data_lanes == Lanes::Length);
        REQUIRE(s.bwd_weight_lanes == Lanes::Length);
        check_schedule(memory_only_engine(), s, p, data, rng, tolerance);
      }
}

TEST_CASE("strided passes in length lanes: taps sharing loaded spans match the reference") {
  // Depthwise, stride 2, K 4, padding 1: two residues of two taps, shifts -1/0 and 0/1.
  check_length_lanes<float>(ConvSpec::make(4, 4, 4, 2, 1, 0, 1, 4, true, DType::Float32), 2, 67, 1e-5);
  // Stride 3, K 7, dilation 2, padding 4: tap offsets -4..8 step 2 over three residues.
  check_length_lanes<double>(ConvSpec::make(3, 5, 7, 3, 4, 1, 2, 1, false, DType::Float64), 2, 45, 1e-12);
  // Stride 4, K 16, padding 6: four taps per residue, shifts up to 4 positions.
  check_length_lanes<double>(ConvSpec::make(2, 3, 16, 4, 6, 0, 1, 1, true, DType::Float64), 1, 53, 1e-12);
  // Stride 5 (element loads), K 11, padding 2: residues of three and two taps.
  check_length_lanes<float>(ConvSpec::make(5, 5, 11, 5, 2, 3, 1, 5, true, DType::Float32), 3, 29, 1e-5);
  // Stride 8, K 3, dilation 5, padding 3: one tap per residue (nothing shared).
  check_length_lanes<double>(ConvSpec::make(2, 2, 3, 8, 3, 0, 5, 1, false, DType::Float64), 2, 40, 1e-12);
}

}  // namespace
}  // namespace lucid::testing
