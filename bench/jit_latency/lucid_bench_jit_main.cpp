// lucid-bench-jit: what the JIT costs before and around the kernels, per suite config.
//
//   jit_compile/<config>      cold compile of the four kernels: a fresh engine with the disk
//                             cache off, already started (LLJIT and host detection paid on an
//                             unrelated spec), then kernels(spec) is timed
//   jit_engine_start          a fresh engine's first kernels(seed_toy): start-up + compile
//   jit_disk_load/<config>    a fresh engine over a warm cache folder: kernels(spec) is timed
//   jit_memory_hit/<config>   the same engine asked again
//   call/<config>/forward     one forward call of seed_toy / seed_decoder through the C ABI
//   first_call/<config>       what a new layer costs in tiered mode, from a fresh engine over
//                             an empty cache folder, 1 thread, counters in ms from the
//                             handle() request: first_forward_ms (a), first_backward_ms (b:
//                             forward then backward-data, -weight and -bias), tier1_ms (c: the
//                             specialised set installed), and the forward GFLOP/s of tier 0
//                             (first call) and tier 1 (the median of 5 calls after the swap)
//
// The compile, start and disk benchmarks time only the step they name (manual time) and
// report the median, min and max of their iterations in milliseconds.
//
//   lucid-bench-jit [--suite=FILE] [Google Benchmark flags]
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "benchmark_command_line.h"
#include "lucid/jit_engine.h"
#include "problem_data.h"
#include "suite_file.h"

