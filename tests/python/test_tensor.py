"""lucid_jit.Tensor: construction, numpy interop (views where the dtype and layout allow),
Lucid's repr, autograd entry points, the GIL released while kernels run, and error types."""

import gc
import threading
import time

import numpy as np
import pytest

import lucid_jit
from lucid_jit import Tensor


def test_nested_lists_become_float32():
    t = Tensor([[[1.0, 2.0, 3.0]]], requires_grad=True)
    assert t.shape == (1, 1, 3)
    assert t.dtype == np.float32
    assert t.requires_grad and t.is_leaf and t.grad is None
    assert t.tolist() == [[[1.0, 2.0, 3.0]]]
    assert Tensor([1, 2], dtype="float64").dtype == np.float64
    assert Tensor(3.5).shape == () and Tensor(3.5).item() == 3.5


def test_float_arrays_are_shared_not_copied():
    for dtype in (np.float32, np.float64):
        array = np.arange(6, dtype=dtype).reshape(2, 3)
        t = Tensor(array)
        assert t.dtype == dtype
        assert np.shares_memory(array, t.numpy())
        array[0, 0] = 42
        assert t.tolist()[0][0] == 42
        view = t.numpy()
        view[1, 2] = -1
        assert array[1, 2] == -1
        assert np.shares_memory(np.asarray(t), array)  # buffer protocol


def test_arrays_are_copied_only_when_dtype_or_layout_force_it():
    ints = np.arange(4)
    t = Tensor(ints)
    assert t.dtype == np.float32 and not np.shares_memory(ints, t.numpy())
    strided = np.arange(12.0).reshape(3, 4)[:, ::2]
    t = Tensor(strided)
    assert t.tolist() == strided.tolist() and not np.shares_memory(strided, t.numpy())
    read_only = np.arange(3.0)
    read_only.flags.writeable = False
    t = Tensor(read_only)
    assert t.tolist() == [0.0, 1.0, 2.0] and not np.shares_memory(read_only, t.numpy())
    converted = Tensor(np.arange(3.0), dtype="float32")
    assert converted.dtype == np.float32 and converted.tolist() == [0.0, 1.0, 2.0]


def test_views_keep_their_owners_alive():
    array = Tensor.randn(1000).numpy()
    expected = array.copy()
    gc.collect()
    np.testing.assert_array_equal(array, expected)  # the tensor lives on in the view

    source = np.linspace(0, 1, 1000)
    t = Tensor(source)
    del source
    gc.collect()
    np.testing.assert_array_equal(t.numpy(), np.linspace(0, 1, 1000))  # the array lives on


def test_factories():
    lucid_jit.manual_seed(7)
    a = Tensor.randn(2, 3, requires_grad=True)
    lucid_jit.manual_seed(7)
    b = Tensor.randn((2, 3))
    assert a.shape == (2, 3) and a.requires_grad and not b.requires_grad
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert Tensor.zeros(2, 2).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert Tensor.ones(3, dtype=np.float64).dtype == np.float64
    assert lucid_jit.randn(4).shape == (4,)


def test_repr_is_lucids():
    assert repr(Tensor([[[1.0, 0.5]]], requires_grad=True)) == \
        "Tensor([[[1.0, 0.5]]], requires_grad=True)"
    assert repr(Tensor([0.1, 2.0])) == "Tensor([0.1, 2.0])"
    x = Tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2.0) == "Tensor([2.0, 4.0])"  # not a leaf: no requires_grad shown
    big = repr(Tensor.zeros(100, 100))
    assert "..." in big and len(big) < 2000


def test_backward_seeds_ones_and_accepts_a_gradient():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    assert y.grad_fn is not None and not y.is_leaf
    y.backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    x.zero_grad()
    assert x.grad is None
    (x * 3.0).backward(Tensor([1.0, 0.0, 2.0]))
    assert x.grad.tolist() == [3.0, 0.0, 6.0]


def test_arithmetic_and_reductions():
    a = Tensor([1.0, 2.0])
    b = Tensor([3.0, 5.0])
    assert (a + b).tolist() == [4.0, 7.0]
    assert (b - a).tolist() == [2.0, 3.0]
    assert (a * b).tolist() == [3.0, 10.0]
    assert (1.0 + a).tolist() == [2.0, 3.0] and (2 - a).tolist() == [1.0, 0.0]
    assert (b / 2).tolist() == [1.5, 2.5] and (-a).tolist() == [-1.0, -2.0]
    assert a.sum().item() == 3.0 and b.mean().item() == 4.0
    assert Tensor([-1.0, 2.0]).relu().tolist() == [0.0, 2.0]


def test_no_grad():
    x = Tensor([1.0], requires_grad=True)
    with lucid_jit.no_grad():
        assert not lucid_jit.is_grad_enabled()
        y = x * 2.0
    assert lucid_jit.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_errors_arrive_as_value_and_type_errors_with_the_runtimes_messages():
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(3, 2\) must be equal"):
        Tensor.randn(2, 3) + Tensor.randn(3, 2)
    with pytest.raises(TypeError, match="float32 and float64"):
        Tensor([1, 2], dtype="int32")
    with pytest.raises(TypeError, match="cannot make a float tensor"):
        Tensor("abc")
    with pytest.raises(ValueError, match="negative extent"):
        Tensor.randn(2, -1)
    with pytest.raises(ValueError, match="has 4 elements, not 1"):
        Tensor.randn(4).item()
    with pytest.raises(ValueError, match="only leaves"):
        (Tensor([1.0], requires_grad=True) * 2.0).requires_grad_(False)


def test_the_gil_is_released_while_kernels_run():
    # A layer big enough that one forward call takes tens of milliseconds.
    layer = lucid_jit.nn.ConvTranspose1d(256, 256, 16, stride=8, padding=4)
    x = Tensor.randn(4, 256, 256)
    with lucid_jit.no_grad():
        layer(x)  # compile first
    window = {}

    def call():
        with lucid_jit.no_grad():
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
    inside = [t for t in ticks if window["start"] < t < window["end"]]
    # With the GIL held through the calls this thread would not run at all meanwhile.
    assert window["end"] - window["start"] > 0.01
    assert len(inside) > 100
