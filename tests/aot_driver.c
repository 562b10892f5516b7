/* aot_driver.c: a plain C99 program that checks one lucid-aot kernel set against naive loops.
 *
 * Built by tests/test_aot_*.cpp with the system C compiler and linked only with the objects
 * lucid-aot wrote, libc and libm:
 *   cc -std=c99 -I DIR -DAOT_HEADER='"P.h"' -DAOT_PREFIX=P -DAOT_UPPER=UPPER_P \
 *      [-DAOT_EXPECT_TARGET='"x86-64-v3"'] aot_driver.c DIR/P*.o -lm
 * It runs every entry point (whole-call, range and packed-weight) on several (batch, length)
 * pairs, with finite operands and with NaN and Inf in the weight and x, checks the status codes of bad calls (including sizes that overflow int64), prints one line and exits 0 when everything matches. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include AOT_HEADER

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(suffix) CAT(AOT_PREFIX, suffix)
#define K_(suffix) CAT(AOT_UPPER, suffix)

typedef FN(_element) T;

static const int64_t Cin = K_(_IN_CHANNELS), Cout = K_(_OUT_CHANNELS), K = K_(_KERNEL_SIZE);
static const int64_t S = K_(_STRIDE), PL = K_(_PAD_LEFT), D = K_(_DILATION), G = K_(_GROUPS);
static int failures = 0, checks = 0;

static void expect(int ok, const char *what, int64_t batch, int64_t length) {
  ++checks;
  if (!ok) {
    ++failures;
    if (failures <= 10) printf("FAIL %s (batch %lld, length %lld)\n", what, (long long)batch, (long long)length);
  }
}

static uint64_t rng = 12345;
static T uniform(void) { /* [-1, 1) from a 64-bit LCG */
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (T)((double)(rng >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}
static T *make(int64_t n, int random) {
  T *p = (T *)malloc((size_t)(n > 0 ? n : 1) * sizeof(T));
  for (int64_t i = 0; i < n; ++i) p[i] = random ? uniform() : (T)1234.5; /* garbage: must be overwritten */
  return p;
}

/* |got - want| within rounding of a sum whose absolute terms add up to `scale`. */
static int close(T got, double want, double scale) {
  double eps = sizeof(T) == 4 ? 2e-5 : 1e-13;
  return fabs((double)got - want) <= eps * (scale + 1.0);
}

/* The four passes as in docs/semantics.md §1, in double, with the magnitude sums for tolerances. */
static int tap(int64_t l, int64_t k, int64_t Lout) {
  int64_t t = l * S - PL + k * D;
  return (t >= 0 && t < Lout) ? (int)t : -1;
}

/* Equal as PyTorch's sums are: NaN where the reference is NaN, the same infinity, else close. */
static int same(T got, double want, double scale) {
  if (isnan(want)) return isnan((double)got);
  if (isinf(want)) return (double)got == want;
  return close(got, want, scale);
}

/* PyTorch's sums in double, and the sums of the terms' magnitudes (for tolerances), of every
 * output of the four passes: forward (col2im) takes only the products the formula has; the
 * backward passes (im2col) every (position, tap) term, grad_y read as 0 outside the output.
 * x_w is the input the weight's gradient is taken of. */
typedef struct {
  double *y, *sy, *x, *sx, *w, *sw, *b, *sb;
} Want;

static Want reference(int64_t N, int64_t L, const T *x, const T *x_w, const T *w, const T *bias, const T *gy) {
  const int64_t Lout = FN(_output_length)(L), Cin_g = Cin / G, Cout_g = Cout / G;
  const int64_t nx = N * Cin * L, ny = N * Cout * Lout, nw = K_(_WEIGHT_NUMEL), all = ny + nx + nw + Cout;
  double *want = (double *)calloc((size_t)(2 * all), sizeof(double)), *scale = want + all;
  Want r = {want, scale, want + ny, scale + ny, want + ny + nx, scale + ny + nx, want + ny + nx + nw,
            scale + ny + nx + nw};
  for (int64_t n = 0; n < N; ++n)
    for (int64_t g = 0; g < G; ++g)
      for (int64_t ci = g * Cin_g; ci < (g + 1) * Cin_g; ++ci)
        for (int64_t co = 0; co < Cout_g; ++co)
          for (int64_t k = 0; k < K; ++k)
            for (int64_t l = 0; l < L; ++l) {
              int64_t t = tap(l, k, Lout);
              int64_t iy = (n * Cout + g * Cout_g + co) * Lout + (t < 0 ? 0 : t), ix = (n * Cin + ci) * L + l;
              int64_t iw = (ci * Cout_g + co) * K + k;
              double g_value = t < 0 ? 0.0 : (double)gy[iy];
              if (t >= 0) r.y[iy] += (double)x[ix] * w[iw], r.sy[iy] += fabs((double)x[ix] * w[iw]);
              r.x[ix] += g_value * w[iw], r.sx[ix] += fabs(g_value * w[iw]);
              r.w[iw] += (double)x_w[ix] * g_value, r.sw[iw] += fabs((double)x_w[ix] * g_value);
            }
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < Cout; ++c)
      for (int64_t t = 0; t < Lout; ++t) {
        int64_t iy = (n * Cout + c) * Lout + t;
        if (bias) r.y[iy] += bias[c], r.sy[iy] += fabs((double)bias[c]);
        r.b[c] += gy[iy], r.sb[c] += fabs((double)gy[iy]);
      }
  return r;
}

