// Every tool's command line, run as the user runs it: --help (exit 0, every option listed),
// "--opt=value" and "--opt value" reaching the same option, and an unknown option taking the
// usage-error path with the tool's exit code (2; 1 for the Google Benchmark drivers, whose
// unknown flags Google Benchmark itself rejects). Paths come from tests/cli_tests.cmake.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Result {
  int exit_code = -1;
  std::string out, err;
};

// A scratch folder for this process, removed at exit.
const fs::path& scratch() {
  static const struct Dir {
    fs::path path = fs::temp_directory_path() / ("lucid-cli-test-" + std::to_string(::getpid()));
    Dir() { fs::create_directories(path); }
    ~Dir() { fs::remove_all(path); }
  } dir;
  return dir.path;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

// Runs `tool` with `args` (shell-quoted by the caller where needed).
Result run(const std::string& tool, const std::string& args) {
  const fs::path out = scratch() / "stdout.txt", err = scratch() / "stderr.txt";
  const std::string command =
      quote(tool) + " " + args + " >" + quote(out.string()) + " 2>" + quote(err.string());
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

// A one-layer suite file, as bench_smoke uses.
std::string tiny_suite() {
  const fs::path path = scratch() / "suite.json";
  std::ofstream(path) << R"([{"name": "seed_decoder", "in_channels": 4, "out_channels": 2,
    "kernel": 3, "stride": 2, "padding": 1, "output_padding": 1, "dilation": 1, "groups": 1,
    "batch": 1, "length": 5}])";
  return quote(path.string());
}

const std::string kSpec = quote("ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=1)");

// --help: exit 0, the synopsis first, and every option named.
void check_help(const std::string& tool, const std::string& name,
                const std::vector<std::string>& options) {
  Result r = run(tool, "--help");
  CHECK(r.exit_code == 0);
  CHECK_MESSAGE(r.out.rfind("usage: " + name, 0) == 0, r.out);
  for (const std::string& option : options) CHECK_MESSAGE(r.out.find(option) != std::string::npos, option);
}

// A bad value in both forms: the same exit code and a message naming the option and value,
// so both forms reach the option.
void check_bad_value_both_forms(const std::string& tool, const std::string& before,
                                const std::string& option, const std::string& value,
                                int exit_code, const std::string& message) {
  for (const std::string& form : {option + "=" + value, option + " " + value}) {
    CAPTURE(form);
    Result r = run(tool, before + " " + form);
    CHECK(r.exit_code == exit_code);
    CHECK_MESSAGE(r.err.find(message) != std::string::npos, r.err);
  }
}

// An unknown option: the usage-error path, its exit code, the option named and the hint.
void check_unknown_option(const std::string& tool, const std::string& name, const std::string& before,
                          int exit_code) {
  Result r = run(tool, before + " --bogus=1");
  CHECK(r.exit_code == exit_code);
  CHECK_MESSAGE(r.err.find(name + ": unknown option '--bogus'") != std::string::npos, r.err);
  CHECK(r.err.find("Run '" + name + " --help' for every option.") != std::string::npos);
}

}  // namespace

#ifdef LUCID_DEMO_PATH
TEST_CASE("lucid-demo") {
  check_help(LUCID_DEMO_PATH, "lucid-demo", {"--steps", "--batch", "--seed"});
  check_bad_value_both_forms(LUCID_DEMO_PATH, "", "--steps", "0", 2,
                             "--steps wants an integer >= 1, got '0'");
  check_unknown_option(LUCID_DEMO_PATH, "lucid-demo", "", 2);
  Result r = run(LUCID_DEMO_PATH, "--steps=2 --batch 2 --seed=7");
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("training: 2 steps of 2 signals") != std::string::npos);
}
#endif

#ifdef LUCID_RUN_PATH
TEST_CASE("lucid-run") {
  check_help(LUCID_RUN_PATH, "lucid-run",
             {"--input", "--weight", "--bias", "--grad-output", "--output-size", "--seed",
              "--repeat", "--out", "Exit codes"});
  const std::string before = kSpec + " --input x.npy --out " + quote((scratch() / "run").string());
  check_bad_value_both_forms(LUCID_RUN_PATH, before, "--repeat", "0", 2,
                             "--repeat wants an integer >= 1, got '0'");
  check_unknown_option(LUCID_RUN_PATH, "lucid-run", before, 2);
  CHECK_FALSE(fs::exists(scratch() / "run"));
}
#endif

