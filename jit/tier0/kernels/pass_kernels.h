// The passes one copy of kernels/ implements (each defined in its own file, instantiated for
// float and double), gathered into that copy's IsaKernels table by isa_kernels.cpp.
#pragma once

#include <cstdint>

#include "../geometry.h"
#include "simd.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

template <class T>
int forward(const Geometry& g, const void* x, const void* weight, const void* bias, void* y,
            int64_t begin, int64_t end);
template <class T>
int backward_data(const Geometry& g, const void* grad_y, const void* weight, void* grad_x,
                  int64_t begin, int64_t end);
template <class T>
int backward_weight(const Geometry& g, const void* x, const void* grad_y, void* grad_weight,
                    int64_t begin, int64_t end);
template <class T>
int backward_bias(const Geometry& g, const void* grad_y, void* grad_bias, int64_t begin,
                  int64_t end);

// The three layouts backward_weight chooses between (backward_weight_channels.cpp,
// backward_weight_taps.cpp, backward_weight_positions.cpp); all own whole rows of dW per item.
template <class T>
int backward_weight_channels(const Geometry& g, const T* x, const T* grad_y, T* grad_weight,
                             int64_t begin, int64_t end);
template <class T>
int backward_weight_taps(const Geometry& g, const T* x, const T* grad_y, T* grad_weight,
                         int64_t begin, int64_t end);
template <class T>
int backward_weight_positions(const Geometry& g, const T* x, const T* grad_y, T* grad_weight,
                              int64_t begin, int64_t end);

// backward_data's layout for items of under half a vector of input channels
// (backward_data_positions.cpp); the channel lanes serve the rest (backward_data_kernel.cpp).
template <class T>
int backward_data_positions(const Geometry& g, const T* grad_y, const T* weight, T* grad_x,
                            int64_t begin, int64_t end);

// Plain loops for passes too small to repay packing (small_call_kernels.cpp): used when the
// whole pass, N * Cin * (Cout/groups) * K * L multiply-adds, is at most direct_call_macs()
// (kernel_limits.h). Decided for the whole pass, not the call's range, so every split of the
// items runs the same code and gives the same bits.
inline double pass_macs(const Geometry& g) {
  return static_cast<double>(g.batch) * g.in_channels * g.out_per_group * g.kernel_size * g.length;
}
template <class T>
int forward_direct(const Geometry& g, const T* x, const T* weight, const T* bias, T* y,
                   int64_t begin, int64_t end);
template <class T>
int backward_data_direct(const Geometry& g, const T* grad_y, const T* weight, T* grad_x,
                         int64_t begin, int64_t end);
template <class T>
int backward_weight_direct(const Geometry& g, const T* x, const T* grad_y, T* grad_weight,
                           int64_t begin, int64_t end);

// Rows 0 .. V-1 of a row-major source (V = kLanes<T>; rows past `rows` read as zero) into
// lanes: dst[m * dst_column_stride + i] = src[i * src_row_stride + m] for m < columns
// (pack_rows_as_lanes.cpp; the routine JIT kernels call, IsaKernels::pack_rows_*).
template <class T>
void pack_rows_as_lanes(const T* src, int64_t src_row_stride, int64_t rows, int64_t columns, T* dst,
                        int64_t dst_column_stride);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
