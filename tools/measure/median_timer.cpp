// time_median: samples are sized from the warm-up call's time, so a slow candidate costs
// `samples` calls and a fast one a few milliseconds per sample.
#include "median_timer.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace lucid::bench {

Timing time_median(const std::function<void()>& f, int samples, double min_sample_seconds) {
  using Clock = std::chrono::steady_clock;
  auto seconds_of = [&](int64_t calls) {
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < calls; ++i) f();
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  Timing t;
  double one = seconds_of(1);  // warm-up, also the first size estimate
  if (one < min_sample_seconds) one = seconds_of(1);  // the warm-up call may have been cold
  t.calls_per_sample = std::max<int64_t>(1, static_cast<int64_t>(min_sample_seconds / std::max(one, 1e-9)));
  std::vector<double> per_call;
  for (int i = 0; i < std::max(samples, 1); ++i)
    per_call.push_back(seconds_of(t.calls_per_sample) / static_cast<double>(t.calls_per_sample));
  std::sort(per_call.begin(), per_call.end());
  t.samples = static_cast<int>(per_call.size());
  t.median_seconds = per_call[per_call.size() / 2];
  t.min_seconds = per_call.front();
  return t;
}

}  // namespace lucid::bench
