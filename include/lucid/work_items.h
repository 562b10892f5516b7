// How each kernel pass splits a call into work items, from (ConvSpec, Schedule). Any split
// of [0, items) across threads is race free. The JIT's lowering, the tier-0 kernels, the
// runtime's thread split and lucid-aot's C entry points and header all count items here.
#pragma once

#include <cstdint>

#include "lucid/conv_spec.h"
#include "lucid/integer_division.h"
#include "lucid/schedule.h"

namespace lucid {

// Channel blocks of one group: forward items own fwd_block_co output channels of one
// (n, group); backward-data items bwd_data_block_ci input channels of one (n, group);
// backward-weight items bwd_weight_block_ci input channels' rows of dW.
inline int64_t forward_blocks_per_group(const ConvSpec& spec, const Schedule& schedule) {
  return ceil_div(spec.out_per_group(), schedule.fwd_block_co);
}
inline int64_t backward_data_blocks_per_group(const ConvSpec& spec, const Schedule& schedule) {
  return ceil_div(spec.in_per_group(), schedule.bwd_data_block_ci);
}
inline int64_t backward_weight_blocks_per_group(const ConvSpec& spec, const Schedule& schedule) {
  return ceil_div(spec.in_per_group(), schedule.bwd_weight_block_ci);
}

// Forward items per (n, group, channel block): its length tiles (Schedule::fwd_length_tiles),
// consecutive items.
inline int64_t forward_length_tiles(const Schedule& schedule) {
  return schedule.fwd_length_tiles > 1 ? schedule.fwd_length_tiles : 1;
}

// Work items of one call. Forward items run (n, group, block, length tile) and backward-data
// items (n, group, block), so they scale with the batch; backward-weight items sum over the
// batch inside, and backward-bias has one item per output channel.
inline int64_t forward_items(const ConvSpec& spec, const Schedule& schedule, int64_t batch) {
  return batch * spec.groups * forward_blocks_per_group(spec, schedule) * forward_length_tiles(schedule);
}
inline int64_t backward_data_items(const ConvSpec& spec, const Schedule& schedule, int64_t batch) {
  return batch * spec.groups * backward_data_blocks_per_group(spec, schedule);
}
inline int64_t backward_weight_items(const ConvSpec& spec, const Schedule& schedule) {
  return spec.groups * backward_weight_blocks_per_group(spec, schedule);
}
inline int64_t backward_bias_items(const ConvSpec& spec) { return spec.out_channels; }

// Items of packing a weight for reuse across calls (kernel_abi.h's _pack entries): one per
// (group, channel block) of the pass.
inline int64_t forward_pack_items(const ConvSpec& spec, const Schedule& schedule) {
  return spec.groups * forward_blocks_per_group(spec, schedule);
}
inline int64_t backward_data_pack_items(const ConvSpec& spec, const Schedule& schedule) {
  return spec.groups * backward_data_blocks_per_group(spec, schedule);
}

}  // namespace lucid
