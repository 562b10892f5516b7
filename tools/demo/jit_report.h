// Printing what the JIT engine did: one line per kernel set compiled or loaded from disk,
// with its milliseconds, and the cache-hit counts.
#pragma once

#include <cstddef>

namespace demo {

// Prints the engine's events from index `first` on (compiles and disk loads; memory hits are
// counted, not listed, since a training loop makes many). Returns the new event count.
std::size_t print_jit_events(std::size_t first);

// One summary line of JitEngine::global().stats().
void print_jit_stats();

}  // namespace demo
