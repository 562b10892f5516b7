// The instruction sets tier 0 is compiled for, and which one runs.
//
// kernels/*.cpp are built once per instruction set, each copy in its own namespace
// (lucid::tier0::baseline, ::avx2, ::avx512; CMakeLists.txt), with register blocks derived from
// that ISA's vector width and register count. The first call picks the richest copy the CPU
// supports; LUCID_TIER0_ISA=baseline|avx2|avx512 asks for a lower one (e.g. to measure it).
// Tests run every copy the CPU supports through the *_with entry points.
#pragma once

#include <cstdint>

#include "geometry.h"
#include "lucid/kernel_set.h"

namespace lucid::tier0 {

enum class Isa {
  Baseline,  // x86-64 (SSE2): 4 floats per vector, 16 registers
  Avx2,      // AVX2 + FMA: 8 floats, 16 registers
  Avx512,    // AVX-512 F/VL/DQ: 16 floats, 32 registers
  // AVX-512's vector width and register budget built for AVX2 (GCC splits each 64-byte vector
  // into two): lets the AVX-512 blocking be tested on machines without AVX-512.
  Avx512Shape,
};
inline constexpr Isa kAllIsas[] = {Isa::Baseline, Isa::Avx2, Isa::Avx512, Isa::Avx512Shape};

const char* isa_name(Isa isa);
// Whether this CPU (and OS) can run the copy.
bool isa_supported(Isa isa);
// The copy the tier-0 entry points use (decided once per process).
Isa selected_isa();
const IsaKernels& isa_kernels(Isa isa);

// The entry points of tier0_kernels.h with an explicit instruction set (which must be supported).
int forward_with(Isa isa, const KernelSet& set, const void* x, const void* weight,
                 const void* bias, void* y, int64_t batch, int64_t length, int64_t item_begin,
                 int64_t item_end);
int backward_data_with(Isa isa, const KernelSet& set, const void* grad_y, const void* weight,
                       void* grad_x, int64_t batch, int64_t length, int64_t item_begin,
                       int64_t item_end);
int backward_weight_with(Isa isa, const KernelSet& set, const void* x, const void* grad_y,
                         void* grad_weight, int64_t batch, int64_t length, int64_t item_begin,
                         int64_t item_end);
int backward_bias_with(Isa isa, const KernelSet& set, const void* grad_y, void* grad_bias,
                       int64_t batch, int64_t length, int64_t item_begin, int64_t item_end);

}  // namespace lucid::tier0
