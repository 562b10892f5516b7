// The benchmark suite reader (tools/measure/suite_file.cpp) that lucid-bench and lucid-tune
// share: every spelling of padding and dtype reads back as the layer it names, and a broken
// file fails with a message naming the file, the entry and what is wrong (line and column for
// malformed JSON, from llvm::json).
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "lucid/conv_spec.h"
#include "lucid/error.h"
#include "suite_file.h"

namespace fs = std::filesystem;

namespace {

// Writes text to a file of its own under the system temp dir; removed at the end of the case.
struct SuiteFile {
  fs::path path;
  explicit SuiteFile(const std::string& text) {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("lucid-suite-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".json");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }
  ~SuiteFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

// The message load_suite throws for text; fails the test when it does not throw.
std::string error_of(const std::string& text, std::string* file_name) {
  SuiteFile file(text);
  *file_name = file.path.string();
  try {
    lucid::bench::load_suite(file.path.string());
  } catch (const lucid::Error& e) {
    return e.what();
  }
  FAIL("load_suite accepted " << text);
  return {};
}

}  // namespace

TEST_CASE("every spelling of a layer reads back as the layer it names") {
  SuiteFile file(R"([
    {"name": "seed_decoder", "in_channels": 4, "out_channels": 2, "kernel": 3, "stride": 2,
     "padding": 1, "output_padding": 1, "batch": 1, "length": 5},
    {"name": "asymmetric", "in_channels": 8, "out_channels": 8, "kernel": 4, "stride": 2,
     "padding": [1, 2], "length": 16, "batch": 3, "bias": false, "dtype": "float64"},
    {"name": "same", "in_channels": 64, "out_channels": 64, "kernel": 7, "padding": "same",
     "dilation": 2, "groups": 4, "length": 32}
  ])");
  const auto configs = lucid::bench::load_suite(file.path.string());
  REQUIRE(configs.size() == 3);
  CHECK(configs[0].name == "seed_decoder");
  CHECK(configs[0].spec == lucid::ConvSpec::parse("ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)"));
  CHECK(configs[0].length == 5);
  CHECK(configs[1].spec ==
        lucid::ConvSpec::parse("ConvTranspose1d(8, 8, 4, stride=2, padding=(1, 2), bias=False, dtype=float64)"));
  CHECK(configs[1].batch == 3);
  CHECK(configs[2].spec ==
        lucid::ConvSpec::parse("ConvTranspose1d(64, 64, 7, padding=\"same\", dilation=2, groups=4)"));
  CHECK(configs[2].batch == 1);  // the default
}

TEST_CASE("malformed JSON is reported with the file, line and column") {
  std::string file;
  const std::string message = error_of("[\n  {\"name\": \"x\",, \"length\": 3}\n]", &file);
  CHECK(message.find(file) != std::string::npos);
  CHECK(message.find("[2:") != std::string::npos);  // llvm::json's "[line:column, byte=N]"
}

TEST_CASE("a bad entry is reported with the file, its index and the problem") {
  std::string file;
  SUBCASE("a missing field") {
    const std::string message = error_of(R"([
      {"name": "a", "in_channels": 4, "out_channels": 2, "kernel": 3, "length": 5},
      {"name": "b", "in_channels": 4, "out_channels": 2, "kernel": 3}])", &file);
    CHECK(message.find(file) != std::string::npos);
    CHECK(message.find("entry 1: missing \"length\"") != std::string::npos);
  }
  SUBCASE("a field of the wrong type") {
    const std::string message = error_of(R"([
      {"name": "a", "in_channels": "four", "out_channels": 2, "kernel": 3, "length": 5}])", &file);
    CHECK(message.find("entry 0: \"in_channels\" must be an integer") != std::string::npos);
  }
  SUBCASE("an unknown dtype") {
    const std::string message = error_of(R"([
      {"name": "a", "in_channels": 4, "out_channels": 2, "kernel": 3, "length": 5, "dtype": "float16"}])", &file);
    CHECK(message.find("not \"float16\"") != std::string::npos);
  }
  SUBCASE("a layer the layer itself rejects") {
    const std::string message = error_of(R"([
      {"name": "a", "in_channels": 4, "out_channels": 2, "kernel": 3, "stride": 2,
       "output_padding": 2, "length": 5}])", &file);
    CHECK(message.find("output_padding (2) must be smaller") != std::string::npos);
  }
  SUBCASE("not an array") {
    const std::string message = error_of(R"({"name": "a"})", &file);
    CHECK(message.find("must be a JSON array") != std::string::npos);
  }
}
