// What the engine tests share to stay out of the user's caches and out of each other's way:
// a fresh per-process directory and JitOptions that keep every file an engine reads or
// writes (kernel cache, tuning database) inside it, or an engine without a disk cache.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include "lucid/jit_engine.h"

namespace lucid::testing {

// An empty directory <tmp>/lucid-<suite>-<name>-<pid> that any user may enter (a child
// that drops to an unprivileged user still reaches it).
inline std::filesystem::path fresh_dir(const std::string& suite, const std::string& name) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("lucid-" + suite + "-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::all);
  return dir;
}

// The environment's options (LUCID_JIT_MODE and the rest) with the disk cache in `dir` and
// a tuning database there that does not exist, so default schedules are used.
inline JitOptions isolated_options(const std::filesystem::path& dir) {
  JitOptions o = JitOptions::from_environment();
  o.cache_dir = dir.string();
  o.disk_cache = true;
  o.tuning_db = (dir / "no-tuning.json").string();
  return o;
}

// A process-wide engine with the environment's options and the disk cache off: the random
// and regression layers, thousands of throwaway sets, stay out of every cache folder.
inline JitEngine& memory_only_engine() {
  static JitEngine engine([] {
    JitOptions o = JitOptions::from_environment();
    o.disk_cache = false;
    return o;
  }());
  return engine;
}

}  // namespace lucid::testing
