// reference_output / relative_error: the shared oracle of lucid-tune and lucid-bench --check.
#include "reference_output.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "lucid/reference.h"

namespace lucid::bench {

AlignedBuffer& output_of(ProblemData& d, Pass pass) {
  switch (pass) {
    case Pass::Forward: return d.y;
    case Pass::BackwardData: return d.grad_x;
    case Pass::BackwardWeight: return d.grad_weight;
  }
  return d.y;
}

std::vector<double> reference_output(Pass pass, const ProblemData& d) {
  const ConvSpec& spec = d.spec;
  const int64_t N = d.batch, L = d.length;
  const std::vector<double> x = d.to_doubles(d.x), w = d.to_doubles(d.weight);
  const std::vector<double> b = d.to_doubles(d.bias), gy = d.to_doubles(d.grad_y);
  std::vector<double> out;
  switch (pass) {
    case Pass::Forward:
      out.resize(static_cast<std::size_t>(N * spec.out_channels * d.out_length));
      reference::forward<double>(spec, x.data(), w.data(), spec.bias ? b.data() : nullptr,
                                 out.data(), N, L);
      break;
    case Pass::BackwardData:
      out.resize(static_cast<std::size_t>(N * spec.in_channels * L));
      reference::backward_data<double>(spec, gy.data(), w.data(), out.data(), N, L);
      break;
    case Pass::BackwardWeight:
      out.resize(static_cast<std::size_t>(spec.weight_numel()));
      reference::backward_weight<double>(spec, x.data(), gy.data(), out.data(), N, L);
      break;
  }
  return out;
}

double relative_error(const std::vector<double>& want, const std::vector<double>& got) {
  if (want.size() != got.size()) return std::numeric_limits<double>::infinity();
  double scale = 0, worst = 0;
  for (double v : want) scale = std::max(scale, std::fabs(v));
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double e = std::fabs(got[i] - want[i]);
    if (std::isnan(e)) return e;
    worst = std::max(worst, e);
  }
  return worst / std::max(scale, 1e-30);
}

void poison(AlignedBuffer& buffer, DType dtype) {
  if (dtype == DType::Float32) {
    auto* p = static_cast<float*>(buffer.data());
    std::fill(p, p + buffer.bytes() / sizeof(float), std::numeric_limits<float>::quiet_NaN());
  } else {
    auto* p = static_cast<double*>(buffer.data());
    std::fill(p, p + buffer.bytes() / sizeof(double), std::numeric_limits<double>::quiet_NaN());
  }
}

}  // namespace lucid::bench
