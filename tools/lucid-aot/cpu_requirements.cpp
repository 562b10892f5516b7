// The LLVM feature name -> CPUID bit table (Intel SDM vol. 2A, CPUID; AMD APM vol. 3).
#include "cpu_requirements.h"

#include <bit>
#include <map>

namespace lucid_aot {

namespace {

struct Bit {
  CpuWord word;
  int bit;
};

const std::map<std::string, Bit>& feature_bits() {
  static const std::map<std::string, Bit> table = {
      {"sse3", {kLeaf1Ecx, 0}},        {"pclmul", {kLeaf1Ecx, 1}},      {"ssse3", {kLeaf1Ecx, 9}},
      {"fma", {kLeaf1Ecx, 12}},        {"cx16", {kLeaf1Ecx, 13}},       {"sse4.1", {kLeaf1Ecx, 19}},
      {"sse4.2", {kLeaf1Ecx, 20}},     {"crc32", {kLeaf1Ecx, 20}},      {"movbe", {kLeaf1Ecx, 22}},
      {"popcnt", {kLeaf1Ecx, 23}},     {"aes", {kLeaf1Ecx, 25}},        {"xsave", {kLeaf1Ecx, 26}},
      {"avx", {kLeaf1Ecx, 28}},        {"f16c", {kLeaf1Ecx, 29}},       {"rdrnd", {kLeaf1Ecx, 30}},
      {"cx8", {kLeaf1Edx, 8}},         {"cmov", {kLeaf1Edx, 15}},       {"mmx", {kLeaf1Edx, 23}},
      {"fxsr", {kLeaf1Edx, 24}},       {"sse", {kLeaf1Edx, 25}},        {"sse2", {kLeaf1Edx, 26}},
      {"fsgsbase", {kLeaf7Ebx, 0}},    {"bmi", {kLeaf7Ebx, 3}},         {"avx2", {kLeaf7Ebx, 5}},
      {"bmi2", {kLeaf7Ebx, 8}},        {"avx512f", {kLeaf7Ebx, 16}},    {"avx512dq", {kLeaf7Ebx, 17}},
      {"rdseed", {kLeaf7Ebx, 18}},     {"adx", {kLeaf7Ebx, 19}},        {"avx512ifma", {kLeaf7Ebx, 21}},
      {"avx512cd", {kLeaf7Ebx, 28}},   {"sha", {kLeaf7Ebx, 29}},        {"avx512bw", {kLeaf7Ebx, 30}},
      {"avx512vl", {kLeaf7Ebx, 31}},   {"avx512vbmi", {kLeaf7Ecx, 1}},  {"avx512vbmi2", {kLeaf7Ecx, 6}},
      {"gfni", {kLeaf7Ecx, 8}},        {"vaes", {kLeaf7Ecx, 9}},        {"vpclmulqdq", {kLeaf7Ecx, 10}},
      {"avx512vnni", {kLeaf7Ecx, 11}}, {"avx512bitalg", {kLeaf7Ecx, 12}},
      {"avx512vpopcntdq", {kLeaf7Ecx, 14}},                             {"avx512vp2intersect", {kLeaf7Edx, 8}},
      {"avx512fp16", {kLeaf7Edx, 23}}, {"avxvnni", {kLeaf7Sub1Eax, 4}}, {"avx512bf16", {kLeaf7Sub1Eax, 5}},
      {"sahf", {kExt1Ecx, 0}},         {"lzcnt", {kExt1Ecx, 5}},        {"sse4a", {kExt1Ecx, 6}},
      {"prfchw", {kExt1Ecx, 8}},       {"xop", {kExt1Ecx, 11}},         {"fma4", {kExt1Ecx, 16}},
      {"tbm", {kExt1Ecx, 21}},         {"64bit", {kExt1Edx, 29}},
  };
  return table;
}

}  // namespace

int CpuRequirements::bit_count() const {
  int n = 0;
  for (uint32_t m : mask) n += std::popcount(m);
  return n;
}

CpuRequirements cpu_requirements(const std::string& llvm_features) {
  CpuRequirements r;
  size_t start = 0;
  while (start < llvm_features.size()) {
    size_t comma = llvm_features.find(',', start);
    std::string f = llvm_features.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? llvm_features.size() : comma + 1;
    if (f.size() < 2 || f[0] != '+') continue;  // "-feature" disables; nothing to require
    f = f.substr(1);
    if (auto it = feature_bits().find(f); it != feature_bits().end())
      r.mask[it->second.word] |= 1u << it->second.bit;
    // The OS must save the wider registers across context switches, or they read as zero.
    if (f == "avx" || f == "avx2" || f == "fma" || f == "f16c" || f.rfind("avx", 0) == 0)
      r.mask[kXcr0] |= 0x6;   // SSE + YMM state
    if (f.rfind("avx512", 0) == 0) r.mask[kXcr0] |= 0xE6;  // + opmask, ZMM_Hi256, Hi16_ZMM
  }
  return r;
}

}  // namespace lucid_aot
