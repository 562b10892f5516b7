// Per-thread scratch memory for the tier-0 kernels (packed weights, transposed tiles).
// Each pass sizes its chunks so a call asks for about scratch_budget_bytes() (or one weight
// row, when that is larger), never memory proportional to batch or length.
#pragma once

#include <cstddef>

namespace lucid::tier0 {

// What a pass fits its packed tiles into: L2-sized (192 KiB), so they stay in cache.
std::size_t scratch_budget_bytes();
// Tests shrink the budget to drive every pass through its chunked paths on small layers;
// 0 restores the default. Not for production use (it is process-wide).
void set_scratch_budget_bytes_for_testing(std::size_t bytes);

// A 64-byte aligned block of at least `bytes`, owned by the calling thread and valid until
// its next call; nullptr when it cannot be allocated (the pass then reports
// LUCID_STATUS_OUT_OF_MEMORY).
void* thread_scratch(std::size_t bytes);

}  // namespace lucid::tier0
