"""DistributedDataParallel over gloo (correctness): examples/python/ddp_decoder.py, run as
shipped with 2 processes on 127.0.0.1, computes after its first step the same gradients (to
1e-5) as one process computing the step over the whole global batch."""

import subprocess
import sys

import torch
import torch.nn.functional as F

from conftest import EXAMPLES_DIR


def test_ddp_gradients_equal_single_process_gradients(tmp_path, python_executable, python_env):
    result = subprocess.run(
        [python_executable, str(EXAMPLES_DIR / "ddp_decoder.py"), "--steps", "3",
         "--world-size", "2", "--batch-size", "8", "--dump-grads", str(tmp_path)],
        env=python_env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "step   0  loss" in result.stdout

    sys.path.insert(0, str(EXAMPLES_DIR))
    try:
        import ddp_decoder
    finally:
        sys.path.remove(str(EXAMPLES_DIR))
    model = ddp_decoder.make_model()
    z, target = ddp_decoder.make_batch(0, 8)
    F.mse_loss(model(z), target).backward()
    expected = {name: p.grad for name, p in model.named_parameters()}

    for rank in range(2):
        grads = torch.load(tmp_path / f"grads-rank{rank}.pt")
        assert grads.keys() == expected.keys()
        for name, grad in grads.items():
            torch.testing.assert_close(grad, expected[name], rtol=1e-5, atol=1e-5,
                                       msg=f"rank {rank}: {name}")
            assert grad.abs().max() > 1e-4  # a real gradient, not zeros on both sides
