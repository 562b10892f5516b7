// Checked int64 size arithmetic: the one place element counts, byte counts and lengths are
// multiplied and added with overflow detection (__builtin_*_overflow), so a size too large
// for int64 is rejected before anything is allocated instead of wrapping to a small or
// negative number. The throwing forms name the quantity, its factors and the rule.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>

#include "lucid/error.h"

namespace lucid {

// a * b, or nothing when it overflows int64.
inline std::optional<int64_t> checked_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// a + b, or nothing when it overflows int64.
inline std::optional<int64_t> checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// The product of `factors` (1 for none), or nothing when any partial product overflows.
inline std::optional<int64_t> checked_product(std::initializer_list<int64_t> factors) {
  int64_t r = 1;
  for (int64_t f : factors)
    if (__builtin_mul_overflow(r, f, &r)) return std::nullopt;
  return r;
}

// "a * b * c": the factors of a product, for messages.
inline std::string factors_to_string(std::initializer_list<int64_t> factors) {
  std::string s;
  for (int64_t f : factors) s += (s.empty() ? "" : " * ") + std::to_string(f);
  return s.empty() ? "1" : s;
}

// The product of `factors`, or lucid::Error "<what()> = <a * b * c> overflows int64 (at most
// 9223372036854775807)". `what` is called only on overflow (the caller's argument name and
// context), so the check costs nothing when it passes.
template <typename What>
int64_t product_or_throw(std::initializer_list<int64_t> factors, What&& what) {
  if (std::optional<int64_t> r = checked_product(factors)) return *r;
  throw Error(std::string(what()) + " = " + factors_to_string(factors) +
              " overflows int64 (at most 9223372036854775807)");
}

}  // namespace lucid
