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

// The two layouts backward_weight chooses between (backward_weight_channels.cpp,
// backward_weight_taps.cpp); both own whole rows of dW per item.
template <class T>
int backward_weight_channels(const Geometry& g, const T* x, const T* grad_y, T* grad_weight,
                             int64_t begin, int64_t end);
template <class T>
int backward_weight_taps(const Geometry& g, const T* x, const T* grad_y, T* grad_weight,
                         int64_t begin, int64_t end);

}  // namespace lucid::tier0::LUCID_TIER0_ISA
