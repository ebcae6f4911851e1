"""Training loops with a stopping rule, divergence detection and accounting."""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .accounting import Tally
from .batch import Batch
from .network import Network

STOP_RULES = ("epoch", "evaluation")


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
        (epoch, sub-step) of the evaluation that ended the run, 1-based.
    updates_per_layer : ndarray of int, shape (L,)
        Layer ``l`` (from the input) was updated ``updates_per_layer[l-1]`` times.
    update_log : list of tuple of int
        Layers updated by each sub-step, in order.
    seconds, flops : float, int
        Wall-clock time and matrix-product FLOPs of the whole run.
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

    @property
    def epochs_elapsed(self) -> float:
        """Epochs run as a fraction: a run stopped before sub-step ``s`` of epoch ``e`` ran ``e - 1 + (s - 1) / n``."""
        if self.stopped_at is None:
            return float(self.epochs_completed)
        epoch, substep = self.stopped_at
        return epoch - 1 + (substep - 1) / self.substeps_per_epoch

    @property
    def reached_target(self) -> bool:
        return self.status == "target"

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


def _check_train_arguments(target, max_epochs, stop_rule):
    if stop_rule not in STOP_RULES:
        raise ValueError(f"unknown stopping rule {stop_rule!r}: choose 'epoch' (check the loss once per epoch) "
                         "or 'evaluation' (check every loss evaluation, i.e. before every sub-step)")
    if isinstance(max_epochs, bool) or not isinstance(max_epochs, (int, np.integer)) or max_epochs < 1:
        raise ValueError(f"max_epochs must be a positive integer, got {max_epochs!r}")
    if target is not None and (isinstance(target, bool) or not isinstance(target, (int, float, np.number))
                               or not np.isfinite(target)):
        raise ValueError(f"target must be a finite number or None, got {target!r}")


def _check_finite(X: np.ndarray, y) -> None:
    if not np.isfinite(X).all():
        bad = int(np.count_nonzero(~np.isfinite(X)))
        raise ValueError(f"X holds {bad} NaN or infinite values: clean or impute the inputs before training")
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels y must be integers (class indices), got dtype {y.dtype}")


class _Recorder:
    """Collects evaluations and decides when to stop; the ``observe`` of the optimizers."""

    def __init__(self, history: History, tally: Tally, target, stop_rule, start_time):
        self.h, self.tally, self.target, self.stop_rule = history, tally, target, stop_rule
        self.start_time, self.epoch, self.rows, self.epoch_loss = start_time, 0, [], []

    def __call__(self, value: float, substep: int) -> bool:
        elapsed = time.perf_counter() - self.start_time
        self.rows.append((self.epoch, substep, value, elapsed, self.tally.flops, self.tally.layer_updates))
        if substep == 1:
            self.epoch_loss.append(value)
        epochs_run = self.epoch - 1 if substep == 1 else self.epoch
        where = f"epoch {self.epoch}" + ("" if substep == 1 else f", sub-step {substep}")
        if not math.isfinite(value):
            return self._stop("diverged", epochs_run, substep,
                              f"diverged at {where}: the loss is {value}; lower the learning rate")
        checked = self.stop_rule == "evaluation" or substep == 1
        if self.target is not None and checked and value < self.target:
            return self._stop("target", epochs_run, substep,
                              f"reached loss {value:.6g} < {self.target:g} at {where} "
                              f"({self.epoch - 1} epochs completed)")
        return False

    def _stop(self, status, epochs_run, substep, message) -> bool:
        self.h.status, self.h.epochs, self.h.message = status, epochs_run, message
        self.h.epochs_completed = self.epoch - 1
        self.h.stopped_at = (self.epoch, substep)
        return True

    def finish(self, seconds: float) -> History:
        h = self.h
        columns = list(zip(*self.rows)) if self.rows else [()] * 6
        h.eval_epoch, h.eval_substep = np.array(columns[0], int), np.array(columns[1], int)
        h.eval_loss, h.eval_seconds = np.array(columns[2], float), np.array(columns[3], float)
        h.eval_flops, h.eval_layer_updates = np.array(columns[4], float), np.array(columns[5], int)
        h.epoch_loss = np.array(self.epoch_loss, float)
        h.updates_per_layer, h.update_log = self.tally.updates.copy(), list(self.tally.log)
        h.seconds, h.flops = seconds, self.tally.flops
        return h


