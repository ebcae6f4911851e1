"""Held-out metrics."""
from __future__ import annotations

import numpy as np

from .network import Network


def predicted_classes(output: np.ndarray) -> np.ndarray:
    """Class of each column of a network output of shape ``(n_L, m)``: threshold 0.5 for one output, else argmax."""
    if output.shape[0] == 1:
        return (output[0] > 0.5).astype(np.int64)
    return np.argmax(output, axis=0)


def accuracy(net: Network, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of the ``m`` columns of ``X`` (shape ``(n_0, m)``) classified as ``y`` (shape ``(m,)``)."""
    return float(np.mean(predicted_classes(net.predict(X)) == y))
