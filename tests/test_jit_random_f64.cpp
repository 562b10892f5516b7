// 1000 seeded random configurations, float64, all four passes against the fp64 reference
// (relative 1e-12 of the absolute-value sum).
#include "jit_random_runner.h"

TEST_CASE("JIT kernels match the reference on 1000 random float64 layers") {
  std::mt19937_64 rng(19);
  for (int i = 0; i < 1000; ++i) {
    auto p = lucid::testing::random_problem(rng, lucid::DType::Float64);
    lucid::testing::check_problem<double>(lucid::testing::test_engine(), p, rng, 1e-12);
  }
}
