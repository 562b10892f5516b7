// Integer helpers for the kernels: floor and ceiling division of possibly negative numbers
// (tap offsets and crops make them negative), min and max. Kept inside the copy's namespace
// rather than taken from <algorithm>, whose out-of-line instances would be shared by every
// copy at link time (whichever ISA the linker happened to keep).
#pragma once

#include <cstdint>

#include "lucid/integer_division.h"
#include "simd.h"

namespace lucid::tier0::LUCID_TIER0_ISA {

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

// floor(a / b) and ceil(a / b) for b > 0: the library's one definition, always inlined so
// no out-of-line copy is shared across the ISA copies.
using lucid::ceil_div;
using lucid::floor_div;

// a mod b in [0, b) for b > 0.
inline int64_t positive_mod(int64_t a, int64_t b) {
  const int64_t r = a % b;
  return r < 0 ? r + b : r;
}

// The coordinates of work item `item` of a pass whose items run (n, group, block).
struct ItemCoordinates {
  int64_t n, group, block;
};
inline ItemCoordinates split_item(int64_t item, int64_t groups, int64_t blocks_per_group) {
  const int64_t per_n = groups * blocks_per_group;
  const int64_t rest = item % per_n;
  return {item / per_n, rest / blocks_per_group, rest % blocks_per_group};
}

}  // namespace lucid::tier0::LUCID_TIER0_ISA
