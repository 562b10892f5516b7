"""nn.Module for Python subclasses: attributes that are modules, or leaf tensors that require
grad, are registered, so parameters(), zero_grad(), train()/eval() and the repr walk them, as in
Lucid and PyTorch. __call__ runs forward."""

from .._core import Tensor


def Parameter(data, dtype=None):
    """A leaf tensor that requires grad: what Module registers as a parameter."""
    return Tensor(data, requires_grad=True, dtype=dtype)


def _is_parameter(value):
    return isinstance(value, Tensor) and value.requires_grad and value.is_leaf


class Module:
    """Base class of layers and models. Subclasses call super().__init__() and define forward."""

    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call "
                f"(call super().__init__() first in {type(self).__name__}.__init__)")
        if isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)  # e.g. ConvTranspose1d.weight
            return
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Module):
            self._modules[name] = value
        elif _is_parameter(value):
            self._parameters[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # Parameters and children.

    def _own_parameters(self):
        """(name, tensor) of this module's own parameters; layers backed by C++ override it."""
        return list(self._parameters.items())

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, tensor) pairs, depth first in registration order, each tensor once."""
        seen = set()  # by tensor, not Python object: a C++-backed attribute is a new object each read
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, tensor in module._own_parameters():
                if tensor._identity in seen:
                    continue
                seen.add(tensor._identity)
                yield (f"{module_prefix}.{name}" if module_prefix else name), tensor

    def parameters(self, recurse=True):
        """The parameters (tensors that require grad), each once."""
        for _, tensor in self.named_parameters(recurse=recurse):
            yield tensor

    def named_children(self):
        return iter(list(self._modules.items()))

    def children(self):
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix=""):
        """This module and every descendant, with dotted names ("" for this one)."""
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def zero_grad(self):
        """Drops every parameter's gradient (grad becomes None, PyTorch's set_to_none)."""
        for tensor in self.parameters():
            tensor.zero_grad()

    def train(self, mode=True):
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        return self.train(False)

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = []
        for name, child in self._modules.items():
            child_lines = repr(child).split("\n")
            lines.append(f"  ({name}): " + "\n  ".join(child_lines))
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n" + "\n".join(lines) + "\n)"
