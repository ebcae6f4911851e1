"""A stack: runs of one kind trained as one computation, each recording its own evaluations and leaving the
stack when it stops (:class:`Stack`, :func:`train_stack`); :func:`pwcore.training.train_runs` makes the stacks."""
from __future__ import annotations

import functools
import math
import time

import numpy as np

from .accounting import Tally
from .batch import Batch
from .history import HeldOut, History, Progress, below_target
from .metrics import accuracy
from .minibatch import run_minibatch_epoch
from .network import Network
from .optimizers import run_epoch


class Stack:
    """Runs trained as one computation: what :func:`pwcore.optimizers.run_epoch` (or, for mini-batches,
    :func:`pwcore.minibatch.run_minibatch_epoch`) needs.

    ``net`` (the runs' networks stacked), ``batch``, ``loss`` (their losses stacked),
    ``rates`` of shape ``(R, L)`` and the update rule's state narrow to the runs still
    training as runs leave (:meth:`observe`); each run's trained weights are written back
    into its own network.
    """

    def __init__(self, runs, X, y, n_parts=None):
        self.runs = list(runs)
        self.net = Network.stack([run.net for run in runs])
        self.batch = Batch(self.net, X, y, n_parts)
        self.loss = type(runs[0].loss).stack([run.loss for run in runs])
        L = self.net.n_layers
        # each run's rates in float64, rounded once to the dtype (as a Python float is against a float32 array)
        self.rates = np.array([run.optimizer.rates(L) for run in runs], float).astype(self.net.dtype)
        self.rule = runs[0].optimizer.rule
        self.rule_state = self.rule.new_state(self.net)
        self.X, self.y, self.minibatch, self.held_out = X, y, runs[0].minibatch, runs[0].held_out
        self.shuffle = np.random.default_rng(runs[0].shuffle_seed) if self.minibatch else None
        substeps = 1 if self.minibatch else len(runs[0].optimizer.depths(L))  # loss evaluations per epoch
        self.recorders = [Recorder(run, substeps, len(runs)) for run in runs]
        self.epoch, self.seconds, self._clock = 0, 0.0, time.perf_counter()

    @property
    def update(self):
        """The rule's update of one layer, bound to the stack's rule state (:meth:`pwcore.batch.Batch.step`)."""
        return functools.partial(self.rule.apply, self.rule_state)

    def observe(self, losses: np.ndarray, substep: int) -> bool:
        """Record every run's loss and let the finished runs leave; True while some run goes on."""
        now = time.perf_counter()
        self.seconds += (now - self._clock) / len(self.runs)  # this stretch, shared by the runs in the stack
        accuracies = [None] * len(self.runs)
        if self.held_out is not None and substep == 1:
            accuracies = np.atleast_1d(accuracy(self.net, *self.held_out))
            now = time.perf_counter()  # the accuracy's time is not the runs'
        self._clock = now
        done = [j for j, recorder in enumerate(self.recorders)
                if recorder.observe(float(losses[j]), substep, self.epoch, self.seconds, self.batch.tally,
                                    accuracies[j])]
        if done:
            self._leave(done)
        return bool(self.runs)

    def _leave(self, done: list) -> None:
        for j in done:
            self.runs[j].net.assign(self.net.select(j))  # the trained weights, back into the run's network
        keep = np.setdiff1d(np.arange(len(self.runs)), done)
        self.runs = [self.runs[j] for j in keep]
        self.recorders = [self.recorders[j] for j in keep]
        if keep.size:
            self.net = self.net.select(keep)
            self.batch.select(keep)
            self.loss = self.loss.select(keep)
            self.rates = self.rates[keep]
            self.rule.select(self.rule_state, keep)


def train_stack(runs, indices, X, y, progress, n_parts, report=None) -> list:
    """Train ``runs`` (numbered ``indices`` in the caller's list) as one stack: ``[(History, trained Network)]``."""
    stack = Stack(runs, X, y, n_parts)
    recorders = list(stack.recorders)
    numbered = list(zip(indices, recorders))
    optimizer = runs[0].optimizer
    bar = progress_bar(max(run.max_epochs for run in runs), optimizer.name, len(runs)) if progress else None
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # divergence is reported, not warned
            going = True
            while going:
                stack.epoch += 1
                training = [(i, r) for i, r in numbered if not r.ended] if report is not None else []
                going = (run_minibatch_epoch if stack.minibatch else run_epoch)(stack, optimizer, stack.observe)
                if bar is not None and stack.epoch <= bar.total:
                    bar.update(1)
                    bar.set_postfix(runs=len(stack.runs), loss=f"{min(r.last_loss for r in recorders):.5g}",
                                    refresh=False)
                for index, recorder in training:
                    report(recorder.progress(index, stack.epoch, stack.batch.tally))
    finally:  # an interrupted bar is closed too, so that what follows it starts on a line of its own
        if bar is not None:
            bar.close()
    return [(recorder.history, run.net) for recorder, run in zip(recorders, runs)]


