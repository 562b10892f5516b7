// The lowered IR of one layer's kernel set, as LUCID_JIT_DUMP writes it before optimisation,
// or its machine code: for tests that pin what the lowering emits (an allocation call, a loop
// it must take) and what the backend makes of it.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "isolated_engine.h"
#include "lucid/jit_engine.h"

namespace lucid::testing {

// Each dumped file's text (one per kernel set) for `spec` under its default schedule, from a
// fresh engine with no disk cache: ".ll" the IR before optimisation, ".s" the assembly. `name`
// keeps concurrent tests' directories apart.
inline std::vector<std::string> dumped_kernels(const ConvSpec& spec, const std::string& name,
                                               const std::string& suffix) {
  namespace fs = std::filesystem;
  const fs::path dir = fresh_dir("lowered-ir", name);
  JitOptions o = isolated_options(dir);
  o.disk_cache = false;
  o.dump_dir = (dir / "dump").string();
  {
    JitEngine engine(o);
    engine.kernels(spec);
  }
  std::vector<std::string> modules;
  for (const auto& entry : fs::directory_iterator(o.dump_dir)) {
    const std::string file = entry.path().filename().string();
    if (!file.ends_with(suffix) || (suffix == ".ll" && file.ends_with(".opt.ll"))) continue;
    std::ifstream in(entry.path());
    modules.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  fs::remove_all(dir);
  return modules;
}

inline std::vector<std::string> lowered_ir(const ConvSpec& spec, const std::string& name) {
  return dumped_kernels(spec, name, ".ll");
}

// The lines of `assembly` (a dumped ".s") from the first label that starts with `prefix` to
// its .size directive; empty when no label does.
inline std::string function_assembly(const std::string& assembly, const std::string& prefix) {
  const size_t begin = assembly.find("\n" + prefix);
  if (begin == std::string::npos) return {};
  const std::string label = assembly.substr(begin + 1, assembly.find(':', begin) - begin - 1);
  const size_t end = assembly.find(".size\t" + label + ",", begin);
  return assembly.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

}  // namespace lucid::testing
