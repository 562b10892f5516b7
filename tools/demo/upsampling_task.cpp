// UpsamplingTask: random sums of sines, decimated; and the linear-interpolation baseline.
#include "upsampling_task.h"

#include <cmath>
#include <numbers>
#include <vector>

namespace demo {

UpsamplingTask::UpsamplingTask(int64_t factor, int64_t high_length, std::uint64_t seed)
    : factor_(factor), high_length_(high_length), generator_(seed) {}

std::pair<lucid::Tensor, lucid::Tensor> UpsamplingTask::batch(int64_t n) {
  const int64_t low_length = this->low_length();
  // Frequencies up to 80% of the low rate's Nyquist (0.5 / factor cycles per high-rate
  // sample): recoverable in principle, but too fast for straight lines between samples.
  const double max_frequency = 0.8 * 0.5 / static_cast<double>(factor_);
  std::vector<double> low(static_cast<std::size_t>(n * low_length));
  std::vector<double> high(static_cast<std::size_t>(n * high_length_));
  for (int64_t i = 0; i < n; ++i) {
    double frequency[3], amplitude[3], phase[3];
    for (int s = 0; s < 3; ++s) {
      frequency[s] = generator_.uniform(0.1, 1.0) * max_frequency;
      amplitude[s] = generator_.uniform(0.2, 0.6);
      phase[s] = generator_.uniform(0, 2 * std::numbers::pi);
    }
    for (int64_t t = 0; t < high_length_; ++t) {
      double v = 0;
      for (int s = 0; s < 3; ++s)
        v += amplitude[s] * std::sin(2 * std::numbers::pi * frequency[s] * t + phase[s]);
      high[static_cast<std::size_t>(i * high_length_ + t)] = v;
      if (t % factor_ == 0) low[static_cast<std::size_t>(i * low_length + t / factor_)] = v;
    }
  }
  return {lucid::Tensor::from_vector(low, {n, 1, low_length}),
          lucid::Tensor::from_vector(high, {n, 1, high_length_})};
}

lucid::Tensor UpsamplingTask::linear_interpolation(const lucid::Tensor& low) const {
  const int64_t n = low.size(0), low_length = low.size(-1);
  auto in = low.to_vector();
  std::vector<double> out(static_cast<std::size_t>(n * high_length_));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < high_length_; ++t) {
      int64_t k = t / factor_;
      double frac = static_cast<double>(t % factor_) / static_cast<double>(factor_);
      double a = in[static_cast<std::size_t>(i * low_length + k)];
      // Past the last sample there is nothing to aim at: hold the value.
      double b = k + 1 < low_length ? in[static_cast<std::size_t>(i * low_length + k + 1)] : a;
      out[static_cast<std::size_t>(i * high_length_ + t)] = a + (b - a) * frac;
    }
  return lucid::Tensor::from_vector(out, {n, 1, high_length_});
}

}  // namespace demo
