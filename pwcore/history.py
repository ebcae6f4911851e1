"""What a training run produced and when it stops: its :class:`History` (with :class:`HeldOut`, its
held-out accuracy, when it was watched), the :class:`Progress` reported while it trains, and the stopping
predicate (:func:`below_target`) under the two stopping rules."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

STOP_RULES = ("epoch", "evaluation")


@dataclass
class HeldOut:
    """A run's accuracy on held-out data, epoch by epoch, and where it reached each of its targets.

    Attributes
    ----------
    accuracy_target : float or None
        The run stops once its held-out accuracy is at least this (and its loss below its loss target, if
        it has one); None: the accuracy is watched, not a target.
    epoch_accuracy : ndarray, shape (epochs_completed + 1,)
        ``epoch_accuracy[k]``: the held-out accuracy after ``k`` complete epochs (when ``epoch_loss[k]``
        was evaluated); NaN where that loss is not finite (weights that diverged predict nothing).
    loss_hit : tuple of (int, int) or None
        (epoch, sub-step) of the first evaluation below the loss target, 1-based, as ``stopped_at``.
    accuracy_hit : int or None
        Complete epochs after which the accuracy first reached ``accuracy_target``.
    """

    accuracy_target: float | None = None
    epoch_accuracy: np.ndarray = field(default_factory=lambda: np.zeros(0))
    loss_hit: tuple | None = None
    accuracy_hit: int | None = None


@dataclass
class History:
    """Everything one training run produced.

    Each loss evaluation (one per sub-step) is a row of the ``eval_*`` arrays,
    all of shape ``(n_evaluations,)``. ``epoch_loss[k]`` is the loss after ``k``
    complete epochs, shape ``(epochs_completed + 1,)`` when the run ended at an
    epoch boundary.

    Attributes
    ----------
    status : {"target", "max_epochs", "diverged"}
    message : str
        One sentence saying how the run ended.
    epochs : int
        Epochs whose updates ran; an epoch stopped part-way counts as one.
    epochs_completed : int
        Epochs run to their end; an epoch stopped part-way does not count.
        (The two differ only under the "evaluation" stopping rule.)
    stopped_at : tuple of (int, int) or None
        (epoch, sub-step) of the evaluation that ended the run at its target or
        by diverging, 1-based; None when it ran to ``max_epochs``.
    updates_per_layer : ndarray of int, shape (L,)
        Layer ``l`` (from the input) was updated ``updates_per_layer[l-1]`` times.
    update_log : list of tuple of int
        Layers updated by each sub-step, in order.
    seconds : float
        Wall-clock seconds of the run: its share of its stack's time (each
        stretch of the stack's time divided among the runs in it then), so the
        runs' seconds add up to the stack's; a run trained alone has all of it.
    flops : int
        Matrix-product FLOPs of the whole run.
    stack_size : int
        Runs in the stack this run started in (1: trained alone).
    held_out : HeldOut or None
        Its held-out accuracy, when the run was given held-out data (:class:`pwcore.training.Run`).
    """

    optimizer: str
    target: float | None
    stop_rule: str
    status: str = "max_epochs"
    message: str = ""
    epochs: int = 0
    epochs_completed: int = 0
    stopped_at: tuple | None = None
    eval_epoch: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    eval_substep: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    eval_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    eval_seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    eval_flops: np.ndarray = field(default_factory=lambda: np.zeros(0))
    eval_layer_updates: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    epoch_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    updates_per_layer: np.ndarray = field(default_factory=lambda: np.zeros(0, int))
    update_log: list = field(default_factory=list)
    seconds: float = 0.0
    flops: int = 0
    substeps_per_epoch: int = 1
    stack_size: int = 1
    held_out: HeldOut | None = None

    @property
    def epochs_elapsed(self) -> float:
        """Epochs run as a fraction: a run stopped before sub-step ``s`` of epoch ``e`` ran ``e - 1 + (s - 1) / n``."""
        if self.stopped_at is None:
            return float(self.epochs_completed)
        epoch, substep = self.stopped_at
        return fractional_epochs(epoch, substep, self.substeps_per_epoch)

    @property
    def eval_positions(self) -> np.ndarray:
        """Each evaluation's position in (fractional) epochs, shape ``(n_evaluations,)``."""
        return fractional_epochs(self.eval_epoch, self.eval_substep, self.substeps_per_epoch)

    def epochs_to_loss_target(self) -> float:
        """Fractional epochs (:attr:`epochs_elapsed`'s convention) to the first loss below the target; NaN if
        none was."""
        hit = self.stopped_at if self.held_out is None else self.held_out.loss_hit
        if hit is None or (self.held_out is None and self.status != "target"):
            return math.nan
        return fractional_epochs(*hit, self.substeps_per_epoch)

    def epochs_to_accuracy_target(self) -> float:
        """Complete epochs after which the held-out accuracy first reached its target; NaN if it did not."""
        if self.held_out is None or self.held_out.accuracy_hit is None:
            return math.nan
        return float(self.held_out.accuracy_hit)

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"

    @property
    def final_loss(self) -> float:
        return float(self.eval_loss[-1]) if self.eval_loss.size else math.nan

    def summary(self) -> dict:
        """The headline numbers as plain Python values."""
        return {
            "optimizer": self.optimizer, "status": self.status, "epochs": self.epochs,
            "epochs_completed": self.epochs_completed,
            "seconds": self.seconds, "final_loss": self.final_loss, "flops": self.flops,
            "updates_per_layer": self.updates_per_layer.tolist(), "message": self.message,
        }


@dataclass(frozen=True)
class Progress:
    """Where one run stands after an epoch of its stack: what :func:`train_runs` hands its ``report`` callback.

    Attributes
    ----------
    index : int
        The run's position in the runs given to :func:`train_runs`.
    optimizer : str
        The run's optimizer (its ``name``).
    status : {"target", "max_epochs", "diverged"} or None
        How the run ended; None while it trains.
    epochs_completed : int
        Epochs run to their end (see :attr:`History.epochs_completed`).
    last_loss : float
        The latest loss evaluated (nan before the first).
    updates_per_layer : tuple of int
        Layer ``l`` (from the input) was updated ``updates_per_layer[l-1]`` times so far.
    """

    index: int
    optimizer: str
    status: str | None
    epochs_completed: int
    last_loss: float
    updates_per_layer: tuple


def fractional_epochs(epoch, substep, substeps_per_epoch: int):
    """Epochs run before sub-step ``substep`` of epoch ``epoch`` (both 1-based): ``epoch - 1 + (substep - 1) / n``."""
    return epoch - 1 + (substep - 1) / substeps_per_epoch


def below_target(loss, target, stop_rule: str, substep):
    """The stopping predicate: is ``loss`` a hit on ``target`` under ``stop_rule`` at this sub-step?

    ``"evaluation"`` checks every loss evaluation; ``"epoch"`` only the first of
    each epoch (the loss after the previous epoch's updates). Works element-wise
    on arrays of losses and sub-steps (a History's ``eval_loss`` and ``eval_substep``).
    """
    if target is None:
        return np.zeros(np.shape(loss), bool)
    return (np.asarray(loss) < target) & ((stop_rule == "evaluation") | (np.asarray(substep) == 1))
