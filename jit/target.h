// Target: which CPU kernels are generated for (the host, or an AOT target), without LLVM types.
#pragma once

#include <string>
#include <vector>

namespace lucid::jit {

struct Target {
  std::string triple;    // e.g. x86_64-pc-linux-gnu
  std::string cpu;       // LLVM CPU name, e.g. znver3
  std::string features;  // LLVM feature string, e.g. +avx2,+fma,...
  int vector_bits = 128; // widest vector the schedule should use

  // The text that identifies generated code for this target in cache keys.
  std::string identity() const { return triple + "|" + cpu + "|" + features; }
};

// The machine this process runs on, detected once.
const Target& host_target();

// "host", an LLVM x86 CPU name (znver4, skylake-avx512, haswell, ...) or an x86-64 level
// (x86-64, x86-64-v2, x86-64-v3, x86-64-v4). Throws lucid::Error listing the valid names.
Target resolve_target(const std::string& name);

// Names resolve_target accepts, for error messages and --help.
std::vector<std::string> known_target_names();

// Registers LLVM's native target once; every entry point of jit/ calls it.
void initialize_llvm();

}  // namespace lucid::jit
