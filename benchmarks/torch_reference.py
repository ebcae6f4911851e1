"""The same epoch as pwcore's, written in PyTorch (CPU), for the speed benchmark.

The network, full batch, dtype and initial weights are pwcore's; the samples
are rows here (PyTorch's own layout, ``X.T`` copied once). Each layer keeps
its own autograd graph from its input, so a position-wise sub-step recomputes
and back-propagates only the layers pwcore does (the "prose" reading), and
gradient descent is the same code with one sub-step of depth L.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

_PHI = {"relu": torch.relu, "sigmoid": torch.sigmoid, "identity": lambda z: z}


class TorchNetwork:
    """A copy of a dense-output :class:`pwcore.network.Network` with an AM-softmax or BCE loss.

    Parameters
    ----------
    net : pwcore.network.Network
        Copied: ``W[l]`` of shape (n_l, n_{l-1}) becomes a leaf tensor of that shape.
    loss : pwcore.losses.AdditiveMarginSoftmax or BinaryCrossEntropy
    X : ndarray, shape (n_0, m)
    y : ndarray of int, shape (m,)
    """

    def __init__(self, net, loss, X: np.ndarray, y: np.ndarray):
        if net.output_layer != "dense":
            raise ValueError("the PyTorch reference covers the dense output layer only")
        self.W = [None] + [torch.tensor(W, requires_grad=True) for W in net.W[1:]]
        self.b = [None] + [torch.tensor(b.ravel(), requires_grad=True) for b in net.b[1:]]
        self.phi = [None] + [_PHI[name] for name in net.activation_names]
        self.L = net.n_layers
        self.loss = loss
        self.y = torch.from_numpy(np.asarray(y, dtype=np.int64))
        self.inputs = [torch.from_numpy(np.ascontiguousarray(X.T))] + [None] * self.L  # (m, n_l), detached
        self.outputs = [None] * (self.L + 1)  # each with the graph of its own layer only
        self.stale_from = 1

    def _forward(self):
        for l in range(self.stale_from, self.L + 1):
            A_in = self.inputs[l - 1].requires_grad_(l > 1)
            self.outputs[l] = self.phi[l](F.linear(A_in, self.W[l], self.b[l]))
            if l < self.L:
                self.inputs[l] = self.outputs[l].detach()
        self.stale_from = self.L + 1

    def _loss(self, A: torch.Tensor) -> torch.Tensor:
        if self.loss.name == "bce":
            return F.binary_cross_entropy(A[:, 0], self.y.to(A.dtype))
        s, margin = self.loss.s, self.loss.margin
        return F.cross_entropy(s * A - (s * margin) * F.one_hot(self.y, A.shape[1]).to(A.dtype), self.y)

    def substep(self, depth: int, learning_rate: float) -> float:
        """Forward the stale layers, then back-propagate through and update the last ``depth``."""
        self._forward()
        A_out = self.outputs[self.L].detach().requires_grad_()
        value = self._loss(A_out)
        (dA,) = torch.autograd.grad(value, A_out)
        lowest = self.L - depth + 1
        for l in range(self.L, lowest - 1, -1):
            wanted = [self.W[l], self.b[l]] + ([self.inputs[l - 1]] if l > lowest else [])
            grads = torch.autograd.grad(self.outputs[l], wanted, dA, retain_graph=True)
            with torch.no_grad():
                self.W[l] -= learning_rate * grads[0]
                self.b[l] -= learning_rate * grads[1]
            dA = grads[2] if l > lowest else None
        self.stale_from = lowest
        return float(value.detach())

    def epoch(self, optimizer: str, learning_rate: float) -> float:
        """One epoch of ``"gd"`` or ``"pw"``; returns the loss of its first sub-step."""
        depths = [self.L] if optimizer == "gd" else range(1, self.L + 1)
        return [self.substep(depth, learning_rate) for depth in depths][0]

    def current_loss(self) -> float:
        self._forward()
        with torch.no_grad():
            return float(self._loss(self.outputs[self.L]))
