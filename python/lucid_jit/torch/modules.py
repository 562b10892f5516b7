"""ConvTranspose1d: torch.nn.ConvTranspose1d itself (a subclass: same constructor, parameter
names, shapes, dtypes, initialisation and repr, so state_dicts load both ways), whose forward
runs lucid-jit's kernels and whose padding also takes (left, right), "valid" and "same"."""

import torch

from .. import _core
from .errors import ArgumentError, DTypeError
from .functional import _SUPPORTED_DTYPES, _padding_argument, conv_transpose1d


_MISSING = object()


def _is_torch_padding(padding):
    if isinstance(padding, int):
        return True
    return isinstance(padding, (tuple, list)) and len(padding) == 1


class ConvTranspose1d(torch.nn.ConvTranspose1d):
    """torch.nn.ConvTranspose1d on lucid-jit's kernels.

    ConvTranspose1d(in_channels, out_channels, kernel_size, stride=1, padding=0,
    output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros', device=None,
    dtype=None)

    padding: an int or 1-tuple as in torch, or (left, right) (asymmetric crop), "valid" (no
    crop) or "same" (the output is exactly L * stride long; output_padding must be 0).
    The configuration is validated when the layer is made (torch validates part of it only at
    the first forward); dtype float32 or float64, device CPU.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        torch_padding = padding if _is_torch_padding(padding) else 0
        try:  # torch's own checks (groups, padding_mode), as our error type
            super().__init__(in_channels, out_channels, kernel_size, stride, torch_padding,
                             output_padding, groups, bias, dilation, padding_mode, device, dtype)
        except ValueError as error:
            raise ArgumentError(str(error)) from None
        if not _is_torch_padding(padding):
            self.padding = _padding_argument(padding)
        if self.weight.dtype not in _SUPPORTED_DTYPES:
            raise DTypeError(f"lucid_jit.torch.ConvTranspose1d: dtype {self.weight.dtype} is not "
                             "supported; lucid-jit's kernels take float32 and float64")
        if self.weight.device.type not in ("cpu", "meta"):
            raise DTypeError("lucid_jit.torch.ConvTranspose1d: lucid-jit's kernels run on the "
                             f"CPU; got device {self.weight.device}")
        self._check_configuration()

    def _check_configuration(self):
        """The runtime's rules for this configuration (stride, padding, output_padding, ...),
        checked now rather than at the first forward."""
        padding = self.padding if isinstance(self.padding, str) or len(self.padding) == 2 \
            else self.padding[0]
        try:
            _core.ConvSpec(self.in_channels, self.out_channels, self.kernel_size[0],
                           self.stride[0], padding, self.output_padding[0], self.dilation[0],
                           self.groups, self.bias is not None)
        except ValueError as error:
            raise ArgumentError(str(error)) from None

    def _lucid_output_padding(self, input, output_size):
        """torch's _output_padding, extended to our padding forms."""
        has_batch = input.dim() == 3
        non_spatial = 2 if has_batch else 1
        output_size = list(output_size) if not isinstance(output_size, int) else [output_size]
        if len(output_size) == non_spatial + 1:
            output_size = output_size[non_spatial:]
        if len(output_size) != 1:
            raise ArgumentError(f"ConvTranspose1D: for {input.dim()}D input, output_size must have "
                                f"1 or {non_spatial + 1} elements (got {len(output_size)})")
        stride, dilation, kernel = self.stride[0], self.dilation[0], self.kernel_size[0]
        length = input.shape[-1]
        if isinstance(self.padding, str):
            spec = _core.ConvSpec(self.in_channels, self.out_channels, kernel, stride,
                                  self.padding, 0, dilation, self.groups, self.bias is not None)
            only = spec.output_length(length)
            if output_size[0] != only:
                raise ArgumentError(f"requested an output size of {output_size}, but with "
                                    f"padding={self.padding!r} the only size is {[only]} (for an "
                                    f"input of {tuple(input.shape[non_spatial:])})")
            return (0,)
        left, right = self.padding if len(self.padding) == 2 else self.padding * 2
        min_size = (length - 1) * stride - left - right + dilation * (kernel - 1) + 1
        max_size = min_size + stride - 1
        if not min_size <= output_size[0] <= max_size:
            raise ArgumentError(f"requested an output size of {output_size}, but valid sizes range "
                                f"from {[min_size]} to {[max_size]} (for an input of "
                                f"{input.shape[non_spatial:]})")
        return (output_size[0] - min_size,)

    def forward(self, input, output_size=None):
        if self.padding_mode != "zeros":
            raise ValueError("Only `zeros` padding mode is supported for ConvTranspose1d")
        output_padding = self.output_padding if output_size is None else \
            self._lucid_output_padding(input, output_size)
        # Parameters straight from _parameters (nn.Module.__getattr__ costs ~0.3 us each);
        # anything that keeps them elsewhere (e.g. weight_norm's plain attribute) is still seen.
        parameters = self._parameters
        weight = parameters.get("weight")
        if weight is None:
            weight = self.weight
        bias = parameters.get("bias", _MISSING)
        if bias is _MISSING:
            bias = self.bias
        return conv_transpose1d(input, weight, bias, self.stride, self.padding, output_padding,
                                self.groups, self.dilation)
