// Tier 0 by hand: the seed's example, the status codes of the kernel ABI (in the JIT's order,
// and out-of-memory), bias handling, "same" padding extended on the right, items that must not
// touch what they do not own, forward length tiles, and block sizes outside the normalised
// range. Every case runs through every instruction-set copy this CPU runs.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "lucid/reference.h"
#include "tier0/kernel_limits.h"
#include "tier0/tier0_isa.h"
#include "tier0/tier0_kernels.h"

namespace {

using lucid::ConvSpec;
using lucid::DType;
using lucid::KernelSet;
using lucid::Padding;
using lucid::Schedule;
namespace tier0 = lucid::tier0;

std::vector<tier0::Isa> supported_isas() {
  std::vector<tier0::Isa> isas;
  for (tier0::Isa isa : tier0::kAllIsas)
    if (tier0::isa_supported(isa)) isas.push_back(isa);
  return isas;
}

// Puts tier 0's testing knobs back to their defaults when a test case ends, however it ends,
// so a failed check cannot leave a small budget to the cases after it.
struct RestoreTier0Knobs {
  RestoreTier0Knobs() = default;
  RestoreTier0Knobs(const RestoreTier0Knobs&) = delete;
  RestoreTier0Knobs& operator=(const RestoreTier0Knobs&) = delete;
  ~RestoreTier0Knobs() {
    tier0::set_scratch_limit_bytes_for_testing(0);
    tier0::set_scratch_budget_bytes_for_testing(0);
    tier0::set_direct_call_macs_for_testing(-1);
  }
};

std::shared_ptr<const KernelSet> tier0_set(const ConvSpec& spec) {
  return tier0::make_kernel_set(spec, Schedule::default_for(spec, 256, 16));
}

template <class T>
void check_seed_example(DType dtype) {
  // ConvTranspose1d(1, 1, 2, bias=False), W = [1, 0.5], x = [1, 2, 3].
  const ConvSpec spec = ConvSpec::make(1, 1, 2, 1, 0, 0, 1, 1, false, dtype);
  auto set = tier0_set(spec);
  const std::vector<T> w{1, 0.5}, x{1, 2, 3}, gy{1, 1, 1, 1};
  for (tier0::Isa isa : supported_isas()) {
    INFO("isa=", tier0::isa_name(isa));
    std::vector<T> y(4, T(-7)), gx(3, T(-7)), gw(2, T(-7)), gb(1, T(-7));
    REQUIRE(tier0::forward_with(isa, *set, x.data(), w.data(), nullptr, y.data(), 1, 3, 0, set->forward_items(1)) == 0);
    REQUIRE(tier0::backward_data_with(isa, *set, gy.data(), w.data(), gx.data(), 1, 3, 0, set->backward_data_items(1)) == 0);
    REQUIRE(tier0::backward_weight_with(isa, *set, x.data(), gy.data(), gw.data(), 1, 3, 0, set->backward_weight_items()) == 0);
    REQUIRE(tier0::backward_bias_with(isa, *set, gy.data(), gb.data(), 1, 3, 0, set->backward_bias_items()) == 0);
    CHECK(y == std::vector<T>{1, 2.5, 4, 1.5});
    CHECK(gx == std::vector<T>{1.5, 1.5, 1.5});
    CHECK(gw == std::vector<T>{6, 6});
    CHECK(gb == std::vector<T>{4});
  }
}

}  // namespace

TEST_CASE("tier 0 reproduces the seed's example (float and double)") {
  check_seed_example<float>(DType::Float32);
  check_seed_example<double>(DType::Float64);
}

