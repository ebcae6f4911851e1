"""Training: runs stacked into one computation, each with its own stopping rule, status and history.

:func:`train_runs` trains many :class:`Run` s on the same data. Runs of one
optimizer kind, loss kind, architecture and dtype share *stacks* (see
:class:`pwcore.network.Network`): their first-layer products are one product
with the shared input. A run that reaches its target, its epoch limit or
diverges leaves its stack, and the others go on without paying for it.
:func:`train` is one run: a stack of one, the same code.
"""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field

import numpy as np

from .accounting import Tally
from .batch import Batch, default_parts
from .checks import is_number, is_whole
from .executors import Here, resolve
from .memory import stack_sizes
from .minibatch import run_minibatch_epoch
from .network import Network
from .optimizers import LayerwiseOptimizer, run_epoch

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


@dataclass
class Run:
    """One training run.

    Attributes
    ----------
    net : Network
        One network (``R = 1``), trained in place; pass ``net.copy()`` to keep the initial weights.
    loss : callable
        See :mod:`pwcore.losses` (with one set of parameters).
    optimizer : LayerwiseOptimizer
        The schedule and this run's learning rates.
    target : float, optional
        Stop once the loss is below this value (strictly).
    max_epochs : int
        Upper bound on epochs; the loss after the last epoch is evaluated too.
    stop_rule : {"epoch", "evaluation"}
        When the loss is compared with ``target``: see :func:`below_target`.
        A run stopped part-way through an epoch counts that epoch.
    minibatch : int, optional
        Samples per mini-batch (:mod:`pwcore.minibatch`); default None, the full batch.
    shuffle_seed : int
        Seeds the order of the samples of a mini-batch run (shared by the runs of a stack).
    """

    net: Network
    loss: object
    optimizer: LayerwiseOptimizer
    target: float | None = None
    max_epochs: int = 1000
    stop_rule: str = "epoch"
    minibatch: int | None = None
    shuffle_seed: int = 0

    def __post_init__(self):
        _check_train_arguments(self.target, self.max_epochs, self.stop_rule)
        check_minibatch(self.minibatch, self.optimizer.algorithm2)
        if self.net.n_runs != 1:
            raise ValueError(f"a Run trains one network, got a stack of {self.net.n_runs}: "
                             "make one Run per network (Network.select)")
        self.optimizer.rates(self.net.n_layers)  # checks the multipliers against the depth

    def current_loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """The loss of this run's network as it is now (before training: the initial loss) on ``(X, y)``."""
        return self.loss(self.net.predict(X)[0], y)[0]

    def stack_key(self) -> tuple:
        """Runs with equal keys can share a stack."""
        net = self.net
        return (type(self.optimizer), self.optimizer.rule.key(), type(self.loss), getattr(self.loss, "n_outputs", None),
                tuple(net.sizes), tuple(net.activation_names), net.output_layer, net.dtype.name,
                self.minibatch, self.shuffle_seed if self.minibatch else None)


