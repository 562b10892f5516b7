// lucid-run end to end: runs the built binary on .npy files and checks the files it writes,
// its exit codes (0 success, 2 usage or spec, 1 data) and messages, and that a failing run
// leaves the output folder untouched.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "huge_allocations.h"
#include "lucid/generator.h"
#include "lucid/nn/conv_transpose1d.h"
#include "lucid/tensor.h"
#include "npy.h"

#ifndef LUCID_RUN_PATH
#error "tests/runtime_tests.cmake passes the path of the lucid-run binary"
#endif

namespace fs = std::filesystem;
using lucid::DType;
using lucid::Tensor;

namespace {

struct Result {
  int exit_code = -1;
  std::string out, err;
};

// A scratch folder per test case, removed afterwards.
struct Scratch {
  fs::path dir;
  Scratch() {
    static int counter = 0;
    dir = fs::temp_directory_path() /
          ("lucid-run-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
  std::string save(const std::string& name, const Tensor& t) const {
    lucid::npy::write(*this / name, t);
    return *this / name;
  }
  std::string save_bytes(const std::string& name, const std::string& bytes) const {
    std::ofstream(*this / name, std::ios::binary) << bytes;
    return *this / name;
  }
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs lucid-run with `args` (already shell-quoted where needed).
Result run(const Scratch& scratch, const std::string& args) {
  std::string command = std::string("'") + LUCID_RUN_PATH + "' " + args + " >'" +
                        scratch / "stdout.txt" + "' 2>'" + scratch / "stderr.txt" + "'";
  int status = std::system(command.c_str());
  Result r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(scratch / "stdout.txt");
  r.err = slurp(scratch / "stderr.txt");
  return r;
}

std::string sq(const std::string& s) { return "'" + s + "'"; }

const std::string kDecoder = "\"ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)\"";

}  // namespace

TEST_CASE("the seed's example: output, grad_input and grad_weight, no grad_bias without bias") {
  Scratch s;
  auto x = s.save("x.npy", Tensor::from_vector({1, 2, 3}, {1, 1, 3}));
  auto w = s.save("w.npy", Tensor::from_vector({1, 0.5}, {1, 1, 2}));
  auto g = s.save("g.npy", Tensor::ones({1, 1, 4}));
  Result r = run(s, "'ConvTranspose1d(1, 1, 2, bias=False)' --input " + sq(x) + " --weight " +
                        sq(w) + " --grad-output " + sq(g) + " --out " + sq(s / "out"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.empty());
  CHECK(r.out.find("output (1, 1, 4)") != std::string::npos);
  CHECK(lucid::npy::read(s / "out/output.npy").to_vector() == std::vector<double>{1, 2.5, 4, 1.5});
  CHECK(lucid::npy::read(s / "out/grad_input.npy").to_vector() ==
        std::vector<double>{1.5, 1.5, 1.5});
  CHECK(lucid::npy::read(s / "out/grad_weight.npy").to_vector() == std::vector<double>{6, 6});
  CHECK_FALSE(fs::exists(s / "out/grad_bias.npy"));
  // Nothing but the results: the staging folder is gone.
  int entries = 0;
  for (auto& e : fs::directory_iterator(s.dir / "out")) entries += e.exists() ? 1 : 0;
  CHECK(entries == 3);
}

TEST_CASE("weight and bias from --seed match the library's initialisation; grad_bias written") {
  Scratch s;
  lucid::Generator data(1);
  Tensor x = Tensor::randn({2, 4, 5}, data);
  auto xp = s.save("x.npy", x);
  auto g = s.save("g.npy", Tensor::ones({2, 2, 10}));
  Result r = run(s, kDecoder + " --input " + sq(xp) + " --grad-output " + sq(g) +
                        " --seed 17 --out " + sq(s / "out"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  lucid::Generator seeded(17);
  lucid::nn::ConvTranspose1d layer(lucid::ConvSpec::parse(
                                       "ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)"),
                                   seeded);
  Tensor y = layer(x);
  // Equal up to rounding: either process may have run tier 0 or tier 1 (summation order).
  auto got = lucid::npy::read(s / "out/output.npy").to_vector();
  auto want = y.to_vector();
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-5));
  Tensor gb = lucid::npy::read(s / "out/grad_bias.npy");
  CHECK(gb.shape() == lucid::Shape{2});
  CHECK(gb.to_vector() == std::vector<double>{20, 20});
  CHECK(lucid::npy::read(s / "out/grad_weight.npy").shape() == lucid::Shape{4, 2, 3});
  CHECK(lucid::npy::read(s / "out/grad_input.npy").shape() == lucid::Shape{2, 4, 5});
}

TEST_CASE("unbatched input, float64, --output-size and --repeat") {
  Scratch s;
  auto x = s.save("x.npy", Tensor::randn({4, 5}, false, DType::Float64));
  Result r = run(s, "'ConvTranspose1d(4, 2, 3, stride=2, padding=1)' --input " + sq(x) +
                        " --output-size=10 --repeat 5 --out " + sq(s / "out"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  Tensor y = lucid::npy::read(s / "out/output.npy");
  CHECK(y.dtype() == DType::Float64);
  CHECK(y.shape() == lucid::Shape{2, 10});
  CHECK(r.out.find("us per call") != std::string::npos);
  CHECK(r.out.find("GFLOP/s") != std::string::npos);
  CHECK(r.out.find("(5 calls)") != std::string::npos);
}

TEST_CASE("bad usage and bad specs exit 2 with a message naming the problem") {
  Scratch s;
  auto x = s.save("x.npy", Tensor::randn({1, 4, 5}));
  auto in = " --input " + sq(x);
  auto out = " --out " + sq(s / "out");
  struct Case {
    std::string args, fragment;
  };
  std::vector<Case> cases = {
      {"", "missing the layer spec"},
      {kDecoder + out, "missing --input"},
      {kDecoder + in, "missing --out"},
      {kDecoder + in + out + " --frobnicate 1", "unknown option '--frobnicate'"},
      {kDecoder + in + out + " --repeat 0", "--repeat wants an integer >= 1, got '0'"},
      {kDecoder + in + out + " --seed abc", "--seed wants an integer"},
      {kDecoder + in + out + " --input " + sq(x), "--input given twice"},
      {kDecoder + in + out + " extra", "unexpected argument 'extra'"},
      {"'ConvTranspose1d(4, 2)'" + in + out, "bad spec"},
      {"'ConvTranspose1d(4, 2, 3, stride=0)'" + in + out, "stride"},
      {"'ConvTranspose1d(4, 2, 3, output_padding=1)'" + in + out, "output_padding (1)"},
      {"'ConvTranspose1d(4, 2, 3, bias=False)'" + in + out + " --bias " + sq(x),
       "--bias given, but the layer has bias=False"},
      {kDecoder + in + out + " --output-size 13", "--output-size: "},
      {kDecoder + in + " --out " + sq(x), "exists and is not a directory"},
      {kDecoder + in + out + " --weight", "--weight needs a value"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    Result r = run(s, c.args);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find(c.fragment) != std::string::npos, r.err);
    CHECK(r.err.find("usage: lucid-run") != std::string::npos);
    CHECK_FALSE(fs::exists(s / "out"));
  }
  Result help = run(s, "--help");
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("usage: lucid-run") != std::string::npos);
}

TEST_CASE("bad data exits 1, names the problem, and writes nothing") {
  Scratch s;
  auto x = s.save("x.npy", Tensor::randn({1, 4, 5}));
  auto x64 = s.save("x64.npy", Tensor::randn({1, 4, 5}, false, DType::Float64));
  auto x3 = s.save("x3.npy", Tensor::randn({1, 3, 5}));
  auto x4d = s.save("x4d.npy", Tensor::randn({1, 1, 4, 5}));
  auto w_bad = s.save("w_bad.npy", Tensor::randn({4, 2, 2}));
  auto w64 = s.save("w64.npy", Tensor::randn({4, 2, 3}, false, DType::Float64));
  auto b_bad = s.save("b_bad.npy", Tensor::randn({3}));
  auto g_bad = s.save("g_bad.npy", Tensor::randn({1, 2, 9}));
  std::string header = "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 4, 5), }";
  std::string fortran_bytes = lucid::npy::encode(Tensor::zeros({1, 4, 5}));
  auto fortran = s.save_bytes("fortran.npy", fortran_bytes.replace(fortran_bytes.find("False"), 5, "True "));
  std::string full = lucid::npy::encode(Tensor::zeros({1, 4, 5}));
  auto truncated = s.save_bytes("truncated.npy", full.substr(0, full.size() - 7));
  std::string ints = lucid::npy::encode(Tensor::zeros({1, 4, 5}));
  auto int32 = s.save_bytes("int32.npy", ints.replace(ints.find("<f4"), 3, "<i4"));

  // The output folder already holds a result of an earlier run: it must survive untouched.
  fs::create_directories(s.dir / "out");
  s.save("out/output.npy", Tensor::full({1}, 42));
  auto out = " --out " + sq(s / "out");
  struct Case {
    std::string args, fragment;
  };
  std::vector<Case> cases = {
      {kDecoder + " --input " + sq(s / "nope.npy") + out, "nope.npy: cannot open"},
      {kDecoder + " --input " + sq(fortran) + out, "Fortran order"},
      {kDecoder + " --input " + sq(truncated) + out, "truncated"},
      {kDecoder + " --input " + sq(int32) + out, "dtype '<i4' is not supported"},
      {kDecoder + " --input " + sq(x3) + out,
       "input of shape (1, 3, 5) has 3 channels, but weight of shape (4, 2, 3) expects 4"},
      {kDecoder + " --input " + sq(x4d) + out, "(1, 1, 4, 5)"},
      {kDecoder + " --input " + sq(x) + " --weight " + sq(w_bad) + out,
       "weight of shape (4, 2, 2) must be (in_channels, out_channels/groups, kernel_size) = (4, 2, 3)"},
      {kDecoder + " --input " + sq(x) + " --weight " + sq(w64) + out,
       "the weight is float64 but the input is float32"},
      {kDecoder + " --input " + sq(x) + " --bias " + sq(b_bad) + out,
       "bias of shape (3,) must be (out_channels,) = (2,)"},
      {kDecoder + " --input " + sq(x) + " --grad-output " + sq(g_bad) + out,
       "the output gradient has shape (1, 2, 9) but the output has shape (1, 2, 10)"},
      {"'ConvTranspose1d(4, 2, 3, dtype=float64)' --input " + sq(x) + out,
       "the input is float32 but the spec says dtype=float64"},
      {"'ConvTranspose1d(4, 2, 1, padding=3)' --input " + sq(x) + out, "output length"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    Result r = run(s, c.args);
    CHECK(r.exit_code == 1);
    CHECK_MESSAGE(r.err.find(c.fragment) != std::string::npos, r.err);
    CHECK(r.out.empty());
    int entries = 0;
    for (auto& e : fs::directory_iterator(s.dir / "out")) entries += e.exists() ? 1 : 0;
    CHECK(entries == 1);
    CHECK(lucid::npy::read(s / "out/output.npy").to_vector() == std::vector<double>{42});
  }
  // float64 input with a float32 weight is refused the other way round too.
  Result r = run(s, kDecoder + " --input " + sq(x64) + " --weight " +
                        sq(s.save("w32.npy", Tensor::randn({4, 2, 3}))) + out);
  CHECK(r.exit_code == 1);
}

TEST_CASE("sizes too large for int64 or for memory exit with a message naming the bytes") {
  Scratch s;
  auto x = s.save("x.npy", Tensor::randn({1, 4, 3}));
  auto out = " --out " + sq(s / "out");
  // Headers claiming an array whose byte count overflows int64, or an extent that does not
  // even fit int64.
  // A version-1.0 .npy header with `dict` and no data.
  auto header_only = [](const std::string& dict) {
    std::string header = dict;
    while ((10 + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string bytes("\x93NUMPY\x01\x00", 8);
    bytes += static_cast<char>(header.size() & 0xff);
    bytes += static_cast<char>(header.size() >> 8);
    return bytes + header;
  };
  auto overflowing = s.save_bytes(
      "overflowing.npy", header_only("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4, 5), }"));
  auto too_wide = s.save_bytes(
      "too_wide.npy", header_only("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 4), }"));
  struct Case {
    std::string args;
    int exit_code;
    std::string fragment;
  };
  std::vector<Case> cases = {
      // A layer whose weight is 16 TB: lucid::OutOfMemory names the layer, the weight and the bytes.
      {"'ConvTranspose1d(2000, 2000, 1000000)' --input " + sq(x) + out, 1,
       "ConvTranspose1d(2000, 2000, 1000000): the weight: Tensor::empty: cannot allocate 16000000000000 bytes"},
      // A layer whose weight's byte count overflows int64 is a bad spec.
      {"'ConvTranspose1d(2147483647, 2147483647, 2147483647)' --input " + sq(x) + out, 2,
       "the weight's byte count in_channels * (out_channels / groups) * kernel_size * sizeof(dtype) = "
       "2147483647 * 2147483647 * 2147483647 * 4 overflows int64"},
      {kDecoder + " --input " + sq(overflowing) + out, 1,
       "shape (4611686018427387904, 4, 5) of float32: the byte count (the product of the extents * 4) "
       "overflows int64"},
      {kDecoder + " --input " + sq(too_wide) + out, 1, "shape extent 99999999999999999999 does not fit int64"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    if (c.fragment.find("cannot allocate") != std::string::npos && !lucid::testing::huge_allocations_return()) {
      MESSAGE("skipped under AddressSanitizer: a terabyte allocation aborts instead of failing");
      continue;
    }
    Result r = run(s, c.args);
    CHECK(r.exit_code == c.exit_code);
    CHECK_MESSAGE(r.err.find(c.fragment) != std::string::npos, r.err);
    CHECK(r.err.find("std::bad_alloc") == std::string::npos);
    CHECK_FALSE(fs::exists(s / "out"));
  }
}
