"""A fully connected network in the paper's (and the course's) notation.

Samples are columns: the input ``X = A[0]`` has shape ``(n_0, m)``. Layer
``l = 1 ... L`` computes ``Z[l] = W[l] A[l-1] + b[l]`` and ``A[l] = phi_l(Z[l])``.
Lists are indexed from 1 like the text; index 0 of ``W`` and ``b`` is unused.

The output layer may instead be a *cosine* layer (one reading of the paper's
additive-margin softmax, design.md open question 6): ``Z[L] = Wn Xn`` where
``Wn`` has unit-norm rows and ``Xn`` unit-norm columns; it has no bias.
"""
from __future__ import annotations

import numpy as np

from .activations import get_activation
from .init import initial_weights

OUTPUT_LAYERS = ("dense", "cosine")
_NORM_FLOOR = 1e-12  # a dead (all-zero) feature column has no direction


def weight_gradient(dZ: np.ndarray, A_prev: np.ndarray) -> np.ndarray:
    """``dZ A_prev^T``: the sum over the ``m`` samples of each one's weight gradient.

    Parameters
    ----------
    dZ : ndarray, shape (n_l, m)
    A_prev : ndarray, shape (n_{l-1}, m)

    Returns
    -------
    ndarray, shape (n_l, n_{l-1})
    """
    if dZ.dtype == np.float32:
        # OpenBLAS's float32 kernels run the transposed product 4-15 % faster on the thin
        # products with the whole input (same sums; bit-identical on this project's machine).
        return (A_prev @ dZ.T).T
    return dZ @ A_prev.T


