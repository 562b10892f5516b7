// Sizes too large for int64 or for memory (messages users see): element and byte counts that
// overflow int64 are rejected before anything is allocated, naming the argument; an
// allocation that fails names what it was for and how many bytes (lucid::OutOfMemory, never
// a bare std::bad_alloc); both tiers' kernels refuse overflowing sizes with
// LUCID_STATUS_TOO_LARGE.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

#include "huge_allocations.h"
#include "isolated_engine.h"
#include "lucid/lucid.h"
#include "tier0/kernel_limits.h"
#include "tier0/tier0_kernels.h"

using namespace lucid;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// The message of the lucid::Error `call` throws; fails the test when it throws nothing.
template <class Exception = Error, class F>
std::string message_of(F&& call) {
  try {
    call();
  } catch (const Exception& e) {
    return e.what();
  }
  FAIL("no exception");
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a tensor whose element or byte count overflows int64 is rejected before allocation") {
  std::string m = message_of([] { Tensor::empty({int64_t(1) << 40, int64_t(1) << 40}, DType::Float32); });
  CHECK(contains(m, "shape (1099511627776, 1099511627776)"));
  CHECK(contains(m, "element count"));
  CHECK(contains(m, "overflows int64"));

  // 2^61 elements fit int64; their 2^64 bytes as float64 do not.
  m = message_of([] { Tensor::zeros({int64_t(1) << 61}, DType::Float64); });
  CHECK(contains(m, "Tensor::empty: the byte count of a float64 tensor of shape (2305843009213693952,)"));
  CHECK(contains(m, "2305843009213693952 * 8 overflows int64"));

  m = message_of([] { Tensor::from_vector({1.0}, {kMax, 2}); });
  CHECK(contains(m, "overflows int64"));
}

TEST_CASE("a layer whose weight's byte count overflows int64 is rejected by ConvSpec") {
  std::string m = message_of([] { ConvSpec::make(2147483647, 2147483647, 2147483647); });
  CHECK(contains(m, "ConvTranspose1d: the weight's byte count in_channels * (out_channels / groups) * "
                    "kernel_size * sizeof(dtype) = 2147483647 * 2147483647 * 2147483647 * 4 overflows int64"));
  m = message_of([] { ConvSpec::parse("ConvTranspose1d(2147483647, 2147483647, 4, dtype=float64)"); });
  CHECK(contains(m, "2147483647 * 2147483647 * 4 * 8 overflows int64"));
  // Under the limit, and not overflowing, is fine.
  CHECK(ConvSpec::make(65536, 65536, 65536).weight_numel() == int64_t(1) << 48);
}

TEST_CASE("an output length or output size that overflows int64 is an error naming the input length") {
  const ConvSpec spec = ConvSpec::make(1, 1, 3, 2);
  std::string m = message_of([&] { spec.output_length(kMax); });
  CHECK(contains(m, "input length (9223372036854775807) gives an output length too large for int64"));
  CHECK(!spec.output_length_or_overflow(kMax).has_value());
  CHECK(spec.output_length_or_overflow(5) == 11);

  // The output's bytes: 1024 channels * ~2^52 positions * 4 bytes, from an 8 MiB input.
  nn::ConvTranspose1d layer(1, 1024, 1, /*stride=*/2147483647);
  Tensor x = Tensor::zeros({1, 1, 2097152});
  m = message_of([&] { layer(x); });
  CHECK(contains(m, "ConvTranspose1d(1, 1024, 1, stride=2147483647): for input of shape (1, 1, 2097152), the "
                    "output's byte count batch * out_channels * output_length * sizeof(dtype) = 1 * 1024 * "));
  CHECK(contains(m, " * 4 overflows int64"));
}

TEST_CASE("an allocation that fails names what it was for and how many bytes") {
  if (!testing::huge_allocations_return()) {
    MESSAGE("skipped under AddressSanitizer: a terabyte allocation aborts instead of failing");
    return;
  }
  std::string m = message_of<OutOfMemory>([] { Tensor::empty({int64_t(1) << 42}, DType::Float32); });
  CHECK(m == "Tensor::empty: cannot allocate 17592186044416 bytes for a float32 tensor of shape (4398046511104,)");

  // 2000 * 2000 * 1000000 float32 weights: 16 TB.
  m = message_of<OutOfMemory>([] { nn::ConvTranspose1d layer(2000, 2000, 1000000); });
  CHECK(m == "ConvTranspose1d(2000, 2000, 1000000): the weight: Tensor::empty: cannot allocate 16000000000000 "
             "bytes for a float32 tensor of shape (2000, 2000, 1000000)");
}

