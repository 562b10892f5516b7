// ReferenceCheck: decides whether a candidate's kernels compute the layer. The reference
// loops run once per spec (in double, on a short problem that still has both edges and an
// interior); each candidate's pass is then compared against them. Outputs are poisoned with
// NaN before each run, so an element a kernel forgets to write fails the check too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lucid/kernel_set.h"
#include "pass.h"
#include "problem_data.h"

namespace lucid::tune {

class ReferenceCheck {
 public:
  ReferenceCheck(const ConvSpec& spec, int64_t batch, int64_t length);

  // The largest error of pass's output, relative to the reference output's largest magnitude;
  // NaN or infinity when something was not written or overflowed.
  double relative_error(const KernelSet& kernels, bench::Pass pass);

  // relative_error within the tolerance of the spec's dtype; otherwise *why says by how much.
  bool passes(const KernelSet& kernels, bench::Pass pass, std::string* why);

  // 1e-4 for float32 (a few hundred ulps of accumulated rounding), 1e-10 for float64.
  double tolerance() const;

 private:
  bench::ProblemData data_;
  std::vector<double> expected_[3];  // per pass, indexed by bench::Pass
};

}  // namespace lucid::tune
