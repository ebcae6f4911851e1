"""Full-batch optimizers: gradient descent and the position-wise optimizer.

An epoch is a sequence of *sub-steps*. Each sub-step evaluates the loss ``E``
of the current output, hands it to ``observe`` (which may stop the run before
the update), then updates some layers. Layers are counted from the input,
``1 ... L``.

* Gradient descent (the paper's Algorithm 1): one sub-step updating all L layers.
* Position-wise (Algorithm 2): L sub-steps; sub-step ``k`` updates the last
  ``k`` layers, so per epoch layer ``l`` is updated ``l`` times.

Algorithm 2 is read two ways (design.md open question 4):

``"prose"``
    After updating the last ``k`` layers, forward again through them, so every
    sub-step back-propagates from an up-to-date output. Only the layers whose
    input changed are recomputed. The last sub-step equals a GD step.
``"printed"``
    The listing as printed: inside the top-down loop each layer, once updated,
    recomputes its own output ``X(l+1) = phi(W(l) X(l))`` but the layers above
    it are not recomputed, so the next sub-step starts from a stale output.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .accounting import Tally
from .batch import Batch
from .network import Network

Observe = Callable[[float, int], bool]
READINGS = ("prose", "printed")


def _check_learning_rate(learning_rate) -> float:
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float, np.floating, np.integer)):
        raise ValueError(f"learning rate must be a number, got {learning_rate!r}")
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning rate must be a positive finite number, got {learning_rate!r}")
    return float(learning_rate)


class LayerwiseOptimizer:
    """Sub-step ``k`` of an epoch back-propagates through the last ``depths[k]`` layers and updates them.

    Activations are reused: after a sub-step updates layers ``lowest ... L``,
    the next forward pass starts at ``lowest`` (the "prose" reading).

    Parameters
    ----------
    learning_rate : float
        Step size ``eta`` (> 0).
    layer_multipliers : sequence of float, optional
        Per-layer factors on the learning rate, input layer first (default all 1).
    """

    name = "layerwise"

    def __init__(self, learning_rate: float, layer_multipliers=None):
        self.learning_rate = _check_learning_rate(learning_rate)
        self.layer_multipliers = None if layer_multipliers is None else [
            _check_learning_rate(f) for f in layer_multipliers]

    def depths(self, n_layers: int) -> list:
        """How many of the last layers each sub-step updates."""
        raise NotImplementedError

    def _rate(self, net: Network, l: int) -> float:
        if self.layer_multipliers is None:
            return self.learning_rate
        if len(self.layer_multipliers) != net.n_layers:
            raise ValueError(f"{len(self.layer_multipliers)} layer multipliers given for a {net.n_layers}-layer network")
        return self.learning_rate * self.layer_multipliers[l - 1]

    def run_epoch(self, net: Network, batch: Batch, loss, tally: Tally, observe: Observe) -> bool:
        """Run one epoch; return True if ``observe`` stopped it."""
        top = net.n_layers
        for substep, depth in enumerate(self.depths(top), start=1):
            tally.add_forward(net, batch.stale_from, batch.m)
            value = batch.forward_and_evaluate(net, loss)
            if observe(value, substep):
                return True
            lowest = top - depth + 1
            for l, (dW, db) in batch.backward(net, depth).items():
                net.update_layer(l, dW, db, self._rate(net, l))
            tally.add_backprop(net, lowest, batch.m)
            tally.record_substep(range(lowest, top + 1))
            batch.stale_from = lowest
        return False

    def describe(self) -> str:
        return f"{self.name} (learning rate {self.learning_rate:g})"


class GradientDescent(LayerwiseOptimizer):
    """Full-batch gradient descent: one sub-step per epoch updating every layer (Algorithm 1)."""

    name = "gd"

    def depths(self, n_layers: int) -> list:
        return [n_layers]


class PositionWise(LayerwiseOptimizer):
    """The position-wise optimizer, "prose" reading: sub-step k updates the last k layers."""

    name = "pw"

    def depths(self, n_layers: int) -> list:
        return list(range(1, n_layers + 1))


class PositionWisePrinted(PositionWise):
    """The position-wise optimizer as its listing is printed (stale activations above each update)."""

    name = "pw-printed"

    def run_epoch(self, net: Network, batch: Batch, loss, tally: Tally, observe: Observe) -> bool:
        top = net.n_layers
        tally.add_forward(net, batch.stale_from, batch.m)
        batch.forward(net)  # listing lines 1-3
        for substep, depth in enumerate(self.depths(top), start=1):
            value = batch.evaluate(loss)  # "Compute E" on whatever the output holds now
            if observe(value, substep):
                batch.stale_from = 1
                return True
            lowest = top - depth + 1
            for l in range(top, lowest - 1, -1):
                dW, db = batch.backprop_layer(net, l, need_dA_prev=l > lowest)
                net.update_layer(l, dW, db, self._rate(net, l))
                batch.forward_layer(net, l)  # listing lines 15-16: this layer's output only
            tally.add_backprop(net, lowest, batch.m)
            tally.add_forward(net, lowest, batch.m)
            tally.record_substep(range(lowest, top + 1))
        batch.stale_from = 1  # the next epoch starts with a full forward pass (lines 1-3)
        return False


OPTIMIZERS = {"gd": GradientDescent, "pw": PositionWise, "pw-printed": PositionWisePrinted}


def make_optimizer(name: str, learning_rate: float, reading: str = "prose", layer_multipliers=None):
    """Build an optimizer: ``"gd"`` or ``"pw"`` (with ``reading`` "prose" or "printed")."""
    if reading not in READINGS:
        raise ValueError(f"unknown Algorithm 2 reading {reading!r}: choose one of {READINGS}")
    if name == "pw" and reading == "printed":
        name = "pw-printed"
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}: choose 'gd' or 'pw'")
    return OPTIMIZERS[name](learning_rate, layer_multipliers)
