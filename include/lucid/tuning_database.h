// TuningDatabase: the schedules lucid-tune measured best, keyed by spec key and CPU name
// (docs/semantics.md §8, LUCID_TUNING_DB). The JIT engine asks it for a schedule before falling back to
// the default heuristic. The file is versioned JSON; a file this build cannot trust (unreadable,
// corrupt, another format version) is ignored with a warning rather than half-used.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lucid/schedule.h"

namespace lucid {

// One tuned schedule and the measurement that chose it.
struct TuningEntry {
  std::string spec_key;  // ConvSpec::key()
  std::string cpu_name;  // JitEngine::cpu_name(), e.g. "znver3"
  Schedule schedule;
  double gflops = 0;          // the tuned schedule's rate over the passes measured
  double default_gflops = 0;  // the default heuristic's rate, same measurement (0 = unknown)
  int threads = 1;            // threads used while measuring
  std::string llvm_version;     // of the build that tuned it
  std::string library_version;  // of the build that tuned it
};

class TuningDatabase {
 public:
  // Version of the file format this build reads and writes.
  static constexpr int kFormatVersion = 1;

  // Reads path. A missing file gives an empty database and no warning; an unreadable,
  // corrupt or foreign-version file gives an empty database and sets *warning (when given)
  // to a one-line explanation naming the file.
  static TuningDatabase load(const std::string& path, std::string* warning = nullptr);

  // The tuned schedule for (spec_key, cpu_name), if any.
  std::optional<Schedule> find(const std::string& spec_key, const std::string& cpu_name) const;
  // The full entry for (spec_key, cpu_name), if any.
  const TuningEntry* entry(const std::string& spec_key, const std::string& cpu_name) const;

  // Adds or replaces the entry for (spec_key, cpu_name). Versions left empty are filled with
  // this build's.
  void put(TuningEntry entry);
  void put(const std::string& spec_key, const std::string& cpu_name, const Schedule& schedule,
           double gflops, double default_gflops = 0, int threads = 1);

  // Takes other's entries; where both hold one for the same key and CPU, the faster stays.
  void merge(const TuningDatabase& other);

  // Writes the database atomically (a temporary file renamed over path), creating the
  // folder if needed. Throws lucid::Error when it cannot.
  void save(const std::string& path) const;

  std::vector<TuningEntry> entries() const;
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // The versions this build writes into new entries.
  static std::string llvm_version();
  static std::string library_version();

 private:
  std::map<std::pair<std::string, std::string>, TuningEntry> entries_;
};

}  // namespace lucid
