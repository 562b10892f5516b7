"""The seed page's two examples, run as scripts exactly as shipped in examples/python, print
the right numbers (correctness); the decoder's gradients are checked against numpy."""

import runpy
import subprocess

import numpy as np

from conftest import EXAMPLES_DIR


def run_script(name, python_executable, python_env):
    result = subprocess.run([python_executable, str(EXAMPLES_DIR / name)], env=python_env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_basic_example_prints_the_right_numbers(python_executable, python_env):
    lines = run_script("seed_basic.py", python_executable, python_env)
    assert lines == [
        "Tensor([[[1.0, 0.5]]], requires_grad=True)",
        "Tensor([[[1.0, 2.5, 4.0, 1.5]]])",
        "Tensor([[[1.5, 1.5, 1.5]]])",
        "Tensor([[[6.0, 6.0]]])",
    ]


def test_decoder_example_prints_the_shapes(python_executable, python_env):
    lines = run_script("seed_decoder.py", python_executable, python_env)
    assert lines == ["(1, 4, 5) -> (1, 2, 10)"]


def reference_forward(x, w, b, stride, padding, output_padding):
    """y[n, co, l*s - p + k] += x[n, ci, l] * w[ci, co, k], plain loops (groups 1, dilation 1)."""
    n, cin, length = x.shape
    _, cout, kernel = w.shape
    out_length = (length - 1) * stride - 2 * padding + kernel + output_padding
    y = np.zeros((n, cout, out_length)) + b[None, :, None]
    for l in range(length):
        for k in range(kernel):
            t = l * stride - padding + k
            if 0 <= t < out_length:
                y[:, :, t] += x[:, :, l] @ w[:, :, k]
    return y


def test_decoder_example_gradients_match_numpy():
    scope = runpy.run_path(str(EXAMPLES_DIR / "seed_decoder.py"))
    z, output, model = scope["z"], scope["output"], scope["model"]
    layer = model.deconv1
    x, w, b = (t.numpy().astype(np.float64) for t in (z, layer.weight, layer.bias))

    pre = reference_forward(x, w, b, stride=2, padding=1, output_padding=1)
    np.testing.assert_allclose(output.numpy(), np.maximum(pre, 0), rtol=1e-5, atol=1e-6)

    # output.backward() seeds ones; through the ReLU the upstream gradient is the mask.
    mask = (pre > 0).astype(np.float64)
    grad_x = np.zeros_like(x)
    grad_w = np.zeros_like(w)
    for l in range(x.shape[2]):
        for k in range(w.shape[2]):
            t = l * 2 - 1 + k
            if 0 <= t < mask.shape[2]:
                grad_x[:, :, l] += mask[:, :, t] @ w[:, :, k].T
                grad_w[:, :, k] += x[:, :, l].T @ mask[:, :, t]
    np.testing.assert_allclose(z.grad.numpy(), grad_x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.weight.grad.numpy(), grad_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.bias.grad.numpy(), mask.sum(axis=(0, 2)), rtol=1e-5)
    assert [name for name, _ in model.named_parameters()] == ["deconv1.weight", "deconv1.bias"]
