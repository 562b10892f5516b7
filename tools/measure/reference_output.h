// The reference loops' output of one pass, in double, on a ProblemData's own inputs (widened
// from their dtype), and the error measure every checker uses: the largest absolute difference
// relative to the reference's largest magnitude. lucid-tune rejects candidates with it;
// lucid-bench --check reports it per implementation.
#pragma once

#include <vector>

#include "pass.h"
#include "problem_data.h"

namespace lucid::bench {

// What pass writes: y, grad_x or grad_weight.
AlignedBuffer& output_of(ProblemData& data, Pass pass);

std::vector<double> reference_output(Pass pass, const ProblemData& data);

// max |got - want| / max |want|; NaN when got holds a NaN (e.g. an element never written).
double relative_error(const std::vector<double>& want, const std::vector<double>& got);

// Fills buffer with NaN, so elements a kernel fails to write show up in relative_error.
void poison(AlignedBuffer& buffer, DType dtype);

}  // namespace lucid::bench
