"""Random layers (correctness): lucid_jit.torch.conv_transpose1d's output and its three
gradients match torch's on 200 random configurations, each in float64 (to 1e-10) and float32
(to 1e-4 relative), with random groups, dilation, strides, every padding form (ours through
torch_reference's crop), unbatched and non-contiguous inputs, and random subsets of inputs
that require grad. Two CTest shards (-k shard_a / -k shard_b) of 100 layers each."""

import random

import pytest
import torch

import lucid_jit.torch as lt
import torch_reference

LAYERS = 200


def random_layer(rng):
    groups = rng.choice([1, 1, 1, 2, 3])
    kernel_size = rng.randint(1, 6)
    stride = rng.randint(1, 4)
    dilation = rng.choice([1, 1, 2, 3])
    span = dilation * (kernel_size - 1)
    form = rng.random()
    if form < 0.7:
        padding = rng.randint(0, span)
    elif form < 0.8:
        padding = (rng.randint(0, span), rng.randint(0, span))
    else:
        padding = "same" if form < 0.9 else "valid"
    output_padding = 0 if isinstance(padding, str) else rng.randint(0, max(stride, dilation) - 1)
    config = dict(in_channels=groups * rng.randint(1, 4), out_channels=groups * rng.randint(1, 4),
                  kernel_size=kernel_size, stride=stride, padding=padding,
                  output_padding=output_padding, groups=groups, dilation=dilation,
                  bias=rng.random() < 0.8)
    left, right = torch_reference.resolve_padding(padding, kernel_size, stride, dilation)
    shortest = 1
    while (shortest - 1) * stride - left - right + span + output_padding + 1 < 1:
        shortest += 1
    batch = rng.choice([None, 1, 2, 3])
    length = rng.randint(shortest, shortest + 7)
    needs = [rng.random() < 0.8 for _ in range(3)] if rng.random() < 0.5 else [True] * 3
    return config, batch, length, needs, rng.random() < 0.2


def assert_matches(actual, expected, dtype, what):
    if dtype == torch.float64:
        torch.testing.assert_close(actual, expected, rtol=1e-10, atol=1e-10, msg=what)
    else:
        scale = max(1.0, expected.abs().max().item()) if expected.numel() else 1.0
        torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-4 * scale, msg=what)


def check_layer(index):
    config, batch, length, needs, transposed = random_layer(random.Random(10_000 + index))
    generator = torch.Generator().manual_seed(index)
    for dtype in (torch.float64, torch.float32):
        cin, cout, groups = config["in_channels"], config["out_channels"], config["groups"]
        shape = (cin, length) if batch is None else (batch, cin, length)
        if transposed:  # a non-contiguous input with the same values
            x = torch.randn(*reversed(shape), generator=generator, dtype=dtype).permute(
                *reversed(range(len(shape))))
        else:
            x = torch.randn(*shape, generator=generator, dtype=dtype)
        w = torch.randn(cin, cout // groups, config["kernel_size"], generator=generator,
                        dtype=dtype)
        b = torch.randn(cout, generator=generator, dtype=dtype) if config["bias"] else None
        inputs = [x, w, b]
        for tensor, need in zip(inputs, needs):
            if tensor is not None:
                tensor.requires_grad_(need)
        args = (config["stride"], config["padding"], config["output_padding"], groups,
                config["dilation"])
        what = f"layer {index}: {config}, batch {batch}, length {length}, {dtype}"
        y = lt.conv_transpose1d(x, w, b, *args)
        expected = torch_reference.conv_transpose1d(x, w, b, *args)
        assert y.shape == expected.shape, what
        assert_matches(y, expected, dtype, what + " output")

        wanted = [t for t in inputs if t is not None and t.requires_grad]
        if not wanted:
            assert y.grad_fn is None
            continue
        g = torch.randn(expected.shape, generator=generator, dtype=dtype)
        actual_grads = torch.autograd.grad(y, wanted, g)
        expected_grads = torch.autograd.grad(expected, wanted, g)
        for name, a, e in zip(["x", "weight", "bias"], actual_grads, expected_grads):
            assert_matches(a, e, dtype, f"{what} grad")


@pytest.mark.parametrize("index", range(0, LAYERS // 2), ids=lambda i: f"shard_a-{i}")
def test_random_layer_shard_a(index):
    check_layer(index)


@pytest.mark.parametrize("index", range(LAYERS // 2, LAYERS), ids=lambda i: f"shard_b-{i}")
def test_random_layer_shard_b(index):
    check_layer(index)
