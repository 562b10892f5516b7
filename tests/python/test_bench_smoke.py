"""bench/python/bench_torch_layers.py runs (performance tooling smoke test): a --quick run at 1
and 2 threads writes every figure it promises. No timing is asserted."""

import json
import subprocess

from conftest import BENCH_DIR


def test_bench_quick_run(tmp_path, python_executable, python_env):
    out = tmp_path / "bench.json"
    result = subprocess.run([python_executable, str(BENCH_DIR / "bench_torch_layers.py"), "--quick",
                             "--threads", "1,2", "--json", str(out)],
                            env=python_env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads(out.read_text())
    assert [(r["threads"], r["mode"]) for r in results["stack"]] == [
        (1, "forward"), (1, "forward+backward"), (2, "forward"), (2, "forward+backward")]
    assert all(r["torch_ms"] > 0 and r["lucid_ms"] > 0 for r in results["stack"])
    assert len(results["seed_decoder"]) == 6 and all(r["us"] > 0 for r in results["seed_decoder"])
    assert "| forward+backward | 2 |" in result.stdout
