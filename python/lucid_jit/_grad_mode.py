"""no_grad / enable_grad: the runtime's per-thread grad mode as context managers and decorators."""

import functools

from . import _core


class _GradMode:
    enabled = True

    def __enter__(self):
        self._previous = _core.is_grad_enabled()
        _core.set_grad_enabled(self.enabled)
        return self

    def __exit__(self, *exc):
        _core.set_grad_enabled(self._previous)
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with type(self)():
                return function(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Ops inside record no autograd graph (inference, manual updates), as torch.no_grad()."""
    enabled = False


class enable_grad(_GradMode):
    """Turns recording back on inside a no_grad block."""
    enabled = True


def is_grad_enabled():
    """Whether ops on this thread record autograd graphs."""
    return _core.is_grad_enabled()