TEST_CASE("tier 0 sets are generic: tier 0, no entry points, the schedule kept as given") {
  const ConvSpec spec = ConvSpec::parse("ConvTranspose1d(8, 6, 4, stride=2, padding=1)");
  const Schedule schedule = Schedule::default_for(spec, 256, 16);
  auto set = tier0::make_kernel_set(spec, schedule);
  CHECK(set->tier == 0);
  CHECK(set->source == "generic");
  CHECK(set->schedule == schedule);
  CHECK(!set->forward_fn);
  CHECK(!set->backward_data_fn);
  CHECK(!set->backward_weight_fn);
  CHECK(!set->backward_bias_fn);
  CHECK(tier0::isa_supported(tier0::selected_isa()));
}

TEST_CASE("tier 0 status codes follow the JIT's checks and order") {
  const ConvSpec spec = ConvSpec::parse("ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)");
  auto set = tier0_set(spec);
  const int64_t L = 5, N = 2;
  std::vector<float> x(N * 4 * L, 1.f), w(static_cast<size_t>(spec.weight_numel()), 1.f), b(2, 1.f);
  std::vector<float> y(N * 2 * spec.output_length(L)), gx(x.size()), gw(w.size()), gb(2);
  const int64_t fwd = set->forward_items(N), bwd = set->backward_data_items(N);
  const int64_t bww = set->backward_weight_items(), bias = set->backward_bias_items();
  for (tier0::Isa isa : supported_isas()) {
    INFO("isa=", tier0::isa_name(isa));
    auto forward = [&](int64_t n, int64_t l, int64_t i0, int64_t i1) {
      return tier0::forward_with(isa, *set, x.data(), w.data(), b.data(), y.data(), n, l, i0, i1);
    };
    auto backward_data = [&](int64_t n, int64_t l, int64_t i0, int64_t i1) {
      return tier0::backward_data_with(isa, *set, y.data(), w.data(), gx.data(), n, l, i0, i1);
    };
    auto backward_weight = [&](int64_t n, int64_t l, int64_t i0, int64_t i1) {
      return tier0::backward_weight_with(isa, *set, x.data(), y.data(), gw.data(), n, l, i0, i1);
    };
    auto backward_bias = [&](int64_t n, int64_t l, int64_t i0, int64_t i1) {
      return tier0::backward_bias_with(isa, *set, y.data(), gb.data(), n, l, i0, i1);
    };
    // batch < 1 comes first, even with a bad length and range.
    CHECK(forward(0, L, 0, fwd) == LUCID_STATUS_BAD_BATCH);
    CHECK(forward(-1, 0, -5, 1000) == LUCID_STATUS_BAD_BATCH);
    CHECK(backward_data(0, L, 0, 0) == LUCID_STATUS_BAD_BATCH);
    CHECK(backward_weight(0, L, 0, bww) == LUCID_STATUS_BAD_BATCH);
    CHECK(backward_bias(0, L, 0, bias) == LUCID_STATUS_BAD_BATCH);
    // Then the lengths: L < 1, or an output length below 1, before the range.
    CHECK(forward(N, 0, 0, fwd) == LUCID_STATUS_BAD_LENGTH);
    CHECK(backward_data(N, -3, -1, 0) == LUCID_STATUS_BAD_LENGTH);
    CHECK(backward_weight(N, 0, 0, bww) == LUCID_STATUS_BAD_LENGTH);
    CHECK(backward_bias(N, 0, 0, bias) == LUCID_STATUS_BAD_LENGTH);
    // Then the range: outside [0, items], or begin > end.
    for (auto [i0, i1] : {std::pair<int64_t, int64_t>{-1, 1}, {0, fwd + 1}, {2, 1}}) {
      CHECK(forward(N, L, i0, i1) == LUCID_STATUS_BAD_RANGE);
    }
    CHECK(backward_data(N, L, 0, bwd + 1) == LUCID_STATUS_BAD_RANGE);
    CHECK(backward_data(N, L, -1, 0) == LUCID_STATUS_BAD_RANGE);
    CHECK(backward_weight(N, L, 0, bww + 1) == LUCID_STATUS_BAD_RANGE);
    CHECK(backward_weight(N, L, 1, 0) == LUCID_STATUS_BAD_RANGE);
    CHECK(backward_bias(N, L, 0, bias + 1) == LUCID_STATUS_BAD_RANGE);
    // Empty ranges, anywhere in [0, items], are fine.
    CHECK(forward(N, L, fwd, fwd) == 0);
    CHECK(backward_data(N, L, 0, 0) == 0);
    CHECK(backward_weight(N, L, bww, bww) == 0);
    CHECK(backward_bias(N, L, 1, 1) == 0);
    // A layer with a bias and no bias pointer: reported, not read.
    CHECK(tier0::forward_with(isa, *set, x.data(), w.data(), nullptr, y.data(), N, L, 0, fwd) ==
          LUCID_STATUS_BAD_ARGUMENT);
  }
  // Output length below 1: ConvTranspose1d(1, 1, 2, padding=2) with L = 1 has Lout = -2.
  const ConvSpec cropped = ConvSpec::parse("ConvTranspose1d(1, 1, 2, padding=2)");
  auto cropped_set = tier0_set(cropped);
  float one = 1, out = 0;
  CHECK(tier0::forward(*cropped_set, &one, &one, &one, &out, 1, 1, 0, 1) == LUCID_STATUS_BAD_LENGTH);
  CHECK(tier0::backward_bias(*cropped_set, &one, &out, 1, 1, 0, 1) == LUCID_STATUS_BAD_LENGTH);
  // The public entry points and KernelSet's call methods agree with the copies.
  CHECK(set->forward(x.data(), w.data(), b.data(), y.data(), 0, L, 0, 1) == LUCID_STATUS_BAD_BATCH);
  CHECK(set->backward_weight(x.data(), y.data(), gw.data(), N, L, 0, bww + 1) == LUCID_STATUS_BAD_RANGE);
}

