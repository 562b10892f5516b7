/* profile_driver.c: calls one pass of one lucid-aot kernel set in a loop, for a sampling
 * profiler (tools/profile/lucid_profile.py builds and runs it):
 *   cc -O2 -std=c11 -I DIR -DAOT_HEADER='"P.h"' -DAOT_PREFIX=P -DAOT_UPPER=UPPER_P profile_driver.c DIR/P.o
 *   ./driver forward|backward_data|backward_weight BATCH LENGTH SECONDS
 * It calls the range entry points over all items with the weights packed once, as lucid-bench's
 * lucid_prepacked rows time the JIT's kernels (the whole-call wrappers would add their
 * finiteness check of the weight or x), on one thread, for at least SECONDS and 3 calls, and
 * prints the best call's time and GFLOP/s. */
#define _POSIX_C_SOURCE 200112L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include AOT_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(suffix) CAT(AOT_PREFIX, suffix)
#define K_(suffix) CAT(AOT_UPPER, suffix)
typedef FN(_element) T;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static T* filled(int64_t n) {
  T* p = aligned_alloc(64, (size_t)((n * (int64_t)sizeof(T) + 63) / 64 * 64));
  if (!p) { fprintf(stderr, "out of memory\n"); exit(1); }
  for (int64_t i = 0; i < n; ++i) p[i] = (T)((i * 7919 % 1000) - 500) * (T)1e-3;
  return p;
}

int main(int argc, char** argv) {
  if (argc != 5) { fprintf(stderr, "usage: %s forward|backward_data|backward_weight BATCH LENGTH SECONDS\n", argv[0]); return 2; }
  const char* pass = argv[1];
  const int64_t N = atoll(argv[2]), L = atoll(argv[3]);
  const double seconds = atof(argv[4]);
  const int64_t Lout = FN(_output_length)(L);
  if (N < 1 || Lout < 1) { fprintf(stderr, "bad batch or length\n"); return 2; }
  T* x = filled(N * K_(_IN_CHANNELS) * L);
  T* y = filled(N * K_(_OUT_CHANNELS) * Lout);
  T* w = filled(K_(_WEIGHT_NUMEL));
  T* b = filled(K_(_OUT_CHANNELS));
  void* fpack = aligned_alloc(64, (size_t)((FN(_forward_packed_bytes)() + 64) / 64 * 64));
  void* dpack = aligned_alloc(64, (size_t)((FN(_backward_data_packed_bytes)() + 64) / 64 * 64));
  FN(_forward_pack)(w, fpack);
  FN(_backward_data_pack)(w, dpack);
  const int fwd = !strcmp(pass, "forward"), bd = !strcmp(pass, "backward_data"), bw = !strcmp(pass, "backward_weight");
  if (!fwd && !bd && !bw) { fprintf(stderr, "unknown pass %s\n", pass); return 2; }
  double best = 1e30, start = now();
  long calls = 0;
  while (now() - start < seconds || calls < 3) {
    const double t0 = now();
    int status = fwd ? FN(_range_forward_prepacked)(x, w, K_(_HAS_BIAS) ? b : NULL, fpack, y, N, L, 0, N * K_(_FORWARD_ITEMS_PER_BATCH))
               : bd ? FN(_range_backward_data_prepacked)(y, w, dpack, x, N, L, 0, N * K_(_BACKWARD_DATA_ITEMS_PER_BATCH))
                    : FN(_range_backward_weight)(x, y, w, N, L, 0, K_(_BACKWARD_WEIGHT_ITEMS));
    const double t = now() - t0;
    if (status != 0) { fprintf(stderr, "status %d\n", status); return 1; }
    if (t < best) best = t;
    ++calls;
  }
  const double flops = 2.0 * (double)N * (double)K_(_IN_CHANNELS) * (double)(K_(_OUT_CHANNELS) / K_(_GROUPS)) *
                       (double)K_(_KERNEL_SIZE) * (double)L;
  printf("%s batch %lld length %lld: best %.3f ms of %ld calls, %.1f GFLOP/s\n", pass, (long long)N, (long long)L,
         best * 1e3, calls, flops / best / 1e9);
  return 0;
}
