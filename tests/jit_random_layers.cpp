// JIT kernels on seeded random layers, all four passes against the fp64 reference (relative
// 1e-5 (float) or 1e-12 (double) of the absolute-value sum). Four shards of 500 layers each
// (LUCID_RANDOM_LAYERS overrides the count), 1000 per dtype, half of them with the default
// schedule and half with a random one (any knob the tuner may set). CTest runs each shard as
// its own test (test_jit_random_f32_a, ...; tests/random_layer_tests.cmake), naming it in
// LUCID_RANDOM_SHARD, so the compiles spread over the cores; without it every shard runs.
// LUCID_RANDOM_SEED replaces the shards' seeds.
#include <doctest/doctest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "isolated_engine.h"
#include "kernel_check.h"
#include "lucid/jit_engine.h"
#include "random_pass_check.h"

namespace lucid::testing {
namespace {

enum class Schedules { Default, Random };

struct Shard {
  const char* name;
  DType dtype;
  uint64_t seed;
  Schedules schedules;
};
constexpr Shard kShards[] = {
    {"f32_a", DType::Float32, 20261125, Schedules::Default},
    {"f32_b", DType::Float32, 7340033, Schedules::Random},
    {"f64_a", DType::Float64, 19, Schedules::Default},
    {"f64_b", DType::Float64, 65537, Schedules::Random},
};


template <class T>
void check_problem(const Problem& p, std::mt19937_64& rng, double tolerance, Schedules schedules) {
  const ConvSpec& s = p.spec;
  const PassData<T> data(p, rng);
  auto k = schedules == Schedules::Random ? memory_only_engine().kernels(s, random_schedule(rng, s))
                                          : memory_only_engine().kernels(s);
  check_kernel_set(*k, p, data, rng, tolerance);
}

// random_layer_count() layers drawn from the shard's seed.
template <class T>
void check_shard(const Shard& shard, double tolerance) {
  std::mt19937_64 rng(random_seed_or(shard.seed));
  for (int i = 0; i < random_layer_count(); ++i) {
    auto p = random_problem(rng, shard.dtype);
    check_problem<T>(p, rng, tolerance, shard.schedules);
  }
}

TEST_CASE("JIT kernels match the reference on random layers") {
  const char* wanted = std::getenv("LUCID_RANDOM_SHARD");
  int ran = 0;
  for (const Shard& shard : kShards) {
    if (wanted && std::string(wanted) != shard.name) continue;
    INFO("shard ", shard.name, " (seed ", random_seed_or(shard.seed), ")");
    if (shard.dtype == DType::Float32) check_shard<float>(shard, 1e-5);
    else check_shard<double>(shard, 1e-12);
    ++ran;
  }
  const std::string wanted_text = wanted ? wanted : "";
  INFO("LUCID_RANDOM_SHARD=", wanted_text, " names no shard (f32_a, f32_b, f64_a, f64_b)");
  CHECK(ran > 0);
}

}  // namespace
}  // namespace lucid::testing
