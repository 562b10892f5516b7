"""Every validation rule torch applies to ConvTranspose1d is reproduced with a clear message
(error cases). For each case torch raises, ours raises too: a ValueError (ArgumentError) or
TypeError (DTypeError) whose message names the rule, and also an instance of what torch raised
(RuntimeError for torch's C++ checks), so code catching torch's errors catches ours."""

import re

import pytest
import torch
import torch.nn.functional as F

import lucid_jit.torch as lt


def x(*shape, **kwargs):
    return torch.randn(*shape, **kwargs) if shape else torch.randn(1, 4, 5, **kwargs)


W = torch.randn(4, 2, 3)
B = torch.randn(2)

# (name, call(conv_transpose1d), regex our message must match)
FUNCTIONAL_CASES = [
    ("input rank 1", lambda f: f(x(4), W, B), r"expected 2D \(unbatched\) or 3D \(batched\) input"),
    ("input rank 4", lambda f: f(x(1, 1, 4, 5), W, B), r"2D \(unbatched\) or 3D \(batched\)"),
    ("input channels", lambda f: f(x(1, 3, 5), W, B), r"expects input \(N, 4, L\).* 3 channels"),
    ("unbatched input channels", lambda f: f(x(3, 5), W, B), r"\(4, L\).* 3 channels"),
    ("input length 0", lambda f: f(x(1, 4, 0), W, B), r"length 0"),
    ("weight rank 2", lambda f: f(x(), torch.randn(4, 2), None), r"must be 3-dimensional"),
    ("kernel size 0", lambda f: f(x(), torch.randn(4, 2, 0), None), r"kernel_size \(0\) must be >= 1"),
    ("groups do not divide weight", lambda f: f(x(), W, None, groups=3), r"divisible by 3"),
    ("groups above in_channels", lambda f: f(x(), W, None, groups=5), r"groups=5"),
    ("groups 0", lambda f: f(x(), W, None, groups=0), r"non-positive groups"),
    ("bias numel", lambda f: f(x(), W, torch.randn(3)), r"bias to be 1-dimensional with 2 elements"),
    ("bias rank", lambda f: f(x(), W, torch.randn(2, 1)), r"bias to be 1-dimensional with 2 elements"),
    ("stride 0", lambda f: f(x(), W, B, stride=0), r"stride \(0\) must be >= 1"),
    ("negative padding", lambda f: f(x(), W, B, padding=-1), r"padding \(-1\) must be >= 0"),
    ("negative output_padding", lambda f: f(x(), W, B, output_padding=-1),
     r"output_padding \(-1\) must be >= 0"),
    ("dilation 0", lambda f: f(x(), W, B, dilation=0), r"dilation \(0\) must be >= 1"),
    ("output_padding too large", lambda f: f(x(), W, B, stride=2, output_padding=2),
     r"output_padding \(2\) must be smaller than max\(stride, dilation\) \(2\)"),
    ("output too small", lambda f: f(x(1, 4, 1), W, B, padding=5), r"output size is too small"),
    ("padding of 3 values", lambda f: f(x(), W, B, padding=(1, 2, 3)),
     r"expected padding to be a single integer value or a list of 1 values"),
    ("stride of 2 values", lambda f: f(x(), W, B, stride=(1, 2)),
     r"expected stride to be a single integer value or a list of 1 values"),
    ("float stride", lambda f: f(x(), W, B, stride=1.5), r"stride must be an int"),
    ("input not a tensor", lambda f: f([[1.0]], W, B), r"'input' must be a torch.Tensor"),
    ("weight not a tensor", lambda f: f(x(), "w", B), r"'weight' must be a torch.Tensor"),
    ("input dtype", lambda f: f(x(dtype=torch.float64), W, B),
     r"input and weight must have the same dtype; input is torch.float64"),
    ("bias dtype", lambda f: f(x(), W, B.double()), r"input and bias must have the same dtype"),
    ("float16", lambda f: f(x().half(), W.half(), None), r"take float32 and float64.*float16"),
    ("sparse input", lambda f: f(x().to_sparse(), W, None), r"dense \(strided\)"),
]

# What torch accepts and lucid's kernels do not: a clear TypeError rather than a wrong answer.
LUCID_ONLY_REFUSALS = [
    ("int64", lambda f: f(torch.ones(1, 4, 5, dtype=torch.long), W.long(), None),
     r"take float32 and float64.*int64"),
    ("complex", lambda f: f(x(dtype=torch.cfloat), W.cfloat(), None), r"complex64"),
    ("meta device", lambda f: f(x(device="meta"), W.to("meta"), None), r"run on CPU tensors"),
]


