// backward-weight: which lane layout serves a call. All three own whole rows of dW per item
// (items = (group, block of input channels)), so any split of the items is race free and
// every element is the same sum, in the same order, however the items are split.
//
// Channels in lanes fills a vector only when an item has a vector's worth of input channels.
// Taps in lanes (undilated kernels of at least a vector of taps) fills it whatever the block,
// which matters for the long strided kernels whose schedules use blocks of 3 channels.
// Positions in lanes fills it whatever the block and kernel, at the price of copying grad_y
// into phase planes per output channel: it serves items of a few channels (depthwise layers)
// that neither of the others fills.
#include "../kernel_limits.h"
#include "index_math.h"
#include "pass_kernels.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

template <class T>
int backward_weight(const Geometry& g, const void* x, const void* grad_y, void* grad_weight,
                    int64_t begin, int64_t end) {
  constexpr int64_t V = kLanes<T>;
  const int64_t rows = min64(g.block, g.in_per_group), K = g.kernel_size;
  const T* xs = static_cast<const T*>(x);
  const T* gys = static_cast<const T*>(grad_y);
  T* gw = static_cast<T*>(grad_weight);
  if (pass_macs(g) <= direct_call_macs())
    return backward_weight_direct<T>(g, xs, gys, gw, begin, end);
  // Useful lanes per computed lane: rows / (ceil(rows / V) * V) against K / (ceil(K / V) * V).
  const bool taps_fill_better = K * ceil_div(rows, V) > rows * ceil_div(K, V);
  if (g.dilation == 1 && K >= V && taps_fill_better) return backward_weight_taps<T>(g, xs, gys, gw, begin, end);
  // Under half a vector of channels: positions fill the lanes instead.
  if (2 * rows < V) return backward_weight_positions<T>(g, xs, gys, gw, begin, end);
  return backward_weight_channels<T>(g, xs, gys, gw, begin, end);
}

template int backward_weight<float>(const Geometry&, const void*, const void*, void*, int64_t, int64_t);
template int backward_weight<double>(const Geometry&, const void*, const void*, void*, int64_t, int64_t);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
