// lucid-bench: times every layer of the benchmark suite, every pass, against the reference
// loops and oneDNN, with 1 and 2 threads.
//
//   lucid-bench [--suite=FILE] [--tuning_db=FILE] [--threads=1,2] [--reference_min_time=SEC]
//               [--no_reference] [--check] [Google Benchmark flags, e.g. --benchmark_format=json]
//
// --check first compares every implementation's output with the reference loops (rel_err
// counter; a wrong result becomes an error rather than a speed).
//
// Context values in the output: the measured single-core FMA peak at the JIT's vector width
// in fp32 and fp64 (pct_peak's denominator), the STREAM triad bandwidth per thread count
// (pct_stream's), the host's caches and vector registers (jit/host_info.h), the CPU the JIT
// targets, the oneDNN version and how threads were set for each library.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "benchmark_command_line.h"
#include "clean_name_reporter.h"
#include "fma_peak.h"
#include "host_info.h"
#include "lucid/jit_engine.h"
#include "lucid/tuning_database.h"
#include "stream_triad.h"
#include "suite_benchmarks.h"
#include "suite_file.h"

#ifdef LUCID_BENCH_HAVE_ONEDNN
#include "onednn_deconv.h"
#endif

namespace {

struct Flags {
  std::string suite = lucid::bench::default_suite_path();
  std::string tuning_db;  // empty: the engine's (LUCID_TUNING_DB or beside the cache)
  std::string format = "console";
  std::string out;
  std::string out_format = "json";
  lucid::bench::SuiteBenchOptions options;
};

// Value of --name=value when arg is that flag (Google Benchmark's, read here as well).
bool flag_value(const std::string& arg, const char* name, std::string& value) {
  const std::string prefix = std::string(name) + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  value = arg.substr(prefix.size());
  return true;
}

std::vector<int> parse_threads(const std::string& text) {
  std::vector<int> threads;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = std::min(text.find(',', pos), text.size());
    const int n = std::atoi(text.substr(pos, comma - pos).c_str());
    if (n < 1) throw std::invalid_argument("--threads wants a list like 1,2");
    threads.push_back(n);
    pos = comma + 1;
  }
  return threads;
}

