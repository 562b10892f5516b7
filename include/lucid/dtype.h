// Element types the kernels are generated for.
#pragma once

#include <cstddef>
#include <string_view>

namespace lucid {

enum class DType { Float32, Float64 };

constexpr std::size_t dtype_size(DType t) { return t == DType::Float32 ? 4 : 8; }
constexpr std::string_view dtype_name(DType t) { return t == DType::Float32 ? "float32" : "float64"; }

}  // namespace lucid