TEST_CASE("tier 0 without a bias: a null pointer works, a non-null one is ignored") {
  const ConvSpec spec = ConvSpec::parse("ConvTranspose1d(3, 5, 4, stride=3, padding=(2, 1), bias=False)");
  auto set = tier0_set(spec);
  const int64_t L = 9, Lout = spec.output_length(L);
  std::vector<float> x(3 * L), w(static_cast<size_t>(spec.weight_numel())), junk(5, 1e6f);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i));
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::cos(float(i));
  std::vector<float> want(static_cast<size_t>(5 * Lout));
  lucid::reference::forward<float>(spec, x.data(), w.data(), nullptr, want.data(), 1, L);
  for (tier0::Isa isa : supported_isas()) {
    std::vector<float> y(want.size(), NAN), y_junk(want.size(), NAN);
    REQUIRE(tier0::forward_with(isa, *set, x.data(), w.data(), nullptr, y.data(), 1, L, 0, set->forward_items(1)) == 0);
    REQUIRE(tier0::forward_with(isa, *set, x.data(), w.data(), junk.data(), y_junk.data(), 1, L, 0, set->forward_items(1)) == 0);
    for (size_t i = 0; i < want.size(); ++i) {
      CHECK(y[i] == doctest::Approx(want[i]).epsilon(1e-5));
      CHECK(y_junk[i] == y[i]);
    }
  }
}

