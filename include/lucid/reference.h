// Reference kernels: the four passes of ConvTranspose1d as plain loops, written straight from
// the formulas of docs/semantics.md §1 (in the spirit of oneDNN's ref_deconvolution). They are the
// oracle every generated kernel is tested against, so they stay obvious rather than fast.
//
// Layouts are NCL contiguous: x (N, Cin, L), y and gy (N, Cout, Lout), weight (Cin, Cout/G, K),
// bias (Cout). Outputs are overwritten. T is float or double.
#pragma once

#include <cstdint>
#include <type_traits>

#include "lucid/conv_spec.h"

namespace lucid::reference {

// y[n, g*Cout/G + co, l*s - pl + k*d] += x[n, ci, l] * w[ci, co, k] for each input channel ci
// of group g, then y[n, c, t] += b[c]; positions outside [0, Lout) are dropped. b may be null
// (type_identity_t lets callers pass a plain nullptr).
template <class T>
void forward(const ConvSpec& spec, const T* x, const T* w, const std::type_identity_t<T>* b,
             T* y, int64_t N, int64_t L) {
  const int64_t Lout = spec.output_length(L);
  const int64_t Cin = spec.in_channels, Cout = spec.out_channels, K = spec.kernel_size;
  const int64_t G = spec.groups, Cin_g = spec.in_per_group(), Cout_g = spec.out_per_group();
  for (int64_t i = 0; i < N * Cout * Lout; ++i) y[i] = T(0);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t g = 0; g < G; ++g)
      for (int64_t ci = g * Cin_g; ci < (g + 1) * Cin_g; ++ci)
        for (int64_t co = 0; co < Cout_g; ++co)
          for (int64_t k = 0; k < K; ++k)
            for (int64_t l = 0; l < L; ++l) {
              const int64_t t = l * spec.stride - spec.pad_left + k * spec.dilation;
              if (t < 0 || t >= Lout) continue;
              y[(n * Cout + g * Cout_g + co) * Lout + t] +=
                  x[(n * Cin + ci) * L + l] * w[(ci * Cout_g + co) * K + k];
            }
  if (b != nullptr)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < Cout; ++c)
        for (int64_t t = 0; t < Lout; ++t) y[(n * Cout + c) * Lout + t] += b[c];
}

// gx[n, ci, l] = sum over co of ci's group, k of gy[n, g*Cout/G + co, l*s - pl + k*d] * w[ci, co, k]
// (an ordinary strided, dilated convolution of gy), positions outside [0, Lout) counting as 0.
template <class T>
void backward_data(const ConvSpec& spec, const T* gy, const T* w, T* gx, int64_t N, int64_t L) {
  const int64_t Lout = spec.output_length(L);
  const int64_t Cin = spec.in_channels, Cout = spec.out_channels, K = spec.kernel_size;
  const int64_t G = spec.groups, Cin_g = spec.in_per_group(), Cout_g = spec.out_per_group();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t g = 0; g < G; ++g)
      for (int64_t ci = g * Cin_g; ci < (g + 1) * Cin_g; ++ci)
        for (int64_t l = 0; l < L; ++l) {
          T sum = T(0);
          for (int64_t co = 0; co < Cout_g; ++co)
            for (int64_t k = 0; k < K; ++k) {
              const int64_t t = l * spec.stride - spec.pad_left + k * spec.dilation;
              if (t < 0 || t >= Lout) continue;
              sum += gy[(n * Cout + g * Cout_g + co) * Lout + t] * w[(ci * Cout_g + co) * K + k];
            }
          gx[(n * Cin + ci) * L + l] = sum;
        }
}

// gw[ci, co, k] = sum over n, l of x[n, ci, l] * gy[n, g*Cout/G + co, l*s - pl + k*d],
// positions outside [0, Lout) counting as 0.
template <class T>
void backward_weight(const ConvSpec& spec, const T* x, const T* gy, T* gw, int64_t N,
                     int64_t L) {
  const int64_t Lout = spec.output_length(L);
  const int64_t Cin = spec.in_channels, Cout = spec.out_channels, K = spec.kernel_size;
  const int64_t G = spec.groups, Cin_g = spec.in_per_group(), Cout_g = spec.out_per_group();
  for (int64_t g = 0; g < G; ++g)
    for (int64_t ci = g * Cin_g; ci < (g + 1) * Cin_g; ++ci)
      for (int64_t co = 0; co < Cout_g; ++co)
        for (int64_t k = 0; k < K; ++k) {
          T sum = T(0);
          for (int64_t n = 0; n < N; ++n)
            for (int64_t l = 0; l < L; ++l) {
              const int64_t t = l * spec.stride - spec.pad_left + k * spec.dilation;
              if (t < 0 || t >= Lout) continue;
              sum += x[(n * Cin + ci) * L + l] * gy[(n * Cout + g * Cout_g + co) * Lout + t];
            }
          gw[(ci * Cout_g + co) * K + k] = sum;
        }
}

// gb[c] = sum over n, t of gy[n, c, t].
template <class T>
void backward_bias(const ConvSpec& spec, const T* gy, T* gb, int64_t N, int64_t L) {
  const int64_t Lout = spec.output_length(L);
  const int64_t Cout = spec.out_channels;
  for (int64_t c = 0; c < Cout; ++c) {
    T sum = T(0);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t t = 0; t < Lout; ++t) sum += gy[(n * Cout + c) * Lout + t];
    gb[c] = sum;
  }
}

}  // namespace lucid::reference
