"""Training: runs stacked into one computation, each with its own stopping rule, status and history.

:func:`train_runs` trains many :class:`Run` s on the same data. Runs of one
optimizer kind, loss kind, architecture and dtype share *stacks* (see
:class:`pwcore.network.Network`): their first-layer products are one product
with the shared input. A run that reaches its target, its epoch limit or
diverges leaves its stack, and the others go on without paying for it.
:func:`train` is one run: a stack of one, the same code.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .batch import default_parts
from .checks import is_number, is_whole
from .executors import Here, resolve
from .history import STOP_RULES, History
from .memory import stack_sizes
from .network import Network
from .optimizers import LayerwiseOptimizer
from .stack import train_stack


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
    held_out : tuple of (ndarray, ndarray), optional
        ``(X, y)`` of held-out samples, shapes ``(n_0, m')`` and ``(m',)``: the run's accuracy on them is
        recorded after every complete epoch (:class:`~pwcore.history.HeldOut`; its time is not the run's).
    accuracy_target : float, optional
        Stop once the held-out accuracy is at least this (checked after each complete epoch). With a
        ``target`` too, the run stops once it has reached both.
    """

    net: Network
    loss: object
    optimizer: LayerwiseOptimizer
    target: float | None = None
    max_epochs: int = 1000
    stop_rule: str = "epoch"
    minibatch: int | None = None
    shuffle_seed: int = 0
    held_out: tuple | None = None
    accuracy_target: float | None = None

    def __post_init__(self):
        _check_train_arguments(self.target, self.max_epochs, self.stop_rule)
        _check_held_out(self.held_out, self.accuracy_target, self.net)
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
                self.minibatch, self.shuffle_seed if self.minibatch else None,
                None if self.held_out is None else tuple(id(array) for array in self.held_out))


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


def train_runs(runs, X: np.ndarray, y: np.ndarray, runs_per_stack: int | None = None, progress=False,
               n_parts: int | None = None, log=None, report=None, executor=None, batch_size: int | None = None) -> list:
    """Train every run of ``runs`` on ``(X, y)``, in stacks; each run's network is trained in place.

    Parameters
    ----------
    runs : sequence of Run
    X : ndarray, shape (n_0, m)
    y : ndarray of int, shape (m,)
    runs_per_stack : int, optional
        At most this many runs per stack (1: one at a time). Default: as many as
        fit in memory (see :func:`pwcore.memory.stack_sizes`).
    progress : bool
        A progress bar per stack on standard error.
    n_parts : int, optional
        See :func:`train`.
    log : callable, optional
        Receives one line per stack as it starts.
    report : callable, optional
        Receives a :class:`~pwcore.history.Progress` for each run of a stack after each epoch it
        trained in (the last one once it ended); it reads what the runs recorded
        and computes nothing. Only when training here.
    executor : optional
        Where the stacks are trained (:func:`pwcore.executors.resolve`): default here, one after
        another, or on the Dask cluster named by ``PWCORE_DASK_SCHEDULER``.

    Returns
    -------
    list of History
        In the order of ``runs``.

    ``batch_size`` is the old name of ``runs_per_stack`` (deprecated: it is not a mini-batch size).
    """
    if batch_size is not None:
        warnings.warn("train_runs(batch_size=...) is runs_per_stack=... now", DeprecationWarning, stacklevel=2)
        runs_per_stack = batch_size if runs_per_stack is None else runs_per_stack
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
    # a stack's forward pass over its held-out samples needs memory beside its training set's
    chunks = _stacks(runs, X.shape[1] + max((run.held_out[0].shape[1] for run in runs if run.held_out), default=0),
                     runs_per_stack)
    trained = executor.map(train_stack, [([runs[i] for i in chunk], chunk) for chunk in chunks],
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


def _stacks(runs: list, m: int, runs_per_stack: int | None) -> list:
    """The indices into ``runs`` of each stack: runs that can share one (:meth:`Run.stack_key`), as many as fit."""
    groups = {}
    for index, run in enumerate(runs):
        groups.setdefault(run.stack_key(), []).append(index)
    chunks = []
    for indices in groups.values():
        start = 0
        for size in stack_sizes(len(indices), runs[indices[0]].net, m, runs_per_stack):
            chunks.append(indices[start:start + size])
            start += size
    return chunks


def _check_train_arguments(target, max_epochs, stop_rule):
    if stop_rule not in STOP_RULES:
        raise ValueError(f"unknown stopping rule {stop_rule!r}: choose 'epoch' (check the loss once per epoch) "
                         "or 'evaluation' (check every loss evaluation, i.e. before every sub-step)")
    if not is_whole(max_epochs) or max_epochs < 1:
        raise ValueError(f"max_epochs must be a positive integer, got {max_epochs!r}")
    if target is not None and (not is_number(target) or not np.isfinite(target)):
        raise ValueError(f"target must be a finite number or None, got {target!r}")


def _check_held_out(held_out, accuracy_target, net: Network) -> None:
    if accuracy_target is not None and not (is_number(accuracy_target) and 0 < accuracy_target <= 1):
        raise ValueError(f"accuracy_target must be a fraction in (0, 1] or None, got {accuracy_target!r}")
    if held_out is None:
        if accuracy_target is not None:
            raise ValueError("an accuracy_target needs held_out=(X, y), the samples the accuracy is measured on")
        return
    if not isinstance(held_out, tuple) or len(held_out) != 2:
        raise ValueError("held_out must be a pair (X, y) of held-out inputs and labels")
    X, y = held_out
    if np.ndim(X) != 2 or X.shape[0] != net.sizes[0] or np.shape(y) != (X.shape[1],):
        raise ValueError(f"held_out must be X of shape ({net.sizes[0]}, m') and y of shape (m',), one sample per "
                         f"column as the training data; got {np.shape(X)} and {np.shape(y)}")
    _check_finite(X, y)


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


