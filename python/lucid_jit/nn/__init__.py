"""lucid_jit.nn: Lucid's module API (Module, ConvTranspose1d, ReLU, Sequential) over the runtime."""

from . import functional
from .activation import ReLU
from .container import Sequential
from .conv import ConvTranspose1d
from .module import Module, Parameter

__all__ = ["ConvTranspose1d", "Module", "Parameter", "ReLU", "Sequential", "functional"]
