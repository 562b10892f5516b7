// Tier 0: generic ConvTranspose1d kernels compiled with the library (no per-layer LLVM
// compile). They read the spec and the schedule's block sizes at run time and follow the
// kernel ABI and work-item contract of KernelSet exactly, so a tier-0 set can serve any layer
// at once while the specialised kernels compile (docs/semantics.md §7). Results equal tier 1's up to
// summation order.
#pragma once

#include <cstdint>
#include <memory>

#include "lucid/kernel_set.h"

namespace lucid::tier0 {

// A tier-0 KernelSet for (spec, schedule): tier 0, source "generic", null entry points.
std::shared_ptr<const KernelSet> make_kernel_set(const ConvSpec& spec, const Schedule& schedule);

// The four passes; same arguments, items and status codes as the kernel ABI, with the set
// (its spec and schedule) in front.
int forward(const KernelSet& set, const void* x, const void* weight, const void* bias, void* y,
            int64_t batch, int64_t length, int64_t item_begin, int64_t item_end);
int backward_data(const KernelSet& set, const void* grad_y, const void* weight, void* grad_x,
                  int64_t batch, int64_t length, int64_t item_begin, int64_t item_end);
int backward_weight(const KernelSet& set, const void* x, const void* grad_y, void* grad_weight,
                    int64_t batch, int64_t length, int64_t item_begin, int64_t item_end);
int backward_bias(const KernelSet& set, const void* grad_y, void* grad_bias, int64_t batch,
                  int64_t length, int64_t item_begin, int64_t item_end);

// The compiled row-to-lane packing that JIT kernels call (ir::pack_rows_symbol names it; the
// lowering inlines the packing where none exists): the copy whose vector holds `lanes`
// elements of `dtype`, the richest instruction set this CPU runs first, or null. Independent
// of LUCID_TIER0_ISA, which picks tier 0's kernels only.
void* pack_rows_as_lanes_routine(DType dtype, int lanes);

}  // namespace lucid::tier0
