// STREAM triad: doubles, like McCalpin's STREAM, and the same byte count (3 x 8 per element:
// the write-allocate read of a is not counted, so the figure compares with published ones).
#include "stream_triad.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "host_info.h"

namespace lucid::bench {

namespace {

constexpr int64_t kMiB = 1024 * 1024;

void triad(double* __restrict a, const double* __restrict b, const double* __restrict c,
           double s, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) a[i] = b[i] + s * c[i];
}

// Runs body(begin, end) over n elements split evenly over `threads` threads (the caller is
// one of them).
template <class Body>
void split(int threads, int64_t n, Body&& body) {
  std::vector<std::thread> others;
  auto slice = [&](int t) {
    const int64_t begin = n * t / threads, end = n * (t + 1) / threads;
    body(begin, end);
  };
  for (int t = 1; t < threads; ++t) others.emplace_back(slice, t);
  slice(0);
  for (auto& th : others) th.join();
}

struct FreeDeleter {
  void operator()(double* p) const { std::free(p); }
};

std::unique_ptr<double, FreeDeleter> allocate(int64_t n) {
  return std::unique_ptr<double, FreeDeleter>(
      static_cast<double*>(std::aligned_alloc(64, static_cast<std::size_t>(n) * sizeof(double))));
}

}  // namespace

int64_t stream_array_bytes() {
  const int64_t l3 = jit::host_info().caches.l3_bytes;
  return std::clamp<int64_t>(4 * l3, 64 * kMiB, 256 * kMiB);
}

StreamTriad measure_stream_triad(int threads, int64_t array_bytes, int repetitions) {
  using Clock = std::chrono::steady_clock;
  StreamTriad result;
  result.threads = std::max(threads, 1);
  const int64_t n = array_bytes / static_cast<int64_t>(sizeof(double)) / 8 * 8;
  result.array_bytes = n * static_cast<int64_t>(sizeof(double));
  auto a = allocate(n), b = allocate(n), c = allocate(n);
  if (!a || !b || !c) return result;
  double* pa = a.get();
  double* pb = b.get();
  double* pc = c.get();
  // First touch by the thread that will use the slice (the pages land on its node).
  split(result.threads, n, [&](int64_t begin, int64_t end) {
    std::fill(pa + begin, pa + end, 0.0);
    std::fill(pb + begin, pb + end, 1.0);
    std::fill(pc + begin, pc + end, 2.0);
  });
  const double bytes = 3.0 * static_cast<double>(result.array_bytes);
  for (int r = 0; r < std::max(repetitions, 1); ++r) {
    const auto t0 = Clock::now();
    split(result.threads, n, [&](int64_t begin, int64_t end) { triad(pa, pb, pc, 3.0, begin, end); });
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    result.gbs = std::max(result.gbs, bytes / s * 1e-9);
  }
  return result;
}

}  // namespace lucid::bench
