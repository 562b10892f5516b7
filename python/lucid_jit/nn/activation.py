"""nn.ReLU: max(x, 0) as a module."""

from .. import _core
from .module import Module


class ReLU(Module):
    def forward(self, x):
        return _core.relu(x)
