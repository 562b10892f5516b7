// The facts every tier and tool shares: integer division rounding (include/lucid/
// integer_division.h), the work-item counts (include/lucid/work_items.h), the output-length
// offset, and the lowering's refusal of a schedule that is not normalised for its spec.
#include <doctest/doctest.h>

#include "kernel_compiler.h"
#include "lucid/conv_spec.h"
#include "lucid/error.h"
#include "lucid/integer_division.h"
#include "lucid/work_items.h"
#include "target.h"

using lucid::ConvSpec;
using lucid::Schedule;

TEST_CASE("floor_div and ceil_div round toward -inf and +inf, negative numerators included") {
  static_assert(lucid::floor_div(7, 2) == 3 && lucid::ceil_div(7, 2) == 4);
  static_assert(lucid::floor_div(-7, 2) == -4 && lucid::ceil_div(-7, 2) == -3);
  static_assert(lucid::floor_div(-8, 2) == -4 && lucid::ceil_div(-8, 2) == -4);
  static_assert(lucid::floor_div(0, 5) == 0 && lucid::ceil_div(0, 5) == 0);
  for (int64_t a = -20; a <= 20; ++a)
    for (int64_t b = 1; b <= 6; ++b) {
      CHECK(lucid::floor_div(a, b) * b <= a);
      CHECK((lucid::floor_div(a, b) + 1) * b > a);
      CHECK(lucid::ceil_div(a, b) * b >= a);
      CHECK((lucid::ceil_div(a, b) - 1) * b < a);
    }
}

TEST_CASE("work items: channel blocks per group times groups (times the batch where it runs)") {
  const ConvSpec spec = ConvSpec::make(12, 18, 3, 2, 1, 0, 1, /*groups=*/3);  // 4 in, 6 out per group
  Schedule s;
  s.fwd_block_co = 4;       // 6 -> blocks of 4 and 2
  s.bwd_data_block_ci = 3;  // 4 -> 3 and 1
  s.bwd_weight_block_ci = 2;       // 4 -> 2 and 2
  s = s.normalized_for(spec);
  CHECK(lucid::forward_blocks_per_group(spec, s) == 2);
  CHECK(lucid::backward_data_blocks_per_group(spec, s) == 2);
  CHECK(lucid::backward_weight_blocks_per_group(spec, s) == 2);
  CHECK(lucid::forward_items(spec, s, 5) == 5 * 3 * 2);
  CHECK(lucid::backward_data_items(spec, s, 5) == 5 * 3 * 2);
  CHECK(lucid::backward_weight_items(spec, s) == 3 * 2);
  CHECK(lucid::backward_bias_items(spec) == 18);
}

TEST_CASE("the output-length offset is the spec's part of Lout") {
  const ConvSpec spec = ConvSpec::make(4, 2, 5, 3, lucid::Padding(1, 2), 1, 2);
  CHECK(spec.output_length_offset() == 2 * (5 - 1) - 1 - 2 + 1 + 1);
  for (int64_t L = 1; L < 10; ++L) CHECK(spec.output_length(L) == (L - 1) * 3 + spec.output_length_offset());
}

TEST_CASE("the lowering refuses a schedule not normalised for its spec (an internal error)") {
  const ConvSpec spec = ConvSpec::make(4, 2, 3);  // 2 output channels: fwd_block_co 16 is clamped
  Schedule raw;
  raw.fwd_block_co = 16;
  REQUIRE_FALSE(raw == raw.normalized_for(spec));
  lucid::jit::CompileRequest request{spec, raw, "lucid_test_raw", lucid::jit::host_target(), {}};
  CHECK_THROWS_AS(lucid::jit::compile_kernels(request), lucid::InternalError);
  request.schedule = raw.normalized_for(spec);
  CHECK_NOTHROW(lucid::jit::compile_kernels(request));
}
