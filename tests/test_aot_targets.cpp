// lucid-aot targets: an object for a named CPU level (x86-64-v3, AVX2) runs correctly here,
// and a multi-target dispatcher picks the richest target this CPU supports, then computes
// correctly through it (tests/aot_driver.c, built with the system C compiler).
#include <algorithm>
#include <string>
#include <vector>

#include "aot_harness.h"

using namespace aot_test;

namespace {

const char* kLayer = "ConvTranspose1d(12, 10, 5, stride=3, padding=\"same\", dilation=2, groups=2)";
const char* kLayer64 = "ConvTranspose1d(6, 4, 4, stride=2, padding=1, bias=False, dtype=float64)";

bool host_has(const char* feature) {
  __builtin_cpu_init();
  if (std::string(feature) == "avx2") return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (std::string(feature) == "avx512") return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                                                __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  return false;
}

// lucid-aot for both layers (named `name`_0, `name`_1) into dir/out; checks it succeeded.
void aot_layers(const fs::path& dir, const std::string& name, const std::string& targets) {
  CommandResult aot = lucid_aot(quote(kLayer) + " " + quote(kLayer64) + " --name " + name + " --target " + targets +
                                    " --emit obj,header,static-lib -o " + quote((dir / "out").string()),
                                dir);
  INFO(aot.output);
  REQUIRE(aot.exit_code == 0);
}

}  // namespace

TEST_CASE("an x86-64-v3 (AVX2) object runs correctly here") {
  if (!host_has("avx2")) {
    MESSAGE("skipped: this CPU has no AVX2/FMA");
    return;
  }
  fs::path dir = fresh_work_dir("v3");
  aot_layers(dir, "avx2", "x86-64-v3");
  std::string header = read_text(dir / "out" / "avx2_0.h");
  CHECK(header.find("x86-64-v3 (cpu x86-64-v3, schedule v8.") != std::string::npos);
  for (const char* prefix : {"avx2_0", "avx2_1"}) run_driver(build_driver(dir / "out", prefix, {dir / "out" / (std::string(prefix) + ".o")}));
}

TEST_CASE("a two-target dispatcher picks the best target this CPU runs, and computes correctly") {
  struct Case {
    std::string targets, expected;
  };
  std::vector<Case> cases = {{"x86-64-v2,x86-64-v3", host_has("avx2") ? "x86-64-v3" : "x86-64-v2"},
                             {"x86-64-v3,x86-64-v4", host_has("avx512") ? "x86-64-v4" : "x86-64-v3"},
                             {"x86-64,host", "host"}};
  for (const Case& c : cases) {
    CAPTURE(c.targets);
    if (c.expected == "x86-64-v3" && !host_has("avx2")) continue;
    std::string folder = "dispatch_" + c.targets;
    std::replace(folder.begin(), folder.end(), ',', '+');
    fs::path dir = fresh_work_dir(folder);
    aot_layers(dir, "multi", c.targets);
    const std::string expect = "-DAOT_EXPECT_TARGET='\"" + c.expected + "\"'";
    for (const std::string prefix : {"multi_0", "multi_1"}) {
      std::vector<fs::path> objects = {dir / "out" / (prefix + ".dispatch.o")};
      size_t comma = c.targets.find(',');
      for (const std::string& t : {c.targets.substr(0, comma), c.targets.substr(comma + 1)})
        objects.push_back(dir / "out" / (prefix + "." + t + ".o"));
      run_driver(build_driver(dir / "out", prefix, objects, expect));
      run_driver(build_driver(dir / "out", prefix, {dir / "out" / ("lib" + prefix + ".a")}, expect));
    }
  }
}
