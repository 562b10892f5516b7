"""lucid_jit: PyTorch-style ConvTranspose1d layers compiled to machine code at run time.

Two faces over one C++ runtime (docs/semantics.md section 9):

* Lucid's spelling: ``from lucid_jit import Tensor``, ``import lucid_jit.nn as nn``,
  ``lucid_jit.optim``, ``lucid_jit.nn.functional.conv_transpose1d``.
* PyTorch's: ``import lucid_jit.torch`` gives ``ConvTranspose1d`` (a ``torch.nn.Module``,
  state_dict-compatible with ``torch.nn.ConvTranspose1d``) and ``conv_transpose1d``. It is not
  imported here, so ``import lucid_jit`` does not import torch.

Errors of the runtime arrive as ``ValueError`` (a bad argument, shape or dtype) carrying the
C++ message, or ``RuntimeError`` for an internal error.
"""

from . import _core  # noqa: F401  (lucid_jit._core: the extension, for lucid_jit.torch and tools)
from ._core import (
    ConvSpec,
    DType,
    Tensor,
    float32,
    float64,
    get_num_threads,
    jit_stats,
    manual_seed,
    set_num_threads,
    wait_for_background,
)
from ._grad_mode import enable_grad, is_grad_enabled, no_grad
from ._tensor_repr import install as _install_repr

_install_repr(Tensor)

from . import nn, optim  # noqa: E402  (nn needs Tensor's repr installed first)


def randn(*shape, requires_grad=False, dtype=None):
    """Standard normal samples of `shape` (Tensor.randn)."""
    return Tensor.randn(*shape, requires_grad=requires_grad, dtype=dtype)


def zeros(*shape, requires_grad=False, dtype=None):
    """A tensor of zeros (Tensor.zeros)."""
    return Tensor.zeros(*shape, requires_grad=requires_grad, dtype=dtype)


def ones(*shape, requires_grad=False, dtype=None):
    """A tensor of ones (Tensor.ones)."""
    return Tensor.ones(*shape, requires_grad=requires_grad, dtype=dtype)


def tensor(data, requires_grad=False, dtype=None):
    """Tensor(data, ...): nested lists become float32; arrays keep float32/float64."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


__all__ = [
    "ConvSpec", "DType", "Tensor", "enable_grad", "float32", "float64", "get_num_threads",
    "is_grad_enabled", "jit_stats", "manual_seed", "nn", "no_grad", "ones", "optim", "randn",
    "set_num_threads", "tensor", "wait_for_background", "zeros",
]
