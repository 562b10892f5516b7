// What lucid-aot's tests share: running commands, a fresh work folder per test case, running
// lucid-aot, and building tests/aot_driver.c against the files it wrote.
#pragma once

#include <sys/wait.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace aot_test {

namespace fs = std::filesystem;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `command` with /bin/sh; captures both streams.
inline CommandResult run(const std::string& command, const fs::path& work) {
  const fs::path log = work / "command.log";
  int status = std::system((command + " > " + quote(log.string()) + " 2>&1").c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  r.output = read_text(log);
  fs::remove(log);
  return r;
}

// An empty folder for one test case, kept after the run for inspection.
inline fs::path fresh_work_dir(const std::string& name) {
  fs::path dir = fs::path(LUCID_AOT_WORK_DIR) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// lucid-aot with `arguments` (already quoted where needed).
inline CommandResult lucid_aot(const std::string& arguments, const fs::path& work) {
  return run(quote(LUCID_AOT_PATH) + " " + arguments, work);
}

inline std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Builds tests/aot_driver.c for kernel set `prefix` in `dir`, linked with `link_inputs`
// (objects or archives) and libm only; returns the executable's path. `defines` are extra
// -D flags, e.g. -DAOT_EXPECT_TARGET='"x86-64-v3"'.
inline fs::path build_driver(const fs::path& dir, const std::string& prefix,
                             const std::vector<fs::path>& link_inputs, const std::string& defines = "") {
  fs::path exe = dir / ("driver_" + prefix);
  std::string command = quote(LUCID_C_COMPILER) + " -std=c99 -Wall -Wextra -pedantic -Werror -O1 -I" +
                        quote(dir.string()) + " " + quote("-DAOT_HEADER=\"" + prefix + ".h\"") +
                        " -DAOT_PREFIX=" + prefix + " -DAOT_UPPER=" + upper(prefix) + " " + defines + " " +
                        quote(std::string(LUCID_AOT_TEST_DIR) + "/aot_driver.c");
  for (const fs::path& input : link_inputs) command += " " + quote(input.string());
  command += " -lm -o " + quote(exe.string());
  CommandResult r = run(command, dir);
  INFO(command);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return exe;
}

// Runs a built driver; it prints one line per failed check and exits 0 when all pass.
inline void run_driver(const fs::path& exe) {
  CommandResult r = run(quote(exe.string()), exe.parent_path());
  INFO(exe.string());
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find(" 0 failures") != std::string::npos);
  MESSAGE(r.output);
}

}  // namespace aot_test
