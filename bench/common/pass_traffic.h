// The least memory traffic of one pass: every tensor it reads or writes touched exactly once.
// The GB/s a benchmark reports is this count over its time, so a memory-bound kernel can be
// compared with the STREAM triad bandwidth and placed on a roofline.
#pragma once

#include "lucid/conv_spec.h"
#include "pass.h"

namespace lucid::bench {

// Bytes of: forward x, W, bias (when the layer has one) and y; backward-data grad_y, W and
// grad_x; backward-weight x, grad_y and grad_W (the bias gradient is its own pass).
inline double min_pass_bytes(const ConvSpec& spec, Pass pass, int64_t batch, int64_t length) {
  const double element = static_cast<double>(dtype_size(spec.dtype));
  const double x = static_cast<double>(batch * spec.in_channels * length);
  const double y =
      static_cast<double>(batch * spec.out_channels * spec.output_length_unchecked(length));
  const double w = static_cast<double>(spec.weight_numel());
  const double bias = spec.bias ? static_cast<double>(spec.out_channels) : 0.0;
  switch (pass) {
    case Pass::Forward: return element * (x + w + bias + y);
    case Pass::BackwardData: return element * (y + w + x);
    case Pass::BackwardWeight: return element * (x + y + w);
  }
  return 0;
}

}  // namespace lucid::bench
