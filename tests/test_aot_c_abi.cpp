// lucid-aot round trip, C side: the objects and header it writes, built into a C99 program
// with the system C compiler and linked with libc and libm only, compute every pass of
// several layers as the naive loops do (tests/aot_driver.c); no LLVM is involved.
#include <sstream>
#include <string>
#include <vector>

#include "aot_harness.h"
#include "lucid/kernel_abi.h"

using namespace aot_test;

namespace {

// Groups, dilation, "same" (both the cropping and the right-extending kind), asymmetric
// padding, no bias, output_padding, fp64, and a layer wider than one register block.
const char* kLayers = R"(# layers for the C round trip
ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)
ConvTranspose1d(8, 6, 5, stride=3, dilation=2, groups=2)      # groups + dilation
ConvTranspose1d(6, 9, 4, stride=3, padding="same", dilation=2, groups=3, bias=False, dtype=float64)
ConvTranspose1d(5, 3, 2, stride=4, padding="same")            # span < stride: output extended
ConvTranspose1d(8, 8, 4, stride=2, padding=(1, 2), dtype=float64)

ConvTranspose1d(32, 20, 16, stride=8, padding=4, output_padding=3, groups=4)
)";
constexpr int kLayerCount = 6;

std::vector<std::string> prefixes() {
  std::vector<std::string> names;
  for (int i = 0; i < kLayerCount; ++i) names.push_back("layer_" + std::to_string(i));
  return names;
}

}  // namespace

TEST_CASE("lucid-aot objects run every entry point of several layers from C, with no LLVM") {
  fs::path dir = fresh_work_dir("layers");
  std::ofstream(dir / "layers.txt") << kLayers;
  CommandResult aot = lucid_aot("--specs " + quote((dir / "layers.txt").string()) +
                                    " --name layer --emit obj,header,static-lib -o " + quote((dir / "out").string()),
                                dir);
  INFO(aot.output);
  REQUIRE(aot.exit_code == 0);

  for (const std::string& prefix : prefixes()) {
    CAPTURE(prefix);
    fs::path object = dir / "out" / (prefix + ".o");
    REQUIRE(fs::exists(object));
    // Linked straight from the object, and from the static library.
    run_driver(build_driver(dir / "out", prefix, {object}));
    run_driver(build_driver(dir / "out", prefix, {dir / "out" / ("lib" + prefix + ".a")}));
  }
}

TEST_CASE("the objects need nothing from LLVM: nm shows no LLVM symbol, ldd no LLVM library") {
  fs::path dir = fresh_work_dir("no_llvm");
  CommandResult aot = lucid_aot(quote("ConvTranspose1d(8, 6, 5, stride=3, dilation=2, groups=2)") +
                                    " --name solo -o " + quote((dir / "out").string()),
                                dir);
  REQUIRE(aot.exit_code == 0);
  fs::path object = dir / "out" / "solo.o";

  CommandResult symbols = run("nm " + quote(object.string()), dir);
  REQUIRE(symbols.exit_code == 0);
  CHECK(symbols.output.find("solo_forward") != std::string::npos);
  std::string lower = symbols.output;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(lower.find("llvm") == std::string::npos);
  // What it uses from outside is C (libc: the driver below links with nothing else), never
  // C++ or LLVM runtime code.
  CommandResult undefined = run("nm -u " + quote(object.string()), dir);
  INFO(undefined.output);
  std::istringstream lines(undefined.output);
  for (std::string kind, name; lines >> kind >> name;) {
    CAPTURE(name);
    CHECK(name.rfind("_Z", 0) != 0);
    CHECK(name.rfind("__cxa", 0) != 0);
    CHECK(name.find("llvm") == std::string::npos);
  }

  fs::path exe = build_driver(dir / "out", "solo", {object});
  CommandResult libraries = run("ldd " + quote(exe.string()), dir);
  INFO(libraries.output);
  REQUIRE(libraries.exit_code == 0);
  CHECK(libraries.output.find("LLVM") == std::string::npos);
  CHECK(libraries.output.find("libstdc++") == std::string::npos);
  run_driver(exe);
}

TEST_CASE("the header compiles as strict C99 and as C++, alone and next to another layer's; it names its ABI") {
  fs::path dir = fresh_work_dir("header");
  CommandResult aot = lucid_aot(quote("ConvTranspose1d(4, 2, 3, stride=2)") + " " +
                                    quote("ConvTranspose1d(3, 3, 3, padding=\"same\", bias=False, dtype=float64)") +
                                    " --emit header -o " + quote((dir / "out").string()),
                                dir);
  INFO(aot.output);
  REQUIRE(aot.exit_code == 0);
  std::vector<std::string> headers;
  for (const auto& entry : fs::directory_iterator(dir / "out")) headers.push_back(entry.path().filename().string());
  REQUIRE(headers.size() == 2);  // --emit header writes headers only
  std::string source;
  for (const std::string& h : headers) source += "#include \"" + h + "\"\n#include \"" + h + "\"\n";
  source += "int main(void) { return 0; }\n";
  std::ofstream(dir / "out" / "both.c") << source;
  for (std::string compiler : {std::string(LUCID_C_COMPILER) + " -std=c99 -x c",
                               std::string(LUCID_CXX_COMPILER) + " -std=c++11 -x c++"}) {
    CommandResult r = run(compiler + " -Wall -Wextra -pedantic -Werror -fsyntax-only -I" +
                              quote((dir / "out").string()) + " " + quote((dir / "out" / "both.c").string()),
                          dir);
    INFO(compiler);
    INFO(r.output);
    CHECK(r.exit_code == 0);
  }
  // It documents the layer, the weight shape and the output length.
  std::string text = read_text(dir / "out" / "lucid_ct1d_f32_ci4_co2_k3_s2_pl0_pr0_op0_d1_g1_b1.h");
  CHECK(text.find("Layer:  ConvTranspose1d(4, 2, 3, stride=2)") != std::string::npos);
  CHECK(text.find("(4, 2, 3)   = (in_channels, out_channels/groups, kernel_size)") != std::string::npos);
  CHECK(text.find("= (length - 1)*2 + 3") != std::string::npos);
  CHECK(text.find("#define LUCID_CT1D_F32_CI4_CO2_K3_S2_PL0_PR0_OP0_D1_G1_B1_ABI_VERSION " +
                  std::to_string(LUCID_KERNEL_ABI_VERSION) + "\n") != std::string::npos);
  CHECK(text.find("int64_t lucid_ct1d_f32_ci4_co2_k3_s2_pl0_pr0_op0_d1_g1_b1_output_length(int64_t length);") !=
        std::string::npos);
}
