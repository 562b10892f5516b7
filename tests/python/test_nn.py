"""lucid_jit.nn: Python subclasses of Module register what they hold; ConvTranspose1d takes
every argument of the seed page (Lucid's order) plus our padding forms, and matches a numpy
reference; Sequential and ReLU; errors carry the runtime's messages."""

import numpy as np
import pytest

import lucid_jit
import lucid_jit.nn as nn
import lucid_jit.nn.functional as F
from lucid_jit import Tensor


def reference(x, w, b, stride, pad_left, pad_right, output_padding, dilation, groups):
    """docs/semantics.md section 1 in plain loops over numpy float64 arrays; pad_right may be negative
    (padding="same" with a kernel span shorter than the stride)."""
    n, cin, length = x.shape
    _, cout_g, kernel = w.shape
    out_length = (length - 1) * stride - pad_left - pad_right + dilation * (kernel - 1) + \
        output_padding + 1
    y = np.zeros((n, cout_g * groups, out_length))
    cin_g = cin // groups
    for g in range(groups):
        for ci in range(g * cin_g, (g + 1) * cin_g):
            for l in range(length):
                for k in range(kernel):
                    t = l * stride - pad_left + k * dilation
                    if 0 <= t < out_length:
                        y[:, g * cout_g:(g + 1) * cout_g, t] += x[:, ci, l, None] * w[ci, :, k]
    if b is not None:
        y += b[None, :, None]
    return y


def as64(t):
    return None if t is None else t.numpy().astype(np.float64)


@pytest.mark.parametrize("args, kwargs, pads", [
    ((4, 2, 3), dict(stride=2, padding=1, output_padding=1), (1, 1)),
    ((6, 4, 4), dict(stride=3, padding=(2, 0), dilation=2, groups=2), (2, 0)),
    ((3, 5, 5), dict(stride=2, padding="same", bias=False), (1, 2)),
    ((2, 2, 2), dict(stride=3, padding="same"), (0, -1)),
    ((4, 4, 3), dict(padding="valid", dilation=(2,), groups=4), (0, 0)),
    ((2, 3, (3,)), dict(stride=(2,), padding=(1,), output_padding=(1,), dtype="float64"), (1, 1)),
])
def test_conv_transpose1d_matches_the_reference(args, kwargs, pads):
    layer = nn.ConvTranspose1d(*args, **kwargs)
    spec = layer.spec
    assert (spec.pad_left, spec.pad_right) == pads
    x = Tensor.randn(2, spec.in_channels, 7, dtype=spec.dtype)
    y = layer(x)
    expected = reference(as64(x), as64(layer.weight), as64(layer.bias), spec.stride, *pads,
                         spec.output_padding, spec.dilation, spec.groups)
    tolerance = 1e-12 if spec.dtype == lucid_jit.float64 else 1e-5
    np.testing.assert_allclose(y.numpy(), expected, rtol=tolerance, atol=tolerance)
    if kwargs.get("padding") == "same":
        assert y.shape[-1] == 7 * spec.stride
    # The functional form with the same parameters gives the same output (up to rounding: the
    # layer's tier-1 kernels may have been swapped in between the two calls).
    y2 = F.conv_transpose1d(x, layer.weight, layer.bias, stride=spec.stride,
                            padding=kwargs.get("padding", 0), output_padding=spec.output_padding,
                            dilation=spec.dilation, groups=spec.groups)
    np.testing.assert_allclose(y.numpy(), y2.numpy(), rtol=tolerance, atol=tolerance)


def test_parameters_have_the_seed_pages_shapes_and_init():
    layer = nn.ConvTranspose1d(8, 6, kernel_size=5, groups=2)
    assert layer.weight.shape == (8, 3, 5) and layer.bias.shape == (6,)
    bound = 1 / np.sqrt(3 * 5)
    assert np.abs(layer.weight.numpy()).max() <= bound
    assert np.abs(layer.bias.numpy()).max() <= bound
    assert layer.weight.numpy().std() > bound / 4  # drawn, not zeros
    assert nn.ConvTranspose1d(2, 2, 3, bias=False).bias is None
    assert (layer.in_channels, layer.out_channels, layer.kernel_size, layer.groups) == (8, 6, 5, 2)
    assert repr(layer) == "ConvTranspose1d(8, 6, 5, groups=2)"


def test_unbatched_input_and_output_size():
    layer = nn.ConvTranspose1d(4, 2, 3, stride=2, padding=1)
    x = Tensor.randn(4, 5)
    assert layer(x).shape == (2, 9)
    assert layer(x, output_size=10).shape == (2, 10)
    assert layer(Tensor.randn(1, 4, 5), output_size=[1, 2, 10]).shape == (1, 2, 10)
    with pytest.raises(ValueError, match=r"output_size \(12\) is not reachable .* 9 to 10 long"):
        layer(x, output_size=12)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose1d(4, 3, 3, stride=2, padding=1, output_padding=1)
        self.act = nn.ReLU()
        self.out = nn.Sequential(nn.ConvTranspose1d(3, 2, 2), nn.ReLU())
        self.scale = Tensor([0.5], requires_grad=True)
        self.constant = Tensor([1.0])  # does not require grad: not a parameter

    def forward(self, x):
        return self.out(self.act(self.up(x)))


