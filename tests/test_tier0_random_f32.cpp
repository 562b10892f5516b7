// Tier 0 on random float layers: 3 x LUCID_RANDOM_LAYERS (default 1500) seeded layers, each
// with a random schedule's block sizes, all four passes against the fp64 reference (relative
// 1e-5 of the absolute-value sum), through every instruction-set copy this CPU runs (see
// tier0_random_check.h). Tier 0 needs no compile, so the whole file runs in seconds.
#include "tier0_random_check.h"

TEST_CASE("tier 0 matches the reference on random float layers (seed 7001)") {
  lucid::testing::check_tier0_random_layers<float>(lucid::DType::Float32, 7001, 1e-5);
}

TEST_CASE("tier 0 matches the reference on random float layers (seed 7002)") {
  lucid::testing::check_tier0_random_layers<float>(lucid::DType::Float32, 7002, 1e-5);
}

TEST_CASE("tier 0 matches the reference on random float layers (seed 7003)") {
  lucid::testing::check_tier0_random_layers<float>(lucid::DType::Float32, 7003, 1e-5);
}
