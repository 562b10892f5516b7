// ReferenceCheck: the reference in double on the candidate's own (float-rounded) inputs, so
// the only difference left is the kernel's rounding.
#include "reference_check.h"

#include <fmt/format.h>

#include <limits>

#include "pass_runner.h"
#include "reference_output.h"

namespace lucid::tune {

ReferenceCheck::ReferenceCheck(const ConvSpec& spec, int64_t batch, int64_t length)
    : data_(spec, batch, length, /*seed=*/7) {
  for (bench::Pass p : bench::kAllPasses)
    expected_[static_cast<int>(p)] = bench::reference_output(p, data_);
}

double ReferenceCheck::tolerance() const { return data_.spec.dtype == DType::Float32 ? 1e-4 : 1e-10; }

double ReferenceCheck::relative_error(const KernelSet& kernels, bench::Pass pass) {
  bench::AlignedBuffer& out = bench::output_of(data_, pass);
  bench::poison(out, data_.spec.dtype);
  bench::PassRunner runner(1);
  if (runner.run(kernels, pass, data_) != 0) return std::numeric_limits<double>::infinity();
  return bench::relative_error(expected_[static_cast<int>(pass)], data_.to_doubles(out));
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
