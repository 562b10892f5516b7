"""Tensor's repr in Lucid's style: ``Tensor([[[1.0, 2.5]]], requires_grad=True)``.

Values are written as Python lists with each float32 or float64 at its shortest round-trip
spelling; large tensors are summarised with ``...`` as numpy does. ``requires_grad=True`` is
shown on leaves that require grad (parameters, inputs), as in the Lucid documentation.
"""

import numpy as np


def _format_value(value):
    return str(value)  # numpy scalars print their shortest round-trip form: 2.5, 0.1


def tensor_repr(tensor):
    body = np.array2string(tensor.numpy(), separator=", ", prefix="Tensor(",
                           formatter={"float_kind": _format_value})
    if tensor.requires_grad and tensor.is_leaf:
        return f"Tensor({body}, requires_grad=True)"
    return f"Tensor({body})"


def install(tensor_class):
    tensor_class.__repr__ = tensor_repr
    tensor_class.__str__ = tensor_repr
