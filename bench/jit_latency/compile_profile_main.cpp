// lucid-compile-profile: where the specialised compile of each suite config spends its time.
// Per config and pass: this thread's CPU milliseconds in the lowering, the optimisation
// pipeline and instruction selection + emission, and the bytes of machine code; per config,
// the sum over passes and the compile's wall-clock lower bound on T threads (the passes
// dealt in kCompileOrder, as compile_kernel_objects does). Repeats each compile and keeps the
// median, so a busy machine moves the figures little.
//
//   lucid-compile-profile [--suite=FILE] [--repeats=N] [--threads=T] [--only=NAME]
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "command_line.h"
#include "host_info.h"
#include "kernel_compiler.h"
#include "lower.h"
#include "lucid/schedule.h"
#include "suite_file.h"
#include "target.h"
#include "tier0/tier0_kernels.h"

namespace {

struct StageTimes {
  double lower = 0, optimize = 0, codegen = 0;
  std::uint64_t code_bytes = 0;
  double total() const { return lower + optimize + codegen; }
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

StageTimes profile(const lucid::jit::CompileRequest& request, lucid::ir::Pass pass, int repeats) {
  std::vector<double> lower, optimize, codegen;
  StageTimes t;
  for (int r = 0; r < repeats; ++r) {
    auto c = lucid::jit::compile_pass(request, pass);
    lower.push_back(c.lower_ms);
    optimize.push_back(c.optimize_ms);
    codegen.push_back(c.codegen_ms);
    t.code_bytes = lucid::jit::text_bytes(c.object);
  }
  t.lower = median(lower);
  t.optimize = median(optimize);
  t.codegen = median(codegen);
  return t;
}

// List scheduling of the passes' times on `threads` workers, in the order given (the
// engine's, kCompileOrder): each pass goes to the first worker free. The makespan.
double makespan(const std::vector<double>& times, int threads) {
  std::vector<double> load(std::max(threads, 1), 0.0);
  for (double t : times) *std::min_element(load.begin(), load.end()) += t;
  return *std::max_element(load.begin(), load.end());
}

}  // namespace

int main(int argc, char** argv) {
  // Arguments (CLI11); a usage error exits 2, as before.
  std::string suite = lucid::bench::default_suite_path(), only;
  int repeats = 3, threads = 2;
  CLI::App app("", "lucid-compile-profile");
  lucid::cli::use_synopsis(
      app, "usage: lucid-compile-profile [--suite=FILE] [--repeats=N] [--threads=T] [--only=NAME]\n",
      "CPU time of each compile stage per suite config and pass, and the T-thread lower bound.\n"
      "Exit codes: 0 done, 1 a runtime error, 2 bad usage.");
  // As before CLI11, a repeated option takes its last value.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--suite", suite, "the suite file")->type_name("FILE")->capture_default_str();
  app.add_option("--repeats", repeats, "compiles per pass; the median is kept (default 3)")
      ->type_name("N");
  app.add_option("--threads", threads, "threads of the lower bound (default 2)")->type_name("T");
  app.add_option("--only", only, "profile only this suite config")->type_name("NAME");
  try {
    if (!lucid::cli::parse(app, argc, argv)) {
      std::cout << app.help();
      return 0;
    }
  } catch (const lucid::cli::UsageError& e) {
    std::cerr << "lucid-compile-profile: " << e.what() << "\n" << lucid::cli::usage_hint(app);
    return 2;
  }
  repeats = std::max(1, repeats);  // as before: fewer than one means one
  threads = std::max(1, threads);
  try {
    const auto& target = lucid::jit::host_target();
    lucid::jit::compile_warm_up(target);  // LLVM's one-time tables, not any config's cost
    fmt::print("{:<14} {:<15} {:>8} {:>9} {:>8} {:>8} {:>8}\n", "config", "pass", "lower", "optimize",
               "codegen", "total", "bytes");
    std::vector<double> sums, walls;
    const lucid::jit::HostInfo host = lucid::jit::host_info();
    for (const auto& config : lucid::bench::load_suite(suite)) {
      if (!only.empty() && config.name != only) continue;
      lucid::jit::CompileRequest request{config.spec, lucid::jit::default_schedule(config.spec, host),
                                         "", target, {}};
      request.schedule = request.schedule.normalized_for(config.spec);
      request.prefix = lucid::jit::symbol_prefix(config.spec, request.schedule);
      // As the engine compiles it: calling the library's packing routine where it has one.
      request.call_pack_rows =
          lucid::tier0::pack_rows_as_lanes_routine(config.spec.dtype, request.schedule.vector_width) != nullptr;
      std::vector<double> totals;
      for (auto pass : lucid::ir::kAllPasses) {
        const StageTimes t = profile(request, pass, repeats);
        totals.push_back(t.total());
        fmt::print("{:<14} {:<15} {:8.1f} {:9.1f} {:8.1f} {:8.1f} {:8}\n", config.name,
                   lucid::ir::pass_name(pass), t.lower, t.optimize, t.codegen, t.total(), t.code_bytes);
      }
      double sum = 0;
      for (double t : totals) sum += t;
      sums.push_back(sum);
      std::vector<double> dealt;  // totals is in kAllPasses order, which Pass's values index
      for (auto pass : lucid::jit::kCompileOrder) dealt.push_back(totals[static_cast<std::size_t>(pass)]);
      walls.push_back(makespan(dealt, threads));
      fmt::print("{:<14} {:<15} {:>8} {:>9} {:>8} {:8.1f}   (on {} threads >= {:.1f} ms)\n", config.name,
                 "all", "", "", "", sum, threads, walls.back());
    }
    if (!sums.empty())
      fmt::print("median over configs: {:.1f} ms CPU, >= {:.1f} ms on {} threads\n", median(sums),
                 median(walls), threads);
  } catch (const std::exception& e) {
    std::cerr << "lucid-compile-profile: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
