// 500 seeded random layers (one of four shards: 1000 per dtype in all), double, all four passes,
// each with a random schedule (any knob the tuner may set), against the fp64 reference
// (relative 1e-12 of the absolute-value sum). Sharded so CTest can spread the compiles.
#include "jit_random_runner.h"

TEST_CASE("JIT kernels match the reference on random double layers (seed 65537)") {
  lucid::testing::check_random_layers<double>(lucid::DType::Float64, 65537, 1e-12, lucid::testing::Schedules::Random);
}
