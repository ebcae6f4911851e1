"""The same epoch as pwcore's, written in PyTorch (CPU), for the speed benchmarks.

The network (all ``R`` runs of a stack), full batch, dtype and initial weights
are pwcore's; the samples are rows here (PyTorch's own layout, ``X.T`` copied
once). The runs are stacked as pwcore stacks them: the first layer of all runs
is one product with the shared input, the layers above are batched products
(``torch.baddbmm``) with a leading run axis. Each layer keeps its own autograd
graph from its input, so a position-wise sub-step recomputes and
back-propagates only the layers pwcore does (the "prose" reading), and gradient
descent is the same code with one sub-step of depth L. One network is ``R = 1``.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from pwcore.losses import BinaryCrossEntropy

_PHI = {"relu": torch.relu, "sigmoid": torch.sigmoid, "identity": lambda z: z}


class TorchNetwork:
    """A copy of a dense-output :class:`pwcore.network.Network` of ``R`` runs with an AM-softmax or BCE loss.

    Parameters
    ----------
    net : pwcore.network.Network
        Copied: ``W[l]`` of shape (R, n_l, n_{l-1}) becomes a leaf tensor of that shape.
    loss : pwcore.losses.AdditiveMarginSoftmax or BinaryCrossEntropy
        With one set of parameters or one per run.
    X : ndarray, shape (n_0, m)
    y : ndarray of int, shape (m,)
    """

    def __init__(self, net, loss, X: np.ndarray, y: np.ndarray):
        if net.output_layer != "dense":
            raise ValueError("the PyTorch reference covers the dense output layer only")
        self.R, self.L = net.n_runs, net.n_layers
        self.W = [None] + [torch.tensor(W, requires_grad=True) for W in net.W[1:]]
        self.b = [None] + [torch.tensor(b[..., 0], requires_grad=True) for b in net.b[1:]]  # (R, n_l)
        self.phi = [None] + [_PHI[name] for name in net.activation_names]
        self.binary = isinstance(loss, BinaryCrossEntropy)
        self.y = torch.from_numpy(np.asarray(y, dtype=np.int64))
        if not self.binary:
            # each run's s and s * margin, computed in float64 and rounded once to the dtype, as pwcore does
            s, margin = np.broadcast_to(loss.s, self.R), np.broadcast_to(loss.margin, self.R)
            self.scale = torch.tensor(s.reshape(-1, 1, 1).astype(net.dtype))
            self.shift = torch.tensor((s * margin).reshape(-1, 1, 1).astype(net.dtype)) * \
                F.one_hot(self.y, net.sizes[-1]).to(self.scale.dtype)  # (R, m, K)
        self.inputs = [torch.from_numpy(np.ascontiguousarray(X.T))] + [None] * self.L  # (m, n_0), then (R, m, n_l)
        self.outputs = [None] * (self.L + 1)  # (R, m, n_l), each with the graph of its own layer only
        self.stale_from = 1

    def _layer(self, l: int, A_in: torch.Tensor) -> torch.Tensor:
        if l == 1:  # the shared input: one product for all runs, (m, R n_1) seen as (R, m, n_1)
            W = self.W[1]
            Z = F.linear(A_in, W.reshape(-1, W.shape[2]), self.b[1].reshape(-1))
            Z = Z.view(A_in.shape[0], self.R, W.shape[1]).transpose(0, 1)
        else:
            Z = torch.baddbmm(self.b[l].unsqueeze(1), A_in, self.W[l].transpose(1, 2))
        return self.phi[l](Z)

    def _forward(self):
        for l in range(self.stale_from, self.L + 1):
            A_in = self.inputs[l - 1].requires_grad_(l > 1)
            self.outputs[l] = self._layer(l, A_in)
            if l < self.L:
                self.inputs[l] = self.outputs[l].detach()
        self.stale_from = self.L + 1

    def _losses(self, A: torch.Tensor) -> torch.Tensor:
        """Each run's mean loss over the samples, shape (R,)."""
        if self.binary:
            target = self.y.to(A.dtype).expand(self.R, -1)
            return F.binary_cross_entropy(A[..., 0], target, reduction="none").mean(1)
        K = A.shape[2]
        logits = (self.scale * A - self.shift).reshape(-1, K)
        return F.cross_entropy(logits, self.y.repeat(self.R), reduction="none").view(self.R, -1).mean(1)

    def substep(self, depth: int, rates) -> np.ndarray:
        """Forward the stale layers, then back-propagate through and update the last ``depth``.

        ``rates``: one learning rate for all runs and layers, or an array of shape (R, L).
        Returns each run's loss before the update.
        """
        self._forward()
        A_out = self.outputs[self.L].detach().requires_grad_()
        values = self._losses(A_out)
        (dA,) = torch.autograd.grad(values.sum(), A_out)  # the runs are independent: each gets its own gradient
        lowest = self.L - depth + 1
        for l in range(self.L, lowest - 1, -1):
            wanted = [self.W[l], self.b[l]] + ([self.inputs[l - 1]] if l > lowest else [])
            grads = torch.autograd.grad(self.outputs[l], wanted, dA, retain_graph=True)
            rate = self._rate(rates, l)
            with torch.no_grad():
                self.W[l] -= rate * grads[0]
                self.b[l] -= rate[..., 0] * grads[1] if torch.is_tensor(rate) else rate * grads[1]
            dA = grads[2] if l > lowest else None
        self.stale_from = lowest
        return values.detach().numpy()

    def _rate(self, rates, l: int):
        """Layer ``l``'s rate: a float, or each run's, of shape (R, 1, 1)."""
        if np.ndim(rates) == 0:
            return float(rates)
        return torch.from_numpy(np.ascontiguousarray(np.asarray(rates)[:, l - 1])).view(-1, 1, 1)

    def epoch(self, optimizer: str, rates) -> np.ndarray:
        """One epoch of ``"gd"`` or ``"pw"``; returns each run's loss at its first sub-step."""
        depths = [self.L] if optimizer == "gd" else range(1, self.L + 1)
        return [self.substep(depth, rates) for depth in depths][0]

    def current_losses(self) -> np.ndarray:
        """Each run's loss now, shape (R,)."""
        self._forward()
        with torch.no_grad():
            return self._losses(self.outputs[self.L]).numpy().astype(float)

    def current_loss(self) -> float:
        """The loss of a single network (``R = 1``)."""
        return float(self.current_losses()[0])
