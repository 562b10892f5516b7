"""NaN and Inf through lucid_jit's Lucid face (the C++ runtime and its autograd) and its torch face give what torch
gives: the same NaN and Inf positions in the output and in every gradient, and the same finite
values elsewhere. Non-finite weights and inputs are the interesting cases: the kernels multiply
zero padding, so the runtime sends those calls to loops with PyTorch's rule."""

import numpy as np
import pytest
import torch

import lucid_jit.nn.functional as F
from lucid_jit import Tensor

LAYERS = [
    # (in, out, kernel, stride, padding, output_padding, dilation, groups, bias, batch, length)
    (2, 1, 2, 1, 0, 0, 1, 1, False, 1, 5),
    (1, 1, 3, 1, 1, 0, 1, 1, False, 1, 5),
    (16, 24, 5, 3, 2, 1, 2, 2, True, 2, 37),
    (32, 32, 4, 2, 1, 0, 1, 1, False, 1, 64),
    # An output smaller than the weight: forwards without a graph check the output first.
    (48, 40, 6, 3, 1, 0, 1, 1, True, 1, 4),
]


def plant(name, x, w, b, gy):
    if name == "nan_x":
        x.flat[x.size // 3] = np.nan
    elif name == "inf_x_neighbours":
        x.flat[x.size // 2], x.flat[x.size // 2 + 1] = np.inf, -np.inf
    elif name == "inf_x_first":
        x.flat[0] = np.inf
    elif name == "nan_weight":
        w.flat[w.size // 2] = np.nan
    elif name == "inf_weight":
        w.flat[0] = np.inf
    elif name == "nan_inf_grad_y":
        gy.flat[gy.size // 4], gy.flat[-1] = np.nan, np.inf


def random_operands(layer, seed, dtype):
    """x, weight, bias (None without one) and grad_y of `layer`, uniform in [-1, 1)."""
    cin, cout, k, s, p, op, d, g, has_bias, n, length = layer
    rng = np.random.default_rng(seed)
    lout = (length - 1) * s - 2 * p + d * (k - 1) + op + 1
    x = rng.uniform(-1, 1, (n, cin, length)).astype(dtype)
    w = rng.uniform(-1, 1, (cin, cout // g, k)).astype(dtype)
    b = rng.uniform(-1, 1, (cout,)).astype(dtype) if has_bias else None
    gy = rng.uniform(-1, 1, (n, cout, lout)).astype(dtype)
    return x, w, b, gy


def assert_same(got, want, what, dtype):
    """NaN where torch has NaN, the same infinity where it has one, close elsewhere."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, what
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{what}: NaN positions")
    both_inf = np.isinf(want)
    np.testing.assert_array_equal(got[both_inf], want[both_inf], err_msg=f"{what}: infinities")
    finite = np.isfinite(want)
    tolerance = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(got[finite], want[finite], rtol=tolerance, atol=tolerance, err_msg=what)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("planting", ["nan_x", "inf_x_neighbours", "inf_x_first", "nan_weight",
                                      "inf_weight", "nan_inf_grad_y"])
@pytest.mark.parametrize("layer", LAYERS)
def test_nonfinite_values_propagate_as_in_torch(layer, planting, dtype):
    cin, cout, k, s, p, op, d, g, has_bias, n, length = layer
    x, w, b, gy = random_operands(layer, 5, dtype)
    plant(planting, x, w, b, gy)

    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True) if has_bias else None
    ty = torch.nn.functional.conv_transpose1d(tx, tw, tb, stride=s, padding=p, output_padding=op,
                                              groups=g, dilation=d)
    ty.backward(torch.tensor(gy))

    lx, lw = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    lb = Tensor(b, requires_grad=True) if has_bias else None
    ly = F.conv_transpose1d(lx, lw, lb, stride=s, padding=p, output_padding=op, dilation=d, groups=g)
    ly.backward(Tensor(gy))

    assert_same(ly.numpy(), ty.detach().numpy(), "output", dtype)
    assert_same(lx.grad.numpy(), tx.grad.numpy(), "grad_x", dtype)
    assert_same(lw.grad.numpy(), tw.grad.numpy(), "grad_weight", dtype)
    if has_bias:
        assert_same(lb.grad.numpy(), tb.grad.numpy(), "grad_bias", dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("planting", ["nan_x", "inf_x_neighbours", "inf_x_first", "nan_weight",
                                      "inf_weight", "nan_inf_grad_y"])
@pytest.mark.parametrize("layer", LAYERS)
def test_the_torch_face_propagates_nonfinite_values_as_torch(layer, planting, dtype):
    import lucid_jit.torch as lucid_torch

    cin, cout, k, s, p, op, d, g, has_bias, n, length = layer
    x, w, b, gy = random_operands(layer, 6, dtype)
    plant(planting, x, w, b, gy)

    results = []
    for conv in (torch.nn.functional.conv_transpose1d, lucid_torch.conv_transpose1d):
        tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
        tb = torch.tensor(b, requires_grad=True) if has_bias else None
        ty = conv(tx, tw, tb, stride=s, padding=p, output_padding=op, groups=g, dilation=d)
        ty.backward(torch.tensor(gy))
        results.append([ty.detach().numpy(), tx.grad.numpy(), tw.grad.numpy()] +
                        ([tb.grad.numpy()] if has_bias else []))
    for what, want, got in zip(["output", "grad_x", "grad_weight", "grad_bias"], *results):
        assert_same(got, want, what, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("planting", ["nan_x", "inf_x_first", "nan_weight", "inf_weight"])
@pytest.mark.parametrize("layer", LAYERS)
def test_the_torch_face_without_a_graph_propagates_nonfinite_values_as_torch(layer, planting, dtype):
    """No autograd graph: the forward alone, which checks the output or the weight, whichever
    is smaller (the last layer's output is smaller than its weight)."""
    import lucid_jit.torch as lucid_torch

    cin, cout, k, s, p, op, d, g, has_bias, n, length = layer
    x, w, b, gy = random_operands(layer, 7, dtype)
    plant(planting, x, w, b, gy)
    tb = torch.tensor(b) if has_bias else None
    want = torch.nn.functional.conv_transpose1d(torch.tensor(x), torch.tensor(w), tb, stride=s, padding=p,
                                                output_padding=op, groups=g, dilation=d)
    with torch.no_grad():
        got = lucid_torch.conv_transpose1d(torch.tensor(x), torch.tensor(w, requires_grad=True), tb, stride=s,
                                           padding=p, output_padding=op, groups=g, dilation=d)
    assert not got.requires_grad
    assert_same(got.numpy(), want.numpy(), "output", dtype)