TEST_CASE("tier 0 padding='same' with a stride longer than the kernel extends the output") {
  // total = d*(K-1) + 1 - s = 2 - 4 < 0: pl = 0, the output is L*s long, its last positions
  // receive no tap and hold the bias alone; backward passes see them as zeros.
  const ConvSpec spec = ConvSpec::make(2, 3, 2, 4, Padding::same(), 0, 1, 1, true, DType::Float64);
  REQUIRE(spec.pad_right < 0);
  auto set = tier0_set(spec);
  const int64_t L = 6, N = 2, Lout = spec.output_length(L);
  REQUIRE(Lout == L * 4);
  std::vector<double> x(N * 2 * L), w(static_cast<size_t>(spec.weight_numel())), b{0.5, -1, 2};
  std::vector<double> gy(static_cast<size_t>(N * 3 * Lout));
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(1.0 + double(i));
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::cos(2.0 + double(i));
  for (size_t i = 0; i < gy.size(); ++i) gy[i] = std::sin(3.0 * double(i));
  std::vector<double> y_want(gy.size()), gx_want(x.size()), gw_want(w.size());
  lucid::reference::forward<double>(spec, x.data(), w.data(), b.data(), y_want.data(), N, L);
  lucid::reference::backward_data<double>(spec, gy.data(), w.data(), gx_want.data(), N, L);
  lucid::reference::backward_weight<double>(spec, x.data(), gy.data(), gw_want.data(), N, L);
  for (tier0::Isa isa : supported_isas()) {
    INFO("isa=", tier0::isa_name(isa));
    std::vector<double> y(gy.size(), NAN), gx(x.size(), NAN), gw(w.size(), NAN);
    REQUIRE(tier0::forward_with(isa, *set, x.data(), w.data(), b.data(), y.data(), N, L, 0, set->forward_items(N)) == 0);
    REQUIRE(tier0::backward_data_with(isa, *set, gy.data(), w.data(), gx.data(), N, L, 0, set->backward_data_items(N)) == 0);
    REQUIRE(tier0::backward_weight_with(isa, *set, x.data(), gy.data(), gw.data(), N, L, 0, set->backward_weight_items()) == 0);
    for (size_t i = 0; i < y.size(); ++i) CHECK(y[i] == doctest::Approx(y_want[i]).epsilon(1e-12));
    for (size_t i = 0; i < gx.size(); ++i) CHECK(gx[i] == doctest::Approx(gx_want[i]).epsilon(1e-12));
    for (size_t i = 0; i < gw.size(); ++i) CHECK(gw[i] == doctest::Approx(gw_want[i]).epsilon(1e-12));
    // The last output position (t = Lout - 1 = 23: taps reach at most l*4 + 1) is the bias.
    CHECK(y[static_cast<size_t>(Lout - 1)] == 0.5);
  }
}

TEST_CASE("tier 0 items write only their own outputs") {
  // Items cover (n, group, block): running one item must leave every other element alone.
  const ConvSpec spec = ConvSpec::parse("ConvTranspose1d(12, 18, 5, stride=3, padding=2, groups=3, dilation=2)");
  Schedule schedule = Schedule::default_for(spec, 256, 16);
  schedule.fwd_block_co = 4;  // 6 channels per group: blocks of 4 and 2
  schedule.bwd_data_block_ci = 3;
  schedule.bwd_weight_block_ci = 3;
  auto set = tier0::make_kernel_set(spec, schedule.normalized_for(spec));
  const int64_t N = 2, L = 7, Lout = spec.output_length(L);
  std::vector<float> x(N * 12 * L, 0.25f), w(static_cast<size_t>(spec.weight_numel()), 0.5f), b(18, 1.f);
  std::vector<float> gy(static_cast<size_t>(N * 18 * Lout), 1.f);
  for (tier0::Isa isa : supported_isas()) {
    INFO("isa=", tier0::isa_name(isa));
    const float sentinel = -12345.f;
    // forward item 4 = (n 0, group 2, block 0): y[0, 12..15, :].
    std::vector<float> y(gy.size(), sentinel);
    REQUIRE(set->forward_items(N) == N * 3 * 2);
    REQUIRE(tier0::forward_with(isa, *set, x.data(), w.data(), b.data(), y.data(), N, L, 4, 5) == 0);
    for (int64_t i = 0; i < static_cast<int64_t>(y.size()); ++i) {
      const int64_t c = (i / Lout) % 18, n = i / (18 * Lout);
      const bool owned = n == 0 && c >= 12 && c < 16;
      CHECK((y[static_cast<size_t>(i)] != sentinel) == owned);
    }
    // backward-data item 3 = (n 0, group 1, block 1): gx[0, 7, :] (blocks of 3 of 4 channels).
    std::vector<float> gx(x.size(), sentinel);
    REQUIRE(tier0::backward_data_with(isa, *set, gy.data(), w.data(), gx.data(), N, L, 3, 4) == 0);
    for (int64_t i = 0; i < static_cast<int64_t>(gx.size()); ++i) {
      const int64_t c = (i / L) % 12, n = i / (12 * L);
      CHECK((gx[static_cast<size_t>(i)] != sentinel) == (n == 0 && c == 7));
    }
    // backward-weight item 2 = (group 1, block 0): dW rows 4..6.
    std::vector<float> gw(w.size(), sentinel);
    REQUIRE(tier0::backward_weight_with(isa, *set, x.data(), gy.data(), gw.data(), N, L, 2, 3) == 0);
    const int64_t row = spec.out_per_group() * spec.kernel_size;
    for (int64_t i = 0; i < static_cast<int64_t>(gw.size()); ++i)
      CHECK((gw[static_cast<size_t>(i)] != sentinel) == (i / row >= 4 && i / row < 7));
  }
}

