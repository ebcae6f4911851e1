"""The full batch, split by columns into parts that are computed in parallel threads.

Every sample's forward and backward pass is independent of the others', and
the losses are means over samples, so one sub-step can run on column parts of
the batch at once: NumPy and BLAS release the GIL, and with BLAS held to one
thread per part the cores work on different columns instead of sharing every
product (which the thin products with the whole input do poorly). The loss is
the parts' sample-weighted mean and each weight gradient the sum of the parts';
this changes results only by floating-point rounding (the order of summation).
A batch too small to be worth splitting stays one part and computes exactly as
an unsplit one.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
from threadpoolctl import ThreadpoolController

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
    """

    def __init__(self, net: Network, X: np.ndarray, y: np.ndarray, n_parts: int | None = None):
        net.new_cache(X)  # validates X before it is split
        m = X.shape[1]
        n_parts = default_parts(m) if n_parts is None else n_parts
        if isinstance(n_parts, bool) or not isinstance(n_parts, (int, np.integer)) or not 1 <= n_parts <= m:
            raise ValueError(f"n_parts must be an integer from 1 to the {m} samples, got {n_parts!r}")
        # Python ints and floats throughout: a NumPy float64 weight would turn float32 gradients into float64.
        bounds = [m * k // int(n_parts) for k in range(int(n_parts) + 1)]
        self.m, self._threads = m, min(int(n_parts), os.cpu_count() or 1)
        self.parts = [Part(net.new_cache(X[:, a:b]), y[a:b], (b - a) / m) for a, b in zip(bounds[:-1], bounds[1:])]

    @property
    def stale_from(self) -> int:
        """The lowest layer whose cached output is out of date (the same in every part)."""
        return self.parts[0].cache.stale_from

    @stale_from.setter
    def stale_from(self, layer: int) -> None:
        for part in self.parts:
            part.cache.stale_from = layer

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

    def forward(self, net: Network) -> None:
        """Recompute the stale layers of every part."""
        self.map_parts(_forward_part, net)
        self.stale_from = net.n_layers + 1

    def forward_layer(self, net: Network, l: int) -> None:
        """Recompute layer ``l`` only, in every part."""
        self.map_parts(lambda part: net.forward_layer(part.cache, l))

    def evaluate(self, loss) -> float:
        """The loss of the outputs as they are now; keeps each part's share of ``dE/dA`` for the backward pass."""
        return float(sum(self.map_parts(_evaluate_part, loss)))

    def forward_and_evaluate(self, net: Network, loss) -> float:
        """:meth:`forward` then :meth:`evaluate`, in one pass of the threads."""
        def work(part):
            _forward_part(part, net)
            return _evaluate_part(part, loss)
        value = float(sum(self.map_parts(work)))
        self.stale_from = net.n_layers + 1
        return value

    def backward(self, net: Network, depth: int) -> dict:
        """``{l: (dW, db)}`` of the last ``depth`` layers, summed over the parts (see :meth:`Network.backward`)."""
        per_part = self.map_parts(lambda part: net.backward(part.cache, part.dA, depth))
        return {l: _summed([grads[l] for grads in per_part]) for l in per_part[0]}

    def backprop_layer(self, net: Network, l: int, need_dA_prev: bool) -> tuple:
        """``(dW, db)`` of layer ``l`` summed over the parts; each part's ``dA`` moves down to layer ``l - 1``."""
        def work(part):
            dW, db, part.dA = net.backprop_layer(part.cache, l, part.dA, need_dA_prev)
            return dW, db
        return _summed(self.map_parts(work))


def _forward_part(part: Part, net: Network) -> None:
    net.forward(part.cache, part.cache.stale_from)


def _evaluate_part(part: Part, loss) -> float:
    """The part's share of the loss; stores its share of ``dE/dA``."""
    value, dA = loss(part.cache.output, part.y)
    part.dA = dA if part.weight == 1 else dA * part.weight
    return value * part.weight


def _summed(gradients: list) -> tuple:
    """Element-wise sums of a list of ``(dW, db)`` pairs (the one pair itself when there is one)."""
    if len(gradients) == 1:
        return gradients[0]
    return tuple(sum(arrays[1:], arrays[0]) for arrays in zip(*gradients))  # + makes new arrays
