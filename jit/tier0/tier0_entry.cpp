// The tier-0 entry points: the kernel ABI's argument checks, in the JIT's order (ir/lower.cpp,
// emit_entry: batch, then lengths, then sizes overflowing int64, then the item range), then
// the selected ISA's kernels.
#include <algorithm>
#include <optional>

#include "lucid/checked_int.h"
#include "lucid/work_items.h"

#include "tier0_isa.h"
#include "tier0_kernels.h"

namespace lucid::tier0 {

namespace {

enum class Pass { Forward, BackwardData, BackwardWeight, BackwardBias };

// Checks the call and fills g; returns a LUCID_STATUS_* code (0 when the call may run).
int prepare(const KernelSet& set, Pass pass, int64_t batch, int64_t length, int64_t begin,
            int64_t end, Geometry& g) {
  const ConvSpec& s = set.spec;
  if (batch < 1) return LUCID_STATUS_BAD_BATCH;
  if (length < 1) return LUCID_STATUS_BAD_LENGTH;
  const std::optional<int64_t> checked_out_length = s.output_length_or_overflow(length);
  if (!checked_out_length) return LUCID_STATUS_TOO_LARGE;
  const int64_t out_length = *checked_out_length;
  if (out_length < 1) return LUCID_STATUS_BAD_LENGTH;
  // Every index the kernels form stays below the byte counts of x and y, so those must fit.
  const int64_t element_bytes = static_cast<int64_t>(dtype_size(s.dtype));
  if (!checked_product({batch, s.in_channels, length, element_bytes}) ||
      !checked_product({batch, s.out_channels, out_length, element_bytes}))
    return LUCID_STATUS_TOO_LARGE;
  int64_t items = 0, block = 1, per_group = 1;
  switch (pass) {
    case Pass::Forward:
      items = set.forward_items(batch), block = set.schedule.fwd_block_co, per_group = s.out_per_group();
      break;
    case Pass::BackwardData:
      items = set.backward_data_items(batch), block = set.schedule.bwd_data_block_ci, per_group = s.in_per_group();
      break;
    case Pass::BackwardWeight:
      items = set.backward_weight_items(), block = set.schedule.bwd_weight_block_ci, per_group = s.in_per_group();
      break;
    case Pass::BackwardBias:
      items = set.backward_bias_items();
      break;
  }
  if (begin < 0 || end > items || begin > end) return LUCID_STATUS_BAD_RANGE;
  g = Geometry{batch, length, out_length, s.in_channels, s.out_channels, s.groups,
               s.in_per_group(), s.out_per_group(), s.kernel_size, s.stride, s.dilation,
               s.pad_left, block, ceil_div(per_group, block)};
  return LUCID_STATUS_OK;
}

const DtypeKernels& kernels_for(Isa isa, const KernelSet& set) {
  const IsaKernels& k = isa_kernels(isa);
  return set.spec.dtype == DType::Float64 ? k.f64 : k.f32;
}

}  // namespace

int forward_with(Isa isa, const KernelSet& set, const void* x, const void* weight,
                 const void* bias, void* y, int64_t batch, int64_t length, int64_t item_begin,
                 int64_t item_end) {
  Geometry g;
  if (int status = prepare(set, Pass::Forward, batch, length, item_begin, item_end, g)) return status;
  // The JIT kernel would read through a null bias; tier 0 reports it as the AOT entry points do.
  if (set.spec.bias && bias == nullptr) return LUCID_STATUS_BAD_ARGUMENT;
  // Tier 0 runs each (n, group, block) whole, as the item of its first length tile; the
  // items of its later tiles are empty. Any split of the items still does each block once.
  const int64_t tiles = forward_length_tiles(set.schedule);
  const int64_t block_begin = ceil_div(item_begin, tiles), block_end = ceil_div(item_end, tiles);
  if (block_begin == block_end) return LUCID_STATUS_OK;
  return kernels_for(isa, set).forward(g, x, weight, set.spec.bias ? bias : nullptr, y, block_begin,
                                       block_end);
}

int backward_data_with(Isa isa, const KernelSet& set, const void* grad_y, const void* weight,
                       void* grad_x, int64_t batch, int64_t length, int64_t item_begin,
                       int64_t item_end) {
  Geometry g;
  if (int status = prepare(set, Pass::BackwardData, batch, length, item_begin, item_end, g)) return status;
  if (item_begin == item_end) return LUCID_STATUS_OK;
  return kernels_for(isa, set).backward_data(g, grad_y, weight, grad_x, item_begin, item_end);
}

int backward_weight_with(Isa isa, const KernelSet& set, const void* x, const void* grad_y,
                         void* grad_weight, int64_t batch, int64_t length, int64_t item_begin,
                         int64_t item_end) {
  Geometry g;
  if (int status = prepare(set, Pass::BackwardWeight, batch, length, item_begin, item_end, g)) return status;
  if (item_begin == item_end) return LUCID_STATUS_OK;
  return kernels_for(isa, set).backward_weight(g, x, grad_y, grad_weight, item_begin, item_end);
}

int backward_bias_with(Isa isa, const KernelSet& set, const void* grad_y, void* grad_bias,
                       int64_t batch, int64_t length, int64_t item_begin, int64_t item_end) {
  Geometry g;
  if (int status = prepare(set, Pass::BackwardBias, batch, length, item_begin, item_end, g)) return status;
  if (item_begin == item_end) return LUCID_STATUS_OK;
  return kernels_for(isa, set).backward_bias(g, grad_y, grad_bias, item_begin, item_end);
}

int forward(const KernelSet& set, const void* x, const void* weight, const void* bias, void* y,
            int64_t batch, int64_t length, int64_t item_begin, int64_t item_end) {
  return forward_with(selected_isa(), set, x, weight, bias, y, batch, length, item_begin, item_end);
}

int backward_data(const KernelSet& set, const void* grad_y, const void* weight, void* grad_x,
                  int64_t batch, int64_t length, int64_t item_begin, int64_t item_end) {
  return backward_data_with(selected_isa(), set, grad_y, weight, grad_x, batch, length, item_begin,
                            item_end);
}

int backward_weight(const KernelSet& set, const void* x, const void* grad_y, void* grad_weight,
                    int64_t batch, int64_t length, int64_t item_begin, int64_t item_end) {
  return backward_weight_with(selected_isa(), set, x, grad_y, grad_weight, batch, length,
                              item_begin, item_end);
}

int backward_bias(const KernelSet& set, const void* grad_y, void* grad_bias, int64_t batch,
                  int64_t length, int64_t item_begin, int64_t item_end) {
  return backward_bias_with(selected_isa(), set, grad_y, grad_bias, batch, length, item_begin,
                            item_end);
}

}  // namespace lucid::tier0
