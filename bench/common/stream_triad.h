// STREAM triad bandwidth (a[i] = b[i] + s * c[i]), measured on this machine with as many
// threads as a benchmark uses, so a memory-bound kernel's GB/s can be read as a share of what
// the memory system really delivers rather than of a datasheet figure.
#pragma once

#include <cstdint>

namespace lucid::bench {

struct StreamTriad {
  double gbs = 0;           // best GB/s (10^9 bytes), counting 3 arrays x 8 bytes per element
  int threads = 0;
  int64_t array_bytes = 0;  // each of the three arrays
};

// The size of each array: four times the last-level cache as host_info reports it (STREAM's
// rule), at least 64 MiB and at most 256 MiB so a VM's socket-wide L3 figure cannot make
// the probe allocate gigabytes.
int64_t stream_array_bytes();

// Runs the triad `repetitions` times with `threads` threads, each on its own contiguous slice
// that it also first-touched, and returns the best run. Thread start and join are inside the
// timing (about 0.1 ms against tens of ms per run).
StreamTriad measure_stream_triad(int threads, int64_t array_bytes = stream_array_bytes(),
                                 int repetitions = 20);

}  // namespace lucid::bench
