// Differentiable tensor ops needed to train a decoder: elementwise arithmetic, ReLU,
// reductions and the MSE loss. Operands of binary ops must have equal shapes and dtypes;
// a mismatch throws lucid::Error naming both shapes.
#pragma once

#include "lucid/tensor.h"

namespace lucid {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, double scalar);
Tensor relu(const Tensor& x);

// Sum / mean over all elements: a 0-dimensional tensor.
Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x);

// mean((prediction - target)^2), PyTorch's mse_loss with reduction="mean".
Tensor mse_loss(const Tensor& prediction, const Tensor& target);

inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
inline Tensor operator*(double s, const Tensor& a) { return mul(a, s); }

}  // namespace lucid