/* The whole-call entry points against the reference, into the given outputs; `what` names
 * the case in failure messages. */
static void check_whole_calls(int64_t N, int64_t L, const T *x, const T *x_w, const T *w, const T *bias,
                              const T *gy, T *y, T *gx, T *gw, T *gb, const char *what) {
  const int64_t Lout = FN(_output_length)(L), nx = N * Cin * L, ny = N * Cout * Lout, nw = K_(_WEIGHT_NUMEL);
  const Want r = reference(N, L, x, x_w, w, bias, gy);
  char name[128];
  int ok = FN(_forward)(x, w, bias, y, N, L) == 0;
  for (int64_t i = 0; i < ny; ++i) ok = ok && same(y[i], r.y[i], r.sy[i]);
  snprintf(name, sizeof name, "forward%s", what), expect(ok, name, N, L);
  ok = FN(_backward_data)(gy, w, gx, N, L) == 0;
  for (int64_t i = 0; i < nx; ++i) ok = ok && same(gx[i], r.x[i], r.sx[i]);
  snprintf(name, sizeof name, "backward_data%s", what), expect(ok, name, N, L);
  ok = FN(_backward_weight)(x_w, gy, gw, N, L) == 0;
  for (int64_t i = 0; i < nw; ++i) ok = ok && same(gw[i], r.w[i], r.sw[i]);
  snprintf(name, sizeof name, "backward_weight%s", what), expect(ok, name, N, L);
  ok = FN(_backward_bias)(gy, gb, N, L) == 0;
  for (int64_t i = 0; i < Cout; ++i) ok = ok && same(gb[i], r.b[i], r.sb[i]);
  snprintf(name, sizeof name, "backward_bias%s", what), expect(ok, name, N, L);
  free(r.y);
}

/* Room for a packed copy, every byte 0xff (NaN in every element), so a slice no pack wrote
 * shows in the results. */
static void *poisoned(int64_t bytes) {
  size_t size = (size_t)(bytes > 0 ? bytes : 1);
  void *p = malloc(size);
  memset(p, 0xff, size);
  return p;
}

/* 6. Packed weights: the _prepacked calls, fed a copy packed whole or in pieces, give the
 *    bits of the plain calls' results y and gx (of x, w, bias and gy). With `ranges`, also the
 *    range entry points (which skip the NaN check, so only for finite weights). */
