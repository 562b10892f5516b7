// lucid-run's command line. A problem here is bad usage (exit code 2).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace lucid_run {

// Bad usage or a bad spec: lucid-run exits with 2.
class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& message) : std::runtime_error(message) {}
};

struct RunOptions {
  std::string spec;  // "ConvTranspose1d(4, 2, 3, stride=2, ...)"
  std::string input;
  std::optional<std::string> weight;
  std::optional<std::string> bias;
  std::optional<std::string> grad_output;
  std::optional<int64_t> output_size;
  std::uint64_t seed = 0;
  int64_t repeat = 0;  // 0: no timing
  std::string out_dir;
  bool help = false;
};

// Parses argv with CLI11; accepts "--name value" and "--name=value". Throws UsageError only;
// -h/--help returns with help set and nothing else checked.
RunOptions parse_run_options(int argc, char** argv);

// The synopsis, printed after a usage error's message.
extern const char* const kUsage;

// The --help text: the synopsis, what lucid-run does, and every option.
std::string run_help();

}  // namespace lucid_run
