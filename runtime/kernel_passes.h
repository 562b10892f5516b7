// One whole pass of a kernel set on the global thread pool, written once for the runtime's
// autograd function and the Python bindings' raw-address calls.
#pragma once

#include <cstdint>

#include "lucid/kernel_set.h"

namespace lucid {

// Each runs every work item of its pass, split across the pool's threads, and turns a
// non-zero status into check_kernel_status's exception (naming the pass, layer, batch and
// length). Pointers and sizes are the kernel ABI's (include/lucid/kernel_abi.h); bias is
// null for a layer without one. batch and length must be >= 1 (the kernels refuse others).
// `packed`, when given, holds the weight packed by run_pack_forward for this set
// (KernelSet::forward_prepacked).
void run_forward(const KernelSet& kernels, const void* x, const void* weight, const void* bias, void* y,
                 int64_t batch, int64_t length, const void* packed = nullptr);
// Writes kernels.forward_packed_bytes of packed weight (KernelSet::pack_forward).
void run_pack_forward(const KernelSet& kernels, const void* weight, void* packed);
void run_backward_data(const KernelSet& kernels, const void* grad_y, const void* weight, void* grad_x,
                       int64_t batch, int64_t length);
void run_backward_weight(const KernelSet& kernels, const void* x, const void* grad_y, void* grad_weight,
                         int64_t batch, int64_t length);
void run_backward_bias(const KernelSet& kernels, const void* grad_y, void* grad_bias, int64_t batch,
                       int64_t length);

}  // namespace lucid
