"""lucid_jit.torch.ConvTranspose1d as a drop-in for torch.nn.ConvTranspose1d: same init,
state_dicts both ways, same outputs and gradients on the paths users take (output_size,
unbatched, empty batch, non-contiguous tensors, frozen inputs, no_grad, weight_norm, DDP-free
training steps), our extra padding forms, and the GIL released while kernels run."""

import threading
import time

import pytest
import torch
import torch.nn.functional as F

import lucid_jit
import lucid_jit.torch as lt
import torch_reference

CONFIGS = [
    dict(in_channels=4, out_channels=2, kernel_size=3, stride=2, padding=1, output_padding=1),
    dict(in_channels=6, out_channels=4, kernel_size=(5,), stride=(3,), padding=(2,), groups=2,
         bias=False),
    dict(in_channels=3, out_channels=3, kernel_size=4, dilation=2, groups=3, output_padding=1),
    dict(in_channels=8, out_channels=5, kernel_size=2, dtype=torch.float64),
]


def pair(config, seed=0):
    torch.manual_seed(seed)
    theirs = torch.nn.ConvTranspose1d(**config)
    torch.manual_seed(seed)
    ours = lt.ConvTranspose1d(**config)
    return theirs, ours


def assert_close(actual, expected):
    if expected.dtype == torch.float64:
        torch.testing.assert_close(actual, expected, rtol=1e-10, atol=1e-10)
    else:
        torch.testing.assert_close(actual, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("config", CONFIGS)
def test_same_init_parameters_and_repr_as_torch(config):
    theirs, ours = pair(config)
    assert isinstance(ours, torch.nn.ConvTranspose1d)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert p.shape == q.shape and p.dtype == q.dtype, name
        assert torch.equal(p, q), name  # same generator draws as torch's reset_parameters


@pytest.mark.parametrize("config", CONFIGS)
def test_state_dicts_load_both_ways(config):
    theirs, _ = pair(config, seed=1)
    _, ours = pair(config, seed=2)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, config["in_channels"], 6, dtype=theirs.weight.dtype)
    assert_close(ours(x), theirs(x))
    torch.manual_seed(3)
    fresh = torch.nn.ConvTranspose1d(**config)
    fresh.load_state_dict(ours.state_dict())
    assert_close(fresh(x), ours(x))


@pytest.mark.parametrize("config", CONFIGS)
def test_outputs_and_gradients_match_torch(config):
    theirs, ours = pair(config)
    dtype = theirs.weight.dtype
    for shape in [(3, config["in_channels"], 7), (config["in_channels"], 5)]:
        x = torch.randn(*shape, dtype=dtype, requires_grad=True)
        y_theirs, y_ours = theirs(x), ours(x)
        assert_close(y_ours, y_theirs)
        g = torch.randn_like(y_theirs)
        expected = torch.autograd.grad(y_theirs, [x, *theirs.parameters()], g)
        actual = torch.autograd.grad(y_ours, [x, *ours.parameters()], g)
        for a, e in zip(actual, expected):
            assert_close(a, e)


def test_output_size_as_torch_takes_it():
    theirs, ours = pair(CONFIGS[0])
    x = torch.randn(2, 4, 5)
    for size in [9, [10], (2, 2, 10), torch.Size([10])]:
        size_arg = [size] if isinstance(size, int) else size
        assert_close(ours(x, output_size=size_arg), theirs(x, output_size=size_arg))
    assert ours(x, output_size=[10]).shape == (2, 2, 10)
    with pytest.raises(ValueError, match=r"valid sizes range from \[9\] to \[10\]") as ours_error:
        ours(x, output_size=[11])
    with pytest.raises(ValueError, match=r"valid sizes range from \[9\] to \[10\]"):
        theirs(x, output_size=[11])
    assert isinstance(ours_error.value, lt.ArgumentError)
    with pytest.raises(ValueError, match="output_size must have 1 or 3 elements"):
        ours(x, output_size=[2, 10])


@pytest.mark.parametrize("padding, length", [((2, 0), 12), ("valid", 14),
                                             ("same", 12), ((0, 3), 11)])
def test_extra_padding_forms(padding, length):
    ours = lt.ConvTranspose1d(3, 2, 4, stride=2, padding=padding, dtype=torch.float64)
    x = torch.randn(2, 3, 6, dtype=torch.float64, requires_grad=True)
    y = ours(x)
    assert y.shape == (2, 2, length)
    expected = torch_reference.conv_transpose1d(x, ours.weight, ours.bias, 2, padding, 0, 1, 1)
    assert_close(y, expected)
    g = torch.randn_like(y)
    for a, e in zip(torch.autograd.grad(y, [x, ours.weight, ours.bias], g),
                    torch.autograd.grad(expected, [x, ours.weight, ours.bias], g)):
        assert_close(a, e)
    assert f"padding={padding}" in repr(ours)
    assert ours(x, output_size=[length]).shape == y.shape