def resolve_dtype(dtype) -> np.dtype:
    """Return ``np.float64`` or ``np.float32`` for a dtype or its name."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
    return resolved


class ForwardCache:
    """Activations of one forward pass, reused across sub-steps.

    Attributes
    ----------
    A : list of ndarray
        ``A[l]`` of shape ``(n_l, m)``; ``A[0]`` is the input.
    Z : list of ndarray
        ``Z[l]`` of shape ``(n_l, m)``; ``Z[0]`` is unused.
    stale_from : int
        Layers ``stale_from ... L`` must be recomputed before their output is used
        (``L + 1`` when all is up to date). Optimizers maintain it.
    """

    def __init__(self, X: np.ndarray, n_layers: int):
        self.A = [X] + [None] * n_layers
        self.Z = [None] * (n_layers + 1)
        self.cosine_norms = None  # (row norms of W[L], column norms of A[L-1])
        self.stale_from = 1  # the lowest layer whose cached output is out of date

    @property
    def output(self) -> np.ndarray:
        return self.A[-1]


class Network:
    """Fully connected network ``n_0 -> n_1 -> ... -> n_L``.

    Parameters
    ----------
    weights : sequence of ndarray
        ``W[l]`` of shape ``(n_l, n_{l-1})``, l = 1 ... L.
    activations : sequence of str
        One name per layer (see :mod:`pwcore.activations`).
    biases : sequence of ndarray, optional
        ``b[l]`` of shape ``(n_l, 1)``; zeros when omitted (as in the paper).
    output_layer : {"dense", "cosine"}
        Kind of the last layer.
    dtype : {"float64", "float32"}
        Storage and arithmetic precision of the parameters.
    """

    def __init__(self, weights, activations, biases=None, output_layer="dense", dtype="float64"):
        self.dtype = resolve_dtype(dtype)
        weights = [np.asarray(W) for W in weights]
        if not weights or any(W.ndim != 2 for W in weights):
            raise ValueError("weights must be a non-empty list of 2-D arrays W[l] of shape (n_l, n_{l-1})")
        for l in range(1, len(weights)):
            if weights[l].shape[1] != weights[l - 1].shape[0]:
                raise ValueError(
                    f"weight shapes do not chain: W[{l}] is {weights[l - 1].shape} but "
                    f"W[{l + 1}] is {weights[l].shape}; W[l+1] needs n_l = {weights[l - 1].shape[0]} columns"
                )
        if len(activations) != len(weights):
            raise ValueError(f"need one activation per layer: {len(weights)} layers, {len(activations)} activations")
        if output_layer not in OUTPUT_LAYERS:
            raise ValueError(f"unknown output layer {output_layer!r}: choose one of {OUTPUT_LAYERS}")
        if biases is None:
            biases = [np.zeros((W.shape[0], 1)) for W in weights]
        biases = [np.asarray(b).reshape(-1, 1) for b in biases]
        if [b.shape[0] for b in biases] != [W.shape[0] for W in weights]:
            raise ValueError("each bias b[l] needs n_l entries, the row count of W[l]")
        self.W = [None] + [np.array(W, dtype=self.dtype, order="C") for W in weights]
        self.b = [None] + [np.array(b, dtype=self.dtype) for b in biases]
        self.phi = [None] + [get_activation(a) for a in activations]
        self.output_layer = output_layer

    @classmethod
    def initialize(cls, sizes, activations, scheme="course", seed=1, stream="legacy",
                   output_layer="dense", dtype="float64"):
        """Build a network with zero biases and freshly drawn weights.

        See :func:`pwcore.init.initial_weights` for ``scheme``, ``seed`` and ``stream``.
        """
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list at least two positive layer widths, got {sizes}")
        return cls(initial_weights(sizes, scheme, seed, stream), activations,
                   output_layer=output_layer, dtype=dtype)

    # --- structure -----------------------------------------------------
    @property
    def n_layers(self) -> int:
        return len(self.W) - 1

    @property
    def sizes(self) -> list:
        return [self.W[1].shape[1]] + [W.shape[0] for W in self.W[1:]]

    @property
    def activation_names(self) -> list:
        return [p.name for p in self.phi[1:]]

    def copy(self) -> "Network":
        """An independent copy (the paper's "each weight was copied")."""
        return Network(self.W[1:], self.activation_names, self.b[1:], self.output_layer, self.dtype)

    def parameters(self) -> list:
        """The arrays ``[W1, b1, ..., WL, bL]`` (views, not copies)."""
        return [p for l in range(1, self.n_layers + 1) for p in (self.W[l], self.b[l])]

    def layer_flops(self, l: int, m: int) -> int:
        """Multiply-add FLOPs of one ``(n_l, n_{l-1}) x (n_{l-1}, m)`` product of layer ``l``."""
        n_out, n_in = self.W[l].shape
        return 2 * m * n_out * n_in

    # --- forward -------------------------------------------------------
    def new_cache(self, X: np.ndarray) -> ForwardCache:
        """Check ``X`` of shape ``(n_0, m)`` and wrap it in an empty cache."""
        if not isinstance(X, np.ndarray) or X.ndim != 2:
            raise ValueError("X must be a 2-D array of shape (n_0 features, m samples)")
        if X.shape[0] != self.sizes[0]:
            raise ValueError(f"X has {X.shape[0]} features (rows) but the network expects n_0 = {self.sizes[0]}; "
                             "samples are columns: pass X.T if your samples are rows")
        if X.shape[1] == 0:
            raise ValueError("X has no samples (0 columns): pass at least one sample")
        if X.dtype != self.dtype:
            raise ValueError(f"X is {X.dtype} but the network is {self.dtype}: convert once with X.astype({self.dtype.name!r})")
        return ForwardCache(X, self.n_layers)

    def forward_layer(self, cache: ForwardCache, l: int) -> None:
        """Recompute ``Z[l]`` and ``A[l]`` from ``A[l-1]``."""
        if l == self.n_layers and self.output_layer == "cosine":
            Z = self._cosine_forward(cache)
        else:
            Z = self.W[l] @ cache.A[l - 1]
            Z += self.b[l]
        cache.Z[l] = Z
        cache.A[l] = self.phi[l].phi(Z)

    def forward(self, cache: ForwardCache, start: int = 1) -> np.ndarray:
        """Recompute layers ``start ... L`` and return the output ``A[L]`` of shape ``(n_L, m)``.

        Layers below ``start`` are taken from the cache unchanged.
        """
        for l in range(start, self.n_layers + 1):
            self.forward_layer(cache, l)
        return cache.output

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Network output ``A[L]`` of shape ``(n_L, m)`` for inputs ``X`` of shape ``(n_0, m)``."""
        return self.forward(self.new_cache(X))

    # --- backward ------------------------------------------------------
    def backprop_layer(self, cache: ForwardCache, l: int, dA: np.ndarray, need_dA_prev: bool = True):
        """Gradients of layer ``l`` given ``dA = dE/dA[l]`` of shape ``(n_l, m)``.

        Returns
        -------
        dW : ndarray, shape (n_l, n_{l-1})
        db : ndarray, shape (n_l, 1)
        dA_prev : ndarray of shape (n_{l-1}, m), or None
            ``dE/dA[l-1]``, computed with the weights as they are now (before any update).
        """
        dZ = dA * self.phi[l].dphi(cache.Z[l], cache.A[l])
        if l == self.n_layers and self.output_layer == "cosine":
            dW, dA_prev = self._cosine_backward(cache, dZ, need_dA_prev)
            return dW, np.zeros_like(self.b[l]), dA_prev
        dW = weight_gradient(dZ, cache.A[l - 1])
        db = dZ.sum(axis=1, keepdims=True)
        dA_prev = self.W[l].T @ dZ if need_dA_prev else None
        return dW, db, dA_prev

    def backward(self, cache: ForwardCache, dA_out: np.ndarray, depth: int) -> dict:
        """Back-propagate through the last ``depth`` layers only.

        Returns
        -------
        dict
            ``{l: (dW, db)}`` for l = L - depth + 1 ... L.
        """
        if not 1 <= depth <= self.n_layers:
            raise ValueError(f"depth must be between 1 and {self.n_layers}, got {depth}")
        grads, dA = {}, dA_out
        lowest = self.n_layers - depth + 1
        for l in range(self.n_layers, lowest - 1, -1):
            dW, db, dA = self.backprop_layer(cache, l, dA, need_dA_prev=l > lowest)
            grads[l] = (dW, db)
        return grads

    def update_layer(self, l: int, dW: np.ndarray, db: np.ndarray, learning_rate: float) -> None:
        """``W[l] -= lr dW``, ``b[l] -= lr db`` in place."""
        self.W[l] -= learning_rate * dW
        self.b[l] -= learning_rate * db

    # --- cosine output layer -------------------------------------------
    def _cosine_forward(self, cache: ForwardCache) -> np.ndarray:
        W, X = self.W[-1], cache.A[-2]
        w_norm = np.maximum(np.linalg.norm(W, axis=1, keepdims=True), _NORM_FLOOR)  # (n_L, 1)
        x_norm = np.maximum(np.linalg.norm(X, axis=0, keepdims=True), _NORM_FLOOR)  # (1, m)
        cache.cosine_norms = (w_norm, x_norm)
        return ((W / w_norm) @ X) / x_norm

    def _cosine_backward(self, cache: ForwardCache, dZ: np.ndarray, need_dA_prev: bool):
        W, X = self.W[-1], cache.A[-2]
        w_norm, x_norm = cache.cosine_norms
        W_hat, X_hat = W / w_norm, X / x_norm
        # d(v/|v|) = (I - v_hat v_hat^T) d v_hat / |v|, applied row-wise to W and column-wise to X.
        dW_hat = weight_gradient(dZ, X_hat)
        dW = (dW_hat - W_hat * np.sum(W_hat * dW_hat, axis=1, keepdims=True)) / w_norm
        dA_prev = None
        if need_dA_prev:
            dX_hat = W_hat.T @ dZ
            dA_prev = (dX_hat - X_hat * np.sum(X_hat * dX_hat, axis=0, keepdims=True)) / x_norm
        return dW, dA_prev