TEST_CASE("both tiers' kernels return LUCID_STATUS_TOO_LARGE for sizes that overflow int64") {
  const ConvSpec spec = ConvSpec::make(4, 6, 3, 2, 1, 1, 1, 2, true);
  JitOptions options = JitOptions::from_environment();
  options.mode = JitMode::Sync;
  JitEngine engine(options);
  auto tier1 = engine.kernels(spec);
  auto tier0 = tier0::make_kernel_set(spec, tier1->schedule);
  float buffer[64] = {};
  for (const KernelSet* k : {tier1.get(), tier0.get()}) {
    INFO("tier ", k->tier);
    // Huge lengths or batches: x's or y's byte count, or (L - 1) * stride, overflows.
    CHECK(k->forward(buffer, buffer, buffer, buffer, 1, kMax, 0, 1) == LUCID_STATUS_TOO_LARGE);
    CHECK(k->forward(buffer, buffer, buffer, buffer, 1, kMax / 8, 0, 1) == LUCID_STATUS_TOO_LARGE);
    CHECK(k->forward(buffer, buffer, buffer, buffer, kMax / 4, 3, 0, 1) == LUCID_STATUS_TOO_LARGE);
    CHECK(k->backward_data(buffer, buffer, buffer, kMax, 3, 0, 1) == LUCID_STATUS_TOO_LARGE);
    CHECK(k->backward_weight(buffer, buffer, buffer, 2, kMax / 16, 0, 1) == LUCID_STATUS_TOO_LARGE);
    CHECK(k->backward_bias(buffer, buffer, kMax / 2, 1, 0, 1) == LUCID_STATUS_TOO_LARGE);
    // The earlier checks keep their order: a bad batch or length is reported first.
    CHECK(k->forward(buffer, buffer, buffer, buffer, 0, kMax, 0, 1) == LUCID_STATUS_BAD_BATCH);
    CHECK(k->forward(buffer, buffer, buffer, buffer, kMax, 0, 0, 1) == LUCID_STATUS_BAD_LENGTH);
    // Just under the limit is not refused for its size (the range is what is wrong here).
    CHECK(k->forward(buffer, buffer, buffer, buffer, 1, 3, 0, k->forward_items(1) + 1) == LUCID_STATUS_BAD_RANGE);
  }
}

TEST_CASE("a kernel that cannot allocate its scratch names the bytes it asked for, in both tiers") {
  // Scratch requests above 1 KiB fail. The JIT kernels keep up to 32 KiB of scratch on the
  // stack, so the layer's packed weights must exceed that: 256 input channels x 8 output
  // channels x 16 taps of float32 is 128 KiB per forward item.
  struct Restore {
    ~Restore() { tier0::set_scratch_limit_bytes_for_testing(0); }
  } restore;
  const ConvSpec spec = ConvSpec::parse("ConvTranspose1d(256, 64, 16, stride=4, padding=6)");
  const auto dir = testing::fresh_dir("size-limits", "scratch");
  JitOptions options = testing::isolated_options(dir);
  options.mode = JitMode::Tiered;
  JitEngine engine(options);
  // The tier-0 pass gets a handle of its own that holds only tier 0: the engine's handle may
  // already have swapped to tier 1 when a loaded machine delays this thread.
  const auto tier0_handle = std::make_shared<KernelHandle>(tier0::make_kernel_set(spec, engine.schedule_for(spec)));
  const auto tier1_handle = engine.handle(spec);
  const Tensor x = Tensor::ones({2, 256, 200}, DType::Float32);
  const Tensor w = Tensor::ones({256, 64, 16}, DType::Float32);
  const Tensor b = Tensor::ones({64}, DType::Float32);
  for (int tier : {0, 1}) {
    INFO("tier ", tier);
    if (tier == 1) engine.wait_for_background();
    const std::shared_ptr<const KernelHandle> handle = tier == 0 ? tier0_handle : tier1_handle;
    REQUIRE(handle->current().tier == tier);
    tier0::set_scratch_limit_bytes_for_testing(1024);
    const std::string m = message_of<OutOfMemory>([&] { conv_transpose1d(x, w, b, handle); });
    tier0::set_scratch_limit_bytes_for_testing(0);
    CHECK(contains(m, "ConvTranspose1d(256, 64, 16, stride=4, padding=6): the forward kernel returned status 5 "
                      "(LUCID_STATUS_OUT_OF_MEMORY: "));
    const auto at = m.find(": it asked for ");
    REQUIRE(at != std::string::npos);
    const long long bytes = std::stoll(m.substr(at + 15));
    CHECK(bytes > 1024);
    CHECK(contains(m, " bytes of scratch"));
    // The limit lifted, the same call succeeds: the failure left nothing behind.
    CHECK(conv_transpose1d(x, w, b, handle).size(2) == spec.output_length(200));
  }
  std::filesystem::remove_all(dir);
}
