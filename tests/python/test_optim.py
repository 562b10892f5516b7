"""lucid_jit.optim: SGD and Adam follow torch.optim's updates, and a training loop over
nn.ConvTranspose1d lowers the loss."""

import numpy as np
import torch

import lucid_jit
import lucid_jit.nn as nn
import lucid_jit.nn.functional as F
from lucid_jit import Tensor, optim


def run_steps(lucid_optimizer, torch_optimizer, steps=3):
    """Same gradients on both sides each step (grad = 2 * p, i.e. d/dp sum(p^2))."""
    values = np.array([0.5, -1.0, 2.0])
    p = Tensor(values.copy(), requires_grad=True)
    q = torch.tensor(values.copy(), requires_grad=True)
    lucid = lucid_optimizer([p])
    reference = torch_optimizer([q])
    for _ in range(steps):
        lucid.zero_grad()
        (p * p).sum().backward()
        lucid.step()
        reference.zero_grad()
        (q * q).sum().backward()
        reference.step()
    return p.numpy(), q.detach().numpy()


def test_sgd_with_momentum_matches_torch():
    ours, theirs = run_steps(lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
                             lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9,
                                                        weight_decay=0.01))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_adam_matches_torch():
    ours, theirs = run_steps(lambda ps: optim.Adam(ps, lr=0.05, betas=(0.8, 0.99)),
                             lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_training_a_decoder_lowers_the_loss():
    lucid_jit.manual_seed(3)
    model = nn.Sequential(nn.ConvTranspose1d(4, 8, 4, stride=2, padding=1), nn.ReLU(),
                          nn.ConvTranspose1d(8, 2, 3, padding="same"))
    z = Tensor.randn(8, 4, 16)
    target = Tensor.randn(8, 2, 32)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(60):
        optimizer.zero_grad()
        loss = F.mse_loss(model(z), target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]
