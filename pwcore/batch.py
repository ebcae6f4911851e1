"""The full batch: the shared input, what every run computed from it, and what that cost.

A :class:`Batch` owns the data and everything computed from it for a stack of
``R`` runs (see :class:`pwcore.network.Network`): the cached activations of
every layer, which layers are stale after an update, and the matrix-product
FLOPs spent (one run's worth: each run of a stack does the same work). Asked
for the loss, it recomputes only the stale layers; asked to step, it
back-propagates, updates the layers and marks what became stale.

The batch is split by columns into parts computed in parallel threads. Every
sample's forward and backward pass is independent of the others', and the
losses are means over samples, so a sub-step can run on column parts at once:
NumPy and BLAS release the GIL, and with BLAS held to one thread per part the
cores work on different columns instead of sharing every product (which the
thin products with the whole input do poorly). The loss is the parts'
sample-weighted mean and each weight gradient the sum of the parts'; this
changes results only by floating-point rounding (the order of summation). A
batch too small to be worth splitting stays one part and computes exactly as an
unsplit one.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
from threadpoolctl import ThreadpoolController

from .accounting import Tally
from .checks import is_whole
from .network import ForwardCache, Network

MIN_PART_COLUMNS = 4096  # below this a part costs more in thread hand-off than it saves


def default_parts(m: int) -> int:
    """One part per CPU core, each of at least ``MIN_PART_COLUMNS`` samples."""
    return max(1, min(os.cpu_count() or 1, m // MIN_PART_COLUMNS))


@lru_cache(maxsize=None)
def _pool(n_threads: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(n_threads, thread_name_prefix="pwcore-part")


@lru_cache(maxsize=None)
def _blas() -> ThreadpoolController:
    return ThreadpoolController()  # found once: threadpool_limits() would search the libraries on every call


class Part:
    """One column range of the batch: its forward cache, its labels, its share of the samples, and ``dE/dA`` of its output."""

    def __init__(self, cache: ForwardCache, y: np.ndarray, weight: float):
        self.cache, self.y, self.weight = cache, y, weight  # weight = m_part / m
        self.dA = None


class Batch:
    """Inputs ``X`` of shape ``(n_0, m)`` and labels ``y`` of shape ``(m,)``, split into column parts.

    Parameters
    ----------
    net : Network
        Checks ``X`` (shape, dtype) and builds each part's cache.
    X : ndarray, shape (n_0, m)
    y : ndarray of int, shape (m,)
    n_parts : int, optional
        Parts computed in parallel; default :func:`default_parts` (1 for small batches).
    tally : Tally, optional
        Where to count the work; default a new one. A mini-batch counts into its stack's
        (:mod:`pwcore.minibatch`).

    Attributes
    ----------
    tally : Tally
        FLOPs of the matrix products so far and the layers each sub-step updated, per run
        (each run of the stack does the same work).
    stale_from : int
        The lowest layer whose cached output is out of date (``L + 1`` when all is up to date).
    """

    def __init__(self, net: Network, X: np.ndarray, y: np.ndarray, n_parts: int | None = None,
                 tally: Tally | None = None):
        net.new_cache(X)  # validates X before it is split
        m = X.shape[1]
        n_parts = default_parts(m) if n_parts is None else n_parts
        if not is_whole(n_parts) or not 1 <= n_parts <= m:
            raise ValueError(f"n_parts must be an integer from 1 to the {m} samples, got {n_parts!r}")
        # Python ints and floats throughout: a NumPy float64 weight would turn float32 gradients into float64.
        bounds = [m * k // int(n_parts) for k in range(int(n_parts) + 1)]
        self.m, self._threads = m, min(int(n_parts), os.cpu_count() or 1)
        self.parts = [Part(net.new_cache(X[:, a:b]), y[a:b], (b - a) / m) for a, b in zip(bounds[:-1], bounds[1:])]
        self.stale_from, self.tally = 1, Tally(net.n_layers) if tally is None else tally

    def map_parts(self, work, *args) -> list:
        """``work(part, *args)`` for every part: in parallel threads, each with one BLAS thread (one part: in this thread)."""
        if len(self.parts) == 1:
            return [work(self.parts[0], *args)]
        errors = np.geterr()  # NumPy's error state is per thread: carry the caller's into the workers

        def run(part):
            with np.errstate(**errors):
                return work(part, *args)
        with _blas().limit(limits=1):
            return list(_pool(self._threads).map(run, self.parts))

    # --- what the optimizers ask ------------------------------------------
    def losses(self, net: Network, loss) -> np.ndarray:
        """Each run's loss, shape ``(R,)``, after recomputing the stale layers; keeps ``dE/dA`` for the next step."""
        start = self.stale_from
        self.tally.add_forward(net, start, self.m)

        def work(part):
            net.forward(part.cache, start)
            return _part_losses(part, loss)
        values = sum(self.map_parts(work))
        self.stale_from = net.n_layers + 1
        return values

    def step(self, net: Network, depth: int, rates: np.ndarray, update) -> None:
        """Back-propagate through the last ``depth`` layers and update them (``rates`` of shape ``(R, L)``).

        ``update(net, l, dW, db, rates_l)`` applies a layer's gradients: an update rule's
        ``apply`` bound to its state (:mod:`pwcore.rules`; ``Stack.update``). Every layer from
        the lowest updated one up is stale afterwards: the next :meth:`losses` recomputes them
        (the "prose" reading of Algorithm 2).
        """
        per_part = self.map_parts(lambda part: net.backward(part.cache, part.dA, depth))
        for l in per_part[0]:
            dW, db = _summed([grads[l] for grads in per_part])
            update(net, l, dW, db, rates[:, l - 1])
        lowest = net.n_layers - depth + 1
        self.tally.add_backprop(net, lowest, self.m)
        self.tally.record_substep(range(lowest, net.n_layers + 1))
        self.stale_from = min(self.stale_from, lowest)

    def step_printed(self, net: Network, depth: int, rates: np.ndarray, update) -> None:
        """Algorithm 2 as its listing is printed: from the top down, each layer is updated and then
        recomputes its own output only; the layers above it are left stale (and not marked so)."""
        top = net.n_layers
        lowest = top - depth + 1
        for l in range(top, lowest - 1, -1):
            def work(part, l=l):
                dW, db, part.dA = net.backprop_layer(part.cache, l, part.dA, l > lowest)
                return dW, db
            dW, db = _summed(self.map_parts(work))
            update(net, l, dW, db, rates[:, l - 1])
            self.map_parts(lambda part, l=l: net.forward_layer(part.cache, l))
        self.tally.add_backprop(net, lowest, self.m)
        self.tally.add_forward(net, lowest, self.m)
        self.tally.record_substep(range(lowest, top + 1))

    def invalidate(self) -> None:
        """Mark every layer stale: the next :meth:`losses` runs a full forward pass."""
        self.stale_from = 1

    def select(self, runs: np.ndarray) -> None:
        """Keep only the runs ``runs`` (indices into the run axis) in every part's cache."""
        for part in self.parts:
            part.cache.select(runs)
            part.dA = None if part.dA is None else part.dA[runs]


def _part_losses(part: Part, loss) -> np.ndarray:
    """The part's share of each run's loss, shape ``(R,)``; stores its share of ``dE/dA``."""
    values, dA = loss(part.cache.output, part.y)
    part.dA = dA if part.weight == 1 else dA * part.weight
    return values * part.weight


def _summed(gradients: list) -> tuple:
    """Element-wise sums of a list of ``(dW, db)`` pairs (the one pair itself when there is one)."""
    if len(gradients) == 1:
        return gradients[0]
    return tuple(sum(arrays[1:], arrays[0]) for arrays in zip(*gradients))  # + makes new arrays
