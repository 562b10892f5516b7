/* The C ABI of every generated kernel (JIT and AOT).
 *
 * Memory is NCL contiguous: x is (batch, Cin, L), y is (batch, Cout, Lout), the weight is
 * (Cin, Cout/groups, K), bias is (Cout). Element type is float or double as the spec says.
 * Outputs are overwritten, never accumulated.
 *
 * Each kernel computes work items [item_begin, item_end) of the pass, so a thread pool can
 * split one call across threads; items never write the same output element. The number of
 * items is given by lucid::KernelSet (forward_items(batch), ...). Every kernel returns 0 on
 * success and a non-zero LUCID_STATUS_* code when batch, length or the range are invalid.
 */
#ifndef LUCID_KERNEL_ABI_H
#define LUCID_KERNEL_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
  LUCID_STATUS_OK = 0,
  LUCID_STATUS_BAD_BATCH = 1,   /* batch < 1 */
  LUCID_STATUS_BAD_LENGTH = 2,  /* length < 1 or output length < 1 */
  LUCID_STATUS_BAD_RANGE = 3,   /* item range outside [0, items] */
  LUCID_STATUS_BAD_ARGUMENT = 4, /* a required pointer is NULL (AOT entry points) */
  LUCID_STATUS_OUT_OF_MEMORY = 5 /* scratch for packed weights could not be allocated */
};

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

#ifdef __cplusplus
}
#endif

#endif /* LUCID_KERNEL_ABI_H */
