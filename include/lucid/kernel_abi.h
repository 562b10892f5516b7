/* The C ABI of every generated kernel (JIT and AOT).
 *
 * Memory is NCL contiguous: x is (batch, Cin, L), y is (batch, Cout, Lout), the weight is
 * (Cin, Cout/groups, K), bias is (Cout). Element type is float or double as the spec says.
 * Outputs are overwritten, never accumulated.
 *
 * Each kernel computes work items [item_begin, item_end) of the pass, so a thread pool can
 * split one call across threads; items never write the same output element. The number of
 * items is given by lucid::KernelSet (forward_items(batch), ...). Every kernel returns
 * LUCID_STATUS_OK (0) on success and another LUCID_STATUS_* code from the table below when
 * batch, length or the range are invalid, the sizes overflow int64 or scratch runs out.
 *
 * NaN and Inf in x, bias and grad_y reach exactly the outputs the formula sends them to. The
 * kernels also multiply zero padding by the weight (forward, backward_data) and by x
 * (backward_weight), so a NaN or Inf there may also turn outputs next to its own into NaN;
 * the runtime sends such calls to exact loops (runtime/nonfinite_passes.h), and so do
 * lucid-aot's whole-call entry points (ir/lower_exact_loops.cpp).
 */
#ifndef LUCID_KERNEL_ABI_H
#define LUCID_KERNEL_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this ABI: the entry points' signatures, how a call splits into work items
 * (lucid/work_items.h) and the packed-weight entries. lucid-aot's headers print it as
 * <PREFIX>_ABI_VERSION. Bumped on any change a caller could see; 1 (unnumbered) had items
 * per (n, group, channel block) only and no packed entries. */
#define LUCID_KERNEL_ABI_VERSION 2

/* The one table of status codes: X(NAME, value, meaning) per row. Kernels (JIT, tier 0 and
 * AOT), the JIT, the runtime and lucid-aot's generated header (which prints every row as
 * LUCID_AOT_STATUS_<NAME>) all take their codes from here, so no two meanings share a value. */
#define LUCID_STATUS_TABLE(X)                                                                      \
  X(OK, 0, "success")                                                                              \
  X(BAD_BATCH, 1, "batch < 1")                                                                     \
  X(BAD_LENGTH, 2, "length < 1, or output length < 1")                                             \
  X(BAD_RANGE, 3, "item range outside [0, items]")                                                 \
  X(BAD_ARGUMENT, 4, "a required pointer is NULL (bias, when the layer has one)")                  \
  X(OUT_OF_MEMORY, 5, "the kernel could not allocate its scratch memory (packed weights, tiles)") \
  X(UNSUPPORTED_CPU, 6, "no compiled target runs on this CPU (the AOT dispatcher)")               \
  X(TOO_LARGE, 7, "the output length, or the element or byte count of x or y, overflows int64")

enum {
#define LUCID_STATUS_ENUMERATOR(name, value, meaning) LUCID_STATUS_##name = value,
  LUCID_STATUS_TABLE(LUCID_STATUS_ENUMERATOR)
#undef LUCID_STATUS_ENUMERATOR
};

/* "LUCID_STATUS_BAD_BATCH", ..., or NULL for a value outside the table. */
static inline const char *lucid_status_name(int status) {
  switch (status) {
#define LUCID_STATUS_NAME_CASE(name, value, meaning) \
  case value:                                        \
    return "LUCID_STATUS_" #name;
    LUCID_STATUS_TABLE(LUCID_STATUS_NAME_CASE)
#undef LUCID_STATUS_NAME_CASE
  }
  return 0;
}

/* The table's meaning of a status, or NULL for a value outside the table. */
static inline const char *lucid_status_meaning(int status) {
  switch (status) {
#define LUCID_STATUS_MEANING_CASE(name, value, meaning) \
  case value:                                           \
    return meaning;
    LUCID_STATUS_TABLE(LUCID_STATUS_MEANING_CASE)
#undef LUCID_STATUS_MEANING_CASE
  }
  return 0;
}

/* y = conv_transpose1d(x, weight) + bias; bias is NULL when the layer has none. */
typedef int (*lucid_forward_fn)(const void *x, const void *weight, const void *bias, void *y,
                                int64_t batch, int64_t length, int64_t item_begin,
                                int64_t item_end);
/* grad_x = conv1d(grad_y, weight): items are (n, group, block of input channels). */
typedef int (*lucid_backward_data_fn)(const void *grad_y, const void *weight, void *grad_x,
                                      int64_t batch, int64_t length, int64_t item_begin,
                                      int64_t item_end);
/* grad_weight = sum over n, l: items are (group, block of input channels). */
typedef int (*lucid_backward_weight_fn)(const void *x, const void *grad_y, void *grad_weight,
                                        int64_t batch, int64_t length, int64_t item_begin,
                                        int64_t item_end);
/* grad_bias = sum over n, t of grad_y: items are output channels. */
typedef int (*lucid_backward_bias_fn)(const void *grad_y, void *grad_bias, int64_t batch,
                                      int64_t length, int64_t item_begin, int64_t item_end);

/* Packed weights (JIT kernels; lucid::KernelSet). Forward items, and backward-data items with
 * input channels in lanes, copy their block of the weight into the order their inner loop
 * reads before they sum. A call whose item range holds more than one sample's items packs
 * the whole weight once for the range instead (its own memory: the stack up to 32 KiB, else
 * malloc; without memory its items pack their own). A caller whose weight stays the same over
 * many calls (inference) can pack it once and pass the packed copy to each call instead:
 *   int64_t <kernel>_packed_bytes(void): the packed copy's size; 0 when the pass packs nothing
 *     (then _prepacked ignores `packed`).
 *   int <kernel>_pack(weight, packed, item_begin, item_end): packs items [begin, end) of
 *     groups x channel blocks (lucid::forward_pack_items, backward_data_pack_items); any split
 *     across threads is race free.
 *   int <kernel>_prepacked(...): the kernel, reading the weights from `packed` (the weight
 *     pointer is still read by layouts that do not pack, and by none other); with NULL packed
 *     each item packs its own block, and the results equal the plain kernel's bit for bit. A packed copy is only valid for the weight values it was packed
 *     from: pack again after any change to the weight. */
typedef int64_t (*lucid_packed_bytes_fn)(void);
typedef int (*lucid_pack_fn)(const void *weight, void *packed, int64_t item_begin, int64_t item_end);
typedef int (*lucid_forward_prepacked_fn)(const void *x, const void *weight, const void *bias,
                                          const void *packed, void *y, int64_t batch,
                                          int64_t length, int64_t item_begin, int64_t item_end);
typedef int (*lucid_backward_data_prepacked_fn)(const void *grad_y, const void *weight,
                                                const void *packed, void *grad_x, int64_t batch,
                                                int64_t length, int64_t item_begin,
                                                int64_t item_end);

#ifdef __cplusplus
}
#endif

#endif /* LUCID_KERNEL_ABI_H */
