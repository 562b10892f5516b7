// parse_benchmark_command_line: CLI11 keeps what it does not know; Google Benchmark gets it.
#include "benchmark_command_line.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <iostream>

namespace lucid::bench {

std::vector<std::string> parse_benchmark_command_line(CLI::App& app, int argc, char** argv) {
  std::vector<std::string> kept;
  try {
    if (lucid::cli::parse(app, argc, argv, lucid::cli::Unrecognised::keep, &kept)) return kept;
  } catch (const lucid::cli::UsageError& e) {
    std::cerr << app.get_name() << ": " << e.what() << "\n" << lucid::cli::usage_hint(app);
    std::exit(1);
  }
  std::cout << app.help() << "\nGoogle Benchmark's flags, passed through:\n" << std::flush;
  std::vector<std::string> help = {argc > 0 ? argv[0] : app.get_name(), "--help"};
  initialize_benchmark(help);  // prints its flags and exits 0
  std::exit(0);
}

bool initialize_benchmark(std::vector<std::string> args) {
  // Google Benchmark keeps argv[0] and prints it later as the JSON context's "executable":
  // the strings must outlive this call (a local copy left a dangling pointer there, and
  // bytes of garbage in the JSON that perf_table.py then refused).
  static std::vector<std::string> kept;
  static std::vector<char*> argv;
  kept = std::move(args);
  argv = lucid::cli::as_argv(kept);
  int argc = static_cast<int>(kept.size());
  benchmark::Initialize(&argc, argv.data());
  return !benchmark::ReportUnrecognizedArguments(argc, argv.data());
}

}  // namespace lucid::bench