TEST_CASE("tier 0 takes any block size, normalised or not") {
  // Blocks of 1 and blocks larger than a group (one item per group) give the reference's answers.
  const ConvSpec spec = ConvSpec::parse("ConvTranspose1d(10, 14, 6, stride=3, padding=(1, 4), groups=2, dilation=2)");
  const int64_t N = 2, L = 11, Lout = spec.output_length(L);
  std::vector<double> x(static_cast<size_t>(N * 10 * L)), w(static_cast<size_t>(spec.weight_numel())), b(14);
  std::vector<double> gy(static_cast<size_t>(N * 14 * Lout));
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.3 * double(i));
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::cos(0.7 * double(i));
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0.1 * double(i);
  for (size_t i = 0; i < gy.size(); ++i) gy[i] = std::cos(1.3 * double(i));
  const ConvSpec spec64 = ConvSpec::make(10, 14, 6, 3, Padding(1, 4), 0, 2, 2, true, DType::Float64);
  std::vector<double> y_want(gy.size()), gx_want(x.size()), gw_want(w.size());
  lucid::reference::forward<double>(spec64, x.data(), w.data(), b.data(), y_want.data(), N, L);
  lucid::reference::backward_data<double>(spec64, gy.data(), w.data(), gx_want.data(), N, L);
  lucid::reference::backward_weight<double>(spec64, x.data(), gy.data(), gw_want.data(), N, L);
  for (int block : {1, 2, 7, 1000}) {
    Schedule schedule;
    schedule.fwd_block_co = schedule.bwd_data_block_ci = schedule.bwd_weight_block_ci = block;
    auto set = tier0::make_kernel_set(spec64, schedule);  // deliberately not normalised
    for (tier0::Isa isa : supported_isas()) {
      INFO("block=", block, " isa=", tier0::isa_name(isa));
      std::vector<double> y(gy.size(), NAN), gx(x.size(), NAN), gw(w.size(), NAN);
      REQUIRE(tier0::forward_with(isa, *set, x.data(), w.data(), b.data(), y.data(), N, L, 0, set->forward_items(N)) == 0);
      REQUIRE(tier0::backward_data_with(isa, *set, gy.data(), w.data(), gx.data(), N, L, 0, set->backward_data_items(N)) == 0);
      REQUIRE(tier0::backward_weight_with(isa, *set, x.data(), gy.data(), gw.data(), N, L, 0, set->backward_weight_items()) == 0);
      for (size_t i = 0; i < y.size(); ++i) CHECK(y[i] == doctest::Approx(y_want[i]).epsilon(1e-12));
      for (size_t i = 0; i < gx.size(); ++i) CHECK(gx[i] == doctest::Approx(gx_want[i]).epsilon(1e-12));
      for (size_t i = 0; i < gw.size(); ++i) CHECK(gw[i] == doctest::Approx(gw_want[i]).epsilon(1e-12));
    }
  }
}

