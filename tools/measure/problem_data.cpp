// ProblemData: allocation and seeded filling of one layer's tensors.
#include "problem_data.h"

#include <cstdlib>
#include <cstring>
#include <new>
#include <random>

namespace lucid::bench {

namespace {

constexpr std::size_t kAlignment = 64;

void fill_uniform(AlignedBuffer& buffer, DType dtype, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  if (dtype == DType::Float32) {
    auto* p = static_cast<float*>(buffer.data());
    for (std::size_t i = 0; i < buffer.bytes() / sizeof(float); ++i) p[i] = static_cast<float>(dist(rng));
  } else {
    auto* p = static_cast<double*>(buffer.data());
    for (std::size_t i = 0; i < buffer.bytes() / sizeof(double); ++i) p[i] = dist(rng);
  }
}

}  // namespace

AlignedBuffer::AlignedBuffer(std::size_t bytes) : bytes_(bytes) {
  // aligned_alloc wants a multiple of the alignment; never zero, so data() is never null.
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment + kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, rounded);
  data_.reset(p);
}

void AlignedBuffer::Free::operator()(void* p) const { std::free(p); }

ProblemData::ProblemData(const ConvSpec& spec_, int64_t batch_, int64_t length_,
                         std::uint64_t seed)
    : spec(spec_), batch(batch_), length(length_), out_length(spec_.output_length(length_)) {
  const std::size_t e = dtype_size(spec.dtype);
  const auto n = [e](int64_t count) { return static_cast<std::size_t>(count) * e; };
  x = AlignedBuffer(n(batch * spec.in_channels * length));
  weight = AlignedBuffer(n(spec.weight_numel()));
  bias = AlignedBuffer(spec.bias ? n(spec.out_channels) : 0);
  y = AlignedBuffer(n(batch * spec.out_channels * out_length));
  grad_y = AlignedBuffer(n(batch * spec.out_channels * out_length));
  grad_x = AlignedBuffer(n(batch * spec.in_channels * length));
  grad_weight = AlignedBuffer(n(spec.weight_numel()));
  grad_bias = AlignedBuffer(n(spec.out_channels));

  std::mt19937_64 rng(seed);
  fill_uniform(x, spec.dtype, rng);
  fill_uniform(weight, spec.dtype, rng);
  fill_uniform(bias, spec.dtype, rng);
  fill_uniform(grad_y, spec.dtype, rng);
}

std::vector<double> ProblemData::to_doubles(const AlignedBuffer& buffer) const {
  std::vector<double> out;
  if (spec.dtype == DType::Float32) {
    const auto* p = static_cast<const float*>(buffer.data());
    out.assign(p, p + buffer.bytes() / sizeof(float));
  } else {
    const auto* p = static_cast<const double*>(buffer.data());
    out.assign(p, p + buffer.bytes() / sizeof(double));
  }
  return out;
}

}  // namespace lucid::bench
