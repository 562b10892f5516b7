// SuiteConfig: one named layer of the benchmark suite (../shared/suite.json), with the batch
// and length it is measured at. lucid-bench times these, lucid-tune --suite tunes them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lucid/conv_spec.h"

namespace lucid::bench {

struct SuiteConfig {
  std::string name;  // e.g. "hifigan_up1"; part of benchmark names
  ConvSpec spec;
  int64_t batch = 1;
  int64_t length = 1;

  // 2 * N * Cin * (Cout/groups) * K * L, the same for every pass.
  double flops() const { return spec.flops(batch, length); }
};

// Reads a suite file: a JSON array of objects with name, in_channels, out_channels, kernel,
// stride, padding (int, [left, right], "same" or "valid"), output_padding, dilation, groups,
// batch, length, and optionally bias (bool) and dtype ("float32"/"float64"). Throws
// lucid::Error naming the file, the entry and the problem.
std::vector<SuiteConfig> load_suite(const std::string& path);

// $LUCID_SUITE if set, else the suite beside the source tree (../shared/suite.json).
std::string default_suite_path();

}  // namespace lucid::bench
