// Geometry and IsaKernels: what the generic entry points hand to the per-ISA kernels.
//
// This header is included both by ordinary code and by kernels/*.cpp, which are compiled once
// per instruction set. It therefore holds only plain data (no inline functions): an inline
// function defined here would be emitted by every ISA's translation unit with different
// instructions, and the linker would keep one of them for all callers.
#pragma once

#include <cstdint>

namespace lucid::tier0 {

// One call's layer, sizes and work-item blocking, resolved from the KernelSet at run time.
struct Geometry {
  int64_t batch;
  int64_t length;      // L
  int64_t out_length;  // Lout
  int64_t in_channels, out_channels, groups;
  int64_t in_per_group, out_per_group;
  int64_t kernel_size, stride, dilation, pad_left;
  // Channels per work item of this pass (the schedule's fwd_block_co, bwd_data_block_ci or
  // bwd_weight_block_ci; 1 for backward-bias) and how many such blocks one group has.
  int64_t block;
  int64_t blocks_per_group;
};

// One instruction set's kernels for one dtype. Each runs work items [begin, end) of its pass
// (the range is already checked) and returns 0 or LUCID_STATUS_OUT_OF_MEMORY.
struct DtypeKernels {
  int (*forward)(const Geometry&, const void* x, const void* weight, const void* bias, void* y,
                 int64_t begin, int64_t end);
  int (*backward_data)(const Geometry&, const void* grad_y, const void* weight, void* grad_x,
                       int64_t begin, int64_t end);
  int (*backward_weight)(const Geometry&, const void* x, const void* grad_y, void* grad_weight,
                         int64_t begin, int64_t end);
  int (*backward_bias)(const Geometry&, const void* grad_y, void* grad_bias, int64_t begin,
                       int64_t end);
};

// Everything one compiled copy of kernels/ provides.
struct IsaKernels {
  const char* name;  // "baseline", "avx2", "avx512", ...
  DtypeKernels f32;
  DtypeKernels f64;
  int vector_bytes;  // this copy's vector: its packing routines move vector_bytes / sizeof(T) lanes
  void (*pack_rows_f32)(const float* src, int64_t src_row_stride, int64_t rows, int64_t columns, float* dst,
                        int64_t dst_column_stride);
  void (*pack_rows_f64)(const double* src, int64_t src_row_stride, int64_t rows, int64_t columns, double* dst,
                        int64_t dst_column_stride);
};

}  // namespace lucid::tier0
