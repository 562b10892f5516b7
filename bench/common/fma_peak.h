// The machine's single-core FMA peak, measured rather than looked up: a tight loop of
// independent FMAs at the widest vector the JIT targets (zmm with AVX-512, ymm with AVX2), in
// fp32 and fp64, so pct_peak compares kernels with what this core really sustains at the width
// they are generated for (turbo, virtualisation and all).
#pragma once

namespace lucid::bench {

struct FmaPeak {
  double fp32_gflops = 0;  // GFLOP/s of one core (an FMA counts 2 FLOPs per lane)
  double fp64_gflops = 0;
  int vector_bits = 0;     // width of the probe: 512, 256, or 0 when it could not run
  const char* isa = "";    // "avx512f", "avx2+fma", or "none"
};

// Runs the probe at min(vector_bits, the widest the host runs) for about `seconds` per
// precision (best of several short runs) on the calling thread. vector_bits is the JIT's
// target width, so the peak is the one its kernels can reach.
FmaPeak measure_fma_peak(int vector_bits, double seconds = 0.5);

}  // namespace lucid::bench