def train(net: Network, X: np.ndarray, y: np.ndarray, loss, optimizer, target=None,
          max_epochs: int = 1000, stop_rule: str = "epoch", progress=False, n_parts: int | None = None) -> History:
    """Train ``net`` in place, full batch, until the loss falls below ``target`` or ``max_epochs`` pass.

    One :class:`Run` through :func:`train_runs`; see :class:`Run` for the parameters.

    Parameters
    ----------
    X : ndarray, shape (n_0, m)
        Inputs, one sample per column, of the network's dtype.
    y : ndarray of int, shape (m,)
        Class labels.
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
    run = Run(net, loss, optimizer, target, max_epochs, stop_rule)
    return train_runs([run], X, y, progress=progress, n_parts=n_parts, executor=Here())[0]


def train_runs(runs, X: np.ndarray, y: np.ndarray, batch_size: int | None = None, progress=False,
               n_parts: int | None = None, log=None, report=None, executor=None) -> list:
    """Train every run of ``runs`` on ``(X, y)``, in stacks; each run's network is trained in place.

    Parameters
    ----------
    runs : sequence of Run
    X : ndarray, shape (n_0, m)
    y : ndarray of int, shape (m,)
    batch_size : int, optional
        At most this many runs per stack (1: one at a time). Default: as many as
        fit in memory (see :func:`pwcore.memory.stack_sizes`).
    progress : bool
        A progress bar per stack on standard error.
    n_parts : int, optional
        See :func:`train`.
    log : callable, optional
        Receives one line per stack as it starts.
    report : callable, optional
        Receives a :class:`Progress` for each run of a stack after each epoch it
        trained in (the last one once it ended); it reads what the runs recorded
        and computes nothing. Only when training here.
    executor : optional
        Where the stacks are trained (:func:`pwcore.executors.resolve`): default here, one after
        another, or on the Dask cluster named by ``PWCORE_DASK_SCHEDULER``.

    Returns
    -------
    list of History
        In the order of ``runs``.
    """
    runs = list(runs)
    if not runs:
        return []
    _check_finite(X, y)
    executor = resolve(executor)
    if not executor.local and (report is not None or progress):
        raise ValueError("report and progress show the runs as they train here: leave them out to train on a "
                         "cluster, or unset PWCORE_DASK_SCHEDULER")
    # decided here, not by each worker's core count: the parts set the order of the sums
    n_parts = default_parts(X.shape[1]) if n_parts is None else n_parts
    chunks = _stacks(runs, X.shape[1], batch_size)
    trained = executor.map(_train_stack, [([runs[i] for i in chunk], chunk) for chunk in chunks],
                           X, y, progress, n_parts, report)
    histories = [None] * len(runs)
    for chunk in chunks:
        if log is not None:
            log(f"stack of {len(chunk)} {runs[chunk[0]].optimizer.name} run(s)")
        for index, (history, net) in zip(chunk, next(trained)):
            if net is not runs[index].net:  # trained elsewhere: its weights, into this run's network
                runs[index].net.assign(net)
            histories[index] = history
    return histories


def _stacks(runs: list, m: int, batch_size: int | None) -> list:
    """The indices into ``runs`` of each stack: runs that can share one (:meth:`Run.stack_key`), as many as fit."""
    groups = {}
    for index, run in enumerate(runs):
        groups.setdefault(run.stack_key(), []).append(index)
    chunks = []
    for indices in groups.values():
        start = 0
        for size in stack_sizes(len(indices), runs[indices[0]].net, m, batch_size):
            chunks.append(indices[start:start + size])
            start += size
    return chunks


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
        self.X, self.y, self.minibatch = X, y, runs[0].minibatch
        self.shuffle = np.random.default_rng(runs[0].shuffle_seed) if self.minibatch else None
        substeps = 1 if self.minibatch else len(runs[0].optimizer.depths(L))  # loss evaluations per epoch
        self.recorders = [_Recorder(run, substeps, len(runs)) for run in runs]
        self.epoch, self.seconds, self._clock = 0, 0.0, time.perf_counter()

    @property
    def update(self):
        """The rule's update of one layer, bound to the stack's rule state (:meth:`pwcore.batch.Batch.step`)."""
        return functools.partial(self.rule.apply, self.rule_state)

    def observe(self, losses: np.ndarray, substep: int) -> bool:
        """Record every run's loss and let the finished runs leave; True while some run goes on."""
        now = time.perf_counter()
        self.seconds += (now - self._clock) / len(self.runs)  # this stretch, shared by the runs in the stack
        self._clock = now
        done = [j for j, recorder in enumerate(self.recorders)
                if recorder.observe(float(losses[j]), substep, self.epoch, self.seconds, self.batch.tally)]
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


