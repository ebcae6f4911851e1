"""Element-wise activation functions and their derivatives.

Each activation is a pair ``(phi, dphi)`` where ``phi(Z)`` maps the
pre-activation ``Z`` to the activation ``A`` and ``dphi(Z, A)`` returns
``dA/dZ`` element-wise (it may use either argument, whichever is cheaper).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Activation:
    """A named element-wise non-linearity.

    Attributes
    ----------
    name : str
        The name used in parameters and reports.
    phi : callable
        ``phi(Z, out=None) -> A``, both of shape ``(..., n, m)``; written into ``out`` when given
        (the identity returns ``Z`` itself).
    dphi : callable
        ``dphi(Z, A) -> dA/dZ`` of shape ``(..., n, m)`` or a scalar that broadcasts to it (boolean for
        ReLU, whose derivative is 0 or 1; 1 for the identity).
    """

    name: str
    phi: Callable[[np.ndarray], np.ndarray]
    dphi: Callable[[np.ndarray, np.ndarray], np.ndarray]


def _sigmoid(Z: np.ndarray, out=None) -> np.ndarray:
    # 1 / (1 + exp(-Z)) as in the course code, in one buffer; exp overflow to inf gives 0, not NaN.
    A = np.negative(Z, out=out)
    with np.errstate(over="ignore"):
        np.exp(A, out=A)
    A += 1
    return np.reciprocal(A, out=A)


# dphi of ReLU stays boolean: dA * (Z > 0) multiplies by exactly 1 or 0 without a float temporary.
RELU = Activation("relu", lambda Z, out=None: np.maximum(Z, 0, out=out), lambda Z, A: Z > 0)
SIGMOID = Activation("sigmoid", _sigmoid, lambda Z, A: A * (1 - A))
IDENTITY = Activation("identity", lambda Z, out=None: Z, lambda Z, A: 1)  # a scalar 1 broadcasts, exactly

ACTIVATIONS = {a.name: a for a in (RELU, SIGMOID, IDENTITY)}


def get_activation(name: str) -> Activation:
    """Return the activation called ``name``.

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message lists the known names.
    """
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown activation {name!r}: choose one of {sorted(ACTIVATIONS)}"
        ) from None
