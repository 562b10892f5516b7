// ConvSpec: validation, padding resolution, lengths, key and PyTorch-style text (docs/semantics.md §1).
#include "lucid/conv_spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "lucid/checked_int.h"
#include "lucid/error.h"

namespace lucid {

namespace {

// Every size argument is capped at 2^31 - 1 so that the sums and two-factor products used by
// lengths and kernels (dilation * (kernel_size - 1), pad_left + pad_right) cannot overflow
// int64. The weight's size, a product of three arguments, can, and make() checks it.
constexpr int64_t kMaxArgument = std::numeric_limits<int32_t>::max();

[[noreturn]] void fail(const std::string& what) { throw Error("ConvTranspose1d: " + what); }

void require_positive(const char* name, int64_t value) {
  if (value < 1) fail(fmt::format("{} ({}) must be >= 1", name, value));
  if (value > kMaxArgument) fail(fmt::format("{} ({}) must be at most {}", name, value, kMaxArgument));
}

void require_padding(const char* side, int64_t value, const std::string& shown) {
  if (value < 0) fail(fmt::format("padding ({}) must be >= 0{}", shown, side));
  if (value > kMaxArgument) fail(fmt::format("padding ({}) must be at most {}{}", shown, kMaxArgument, side));
}

}  // namespace

ConvSpec ConvSpec::make(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                        int64_t stride, Padding padding, int64_t output_padding,
                        int64_t dilation, int64_t groups, bool bias, DType dtype) {
  require_positive("in_channels", in_channels);
  require_positive("out_channels", out_channels);
  require_positive("kernel_size", kernel_size);
  require_positive("stride", stride);
  require_positive("dilation", dilation);
  require_positive("groups", groups);
  if (in_channels % groups != 0)
    fail(fmt::format("in_channels ({}) must be divisible by groups ({})", in_channels, groups));
  if (out_channels % groups != 0)
    fail(fmt::format("out_channels ({}) must be divisible by groups ({})", out_channels, groups));

  const bool string_padding =
      padding.kind == Padding::Kind::Same || padding.kind == Padding::Kind::Valid;
  if (padding.kind == Padding::Kind::Int) {
    require_padding("", padding.left, fmt::format("{}", padding.left));
    padding.right = padding.left;  // an Int padding is symmetric whatever the caller stored
  } else if (padding.kind == Padding::Kind::Pair) {
    const std::string shown = fmt::format("{}, {}", padding.left, padding.right);
    require_padding(" on both sides", padding.left, shown);
    require_padding(" on both sides", padding.right, shown);
  } else {
    padding.left = padding.right = 0;  // strings carry no numbers; keep == meaningful
  }

  if (output_padding < 0) fail(fmt::format("output_padding ({}) must be >= 0", output_padding));
  if (string_padding && output_padding != 0)
    fail(fmt::format("output_padding ({}) must be 0 when padding is \"{}\"", output_padding,
                     padding.kind == Padding::Kind::Same ? "same" : "valid"));
  if (output_padding >= std::max(stride, dilation))
    fail(fmt::format("output_padding ({}) must be smaller than max(stride, dilation) ({})",
                     output_padding, std::max(stride, dilation)));

  // The weight must be addressable: its element and byte counts fit int64 (a layer this big
  // is rejected here, before any tensor is allocated for it).
  product_or_throw({in_channels, out_channels / groups, kernel_size, static_cast<int64_t>(dtype_size(dtype))}, [] {
    return std::string("ConvTranspose1d: the weight's byte count "
                       "in_channels * (out_channels / groups) * kernel_size * sizeof(dtype)");
  });

  ConvSpec spec;
  spec.in_channels = in_channels;
  spec.out_channels = out_channels;
  spec.kernel_size = kernel_size;
  spec.stride = stride;
  spec.padding = padding;
  spec.output_padding = output_padding;
  spec.dilation = dilation;
  spec.groups = groups;
  spec.bias = bias;
  spec.dtype = dtype;

  switch (padding.kind) {
    case Padding::Kind::Int:
    case Padding::Kind::Pair:
      spec.pad_left = padding.left;
      spec.pad_right = padding.right;
      break;
    case Padding::Kind::Valid:
      break;
    case Padding::Kind::Same: {
      // Keras/TensorFlow "same" for a transposed convolution: the output is L * stride long.
      // The full output is (L-1)*s + d*(K-1) + 1 long, so `total` positions must go; when the
      // kernel span is shorter than the stride, total < 0 and the output grows on the right.
      const int64_t total = dilation * (kernel_size - 1) + 1 - stride;
      if (total >= 0) {
        spec.pad_left = total / 2;
        spec.pad_right = total - spec.pad_left;
      } else {
        spec.pad_left = 0;
        spec.pad_right = total;
      }
      break;
    }
  }
  return spec;
}

int64_t ConvSpec::output_length(int64_t length) const {
  if (length < 1) fail(fmt::format("input length ({}) must be >= 1", length));
  // Checked: huge lengths must give an error, not a wrapped-around length.
  const std::optional<int64_t> checked = output_length_or_overflow(length);
  if (!checked)
    fail(fmt::format("input length ({}) gives an output length too large for int64: (L - 1)*stride"
                     " = ({} - 1)*{} plus {} overflows",
                     length, length, stride, output_length_offset()));
  const int64_t out = *checked;
  if (out < 1)
    fail(fmt::format(
        "input length ({}) gives output length ({}), which must be >= 1: "
        "(L - 1)*stride - pad_left - pad_right + dilation*(kernel_size - 1) + output_padding + 1"
        " with stride={}, pad_left={}, pad_right={}, dilation={}, kernel_size={}, "
        "output_padding={}",
        length, out, stride, pad_left, pad_right, dilation, kernel_size,
        output_padding));
  return out;
}

std::optional<int64_t> ConvSpec::output_length_or_overflow(int64_t length) const {
  // The constant part is small (every argument is below 2^31), only (L - 1)*stride can overflow.
  std::optional<int64_t> scaled = checked_mul(length - 1, stride);
  if (!scaled) return std::nullopt;
  return checked_add(*scaled, output_length_offset());
}

double ConvSpec::flops(int64_t batch, int64_t length) const {
  return 2.0 * static_cast<double>(batch) * static_cast<double>(in_channels) *
         static_cast<double>(out_per_group()) * static_cast<double>(kernel_size) *
         static_cast<double>(length);
}

std::string ConvSpec::key() const {
  return fmt::format("ct1d.{}.ci{}.co{}.k{}.s{}.pl{}.pr{}.op{}.d{}.g{}.b{}",
                     dtype == DType::Float32 ? "f32" : "f64", in_channels, out_channels,
                     kernel_size, stride, pad_left, pad_right, output_padding, dilation, groups,
                     bias ? 1 : 0);
}

std::string ConvSpec::to_string() const {
  std::string text =
      fmt::format("ConvTranspose1d({}, {}, {}", in_channels, out_channels, kernel_size);
  if (stride != 1) text += fmt::format(", stride={}", stride);
  switch (padding.kind) {
    case Padding::Kind::Int:
      if (padding.left != 0) text += fmt::format(", padding={}", padding.left);
      break;
    case Padding::Kind::Pair:
      text += fmt::format(", padding=({}, {})", padding.left, padding.right);
      break;
    case Padding::Kind::Valid:
      text += ", padding=\"valid\"";
      break;
    case Padding::Kind::Same:
      text += ", padding=\"same\"";
      break;
  }
  if (output_padding != 0) text += fmt::format(", output_padding={}", output_padding);
  if (dilation != 1) text += fmt::format(", dilation={}", dilation);
  if (groups != 1) text += fmt::format(", groups={}", groups);
  if (!bias) text += ", bias=False";
  if (dtype != DType::Float32) text += fmt::format(", dtype={}", dtype_name(dtype));
  text += ")";
  return text;
}

}  // namespace lucid
