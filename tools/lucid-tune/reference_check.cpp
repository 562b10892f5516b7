// ReferenceCheck: the reference in double on the candidate's own (float-rounded) inputs, so
// the only difference left is the kernel's rounding.
#include "reference_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "lucid/reference.h"
#include "pass_runner.h"

namespace lucid::tune {

namespace {

void poison(bench::AlignedBuffer& buffer, DType dtype) {
  if (dtype == DType::Float32) {
    auto* p = static_cast<float*>(buffer.data());
    for (std::size_t i = 0; i < buffer.bytes() / sizeof(float); ++i) p[i] = std::numeric_limits<float>::quiet_NaN();
  } else {
    auto* p = static_cast<double*>(buffer.data());
    for (std::size_t i = 0; i < buffer.bytes() / sizeof(double); ++i) p[i] = std::numeric_limits<double>::quiet_NaN();
  }
}

bench::AlignedBuffer& output_of(bench::ProblemData& d, bench::Pass pass) {
  switch (pass) {
    case bench::Pass::Forward: return d.y;
    case bench::Pass::BackwardData: return d.grad_x;
    case bench::Pass::BackwardWeight: return d.grad_weight;
  }
  return d.y;
}

}  // namespace

ReferenceCheck::ReferenceCheck(const ConvSpec& spec, int64_t batch, int64_t length)
    : data_(spec, batch, length, /*seed=*/7) {
  const std::vector<double> x = data_.to_doubles(data_.x), w = data_.to_doubles(data_.weight);
  const std::vector<double> b = data_.to_doubles(data_.bias), gy = data_.to_doubles(data_.grad_y);
  const int64_t N = batch, L = length, Lout = data_.out_length;
  auto& y = expected_[static_cast<int>(bench::Pass::Forward)];
  auto& gx = expected_[static_cast<int>(bench::Pass::BackwardData)];
  auto& gw = expected_[static_cast<int>(bench::Pass::BackwardWeight)];
  y.resize(static_cast<std::size_t>(N * spec.out_channels * Lout));
  gx.resize(static_cast<std::size_t>(N * spec.in_channels * L));
  gw.resize(static_cast<std::size_t>(spec.weight_numel()));
  reference::forward<double>(spec, x.data(), w.data(), spec.bias ? b.data() : nullptr, y.data(), N, L);
  reference::backward_data<double>(spec, gy.data(), w.data(), gx.data(), N, L);
  reference::backward_weight<double>(spec, x.data(), gy.data(), gw.data(), N, L);
}

double ReferenceCheck::tolerance() const { return data_.spec.dtype == DType::Float32 ? 1e-4 : 1e-10; }

double ReferenceCheck::relative_error(const KernelSet& kernels, bench::Pass pass) {
  bench::AlignedBuffer& out = output_of(data_, pass);
  poison(out, data_.spec.dtype);
  bench::PassRunner runner(1);
  if (runner.run(kernels, pass, data_) != 0) return std::numeric_limits<double>::infinity();
  const std::vector<double> got = data_.to_doubles(out);
  const std::vector<double>& want = expected_[static_cast<int>(pass)];
  double scale = 0, worst = 0;
  for (double v : want) scale = std::max(scale, std::fabs(v));
  for (std::size_t i = 0; i < want.size(); ++i) {
    const double e = std::fabs(got[i] - want[i]);
    if (std::isnan(e)) return e;  // an element never written (still NaN) or a NaN computed
    worst = std::max(worst, e);
  }
  return worst / std::max(scale, 1e-30);
}

bool ReferenceCheck::passes(const KernelSet& kernels, bench::Pass pass, std::string* why) {
  const double error = relative_error(kernels, pass);
  if (error <= tolerance()) return true;
  if (why != nullptr)
    *why = fmt::format("{} differs from the reference by {:.3g} (relative; tolerance {:.0e})",
                       bench::pass_name(pass), error, tolerance());
  return false;
}

}  // namespace lucid::tune
