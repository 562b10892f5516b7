// Which compiled copy of kernels/ runs: the richest the CPU supports, unless LUCID_TIER0_ISA
// asks for a lower one; and which copy's packing routine JIT kernels of a given vector call.
#include <cstdlib>
#include <cstring>

#include "tier0_isa.h"
#include "tier0_kernels.h"

namespace lucid::tier0 {

// Each copy's table, defined by kernels/isa_kernels.cpp in that copy's namespace.
namespace baseline { extern const IsaKernels kKernels; }
namespace avx2 { extern const IsaKernels kKernels; }
namespace avx512 { extern const IsaKernels kKernels; }
namespace avx512_shape { extern const IsaKernels kKernels; }

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Baseline: return "baseline";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
    case Isa::Avx512Shape: return "avx512_shape";
  }
  return "?";
}

bool isa_supported(Isa isa) {
  // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  switch (isa) {
    case Isa::Baseline: return true;
    case Isa::Avx2:
    case Isa::Avx512Shape: return avx2;
    case Isa::Avx512:
      return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512dq");
  }
  return false;
}

Isa selected_isa() {
  static const Isa selected = [] {
    Isa best = isa_supported(Isa::Avx512) ? Isa::Avx512
               : isa_supported(Isa::Avx2) ? Isa::Avx2
                                          : Isa::Baseline;
    if (const char* wanted = std::getenv("LUCID_TIER0_ISA"))
      for (Isa isa : {Isa::Baseline, Isa::Avx2}) // never above what the CPU runs
        if (std::strcmp(wanted, isa_name(isa)) == 0 && static_cast<int>(isa) < static_cast<int>(best))
          best = isa;
    return best;
  }();
  return selected;
}

const IsaKernels& isa_kernels(Isa isa) {
  switch (isa) {
    case Isa::Baseline: return baseline::kKernels;
    case Isa::Avx2: return avx2::kKernels;
    case Isa::Avx512: return avx512::kKernels;
    case Isa::Avx512Shape: return avx512_shape::kKernels;
  }
  return baseline::kKernels;
}

void* pack_rows_as_lanes_routine(DType dtype, int lanes) {
  const auto element_bytes = static_cast<int>(dtype_size(dtype));
  // Avx512Shape last: its 64-byte vectors are AVX-512's shape built from AVX2 halves.
  for (Isa isa : {Isa::Avx512, Isa::Avx2, Isa::Baseline, Isa::Avx512Shape}) {
    const IsaKernels& k = isa_kernels(isa);
    if (k.vector_bytes != lanes * element_bytes || !isa_supported(isa)) continue;
    return dtype == DType::Float32 ? reinterpret_cast<void*>(k.pack_rows_f32) : reinterpret_cast<void*>(k.pack_rows_f64);
  }
  return nullptr;
}

}  // namespace lucid::tier0
