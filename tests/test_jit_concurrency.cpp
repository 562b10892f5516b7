// The engine and the runtime under concurrency, written for ThreadSanitizer (scripts/test.sh
// runs this suite in build-tsan) and checked for results too: many threads asking for one new
// layer at once, background compiles while a tiny memory capacity evicts sets, and a layer's
// forward and backward split over a multi-threaded pool while its tier-1 set is swapped in.
#include <doctest/doctest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "isolated_engine.h"
#include "kernel_check.h"
#include "lucid/conv_transpose1d.h"
#include "lucid/jit_engine.h"
#include "lucid/reference.h"
#include "lucid/tensor.h"
#include "lucid/thread_pool.h"

namespace fs = std::filesystem;
using namespace lucid;

namespace {

fs::path fresh_dir(const std::string& name) { return testing::fresh_dir("jit-concurrency", name); }

JitOptions tiered_options(const fs::path& dir, int delay_ms, std::size_t capacity = 256) {
  JitOptions o = testing::isolated_options(dir);
  o.mode = JitMode::Tiered;
  o.background_delay_ms = delay_ms;
  o.memory_capacity = capacity;
  return o;
}

// Starts `threads` threads running body(t) together (a spin barrier, so they race for real).
template <class Body>
void run_together(int threads, Body body) {
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < threads) std::this_thread::yield();
      body(t);
    });
  for (auto& thread : pool) thread.join();
}

// The forward pass of `set` (one call over all items) against the fp64 reference.
bool forward_matches(const KernelSet& set, int64_t batch, int64_t length, uint64_t seed) {
  const ConvSpec& s = set.spec;
  std::mt19937_64 rng(seed);
  auto x = testing::random_vector<double>(rng, static_cast<size_t>(batch * s.in_channels * length));
  auto w = testing::random_vector<double>(rng, static_cast<size_t>(s.weight_numel()));
  auto b = testing::random_vector<double>(rng, static_cast<size_t>(s.out_channels));
  std::vector<double> want(static_cast<size_t>(batch * s.out_channels * s.output_length(length)));
  reference::forward(s, x.data(), w.data(), s.bias ? b.data() : nullptr, want.data(), batch, length);
  std::vector<double> y(want.size(), -1.0);
  if (set.forward(x.data(), w.data(), s.bias ? b.data() : nullptr, y.data(), batch, length, 0,
                  set.forward_items(batch)) != 0)
    return false;
  for (size_t i = 0; i < y.size(); ++i)
    if (std::abs(y[i] - want[i]) > 1e-12 * (1.0 + std::abs(want[i]))) return false;
  return true;
}

ConvSpec f64_layer(int64_t out_channels) {
  return ConvSpec::make(12, out_channels, 5, 3, 1, 1, 1, 1, true, DType::Float64);
}

}  // namespace

TEST_CASE("eight threads asking for one new layer's handle get one handle and one compile") {
  fs::path dir = fresh_dir("handle");
  JitEngine engine(tiered_options(dir, /*delay_ms=*/20));
  const ConvSpec spec = f64_layer(10);
  std::vector<std::shared_ptr<const KernelHandle>> got(8);
  run_together(8, [&](int t) {
    got[t] = engine.handle(spec);
    CHECK(forward_matches(got[t]->current(), 1, 9, 5));  // tier 0 or tier 1, whichever serves
  });
  for (const auto& h : got) CHECK(h.get() == got[0].get());
  engine.wait_for_background();
  CHECK(got[0]->specialised());
  CHECK(forward_matches(got[0]->current(), 2, 17, 6));
  const JitStats s = engine.stats();
  CHECK(s.handles == 1);
  CHECK(s.tier0_handles == 1);
  CHECK(s.compiles == 1);
  CHECK(s.switches == 1);
  fs::remove_all(dir);
}

