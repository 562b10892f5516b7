// floor_div and ceil_div: the one definition of rounded integer division used by the spec,
// the work-item counts, the lowering's compile-time arithmetic and the tier-0 kernels. They
// accept negative numerators (tap offsets and crops make them negative); the divisor must
// be positive. ir/kernel_builder.h emits the same rule as IR for run-time values.
#pragma once

#include <cstdint>

namespace lucid {

// Always inlined: the tier-0 kernels are compiled once per instruction set, and an
// out-of-line copy of an inline function would be shared by all of them at link time
// (whichever ISA's copy the linker kept), so none may exist.

// floor(a / b) for b > 0.
[[gnu::always_inline]] constexpr inline int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// ceil(a / b) for b > 0.
[[gnu::always_inline]] constexpr inline int64_t ceil_div(int64_t a, int64_t b) {
  return -floor_div(-a, b);
}

}  // namespace lucid
