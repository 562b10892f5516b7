// tune_spec: the search for one spec within a time budget. The default schedule is measured
// first; then, per vector width, each pass's knobs are searched independently: the passes are
// separate kernels, so one compiled candidate carries a new setting for each pass and the
// three are judged separately (compiling is what the budget mostly buys). Every pass of a
// candidate is checked against the reference and only then timed (warm-up + median). The
// winner is compiled once more, checked on every pass and timed against the default in
// alternating rounds; a pass whose new knobs are not confirmed faster (confirmation.h) keeps
// the default's.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "lucid/jit_engine.h"
#include "lucid/schedule.h"
#include "suite_file.h"

namespace lucid::tune {

struct TuneOptions {
  double budget_seconds = 20;  // search time for this spec (the default and the final check
                               // are measured even past it)
  int threads = 1;             // threads per measured call
  bool progress = true;        // progress bar on stderr
};

struct TuneResult {
  bool ok = false;          // false: even the default schedule failed (see errors)
  Schedule base;            // the default heuristic's schedule
  Schedule best;            // the winner (== base when nothing beat it)
  std::array<double, 3> base_seconds{};  // per pass (bench::Pass order), median per call
  std::array<double, 3> best_seconds{};
  double default_gflops = 0;  // over the three passes: 3 * flops / sum of seconds
  double gflops = 0;
  int measured = 0;         // candidate passes checked and timed
  int rejected = 0;         // candidate passes compiled but wrong (never timed)
  int failed = 0;           // not compiled (the generator refused the schedule)
  std::vector<std::string> errors;  // the first few rejection / failure messages
};

TuneResult tune_spec(const bench::SuiteConfig& target, JitEngine& engine, const TuneOptions& options);

}  // namespace lucid::tune
