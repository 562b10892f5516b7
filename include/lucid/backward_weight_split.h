// Backward-weight over a thread pool, split by samples where its items alone are too few.
//
// A kernel set's backward-weight items own disjoint rows of dW (blocks of input channels), so
// a layer with few input channels has few items however large its batch: small_batch32 (16
// input channels, batch 32) has one, and its 2-thread call ran no faster than its 1-thread
// one. Such a call also splits the batch: each slice of samples sums into its own copy of dW
// (the kernels overwrite their output), and the copies are then added in slice order. The
// slices depend on the layer and the batch, never on the thread count, so the result is the
// same bits on any number of threads, as every other pass's is.
#pragma once

#include <cstdint>

#include "lucid/kernel_set.h"
#include "lucid/thread_pool.h"

namespace lucid {

// Slices of the batch for a call of `items` backward-weight items: 1 from kSlicedItems items
// up, else enough for kSlicedItems (items x slices) pieces of work, at most one per sample,
// and at most as many copies of dW (`weight_bytes` each) as fit in kSliceCopyBytes.
inline constexpr int64_t kSlicedItems = 4;
inline constexpr int64_t kSliceCopyBytes = int64_t{64} << 20;
int64_t backward_weight_batch_slices(int64_t items, int64_t batch, int64_t weight_bytes);

// Runs every backward-weight item of `kernels` on `pool` (KernelSet::backward_weight's
// arguments, whole batch), in backward_weight_batch_slices(...) slices of the batch (calls
// that ThreadPool runs inline, below kInlineFlops, in one), and returns the first non-zero
// kernel status, or 0.
int run_backward_weight_on(ThreadPool& pool, const KernelSet& kernels, const void* x, const void* grad_y,
                           void* grad_weight, int64_t batch, int64_t length);

}  // namespace lucid