// Our flags through CLI11; Google Benchmark's are returned for benchmark::Initialize, and its
// output options are read here too, for the reporters.
Flags parse_flags(int argc, char** argv, std::vector<std::string>& benchmark_args) {
  Flags f;
  std::string threads;
  CLI::App app("", "lucid-bench");
  lucid::cli::use_synopsis(
      app,
      "usage: lucid-bench [--suite=FILE] [--tuning_db=FILE] [--threads=1,2] "
      "[--reference_min_time=SEC]\n"
      "                   [--no_reference] [--check] [Google Benchmark flags, e.g. "
      "--benchmark_format=json]\n",
      "Times every layer of the benchmark suite, every pass, against the reference loops and "
      "oneDNN.\nExit codes: 0 done, 1 bad usage or a runtime error.");
  // As before CLI11, a repeated option takes its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--suite", f.suite, "the suite file")->type_name("FILE")->capture_default_str();
  app.add_option("--tuning_db", f.tuning_db,
                 "tuning database (default: the engine's, $LUCID_TUNING_DB or beside the cache)")
      ->type_name("FILE");
  app.add_option("--threads", threads, "thread counts to time (default 1,2)")->type_name("N,N");
  app.add_option("--reference_min_time", f.options.reference_min_time,
                 "minimum seconds of each reference-loop timing")
      ->type_name("SEC")->capture_default_str();
  bool no_reference = false;
  app.add_flag("--no_reference", no_reference, "leave out the reference loops");
  app.add_flag("--check", f.options.check,
               "first compare every implementation's output with the reference loops");
  benchmark_args = lucid::bench::parse_benchmark_command_line(app, argc, argv);
  if (!threads.empty()) f.options.threads = parse_threads(threads);
  if (no_reference) f.options.reference = false;
  for (const std::string& arg : benchmark_args) {
    flag_value(arg, "--benchmark_format", f.format);
    flag_value(arg, "--benchmark_out", f.out);
    flag_value(arg, "--benchmark_out_format", f.out_format);
  }
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // 1. Our own flags, then Google Benchmark's.
    std::vector<std::string> benchmark_args;
    Flags flags = parse_flags(argc, argv, benchmark_args);
    if (!lucid::bench::initialize_benchmark(benchmark_args)) return 1;

    // 2. The machine's limits, measured before anything else runs: the FMA peak at the width
    //    the JIT generates for, and the STREAM triad bandwidth at each thread count in use.
    lucid::JitEngine& engine = lucid::JitEngine::global();
    const lucid::bench::FmaPeak peak = lucid::bench::measure_fma_peak(engine.vector_bits());
    flags.options.peak_gflops_per_core = peak.fp32_gflops;
    flags.options.peak_fp64_gflops_per_core = peak.fp64_gflops;
    benchmark::AddCustomContext("fma_peak_gflops_per_core", fmt::format("{:.1f}", peak.fp32_gflops));
    benchmark::AddCustomContext("fma_peak_fp64_gflops_per_core", fmt::format("{:.1f}", peak.fp64_gflops));
    benchmark::AddCustomContext("fma_peak_isa", fmt::format("{} ({}-bit)", peak.isa, peak.vector_bits));
    const int64_t stream_bytes = lucid::bench::stream_array_bytes();
    for (int threads : flags.options.threads) {
      const auto triad = lucid::bench::measure_stream_triad(threads, stream_bytes);
      flags.options.stream_gbs[threads] = triad.gbs;
      benchmark::AddCustomContext(fmt::format("stream_triad_gbs_threads{}", threads),
                                  fmt::format("{:.1f}", triad.gbs));
    }
    benchmark::AddCustomContext("stream_triad_array_mib", std::to_string(stream_bytes >> 20));
    const lucid::jit::HostInfo host = lucid::jit::host_info();
    benchmark::AddCustomContext("host_info", lucid::jit::describe(host));
    benchmark::AddCustomContext("host_l1d_kib", std::to_string(host.caches.l1d_bytes >> 10));
    benchmark::AddCustomContext("host_l2_kib", std::to_string(host.caches.l2_bytes >> 10));
    benchmark::AddCustomContext("host_l3_kib", std::to_string(host.caches.l3_bytes >> 10));
    benchmark::AddCustomContext("host_cache_source", host.caches.source);
    benchmark::AddCustomContext("host_vector_registers", std::to_string(host.vector_registers));

    // 3. The suite and the tuning database.
    const auto configs = lucid::bench::load_suite(flags.suite);
    const std::string db_path = flags.tuning_db.empty() ? engine.options().tuning_db : flags.tuning_db;
    std::string warning;
    const auto db = lucid::TuningDatabase::load(db_path, &warning);
    if (!warning.empty()) std::cerr << warning << "\n";
    benchmark::AddCustomContext("suite", flags.suite);
    benchmark::AddCustomContext("tuning_db", fmt::format("{} ({} entries)", db_path, db.size()));
    benchmark::AddCustomContext("lucid_cpu", engine.cpu_name());
    benchmark::AddCustomContext("lucid_vector_bits", std::to_string(engine.vector_bits()));
    benchmark::AddCustomContext(
        "lucid_threading", "runtime ThreadPool sized per benchmark; threads:1 calls inline");
#ifdef LUCID_BENCH_HAVE_ONEDNN
    benchmark::AddCustomContext("onednn", lucid::bench::onednn_version());
    benchmark::AddCustomContext("onednn_threading", "omp_set_num_threads(n) before each benchmark");
    benchmark::AddCustomContext(
        "onednn_best", "fastest of: layouts any/plain; forward inference/training, bias in the "
                       "deconvolution or a binary add after it (cand_us:* counters)");
#else
    benchmark::AddCustomContext("onednn", "not built (oneDNN not found at configure time)");
#endif

    // 4. Register, then let Google Benchmark run with names kept to <pass>/<config>/<impl>/threads:<n>.
    lucid::bench::register_suite_benchmarks(configs, db, flags.options);
    auto display = lucid::bench::CleanNameReporter::for_format(flags.format, ::isatty(1) != 0);
    std::unique_ptr<lucid::bench::CleanNameReporter> file;
    if (!flags.out.empty()) file = lucid::bench::CleanNameReporter::for_format(flags.out_format, false);
    benchmark::RunSpecifiedBenchmarks(display.get(), file.get());
    benchmark::Shutdown();
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "lucid-bench: " << e.what() << "\n";
    return 1;
  }
}
