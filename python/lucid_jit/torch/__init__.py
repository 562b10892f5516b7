"""lucid_jit.torch: a drop-in for torch.nn.ConvTranspose1d that runs lucid-jit's kernels.

* ``ConvTranspose1d``: a ``torch.nn.ConvTranspose1d`` subclass with torch's constructor,
  parameter names, shapes, dtypes and initialisation (load_state_dict works both ways), plus
  ``padding=(left, right)``, ``"valid"`` and ``"same"`` (output exactly ``L * stride``).
* ``conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)``:
  torch.nn.functional's argument order.

Both run a ``torch.autograd.Function`` whose forward and backward call the JIT kernels on the
tensors' own memory (the GIL released, the work split over lucid's thread pool,
``LUCID_NUM_THREADS``). Tensors must be dense CPU float32 or float64; a non-contiguous one is
copied to a contiguous one first (``.contiguous()``), which is the only copy made. Errors:
``ArgumentError`` (a ``ValueError``) for a bad argument or shape, ``DTypeError`` (a
``TypeError``) for a dtype, device or layout the kernels do not take; both are also
``RuntimeError``s, so code written against torch's own errors still catches them.
"""

from .errors import ArgumentError, DTypeError
from .functional import conv_transpose1d
from .modules import ConvTranspose1d

__all__ = ["ArgumentError", "ConvTranspose1d", "DTypeError", "conv_transpose1d"]
