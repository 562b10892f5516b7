// lucid-aot round trip, JIT side: for target "host" and the JIT's default schedule, the AOT
// object's entry points give the same bits as lucid::JitEngine's kernels for every pass.
// The object is turned into a shared library by the system C compiler and loaded with dlopen.
// (The JIT's kernels call the library's row packing where AOT objects inline it: same bits.)
#include <dlfcn.h>
#include <stdlib.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "aot_harness.h"
#include "lucid/conv_spec.h"
#include "lucid/jit_engine.h"
#include "lucid/schedule.h"

using namespace aot_test;

namespace {

template <class T>
std::vector<T> random_values(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<T> v(static_cast<size_t>(n));
  for (T& x : v) x = static_cast<T>(u(rng));
  return v;
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

using Forward = int (*)(const void*, const void*, const void*, void*, int64_t, int64_t);
using ThreePointers = int (*)(const void*, const void*, void*, int64_t, int64_t);
using Bias = int (*)(const void*, void*, int64_t, int64_t);

template <class T>
void compare_with_jit(const lucid::ConvSpec& spec, void* library, const std::string& prefix) {
  auto symbol = [&](const char* pass) {
    void* p = dlsym(library, (prefix + "_" + pass).c_str());
    REQUIRE(p != nullptr);
    return p;
  };
  auto aot_forward = reinterpret_cast<Forward>(symbol("forward"));
  auto aot_backward_data = reinterpret_cast<ThreePointers>(symbol("backward_data"));
  auto aot_backward_weight = reinterpret_cast<ThreePointers>(symbol("backward_weight"));
  auto aot_backward_bias = reinterpret_cast<Bias>(symbol("backward_bias"));

  auto jit = lucid::JitEngine::global().kernels(spec);
  // lucid-aot compiles target "host" with the default schedule; the tests' empty tuning
  // database makes it the JIT's choice too.
  REQUIRE(jit->schedule.key() ==
          lucid::JitEngine::global().default_schedule(spec).normalized_for(spec).key());
  for (auto [N, L] : {std::pair<int64_t, int64_t>{1, 5}, {3, 37}, {2, 129}}) {
    CAPTURE(N);
    CAPTURE(L);
    const int64_t Lout = spec.output_length(L);
    auto x = random_values<T>(N * spec.in_channels * L, 1);
    auto w = random_values<T>(spec.weight_numel(), 2);
    auto b = random_values<T>(spec.out_channels, 3);
    auto gy = random_values<T>(N * spec.out_channels * Lout, 4);
    const T* bias = spec.bias ? b.data() : nullptr;
    std::vector<T> y_jit(gy.size()), y_aot(gy.size()), gx_jit(x.size()), gx_aot(x.size());
    std::vector<T> gw_jit(w.size()), gw_aot(w.size()), gb_jit(b.size()), gb_aot(b.size());

    REQUIRE(jit->forward(x.data(), w.data(), bias, y_jit.data(), N, L, 0, jit->forward_items(N)) == 0);
    REQUIRE(aot_forward(x.data(), w.data(), bias, y_aot.data(), N, L) == 0);
    CHECK(same_bits(y_jit, y_aot));
    REQUIRE(jit->backward_data(gy.data(), w.data(), gx_jit.data(), N, L, 0, jit->backward_data_items(N)) == 0);
    REQUIRE(aot_backward_data(gy.data(), w.data(), gx_aot.data(), N, L) == 0);
    CHECK(same_bits(gx_jit, gx_aot));
    REQUIRE(jit->backward_weight(x.data(), gy.data(), gw_jit.data(), N, L, 0, jit->backward_weight_items()) == 0);
    REQUIRE(aot_backward_weight(x.data(), gy.data(), gw_aot.data(), N, L) == 0);
    CHECK(same_bits(gw_jit, gw_aot));
    REQUIRE(jit->backward_bias(gy.data(), gb_jit.data(), N, L, 0, jit->backward_bias_items()) == 0);
    REQUIRE(aot_backward_bias(gy.data(), gb_aot.data(), N, L) == 0);
    CHECK(same_bits(gb_jit, gb_aot));
  }
}

}  // namespace

TEST_CASE("an AOT object for target host is bit-identical to the JIT's kernels") {
  // Compare with code the JIT compiles now: its disk cache is keyed by LLVM and library
  // version, not by the generator's source, so a build folder's cache can hold an older
  // lowering's kernels. The process-wide engine reads this on first use.
  ::setenv("LUCID_JIT_CACHE", "0", 1);
  const char* layers[] = {
      "ConvTranspose1d(512, 256, 16, stride=8, padding=4)",
      "ConvTranspose1d(12, 18, 5, stride=3, padding=\"same\", dilation=2, groups=3)",
      "ConvTranspose1d(7, 5, 4, stride=2, padding=(1, 2), output_padding=1, bias=False, dtype=float64)",
      "ConvTranspose1d(16, 16, 3, padding=1, groups=4, dtype=float64)",
      // Channels in lanes for backward-data and -weight, with a short last channel block: the
      // JIT's kernels call the library's packing routine, AOT objects inline it.
      "ConvTranspose1d(20, 12, 4, stride=2, padding=1)",
      "ConvTranspose1d(10, 6, 3, padding=1, dtype=float64)",
  };
  for (const char* text : layers) {
    CAPTURE(text);
    const lucid::ConvSpec spec = lucid::ConvSpec::parse(text);
    const std::string prefix = "same_as_jit";
    fs::path dir = fresh_work_dir(spec.key());
    CommandResult aot = lucid_aot(quote(text) + " --target host --name " + prefix + " -o " + quote(dir.string()), dir);
    INFO(aot.output);
    REQUIRE(aot.exit_code == 0);
    fs::path library = dir / ("lib" + prefix + ".so");
    CommandResult link = run(quote(LUCID_C_COMPILER) + " -shared -o " + quote(library.string()) + " " +
                                 quote((dir / (prefix + ".o")).string()),
                             dir);
    INFO(link.output);
    REQUIRE(link.exit_code == 0);
    void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    INFO(dlerror());
    REQUIRE(handle != nullptr);
    if (spec.dtype == lucid::DType::Float32) compare_with_jit<float>(spec, handle, prefix);
    else compare_with_jit<double>(spec, handle, prefix);
    dlclose(handle);
  }
}
