// Channel loops stay loops: a 4096x4096, 64-tap, stride-32 layer compiles to little code
// (asserted on size, never on time), and still computes the right thing on a short input.
#include <doctest/doctest.h>

#include "kernel_check.h"
#include "lucid/jit_engine.h"

using namespace lucid;

TEST_CASE("ConvTranspose1d(4096, 4096, 64, stride=32) compiles to at most 256 KiB of machine code") {
  JitOptions o = JitOptions::from_environment();
  o.disk_cache = false;
  JitEngine engine(o);
  auto k = engine.kernels(ConvSpec::parse("ConvTranspose1d(4096, 4096, 64, stride=32)"));
  MESSAGE("code bytes: ", k->code_bytes, ", compile ms: ", k->load_ms);
  CHECK(k->code_bytes > 0);
  CHECK(k->code_bytes <= 256 * 1024);
}

TEST_CASE("wide, long-kernel, large-stride layers match the reference") {
  JitOptions o = JitOptions::from_environment();
  o.disk_cache = false;
  JitEngine engine(o);
  // 64 taps: the forward packs weight rows as vectors; 72: as scalars (lower_forward.cpp).
  for (const char* text : {"ConvTranspose1d(96, 80, 64, stride=32, padding=16)", "ConvTranspose1d(24, 20, 72, stride=9, padding=5)"}) {
    INFO(text);
    ConvSpec spec = ConvSpec::parse(text);
    std::mt19937_64 rng(7);
    const int64_t N = 1, L = 9, Lout = spec.output_length(L);
    auto x = testing::random_vector<float>(rng, static_cast<size_t>(N * spec.in_channels * L));
    auto w = testing::random_vector<float>(rng, static_cast<size_t>(spec.weight_numel()));
    auto b = testing::random_vector<float>(rng, static_cast<size_t>(spec.out_channels));
    auto gy = testing::random_vector<float>(rng, static_cast<size_t>(N * spec.out_channels * Lout));
    testing::Problem p{spec, N, L};
    auto want = testing::run_reference(p, testing::widen(x), testing::widen(w), testing::widen(b), testing::widen(gy));
    auto k = engine.kernels(spec);
    std::vector<float> y(want.y.size()), gx(want.gx.size()), gw(want.gw.size()), gb(want.gb.size());
    REQUIRE(k->forward(x.data(), w.data(), b.data(), y.data(), N, L, 0, k->forward_items(N)) == 0);
    REQUIRE(k->backward_data(gy.data(), w.data(), gx.data(), N, L, 0, k->backward_data_items(N)) == 0);
    REQUIRE(k->backward_weight(x.data(), gy.data(), gw.data(), N, L, 0, k->backward_weight_items()) == 0);
    REQUIRE(k->backward_bias(gy.data(), gb.data(), N, L, 0, k->backward_bias_items()) == 0);
    CHECK(testing::worst_ratio(y, want.y, want.y_bound, 1e-5) <= 1);
    CHECK(testing::worst_ratio(gx, want.gx, want.gx_bound, 1e-5) <= 1);
    CHECK(testing::worst_ratio(gw, want.gw, want.gw_bound, 1e-5) <= 1);
    CHECK(testing::worst_ratio(gb, want.gb, want.gb_bound, 1e-5) <= 1);
  }
}
