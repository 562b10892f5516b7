// KernelSet's call methods: the specialised entry point when there is one, else tier 0.
#include "lucid/kernel_set.h"

#include "tier0/tier0_kernels.h"

namespace lucid {

namespace {

void count_tier0_call(const KernelSet& set) {
  if (set.tier0_calls) set.tier0_calls->fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

int KernelSet::forward(const void* x, const void* weight, const void* bias, void* y,
                       int64_t batch, int64_t length, int64_t item_begin,
                       int64_t item_end) const {
  if (forward_fn) return forward_fn(x, weight, bias, y, batch, length, item_begin, item_end);
  count_tier0_call(*this);
  return tier0::forward(*this, x, weight, bias, y, batch, length, item_begin, item_end);
}

int KernelSet::backward_data(const void* grad_y, const void* weight, void* grad_x,
                             int64_t batch, int64_t length, int64_t item_begin,
                             int64_t item_end) const {
  if (backward_data_fn)
    return backward_data_fn(grad_y, weight, grad_x, batch, length, item_begin, item_end);
  count_tier0_call(*this);
  return tier0::backward_data(*this, grad_y, weight, grad_x, batch, length, item_begin, item_end);
}

int KernelSet::backward_weight(const void* x, const void* grad_y, void* grad_weight,
                               int64_t batch, int64_t length, int64_t item_begin,
                               int64_t item_end) const {
  if (backward_weight_fn)
    return backward_weight_fn(x, grad_y, grad_weight, batch, length, item_begin, item_end);
  count_tier0_call(*this);
  return tier0::backward_weight(*this, x, grad_y, grad_weight, batch, length, item_begin,
                                item_end);
}

int KernelSet::backward_bias(const void* grad_y, void* grad_bias, int64_t batch, int64_t length,
                             int64_t item_begin, int64_t item_end) const {
  if (backward_bias_fn)
    return backward_bias_fn(grad_y, grad_bias, batch, length, item_begin, item_end);
  count_tier0_call(*this);
  return tier0::backward_bias(*this, grad_y, grad_bias, batch, length, item_begin, item_end);
}

int KernelSet::pack_forward(const void* weight, void* packed, int64_t item_begin, int64_t item_end) const {
  if (forward_packed_bytes == 0) return LUCID_STATUS_OK;
  return forward_pack_fn(weight, packed, item_begin, item_end);
}

int KernelSet::forward_prepacked(const void* x, const void* weight, const void* bias, const void* packed,
                                 void* y, int64_t batch, int64_t length, int64_t item_begin,
                                 int64_t item_end) const {
  if (forward_packed_bytes == 0) return forward(x, weight, bias, y, batch, length, item_begin, item_end);
  return forward_prepacked_fn(x, weight, bias, packed, y, batch, length, item_begin, item_end);
}

int KernelSet::pack_backward_data(const void* weight, void* packed, int64_t item_begin,
                                  int64_t item_end) const {
  if (backward_data_packed_bytes == 0) return LUCID_STATUS_OK;
  return backward_data_pack_fn(weight, packed, item_begin, item_end);
}

int KernelSet::backward_data_prepacked(const void* grad_y, const void* weight, const void* packed,
                                       void* grad_x, int64_t batch, int64_t length,
                                       int64_t item_begin, int64_t item_end) const {
  if (backward_data_packed_bytes == 0)
    return backward_data(grad_y, weight, grad_x, batch, length, item_begin, item_end);
  return backward_data_prepacked_fn(grad_y, weight, packed, grad_x, batch, length, item_begin, item_end);
}

}  // namespace lucid
