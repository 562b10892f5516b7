// time_median: warm-up, then the median of several samples of a callable, for lucid-tune's
// candidate measurements (Google Benchmark drives the lucid-bench timings instead).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace lucid::bench {

struct Timing {
  double median_seconds = 0;  // per call
  double min_seconds = 0;     // per call, fastest sample
  int64_t calls_per_sample = 1;
  int samples = 0;
};

// Calls f once untimed (warm-up: caches, page faults, thread wake-up), sizes a sample so it
// lasts at least min_sample_seconds, then times `samples` samples.
Timing time_median(const std::function<void()>& f, int samples = 7,
                   double min_sample_seconds = 0.002);

// The median of `values` (non-empty, else lucid::Error): the mean of the two middle values
// for an even count.
double median_of(std::vector<double> values);

}  // namespace lucid::bench