def _train_stack(runs, indices, X, y, progress, n_parts, report=None) -> list:
    """Train ``runs`` (numbered ``indices`` in the caller's list) as one stack: ``[(History, trained Network)]``."""
    stack = Stack(runs, X, y, n_parts)
    recorders = list(stack.recorders)
    numbered = list(zip(indices, recorders))
    optimizer = runs[0].optimizer
    bar = _progress_bar(max(run.max_epochs for run in runs), optimizer.name, len(runs)) if progress else None
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


class _Recorder:
    """One run's evaluations and its own stopping decision."""

    def __init__(self, run: Run, substeps_per_epoch: int, stack_size: int):
        self.run, self.rows, self.epoch_loss, self.ended = run, [], [], False
        self.history = History(run.optimizer.name, None if run.target is None else float(run.target), run.stop_rule,
                               substeps_per_epoch=substeps_per_epoch, stack_size=stack_size)

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

    def observe(self, value: float, substep: int, epoch: int, seconds: float, tally: Tally) -> bool:
        """Record one evaluation; True if the run ends here (and its history is then complete)."""
        self.rows.append((epoch, substep, value, seconds, tally.flops, tally.layer_updates))
        if substep == 1:
            self.epoch_loss.append(value)
        epochs_run = epoch - 1 if substep == 1 else epoch
        where = f"epoch {epoch}" + ("" if substep == 1 else f", sub-step {substep}")
        run = self.run
        if not math.isfinite(value):
            self._stop("diverged", epochs_run, (epoch, substep),
                       f"diverged at {where}: the loss is {value}; lower the learning rate")
        elif below_target(value, run.target, run.stop_rule, substep):
            self._stop("target", epochs_run, (epoch, substep),
                       f"reached loss {value:.6g} < {run.target:g} at {where} ({epoch - 1} epochs completed)")
        elif substep == 1 and epoch > run.max_epochs:  # the loss after the last epoch
            self._stop("max_epochs", run.max_epochs, None,
                       f"stopped after max_epochs = {run.max_epochs} with loss {value:.6g}")
        else:
            return False
        self._finish(seconds, tally)
        return True

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
        self.ended = True


def _check_train_arguments(target, max_epochs, stop_rule):
    if stop_rule not in STOP_RULES:
        raise ValueError(f"unknown stopping rule {stop_rule!r}: choose 'epoch' (check the loss once per epoch) "
                         "or 'evaluation' (check every loss evaluation, i.e. before every sub-step)")
    if not is_whole(max_epochs) or max_epochs < 1:
        raise ValueError(f"max_epochs must be a positive integer, got {max_epochs!r}")
    if target is not None and (not is_number(target) or not np.isfinite(target)):
        raise ValueError(f"target must be a finite number or None, got {target!r}")


def check_minibatch(minibatch, algorithm2: str = "prose") -> None:
    """Refuse a mini-batch size that is not a positive integer (None: the full batch), or the printed reading with one.

    Raises
    ------
    ValueError
        Naming the value and the fix.
    """
    if minibatch is None:
        return
    if not is_whole(minibatch) or minibatch < 1:
        raise ValueError(f"minibatch must be a positive number of samples or None (the full batch), got {minibatch!r}")
    if algorithm2 == "printed":
        raise ValueError("Algorithm 2 as printed is defined for the full batch only: use the prose reading with "
                         "mini-batches (algorithm2='prose'; on the command line --algorithm2 prose)")


def _check_finite(X: np.ndarray, y) -> None:
    if isinstance(X, np.ndarray) and not np.isfinite(X).all():
        bad = int(np.count_nonzero(~np.isfinite(X)))
        raise ValueError(f"X holds {bad} NaN or infinite values: clean or impute the inputs before training")
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"labels y must be integers (class indices), got dtype {y.dtype}")


def _progress_bar(total: int, label: str, n_runs: int):
    from tqdm import tqdm
    desc = label if n_runs == 1 else f"{label} x{n_runs}"
    return tqdm(total=total, desc=desc, unit="epoch", mininterval=1.0, leave=True)
