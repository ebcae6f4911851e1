"""Objective functions ``E(A, y)`` of the network output, with ``dE/dA``.

Every loss is called as ``loss(A, y) -> (E, dA)`` where ``A`` is the network
output of shape ``(n_L, m)``, ``y`` holds integer class labels of shape
``(m,)``, ``E`` is a Python float (the mean over the ``m`` samples) and ``dA``
has the shape of ``A``.
"""
from __future__ import annotations

import numpy as np


def _check_labels(A: np.ndarray, y: np.ndarray, n_classes: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != A.shape[1]:
        raise ValueError(f"labels must have shape (m,) = ({A.shape[1]},) to match the output's m columns, got {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels must lie in 0 ... {n_classes - 1}, got values from {y.min()} to {y.max()}")
    return y


class BinaryCrossEntropy:
    """Mean binary cross-entropy, the paper's Eq. (7).

    ``E = -(1/m) sum_i [y_i log a_i + (1 - y_i) log(1 - a_i)]`` for an output
    ``A`` of shape ``(1, m)`` with entries in (0, 1) (a sigmoid output).
    """

    name = "bce"
    n_outputs = 1

    def __call__(self, A: np.ndarray, y: np.ndarray):
        if A.ndim != 2 or A.shape[0] != 1:
            raise ValueError(f"binary cross-entropy needs an output of shape (1, m), got {A.shape}")
        Y = _check_labels(A, y, 2).reshape(1, -1).astype(A.dtype)
        m = A.shape[1]
        with np.errstate(divide="ignore", invalid="ignore"):
            value = -(float(np.dot(Y[0], np.log(A[0]))) + float(np.dot(1 - Y[0], np.log(1 - A[0])))) / m
            # The course's dAL, divided by m here rather than in dW.
            dA = -(Y / A - (1 - Y) / (1 - A)) / m
        return value, dA

    def describe(self) -> str:
        return "binary cross-entropy"


class AdditiveMarginSoftmax:
    """Additive-margin softmax (AM-softmax) loss.

    ``E = (1/m) sum_i -log( e^{s (c_{y_i,i} - margin)} / (e^{s (c_{y_i,i} - margin)} + sum_{j != y_i} e^{s c_{j,i}}) )``

    where ``c = A`` of shape ``(K, m)`` is what the chosen reading feeds in:
    the sigmoid outputs (reading ``"sigmoid"``) or cosine logits of a cosine
    output layer (reading ``"cosine"``, see :class:`pwcore.network.Network`).

    Parameters
    ----------
    s : float
        Scale, > 0.
    margin : float
        Additive margin ``m`` of the AM-softmax paper, >= 0.
    n_classes : int
        K.
    """

    name = "am_softmax"

    def __init__(self, s: float = 1.0, margin: float = 1.0, n_classes: int = 10):
        if not np.isfinite(s) or s <= 0:
            raise ValueError(f"AM-softmax scale s must be a positive finite number, got {s!r}")
        if not np.isfinite(margin) or margin < 0:
            raise ValueError(f"AM-softmax margin must be a finite number >= 0, got {margin!r}")
        if int(n_classes) < 2:
            raise ValueError(f"AM-softmax needs at least 2 classes, got {n_classes!r}")
        self.s, self.margin, self.n_outputs = float(s), float(margin), int(n_classes)

    def __call__(self, A: np.ndarray, y: np.ndarray):
        if A.ndim != 2 or A.shape[0] != self.n_outputs:
            raise ValueError(f"AM-softmax with {self.n_outputs} classes needs an output of shape ({self.n_outputs}, m), got {A.shape}")
        y = _check_labels(A, y, self.n_outputs)
        m = A.shape[1]
        target = y * m + np.arange(m)  # flat positions of (y_i, i): faster than 2-D fancy indexing
        logits = self.s * A
        logits.reshape(-1)[target] -= self.s * self.margin
        logits -= logits.max(axis=0, keepdims=True)
        probs = np.exp(logits)
        total = probs.sum(axis=0)
        value = float(np.sum(np.log(total) - logits.reshape(-1)[target])) / m
        probs /= total
        probs.reshape(-1)[target] -= 1
        probs *= self.s / m
        return value, probs

    def uninformative_loss(self) -> float:
        """The loss when every class gets the same ``c`` (any value): ``log(1 + (K-1) e^{s margin})``."""
        return float(np.log1p((self.n_outputs - 1) * np.exp(self.s * self.margin)))

    def describe(self) -> str:
        return f"additive-margin softmax (s={self.s:g}, m={self.margin:g})"


def make_loss(name: str, n_classes: int = 2, s: float = 1.0, margin: float = 1.0):
    """Build a loss by name: ``"bce"`` or ``"am_softmax"``."""
    if name == "bce":
        return BinaryCrossEntropy()
    if name == "am_softmax":
        return AdditiveMarginSoftmax(s, margin, n_classes)
    raise ValueError(f"unknown loss {name!r}: choose 'bce' or 'am_softmax'")
