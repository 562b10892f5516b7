"""nn.Sequential: runs its modules in order; their parameters are named "0.weight", "1.bias", ..."""

from collections import OrderedDict

from .module import Module


class Sequential(Module):
    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                setattr(self, name, module)
        else:
            for index, module in enumerate(modules):
                setattr(self, str(index), module)
        for name, module in self._modules.items():
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: item {name} is not a Module: {module!r}")

    def append(self, module):
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.append: not a Module: {module!r}")
        setattr(self, str(len(self._modules)), module)
        return self

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, index):
        return list(self._modules.values())[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(list(self._modules.values()))