static void check_packed(int64_t N, int64_t L, const T *x, const T *w, const T *bias, const T *gy, const T *y,
                         const T *gx, int ranges) {
  const int64_t Lout = FN(_output_length)(L), nx = N * Cin * L, ny = N * Cout * Lout;
  const int64_t fb = FN(_forward_packed_bytes)(), db = FN(_backward_data_packed_bytes)();
  const int64_t fp = K_(_FORWARD_PACK_ITEMS), dp = K_(_BACKWARD_DATA_PACK_ITEMS);
  const int64_t fi = N * K_(_FORWARD_ITEMS_PER_BATCH), di = N * K_(_BACKWARD_DATA_ITEMS_PER_BATCH);
  void *fpk = poisoned(fb), *dpk = poisoned(db);
  T *y2 = make(ny, 0), *gx2 = make(nx, 0);
  int ok;
  expect(fb >= 0 && db >= 0 && fp >= 1 && dp >= 1, "packed bytes and pack items", N, L);

  ok = FN(_range_forward_pack)(w, fpk, 0, fp / 2) == 0 && FN(_range_forward_pack)(w, fpk, fp / 2, fp) == 0 &&
       FN(_forward_prepacked)(x, w, bias, fpk, y2, N, L) == 0;
  expect(ok && memcmp(y, y2, (size_t)ny * sizeof(T)) == 0, "forward_prepacked", N, L);
  ok = FN(_backward_data_pack)(w, dpk) == 0 && FN(_backward_data_prepacked)(gy, w, dpk, gx2, N, L) == 0;
  expect(ok && memcmp(gx, gx2, (size_t)nx * sizeof(T)) == 0, "backward_data_prepacked", N, L);
  if (ranges) {
    free(y2), free(gx2);
    y2 = make(ny, 0), gx2 = make(nx, 0);
    ok = FN(_range_forward_prepacked)(x, w, bias, fpk, y2, N, L, 0, fi / 3) == 0 &&
         FN(_range_forward_prepacked)(x, w, bias, fpk, y2, N, L, fi / 3, fi) == 0;
    expect(ok && memcmp(y, y2, (size_t)ny * sizeof(T)) == 0, "range_forward_prepacked", N, L);
    ok = FN(_range_backward_data_pack)(w, dpk, 0, dp / 2) == 0 &&
         FN(_range_backward_data_pack)(w, dpk, dp / 2, dp) == 0 &&
         FN(_range_backward_data_prepacked)(gy, w, dpk, gx2, N, L, 0, di / 2) == 0 &&
         FN(_range_backward_data_prepacked)(gy, w, dpk, gx2, N, L, di / 2, di) == 0;
    expect(ok && memcmp(gx, gx2, (size_t)nx * sizeof(T)) == 0, "range_backward_data_prepacked", N, L);
  }
  /* Where a pass packs, the kernel reads the copy and not the weight: another finite weight
   * beside the copy changes nothing. */
  if (ranges) {
    T *other = make(K_(_WEIGHT_NUMEL), 1);
    if (fb > 0) {
      ok = FN(_forward_prepacked)(x, other, bias, fpk, y2, N, L) == 0;
      expect(ok && memcmp(y, y2, (size_t)ny * sizeof(T)) == 0, "forward_prepacked reads the copy", N, L);
    }
    if (db > 0) {
      ok = FN(_backward_data_prepacked)(gy, other, dpk, gx2, N, L) == 0;
      expect(ok && memcmp(gx, gx2, (size_t)nx * sizeof(T)) == 0, "backward_data_prepacked reads the copy", N, L);
    }
    free(other);
  }
  /* NULL packed: the plain calls. */
  free(y2), free(gx2);
  y2 = make(ny, 0), gx2 = make(nx, 0);
  ok = FN(_forward_prepacked)(x, w, bias, NULL, y2, N, L) == 0 &&
       FN(_backward_data_prepacked)(gy, w, NULL, gx2, N, L) == 0;
  expect(ok && memcmp(y, y2, (size_t)ny * sizeof(T)) == 0 && memcmp(gx, gx2, (size_t)nx * sizeof(T)) == 0,
         "prepacked with NULL packed", N, L);

  /* Bad calls. */
  expect(FN(_range_forward_pack)(w, fpk, 0, fp + 1) == LUCID_AOT_STATUS_BAD_RANGE, "pack range past the end", N, L);
  expect(FN(_range_backward_data_pack)(w, dpk, -1, dp) == LUCID_AOT_STATUS_BAD_RANGE, "pack range from -1", N, L);
  if (fb > 0) expect(FN(_forward_pack)(NULL, fpk) == LUCID_AOT_STATUS_BAD_ARGUMENT, "pack a NULL weight", N, L);
  if (db > 0)
    expect(FN(_backward_data_pack)(w, NULL) == LUCID_AOT_STATUS_BAD_ARGUMENT, "pack into NULL", N, L);
  expect(FN(_forward_prepacked)(x, w, bias, fpk, y2, 0, L) == LUCID_AOT_STATUS_BAD_BATCH, "prepacked batch 0", N, L);
  expect(FN(_backward_data_prepacked)(gy, w, dpk, gx2, N, 0) == LUCID_AOT_STATUS_BAD_LENGTH, "prepacked length 0",
         N, L);
  expect(FN(_range_forward_prepacked)(x, w, bias, fpk, y2, N, L, 0, fi + 1) == LUCID_AOT_STATUS_BAD_RANGE,
         "prepacked range past the end", N, L);
  if (K_(_HAS_BIAS))
    expect(FN(_forward_prepacked)(x, w, NULL, fpk, y2, N, L) == LUCID_AOT_STATUS_BAD_ARGUMENT,
           "prepacked NULL bias", N, L);
  free(fpk), free(dpk), free(y2), free(gx2);
}

