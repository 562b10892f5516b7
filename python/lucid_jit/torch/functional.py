"""conv_transpose1d for torch tensors, on lucid-jit's kernels.

The hot path: one dict lookup finds the layer's kernel handle from the arguments (the first
call with new arguments validates them all and fetches the handle once), then the input shape
is checked, torch allocates the output, and _core runs the kernel on the tensors' addresses
with the GIL released. When no gradient is needed (torch.no_grad(), or nothing requires grad)
the autograd.Function is skipped altogether.
"""

import torch
from torch.autograd.function import once_differentiable

from .. import _core
from .errors import ArgumentError, DTypeError

_SUPPORTED_DTYPES = (torch.float32, torch.float64)
_STRIDED = torch.strided


class _Layer:
    """One validated configuration: its kernel handle and the numbers each call needs."""

    __slots__ = ("handle", "spec", "in_channels", "out_channels", "stride", "length_offset")

    def __init__(self, spec):
        self.handle = _core.KernelHandle(spec)
        self.spec = spec
        self.in_channels = spec.in_channels
        self.out_channels = spec.out_channels
        self.stride = spec.stride
        # Lout = (L - 1) * stride + length_offset (docs/semantics.md §2), kept as plain ints so
        # a call computes its output length without crossing into C++.
        self.length_offset = spec.output_length_offset


# (dtypes, weight shape, bias, stride, padding, output_padding, groups, dilation) -> _Layer
_layers = {}


def _int_argument(value, name):
    """An int from an int or a 1-element tuple/list, as torch takes them for a 1-d conv."""
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise ArgumentError(f"conv_transpose1d: expected {name} to be a single integer value "
                                f"or a list of 1 values, but got {name}={list(value)}")
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"conv_transpose1d: {name} must be an int or a tuple of 1 int, "
                        f"not {type(value).__name__} ({value!r})")
    return value


def _padding_argument(padding):
    """torch's int or 1-tuple, plus lucid's (left, right), "valid" and "same"."""
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ArgumentError(f"conv_transpose1d: invalid padding string {padding!r}, should be "
                                "'same' or 'valid' (or an int, or a tuple (left, right))")
        return padding
    if isinstance(padding, (tuple, list)) and len(padding) == 2:
        left, right = (_int_argument(p, "padding") for p in padding)
        return (left, right)
    return _int_argument(padding, "padding")


def _describe(tensor):
    return f"{tuple(tensor.shape)} {tensor.dtype} on {tensor.device}"


def _check_tensor(tensor, name):
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"conv_transpose1d: argument '{name}' must be a torch.Tensor, "
                        f"not {type(tensor).__name__}")
    if tensor.dtype not in _SUPPORTED_DTYPES:
        raise DTypeError(f"conv_transpose1d: lucid-jit's kernels take float32 and float64; "
                         f"{name} is {_describe(tensor)}")
    if tensor.device.type != "cpu":
        raise DTypeError(f"conv_transpose1d: lucid-jit's kernels run on CPU tensors; "
                         f"{name} is {_describe(tensor)}")
    if tensor.layout != _STRIDED:
        raise DTypeError(f"conv_transpose1d: lucid-jit's kernels take dense (strided) tensors; "
                         f"{name} has layout {tensor.layout}")


