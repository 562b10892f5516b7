// register_suite_benchmarks: one Google Benchmark per (pass, config, implementation, threads),
// named `<pass>/<config>/<impl>/threads:<n>`, each reporting GFLOPS, pct_peak, GBps (the
// pass's minimal bytes over its time) and pct_stream.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "suite_file.h"

namespace lucid {
class TuningDatabase;
}

namespace lucid::bench {

struct SuiteBenchOptions {
  std::vector<int> threads = {1, 2};
  double peak_gflops_per_core = 0;       // fp32: pct_peak's denominator is threads * this
  double peak_fp64_gflops_per_core = 0;  // the same for float64 layers
  std::map<int, double> stream_gbs;      // thread count -> STREAM triad GB/s (pct_stream)
  double reference_min_time = 0.05;  // seconds; the naive loops need no more to be measured
  bool reference = true;             // time the reference loops at all
  // Before timing, compare each implementation's output with the reference loops (in double):
  // reports rel_err, and a result off by more than 1e-3 turns the benchmark into an error.
  bool check = false;
};

// Registers every benchmark and returns how many. Implementations: lucid (the default
// heuristic schedule), lucid_tuned (only where db has an entry for the config on this CPU),
// lucid_tier0 (the generic kernels of jit/tier0 with the default schedule's work items),
// reference (1 thread only: the loops are serial), and onednn_plain / onednn_best when built
// with oneDNN (onednn_best: the fastest of several oneDNN set-ups, see onednn_best.h). Kernels are compiled and buffers allocated when a benchmark runs, so a
// --benchmark_filter run pays only for what it selects.
int register_suite_benchmarks(const std::vector<SuiteConfig>& configs, const TuningDatabase& db,
                              const SuiteBenchOptions& options);

}  // namespace lucid::bench
