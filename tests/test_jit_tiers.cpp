// Tiered kernels (docs/semantics.md §7): a cold layer is served by tier 0 at once, its tier-1 compile
// runs in the background and is swapped in; calls made during a (deliberately slow) compile
// are correct; sync mode and disk hits never serve tier 0; handles and autograd nodes made
// before the swap use tier 1 afterwards; shutting down mid-compile is clean.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "isolated_engine.h"
#include "kernel_check.h"
#include "lucid/conv_transpose1d.h"
#include "lucid/error.h"
#include "lucid/jit_engine.h"
#include "lucid/tensor.h"

namespace fs = std::filesystem;
using namespace lucid;
using lucid::testing::Problem;

namespace {

fs::path fresh_dir(const std::string& name) { return testing::fresh_dir("jit-tiers", name); }

JitOptions options_in(const fs::path& dir, JitMode mode, int delay_ms = 0) {
  JitOptions o = testing::isolated_options(dir);
  o.mode = mode;
  o.background_delay_ms = delay_ms;
  return o;
}

const ConvSpec kLayer = ConvSpec::make(24, 16, 5, 3, 1, 1, 1, 1, true, DType::Float64);

// Runs the forward pass of `set` on fixed data and checks it against the fp64 reference.
void check_forward(const KernelSet& set, int64_t batch = 2, int64_t length = 37) {
  const ConvSpec& s = set.spec;
  std::mt19937_64 rng(7);
  auto x = testing::random_vector<double>(rng, static_cast<size_t>(batch * s.in_channels * length));
  auto w = testing::random_vector<double>(rng, static_cast<size_t>(s.weight_numel()));
  auto b = testing::random_vector<double>(rng, static_cast<size_t>(s.out_channels));
  std::vector<double> want(static_cast<size_t>(batch * s.out_channels * s.output_length(length)));
  reference::forward(s, x.data(), w.data(), s.bias ? b.data() : nullptr, want.data(), batch, length);
  std::vector<double> y(want.size(), -1.0);
  REQUIRE(set.forward(x.data(), w.data(), s.bias ? b.data() : nullptr, y.data(), batch, length, 0,
                      set.forward_items(batch)) == 0);
  double worst = 0;
  for (size_t i = 0; i < y.size(); ++i)
    worst = std::max(worst, std::abs(y[i] - want[i]) / (1.0 + std::abs(want[i])));
  REQUIRE(worst < 1e-12);
}

}  // namespace

TEST_CASE("tiered: a cold layer serves tier 0 at once, then tier 1 is swapped in") {
  fs::path dir = fresh_dir("cold");
  JitEngine engine(options_in(dir, JitMode::Tiered, /*delay_ms=*/300));
  auto handle = engine.handle(kLayer);
  REQUIRE_FALSE(handle->specialised());  // the compile sleeps 300 ms first
  CHECK(handle->current().tier == 0);
  CHECK(handle->current().source == "generic");
  check_forward(handle->current());
  check_forward(handle->current());
  CHECK(engine.stats().tier0_handles == 1);
  CHECK(engine.stats().tier0_calls == 2);
  CHECK(engine.handle(kLayer).get() == handle.get());  // one handle per key

  engine.wait_for_background();
  CHECK(handle->specialised());
  CHECK(handle->current().tier == 1);
  CHECK(handle->current().source == "compiled");
  // Both tiers use the same schedule, so the work items agree.
  CHECK(handle->current().forward_items(3) == engine.kernels(kLayer)->forward_items(3));
  check_forward(handle->current());
  JitStats s = engine.stats();
  CHECK(s.tier0_calls == 2);
  CHECK(s.switches == 1);
  CHECK(s.compiles == 1);
  bool switch_logged = false;
  for (const auto& e : engine.events()) switch_logged |= e.source == "switch";
  CHECK(switch_logged);
  fs::remove_all(dir);
}

TEST_CASE("sync mode waits for tier 1 and never serves tier 0") {
  fs::path dir = fresh_dir("sync");
  JitEngine engine(options_in(dir, JitMode::Sync));
  auto handle = engine.handle(kLayer);
  CHECK(handle->specialised());
  CHECK(handle->current().source == "compiled");
  check_forward(handle->current());
  CHECK(engine.stats().tier0_handles == 0);
  CHECK(engine.stats().tier0_calls == 0);
  fs::remove_all(dir);
}

