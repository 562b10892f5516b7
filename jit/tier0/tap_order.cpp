// order_taps_by_phase: a sort of the K taps by their phase.
#include "tap_order.h"

#include <algorithm>
#include <numeric>

namespace lucid::tier0 {

void order_taps_by_phase(int64_t kernel_size, int64_t dilation, int64_t pad_left, int64_t stride,
                         int64_t* order) {
  auto phase = [&](int64_t k) {
    const int64_t r = (k * dilation - pad_left) % stride;
    return r < 0 ? r + stride : r;
  };
  std::iota(order, order + kernel_size, int64_t{0});
  std::sort(order, order + kernel_size, [&](int64_t a, int64_t b) {
    const int64_t pa = phase(a), pb = phase(b);
    return pa != pb ? pa < pb : a < b;
  });
}

}  // namespace lucid::tier0
