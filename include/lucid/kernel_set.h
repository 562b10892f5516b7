// KernelSet: the four compiled kernels of one (ConvSpec, Schedule), plus how to split them.
#pragma once

#include <cstdint>
#include <string>

#include "lucid/conv_spec.h"
#include "lucid/kernel_abi.h"
#include "lucid/schedule.h"

namespace lucid {

struct KernelSet {
  ConvSpec spec;
  Schedule schedule;  // normalised for spec

  lucid_forward_fn forward = nullptr;
  lucid_backward_data_fn backward_data = nullptr;
  lucid_backward_weight_fn backward_weight = nullptr;
  lucid_backward_bias_fn backward_bias = nullptr;

  // Where the code came from and what it cost: "compiled" or "disk".
  std::string source;
  double load_ms = 0;
  std::uint64_t code_bytes = 0;  // machine code (.text) bytes of all four kernels

  // Work items of each pass; any split of [0, items) across threads is race free.
  int64_t forward_items(int64_t batch) const {
    return batch * spec.groups * ceil_div(spec.out_per_group(), schedule.fwd_block_co);
  }
  int64_t backward_data_items(int64_t batch) const {
    return batch * spec.groups * ceil_div(spec.in_per_group(), schedule.bwd_data_block_ci);
  }
  int64_t backward_weight_items() const {
    return spec.groups * ceil_div(spec.in_per_group(), schedule.bww_block_ci);
  }
  int64_t backward_bias_items() const { return spec.out_channels; }

  static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
};

}  // namespace lucid