def test_module_subclasses_register_modules_and_parameters():
    model = Decoder()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "up.weight", "up.bias", "out.0.weight", "out.0.bias"]
    assert len(list(model.parameters())) == 5
    assert [name for name, _ in model.named_children()] == ["up", "act", "out"]
    y = model(Tensor.randn(2, 4, 5))
    assert y.shape == (2, 2, 11)
    y.backward()
    assert all(p.grad is not None for p in [model.up.weight, model.out[0].bias])
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.eval()
    assert not model.training and not model.out[1].training
    model.train()
    assert model.out[0].training
    model.act = None  # replacing an attribute drops its registration
    assert [name for name, _ in model.named_children()] == ["up", "out"]
    assert "(up): ConvTranspose1d(4, 3, 3, stride=2, padding=1, output_padding=1)" in repr(model)


def test_module_without_init_call_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.ReLU()

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_the_runtimes_errors_arrive_with_their_messages():
    with pytest.raises(ValueError, match=r"^ConvTranspose1d: output_padding \(2\) must be smaller "
                                         r"than max\(stride, dilation\) \(2\)$"):
        nn.ConvTranspose1d(4, 2, 3, stride=2, padding=1, output_padding=2)
    with pytest.raises(ValueError, match=r"out_channels \(3\) must be divisible by groups \(2\)"):
        nn.ConvTranspose1d(4, 3, 3, groups=2)
    layer = nn.ConvTranspose1d(4, 2, 3)
    with pytest.raises(ValueError, match=r"input of shape \(1, 3, 5\) has 3 channels"):
        layer(Tensor.randn(1, 3, 5))
    with pytest.raises(ValueError, match=r"input float64 .* must both be float32"):
        layer(Tensor.randn(1, 4, 5, dtype="float64"))
    with pytest.raises(ValueError, match="padding must be an int"):
        nn.ConvTranspose1d(4, 2, 3, padding="sam")
    with pytest.raises(ValueError, match="1-tuple"):
        nn.ConvTranspose1d(4, 2, (3, 3))
    layer.weight = Tensor.randn(4, 2, 2, requires_grad=True)
    with pytest.raises(ValueError, match=r"weight of shape \(4, 2, 2\) must be"):
        layer(Tensor.randn(1, 4, 5))


def test_no_grad_records_nothing():
    layer = nn.ConvTranspose1d(2, 2, 3)
    with lucid_jit.no_grad():
        y = layer(Tensor.randn(1, 2, 4, requires_grad=True))
    assert y.grad_fn is None and not y.requires_grad


def test_shared_parameters_are_listed_once():
    first = nn.ConvTranspose1d(2, 2, 3)
    second = nn.ConvTranspose1d(2, 2, 3)
    second.weight = first.weight  # the same tensor behind two layers
    model = nn.Sequential(first, second)
    for _ in range(20):  # Python objects of C++ attributes are made afresh on each read
        names = [name for name, _ in model.named_parameters()]
        assert names == ["0.weight", "0.bias", "1.bias"]


def test_pack_weights_follows_steps_and_marked_numpy_writes():
    layer = nn.ConvTranspose1d(16, 32, 8, stride=4, padding=2)
    x = Tensor.randn(1, 16, 19)
    with lucid_jit.no_grad():
        layer(x)
    lucid_jit.wait_for_background()  # tier 1, whose forward packs

    def plain():
        layer.pack_weights(False)
        with lucid_jit.no_grad():
            y = layer(x).numpy().copy()
        layer.pack_weights()
        return y

    want = plain()
    assert layer.pack_weights() is layer and layer.packs_weights
    with lucid_jit.no_grad():
        np.testing.assert_array_equal(layer(x).numpy(), want)

    # An optimizer step writes the weight in place and bumps its version.
    version = layer.weight._version
    sgd = lucid_jit.optim.SGD(layer.parameters(), lr=0.5)
    layer(x).sum().backward()
    sgd.step()
    assert layer.weight._version > version
    with lucid_jit.no_grad():
        stepped = layer(x).numpy().copy()
    assert not np.array_equal(stepped, want)
    np.testing.assert_array_equal(stepped, plain())

    # A write through the numpy view, announced with mark_modified().
    layer.weight.numpy()[0, 0, 0] += 1.0
    layer.weight.mark_modified()
    with lucid_jit.no_grad():
        written = layer(x).numpy().copy()
    assert not np.array_equal(written, stepped)
    np.testing.assert_array_equal(written, plain())
    layer.pack_weights(False)
    assert not layer.packs_weights
