// PyTorch's NaN and Inf propagation for ConvTranspose1d: the plain loops calls with a
// non-finite weight or input take (see nonfinite_passes.h for why).
#include "nonfinite_passes.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "dtype_dispatch.h"
#include "lucid/reference.h"

namespace lucid::nonfinite {

namespace {

// Non-finite means all exponent bits set. The check runs on the bits in blocks of a fixed
// count with no exit inside a block, so the compiler vectorises it (an early-exit isfinite
// loop does not): the weight of a large layer is checked at memory speed on every call.
template <typename Bits>
bool all_finite_bits(const unsigned char* data, int64_t n, Bits exponent) {
  constexpr int64_t kBlock = 256;
  auto block_bad = [&](int64_t begin, int64_t count) {
    Bits bad = 0;
    for (int64_t i = 0; i < count; ++i) {
      Bits b;
      std::memcpy(&b, data + (begin + i) * sizeof(Bits), sizeof(Bits));
      bad |= static_cast<Bits>((b & exponent) == exponent);
    }
    return bad != 0;
  };
  int64_t i = 0;
  for (; i + kBlock <= n; i += kBlock)
    if (block_bad(i, kBlock)) return false;
  return !block_bad(i, n - i);
}

}  // namespace

bool all_finite(const void* data, int64_t numel, DType dtype) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  return dtype == DType::Float64 ? all_finite_bits<std::uint64_t>(bytes, numel, 0x7ff0000000000000ull)
                                 : all_finite_bits<std::uint32_t>(bytes, numel, 0x7f800000u);
}

bool all_finite(const Tensor& t) { return all_finite(t.data(), t.numel(), t.dtype()); }

void forward(const ConvSpec& spec, const Tensor& x, const Tensor& weight, const Tensor& bias,
             Tensor& y, int64_t batch, int64_t length) {
  // The reference takes only the products the formula has: PyTorch's col2im forward.
  visit_dtype(spec.dtype, [&](auto tag) {
    using T = decltype(tag);
    reference::forward(spec, x.data_as<T>(), weight.data_as<T>(), bias.defined() ? bias.data_as<T>() : nullptr,
                       y.data_as<T>(), batch, length);
  });
}

void backward_data(const ConvSpec& spec, const Tensor& grad_y, const Tensor& weight,
                   Tensor& grad_x, int64_t batch, int64_t length) {
  visit_dtype(spec.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* gy = grad_y.data_as<T>();
    const T* w = weight.data_as<T>();
    T* gx = grad_x.data_as<T>();
    const int64_t Lout = spec.output_length(length), Cin = spec.in_channels, Cout = spec.out_channels;
    const int64_t K = spec.kernel_size, Cin_g = spec.in_per_group(), Cout_g = spec.out_per_group();
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t ci = 0; ci < Cin; ++ci) {
        const int64_t g = ci / Cin_g;
        for (int64_t l = 0; l < length; ++l) {
          T sum = T(0);
          for (int64_t co = 0; co < Cout_g; ++co)
            for (int64_t k = 0; k < K; ++k) {
              const int64_t t = l * spec.stride - spec.pad_left + k * spec.dilation;
              const T g_value = t >= 0 && t < Lout ? gy[(n * Cout + g * Cout_g + co) * Lout + t] : T(0);
              sum += g_value * w[(ci * Cout_g + co) * K + k];
            }
          gx[(n * Cin + ci) * length + l] = sum;
        }
      }
  });
}

void backward_weight(const ConvSpec& spec, const Tensor& x, const Tensor& grad_y,
                     Tensor& grad_weight, int64_t batch, int64_t length) {
  visit_dtype(spec.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* xs = x.data_as<T>();
    const T* gy = grad_y.data_as<T>();
    T* gw = grad_weight.data_as<T>();
    const int64_t Lout = spec.output_length(length), Cin = spec.in_channels, Cout = spec.out_channels;
    const int64_t K = spec.kernel_size, Cin_g = spec.in_per_group(), Cout_g = spec.out_per_group();
    for (int64_t ci = 0; ci < Cin; ++ci) {
      const int64_t g = ci / Cin_g;
      for (int64_t co = 0; co < Cout_g; ++co)
        for (int64_t k = 0; k < K; ++k) {
          T sum = T(0);
          for (int64_t n = 0; n < batch; ++n)
            for (int64_t l = 0; l < length; ++l) {
              const int64_t t = l * spec.stride - spec.pad_left + k * spec.dilation;
              const T g_value = t >= 0 && t < Lout ? gy[(n * Cout + g * Cout_g + co) * Lout + t] : T(0);
              sum += xs[(n * Cin + ci) * length + l] * g_value;
            }
          gw[(ci * Cout_g + co) * K + k] = sum;
        }
    }
  });
}

}  // namespace lucid::nonfinite
