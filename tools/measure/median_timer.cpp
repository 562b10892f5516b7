// time_median: samples are sized from the warm-up call's time, so a slow candidate costs
// `samples` calls and a fast one a few milliseconds per sample.
#include "median_timer.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "lucid/error.h"

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
  t.samples = static_cast<int>(per_call.size());
  t.median_seconds = median_of(per_call);
  t.min_seconds = *std::min_element(per_call.begin(), per_call.end());
  return t;
}

double median_of(std::vector<double> values) {
  if (values.empty()) throw Error("median_of: no values");
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace lucid::bench
