// UpsamplingTask: the demo's synthetic data. Each example is a band-limited signal (a sum of
// sines below the low rate's Nyquist frequency) at the high rate, and the same signal keeping
// every `factor`-th sample. The model learns to restore the high-rate signal.
#pragma once

#include <cstdint>
#include <utility>

#include "lucid/generator.h"
#include "lucid/tensor.h"

namespace demo {

class UpsamplingTask {
 public:
  UpsamplingTask(int64_t factor, int64_t high_length, std::uint64_t seed);

  int64_t factor() const { return factor_; }
  int64_t low_length() const { return high_length_ / factor_; }
  int64_t high_length() const { return high_length_; }

  // A fresh batch: low-rate input (n, 1, low_length) and high-rate target (n, 1, high_length).
  std::pair<lucid::Tensor, lucid::Tensor> batch(int64_t n);

  // The classic baseline: straight lines between the low-rate samples.
  lucid::Tensor linear_interpolation(const lucid::Tensor& low) const;

 private:
  int64_t factor_;
  int64_t high_length_;
  lucid::Generator generator_;
};

}  // namespace demo
