"""What an optimizer spends: layer updates, matrix-product FLOPs, and its update log."""
from __future__ import annotations

import numpy as np


class Tally:
    """Running totals of one training run.

    Attributes
    ----------
    flops : int
        Multiply-add FLOPs of all matrix products so far (element-wise work is not counted).
    updates : ndarray of int, shape (L,)
        ``updates[l - 1]`` is how many times layer ``l`` (counted from the input) was updated.
    log : list of tuple of int
        The layers updated in each sub-step, in order (the data of the paper's Figure 1).
    """

    def __init__(self, n_layers: int):
        self.flops = 0
        self.updates = np.zeros(n_layers, dtype=np.int64)
        self.log = []

    @property
    def layer_updates(self) -> int:
        """Total number of layer updates (a GD epoch of an L-layer net is L)."""
        return int(self.updates.sum())

    def record_substep(self, layers) -> None:
        layers = tuple(sorted(layers))
        self.log.append(layers)
        for l in layers:
            self.updates[l - 1] += 1

    def add_forward(self, net, start: int, m: int) -> None:
        """Count recomputing layers ``start ... L`` for ``m`` samples."""
        self.flops += sum(net.layer_flops(l, m) for l in range(start, net.n_layers + 1))

    def add_backprop(self, net, lowest: int, m: int) -> None:
        """Count the weight gradients of layers ``lowest ... L`` and the input gradients above ``lowest``."""
        top = net.n_layers + 1
        self.flops += sum(net.layer_flops(l, m) for l in range(lowest, top))
        self.flops += sum(net.layer_flops(l, m) for l in range(lowest + 1, top))
