"""Shared set-up of the Python tests: paths of the repository's examples and benchmarks.

CTest runs these with PYTHONPATH pointing at the build's python/ directory (see
python/CMakeLists.txt); by hand:
    PYTHONPATH=build/python /usr/bin/python3 -m pytest -q tests/python
"""

import os
import pathlib
import sys

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("LUCID_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))
EXAMPLES_DIR = SOURCE_DIR / "examples" / "python"
BENCH_DIR = SOURCE_DIR / "bench" / "python"


@pytest.fixture
def python_env():
    """The environment for child interpreters: this one's, with lucid_jit importable."""
    env = dict(os.environ)
    import lucid_jit
    package_parent = str(pathlib.Path(lucid_jit.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in [package_parent, env.get("PYTHONPATH")] if p)
    return env


@pytest.fixture
def python_executable():
    return sys.executable