/* 5. NaN and Inf in the weight (forward, backward_data) and in x (backward_weight) reach
 *    the outputs PyTorch's sums send them to. The kernels' products with zero padding would
 *    differ, so the whole-call entry points take exact loops for such operands.
 *    spread: NaN and infinities at the start, middle and end of the weight and x (the check's
 *    vector loop and its scalar rest); else one alone in the middle of each. */
static void check_nonfinite(int64_t N, int64_t L, int spread) {
  const int64_t Lout = FN(_output_length)(L), nx = N * Cin * L, ny = N * Cout * Lout, nw = K_(_WEIGHT_NUMEL);
  T *x = make(nx, 1), *w = make(nw, 1), *b = make(Cout, 1), *gy = make(ny, 1), *xn = make(nx, 0);
  T *y = make(ny, 0), *gx = make(nx, 0), *gw = make(nw, 0), *gb = make(Cout, 0);
  memcpy(xn, x, (size_t)nx * sizeof(T));
  if (spread) {
    w[0] = (T)INFINITY, w[nw - 1] = (T)NAN, w[nw / 2] = (T)-INFINITY;
    xn[0] = (T)NAN, xn[nx - 1] = (T)INFINITY;
  } else {
    w[nw / 2] = (T)NAN;
    xn[nx / 2] = (T)-INFINITY;
  }
  check_whole_calls(N, L, x, xn, w, K_(_HAS_BIAS) ? b : NULL, gy, y, gx, gw, gb, ", NaN and Inf in the weight and x");
  check_packed(N, L, x, w, K_(_HAS_BIAS) ? b : NULL, gy, y, gx, 0);
  free(x), free(w), free(b), free(gy), free(xn), free(y), free(gx), free(gw), free(gb);
}

