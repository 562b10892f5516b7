// JitEngine: turns a ConvSpec into a cached KernelSet (docs/semantics.md §7, §8).
// One process-wide engine (global()) serves the runtime; tests and tools may build their own.
// No LLVM type appears here: the engine's internals live in jit/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lucid/conv_spec.h"
#include "lucid/kernel_handle.h"
#include "lucid/kernel_set.h"
#include "lucid/schedule.h"

namespace lucid {

// How handle() serves a layer whose kernels are neither in memory nor on disk (docs/semantics.md §7).
enum class JitMode {
  Tiered,  // tier 0 at once, tier 1 compiled on a background thread and swapped in
  Sync,    // block until tier 1 exists: bitwise-reproducible runs
};

struct JitOptions {
  std::string cache_dir;    // where object files are kept
  bool disk_cache = true;   // LUCID_JIT_CACHE=0 turns it off
  bool verbose = false;     // LUCID_VERBOSE=1: one line per compile and per cache hit
  std::string dump_dir;     // LUCID_JIT_DUMP=<dir>: IR before/after optimisation, assembly
  std::string tuning_db;    // LUCID_TUNING_DB, else tuning.json beside the cache
  JitMode mode = JitMode::Tiered;  // LUCID_JIT_MODE=tiered|sync
  // Kernel sets kept in memory (LUCID_JIT_MEMORY_CAPACITY); least recently used ones beyond
  // it are dropped, and their machine code freed once nothing holds them.
  std::size_t memory_capacity = 256;
  // Testing hook: each background compile first sleeps this long, so tests can call a layer
  // while its tier-1 compile is still running.
  int background_delay_ms = 0;

  // Reads LUCID_JIT_CACHE_DIR (else $XDG_CACHE_HOME/lucid-jit, else ~/.cache/lucid-jit),
  // LUCID_JIT_CACHE, LUCID_VERBOSE, LUCID_JIT_DUMP, LUCID_TUNING_DB, LUCID_JIT_MODE and
  // LUCID_JIT_MEMORY_CAPACITY (throws lucid::Error for a mode other than "tiered" or "sync",
  // or a capacity that is not a positive integer).
  static JitOptions from_environment();
};

struct JitStats {
  int64_t compiles = 0;      // kernel sets generated from IR
  int64_t disk_hits = 0;     // kernel sets loaded from the disk cache
  int64_t memory_hits = 0;   // requests answered from memory
  int64_t disk_rejects = 0;  // cache files found corrupt or foreign, and rebuilt
  int64_t handles = 0;              // distinct handles made (one per key; later asks are memory hits)
  int64_t tier0_handles = 0;        // handles that started on tier 0 (cold cache, tiered mode)
  int64_t tier0_calls = 0;          // kernel calls tier 0 served (one per thread chunk)
  int64_t switches = 0;             // tier-1 sets swapped into handles that served tier 0
  int64_t background_failures = 0;  // background compiles that failed (tier 0 kept serving)
  int64_t evictions = 0;            // kernel sets dropped from memory past memory_capacity
};

// One line of the engine's log: a compile or a cache hit.
struct JitEvent {
  std::string key;     // spec key + schedule key
  std::string source;  // "compiled", "disk", "tier0" (a handle starts on tier 0) or "switch"
  double ms = 0;
  std::uint64_t code_bytes = 0;
};

class JitEngine {
 public:
  explicit JitEngine(JitOptions options = JitOptions::from_environment());
  ~JitEngine();
  JitEngine(const JitEngine&) = delete;
  JitEngine& operator=(const JitEngine&) = delete;

  // The process-wide engine, configured from the environment on first use.
  static JitEngine& global();

  // Tier-1 kernels for spec with the tuned schedule when the tuning database has one, else
  // the default heuristic; blocks while they compile (tools, AOT and the tuner use this).
  // Thread safe: concurrent requests for one key compile it once. The returned kernels live
  // as long as this engine.
  std::shared_ptr<const KernelSet> kernels(const ConvSpec& spec);
  std::shared_ptr<const KernelSet> kernels(const ConvSpec& spec, const Schedule& schedule);

  // The runtime's way in: a handle whose set is tier 1 at once on a memory or disk-cache hit,
  // and otherwise (tiered mode) tier 0 until the background compile swaps tier 1 in. In sync
  // mode it blocks like kernels(spec). Thread safe; one handle per key.
  std::shared_ptr<const KernelHandle> handle(const ConvSpec& spec);

  // Blocks until every queued background compile has finished and been swapped in.
  void wait_for_background();

  // The schedule kernels(spec) would use: the tuning database's for this CPU, else
  // default_schedule(spec).
  Schedule schedule_for(const ConvSpec& spec) const;
  // Schedule::default_for this host's vector width and register file.
  Schedule default_schedule(const ConvSpec& spec) const;

  JitStats stats() const;
  std::vector<JitEvent> events() const;

  const JitOptions& options() const;
  std::string cpu_name() const;      // e.g. "znver3"
  std::string cpu_features() const;  // e.g. "+avx2,+fma,..."
  int vector_bits() const;           // 512 with AVX-512, 256 with AVX2, else 128

  // Path of the disk-cache object for (spec, schedule), whether or not it exists.
  std::string cache_file(const ConvSpec& spec, const Schedule& schedule) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lucid
