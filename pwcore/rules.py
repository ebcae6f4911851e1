"""Update rules: how a layer's gradient becomes the change of its weights.

An optimizer (:mod:`pwcore.optimizers`) is a schedule (which layers each sub-step updates) and a rule;
the rule is applied to every layer a sub-step updates, so each rule has a gradient-descent form (one
sub-step updating all layers) and a position-wise form (the schedule applied to the rule's step).

* :class:`Plain`: ``W -= eta g``, the paper's.
* :class:`HeavyBall`: Polyak's momentum, ``v = beta v + g; W -= eta v`` (``v`` starts at 0).
* :class:`Adam`: Kingma and Ba's, ``m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
  W -= eta m_hat / (sqrt(v_hat) + eps)`` with the bias corrections ``m_hat = m / (1 - b1^t)``,
  ``v_hat = v / (1 - b2^t)``.

State is kept per layer and per run (the run axis first), for weights and biases alike; ``t`` counts
the updates *of that layer*, so under the position-wise schedule layer ``l`` of ``L`` advances ``l``
times per epoch and GD's layers once. Defaults are the usual ones (beta 0.9; Adam 0.9, 0.999, 1e-8).
"""
from __future__ import annotations

import inspect

import numpy as np

from .checks import is_number


class Plain:
    """``W -= eta g``: the update of the paper's two optimizers."""

    name = "plain"

    def key(self) -> tuple:
        """Runs whose rules have equal keys can share a stack."""
        return (self.name,)

    def new_state(self, net) -> dict:
        """The rule's state for the runs of ``net`` (a stacked :class:`~pwcore.network.Network`): the plain
        step keeps nothing between updates, so ``{}``; the rules below keep arrays shaped like ``net``'s layers."""
        return {}

    def apply(self, state: dict, net, l: int, dW: np.ndarray, db: np.ndarray, rates: np.ndarray) -> None:
        """Update layer ``l`` of ``net`` in place from its gradients ``dW`` ``(R, n_l, n_{l-1})`` and ``db``
        ``(R, n_l, 1)``, with each run's rate ``rates`` ``(R,)`` (in the network's dtype)."""
        net.update_layer(l, dW, db, rates)

    @staticmethod
    def select(state: dict, runs: np.ndarray) -> None:
        """Keep the state of the runs ``runs`` only (indices into the run axis), in place."""
        for l, arrays in state.items():
            state[l] = {name: value[runs] if isinstance(value, np.ndarray) else value
                        for name, value in arrays.items()}


class HeavyBall(Plain):
    """Polyak's heavy-ball momentum: ``v = beta v + g``, ``W -= eta v``.

    Parameters
    ----------
    beta : float
        In [0, 1); 0 gives :class:`Plain`'s steps.
    """

    name = "momentum"

    def __init__(self, beta: float = 0.9):
        self.beta = _fraction("beta", beta)

    def key(self) -> tuple:
        return (self.name, self.beta)

    def apply(self, state, net, l, dW, db, rates) -> None:
        if l not in state:
            state[l] = {"W": np.zeros_like(dW), "b": np.zeros_like(db)}
        velocity = state[l]
        for name, gradient in (("W", dW), ("b", db)):
            velocity[name] *= velocity[name].dtype.type(self.beta)
            velocity[name] += gradient
        net.update_layer(l, velocity["W"], velocity["b"], rates)


class Adam(Plain):
    """Kingma and Ba's Adam, with bias correction; ``t`` counts the updates of each layer.

    Parameters
    ----------
    beta1, beta2 : float
        In [0, 1).
    eps : float
        > 0, added to ``sqrt(v_hat)``.
    """

    name = "adam"

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.beta1, self.beta2 = _fraction("beta1", beta1), _fraction("beta2", beta2)
        if not np.isfinite(eps) or eps <= 0:
            raise ValueError(f"eps must be a positive number, got {eps!r}")
        self.eps = float(eps)

    def key(self) -> tuple:
        return (self.name, self.beta1, self.beta2, self.eps)

    def apply(self, state, net, l, dW, db, rates) -> None:
        if l not in state:
            state[l] = {"t": 0, "mW": np.zeros_like(dW), "vW": np.zeros_like(dW),
                        "mb": np.zeros_like(db), "vb": np.zeros_like(db)}
        moments = state[l]
        moments["t"] += 1
        steps = [self._direction(moments, "W", dW), self._direction(moments, "b", db)]
        net.update_layer(l, *steps, rates)

    def _direction(self, moments: dict, name: str, gradient: np.ndarray) -> np.ndarray:
        """``m_hat / (sqrt(v_hat) + eps)`` for the weights (``name`` "W") or biases ("b"), after this gradient."""
        dtype = gradient.dtype.type
        m, v, t = moments["m" + name], moments["v" + name], moments["t"]
        m *= dtype(self.beta1)
        m += dtype(1 - self.beta1) * gradient
        v *= dtype(self.beta2)
        v += dtype(1 - self.beta2) * gradient * gradient
        m_hat = m / dtype(1 - self.beta1 ** t)
        v_hat = v / dtype(1 - self.beta2 ** t)
        return m_hat / (np.sqrt(v_hat) + dtype(self.eps))


RULES = {"plain": Plain, "momentum": HeavyBall, "adam": Adam}


def make_rule(name: str, **options) -> Plain:
    """The rule ``name`` (``"plain"``, ``"momentum"`` or ``"adam"``) with ``options`` (its hyperparameters)."""
    if name not in RULES:
        raise ValueError(f"unknown update rule {name!r}: choose one of {tuple(RULES)}")
    accepted = sorted(inspect.signature(RULES[name]).parameters)
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise ValueError(f"update rule {name!r} takes no option {unknown}; it takes {accepted or 'none'}")
    return RULES[name](**options)


def _fraction(name: str, value) -> float:
    if not is_number(value) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)
