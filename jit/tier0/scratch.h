// Per-thread scratch memory for the tier-0 kernels (packed weights, windows, transposed
// tiles, tap tables). Each pass sizes its chunks so a call asks for about
// scratch_budget_bytes() (kernel_limits.h), never memory proportional to batch, length or
// stride; only a kernel too long for the budget (one channel's weights) or taps spread wider
// than it (dilation x kernel) get one chunk of that size.
#pragma once

#include <cstddef>

#include "kernel_limits.h"

namespace lucid::tier0 {

// A 64-byte aligned block of at least `bytes`, owned by the calling thread and valid until
// its next call; nullptr when it cannot be allocated (the pass then reports
// LUCID_STATUS_OUT_OF_MEMORY).
void* thread_scratch(std::size_t bytes);

}  // namespace lucid::tier0

// aligned_alloc for the JIT's kernels: the engine resolves their `aligned_alloc` to this. It
// fails above scratch_limit_bytes() as thread_scratch does, and records a failure's size for
// lucid::take_failed_kernel_scratch_bytes (lucid/kernel_scratch.h).
extern "C" void* lucid_kernel_scratch_aligned_alloc(std::size_t alignment, std::size_t bytes);
