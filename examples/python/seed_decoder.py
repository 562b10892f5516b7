# The seed page's second example ("Stacked usage in a decoder"), as written there except for
# the import lines. The page prints nothing; the last line, added, shows the shapes.
# Run: PYTHONPATH=build/python /usr/bin/python3 examples/python/seed_decoder.py
from lucid_jit import Tensor
import lucid_jit.nn as nn


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.deconv1 = nn.ConvTranspose1d(4, 2, kernel_size=3, stride=2, padding=1, output_padding=1)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.deconv1(x)
        x = self.relu(x)
        return x


model = Decoder()
z = Tensor.randn(1, 4, 5, requires_grad=True)
output = model(z)
output.backward()

print(z.shape, "->", output.shape)  # added: (1, 4, 5) -> (1, 2, 10)