static void check_layer(int64_t N, int64_t L) {
  const int64_t Lout = FN(_output_length)(L);
  const int64_t nx = N * Cin * L, ny = N * Cout * Lout, nw = K_(_WEIGHT_NUMEL);
  T *x = make(nx, 1), *w = make(nw, 1), *b = make(Cout, 1), *gy = make(ny, 1);
  T *y = make(ny, 0), *gx = make(nx, 0), *gw = make(nw, 0), *gb = make(Cout, 0);
  const T *bias = K_(_HAS_BIAS) ? b : NULL;
  int ok;

  /* 1. Whole calls against the reference. */
  check_whole_calls(N, L, x, x, w, bias, gy, y, gx, gw, gb, "");

  /* 2. Range entry points split in two give the whole call's bits. */
  {
    T *y2 = make(ny, 0), *gx2 = make(nx, 0), *gw2 = make(nw, 0), *gb2 = make(Cout, 0);
    int64_t fi = N * K_(_FORWARD_ITEMS_PER_BATCH), di = N * K_(_BACKWARD_DATA_ITEMS_PER_BATCH);
    int64_t wi = K_(_BACKWARD_WEIGHT_ITEMS), bi = K_(_BACKWARD_BIAS_ITEMS);
    ok = FN(_range_forward)(x, w, bias, y2, N, L, 0, fi / 2) == 0 &&
         FN(_range_forward)(x, w, bias, y2, N, L, fi / 2, fi) == 0;
    expect(ok && memcmp(y, y2, (size_t)ny * sizeof(T)) == 0, "range_forward", N, L);
    ok = FN(_range_backward_data)(gy, w, gx2, N, L, 0, di / 3) == 0 &&
         FN(_range_backward_data)(gy, w, gx2, N, L, di / 3, di) == 0;
    expect(ok && memcmp(gx, gx2, (size_t)nx * sizeof(T)) == 0, "range_backward_data", N, L);
    ok = FN(_range_backward_weight)(x, gy, gw2, N, L, 0, wi / 2) == 0 &&
         FN(_range_backward_weight)(x, gy, gw2, N, L, wi / 2, wi) == 0;
    expect(ok && memcmp(gw, gw2, (size_t)nw * sizeof(T)) == 0, "range_backward_weight", N, L);
    ok = FN(_range_backward_bias)(gy, gb2, N, L, 0, bi / 2) == 0 &&
         FN(_range_backward_bias)(gy, gb2, N, L, bi / 2, bi) == 0;
    expect(ok && memcmp(gb, gb2, (size_t)Cout * sizeof(T)) == 0, "range_backward_bias", N, L);
    expect(FN(_range_forward)(x, w, bias, y2, N, L, 0, fi + 1) == LUCID_AOT_STATUS_BAD_RANGE, "bad range", N, L);
    free(y2), free(gx2), free(gw2), free(gb2);
  }

  check_packed(N, L, x, w, bias, gy, y, gx, 1);

  /* 3. Bad calls return their status and touch nothing. */
  expect(FN(_forward)(x, w, bias, y, 0, L) == LUCID_AOT_STATUS_BAD_BATCH, "batch 0", N, L);
  expect(FN(_forward)(x, w, bias, y, N, 0) == LUCID_AOT_STATUS_BAD_LENGTH, "length 0", N, L);
  expect(FN(_backward_data)(gy, w, gx, N, -3) == LUCID_AOT_STATUS_BAD_LENGTH, "length -3", N, L);
  expect(FN(_backward_weight)(x, gy, gw, -1, L) == LUCID_AOT_STATUS_BAD_BATCH, "batch -1", N, L);
  expect(FN(_backward_bias)(gy, gb, N, 0) == LUCID_AOT_STATUS_BAD_LENGTH, "bias length 0", N, L);
  if (K_(_HAS_BIAS))
    expect(FN(_forward)(x, w, NULL, y, N, L) == LUCID_AOT_STATUS_BAD_ARGUMENT, "NULL bias", N, L);

  /* 4. Sizes whose element or byte counts overflow int64 are refused before any memory is
   *    touched (x, y and the gradients are far smaller than these calls claim). */
  expect(FN(_forward)(x, w, bias, y, N, INT64_MAX) == LUCID_AOT_STATUS_TOO_LARGE, "length INT64_MAX", N, L);
  expect(FN(_forward)(x, w, bias, y, INT64_MAX, L) == LUCID_AOT_STATUS_TOO_LARGE, "batch INT64_MAX", N, L);
  expect(FN(_range_forward)(x, w, bias, y, INT64_MAX / 3, L, 0, 1) == LUCID_AOT_STATUS_TOO_LARGE,
         "range batch INT64_MAX / 3", N, L);
  expect(FN(_backward_data)(gy, w, gx, INT64_MAX / 2, L) == LUCID_AOT_STATUS_TOO_LARGE, "batch INT64_MAX / 2", N, L);
  expect(FN(_backward_weight)(x, gy, gw, N, INT64_MAX / 4 + 1) == LUCID_AOT_STATUS_TOO_LARGE,
         "length INT64_MAX / 4 + 1", N, L);
  expect(FN(_backward_bias)(gy, gb, INT64_MAX, L) == LUCID_AOT_STATUS_TOO_LARGE, "bias batch INT64_MAX", N, L);
  expect(FN(_output_length)(0) == -1 && FN(_output_length)(-5) == -1, "output_length of a bad length", N, L);
  if (S > 1) expect(FN(_output_length)(INT64_MAX) == -1, "output_length overflowing int64", N, L);

  free(x), free(w), free(b), free(gy), free(y), free(gx), free(gw), free(gb);
}

int main(void) {
  static const int64_t shapes[][2] = {{1, 1}, {2, 7}, {1, 16}, {3, 33}};
  int64_t L;
  /* output_length: the header's formula, -1 when invalid. */
  for (L = -1; L <= 40; ++L) {
    int64_t want = (L - 1) * S - PL - K_(_PAD_RIGHT) + D * (K - 1) + K_(_OUTPUT_PADDING) + 1;
    expect(FN(_output_length)(L) == ((L < 1 || want < 1) ? -1 : want), "output_length", 0, L);
  }
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i)
    if (FN(_output_length)(shapes[i][1]) >= 1) {
      check_layer(shapes[i][0], shapes[i][1]);
      check_nonfinite(shapes[i][0], shapes[i][1], 1);
      check_nonfinite(shapes[i][0], shapes[i][1], 0);
    }
#ifdef AOT_EXPECT_TARGET
  expect(strcmp(FN(_selected_target)(), AOT_EXPECT_TARGET) == 0, "selected target " AOT_EXPECT_TARGET, 0, 0);
  printf("selected target: %s\n", FN(_selected_target)());
#endif
  printf("%s: %d checks, %d failures\n", AOT_HEADER, checks, failures);
  return failures == 0 ? 0 : 1;
}
