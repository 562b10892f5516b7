// The machine's single-core fp32 FMA peak, measured rather than looked up: a tight loop of
// independent 256-bit FMAs, so pct_peak compares kernels with what this core really sustains
// (turbo, virtualisation and all).
#pragma once

namespace lucid::bench {

struct FmaPeak {
  double gflops = 0;       // fp32 GFLOP/s of one core (an FMA counts 2 FLOPs per lane)
  const char* isa = "";    // "avx2+fma", or "none" when the host cannot run the probe
};

// Runs the probe for about `seconds` (best of several short runs) on the calling thread.
FmaPeak measure_fma_peak(double seconds = 0.3);

}  // namespace lucid::bench
