"""lucid_jit.nn.functional: the stateless layer and ops (Lucid's argument order)."""

from .. import _core
from .conv import _single


def conv_transpose1d(input_, weight, bias=None, stride=1, padding=0, output_padding=0,
                     dilation=1, groups=1):
    """ConvTranspose1d without a module: weight is (C_in, C_out // groups, K), bias (C_out,)
    or None; input (N, C_in, L) or (C_in, L). Differentiable in input, weight and bias."""
    if weight.ndim != 3:
        raise ValueError(f"conv_transpose1d: weight of shape {weight.shape} must be "
                         "(in_channels, out_channels/groups, kernel_size)")
    in_channels, out_per_group, kernel_size = weight.shape
    spec = _core.ConvSpec(in_channels, out_per_group * groups, kernel_size,
                          _single(stride, "stride"), padding,
                          _single(output_padding, "output_padding"),
                          _single(dilation, "dilation"), groups, bias is not None, weight.dtype)
    return _core.conv_transpose1d(input_, weight, bias, spec)


def relu(x):
    """max(x, 0)."""
    return _core.relu(x)


def mse_loss(prediction, target):
    """mean((prediction - target)^2)."""
    return _core.mse_loss(prediction, target)
