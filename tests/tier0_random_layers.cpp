// Tier 0 on seeded random layers: per dtype, 3 x LUCID_RANDOM_LAYERS (default 3 x 500) layers,
// each with a random schedule's block sizes, all four passes against the fp64 reference
// (relative 1e-5 (float) or 1e-12 (double) of the absolute-value sum). Each layer goes through
// one instruction-set copy (round robin over those the CPU runs, the public entry points among
// them). Layers also rotate over the kernels' limits: one in four runs every call through the
// direct loops of small calls, one in four through the blocked kernels with a scratch budget of
// a few hundred bytes (one channel or pair per chunk), the rest with the defaults. CTest runs
// each dtype as its own test (test_tier0_random_f32, _f64; tests/random_layer_tests.cmake),
// naming it in LUCID_RANDOM_SHARD; without it both run. Tier 0 needs no compile, so a shard
// takes seconds.
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernel_check.h"
#include "random_pass_check.h"
#include "tier0/kernel_limits.h"
#include "tier0/tier0_isa.h"
#include "tier0/tier0_kernels.h"

namespace lucid::testing {
namespace {

struct Shard {
  const char* name;
  DType dtype;
  uint64_t seeds[3];
};
constexpr Shard kShards[] = {
    {"f32", DType::Float32, {7001, 7002, 7003}},
    {"f64", DType::Float64, {8001, 8002, 8003}},
};

// The copies to rotate through; -1 stands for the public entry points.
std::vector<int> tier0_isas_to_test() {
  std::vector<int> isas{-1};
  for (tier0::Isa isa : tier0::kAllIsas)
    if (tier0::isa_supported(isa)) isas.push_back(static_cast<int>(isa));
  return isas;
}

// The four passes of `set` through copy `isa` (-1: the public entry points).
struct Tier0Calls {
  const KernelSet& set;
  int isa;
  int forward(const void* x, const void* w, const void* b, void* y, int64_t n, int64_t l, int64_t i0, int64_t i1) const {
    return isa < 0 ? set.forward(x, w, b, y, n, l, i0, i1)
                   : tier0::forward_with(tier0::Isa(isa), set, x, w, b, y, n, l, i0, i1);
  }
  int backward_data(const void* gy, const void* w, void* gx, int64_t n, int64_t l, int64_t i0, int64_t i1) const {
    return isa < 0 ? set.backward_data(gy, w, gx, n, l, i0, i1)
                   : tier0::backward_data_with(tier0::Isa(isa), set, gy, w, gx, n, l, i0, i1);
  }
  int backward_weight(const void* x, const void* gy, void* gw, int64_t n, int64_t l, int64_t i0, int64_t i1) const {
    return isa < 0 ? set.backward_weight(x, gy, gw, n, l, i0, i1)
                   : tier0::backward_weight_with(tier0::Isa(isa), set, x, gy, gw, n, l, i0, i1);
  }
  int backward_bias(const void* gy, void* gb, int64_t n, int64_t l, int64_t i0, int64_t i1) const {
    return isa < 0 ? set.backward_bias(gy, gb, n, l, i0, i1)
                   : tier0::backward_bias_with(tier0::Isa(isa), set, gy, gb, n, l, i0, i1);
  }
};

// Which limits a layer runs with (see the file comment); restores the defaults on exit, even
// when a check fails half way.
enum class Tier0Limits { Default, DirectLoops, TinyScratch };
struct ScopedLimits {
  ScopedLimits(Tier0Limits limits, std::mt19937_64& rng) {
    if (limits == Tier0Limits::DirectLoops) tier0::set_direct_call_macs_for_testing(1e300);
    if (limits == Tier0Limits::TinyScratch) {
      tier0::set_direct_call_macs_for_testing(0);
      tier0::set_scratch_budget_bytes_for_testing(std::uniform_int_distribution<std::size_t>(1, 4096)(rng));
    }
  }
  ~ScopedLimits() {
    tier0::set_direct_call_macs_for_testing(-1);
    tier0::set_scratch_budget_bytes_for_testing(0);
  }
};
const char* limits_name(Tier0Limits limits) {
  return limits == Tier0Limits::Default ? "default" : limits == Tier0Limits::DirectLoops ? "direct loops" : "tiny scratch";
}

template <class T>
void check_problem(const Problem& p, std::mt19937_64& rng, double tolerance, int isa, Tier0Limits limits) {
  const ConvSpec& s = p.spec;
  const PassData<T> data(p, rng);
  auto set = tier0::make_kernel_set(s, random_schedule(rng, s));
  REQUIRE(set->tier == 0);
  const Tier0Calls k{*set, isa};
  ScopedLimits scoped(limits, rng);
  const PassOutputs<T> out = run_passes_in_pieces(k, *set, p, data, rng);
  const std::string isa_text = isa < 0 ? "selected" : tier0::isa_name(tier0::Isa(isa));
  const std::string limits_text = limits_name(limits);
  INFO(s.to_string(), " batch=", p.batch, " length=", p.length, " schedule=", set->schedule.key(),
       " isa=", isa_text, " limits=", limits_text);
  check_outputs(out, data.want, tolerance);

  // Backward-weight items own whole rows of dW, so the result must not depend on the split:
  // one call over all items gives the same bits.
  std::vector<T> gw_whole(out.gw.size(), std::numeric_limits<T>::quiet_NaN());
  REQUIRE(k.backward_weight(data.x.data(), data.gy.data(), gw_whole.data(), p.batch, p.length, 0,
                            set->backward_weight_items()) == 0);
  CHECK(std::memcmp(out.gw.data(), gw_whole.data(), out.gw.size() * sizeof(T)) == 0);
}

// random_layer_count() layers drawn from `seed`.
template <class T>
void check_seed(DType dtype, uint64_t seed, double tolerance) {
  std::mt19937_64 rng(seed);
  const std::vector<int> isas = tier0_isas_to_test();
  for (int i = 0; i < random_layer_count(); ++i) {
    auto p = random_problem(rng, dtype);
    const Tier0Limits limits = i % 4 == 3 ? Tier0Limits::TinyScratch : i % 4 == 1 ? Tier0Limits::DirectLoops : Tier0Limits::Default;
    check_problem<T>(p, rng, tolerance, isas[static_cast<size_t>(i) % isas.size()], limits);
  }
}

TEST_CASE("tier 0 matches the reference on random layers") {
  const char* wanted = std::getenv("LUCID_RANDOM_SHARD");
  int ran = 0;
  for (const Shard& shard : kShards) {
    if (wanted && std::string(wanted) != shard.name) continue;
    for (uint64_t seed : shard.seeds) {
      INFO("shard ", shard.name, " seed ", seed);
      if (shard.dtype == DType::Float32) check_seed<float>(shard.dtype, seed, 1e-5);
      else check_seed<double>(shard.dtype, seed, 1e-12);
    }
    ++ran;
  }
  const std::string wanted_text = wanted ? wanted : "";
  INFO("LUCID_RANDOM_SHARD=", wanted_text, " names no shard (f32, f64)");
  CHECK(ran > 0);
}

}  // namespace
}  // namespace lucid::testing
