// A process that exits while background compiles are queued or running exits cleanly: the
// running compile finishes before LLVM's statics are destroyed, queued ones are dropped, and
// the disk cache holds only whole files. Each case runs in a forked child that uses the
// process-wide engine, exiting at a different moment of the compile.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "lucid/jit_engine.h"

namespace fs = std::filesystem;

TEST_CASE("exit during background compiles: exit status 0, no temporary files") {
  const fs::path dir = fs::temp_directory_path() / ("lucid-jit-exit-" + std::to_string(::getpid()));
  // Every millisecond of the first 30 covers the process's warm-up compile, which runs first
  // on the background thread (14-19 ms here): exits at 15-16 ms crashed when nothing made
  // exit wait for it.
  std::vector<int> delays;
  for (int ms = 0; ms <= 30; ++ms) delays.push_back(ms);
  for (int ms : {40, 100, 200, 400}) delays.push_back(ms);
  for (int delay_ms : delays) {
    fs::remove_all(dir);
    CAPTURE(delay_ms);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::setenv("LUCID_JIT_CACHE_DIR", dir.c_str(), 1);
      ::setenv("LUCID_JIT_MODE", "tiered", 1);
      for (int co : {8, 12, 16})
        lucid::JitEngine::global().handle(lucid::ConvSpec::make(24, co, 5, 3, 1, 0, 1, 1, true));
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      std::exit(0);  // static destructors and exit handlers run
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    if (fs::exists(dir))
      for (const auto& entry : fs::directory_iterator(dir)) {
        const bool whole = entry.path().extension() == ".o";
        CHECK_MESSAGE(whole, entry.path().string());
      }
  }
  fs::remove_all(dir);
}
