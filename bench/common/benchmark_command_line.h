// The command line of the Google Benchmark drivers (lucid-bench, lucid-bench-jit): our own
// options through CLI11 (tools/common/command_line.h), every other argument handed on to
// benchmark::Initialize, so --benchmark_* flags work as in any Google Benchmark binary.
#pragma once

#include <string>
#include <vector>

#include "command_line.h"

namespace lucid::bench {

// Parses `app`'s options; returns argv[0] and the arguments left for Google Benchmark.
// --help prints `app`'s help, then Google Benchmark's flags, and exits 0; a usage error prints
// "<tool>: <message>" and the usage hint to stderr and exits 1, these drivers' usage exit code.
std::vector<std::string> parse_benchmark_command_line(CLI::App& app, int argc, char** argv);

// benchmark::Initialize on `args`; false (after Google Benchmark's message) when some
// argument was neither ours nor a Google Benchmark flag.
bool initialize_benchmark(std::vector<std::string> args);

}  // namespace lucid::bench
