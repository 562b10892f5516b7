// Layers whose kernels once crashed LLVM 19's code generator: each compiles with its default
// schedule and at vector widths 2 to 16 and matches the fp64 reference in all four passes.
// These three crashed instruction selection (SelectionDAG::Combine) under the JIT's short
// pipeline while the forward pass's weight pack was inlined into its body
// (ir/lower_forward.cpp, emit_pack_phase_major, says why; the reduced case is
// docs/repro/llc19_dagcombine_crash.ll).
#include <doctest/doctest.h>

#include <random>

#include "isolated_engine.h"
#include "kernel_check.h"
#include "lucid/jit_engine.h"
#include "random_pass_check.h"

namespace lucid::testing {
namespace {

template <class T>
void check_layer(const ConvSpec& spec, int64_t batch, int64_t length, double tolerance) {
  std::mt19937_64 rng(spec.in_channels * 1000 + spec.kernel_size);
  const Problem p{spec, batch, length};
  const PassData<T> data(p, rng);
  std::vector<Schedule> schedules{memory_only_engine().default_schedule(spec)};
  for (int lanes : {2, 4, 8, 16}) {
    Schedule s = schedules.front();
    s.vector_width = lanes;
    schedules.push_back(s.normalized_for(spec));
  }
  for (const Schedule& schedule : schedules) check_schedule(memory_only_engine(), schedule, p, data, rng, tolerance);
}

TEST_CASE("depthwise layers with non-power-of-two taps per row and per phase compile and match") {
  // 7 taps, stride 5: phases of 2 and 1 taps; float64 (from test_jit_random shard f64_a).
  check_layer<double>(ConvSpec::make(35, 35, 7, 5, 1, 0, 1, 35, true, DType::Float64), 2, 37, 1e-12);
  // 13 taps, dilation 2, stride 3: phases of 5 and 4 taps; float32 (shard f32_a).
  check_layer<float>(ConvSpec::make(53, 106, 13, 3, 1, 2, 2, 53, false, DType::Float32), 1, 41, 1e-5);
  // One input channel, 5 taps over stride 3: phases of 2 and 1 taps; float64 (test_gradcheck).
  check_layer<double>(ConvSpec::make(1, 3, 5, 3, 1, 0, 1, 1, false, DType::Float64), 3, 29, 1e-12);
}

}  // namespace
}  // namespace lucid::testing