def test_same_padding_extends_when_the_kernel_is_shorter_than_the_stride():
    ours = lt.ConvTranspose1d(2, 2, 2, stride=4, padding="same", dtype=torch.float64)
    x = torch.randn(1, 2, 3, dtype=torch.float64)
    y = ours(x)
    assert y.shape == (1, 2, 12)
    assert_close(y, torch_reference.conv_transpose1d(x, ours.weight, ours.bias, 4, "same", 0, 1, 1))


def test_frozen_inputs_get_no_gradient_and_no_grad_records_nothing():
    theirs, ours = pair(CONFIGS[0])
    x = torch.randn(2, 4, 5)
    y = ours(x)  # x needs no grad; the parameters do
    y.sum().backward()  # an expanded (stride 0) upstream gradient: copied to contiguous
    y_theirs = theirs(x)
    y_theirs.sum().backward()
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert_close(ours.bias.grad, theirs.bias.grad)

    ours.zero_grad(set_to_none=True)
    ours.weight.requires_grad_(False)
    ours.bias.requires_grad_(False)
    x.requires_grad_(True)
    ours(x).sum().backward()
    assert x.grad is not None and ours.weight.grad is None and ours.bias.grad is None

    with torch.no_grad():
        y = ours(torch.randn(2, 4, 5, requires_grad=True))
    assert y.grad_fn is None and not y.requires_grad

    ours.weight.requires_grad_(True)
    y = ours(torch.randn(2, 4, 5))
    assert y.requires_grad and y.grad_fn is not None


def test_non_contiguous_tensors_are_copied_once():
    theirs, ours = pair(CONFIGS[0])
    x = torch.randn(2, 5, 4).transpose(1, 2)  # (2, 4, 5), not contiguous
    assert not x.is_contiguous()
    assert_close(ours(x), theirs(x))
    w = torch.randn(3, 2, 4).permute(2, 1, 0)  # (4, 2, 3), not contiguous
    assert not w.is_contiguous() and w.shape == (4, 2, 3)
    assert_close(lt.conv_transpose1d(x, w, None, 2, 1), F.conv_transpose1d(x, w, None, 2, 1))


def test_empty_batch():
    theirs, ours = pair(CONFIGS[0])
    x = torch.randn(0, 4, 5, requires_grad=True)
    y = ours(x)
    assert y.shape == theirs(x).shape == (0, 2, 10)
    y.sum().backward()
    assert x.grad.shape == x.shape
    assert torch.count_nonzero(ours.weight.grad) == 0 and torch.count_nonzero(ours.bias.grad) == 0


def test_autograd_contracts():
    _, ours = pair(CONFIGS[3])
    x = torch.randn(2, 8, 5, dtype=torch.float64, requires_grad=True)
    y = ours(x)
    y.sum().backward(retain_graph=True)
    y.sum().backward()  # retained: a second pass works and accumulates
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()
    # No double backward (gradient penalties): the backward is once_differentiable.
    y = ours(x)
    g = torch.ones_like(y, requires_grad=True)
    (gx,) = torch.autograd.grad(y, x, g, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        gx.sum().backward()
    y = ours(x)
    with torch.no_grad():
        x.add_(1)  # modified in place after being saved
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_weight_norm_and_a_training_step_match_torch():
    config = dict(in_channels=8, out_channels=4, kernel_size=4, stride=2, padding=1)
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.utils.weight_norm(torch.nn.ConvTranspose1d(**config)),
                                 torch.nn.LeakyReLU(0.1), torch.nn.ConvTranspose1d(4, 1, 3))
    torch.manual_seed(0)
    ours = torch.nn.Sequential(torch.nn.utils.weight_norm(lt.ConvTranspose1d(**config)),
                               torch.nn.LeakyReLU(0.1), lt.ConvTranspose1d(4, 1, 3))
    x = torch.randn(4, 8, 16)
    target = torch.randn(4, 1, 34)
    for model in (theirs, ours):
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(3):
            optimizer.zero_grad()
            F.mse_loss(model(x), target).backward()
            optimizer.step()
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5, msg=name)


def test_threads_give_the_same_result():
    _, ours = pair(dict(in_channels=64, out_channels=32, kernel_size=8, stride=4, padding=2))
    x = torch.randn(2, 64, 300)
    ours(x)
    lucid_jit.wait_for_background()  # bitwise equality holds within one tier
    before = lucid_jit.get_num_threads()
    try:
        lucid_jit.set_num_threads(1)
        one = ours(x)
        lucid_jit.set_num_threads(2)
        two = ours(x)
    finally:
        lucid_jit.set_num_threads(before)
    assert torch.equal(one, two)  # items never share an output element


def test_the_gil_is_released_while_kernels_run():
    layer = lt.ConvTranspose1d(256, 256, 16, stride=8, padding=4)
    x = torch.randn(4, 256, 256)
    with torch.no_grad():
        layer(x)
    window = {}

    def call():
        with torch.no_grad():
            window["start"] = time.perf_counter()
            for _ in range(3):
                layer(x)
            window["end"] = time.perf_counter()

    ticks = []
    worker = threading.Thread(target=call)
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    assert window["end"] - window["start"] > 0.01
    assert len([t for t in ticks if window["start"] < t < window["end"]]) > 100
