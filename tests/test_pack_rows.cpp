// The library's row-to-lane packing that JIT kernels call (tier0::pack_rows_as_lanes_routine,
// kernels/pack_rows_as_lanes.cpp): every instruction-set copy this CPU runs, both dtypes,
// every count of valid rows, whole tiles and remainders, and strides wider than the data, with
// sentinels where nothing may be read from or written to.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "tier0/tier0_isa.h"
#include "tier0/tier0_kernels.h"

namespace {

using lucid::DType;
namespace tier0 = lucid::tier0;

template <class T>
using PackRows = void (*)(const T*, int64_t, int64_t, int64_t, T*, int64_t);

template <class T>
PackRows<T> routine_of(const tier0::IsaKernels& k) {
  if constexpr (sizeof(T) == 4) return k.pack_rows_f32;
  else return k.pack_rows_f64;
}

template <class T>
void check_copy(const tier0::IsaKernels& k) {
  const int V = k.vector_bytes / static_cast<int>(sizeof(T));
  const PackRows<T> pack = routine_of<T>(k);
  for (int64_t columns : {int64_t{0}, int64_t{1}, int64_t{V - 1}, int64_t{V}, int64_t{V + 1}, int64_t{3 * V + 2}}) {
    const int64_t src_stride = columns + 3;  // each row ends in 3 elements that must not move
    const int64_t dst_stride = V + 2;        // each column's vector is followed by 2 untouched
    std::vector<T> src(static_cast<size_t>(V * src_stride));
    for (size_t e = 0; e < src.size(); ++e) src[e] = static_cast<T>(e + 1);
    for (int rows = 0; rows <= V; ++rows) {
      CAPTURE(columns);
      CAPTURE(rows);
      const T sentinel = static_cast<T>(-7);
      std::vector<T> dst(static_cast<size_t>((columns + 1) * dst_stride), sentinel);
      pack(src.data(), src_stride, rows, columns, dst.data(), dst_stride);
      int wrong = 0, touched = 0;
      for (int64_t m = 0; m < columns; ++m) {
        for (int i = 0; i < V; ++i) {
          const T want = i < rows ? src[static_cast<size_t>(i * src_stride + m)] : T(0);
          wrong += dst[static_cast<size_t>(m * dst_stride + i)] != want;
        }
        for (int64_t gap = V; gap < dst_stride; ++gap) touched += dst[static_cast<size_t>(m * dst_stride + gap)] != sentinel;
      }
      for (int64_t e = columns * dst_stride; e < static_cast<int64_t>(dst.size()); ++e) touched += dst[static_cast<size_t>(e)] != sentinel;
      CHECK(wrong == 0);
      CHECK(touched == 0);
    }
  }
}

}  // namespace

TEST_CASE("every packing copy this CPU runs moves rows into lanes exactly") {
  for (tier0::Isa isa : tier0::kAllIsas) {
    if (!tier0::isa_supported(isa)) continue;
    CAPTURE(tier0::isa_name(isa));
    const tier0::IsaKernels& k = tier0::isa_kernels(isa);
    check_copy<float>(k);
    check_copy<double>(k);
  }
}

TEST_CASE("the JIT's packing routine is the richest supported copy of the kernel's vector, or none") {
  for (DType dtype : {DType::Float32, DType::Float64}) {
    const int element = dtype == DType::Float32 ? 4 : 8;
    for (int lanes = 1; lanes <= 32; ++lanes) {
      CAPTURE(lanes);
      void* expected = nullptr;
      for (tier0::Isa isa : {tier0::Isa::Avx512, tier0::Isa::Avx2, tier0::Isa::Baseline, tier0::Isa::Avx512Shape}) {
        const tier0::IsaKernels& k = tier0::isa_kernels(isa);
        if (expected || !tier0::isa_supported(isa) || k.vector_bytes != lanes * element) continue;
        expected = dtype == DType::Float32 ? reinterpret_cast<void*>(k.pack_rows_f32) : reinterpret_cast<void*>(k.pack_rows_f64);
      }
      CHECK(tier0::pack_rows_as_lanes_routine(dtype, lanes) == expected);
    }
  }
  // Every x86-64 runs the SSE2 copy: 4 floats, 2 doubles.
  CHECK(tier0::pack_rows_as_lanes_routine(DType::Float32, 4) != nullptr);
  CHECK(tier0::pack_rows_as_lanes_routine(DType::Float64, 2) != nullptr);
  CHECK(tier0::pack_rows_as_lanes_routine(DType::Float32, 2) == nullptr);
}
