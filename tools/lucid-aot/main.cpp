// lucid-aot: ahead-of-time kernels for chosen ConvTranspose1d layers, e.g.
//
//   lucid-aot "ConvTranspose1d(512, 256, 16, stride=8, padding=4)" --target x86-64-v3 -o out
//
// writes out/lucid_ct1d_f32_..._b1.o and .h: the JIT's kernels for that layer and CPU, behind
// the five C entry points of issue 5, linkable with no LLVM. See aot_options.cpp for usage.
//
// Exit codes: 0 done; 2 bad arguments, spec or target (nothing is written); 1 the output
// folder cannot be written, or a compile failed (nothing partial is left behind).
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "aot_options.h"
#include "kernel_set_builder.h"
#include "lucid/error.h"
#include "staged_output.h"

namespace {

using namespace lucid_aot;

struct KernelSetPlan {
  lucid::ConvSpec spec;
  std::string prefix;
};

int run(int argc, char** argv) {
  // 1. Arguments, layers and targets: every mistake is found before anything is compiled.
  AotOptions options = parse_aot_options(argc, argv);
  if (options.help) {
    std::fputs(aot_usage().c_str(), stdout);
    return 0;
  }
  std::vector<KernelSetPlan> plans;
  std::set<std::string> prefixes;
  for (size_t i = 0; i < options.specs.size(); ++i) {
    const SpecText& text = options.specs[i];
    KernelSetPlan plan;
    try {
      plan.spec = lucid::ConvSpec::parse(text.text);
    } catch (const lucid::Error& e) {
      throw UsageError(fmt::format("{}: {}", text.origin, e.what()));
    }
    // --name with several layers: PREFIX_0, PREFIX_1, ... in the order given.
    if (options.name.empty()) plan.prefix = default_prefix(plan.spec);
    else plan.prefix = options.specs.size() == 1 ? options.name : fmt::format("{}_{}", options.name, i);
    if (!prefixes.insert(plan.prefix).second)
      throw UsageError(fmt::format("{}: the layer {} is given twice", text.origin, plan.spec.to_string()));
    plans.push_back(plan);
  }
  std::vector<NamedTarget> targets;
  for (const std::string& name : options.targets) {
    try {
      targets.push_back({name, lucid::jit::resolve_target(name)});
    } catch (const lucid::Error& e) {
      throw UsageError(fmt::format("--target: {}", e.what()));
    }
  }

  // 2. Compile everything in memory.
  std::vector<std::pair<std::string, std::vector<char>>> files;
  std::vector<std::string> log;
  for (const KernelSetPlan& plan : plans) {
    KernelSetFiles set = build_kernel_set(plan.spec, plan.prefix, targets, options);
    for (auto& f : set.files) files.push_back(std::move(f));
    log.insert(log.end(), set.log.begin(), set.log.end());
  }

  // 3. Write all of it, or none.
  write_all_or_nothing(options.output_dir, files);
  for (const std::string& line : log) fmt::print("lucid-aot: {}\n", line);
  fmt::print("lucid-aot: wrote {} files to {}\n", files.size(), options.output_dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    fmt::print(stderr, "lucid-aot: {}\nRun 'lucid-aot --help' for every option.\n", e.what());
    return 2;
  } catch (const OutputError& e) {
    fmt::print(stderr, "lucid-aot: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "lucid-aot: {}\n", e.what());
    return 1;
  }
}
