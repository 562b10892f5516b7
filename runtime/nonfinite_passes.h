// The ConvTranspose1d passes for calls whose operands hold NaN or Inf, with PyTorch's
// propagation (private to runtime/).
//
// Both kernel tiers compute over zero-padded windows and packed blocks: extra products with a
// zero operand, exact while the operand they meet is finite. That holds for the forward and
// backward-data passes while the weight is finite, and for the backward-weight pass while the
// input is finite. Otherwise a padded zero meets NaN or Inf, and the result depends on the
// padding: PyTorch's forward (col2im) takes only the products the formula has, its backward
// passes (im2col) take every tap with positions outside the output read as 0 (so 0 * Inf is
// NaN there). Calls with a non-finite weight or input take these plain loops instead, which
// follow PyTorch exactly; they are slow, but only such calls pay for them.
#pragma once

#include "lucid/conv_spec.h"
#include "lucid/tensor.h"

namespace lucid::nonfinite {

// True when every element is a finite number (one vectorised pass over the tensor; t must be
// contiguous, as the runtime's tensors are).
bool all_finite(const Tensor& t);
// The same over `numel` contiguous elements of `dtype` at `data` (lucid_jit.torch's check).
bool all_finite(const void* data, int64_t numel, DType dtype);

// Outputs are overwritten. Shapes are (batch, Cin, length), (Cin, Cout/G, K), (Cout) or
// undefined bias, and (batch, Cout, output_length); unbatched tensors have batch 1.
void forward(const ConvSpec& spec, const Tensor& x, const Tensor& weight, const Tensor& bias,
             Tensor& y, int64_t batch, int64_t length);
// Every (output channel, tap) term, with grad_y positions outside [0, Lout) read as 0.
void backward_data(const ConvSpec& spec, const Tensor& grad_y, const Tensor& weight,
                   Tensor& grad_x, int64_t batch, int64_t length);
// Every (n, position) term, with grad_y positions outside [0, Lout) read as 0.
void backward_weight(const ConvSpec& spec, const Tensor& x, const Tensor& grad_y,
                     Tensor& grad_weight, int64_t batch, int64_t length);

}  // namespace lucid::nonfinite
