// register_suite_benchmarks: builds, for each benchmark, the one call that is timed.
//
// Every implementation gets the same buffers (NCL data, PyTorch weight order), one untimed
// warm-up call (JIT compile, page faults, OpenMP thread start), and wall-clock timing
// (UseRealTime), since a 2-thread call's CPU time on the calling thread says nothing.
#include "suite_benchmarks.h"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

#include "lucid/error.h"
#include "lucid/jit_engine.h"
#include "lucid/tuning_database.h"
#include "pass_runner.h"
#include "pass_traffic.h"
#include "reference_output.h"
#include "tier0/tier0_kernels.h"

#ifdef LUCID_BENCH_HAVE_ONEDNN
#include "onednn_best.h"
#include "onednn_deconv.h"
#endif

namespace lucid::bench {

namespace {

// lucid_prepacked: the default schedule with its weights packed once before timing (as an
// inference caller with fixed weights can, and as onednn_best reorders its weights once);
// forward and backward-data only, the passes that pack weights.
enum class Impl { Lucid, LucidTuned, LucidPrepacked, LucidTier0, Reference, OnednnPlain, OnednnBest };

constexpr const char* impl_name(Impl impl) {
  switch (impl) {
    case Impl::Lucid: return "lucid";
    case Impl::LucidTuned: return "lucid_tuned";
    case Impl::LucidPrepacked: return "lucid_prepacked";
    case Impl::LucidTier0: return "lucid_tier0";
    case Impl::Reference: return "reference";
    case Impl::OnednnPlain: return "onednn_plain";
    case Impl::OnednnBest: return "onednn_best";
  }
  return "?";
}

// A wrong result's speed means nothing: past this, a --check run reports an error instead.
constexpr double kCheckTolerance = 1e-3;

struct Case {
  SuiteConfig config;
  Pass pass;
  Impl impl;
  int threads;
  std::optional<Schedule> schedule;  // lucid_tuned's; lucid uses the default heuristic
  double peak_gflops_per_core;       // in the config's dtype
  double stream_gbs;                 // STREAM triad at this thread count; 0 if not measured
  bool check;
};

// The reference output of the last (config, pass) checked: benchmarks run in registration
// order, so each is computed once and reused by every implementation of that pass.
const std::vector<double>& cached_reference(const Case& c, const ProblemData& data) {
  static std::string key;
  static std::vector<double> output;
  const std::string wanted = c.config.name + "/" + std::string(pass_name(c.pass));
  if (key != wanted) {
    output = reference_output(c.pass, data);
    key = wanted;
  }
  return output;
}

// The timed call of c on data, a label saying what ran (schedule or oneDNN kernel), and
// how to bring the output into data's plain buffers for checking; onednn_best also leaves
// each candidate's time in counters. Throws when the implementation cannot run this case.
std::function<void()> prepare(const Case& c, ProblemData& data, std::string& label,
                              std::function<void()>& output_to_user,
                              benchmark::UserCounters& counters) {
  output_to_user = [] {};
  switch (c.impl) {
    case Impl::Lucid:
    case Impl::LucidTuned:
    case Impl::LucidPrepacked: {
      JitEngine& engine = JitEngine::global();
      const Schedule schedule =
          c.schedule ? *c.schedule : engine.default_schedule(c.config.spec);
      std::shared_ptr<const KernelSet> kernels = engine.kernels(c.config.spec, schedule);
      auto runner = std::make_shared<PassRunner>(c.threads);
      label = kernels->schedule.key();
      if (c.impl == Impl::LucidPrepacked) {
        if (int status = runner->pack_weights(*kernels, c.pass, data); status != 0)
          throw Error(fmt::format("packing the weights returned status {}", status));
        const int64_t bytes =
            c.pass == Pass::Forward ? kernels->forward_packed_bytes : kernels->backward_data_packed_bytes;
        label += bytes > 0 ? fmt::format(" packed {:.1f} KiB", static_cast<double>(bytes) / 1024) : " (nothing to pack)";
      }
      if (int status = runner->run(*kernels, c.pass, data); status != 0)
        throw Error(fmt::format("kernel returned status {}", status));
      return [kernels, runner, &c, &data] { runner->run(*kernels, c.pass, data); };
    }
    case Impl::LucidTier0: {
      // The generic kernels a cold layer runs on while its specialised ones compile, with
      // the default schedule's work items (as the engine creates them).
      JitEngine& engine = JitEngine::global();
      const Schedule schedule = engine.default_schedule(c.config.spec);
      std::shared_ptr<const KernelSet> kernels = tier0::make_kernel_set(c.config.spec, schedule);
      auto runner = std::make_shared<PassRunner>(c.threads);
      label = "tier0 " + kernels->schedule.key();
      if (int status = runner->run(*kernels, c.pass, data); status != 0)
        throw Error(fmt::format("kernel returned status {}", status));
      return [kernels, runner, &c, &data] { runner->run(*kernels, c.pass, data); };
    }
    case Impl::Reference:
      label = "naive loops";
      return [&c, &data] { run_reference(c.pass, data); };
    case Impl::OnednnPlain: {
#ifdef LUCID_BENCH_HAVE_ONEDNN
      onednn_set_threads(c.threads);
      auto deconv = std::make_shared<OnednnDeconv>(c.pass, OnednnLayout::Plain, data);
      label = deconv->implementation();
      deconv->run();
      output_to_user = [deconv] { deconv->output_to_user(); };
      return [deconv] { deconv->run(); };
#else
      throw Error("built without oneDNN");
#endif
    }
    case Impl::OnednnBest: {
#ifdef LUCID_BENCH_HAVE_ONEDNN
      onednn_set_threads(c.threads);
      auto best = std::make_shared<OnednnBest>(c.pass, data);
      label = best->implementation();
      // Each candidate's median time from the selection, so the JSON says what was beaten.
      for (const auto& candidate : best->candidates())
        if (candidate.seconds > 0) counters["cand_us:" + candidate.name] = candidate.seconds * 1e6;
      best->run();
      output_to_user = [best] { best->output_to_user(); };
      return [best] { best->run(); };
#else
      throw Error("built without oneDNN");
#endif
    }
  }
  throw Error("unknown implementation");
}

void run_case(benchmark::State& state, const Case& c) {
  std::unique_ptr<ProblemData> data;
  std::function<void()> call;
  std::function<void()> output_to_user;
  std::string label;
  double error = 0;
  try {
    data = std::make_unique<ProblemData>(c.config.spec, c.config.batch, c.config.length);
    call = prepare(c, *data, label, output_to_user, state.counters);
    if (c.check) {
      AlignedBuffer& out = output_of(*data, c.pass);
      poison(out, c.config.spec.dtype);
      call();
      output_to_user();
      error = relative_error(cached_reference(c, *data), data->to_doubles(out));
      if (!(error <= kCheckTolerance))
        throw Error(fmt::format("{} differs from the reference by {:.3g} (relative)", label, error));
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    call();
    benchmark::ClobberMemory();
  }
  const double gflop = c.config.flops() * 1e-9;
  state.counters["GFLOPS"] = benchmark::Counter(gflop, benchmark::Counter::kIsIterationInvariantRate);
  if (c.peak_gflops_per_core > 0)
    state.counters["pct_peak"] = benchmark::Counter(
        100.0 * gflop / (c.peak_gflops_per_core * c.threads),
        benchmark::Counter::kIsIterationInvariantRate);
  const double gigabytes =
      min_pass_bytes(c.config.spec, c.pass, c.config.batch, c.config.length) * 1e-9;
  state.counters["GBps"] = benchmark::Counter(gigabytes, benchmark::Counter::kIsIterationInvariantRate);
  if (c.stream_gbs > 0)
    state.counters["pct_stream"] = benchmark::Counter(
        100.0 * gigabytes / c.stream_gbs, benchmark::Counter::kIsIterationInvariantRate);
  if (c.check) state.counters["rel_err"] = error;
  state.SetLabel(label);
}

double smallest(const std::vector<double>& values) { return *std::min_element(values.begin(), values.end()); }
double largest(const std::vector<double>& values) { return *std::max_element(values.begin(), values.end()); }

bool onednn_built() {
#ifdef LUCID_BENCH_HAVE_ONEDNN
  return true;
#else
  return false;
#endif
}

}  // namespace

int register_suite_benchmarks(const std::vector<SuiteConfig>& configs, const TuningDatabase& db,
                              const SuiteBenchOptions& options) {
  const std::string cpu = JitEngine::global().cpu_name();
  int registered = 0;
  for (Pass pass : kAllPasses) {
    for (const SuiteConfig& config : configs) {
      const std::optional<Schedule> tuned = db.find(config.spec.key(), cpu);
      for (Impl impl : {Impl::Lucid, Impl::LucidTuned, Impl::LucidPrepacked, Impl::LucidTier0,
                        Impl::Reference, Impl::OnednnPlain, Impl::OnednnBest}) {
        if (impl == Impl::LucidTuned && !tuned) continue;
        if (impl == Impl::LucidPrepacked && pass != Pass::Forward && pass != Pass::BackwardData) continue;
        if (impl == Impl::Reference && !options.reference) continue;
        if ((impl == Impl::OnednnPlain || impl == Impl::OnednnBest) && !onednn_built()) continue;
        for (int threads : options.threads) {
          if (impl == Impl::Reference && threads != 1) continue;  // serial loops
          const bool is_lucid = impl == Impl::Lucid || impl == Impl::LucidTuned ||
                                impl == Impl::LucidPrepacked || impl == Impl::LucidTier0;
          if (is_lucid && threads > 1 && !PassRunner::can_split()) continue;
          const double peak = config.spec.dtype == DType::Float64
                                  ? options.peak_fp64_gflops_per_core
                                  : options.peak_gflops_per_core;
          const auto stream = options.stream_gbs.find(threads);
          Case c{config, pass, impl, threads, impl == Impl::LucidTuned ? tuned : std::nullopt,
                 peak, stream == options.stream_gbs.end() ? 0.0 : stream->second, options.check};
          const std::string name = fmt::format("{}/{}/{}/threads:{}", pass_name(pass),
                                               config.name, impl_name(impl), threads);
          auto* b = benchmark::RegisterBenchmark(
              name.c_str(), [c](benchmark::State& state) { run_case(state, c); });
          b->UseRealTime()->Unit(benchmark::kMicrosecond);
          // With repetitions, the fastest and the slowest repetition beside the median: on a
          // shared VM the same kernel ran 15-20% apart minutes apart as the host allowed (README,
          // "Where the time goes"), so "min" (its time) and "max" (its rate counters: GFLOPS,
          // pct_peak) give each row's best repetition, scripts/perf_table.py --statistic best.
          b->ComputeStatistics("min", smallest)->ComputeStatistics("max", largest);
          if (impl == Impl::Reference) b->MinTime(options.reference_min_time);
          ++registered;
        }
      }
    }
  }
  return registered;
}

}  // namespace lucid::bench
