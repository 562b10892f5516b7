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
        args = (config["stride"], config["padding"], config["output_padding"], groups,
                config["dilation"])
        what = f"layer {index}: {config}, batch {batch}, length {length}, {dtype}"

        # 1. Every input requires grad: the output and all its gradients.
        leaves = [None if t is None else t.detach().requires_grad_() for t in (x, w, b)]
        y = lt.conv_transpose1d(*leaves, *args)
        expected = torch_reference.conv_transpose1d(*leaves, *args)
        assert y.shape == expected.shape, what
        assert_matches(y, expected, dtype, what + " output")
        g = torch.randn(expected.shape, generator=generator, dtype=dtype)
        present = [t for t in leaves if t is not None]
        for name, a, e in zip(["x", "weight", "bias"], torch.autograd.grad(y, present, g),
                              torch.autograd.grad(expected, present, g)):
            assert_matches(a, e, dtype, f"{what} grad of {name}")

        # 2. A random subset requires grad: only those gradients exist, and they match.
        subset = [None if t is None else t.detach().requires_grad_(need)
                  for t, need in zip((x, w, b), needs)]
        y = lt.conv_transpose1d(*subset, *args)
        if not any(t is not None and t.requires_grad for t in subset):
            assert y.grad_fn is None and not y.requires_grad, what
            continue
        y.backward(g)
        copies = [None if t is None else t.detach().requires_grad_(t.requires_grad)
                  for t in subset]
        torch_reference.conv_transpose1d(*copies, *args).backward(g)
        for name, t, c in zip(["x", "weight", "bias"], subset, copies):
            if t is not None and t.requires_grad:
                assert_matches(t.grad, c.grad, dtype, f"{what} subset grad of {name}")
            elif t is not None:
                assert t.grad is None, what


@pytest.mark.parametrize("index", range(0, LAYERS // 2), ids=lambda i: f"shard_a-{i}")
def test_random_layer_shard_a(index):
    check_layer(index)


@pytest.mark.parametrize("index", range(LAYERS // 2, LAYERS), ids=lambda i: f"shard_b-{i}")
def test_random_layer_shard_b(index):
    check_layer(index)
