"""lucid_jit.optim: the runtime's optimisers.

SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False) and
Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0), with PyTorch's update
rules; params is any iterable of tensors, e.g. model.parameters(). step() updates each
parameter that has a grad; zero_grad() drops the grads.
"""

from ._core import SGD, Adam, Optimizer

__all__ = ["Adam", "Optimizer", "SGD"]
