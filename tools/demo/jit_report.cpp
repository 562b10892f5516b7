// print_jit_events / print_jit_stats over JitEngine::global().
#include "jit_report.h"

#include <fmt/format.h>

#include "lucid/jit_engine.h"

namespace demo {

std::size_t print_jit_events(std::size_t first) {
  auto events = lucid::JitEngine::global().events();
  for (std::size_t i = first; i < events.size(); ++i) {
    const lucid::JitEvent& e = events[i];
    if (e.source == "memory") continue;
    // "tier 0": the layer ran generic kernels at once; "tier 1 in": ms from that moment until
    // the background compile swapped the specialised kernels in.
    const char* what = e.source == "compiled" ? "compiled"
                       : e.source == "disk"   ? "from disk"
                       : e.source == "tier0"  ? "tier 0"
                                              : "tier 1 in";
    fmt::print("  {:<9} {:>8.1f} ms {:>7.1f} KiB  {}\n", what, e.ms,
               static_cast<double>(e.code_bytes) / 1024.0, e.key);
  }
  return events.size();
}

void print_jit_stats() {
  lucid::JitStats s = lucid::JitEngine::global().stats();
  fmt::print("  kernel sets: {} compiled, {} from the disk cache, {} memory-cache hits", s.compiles,
             s.disk_hits, s.memory_hits);
  if (s.disk_rejects > 0) fmt::print(", {} stale cache files rebuilt", s.disk_rejects);
  if (s.tier0_handles > 0)
    fmt::print("; {} layers started on tier 0 ({} tier-0 kernel calls), {} switched to tier 1",
               s.tier0_handles, s.tier0_calls, s.switches);
  fmt::print("\n");
}

}  // namespace demo
