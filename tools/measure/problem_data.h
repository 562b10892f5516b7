// ProblemData: every tensor one layer's three passes read or write, in NCL layout with
// PyTorch's weight order (Cin, Cout/G, K), 64-byte aligned, filled with seeded random values
// so every implementation sees the same inputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "lucid/conv_spec.h"

namespace lucid::bench {

// Zero-initialised bytes aligned to a cache line.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t bytes);
  void* data() { return data_.get(); }
  const void* data() const { return data_.get(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> data_;
  std::size_t bytes_ = 0;
};

struct ProblemData {
  // Inputs (x, weight, bias, grad_y) get values uniform in [-1, 1); outputs start at zero.
  ProblemData(const ConvSpec& spec, int64_t batch, int64_t length, std::uint64_t seed = 1);

  ConvSpec spec;
  int64_t batch;
  int64_t length;
  int64_t out_length;

  AlignedBuffer x;            // (batch, Cin, length)
  AlignedBuffer weight;       // (Cin, Cout/G, K)
  AlignedBuffer bias;         // (Cout); empty when the layer has none
  AlignedBuffer y;            // (batch, Cout, out_length)
  AlignedBuffer grad_y;       // (batch, Cout, out_length)
  AlignedBuffer grad_x;       // (batch, Cin, length)
  AlignedBuffer grad_weight;  // (Cin, Cout/G, K)
  AlignedBuffer grad_bias;    // (Cout)

  const void* bias_or_null() const { return spec.bias ? bias.data() : nullptr; }

  // A buffer's elements widened to double (for comparisons against the reference).
  std::vector<double> to_doubles(const AlignedBuffer& buffer) const;
};

}  // namespace lucid::bench
