"""Objective functions ``E(A, y)`` of the network output, with ``dE/dA``, for every run of a stack.

Every loss is called as ``loss(A, y) -> (E, dA)`` where ``A`` is the output of
``R`` runs, of shape ``(R, n_L, m)``, ``y`` holds integer class labels of shape
``(m,)`` shared by the runs, ``E`` of shape ``(R,)`` is each run's mean over
the ``m`` samples and ``dA`` has the shape of ``A``. An output of one run may
also be passed without its run axis, ``(n_L, m)``: then ``E`` is a Python float
and ``dA`` has shape ``(n_L, m)``.

A loss with parameters (AM-softmax's scale and margin) holds one value per run
(or one for all); :meth:`select` keeps those of some runs, ``stack`` joins them.
"""
from __future__ import annotations

import numpy as np


def _check_labels(A: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != A.shape[-1]:
        raise ValueError(f"labels must have shape (m,) = ({A.shape[-1]},) to match the output's m columns, got {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels must lie in 0 ... {n_classes - 1}, got values from {y.min()} to {y.max()}")
    return y


class _Loss:
    """The run-axis handling shared by the losses: ``(n_L, m)`` outputs are one run."""

    n_outputs: int

    def __call__(self, A: np.ndarray, y: np.ndarray):
        if A.ndim == 2:
            values, dA = self(A[None], y)
            return float(values[0]), dA[0]
        if A.ndim != 3 or A.shape[1] != self.n_outputs:
            raise ValueError(f"{self.name} needs an output of shape (R, {self.n_outputs}, m) or "
                             f"({self.n_outputs}, m), got {A.shape}")
        return self._evaluate(A, _check_labels(A, y, max(self.n_outputs, 2)))

    def select(self, runs) -> "_Loss":
        """The loss of the runs ``runs`` (indices into the run axis)."""
        return self


class BinaryCrossEntropy(_Loss):
    """Mean binary cross-entropy, the paper's Eq. (7).

    ``E = -(1/m) sum_i [y_i log a_i + (1 - y_i) log(1 - a_i)]`` for an output
    ``A`` of shape ``(R, 1, m)`` with entries in (0, 1) (a sigmoid output).
    """

    name = "binary cross-entropy"
    n_outputs = 1

    def _evaluate(self, A: np.ndarray, y: np.ndarray):
        Y = y.reshape(1, -1).astype(A.dtype)
        m = A.shape[2]
        with np.errstate(divide="ignore", invalid="ignore"):
            # one dot product per run, as a single run computes it (the same rounding)
            values = np.array([-(float(np.dot(Y[0], np.log(a[0]))) + float(np.dot(1 - Y[0], np.log(1 - a[0])))) / m
                               for a in A])
            # The course's dAL, divided by m here rather than in dW.
            dA = -(Y / A - (1 - Y) / (1 - A)) / m
        return values, dA

    @staticmethod
    def stack(losses) -> "BinaryCrossEntropy":
        return BinaryCrossEntropy()


class AdditiveMarginSoftmax(_Loss):
    """Additive-margin softmax (AM-softmax) loss.

    ``E = (1/m) sum_i -log( e^{s (c_{y_i,i} - margin)} / (e^{s (c_{y_i,i} - margin)} + sum_{j != y_i} e^{s c_{j,i}}) )``

    where ``c = A`` of shape ``(R, K, m)`` is what the chosen reading feeds in:
    the sigmoid outputs (reading ``"sigmoid"``) or cosine logits of a cosine
    output layer (reading ``"cosine"``, see :class:`pwcore.network.Network`).

    Parameters
    ----------
    s : float or sequence of float, length R
        Scale, > 0 (one for all runs, or one per run).
    margin : float or sequence of float, length R
        Additive margin ``m`` of the AM-softmax paper, >= 0.
    n_classes : int
        K.
    """

    name = "AM-softmax"

    def __init__(self, s=1.0, margin=1.0, n_classes: int = 10):
        s, margin = np.atleast_1d(np.asarray(s, float)), np.atleast_1d(np.asarray(margin, float))
        if not np.all(np.isfinite(s)) or np.any(s <= 0):
            raise ValueError(f"AM-softmax scale s must be a positive finite number, got {_shown(s)}")
        if not np.all(np.isfinite(margin)) or np.any(margin < 0):
            raise ValueError(f"AM-softmax margin must be a finite number >= 0, got {_shown(margin)}")
        if int(n_classes) < 2:
            raise ValueError(f"AM-softmax needs at least 2 classes, got {n_classes!r}")
        self.s, self.margin = np.broadcast_arrays(s, margin)
        self.n_outputs = int(n_classes)

    @staticmethod
    def stack(losses) -> "AdditiveMarginSoftmax":
        """One loss whose runs are those of ``losses``, in order."""
        return AdditiveMarginSoftmax(np.concatenate([l.s for l in losses]), np.concatenate([l.margin for l in losses]),
                                     losses[0].n_outputs)

    def select(self, runs) -> "AdditiveMarginSoftmax":
        if self.s.size == 1:
            return self
        return AdditiveMarginSoftmax(self.s[runs], self.margin[runs], self.n_outputs)

    def _per_run(self, values: np.ndarray, dtype) -> np.ndarray:
        # Each run's factor is computed in float64 and rounded once to the output's dtype, as
        # a Python float multiplying a float32 array is: a float32 run gives what it gives alone.
        return values.astype(dtype).reshape(-1, 1, 1)

    def _evaluate(self, A: np.ndarray, y: np.ndarray):
        R, K, m = A.shape
        if self.s.size not in (1, R):
            raise ValueError(f"this AM-softmax holds parameters of {self.s.size} runs but the output has {R}")
        target = y * m + np.arange(m)  # positions of (y_i, i) in each run's flattened (K, m) output
        logits = self._per_run(self.s, A.dtype) * A
        flat = logits.reshape(R, K * m)
        flat[:, target] -= self._per_run(np.broadcast_to(self.s * self.margin, R), A.dtype).reshape(R, 1)
        logits -= logits.max(axis=1, keepdims=True)
        target_logits = flat[:, target]
        probs = np.exp(logits, out=logits)  # the logits are not needed any more
        total = probs.sum(axis=1)
        values = np.sum(np.log(total) - target_logits, axis=1).astype(float) / m
        probs /= total[:, None, :]
        flat[:, target] -= 1
        probs *= self._per_run(np.broadcast_to(self.s / m, R), A.dtype)
        return values, probs

    def uninformative_loss(self):
        """The loss when every class gets the same ``c`` (any value): ``log(1 + (K-1) e^{s margin})``.

        A float for a loss with one set of parameters, else an array of one value per run.
        """
        values = np.log1p((self.n_outputs - 1) * np.exp(self.s * self.margin))
        return float(values[0]) if values.size == 1 else values


def _shown(values: np.ndarray):
    return float(values[0]) if values.size == 1 else values.tolist()


def make_loss(name: str, n_classes: int = 2, s=1.0, margin=1.0):
    """Build a loss by name: ``"bce"`` or ``"am_softmax"``."""
    if name == "bce":
        return BinaryCrossEntropy()
    if name == "am_softmax":
        return AdditiveMarginSoftmax(s, margin, n_classes)
    raise ValueError(f"unknown loss {name!r}: choose 'bce' or 'am_softmax'")
