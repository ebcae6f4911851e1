"""Full-batch optimizers: gradient descent and the position-wise optimizer, as schedules.

An optimizer is a *schedule*: the layer sets that one epoch updates, in order.
Each entry is a *sub-step*: ask the batch for the loss ``E`` of the current
output, hand it to ``observe`` (which may stop runs before the update), then
update the last ``depth`` layers. Layers are counted from the input, ``1 ... L``.

* Gradient descent (the paper's Algorithm 1): one sub-step updating all L layers.
* Position-wise (Algorithm 2): L sub-steps; sub-step ``k`` updates the last
  ``k`` layers, so per epoch layer ``l`` is updated ``l`` times.

Algorithm 2 is read two ways (design.md open question 4); they differ only in
what is recomputed between sub-steps:

``"prose"``
    After updating the last ``k`` layers, forward again through them, so every
    sub-step back-propagates from an up-to-date output. Only the layers whose
    input changed are recomputed. The last sub-step equals a GD step.
``"printed"``
    The listing as printed: inside the top-down loop each layer, once updated,
    recomputes its own output ``X(l+1) = phi(W(l) X(l))`` but the layers above
    it are not recomputed, so the next sub-step starts from a stale output.

An optimizer object also carries one run's learning rate and per-layer
multipliers, and its update rule (:mod:`pwcore.rules`: plain, heavy-ball
momentum or Adam; each schedule applies the rule to every layer it updates);
the runs of a stack share the schedule and the rule, and each has its own rates.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .checks import is_number
from .rules import RULES, Plain, make_rule

# observe(losses of shape (R,), sub-step) -> True while some run of the stack goes on
Observe = Callable[[np.ndarray, int], bool]
ALGORITHM2_READINGS = ("prose", "printed")


def _check_learning_rate(learning_rate) -> float:
    if not is_number(learning_rate):
        raise ValueError(f"learning rate must be a number, got {learning_rate!r}")
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning rate must be a positive finite number, got {learning_rate!r}")
    return float(learning_rate)


class LayerwiseOptimizer:
    """Sub-step ``k`` of an epoch back-propagates through the last ``depths(L)[k]`` layers and updates them.

    Parameters
    ----------
    learning_rate : float
        Step size ``eta`` (> 0).
    layer_multipliers : sequence of float, optional
        Per-layer factors on the learning rate, input layer first (default all 1).
    rule : pwcore.rules.Plain, optional
        How each updated layer's gradient becomes its step (default :class:`~pwcore.rules.Plain`).
    """

    name = "layerwise"
    algorithm2 = "prose"

    def __init__(self, learning_rate: float, layer_multipliers=None, rule=None):
        self.learning_rate = _check_learning_rate(learning_rate)
        self.layer_multipliers = None if layer_multipliers is None else [
            _check_learning_rate(f) for f in layer_multipliers]
        self.rule = Plain() if rule is None else rule
        if self.rule.name != "plain":
            self.name = optimizer_name(type(self).name, self.rule.name)  # "momentum", "pw-adam", ...

    def depths(self, n_layers: int) -> list:
        """How many of the last layers each sub-step updates."""
        raise NotImplementedError

    def rates(self, n_layers: int) -> list:
        """This run's learning rate of each layer, input layer first (Python floats)."""
        if self.layer_multipliers is None:
            return [self.learning_rate] * n_layers
        if len(self.layer_multipliers) != n_layers:
            raise ValueError(f"{len(self.layer_multipliers)} layer multipliers given for a {n_layers}-layer network")
        return [self.learning_rate * f for f in self.layer_multipliers]


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
    algorithm2 = "printed"


def run_epoch(stack, optimizer: LayerwiseOptimizer, observe: Observe) -> bool:
    """One epoch of every run in ``stack``: the whole schedule, read in one place.

    Parameters
    ----------
    stack
        Holds ``net`` (the runs' :class:`~pwcore.network.Network`), ``batch``
        (their :class:`~pwcore.batch.Batch`), ``loss`` and ``rates`` of shape
        ``(R, L)``, and ``update`` (the rule's, see :meth:`pwcore.batch.Batch.step`;
        the plain step is a rule too); ``observe`` may narrow them to the runs that go on.
    optimizer : LayerwiseOptimizer
        The schedule (its own rates are not used here: each run's are in ``stack.rates``).

    Returns
    -------
    bool
        False once no run is left.
    """
    printed = optimizer.algorithm2 == "printed"
    if printed:
        stack.batch.invalidate()  # listing lines 1-3: a full forward pass at the start of each epoch
    for substep, depth in enumerate(optimizer.depths(stack.net.n_layers), start=1):
        if not observe(stack.batch.losses(stack.net, stack.loss), substep):
            return False
        step = stack.batch.step_printed if printed else stack.batch.step
        step(stack.net, depth, stack.rates, stack.update)
    return True


SCHEDULES = {"gd": GradientDescent, "pw": PositionWise}


def optimizer_name(schedule: str, rule: str) -> str:
    """The name of GD's or PW's schedule with an update rule: ``"gd"``, ``"pw"``, ``"momentum"``, ``"pw-adam"``..."""
    return schedule if rule == "plain" else rule if schedule == "gd" else f"{schedule}-{rule}"


# Every optimizer a run may name, and what it is: (schedule, update rule).
OPTIMIZERS = {optimizer_name(schedule, rule): (schedule, rule) for rule in RULES for schedule in SCHEDULES}
NAMES = tuple(OPTIMIZERS)


def make_optimizer(name: str, learning_rate: float, algorithm2: str = "prose", layer_multipliers=None,
                   **rule_options):
    """Build an optimizer by name: ``"gd"``, ``"pw"`` (with ``algorithm2`` "prose" or "printed"), or a rule
    in GD or PW form: ``"momentum"``, ``"pw-momentum"``, ``"adam"``, ``"pw-adam"`` (``rule_options``: its
    hyperparameters, see :mod:`pwcore.rules`)."""
    if algorithm2 not in ALGORITHM2_READINGS:
        raise ValueError(f"unknown Algorithm 2 reading {algorithm2!r}: choose one of {ALGORITHM2_READINGS}")
    if name not in OPTIMIZERS:
        printed = " (PW's printed reading: name 'pw' with algorithm2='printed')" if name == "pw-printed" else ""
        raise ValueError(f"unknown optimizer {name!r}: choose one of {NAMES}{printed}")
    schedule, rule = OPTIMIZERS[name]
    kind = PositionWisePrinted if schedule == "pw" and algorithm2 == "printed" else SCHEDULES[schedule]
    return kind(learning_rate, layer_multipliers, make_rule(rule, **rule_options))
