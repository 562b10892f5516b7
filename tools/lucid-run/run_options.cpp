// parse_run_options: every option at most once, numbers checked, required ones present.
#include "run_options.h"

#include <cerrno>
#include <cstdlib>
#include <set>

namespace lucid_run {

const char* const kUsage =
    "usage: lucid-run \"ConvTranspose1d(IN, OUT, K, ...)\" --input x.npy [--weight w.npy]\n"
    "                 [--bias b.npy] [--grad-output g.npy] [--output-size L] [--seed S]\n"
    "                 [--repeat N] --out DIR\n"
    "Runs one layer on .npy files (little-endian float32 or float64, C order) and writes\n"
    "DIR/output.npy; with --grad-output also grad_input.npy, grad_weight.npy and, when the\n"
    "layer has a bias, grad_bias.npy. A missing weight or bias is initialised as PyTorch does\n"
    "from --seed (default 0). --repeat N times N calls. Exit codes: 0 success, 1 bad data,\n"
    "2 bad usage or spec.\n";

namespace {

int64_t parse_integer(const std::string& option, const std::string& text, int64_t low) {
  errno = 0;
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || value < low)
    throw UsageError(option + " wants an integer >= " + std::to_string(low) + ", got '" + text +
                     "'");
  return value;
}

}  // namespace

RunOptions parse_run_options(int argc, char** argv) {
  RunOptions options;
  std::set<std::string> seen;
  bool have_spec = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      return options;
    }
    if (arg.rfind("--", 0) != 0) {
      if (have_spec) throw UsageError("unexpected argument '" + arg + "' (the spec is '" +
                                      options.spec + "')");
      options.spec = arg;
      have_spec = true;
      continue;
    }
    std::string name = arg, value;
    bool inline_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    static const std::set<std::string> known = {"--input", "--weight", "--bias",
                                                "--grad-output", "--output-size", "--seed",
                                                "--repeat", "--out"};
    if (!known.count(name)) throw UsageError("unknown option '" + name + "'");
    if (!seen.insert(name).second) throw UsageError(name + " given twice");
    if (!inline_value) {
      if (i + 1 >= argc) throw UsageError(name + " needs a value");
      value = argv[++i];
    }
    if (value.empty()) throw UsageError(name + " needs a non-empty value");
    if (name == "--input") options.input = value;
    else if (name == "--weight") options.weight = value;
    else if (name == "--bias") options.bias = value;
    else if (name == "--grad-output") options.grad_output = value;
    else if (name == "--output-size") options.output_size = parse_integer(name, value, 1);
    else if (name == "--seed") options.seed = static_cast<std::uint64_t>(parse_integer(name, value, 0));
    else if (name == "--repeat") options.repeat = parse_integer(name, value, 1);
    else if (name == "--out") options.out_dir = value;
  }
  if (!have_spec) throw UsageError("missing the layer spec, e.g. \"ConvTranspose1d(4, 2, 3)\"");
  if (options.input.empty()) throw UsageError("missing --input");
  if (options.out_dir.empty()) throw UsageError("missing --out");
  return options;
}

}  // namespace lucid_run