TEST_CASE("tier 0 reports scratch it cannot allocate as LUCID_STATUS_OUT_OF_MEMORY") {
  // Every blocked layout asks for scratch; capping it at one byte must give status 5, not a
  // crash. Backward-bias needs none. The direct loops of tiny passes need none either.
  const RestoreTier0Knobs restore{};
  for (const char* text : {"ConvTranspose1d(32, 16, 4, stride=2, padding=1)",        // bww: channels
                           "ConvTranspose1d(6, 4, 16, stride=8, padding=4)",         // bww: taps
                           "ConvTranspose1d(4, 4, 4, stride=2, padding=1, groups=4)"}) {  // positions
    const ConvSpec spec = ConvSpec::parse(text);
    auto set = tier0_set(spec);
    const int64_t N = 2, L = 40;
    std::vector<float> x(static_cast<size_t>(N * spec.in_channels * L), 1.f), w(static_cast<size_t>(spec.weight_numel()), 1.f);
    std::vector<float> b(static_cast<size_t>(spec.out_channels), 1.f);
    std::vector<float> gy(static_cast<size_t>(N * spec.out_channels * spec.output_length(L)), 1.f), gx(x.size()), gw(w.size()), gb(b.size());
    for (tier0::Isa isa : supported_isas()) {
      INFO(text, " isa=", tier0::isa_name(isa));
      tier0::set_direct_call_macs_for_testing(0);
      tier0::set_scratch_limit_bytes_for_testing(1);
      CHECK(tier0::forward_with(isa, *set, x.data(), w.data(), b.data(), gy.data(), N, L, 0, set->forward_items(N)) == LUCID_STATUS_OUT_OF_MEMORY);
      CHECK(tier0::backward_data_with(isa, *set, gy.data(), w.data(), gx.data(), N, L, 0, set->backward_data_items(N)) == LUCID_STATUS_OUT_OF_MEMORY);
      CHECK(tier0::backward_weight_with(isa, *set, x.data(), gy.data(), gw.data(), N, L, 0, set->backward_weight_items()) == LUCID_STATUS_OUT_OF_MEMORY);
      CHECK(tier0::backward_bias_with(isa, *set, gy.data(), gb.data(), N, L, 0, set->backward_bias_items()) == 0);
      tier0::set_direct_call_macs_for_testing(1e300);
      CHECK(tier0::forward_with(isa, *set, x.data(), w.data(), b.data(), gy.data(), N, L, 0, set->forward_items(N)) == 0);
      tier0::set_scratch_limit_bytes_for_testing(0);
      tier0::set_direct_call_macs_for_testing(0);
      CHECK(tier0::forward_with(isa, *set, x.data(), w.data(), b.data(), gy.data(), N, L, 0, set->forward_items(N)) == 0);
    }
  }
}