def _make_layer(input, weight, bias, stride, padding, output_padding, groups, dilation):
    """Validates everything that does not depend on the input's shape; torch's rules, with
    messages naming the argument."""
    _check_tensor(input, "input")
    _check_tensor(weight, "weight")
    if bias is not None:
        _check_tensor(bias, "bias")
    for name, tensor in (("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.dtype != input.dtype:
            raise DTypeError(f"conv_transpose1d: input and {name} must have the same dtype; input "
                             f"is {input.dtype} and {name} is {tensor.dtype}")
    stride = _int_argument(stride, "stride")
    output_padding = _int_argument(output_padding, "output_padding")
    dilation = _int_argument(dilation, "dilation")
    padding = _padding_argument(padding)
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"conv_transpose1d: groups must be an int, not {type(groups).__name__}")
    if groups < 1:
        raise ArgumentError(f"conv_transpose1d: non-positive groups is not supported (groups={groups})")
    if weight.dim() != 3:
        raise ArgumentError(f"conv_transpose1d: weight of shape {tuple(weight.shape)} must be "
                            "3-dimensional (in_channels, out_channels/groups, kernel_size)")
    in_channels, out_per_group, kernel_size = weight.shape
    if in_channels % groups != 0:
        raise ArgumentError(f"conv_transpose1d: given groups={groups}, expected weight to be "
                            f"divisible by {groups} at dimension 0, but got weight of shape "
                            f"{tuple(weight.shape)}")
    out_channels = out_per_group * groups
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ArgumentError(f"conv_transpose1d: weight of shape {tuple(weight.shape)} with "
                            f"groups={groups} expects bias to be 1-dimensional with {out_channels} "
                            f"elements, but got bias of shape {tuple(bias.shape)}")
    try:
        spec = _core.ConvSpec(in_channels, out_channels, kernel_size, stride, padding,
                              output_padding, dilation, groups, bias is not None,
                              str(input.dtype))
    except ValueError as error:  # the runtime's rule and message
        raise ArgumentError(str(error)) from None
    return _Layer(spec)


def _layer_for(input, weight, bias, stride, padding, output_padding, groups, dilation):
    try:
        key = (input.dtype, weight.dtype, weight.shape,
               None if bias is None else (bias.dtype, bias.shape),
               stride, padding, output_padding, groups, dilation)
        return _layers[key]
    except KeyError:
        layer = _layers[key] = _make_layer(input, weight, bias, stride, padding, output_padding,
                                           groups, dilation)
        return layer
    except (TypeError, AttributeError):  # not tensors, or unhashable arguments: not cached
        return _make_layer(input, weight, bias, stride, padding, output_padding, groups, dilation)


def _bad_input(layer, shape):
    """The error for an input shape _forward refused."""
    if len(shape) not in (2, 3):
        return ArgumentError("conv_transpose1d: expected 2D (unbatched) or 3D (batched) input, "
                             f"but got input of shape {tuple(shape)}")
    channels, length = shape[-2], shape[-1]
    if channels != layer.in_channels:
        return ArgumentError(f"conv_transpose1d: weight of shape (in_channels={layer.in_channels}, "
                             f"...) expects input (N, {layer.in_channels}, L) or "
                             f"({layer.in_channels}, L), but got input of shape {tuple(shape)} "
                             f"with {channels} channels")
    if length < 1:
        return ArgumentError(f"conv_transpose1d: input of shape {tuple(shape)} has length 0; "
                             "the length must be >= 1")
    out_length = (length - 1) * layer.stride + layer.length_offset
    return ArgumentError(f"{layer.spec}: an input of length {length} gives an output of length "
                         f"{out_length}; output size is too small")


def _forward(layer, input, weight, bias):
    """The output, and the contiguous input and weight it was computed from. The checks that
    depend on the call (devices, layouts, the input's shape) are made here, cheaply."""
    if not (input.is_cpu and weight.is_cpu and (bias is None or bias.is_cpu) and
            input.layout is _STRIDED and weight.layout is _STRIDED):
        for name, tensor in (("input", input), ("weight", weight), ("bias", bias)):
            if tensor is not None:
                _check_tensor(tensor, name)
    shape = input.shape
    rank = len(shape)
    length = shape[-1] if rank else 0
    out_length = (length - 1) * layer.stride + layer.length_offset
    if (rank != 3 and rank != 2) or shape[-2] != layer.in_channels or length < 1 or out_length < 1:
        raise _bad_input(layer, shape)
    if not input.is_contiguous():
        input = input.contiguous()
    if not weight.is_contiguous():
        weight = weight.contiguous()
    if bias is not None and not bias.is_contiguous():
        bias = bias.contiguous()
    if rank == 3:
        batch = shape[0]
        output = input.new_empty((batch, layer.out_channels, out_length))
    else:
        batch = 1
        output = input.new_empty((layer.out_channels, out_length))
    if batch > 0:
        layer.handle.forward(input.data_ptr(), weight.data_ptr(),
                             0 if bias is None else bias.data_ptr(), output.data_ptr(),
                             batch, length)
    return output, input, weight


class _ConvTranspose1dFunction(torch.autograd.Function):
    """forward and the three backward passes on lucid's kernels; only the gradients asked
    for (ctx.needs_input_grad) are computed, and only what they read is saved."""

    @staticmethod
    def forward(ctx, input, weight, bias, layer):
        output, input_c, weight_c = _forward(layer, input, weight, bias)
        needs_input, needs_weight = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        ctx.save_for_backward(input_c if needs_weight else None,
                              weight_c if needs_input else None)
        ctx.layer = layer
        ctx.input_shape = input.shape
        ctx.weight_shape = weight.shape
        return output

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        layer = ctx.layer
        input, weight = ctx.saved_tensors
        input_shape = ctx.input_shape
        batch = input_shape[0] if len(input_shape) == 3 else 1
        length = input_shape[-1]
        if not grad_output.is_contiguous():
            grad_output = grad_output.contiguous()  # e.g. the expanded ones of y.sum()
        grad_y = grad_output.data_ptr()
        handle = layer.handle
        dtype = grad_output.dtype
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = torch.empty(input_shape, dtype=dtype)
            if batch > 0:
                handle.backward_data(grad_y, weight.data_ptr(), grad_input.data_ptr(), batch,
                                     length)
        if ctx.needs_input_grad[1]:
            if batch > 0:
                grad_weight = torch.empty(ctx.weight_shape, dtype=dtype)
                handle.backward_weight(input.data_ptr(), grad_y, grad_weight.data_ptr(), batch,
                                       length)
            else:
                grad_weight = torch.zeros(ctx.weight_shape, dtype=dtype)
        if ctx.needs_input_grad[2]:
            if batch > 0:
                grad_bias = torch.empty(layer.out_channels, dtype=dtype)
                handle.backward_bias(grad_y, grad_bias.data_ptr(), batch, length)
            else:
                grad_bias = torch.zeros(layer.out_channels, dtype=dtype)
        return grad_input, grad_weight, grad_bias, None


def _with_torch_ops(input, weight, bias, layer):
    """The layer with torch's own ops, for a weight (or, when its gradient is wanted, an input)
    holding NaN or Inf: lucid's kernels multiply zero padding, exact only for finite operands
    (runtime/nonfinite_passes.h), while torch's forward takes only the formula's products and
    its backward every tap with grad_y outside the output read as 0. The uncropped output,
    cropped (or zero-extended on the right) to lucid's padding, keeps exactly that rule."""
    spec = layer.spec
    full = torch.nn.functional.conv_transpose1d(input, weight, None, stride=spec.stride,
                                                groups=spec.groups, dilation=spec.dilation)
    end = spec.pad_left + (input.shape[-1] - 1) * spec.stride + layer.length_offset
    if end > full.shape[-1]:
        full = torch.nn.functional.pad(full, (0, end - full.shape[-1]))
    output = full[..., spec.pad_left:end]
    return output if bias is None else output + bias.view(-1, 1)


def _all_finite(t):
    # torch.isfinite(t).all() costs about 10 us on a tiny tensor (a temporary bool tensor and
    # a reduction), more than the whole call; _core's check reads the memory once.
    if t.is_contiguous() and t.dtype in (torch.float32, torch.float64):
        return _core.all_finite(t.data_ptr(), t.numel(), t.dtype == torch.float64)
    return bool(torch.isfinite(t).all())


def _needs_torch_ops(input, weight):
    if not _all_finite(weight):
        return True
    return torch.is_grad_enabled() and weight.requires_grad and not _all_finite(input)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """torch.nn.functional.conv_transpose1d on lucid-jit's kernels.

    input (N, C_in, L) or (C_in, L); weight (C_in, C_out/groups, K); bias (C_out,) or None.
    padding also takes (left, right), "valid" and "same" (output exactly L * stride long).
    """
    layer = _layer_for(input, weight, bias, stride, padding, output_padding, groups, dilation)
    if torch.is_grad_enabled() and (input.requires_grad or weight.requires_grad or
                                    (bias is not None and bias.requires_grad)):
        if _needs_torch_ops(input, weight):
            return _with_torch_ops(input, weight, bias, layer)
        return _ConvTranspose1dFunction.apply(input, weight, bias, layer)
    return _forward_without_graph(layer, input, weight, bias)


def _forward_without_graph(layer, input, weight, bias):
    """The forward alone. Where the output is smaller than the weight, the kernel runs first
    and the weight is checked only when the output is not all finite, as lucid's runtime and
    AOT wrappers do: torch's forward takes only the formula's products, and any product of a
    NaN or Inf is NaN or Inf, so a finite output is exact whatever the weight. (The backward
    passes multiply zero padding in torch too, so a graph keeps the weight checked first.)"""
    shape = input.shape
    batch = shape[0] if len(shape) == 3 else 1
    out_length = (shape[-1] - 1) * layer.stride + layer.length_offset if shape else 0
    output_first = batch * layer.out_channels * out_length < weight.numel()
    if not output_first and not _all_finite(weight):
        return _with_torch_ops(input, weight, bias, layer)
    output = _forward(layer, input, weight, bias)[0]
    if output_first and not _all_finite(output) and not _all_finite(weight):
        return _with_torch_ops(input, weight, bias, layer)
    return output