def assert_like_torch(ours, theirs, pattern):
    assert isinstance(ours, (lt.ArgumentError, lt.DTypeError, TypeError)), repr(ours)
    assert isinstance(ours, (ValueError, TypeError))
    if isinstance(theirs, RuntimeError):
        assert isinstance(ours, RuntimeError), f"torch raised {theirs!r}, we raised {ours!r}"
    else:
        assert isinstance(ours, type(theirs)), f"torch raised {theirs!r}, we raised {ours!r}"
    assert re.search(pattern, str(ours)), f"{ours} !~ {pattern}"


@pytest.mark.parametrize("name, call, pattern", FUNCTIONAL_CASES,
                         ids=[case[0] for case in FUNCTIONAL_CASES])
def test_functional_rules(name, call, pattern):
    with pytest.raises(Exception) as theirs:
        call(F.conv_transpose1d)
    with pytest.raises(Exception) as ours:
        call(lt.conv_transpose1d)
    assert_like_torch(ours.value, theirs.value, pattern)


@pytest.mark.parametrize("name, call, pattern", LUCID_ONLY_REFUSALS,
                         ids=[case[0] for case in LUCID_ONLY_REFUSALS])
def test_what_lucid_refuses_is_a_type_error(name, call, pattern):
    with pytest.raises(lt.DTypeError, match=pattern) as ours:
        call(lt.conv_transpose1d)
    assert isinstance(ours.value, TypeError) and isinstance(ours.value, RuntimeError)


def test_padding_strings_are_ours_and_checked():
    with pytest.raises(TypeError):
        F.conv_transpose1d(x(), W, B, padding="foo")  # torch takes no string at all
    with pytest.raises(lt.ArgumentError, match="invalid padding string 'foo'"):
        lt.conv_transpose1d(x(), W, B, padding="foo")
    with pytest.raises(lt.ArgumentError, match=r"output_padding \(1\) must be 0 when padding is"):
        lt.conv_transpose1d(x(), W, B, stride=2, padding="same", output_padding=1)
    with pytest.raises(lt.ArgumentError, match=r"padding \(1, -2\) must be >= 0 on both sides"):
        lt.conv_transpose1d(x(), W, B, padding=(1, -2))


def module(cls, *args, **kwargs):
    return lambda: cls(*args, **kwargs)(x())


# (name, make-and-run(ConvTranspose1d class), regex). Torch checks some of these only in
# forward; ours checks them when the layer is made. Either way the caller gets the error.
MODULE_CASES = [
    ("groups 0", lambda c: module(c, 4, 2, 3, groups=0)(), r"groups must be a positive integer"),
    ("in_channels % groups", lambda c: module(c, 4, 2, 3, groups=3)(),
     r"in_channels must be divisible by groups"),
    ("out_channels % groups", lambda c: module(c, 4, 3, 3, groups=2)(),
     r"out_channels must be divisible by groups"),
    ("padding_mode", lambda c: module(c, 4, 2, 3, padding_mode="reflect")(),
     r'Only "zeros" padding mode is supported'),
    ("stride 0", lambda c: module(c, 4, 2, 3, stride=0)(), r"stride \(0\) must be >= 1"),
    ("kernel_size 0", lambda c: module(c, 4, 2, 0)(), r"kernel_size \(0\) must be >= 1"),
    ("negative padding", lambda c: module(c, 4, 2, 3, padding=-2)(), r"padding \(-2\) must be >= 0"),
    ("dilation 0", lambda c: module(c, 4, 2, 3, dilation=0)(), r"dilation \(0\) must be >= 1"),
    ("output_padding too large", lambda c: module(c, 4, 2, 3, stride=2, output_padding=3)(),
     r"output_padding \(3\) must be smaller than max\(stride, dilation\) \(2\)"),
    ("float16 layer", lambda c: module(c, 4, 2, 3, dtype=torch.float16)(), r"float16"),
    ("input dtype", lambda c: c(4, 2, 3)(x(dtype=torch.float64)), r"same dtype"),
    ("input channels", lambda c: c(4, 2, 3)(x(1, 2, 5)), r"2 channels"),
    ("output_size range", lambda c: c(4, 2, 3, stride=2)(x(), output_size=[20]),
     r"requested an output size of \[20\], but valid sizes range from \[11\] to \[12\]"),
    ("output_size elements", lambda c: c(4, 2, 3, stride=2)(x(), output_size=[1, 11]),
     r"for 3D input, output_size must have 1 or 3 elements \(got 2\)"),
]


@pytest.mark.parametrize("name, call, pattern", MODULE_CASES, ids=[case[0] for case in MODULE_CASES])
def test_module_rules(name, call, pattern):
    with pytest.raises(Exception) as theirs:
        call(torch.nn.ConvTranspose1d)
    with pytest.raises(Exception) as ours:
        call(lt.ConvTranspose1d)
    assert_like_torch(ours.value, theirs.value, pattern)


def test_padding_mode_changed_after_construction():
    layer = lt.ConvTranspose1d(4, 2, 3)
    layer.padding_mode = "circular"
    with pytest.raises(ValueError, match="Only `zeros` padding mode"):
        layer(x())
