"""Held-out metrics."""
from __future__ import annotations

import numpy as np

from .network import Network


def predicted_classes(output: np.ndarray) -> np.ndarray:
    """Class of each column of a network output of shape ``(..., n_L, m)``: threshold 0.5 for one output, else argmax.

    Returns
    -------
    ndarray of int, shape (..., m)
    """
    if output.shape[-2] == 1:
        return (output[..., 0, :] > 0.5).astype(np.int64)
    return np.argmax(output, axis=-2)


def accuracy(net: Network, X: np.ndarray, y: np.ndarray):
    """Fraction of the ``m`` columns of ``X`` (shape ``(n_0, m)``) classified as ``y`` (shape ``(m,)``).

    A float for one network; an array of shape ``(R,)`` for a stack of ``R`` runs.
    """
    per_run = np.mean(predicted_classes(net.predict(X)) == y, axis=-1)
    return float(per_run[0]) if net.n_runs == 1 else per_run