class Recorder:
    """One run's evaluations and its own stopping decision (``run``: a :class:`pwcore.training.Run`)."""

    def __init__(self, run, substeps_per_epoch: int, stack_size: int):
        self.run, self.rows, self.epoch_loss, self.ended = run, [], [], False
        self.history = History(run.optimizer.name, None if run.target is None else float(run.target), run.stop_rule,
                               substeps_per_epoch=substeps_per_epoch, stack_size=stack_size)
        if run.held_out is not None:
            target = run.accuracy_target
            self.history.held_out = HeldOut(None if target is None else float(target))
            self.epoch_accuracy = []

    @property
    def last_loss(self) -> float:
        return self.rows[-1][2] if self.rows else math.nan

    def progress(self, index: int, epochs: int, tally: Tally) -> Progress:
        """This run as :class:`Progress`: its history once it ended, else ``epochs`` completed and ``tally``'s updates."""
        h = self.history
        if self.ended:
            return Progress(index, h.optimizer, h.status, h.epochs_completed, h.final_loss,
                            tuple(h.updates_per_layer.tolist()))
        return Progress(index, h.optimizer, None, epochs, self.last_loss, tuple(tally.updates.tolist()))

    def observe(self, value: float, substep: int, epoch: int, seconds: float, tally: Tally,
                held_out_accuracy: float | None = None) -> bool:
        """Record one evaluation (and, at an epoch's start, the held-out accuracy when the run watches it);
        True if the run ends here (and its history is then complete)."""
        self.rows.append((epoch, substep, value, seconds, tally.flops, tally.layer_updates))
        if substep == 1:
            self.epoch_loss.append(value)
            if held_out_accuracy is not None:  # NaN where the loss is: weights that diverged predict nothing
                self.epoch_accuracy.append(float(held_out_accuracy) if math.isfinite(value) else math.nan)
        epochs_run = epoch - 1 if substep == 1 else epoch
        where = f"epoch {epoch}" + ("" if substep == 1 else f", sub-step {substep}")
        run = self.run
        if not math.isfinite(value):
            self._stop("diverged", epochs_run, (epoch, substep),
                       f"diverged at {where}: the loss is {value}; lower the learning rate")
        elif self.history.held_out is not None and self._reached_both(value, substep, epoch, held_out_accuracy):
            self._stop("target", epochs_run, (epoch, substep), f"reached its targets at {where}: "
                       f"{self._hits_said()} ({epoch - 1} epochs completed)")
        elif self.history.held_out is None and below_target(value, run.target, run.stop_rule, substep):
            self._stop("target", epochs_run, (epoch, substep),
                       f"reached loss {value:.6g} < {run.target:g} at {where} ({epoch - 1} epochs completed)")
        elif substep == 1 and epoch > run.max_epochs:  # the loss after the last epoch
            self._stop("max_epochs", run.max_epochs, None,
                       f"stopped after max_epochs = {run.max_epochs} with loss {value:.6g}")
        else:
            return False
        self._finish(seconds, tally)
        return True

    def _reached_both(self, value: float, substep: int, epoch: int, held_out_accuracy) -> bool:
        """Note the first hit of each target the run has; True once it has reached all (and has one)."""
        run, held_out = self.run, self.history.held_out
        if held_out.loss_hit is None and below_target(value, run.target, run.stop_rule, substep):
            held_out.loss_hit = (epoch, substep)
        if (held_out.accuracy_hit is None and held_out_accuracy is not None and run.accuracy_target is not None
                and held_out_accuracy >= run.accuracy_target):
            held_out.accuracy_hit = epoch - 1
        wanted = [hit for hit, target in ((held_out.loss_hit, run.target), (held_out.accuracy_hit,
                                                                            run.accuracy_target)) if target is not None]
        return bool(wanted) and all(hit is not None for hit in wanted)

    def _hits_said(self) -> str:
        run, held_out = self.run, self.history.held_out
        said = []
        if run.target is not None:
            said.append(f"loss < {run.target:g} at epoch {held_out.loss_hit[0]}, sub-step {held_out.loss_hit[1]}")
        if run.accuracy_target is not None:
            said.append(f"held-out accuracy >= {run.accuracy_target:g} after {held_out.accuracy_hit} epochs")
        return " and ".join(said)

    def _stop(self, status, epochs_run, stopped_at, message) -> None:
        h = self.history
        h.status, h.epochs, h.message, h.stopped_at = status, epochs_run, message, stopped_at
        h.epochs_completed = epochs_run if stopped_at is None else stopped_at[0] - 1

    def _finish(self, seconds: float, tally: Tally) -> None:
        h = self.history
        columns = list(zip(*self.rows))
        h.eval_epoch, h.eval_substep = np.array(columns[0], int), np.array(columns[1], int)
        h.eval_loss, h.eval_seconds = np.array(columns[2], float), np.array(columns[3], float)
        h.eval_flops, h.eval_layer_updates = np.array(columns[4], float), np.array(columns[5], int)
        h.epoch_loss = np.array(self.epoch_loss, float)
        h.updates_per_layer, h.update_log = tally.updates.copy(), list(tally.log)
        h.seconds, h.flops = seconds, tally.flops
        if h.held_out is not None:
            h.held_out.epoch_accuracy = np.array(self.epoch_accuracy, float)
        self.ended = True


def progress_bar(total: int, label: str, n_runs: int):
    from tqdm import tqdm
    desc = label if n_runs == 1 else f"{label} x{n_runs}"
    return tqdm(total=total, desc=desc, unit="epoch", mininterval=1.0, leave=True)
