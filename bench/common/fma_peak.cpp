// FMA peak probe. Twelve independent accumulators cover the FMA latency (4-5 cycles) times
// the number of FMA pipes (2 on current x86 cores), so the loop is throughput-bound; the best
// of several runs discards interruptions by other processes.
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

constexpr int kAccumulators = 12;
constexpr int kLanes = 8;  // fp32 lanes of a 256-bit register

// Returns a value derived from the accumulators so the compiler cannot drop the loop. The
// accumulators are named variables, not an array, so they stay in registers.
__attribute__((target("avx2,fma"), noinline)) float fma_loop(int64_t iterations) {
  const __m256 a = _mm256_set1_ps(0.999999f);
  const __m256 b = _mm256_set1_ps(1e-7f);
  __m256 c0 = _mm256_set1_ps(0.0f), c1 = _mm256_set1_ps(0.1f), c2 = _mm256_set1_ps(0.2f);
  __m256 c3 = _mm256_set1_ps(0.3f), c4 = _mm256_set1_ps(0.4f), c5 = _mm256_set1_ps(0.5f);
  __m256 c6 = _mm256_set1_ps(0.6f), c7 = _mm256_set1_ps(0.7f), c8 = _mm256_set1_ps(0.8f);
  __m256 c9 = _mm256_set1_ps(0.9f), c10 = _mm256_set1_ps(1.0f), c11 = _mm256_set1_ps(1.1f);
  for (int64_t it = 0; it < iterations; ++it) {
    c0 = _mm256_fmadd_ps(c0, a, b);
    c1 = _mm256_fmadd_ps(c1, a, b);
    c2 = _mm256_fmadd_ps(c2, a, b);
    c3 = _mm256_fmadd_ps(c3, a, b);
    c4 = _mm256_fmadd_ps(c4, a, b);
    c5 = _mm256_fmadd_ps(c5, a, b);
    c6 = _mm256_fmadd_ps(c6, a, b);
    c7 = _mm256_fmadd_ps(c7, a, b);
    c8 = _mm256_fmadd_ps(c8, a, b);
    c9 = _mm256_fmadd_ps(c9, a, b);
    c10 = _mm256_fmadd_ps(c10, a, b);
    c11 = _mm256_fmadd_ps(c11, a, b);
  }
  const __m256 sum = _mm256_add_ps(
      _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                    _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7))),
      _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
  alignas(32) float out[kLanes];
  _mm256_store_ps(out, sum);
  return out[0];
}

}  // namespace

FmaPeak measure_fma_peak(double seconds) {
  FmaPeak peak;
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    peak.isa = "none";
    return peak;
  }
  peak.isa = "avx2+fma";
  using Clock = std::chrono::steady_clock;
  const int64_t iterations = 2'000'000;  // ~10 ms per run at ~30 FLOP/cycle, 3 GHz
  volatile float sink = fma_loop(iterations / 10);  // warm up: wakes the vector unit
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  double best = 0;
  do {
    const auto t0 = Clock::now();
    sink = fma_loop(iterations);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    const double flops = 2.0 * kLanes * kAccumulators * static_cast<double>(iterations);
    best = std::max(best, flops / s * 1e-9);
  } while (Clock::now() < deadline);
  (void)sink;
  peak.gflops = best;
  return peak;
}
#else
FmaPeak measure_fma_peak(double) {
  FmaPeak peak;
  peak.isa = "none";
  return peak;
}
#endif

}  // namespace lucid::bench