TEST_CASE("tier 0 scratch does not grow with the stride") {
  // A stride of 2^31 - 1 on a one-position input: the output is 5 long whatever the stride;
  // the phase tables are per tap, so the blocked kernels need only a little scratch.
  const ConvSpec spec = ConvSpec::make(3, 4, 5, 2147483647, 0, 0, 1, 1, true, DType::Float64);
  auto set = tier0_set(spec);
  const int64_t N = 2, L = 1, Lout = spec.output_length(L);
  REQUIRE(Lout == 5);
  std::vector<double> x(static_cast<size_t>(N * 3 * L)), w(static_cast<size_t>(spec.weight_numel())), b{1, 2, 3, 4};
  std::vector<double> gy(static_cast<size_t>(N * 4 * Lout));
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.5 + double(i);
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::sin(double(i));
  for (size_t i = 0; i < gy.size(); ++i) gy[i] = std::cos(double(i));
  std::vector<double> y_want(gy.size()), gx_want(x.size()), gw_want(w.size());
  lucid::reference::forward<double>(spec, x.data(), w.data(), b.data(), y_want.data(), N, L);
  lucid::reference::backward_data<double>(spec, gy.data(), w.data(), gx_want.data(), N, L);
  lucid::reference::backward_weight<double>(spec, x.data(), gy.data(), gw_want.data(), N, L);
  const RestoreTier0Knobs restore{};
  tier0::set_direct_call_macs_for_testing(0);
  tier0::set_scratch_limit_bytes_for_testing(1 << 20);
  for (tier0::Isa isa : supported_isas()) {
    INFO("isa=", tier0::isa_name(isa));
    std::vector<double> y(gy.size(), NAN), gx(x.size(), NAN), gw(w.size(), NAN);
    REQUIRE(tier0::forward_with(isa, *set, x.data(), w.data(), b.data(), y.data(), N, L, 0, set->forward_items(N)) == 0);
    REQUIRE(tier0::backward_data_with(isa, *set, gy.data(), w.data(), gx.data(), N, L, 0, set->backward_data_items(N)) == 0);
    REQUIRE(tier0::backward_weight_with(isa, *set, x.data(), gy.data(), gw.data(), N, L, 0, set->backward_weight_items()) == 0);
    for (size_t i = 0; i < y.size(); ++i) CHECK(y[i] == doctest::Approx(y_want[i]).epsilon(1e-12));
    for (size_t i = 0; i < gx.size(); ++i) CHECK(gx[i] == doctest::Approx(gx_want[i]).epsilon(1e-12));
    for (size_t i = 0; i < gw.size(); ++i) CHECK(gw[i] == doctest::Approx(gw_want[i]).epsilon(1e-12));
  }
}

namespace {

// Forward of `text` through every copy with the blocked kernels and a scratch budget of
// `budget` bytes, against the fp64 reference.
template <class T>
void check_forward_with_budget(const char* text, DType dtype, std::size_t budget, int64_t N, int64_t L) {
  ConvSpec spec = ConvSpec::parse(text);
  spec.dtype = dtype;
  auto set = tier0_set(spec);
  const int64_t Lout = spec.output_length(L);
  std::vector<double> x(static_cast<size_t>(N * spec.in_channels * L)), w(static_cast<size_t>(spec.weight_numel()));
  std::vector<double> b(static_cast<size_t>(spec.out_channels)), y_want(static_cast<size_t>(N * spec.out_channels * Lout));
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37 * double(i));
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::cos(0.11 * double(i));
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0.25 * double(i) - 1;
  lucid::reference::forward<double>(spec, x.data(), w.data(), b.data(), y_want.data(), N, L);
  const std::vector<T> xt(x.begin(), x.end()), wt(w.begin(), w.end()), bt(b.begin(), b.end());
  const RestoreTier0Knobs restore{};
  tier0::set_direct_call_macs_for_testing(0);
  tier0::set_scratch_budget_bytes_for_testing(budget);
  for (tier0::Isa isa : supported_isas()) {
    INFO(std::string(text), " budget=", budget, " isa=", std::string(tier0::isa_name(isa)));
    std::vector<T> y(y_want.size(), T(NAN));
    REQUIRE(tier0::forward_with(isa, *set, xt.data(), wt.data(), spec.bias ? bt.data() : nullptr, y.data(), N, L, 0,
                                set->forward_items(N)) == 0);
    for (size_t i = 0; i < y.size(); ++i) {
      const double want = spec.bias ? y_want[i] : y_want[i] - b[(i / static_cast<size_t>(Lout)) % b.size()];
      REQUIRE(double(y[i]) == doctest::Approx(want).epsilon(sizeof(T) == 4 ? 1e-4 : 1e-12));
    }
  }
}

}  // namespace

