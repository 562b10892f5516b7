"""torch's own conv_transpose1d as the oracle, extended to lucid's padding forms: run torch
with no padding, then crop (or, for "same" with a kernel span shorter than the stride, extend)
by (pad_left, pad_right) with F.pad, and add the bias. Differentiable, so gradients compare too."""

import torch.nn.functional as F


def resolve_padding(padding, kernel_size, stride, dilation):
    """(pad_left, pad_right) of docs/semantics.md section 3; pad_right < 0 extends the output."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        total = dilation * (kernel_size - 1) + 1 - stride
        if total >= 0:
            return total // 2, total - total // 2
        return 0, total
    if isinstance(padding, (tuple, list)):
        return (padding[0], padding[0]) if len(padding) == 1 else tuple(padding)
    return padding, padding


def conv_transpose1d(x, weight, bias, stride, padding, output_padding, groups, dilation):
    if isinstance(padding, int) or (isinstance(padding, tuple) and len(padding) == 1):
        return F.conv_transpose1d(x, weight, bias, stride, padding, output_padding, groups,
                                  dilation)
    left, right = resolve_padding(padding, weight.shape[2], stride, dilation)
    y = F.conv_transpose1d(x, weight, None, stride, 0, output_padding, groups, dilation)
    y = F.pad(y, (-left, -right))
    if bias is not None:
        y = y + bias[:, None]
    return y
