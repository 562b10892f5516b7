// FMA peak probe. The accumulators are independent chains: FMA latency (4-5 cycles) times the
// FMA pipes (2 on current x86 cores) must be covered for the loop to be throughput-bound, so
// 12 ymm chains (of 16 registers) and 24 zmm chains (of 32) leave room to spare. The best of
// several runs discards interruptions by other processes. Each width is its own function with
// its own target attribute, so an AVX2-only host never meets an EVEX instruction.
#include "fma_peak.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define LUCID_FMA_PROBE 1
#endif

namespace lucid::bench {

#ifdef LUCID_FMA_PROBE
namespace {

// Defines `double NAME(int64_t iterations)`: ACC chains c = c * a + b (a just below 1, so the
// values settle near b / (1 - a) and never overflow or turn denormal), fully unrolled so the
// array lives in registers, summed at the end so the compiler cannot drop the loop.
#define LUCID_FMA_LOOP(NAME, TARGET, VEC, SET1, FMADD, ADD, FIRST_LANE, ACC)          \
  __attribute__((target(TARGET), noinline)) double NAME(int64_t iterations) {         \
    const VEC a = SET1(0.999999);                                                     \
    const VEC b = SET1(1e-7);                                                         \
    VEC c[ACC];                                                                       \
    _Pragma("GCC unroll 32") for (int i = 0; i < ACC; ++i) c[i] = SET1(0.01 * i);     \
    for (int64_t it = 0; it < iterations; ++it) {                                     \
      _Pragma("GCC unroll 32") for (int i = 0; i < ACC; ++i) c[i] = FMADD(c[i], a, b); \
    }                                                                                 \
    VEC sum = c[0];                                                                   \
    _Pragma("GCC unroll 32") for (int i = 1; i < ACC; ++i) sum = ADD(sum, c[i]);      \
    return FIRST_LANE(sum);                                                           \
  }

constexpr int kYmmChains = 12;
constexpr int kZmmChains = 24;

LUCID_FMA_LOOP(fma_ymm_f32, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps,
               _mm256_cvtss_f32, kYmmChains)
LUCID_FMA_LOOP(fma_ymm_f64, "avx2,fma", __m256d, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_add_pd,
               _mm256_cvtsd_f64, kYmmChains)
LUCID_FMA_LOOP(fma_zmm_f32, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps,
               _mm512_cvtss_f32, kZmmChains)
LUCID_FMA_LOOP(fma_zmm_f64, "avx512f", __m512d, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_add_pd,
               _mm512_cvtsd_f64, kZmmChains)
#undef LUCID_FMA_LOOP

// Best GFLOP/s of loop over about `seconds`; flops_per_iteration = 2 * lanes * chains.
double best_gflops(double (*loop)(int64_t), double flops_per_iteration, double seconds) {
  using Clock = std::chrono::steady_clock;
  // About 1 ms per run at 30-60 FLOP/cycle: short enough that some runs fit between the
  // other processes' time slices on a busy machine.
  const int64_t iterations = 250'000;
  // Warm up for 50 ms: a core may run wide vectors slowly until its power state follows (the
  // first zmm runs here measured a third of the peak).
  volatile double sink = 0;
  const auto warm = Clock::now() + std::chrono::milliseconds(50);
  while (Clock::now() < warm) sink = loop(iterations / 10);
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  double best = 0;
  do {
    const auto t0 = Clock::now();
    sink = loop(iterations);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    best = std::max(best, flops_per_iteration * static_cast<double>(iterations) / s * 1e-9);
  } while (Clock::now() < deadline);
  (void)sink;
  return best;
}

}  // namespace

FmaPeak measure_fma_peak(int vector_bits, double seconds) {
  FmaPeak peak;
  __builtin_cpu_init();
  if (vector_bits >= 512 && __builtin_cpu_supports("avx512f")) {
    peak.isa = "avx512f";
    peak.vector_bits = 512;
    peak.fp32_gflops = best_gflops(fma_zmm_f32, 2.0 * 16 * kZmmChains, seconds);
    peak.fp64_gflops = best_gflops(fma_zmm_f64, 2.0 * 8 * kZmmChains, seconds);
  } else if (vector_bits >= 256 && __builtin_cpu_supports("avx2") &&
             __builtin_cpu_supports("fma")) {
    peak.isa = "avx2+fma";
    peak.vector_bits = 256;
    peak.fp32_gflops = best_gflops(fma_ymm_f32, 2.0 * 8 * kYmmChains, seconds);
    peak.fp64_gflops = best_gflops(fma_ymm_f64, 2.0 * 4 * kYmmChains, seconds);
  } else {
    peak.isa = "none";
  }
  return peak;
}
#else
FmaPeak measure_fma_peak(int, double) {
  FmaPeak peak;
  peak.isa = "none";
  return peak;
}
#endif

}  // namespace lucid::bench
