"""Weight initialization schemes and their random streams.

Two schemes stand for the paper's "normal Xavier" (design.md, open question 2):

``"glorot"``
    Glorot-normal: ``W ~ N(0, 2 / (fan_in + fan_out))``.
``"course"``
    ``randn(fan_out, fan_in) / sqrt(fan_in)``, the scheme of the Coursera Deep
    Learning Specialization (course 1, "Deep Neural Network - Application"),
    which course materials call Xavier.

Two random streams make a seed reproducible:

``"legacy"``
    NumPy's legacy Mersenne-Twister stream: the weights equal those drawn by
    ``np.random.seed(seed)`` followed by one ``np.random.randn`` per layer,
    input layer first, so the course's published weights are reproduced exactly.
    The global NumPy state is not touched.
``"generator"``
    ``np.random.default_rng(seed)`` (PCG64), the modern stream.
"""
from __future__ import annotations

import numpy as np

from .checks import is_whole

SCHEMES = ("glorot", "course")
STREAMS = ("legacy", "generator")


def _standard_normal_source(seed: int, stream: str):
    if stream == "legacy":
        return np.random.RandomState(seed).randn
    if stream == "generator":
        rng = np.random.default_rng(seed)
        return lambda *shape: rng.standard_normal(shape)
    raise ValueError(f"unknown random stream {stream!r}: choose one of {STREAMS}")


def _scale(scheme: str, fan_in: int, fan_out: int) -> float:
    if scheme == "glorot":
        return float(np.sqrt(2.0 / (fan_in + fan_out)))
    if scheme == "course":
        return float(1.0 / np.sqrt(fan_in))
    raise ValueError(f"unknown initialization scheme {scheme!r}: choose one of {SCHEMES}")


def initial_weights(sizes, scheme="course", seed=1, stream="legacy"):
    """Draw the weight matrices of a fully connected network.

    Parameters
    ----------
    sizes : sequence of int, length L + 1
        Layer widths ``n_0`` (input) ... ``n_L`` (output).
    scheme : {"glorot", "course"}
        Variance scaling, see the module docstring.
    seed : int
        Seed of the random stream.
    stream : {"legacy", "generator"}
        Which NumPy random stream draws the standard normals.

    Returns
    -------
    list of ndarray
        ``W[l]`` of shape ``(n_l, n_{l-1})`` for l = 1 ... L, float64.
    """
    _scale(scheme, 1, 1)  # validate the name before drawing anything
    if not is_whole(seed) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    draw = _standard_normal_source(int(seed), stream)
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        # Multiplying or dividing by the scale matters for bit-exactness with the course.
        if scheme == "course":
            weights.append(draw(fan_out, fan_in) / np.sqrt(fan_in))
        else:
            weights.append(draw(fan_out, fan_in) * _scale(scheme, fan_in, fan_out))
    return weights
