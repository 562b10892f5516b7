// ConvSpec: one validated, normalised ConvTranspose1d configuration (docs/semantics.md §1).
// It is what every kernel, cache file, AOT symbol and benchmark name is derived from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lucid/dtype.h"

namespace lucid {

// The `padding` argument as the user spelled it. Kept so to_string() round-trips.
struct Padding {
  enum class Kind { Int, Pair, Valid, Same };
  Kind kind = Kind::Int;
  int64_t left = 0;   // meaningful for Int and Pair
  int64_t right = 0;  // meaningful for Int and Pair

  Padding() = default;
  Padding(int64_t p) : kind(Kind::Int), left(p), right(p) {}  // NOLINT: implicit like PyTorch's int
  Padding(int64_t l, int64_t r) : kind(Kind::Pair), left(l), right(r) {}
  static Padding valid() { Padding p; p.kind = Kind::Valid; return p; }
  static Padding same() { Padding p; p.kind = Kind::Same; return p; }
  bool operator==(const Padding&) const = default;
};

struct ConvSpec {
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int64_t kernel_size = 1;
  int64_t stride = 1;
  Padding padding;             // as given
  int64_t output_padding = 0;  // as given
  int64_t dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  DType dtype = DType::Float32;

  // Resolved crops: y position t = l*stride - pad_left + k*dilation. pad_right may be
  // negative only for padding="same" with a kernel span shorter than the stride, where the
  // output is extended on the right instead of cropped.
  int64_t pad_left = 0;
  int64_t pad_right = 0;

  // Validates every rule of docs/semantics.md §1 that does not depend on the input length and
  // resolves pad_left/pad_right. Throws lucid::Error naming the argument and the rule.
  static ConvSpec make(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                       int64_t stride = 1, Padding padding = 0, int64_t output_padding = 0,
                       int64_t dilation = 1, int64_t groups = 1, bool bias = true,
                       DType dtype = DType::Float32);

  // Parses the Python/PyTorch spelling, e.g.
  //   ConvTranspose1d(512, 256, 16, stride=8, padding=4)
  //   ConvTranspose1d(4, 2, kernel_size=3, padding="same", bias=False, dtype=float64)
  // Errors point at the offending token.
  static ConvSpec parse(std::string_view text);

  // Text that parse() turns back into an equal spec.
  std::string to_string() const;

  // Stable identifier, e.g. ct1d.f32.ci512.co256.k16.s8.pl4.pr4.op0.d1.g1.b1
  std::string key() const;

  // Output length for input length L; throws lucid::Error when L < 1 or the result is < 1.
  int64_t output_length(int64_t length) const;
  // Output length without validation (may be < 1), or nothing when it overflows int64; the
  // kernels' argument checks use it.
  std::optional<int64_t> output_length_or_overflow(int64_t length) const;
  // Output length without validation (may be < 1); only for lengths known to be in range.
  int64_t output_length_unchecked(int64_t length) const {
    return (length - 1) * stride + output_length_offset();
  }
  // The output-length rule (docs/semantics.md §2): Lout = (L - 1) * stride + this offset, where
  // the offset, dilation*(kernel_size - 1) - pad_left - pad_right + output_padding + 1, is
  // the part the spec fixes. The lowering and lucid-aot emit Lout as IR from it.
  int64_t output_length_offset() const {
    return dilation * (kernel_size - 1) - pad_left - pad_right + output_padding + 1;
  }

  // 2 * N * Cin * (Cout/groups) * K * L: multiply-adds of the forward pass, counted twice.
  double flops(int64_t batch, int64_t length) const;

  int64_t in_per_group() const { return in_channels / groups; }
  int64_t out_per_group() const { return out_channels / groups; }
  // A group's weights (in x out per group x K) under 64: seed layers, depthwise. Their calls
  // take tens of nanoseconds and their code compiles fast, so the lowering's sweeps favour
  // call time over code size.
  static constexpr bool small_groups(int64_t in_per_group, int64_t out_per_group, int64_t kernel_size) {
    return in_per_group * out_per_group * kernel_size < 64;
  }
  bool small_groups() const { return small_groups(in_per_group(), out_per_group(), kernel_size); }
  // Number of weight elements: Cin * (Cout/groups) * K.
  int64_t weight_numel() const { return in_channels * out_per_group() * kernel_size; }

  bool operator==(const ConvSpec&) const = default;
};

}  // namespace lucid