namespace {

using Clock = std::chrono::steady_clock;
using lucid::ConvSpec;
using lucid::JitEngine;
using lucid::JitOptions;
using lucid::Schedule;

// A private cache folder for this process, removed at exit.
const std::string& scratch_dir() {
  static const std::string dir = [] {
    char pattern[] = "/tmp/lucid-bench-jit-XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("cannot create a temporary folder");
    return std::string(made);
  }();
  return dir;
}

// A fresh engine: environment options (LUCID_VERBOSE, LUCID_JIT_DUMP still apply) with our
// own cache folder, and a tuning database that does not exist.
std::unique_ptr<JitEngine> fresh_engine(const std::string& cache_dir, bool disk_cache) {
  JitOptions options = JitOptions::from_environment();
  options.cache_dir = cache_dir;
  options.disk_cache = disk_cache;
  options.tuning_db = scratch_dir() + "/no-tuning.json";
  return std::make_unique<JitEngine>(options);
}

std::shared_ptr<const lucid::KernelSet> default_kernels(JitEngine& engine, const ConvSpec& spec) {
  return engine.kernels(spec, engine.default_schedule(spec));
}

// A spec no suite config uses, to start an engine without touching the one measured.
ConvSpec warm_up_spec() { return ConvSpec::make(3, 5, 7, 2, 1); }

// Runs timed_step once per iteration, after untimed set_up; reports the step's time as the
// iteration time and the median / min / max as counters.
void time_steps(benchmark::State& state, const std::function<void()>& set_up,
                const std::function<void()>& timed_step) {
  std::vector<double> ms;
  for (auto _ : state) {
    set_up();
    const auto t0 = Clock::now();
    timed_step();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    state.SetIterationTime(s);
    ms.push_back(s * 1e3);
  }
  if (ms.empty()) return;
  std::sort(ms.begin(), ms.end());
  state.counters["median_ms"] = ms[ms.size() / 2];
  state.counters["min_ms"] = ms.front();
  state.counters["max_ms"] = ms.back();
}

void bench_compile(benchmark::State& state, const lucid::bench::SuiteConfig& config) {
  std::unique_ptr<JitEngine> engine;
  std::uint64_t code_bytes = 0;
  try {
    time_steps(
        state,
        [&] {
          engine = fresh_engine(scratch_dir() + "/unused", /*disk_cache=*/false);
          default_kernels(*engine, warm_up_spec());
        },
        [&] { code_bytes = default_kernels(*engine, config.spec)->code_bytes; });
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  state.counters["code_bytes"] = static_cast<double>(code_bytes);
}

void bench_engine_start(benchmark::State& state, const ConvSpec& spec) {
  std::unique_ptr<JitEngine> engine;
  try {
    time_steps(
        state, [&] { engine.reset(); },
        [&] {
          engine = fresh_engine(scratch_dir() + "/unused", false);
          default_kernels(*engine, spec);
        });
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

void bench_disk_load(benchmark::State& state, const lucid::bench::SuiteConfig& config) {
  const std::string dir = scratch_dir() + "/disk-" + config.name;
  std::unique_ptr<JitEngine> engine;
  try {
    default_kernels(*fresh_engine(dir, true), config.spec);  // fills the cache folder
    std::string source;
    time_steps(
        state,
        [&] {
          engine = fresh_engine(dir, true);
          default_kernels(*engine, warm_up_spec());
        },
        [&] { source = default_kernels(*engine, config.spec)->source; });
    if (source != "disk") state.SkipWithError(("kernels came from '" + source + "', not the disk cache").c_str());
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

void bench_memory_hit(benchmark::State& state, const lucid::bench::SuiteConfig& config) {
  try {
    auto engine = fresh_engine(scratch_dir() + "/unused", false);
    default_kernels(*engine, config.spec);
    for (auto _ : state) benchmark::DoNotOptimize(default_kernels(*engine, config.spec));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

// The runs of bench_first_call, summarised as median / max counters over its iterations.
void report(benchmark::State& state, const std::string& name, std::vector<double> values) {
  if (values.empty()) return;
  std::sort(values.begin(), values.end());
  state.counters[name] = values[values.size() / 2];
  state.counters[name + "_max"] = values.back();
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

void bench_first_call(benchmark::State& state, const lucid::bench::SuiteConfig& config) {
  lucid::bench::ProblemData d(config.spec, config.batch, config.length);
  const double gflop = config.spec.flops(d.batch, d.length) / 1e9;
  std::vector<double> forward_ms, backward_ms, tier1_ms, tier0_gflops, tier1_gflops;
  int iteration = 0;
  try {
    for (auto _ : state) {
      const std::string dir = scratch_dir() + "/first-" + config.name + "-" + std::to_string(iteration++);
      JitOptions options = JitOptions::from_environment();
      options.cache_dir = dir;
      options.tuning_db = scratch_dir() + "/no-tuning.json";
      options.mode = lucid::JitMode::Tiered;
      JitEngine engine(options);
      const auto t0 = Clock::now();
      auto handle = engine.handle(config.spec);
      const lucid::KernelSet& first = handle->current();
      const auto f0 = Clock::now();
      first.forward(d.x.data(), d.weight.data(), d.bias_or_null(), d.y.data(), d.batch, d.length, 0,
                    first.forward_items(d.batch));
      const auto t1 = Clock::now();
      const lucid::KernelSet& k = handle->current();
      k.backward_data(d.grad_y.data(), d.weight.data(), d.grad_x.data(), d.batch, d.length, 0,
                      k.backward_data_items(d.batch));
      k.backward_weight(d.x.data(), d.grad_y.data(), d.grad_weight.data(), d.batch, d.length, 0,
                        k.backward_weight_items());
      k.backward_bias(d.grad_y.data(), d.grad_bias.data(), d.batch, d.length, 0, k.backward_bias_items());
      const auto t2 = Clock::now();
      engine.wait_for_background();
      const auto t3 = Clock::now();
      state.SetIterationTime(std::chrono::duration<double>(t1 - t0).count());
      forward_ms.push_back(ms_between(t0, t1));
      backward_ms.push_back(ms_between(t0, t2));
      tier1_ms.push_back(handle->specialised() ? ms_between(t0, t3) : -1.0);
      if (first.tier == 0) tier0_gflops.push_back(gflop / (ms_between(f0, t1) / 1e3));
      const lucid::KernelSet& now = handle->current();
      std::vector<double> call_ms;
      for (int i = 0; i < 5; ++i) {
        const auto c0 = Clock::now();
        now.forward(d.x.data(), d.weight.data(), d.bias_or_null(), d.y.data(), d.batch, d.length, 0,
                    now.forward_items(d.batch));
        call_ms.push_back(ms_between(c0, Clock::now()));
      }
      std::sort(call_ms.begin(), call_ms.end());
      tier1_gflops.push_back(gflop / (call_ms[2] / 1e3));
      std::filesystem::remove_all(dir);
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  report(state, "first_forward_ms", forward_ms);
  report(state, "first_backward_ms", backward_ms);
  report(state, "tier1_ms", tier1_ms);
  report(state, "tier0_gflops", tier0_gflops);
  report(state, "tier1_gflops", tier1_gflops);
}

// One forward call, whole item range, from the caller's thread: the ABI's fixed cost.
void bench_forward_call(benchmark::State& state, const lucid::bench::SuiteConfig& config) {
  std::shared_ptr<const lucid::KernelSet> k;
  try {
    k = default_kernels(JitEngine::global(), config.spec);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  lucid::bench::ProblemData d(config.spec, config.batch, config.length);
  const int64_t items = k->forward_items(d.batch);
  for (auto _ : state) {
    k->forward(d.x.data(), d.weight.data(), d.bias_or_null(), d.y.data(), d.batch, d.length, 0, items);
    benchmark::ClobberMemory();
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Our one flag through CLI11; the rest is Google Benchmark's.
  std::string suite = lucid::bench::default_suite_path();
  CLI::App app("", "lucid-bench-jit");
  lucid::cli::use_synopsis(app, "usage: lucid-bench-jit [--suite=FILE] [Google Benchmark flags]\n",
                           "What the JIT costs before and around the kernels, per suite config.\n"
                           "Exit codes: 0 done, 1 bad usage or a runtime error.");
  app.add_option("--suite", suite, "the suite file")
      ->type_name("FILE")->capture_default_str()
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  const std::vector<std::string> benchmark_args =
      lucid::bench::parse_benchmark_command_line(app, argc, argv);
  try {
    // Flags first, as lucid-bench does: a bad flag is reported as such, even when the suite
    // file is missing too.
    if (!lucid::bench::initialize_benchmark(benchmark_args)) return 1;
    const auto configs = lucid::bench::load_suite(suite);
    benchmark::AddCustomContext("suite", suite);
    benchmark::AddCustomContext("lucid_cpu", JitEngine::global().cpu_name());
    benchmark::RegisterBenchmark("jit_engine_start", bench_engine_start, configs.front().spec)
        ->UseManualTime()->Unit(benchmark::kMillisecond);
    for (const auto& c : configs)
      benchmark::RegisterBenchmark(("jit_compile/" + c.name).c_str(), bench_compile, c)
          ->UseManualTime()->Unit(benchmark::kMillisecond);
    for (const auto& c : configs)
      benchmark::RegisterBenchmark(("first_call/" + c.name).c_str(), bench_first_call, c)
          ->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
    for (const auto& c : configs)
      benchmark::RegisterBenchmark(("jit_disk_load/" + c.name).c_str(), bench_disk_load, c)
          ->UseManualTime()->Unit(benchmark::kMicrosecond);
    for (const auto& c : configs)
      benchmark::RegisterBenchmark(("jit_memory_hit/" + c.name).c_str(), bench_memory_hit, c)
          ->Unit(benchmark::kNanosecond);
    for (const auto& c : configs)
      if (c.name == "seed_toy" || c.name == "seed_decoder")
        benchmark::RegisterBenchmark(("call/" + c.name + "/forward").c_str(), bench_forward_call, c)
            ->Unit(benchmark::kNanosecond);

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
  } catch (const std::exception& e) {
    std::cerr << "lucid-bench-jit: " << e.what() << "\n";
    std::filesystem::remove_all(scratch_dir());
    return 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(scratch_dir(), ec);
  return 0;
}
