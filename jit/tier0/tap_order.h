// The taps of a layer ordered by stride phase: tap k lands on output positions
// t = l*s + (k*d - pl), whose phase is (k*d - pl) mod s. The forward pass and the positions
// layout of backward-weight work phase by phase; ordering the K taps (rather than bucketing
// into s phases) keeps their tables O(K) however long the stride.
//
// Plain code, called from the per-ISA kernels (std::sort stays out of kernels/, whose copies
// must not share out-of-line library instances).
#pragma once

#include <cstdint>

namespace lucid::tier0 {

// Fills order[0..K) with 0..K-1 sorted by ((k*d - pl) mod s, k).
void order_taps_by_phase(int64_t kernel_size, int64_t dilation, int64_t pad_left, int64_t stride,
                         int64_t* order);

}  // namespace lucid::tier0
