// 500 seeded random layers (one of four shards: 1000 per dtype in all), float, all four passes
// against the fp64 reference (relative 1e-5 of the absolute-value sum). Sharded so CTest can
// spread the compiles over both cores.
#include "jit_random_runner.h"

TEST_CASE("JIT kernels match the reference on random float layers (seed 20261125)") {
  lucid::testing::check_random_layers<float>(lucid::DType::Float32, 20261125, 1e-5, lucid::testing::Schedules::Default);
}