#ifdef LUCID_AOT_PATH
TEST_CASE("lucid-aot") {
  check_help(LUCID_AOT_PATH, "lucid-aot",
             {"SPEC", "--specs", "--name", "--target", "--emit", "-o,--output", "Exit codes"});
  const fs::path out = scratch() / "aot";
  check_bad_value_both_forms(LUCID_AOT_PATH, kSpec + " -o " + quote(out.string()), "--emit", "pdf",
                             2, "--emit: unknown kind 'pdf'");
  check_unknown_option(LUCID_AOT_PATH, "lucid-aot", kSpec + " -o " + quote(out.string()), 2);
  Result r = run(LUCID_AOT_PATH, kSpec + " --name=toy --emit header --output=" + quote(out.string()));
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(fs::exists(out / "toy.h"));
}
#endif

#ifdef LUCID_TUNE_PATH
TEST_CASE("lucid-tune") {
  check_help(LUCID_TUNE_PATH, "lucid-tune",
             {"--suite", "--only", "--batch", "--length", "--budget", "--db", "--threads",
              "--no-progress"});
  check_bad_value_both_forms(LUCID_TUNE_PATH, kSpec, "--budget", "0", 2,
                             "--budget wants a positive number, not '0'");
  check_unknown_option(LUCID_TUNE_PATH, "lucid-tune", kSpec, 2);
  const fs::path db = scratch() / "tuning.json";
  Result r = run(LUCID_TUNE_PATH, kSpec + " --budget=0.2 --length 8 --db=" + quote(db.string()) +
                                      " --no-progress");
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(fs::exists(db));
}
#endif

#ifdef LUCID_COMPILE_PROFILE_PATH
TEST_CASE("lucid-compile-profile") {
  check_help(LUCID_COMPILE_PROFILE_PATH, "lucid-compile-profile",
             {"--suite", "--repeats", "--threads", "--only"});
  check_bad_value_both_forms(LUCID_COMPILE_PROFILE_PATH, "", "--repeats", "x", 2,
                             "--repeats cannot take 'x'");
  check_unknown_option(LUCID_COMPILE_PROFILE_PATH, "lucid-compile-profile", "", 2);
  Result r = run(LUCID_COMPILE_PROFILE_PATH, "--suite " + tiny_suite() + " --only=seed_decoder --repeats 1");
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("seed_decoder") != std::string::npos);
}
#endif

#ifdef LUCID_BENCH_JIT_PATH
TEST_CASE("lucid-bench-jit") {
  check_help(LUCID_BENCH_JIT_PATH, "lucid-bench-jit", {"--suite", "--benchmark_filter"});
  check_bad_value_both_forms(LUCID_BENCH_JIT_PATH, "", "--suite", "/nonexistent.json", 1,
                             "/nonexistent.json");
  Result unknown = run(LUCID_BENCH_JIT_PATH, "--bogus=1");
  CHECK(unknown.exit_code == 1);
  CHECK_MESSAGE(unknown.err.find("--bogus") != std::string::npos, unknown.err);
  Result missing = run(LUCID_BENCH_JIT_PATH, "--suite");
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("lucid-bench-jit: --suite needs a value") != std::string::npos);
  // --benchmark_* flags still reach Google Benchmark.
  Result r = run(LUCID_BENCH_JIT_PATH, "--suite " + tiny_suite() + " --benchmark_list_tests=true");
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("jit_compile/seed_decoder") != std::string::npos);
}
#endif

#ifdef LUCID_BENCH_PATH
TEST_CASE("lucid-bench") {
  check_help(LUCID_BENCH_PATH, "lucid-bench",
             {"--suite", "--tuning_db", "--threads", "--reference_min_time", "--no_reference",
              "--check", "--benchmark_format"});
  check_bad_value_both_forms(LUCID_BENCH_PATH, "", "--threads", "0", 1,
                             "--threads wants a list like 1,2");
  Result unknown = run(LUCID_BENCH_PATH, "--bogus=1");
  CHECK(unknown.exit_code == 1);
  CHECK_MESSAGE(unknown.err.find("--bogus") != std::string::npos, unknown.err);
}
#endif
