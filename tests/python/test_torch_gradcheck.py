"""torch.autograd.gradcheck (correctness): the analytical gradients of
lucid_jit.torch.conv_transpose1d (lucid's backward kernels) agree with finite differences of
its forward on 30 random float64 layers, including our padding forms."""

import random

import pytest
import torch

import lucid_jit.torch as lt
from test_torch_random import random_layer


@pytest.mark.parametrize("index", range(30))
def test_gradcheck(index):
    config, batch, length, _, _ = random_layer(random.Random(50_000 + index))
    generator = torch.Generator().manual_seed(index)
    cin, cout, groups = config["in_channels"], config["out_channels"], config["groups"]
    shape = (cin, length) if batch is None else (batch, cin, length)
    x = torch.randn(*shape, generator=generator, dtype=torch.float64, requires_grad=True)
    w = torch.randn(cin, cout // groups, config["kernel_size"], generator=generator,
                    dtype=torch.float64, requires_grad=True)
    b = torch.randn(cout, generator=generator, dtype=torch.float64, requires_grad=True) \
        if config["bias"] else None

    def layer(*tensors):
        x, w, b = tensors if len(tensors) == 3 else (*tensors, None)
        return lt.conv_transpose1d(x, w, b, config["stride"], config["padding"],
                                   config["output_padding"], groups, config["dilation"])

    inputs = (x, w, b) if b is not None else (x, w)
    assert torch.autograd.gradcheck(layer, inputs, eps=1e-6, atol=1e-7, rtol=1e-5), config
