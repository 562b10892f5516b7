// parse_run_options: lucid-run's options declared for CLI11 (tools/common/command_line.h);
// every option at most once, numbers checked, required ones present.
#include "run_options.h"

#include "command_line.h"

namespace lucid_run {

const char* const kUsage =
    "usage: lucid-run \"ConvTranspose1d(IN, OUT, K, ...)\" --input x.npy [--weight w.npy]\n"
    "                 [--bias b.npy] [--grad-output g.npy] [--output-size L] [--seed S]\n"
    "                 [--repeat N] --out DIR\n";

namespace {

const char* const kDescription =
    "Runs one layer on .npy files (little-endian float32 or float64, C order) and writes\n"
    "DIR/output.npy; with --grad-output also grad_input.npy, grad_weight.npy and, when the\n"
    "layer has a bias, grad_bias.npy. A missing weight or bias is initialised as PyTorch does\n"
    "from --seed (default 0). --repeat N times N calls. Exit codes: 0 success, 1 bad data,\n"
    "2 bad usage or spec.";

// The options as CLI11 stores them; optional ones are told apart by app.count().
struct CommandLine {
  std::string spec, input, weight, bias, grad_output, out;
  std::int64_t output_size = 0, repeat = 0;
  std::uint64_t seed = 0;
};

void add_options(CLI::App& app, CommandLine& c) {
  lucid::cli::use_synopsis(app, kUsage, kDescription);
  app.add_option("spec", c.spec, "the layer, e.g. \"ConvTranspose1d(4, 2, 3, stride=2)\"");
  const auto file = [&](const char* name, std::string& target, const char* what) {
    app.add_option(name, target, what)->type_name("FILE")->check(lucid::cli::non_empty());
  };
  file("--input", c.input, "the input, (N, IN, L) or (IN, L)");
  file("--weight", c.weight, "the weight, (IN, OUT/groups, K); default: initialised from --seed");
  file("--bias", c.bias, "the bias, (OUT); default: initialised from --seed");
  file("--grad-output", c.grad_output, "the output's gradient; also computes the gradients");
  app.add_option("--output-size", c.output_size, "the output length, as output_size= in PyTorch")
      ->type_name("L")->check(lucid::cli::integer_at_least(1));
  app.add_option("--seed", c.seed, "seed of the initial weight and bias (default 0)")
      ->type_name("S")->check(lucid::cli::integer_at_least(0));
  app.add_option("--repeat", c.repeat, "time N calls of each pass")
      ->type_name("N")->check(lucid::cli::integer_at_least(1));
  app.add_option("--out", c.out, "the output folder, written all or nothing")
      ->type_name("DIR")->check(lucid::cli::non_empty());
}

}  // namespace

std::string run_help() {
  CommandLine c;
  CLI::App app("", "lucid-run");
  add_options(app, c);
  return app.help();
}

RunOptions parse_run_options(int argc, char** argv) {
  CommandLine c;
  CLI::App app("", "lucid-run");
  add_options(app, c);
  RunOptions options;
  try {
    if (!lucid::cli::parse(app, argc, argv)) {
      options.help = true;
      return options;
    }
  } catch (const lucid::cli::UsageError& e) {
    throw UsageError(e.what());
  }
  if (app.count("spec") == 0)
    throw UsageError("missing the layer spec, e.g. \"ConvTranspose1d(4, 2, 3)\"");
  if (app.count("--input") == 0) throw UsageError("missing --input");
  if (app.count("--out") == 0) throw UsageError("missing --out");
  options.spec = c.spec;
  options.input = c.input;
  options.out_dir = c.out;
  if (app.count("--weight")) options.weight = c.weight;
  if (app.count("--bias")) options.bias = c.bias;
  if (app.count("--grad-output")) options.grad_output = c.grad_output;
  if (app.count("--output-size")) options.output_size = c.output_size;
  options.seed = c.seed;
  options.repeat = c.repeat;
  return options;
}

}  // namespace lucid_run