def train(net: Network, X: np.ndarray, y: np.ndarray, loss, optimizer, target=None,
          max_epochs: int = 1000, stop_rule: str = "epoch", progress=False, n_parts: int | None = None) -> History:
    """Train ``net`` in place, full batch, until the loss falls below ``target`` or ``max_epochs`` pass.

    Parameters
    ----------
    net : Network
        Updated in place; pass ``net.copy()`` to keep the initial weights.
    X : ndarray, shape (n_0, m)
        Inputs, one sample per column, of the network's dtype.
    y : ndarray of int, shape (m,)
        Class labels.
    loss : callable
        ``loss(A, y) -> (E, dE/dA)``, see :mod:`pwcore.losses`.
    optimizer : LayerwiseOptimizer
        See :mod:`pwcore.optimizers`.
    target : float, optional
        Stop once the loss is below this value (strictly).
    max_epochs : int
        Upper bound on epochs; the loss after the last epoch is evaluated too.
    stop_rule : {"epoch", "evaluation"}
        Compare the loss with ``target`` once per epoch (at its start, i.e. after
        the previous epoch's updates) or at every evaluation (before every sub-step).
        A run stopped part-way through an epoch counts that epoch.
    progress : bool
        Show a progress bar (on standard error) with the current loss.
    n_parts : int, optional
        Column parts of the batch computed in parallel threads (see :mod:`pwcore.batch`);
        default one per core for large batches, 1 (exact, unsplit) for small ones.

    Returns
    -------
    History
        A non-finite loss ends the run with ``status == "diverged"``; it does not raise.
    """
    _check_train_arguments(target, max_epochs, stop_rule)
    batch = Batch(net, X, y, n_parts)
    _check_finite(X, y)
    tally = Tally(net.n_layers)
    history = History(optimizer.name, None if target is None else float(target), stop_rule,
                      substeps_per_epoch=len(optimizer.depths(net.n_layers)))
    start = time.perf_counter()
    recorder = _Recorder(history, tally, target, stop_rule, start)
    bar = _progress_bar(max_epochs, optimizer.name) if progress else None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # divergence is reported, not warned
        stopped = False
        for epoch in range(1, max_epochs + 1):
            recorder.epoch = epoch
            stopped = optimizer.run_epoch(net, batch, loss, tally, recorder)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{recorder.rows[-1][2]:.5g}", refresh=False)
            if stopped:
                break
        if not stopped:
            _evaluate_after_last_epoch(net, batch, loss, tally, recorder, max_epochs)
    if bar is not None:
        bar.close()
    return recorder.finish(time.perf_counter() - start)


def _evaluate_after_last_epoch(net, batch, loss, tally, recorder, max_epochs) -> None:
    """The loss after the last epoch: recorded, and checked against the target like any evaluation."""
    recorder.epoch = max_epochs + 1
    tally.add_forward(net, batch.stale_from, batch.m)
    final_value = batch.forward_and_evaluate(net, loss)
    if not recorder(final_value, 1):
        recorder.h.epochs = recorder.h.epochs_completed = max_epochs
        recorder.h.message = f"stopped after max_epochs = {max_epochs} with loss {final_value:.6g}"


def _progress_bar(total: int, label: str):
    from tqdm import tqdm
    return tqdm(total=total, desc=label, unit="epoch", mininterval=1.0, leave=True)


def train_from_copies(net: Network, X, y, loss, optimizers, **train_kwargs) -> dict:
    """Train each optimizer on its own copy of ``net``; ``net`` itself is left unchanged.

    Returns
    -------
    dict
        ``{optimizer.name: History}`` in the order given.
    """
    return {opt.name: train(net.copy(), X, y, loss, opt, **train_kwargs) for opt in optimizers}