TEST_CASE("tier 0 forward with stride 2, 4 or 8 stages its phases, also over several chunks of channels") {
  // These strides compute phase by phase into a staging tile, then weave the planes into y
  // with shuffles. Budgets of 8 and 24 KiB split the 40 input channels into chunks (later
  // chunks add to y), 192 KiB keeps them whole. K = 1 with stride 2 and K = 3 with stride 4
  // leave phases without taps (bias only); the dilated stride-8 layer spreads its taps over
  // five of the eight phases.
  for (std::size_t budget : {std::size_t(8 << 10), std::size_t(24 << 10), std::size_t(192 << 10)})
    for (const char* text : {"ConvTranspose1d(40, 6, 5, stride=2, padding=1)",
                             "ConvTranspose1d(40, 6, 1, stride=2, output_padding=1)",
                             "ConvTranspose1d(40, 6, 4, stride=2, padding=1, bias=False)",
                             "ConvTranspose1d(8, 8, 4, stride=2, padding=1, groups=8)",
                             "ConvTranspose1d(40, 6, 8, stride=4, padding=2)",
                             "ConvTranspose1d(40, 6, 3, stride=4, output_padding=2)",
                             "ConvTranspose1d(40, 5, 16, stride=8, padding=4, bias=False)",
                             "ConvTranspose1d(24, 6, 5, stride=8, padding=3, dilation=3)",
                             "ConvTranspose1d(8, 8, 8, stride=8, groups=8)"}) {
      check_forward_with_budget<float>(text, DType::Float32, budget, 2, 150);
      check_forward_with_budget<double>(text, DType::Float64, budget, 2, 37);
    }
}

TEST_CASE("tier 0 runs a forward block whole as the item of its first length tile") {
  // With 3 length tiles, JIT item i is tile i % 3 of block i / 3. Tier 0 computes a block in
  // the item of its tile 0 and leaves the other tiles' items empty, so any split of the items
  // (here every single item alone) still writes every output exactly once.
  const ConvSpec spec = ConvSpec::make(6, 10, 4, 2, 1, 0, 1, 1, true, DType::Float64);
  Schedule schedule = Schedule::default_for(spec, 256, 16);
  schedule.fwd_lanes = lucid::Lanes::Length;
  schedule.fwd_block_co = 4;  // blocks of 4, 4 and 2 channels
  schedule.fwd_length_tiles = 3;
  schedule = schedule.normalized_for(spec);
  REQUIRE(schedule.fwd_length_tiles == 3);
  auto set = tier0::make_kernel_set(spec, schedule);
  const int64_t N = 2, L = 9, Lout = spec.output_length(L);
  REQUIRE(set->forward_items(N) == N * 3 * 3);
  std::vector<double> x(static_cast<size_t>(N * 6 * L)), w(static_cast<size_t>(spec.weight_numel())), b(10);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(1.0 + double(i));
  for (size_t i = 0; i < w.size(); ++i) w[i] = std::cos(2.0 + double(i));
  for (size_t i = 0; i < b.size(); ++i) b[i] = 0.25 * double(i);
  std::vector<double> want(static_cast<size_t>(N * 10 * Lout));
  lucid::reference::forward<double>(spec, x.data(), w.data(), b.data(), want.data(), N, L);
  for (tier0::Isa isa : supported_isas()) {
    INFO("isa=", tier0::isa_name(isa));
    std::vector<double> y(want.size(), NAN);
    for (int64_t item = 0; item < set->forward_items(N); ++item) {
      std::vector<double> before = y;
      REQUIRE(tier0::forward_with(isa, *set, x.data(), w.data(), b.data(), y.data(), N, L, item, item + 1) == 0);
      // Only tile-0 items write; each writes its block's rows.
      CHECK((item % 3 == 0) == (std::memcmp(before.data(), y.data(), y.size() * sizeof(double)) != 0));
    }
    for (size_t i = 0; i < y.size(); ++i) CHECK(y[i] == doctest::Approx(want[i]).epsilon(1e-12));
  }
}
