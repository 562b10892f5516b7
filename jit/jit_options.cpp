// JitOptions::from_environment: the LUCID_* variables of docs/semantics.md §8.
#include <cstdlib>
#include <string>

#include "lucid/error.h"
#include "lucid/jit_engine.h"

namespace lucid {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

}  // namespace

JitOptions JitOptions::from_environment() {
  JitOptions o;
  o.cache_dir = env("LUCID_JIT_CACHE_DIR");
  if (o.cache_dir.empty()) {
    std::string xdg = env("XDG_CACHE_HOME");
    std::string home = env("HOME");
    o.cache_dir = !xdg.empty() ? xdg + "/lucid-jit" : !home.empty() ? home + "/.cache/lucid-jit" : "/tmp/lucid-jit-cache";
  }
  o.disk_cache = env("LUCID_JIT_CACHE") != "0";
  std::string verbose = env("LUCID_VERBOSE");
  o.verbose = !verbose.empty() && verbose != "0";
  o.dump_dir = env("LUCID_JIT_DUMP");
  o.tuning_db = env("LUCID_TUNING_DB");
  if (o.tuning_db.empty()) o.tuning_db = o.cache_dir + "/tuning.json";
  std::string capacity = env("LUCID_JIT_MEMORY_CAPACITY");
  if (!capacity.empty()) {
    std::size_t used = 0;
    long long value = 0;
    try {
      value = std::stoll(capacity, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != capacity.size() || value < 1)
      throw Error("LUCID_JIT_MEMORY_CAPACITY is '" + capacity + "'; it must be a positive integer "
                  "(kernel sets kept in memory, default 256)");
    o.memory_capacity = static_cast<std::size_t>(value);
  }
  std::string mode = env("LUCID_JIT_MODE");
  if (mode == "sync") o.mode = JitMode::Sync;
  else if (mode.empty() || mode == "tiered") o.mode = JitMode::Tiered;
  else throw Error("LUCID_JIT_MODE is '" + mode + "'; it must be 'tiered' (the default: tier-0 "
                   "kernels at once, specialised ones swapped in when compiled) or 'sync' "
                   "(wait for the specialised kernels)");
  return o;
}

}  // namespace lucid