TEST_CASE("a disk-cache hit skips tier 0, and so does a set already in memory") {
  fs::path dir = fresh_dir("disk");
  {
    JitEngine first(options_in(dir, JitMode::Sync));
    first.kernels(kLayer);
  }
  JitEngine second(options_in(dir, JitMode::Tiered));
  auto handle = second.handle(kLayer);
  CHECK(handle->specialised());
  CHECK(handle->current().source == "disk");
  CHECK(second.stats().tier0_handles == 0);
  check_forward(handle->current());

  JitOptions no_disk = options_in(dir, JitMode::Tiered);
  no_disk.disk_cache = false;
  JitEngine third(no_disk);
  third.kernels(kLayer);
  CHECK(third.handle(kLayer)->specialised());
  fs::remove_all(dir);
}

TEST_CASE("calls from several threads during a slow compile are correct and see the swap") {
  fs::path dir = fresh_dir("threads");
  JitEngine engine(options_in(dir, JitMode::Tiered, /*delay_ms=*/200));
  std::atomic<int> tier0_seen{0}, tier1_seen{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      auto handle = engine.handle(kLayer);
      auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (std::chrono::steady_clock::now() < until) {
        const KernelSet& set = handle->current();
        check_forward(set, 1, 16);
        (set.tier == 0 ? tier0_seen : tier1_seen)++;
        if (set.tier == 1 && tier1_seen > 8) break;
        // Leave the cores some idle time: the compile runs at a lower priority than callers
        // and would otherwise wait for four spinning threads.
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  for (auto& t : threads) t.join();
  CHECK(tier0_seen > 0);
  CHECK(tier1_seen > 0);
  CHECK(engine.stats().compiles == 1);
  CHECK(engine.stats().tier0_handles == 1);
  fs::remove_all(dir);
}

TEST_CASE("an autograd node recorded on tier 0 runs its backward on tier 1 after the swap") {
  fs::path dir = fresh_dir("autograd");
  JitEngine engine(options_in(dir, JitMode::Tiered, /*delay_ms=*/1000));
  auto handle = engine.handle(kLayer);
  Tensor x = Tensor::randn({2, 24, 11}, true, DType::Float64);
  Tensor w = Tensor::randn({24, 16, 5}, true, DType::Float64);
  Tensor b = Tensor::randn({16}, true, DType::Float64);
  Tensor y = conv_transpose1d(x, w, b, handle);
  const int64_t tier0_after_forward = engine.stats().tier0_calls;
  CHECK(tier0_after_forward > 0);
  engine.wait_for_background();
  REQUIRE(handle->specialised());
  y.backward();
  CHECK(engine.stats().tier0_calls == tier0_after_forward);  // backward ran on tier 1
  // And the gradients are the reference's: dx = conv1d(ones, W), db = Lout per channel.
  std::vector<double> gy(static_cast<size_t>(y.numel()), 1.0), want(static_cast<size_t>(x.numel()));
  auto wv = w.to_vector();
  reference::backward_data(kLayer, gy.data(), wv.data(), want.data(), 2, 11);
  auto got = x.grad().to_vector();
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-12));
  for (double v : b.grad().to_vector()) CHECK(v == doctest::Approx(2.0 * kLayer.output_length(11)));
  fs::remove_all(dir);
}

TEST_CASE("shutting down during a background compile is clean: no temporary or partial file") {
  fs::path dir = fresh_dir("shutdown");
  for (int delay : {0, 50}) {
    {
      JitEngine engine(options_in(dir, JitMode::Tiered, delay));
      for (int co : {8, 16, 24}) engine.handle(ConvSpec::make(24, co, 5, 3, 1, 1, 1, 1, true));
      // Destroyed with compiles queued and one running.
    }
    int objects = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      const bool expected = name.ends_with(".o") || name.ends_with(".json");
      CHECK_MESSAGE(expected, name);
      if (name.ends_with(".o")) ++objects;
    }
    CHECK(objects <= 3);
    // Whatever reached the disk is whole: a fresh engine loads it instead of rebuilding.
    JitEngine check(options_in(dir, JitMode::Sync));
    for (int co : {8, 16, 24}) check.handle(ConvSpec::make(24, co, 5, 3, 1, 1, 1, 1, true));
    CHECK(check.stats().disk_rejects == 0);
    CHECK(check.stats().disk_hits == objects);
  }
  fs::remove_all(dir);
}

TEST_CASE("LUCID_JIT_MODE accepts tiered and sync and names the rule otherwise") {
  ::setenv("LUCID_JIT_MODE", "sync", 1);
  CHECK(JitOptions::from_environment().mode == JitMode::Sync);
  ::setenv("LUCID_JIT_MODE", "tiered", 1);
  CHECK(JitOptions::from_environment().mode == JitMode::Tiered);
  ::setenv("LUCID_JIT_MODE", "fast", 1);
  CHECK_THROWS_WITH_AS(JitOptions::from_environment(), doctest::Contains("LUCID_JIT_MODE is 'fast'"),
                       lucid::Error);
  ::unsetenv("LUCID_JIT_MODE");
}
