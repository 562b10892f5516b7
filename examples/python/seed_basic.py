# The seed page's first example ("Basic usage of ConvTranspose1d"), as written there, with two
# changes: the import lines, and the weight set by hand to the page's example weights
# [[[1.0, 0.5]]] (the page prints them as if drawn at random).
# Run: PYTHONPATH=build/python /usr/bin/python3 examples/python/seed_basic.py
from lucid_jit import Tensor
import lucid_jit.nn as nn

x = Tensor([[[1.0, 2.0, 3.0]]], requires_grad=True)  # Shape: (1, 1, 3)
deconv1d = nn.ConvTranspose1d(in_channels=1, out_channels=1, kernel_size=2, stride=1, bias=False)
deconv1d.weight = Tensor([[[1.0, 0.5]]], requires_grad=True)  # set by hand (see above)
print(deconv1d.weight)
y = deconv1d(x)
print(y)  # Tensor([[[1.0, 2.5, 4.0, 1.5]]]): the page's 3.5 is a misprint, 2*0.5 + 3*1 = 4

# Backward pass
y.backward()
print(x.grad)  # Tensor([[[1.5, 1.5, 1.5]]]): each x feeds both taps, 1.0 + 0.5
print(deconv1d.weight.grad)  # Tensor([[[6.0, 6.0]]]): each tap sees 1 + 2 + 3
