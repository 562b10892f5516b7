// visit_dtype: calls a generic lambda with a value of the C++ type of a DType, so one
// template body serves float32 and float64.
#pragma once

#include "lucid/dtype.h"

namespace lucid {

template <typename F>
decltype(auto) visit_dtype(DType dtype, F&& f) {
  if (dtype == DType::Float32) return f(float{});
  return f(double{});
}

}  // namespace lucid
