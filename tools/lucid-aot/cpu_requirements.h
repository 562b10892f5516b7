// CpuRequirements: the CPUID (and XCR0) bits a target's code needs before it may run, derived
// from the target's LLVM feature string. The dispatcher tests them on the running CPU.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace lucid_aot {

// The words the dispatcher reads. CPUID leaf 7 and 0x80000001 read as 0 when the CPU's
// maximum leaf is lower; XCR0 reads as 0 without OSXSAVE (XGETBV would fault).
enum CpuWord {
  kLeaf1Ecx, kLeaf1Edx, kLeaf7Ebx, kLeaf7Ecx, kLeaf7Edx, kLeaf7Sub1Eax, kExt1Ecx, kExt1Edx,
  kXcr0, kCpuWordCount
};

struct CpuRequirements {
  std::array<uint32_t, kCpuWordCount> mask{};  // every set bit must be set on the CPU

  // How many bits are required: more means a richer ISA; the dispatcher ranks by it.
  int bit_count() const;
};

// Maps each ISA extension in `llvm_features` (e.g. "+avx2,+fma,+bmi2") to its CPUID bit and
// adds the XCR0 state bits the OS must enable for AVX (YMM) and AVX-512 (ZMM, opmask).
// Tuning flags (slow-*, fast-*, ...) and extensions that vectorised arithmetic never emits
// (xsaveopt, clzero, ...) are not mapped: they cannot make kernel code fault.
CpuRequirements cpu_requirements(const std::string& llvm_features);

}  // namespace lucid_aot
