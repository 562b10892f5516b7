// Stride-phase decomposition of the taps, shared by both forward layouts: output t receives
// tap k from input l exactly when t + pad_left = l*stride + k*dilation. Writing
// u = t + pad_left = q*stride + p, the taps of phase p are those with (k*dilation) mod stride
// == p, and each reads x[q - m] with m = floor(k*dilation / stride).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "lucid/conv_spec.h"

namespace lucid::ir {

struct PhaseTap {
  int64_t k;  // kernel tap
  int64_t m;  // x is read at q - m
};

struct PhaseTaps {
  std::vector<std::vector<PhaseTap>> by_phase;  // stride entries, taps in increasing k
  int64_t max_m = 0;

  explicit PhaseTaps(const ConvSpec& spec) : by_phase(static_cast<size_t>(spec.stride)) {
    for (int64_t k = 0; k < spec.kernel_size; ++k) {
      const int64_t offset = k * spec.dilation;
      by_phase[static_cast<size_t>(offset % spec.stride)].push_back({k, offset / spec.stride});
      max_m = std::max(max_m, offset / spec.stride);
    }
  }
  const std::vector<PhaseTap>& operator[](size_t p) const { return by_phase[p]; }
  // Taps of the phases before p: where phase p starts in a phase-major packing.
  int64_t before(int64_t p) const {
    int64_t n = 0;
    for (int64_t q = 0; q < p; ++q) n += static_cast<int64_t>(by_phase[static_cast<size_t>(q)].size());
    return n;
  }
};

}  // namespace lucid::ir