TEST_CASE("background compiles while a two-set capacity evicts: every handle reaches tier 1, correct") {
  fs::path dir = fresh_dir("evict");
  JitOptions options = tiered_options(dir, /*delay_ms=*/5, /*capacity=*/2);
  options.disk_cache = false;  // every set comes from the background compiler
  JitEngine engine(options);
  constexpr int kLayers = 6;
  std::vector<std::shared_ptr<const KernelHandle>> handles(3 * kLayers);
  // Three threads ask for the same six layers in different orders and call each at once,
  // while the background thread compiles, installs and the capacity evicts.
  run_together(3, [&](int t) {
    for (int i = 0; i < kLayers; ++i) {
      const int layer = (i + 2 * t) % kLayers;
      auto h = engine.handle(f64_layer(layer + 1));
      CHECK(forward_matches(h->current(), 1, 7, static_cast<uint64_t>(layer)));
      handles[static_cast<size_t>(t * kLayers + layer)] = std::move(h);
    }
  });
  engine.wait_for_background();
  for (const auto& h : handles) {
    REQUIRE(h != nullptr);
    CHECK(h->specialised());
    CHECK(forward_matches(h->current(), 2, 11, 3));
  }
  const JitStats s = engine.stats();
  CHECK(s.background_failures == 0);
  CHECK(s.evictions > 0);
  // Evicted layers asked for again are made afresh and also reach tier 1.
  auto again = engine.handle(f64_layer(1));
  engine.wait_for_background();
  CHECK(again->specialised());
  CHECK(forward_matches(again->current(), 1, 5, 4));
  fs::remove_all(dir);
}

TEST_CASE("a layer split over a four-thread pool from two callers, across its tier swap") {
  fs::path dir = fresh_dir("pool");
  JitEngine engine(tiered_options(dir, /*delay_ms=*/50));
  ThreadPool::set_global_threads(4);
  const int64_t parallel_before = ThreadPool::global().parallel_calls();
  // Big enough that each pass goes parallel (over ThreadPool::kInlineFlops).
  const ConvSpec spec = ConvSpec::make(32, 24, 6, 2, 1, 0, 1, 1, true, DType::Float64);
  auto handle = engine.handle(spec);
  // Each caller's own tensors and reference results, made before the threads start.
  struct Caller {
    Tensor x, w, b;
    std::vector<double> want_y, want_gx;
  };
  std::vector<Caller> callers(2);
  const int64_t batch = 3, length = 40;
  for (Caller& c : callers) {
    c.x = Tensor::randn({batch, 32, length}, true, DType::Float64);
    c.w = Tensor::randn({32, 24, 6}, true, DType::Float64);
    c.b = Tensor::randn({24}, true, DType::Float64);
    const auto xv = c.x.to_vector(), wv = c.w.to_vector(), bv = c.b.to_vector();
    c.want_y.resize(static_cast<size_t>(batch * 24 * spec.output_length(length)));
    reference::forward(spec, xv.data(), wv.data(), bv.data(), c.want_y.data(), batch, length);
    const std::vector<double> ones(c.want_y.size(), 1.0);
    c.want_gx.resize(xv.size());
    reference::backward_data(spec, ones.data(), wv.data(), c.want_gx.data(), batch, length);
  }
  std::atomic<bool> saw_tier0{false}, saw_tier1{false};
  run_together(2, [&](int t) {
    Caller& c = callers[static_cast<size_t>(t)];
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    for (int call = 0; std::chrono::steady_clock::now() < until; ++call) {
      const bool tier1 = handle->specialised();
      (tier1 ? saw_tier1 : saw_tier0) = true;
      c.x.zero_grad();
      Tensor y = conv_transpose1d(c.x, c.w, c.b, handle);
      y.backward();
      const auto yv = y.to_vector(), gx = c.x.grad().to_vector();
      bool same = yv.size() == c.want_y.size() && gx.size() == c.want_gx.size();
      for (size_t i = 0; same && i < yv.size(); ++i) same = std::abs(yv[i] - c.want_y[i]) <= 1e-12 * (1 + std::abs(c.want_y[i]));
      for (size_t i = 0; same && i < gx.size(); ++i) same = std::abs(gx[i] - c.want_gx[i]) <= 1e-12 * (1 + std::abs(c.want_gx[i]));
      CHECK_MESSAGE(same, "call ", call, " on tier ", tier1 ? 1 : 0);
      if (!same || (tier1 && call >= 3)) break;
      // Leave the cores some idle time: the compile runs at nice 10 and would otherwise wait
      // for both callers and the pool (and the other ctest job) for a long time under a sanitizer.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  CHECK(saw_tier1);
  CHECK(ThreadPool::global().parallel_calls() > parallel_before);
  MESSAGE("calls on tier 0 seen: ", saw_tier0.load());
  ThreadPool::set_global_threads(ThreadPool::default_threads());
  fs::remove_all(dir);
}
