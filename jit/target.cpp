// Host CPU detection and AOT target names.
#include "target.h"

#include <llvm/ADT/StringMap.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/Triple.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include <fmt/format.h>

#include "lucid/error.h"

namespace lucid::jit {

void initialize_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

namespace {

// Reads the feature bits LLVM itself implies for a CPU name, so a target such as
// "haswell" carries exactly haswell's ISA.
std::string features_of_cpu(const std::string& triple, const std::string& cpu) {
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) throw Error("lucid-jit: no LLVM target for " + triple + ": " + error);
  std::unique_ptr<llvm::MCSubtargetInfo> info(target->createMCSubtargetInfo(triple, cpu, ""));
  if (!info || !info->isCPUStringValid(cpu)) return "";
  std::string features;
  for (const auto& kv : info->getAllProcessorFeatures()) {
    if (info->checkFeatures(std::string("+") + kv.Key))
      features += (features.empty() ? "+" : ",+") + std::string(kv.Key);
  }
  return features;
}

int vector_bits_of(const std::string& features) {
  auto has = [&](const char* f) {
    std::string needle = std::string("+") + f;
    size_t pos = 0;
    while ((pos = features.find(needle, pos)) != std::string::npos) {
      size_t end = pos + needle.size();
      if (end == features.size() || features[end] == ',') return true;
      pos = end;
    }
    return false;
  };
  if (has("avx512f")) return 512;
  if (has("avx2") || has("avx")) return 256;
  return 128;
}

}  // namespace

const Target& host_target() {
  static const Target host = [] {
    initialize_llvm();
    Target t;
    t.triple = llvm::sys::getProcessTriple();
    t.cpu = llvm::sys::getHostCPUName().str();
    std::vector<std::string> enabled;
    for (const auto& kv : llvm::sys::getHostCPUFeatures())
      if (kv.second) enabled.push_back("+" + kv.first().str());
    std::sort(enabled.begin(), enabled.end());
    for (const auto& f : enabled) t.features += (t.features.empty() ? "" : ",") + f;
    t.vector_bits = vector_bits_of(t.features);
    return t;
  }();
  return host;
}

std::vector<std::string> known_target_names() {
  return {"host",      "x86-64",         "x86-64-v2",   "x86-64-v3",   "x86-64-v4",
          "haswell",   "broadwell",      "skylake",     "skylake-avx512", "cascadelake",
          "icelake-server", "sapphirerapids", "znver2", "znver3",      "znver4"};
}

Target resolve_target(const std::string& name) {
  if (name == "host") return host_target();
  initialize_llvm();
  Target t;
  t.triple = llvm::sys::getProcessTriple();
  t.cpu = name;
  t.features = features_of_cpu(t.triple, name);
  if (t.features.empty()) {
    std::string valid;
    for (const auto& n : known_target_names()) valid += (valid.empty() ? "" : ", ") + n;
    throw Error(fmt::format("unknown target '{}': valid targets are {} (or any LLVM x86 CPU name)",
                            name, valid));
  }
  t.vector_bits = vector_bits_of(t.features);
  return t;
}

}  // namespace lucid::jit
