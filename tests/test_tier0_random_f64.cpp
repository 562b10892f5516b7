// Tier 0 on random double layers: 3 x LUCID_RANDOM_LAYERS (default 1500) seeded layers, each
// with a random schedule's block sizes, all four passes against the fp64 reference (relative
// 1e-12 of the absolute-value sum), through every instruction-set copy this CPU runs (see
// tier0_random_check.h). Tier 0 needs no compile, so the whole file runs in seconds.
#include "tier0_random_check.h"

TEST_CASE("tier 0 matches the reference on random double layers (seed 8001)") {
  lucid::testing::check_tier0_random_layers<double>(lucid::DType::Float64, 8001, 1e-12);
}

TEST_CASE("tier 0 matches the reference on random double layers (seed 8002)") {
  lucid::testing::check_tier0_random_layers<double>(lucid::DType::Float64, 8002, 1e-12);
}

TEST_CASE("tier 0 matches the reference on random double layers (seed 8003)") {
  lucid::testing::check_tier0_random_layers<double>(lucid::DType::Float64, 8003, 1e-12);
}
