// Which compiled copy of kernels/ runs: the richest the CPU supports, unless LUCID_TIER0_ISA
// asks for a lower one.
#include <cstdlib>
#include <cstring>

#include "tier0_isa.h"

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

}  // namespace lucid::tier0
