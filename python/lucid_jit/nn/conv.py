"""nn.ConvTranspose1d in Lucid's argument order, over the runtime's nn::ConvTranspose1d (which
holds the parameters, draws PyTorch's initialisation and caches the JIT kernels)."""

from .. import _core
from .module import Module


def _single(value, name):
    """An int from an int or a 1-tuple, as PyTorch's _single does for a 1-d layer."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ValueError(f"ConvTranspose1d: {name} must be an int or a 1-tuple for a 1-d "
                             f"layer, got {value!r}")
        value = value[0]
    return value


class ConvTranspose1d(Module):
    """Lucid's nn.ConvTranspose1d.

    ConvTranspose1d(in_channels, out_channels, kernel_size, stride=1, padding=0,
    output_padding=0, dilation=1, groups=1, bias=True, *, dtype=float32)

    padding is an int, a 1-tuple, an asymmetric (left, right) crop, "valid" or "same" (the
    output is exactly L * stride long). weight is (in_channels, out_channels // groups,
    kernel_size) and bias (out_channels,) or None, both drawn as PyTorch does.
    forward(x, output_size=None) takes (N, C_in, L) or unbatched (C_in, L).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, dilation=1, groups=1, bias=True, *, dtype=None):
        super().__init__()
        spec = _core.ConvSpec(in_channels, out_channels, _single(kernel_size, "kernel_size"),
                              _single(stride, "stride"), padding,
                              _single(output_padding, "output_padding"),
                              _single(dilation, "dilation"), groups, bool(bias), dtype)
        object.__setattr__(self, "_layer", _core.ConvTranspose1dLayer(spec))

    @property
    def weight(self):
        return self._layer.weight

    @weight.setter
    def weight(self, value):
        self._layer.weight = value

    @property
    def bias(self):
        return self._layer.bias

    @bias.setter
    def bias(self, value):
        self._layer.bias = value

    @property
    def spec(self):
        """The validated configuration (lucid_jit.ConvSpec)."""
        return self._layer.spec

    in_channels = property(lambda self: self.spec.in_channels)
    out_channels = property(lambda self: self.spec.out_channels)
    kernel_size = property(lambda self: self.spec.kernel_size)
    stride = property(lambda self: self.spec.stride)
    padding = property(lambda self: self.spec.padding)
    output_padding = property(lambda self: self.spec.output_padding)
    dilation = property(lambda self: self.spec.dilation)
    groups = property(lambda self: self.spec.groups)

    def forward(self, x, output_size=None):
        """y = conv_transpose1d(x); output_size (an int, or PyTorch's list) picks the
        output_padding that makes the output that long."""
        return self._layer.forward(x, output_size)

    def pack_weights(self, enabled=True):
        """For inference with fixed weights: forward packs the weight into its kernel's
        order once, after each change the runtime sees (an optimizer step, an in-place op,
        weight.mark_modified()), and reuses it, instead of repacking on every call. The copy
        takes as much memory as the weight. After writing through weight.numpy() or .data,
        call weight.mark_modified(). pack_weights(False) turns it off."""
        self._layer.pack_weights(bool(enabled))
        return self

    @property
    def packs_weights(self):
        return self._layer.packs_weights

    def reset_parameters(self):
        """Redraws weight and bias from U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        self._layer.reset_parameters()

    def _own_parameters(self):
        own = [("weight", self.weight)]
        if self.bias is not None:
            own.append(("bias", self.bias))
        return own

    def __repr__(self):
        return self.spec.to_string()
