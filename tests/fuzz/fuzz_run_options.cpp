// Fuzz target: lucid-run's command line (tools/lucid-run/run_options.cpp). The input is split
// at NUL bytes into argv[1..]; parse_run_options must either return options or throw
// UsageError (exit code 2 in lucid-run), never crash or throw anything else. Options it
// returns satisfy what main() relies on: an input and an output folder, and numbers in range.
// The spec may be any text, even empty: ConvSpec::parse judges it next (fuzz_spec_parser).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "run_options.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // argv strings in their own heap blocks, so ASan sees a read past any one of them.
  std::vector<std::string> args{"lucid-run"};
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(current);
      current.clear();
    } else {
      current.push_back(static_cast<char>(data[i]));
    }
  }
  if (size > 0) args.push_back(current);
  if (args.size() > 64) return 0;  // a real shell line; longer lists test nothing new
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  lucid_run::RunOptions options;
  try {
    options = lucid_run::parse_run_options(static_cast<int>(args.size()), argv.data());
  } catch (const lucid_run::UsageError&) {
    return 0;
  }
  if (!options.help && (options.input.empty() || options.out_dir.empty())) std::abort();
  if (options.repeat < 0 || (options.output_size && *options.output_size < 1)) std::abort();
  return 0;
}
