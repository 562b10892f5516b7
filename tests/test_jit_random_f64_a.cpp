// 500 seeded random layers (one of four shards: 1000 per dtype in all), double, all four passes
// against the fp64 reference (relative 1e-12 of the absolute-value sum). Sharded so CTest can
// spread the compiles over both cores.
#include "jit_random_runner.h"

TEST_CASE("JIT kernels match the reference on random double layers (seed 19)") {
  lucid::testing::check_random_layers<double>(lucid::DType::Float64, 19, 1e-12, lucid::testing::Schedules::Default);
}
