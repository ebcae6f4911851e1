"""A stack of fully connected networks in the paper's (and the course's) notation.

Samples are columns: the input ``X = A[0]`` has shape ``(n_0, m)``. Layer
``l = 1 ... L`` computes ``Z[l] = W[l] A[l-1] + b[l]`` and ``A[l] = phi_l(Z[l])``.
Lists are indexed from 1 like the text; index 0 of ``W`` and ``b`` is unused.

A :class:`Network` holds ``R >= 1`` *runs* of one architecture: every
parameter has a leading run axis, ``W[l]`` of shape ``(R, n_l, n_{l-1})``, and
every activation above the input too, ``A[l]`` of shape ``(R, n_l, m)``. The
runs share the input, so the first layer of all of them is one product
``(R n_1, n_0) @ (n_0, m)``; the layers above are products with a leading run
axis (``np.matmul``). A single network is ``R = 1`` of the same code.

The output layer may instead be a *cosine* layer (one reading of the paper's
additive-margin softmax, design.md open question 6): ``Z[L] = Wn Xn`` where
``Wn`` has unit-norm rows and ``Xn`` unit-norm columns; it has no bias.
"""
from __future__ import annotations

import numpy as np

from .activations import get_activation
from .dtypes import resolve_dtype
from .init import initial_weights

OUTPUT_LAYERS = ("dense", "cosine")
_NORM_FLOOR = 1e-12  # a dead (all-zero) feature column has no direction


def _transposed(a: np.ndarray) -> np.ndarray:
    """Swap the last two axes (a 2-D transpose per run)."""
    return a.swapaxes(-1, -2)


def _reusable(array, shape: tuple, dtype):
    """``array`` if it has this shape and dtype (to be overwritten), else None.

    Writing a layer's new values over its old buffer instead of allocating a new
    one spares the page faults of fresh memory, which cost more than the
    arithmetic on arrays of tens of megabytes.
    """
    return array if array is not None and array.shape == shape and array.dtype == dtype else None


def weight_gradient(dZ: np.ndarray, A_prev: np.ndarray) -> np.ndarray:
    """``dZ A_prev^T`` per run: the sum over the ``m`` samples of each one's weight gradient.

    Parameters
    ----------
    dZ : ndarray, shape (R, n_l, m)
    A_prev : ndarray, shape (R, n_{l-1}, m), or (n_{l-1}, m) when the runs share it (the input)

    Returns
    -------
    ndarray, shape (R, n_l, n_{l-1})
    """
    R, n_l, m = dZ.shape
    if A_prev.ndim == 2:  # the shared input: one product for all runs
        flat = dZ.reshape(R * n_l, m)
        return _gradient_product(flat, A_prev).reshape(R, n_l, A_prev.shape[0])
    return _gradient_product(dZ, A_prev)


def _gradient_product(dZ: np.ndarray, A_prev: np.ndarray) -> np.ndarray:
    if dZ.dtype == np.float32:
        # OpenBLAS's float32 kernels run the transposed product 4-15 % faster on the thin
        # products with the whole input (same sums; bit-identical on this project's machine).
        return _transposed(np.matmul(A_prev, _transposed(dZ)))
    return np.matmul(dZ, _transposed(A_prev))


class ForwardCache:
    """Activations of one forward pass of every run, reused across sub-steps.

    Attributes
    ----------
    A : list of ndarray
        ``A[0]`` is the shared input of shape ``(n_0, m)``; ``A[l]`` has shape ``(R, n_l, m)``.
    Z : list of ndarray
        ``Z[l]`` of shape ``(R, n_l, m)``; ``Z[0]`` is unused.
    """

    def __init__(self, X: np.ndarray, n_layers: int):
        self.A = [X] + [None] * n_layers
        self.Z = [None] * (n_layers + 1)
        self._scratch = {}  # reused buffers of the backward pass, by name

    def scratch(self, name, shape: tuple, dtype) -> np.ndarray:
        """A buffer kept for ``name``, of this shape and dtype (its old contents are to be overwritten)."""
        buffer = _reusable(self._scratch.get(name), shape, dtype)
        if buffer is None:
            buffer = self._scratch[name] = np.empty(shape, dtype)
        return buffer

    @property
    def output(self) -> np.ndarray:
        return self.A[-1]

    def select(self, runs: np.ndarray) -> None:
        """Keep only the runs ``runs`` (indices into the run axis)."""
        self.A[1:] = [None if A is None else A[runs] for A in self.A[1:]]
        self.Z[1:] = [None if Z is None else Z[runs] for Z in self.Z[1:]]
        self._scratch = {}


class Network:
    """``R`` fully connected networks ``n_0 -> n_1 -> ... -> n_L`` of one architecture.

    Parameters
    ----------
    weights : sequence of ndarray
        ``W[l]`` of shape ``(n_l, n_{l-1})`` (one run) or ``(R, n_l, n_{l-1})``, l = 1 ... L.
    activations : sequence of str
        One name per layer (see :mod:`pwcore.activations`).
    biases : sequence of ndarray, optional
        ``b[l]`` of shape ``(n_l, 1)``, ``(n_l,)`` or ``(R, n_l, 1)``; zeros when omitted (as in the paper).
    output_layer : {"dense", "cosine"}
        Kind of the last layer.
    dtype : {"float64", "float32"}
        Storage and arithmetic precision of the parameters.
    """

    def __init__(self, weights, activations, biases=None, output_layer="dense", dtype="float64"):
        self.dtype = resolve_dtype(dtype)
        weights = [np.asarray(W) for W in weights]
        if not weights or any(W.ndim not in (2, 3) for W in weights) or len({W.ndim for W in weights}) > 1:
            raise ValueError("weights must be a non-empty list of arrays W[l] of shape (n_l, n_{l-1}), "
                             "or (R, n_l, n_{l-1}) for R runs")
        weights = [W if W.ndim == 3 else W[None] for W in weights]
        if len({W.shape[0] for W in weights}) > 1:
            raise ValueError(f"every W[l] needs the same number of runs, got {[W.shape[0] for W in weights]}")
        for l in range(1, len(weights)):
            if weights[l].shape[2] != weights[l - 1].shape[1]:
                raise ValueError(
                    f"weight shapes do not chain: W[{l}] is {weights[l - 1].shape[1:]} but "
                    f"W[{l + 1}] is {weights[l].shape[1:]}; W[l+1] needs n_l = {weights[l - 1].shape[1]} columns"
                )
        if len(activations) != len(weights):
            raise ValueError(f"need one activation per layer: {len(weights)} layers, {len(activations)} activations")
        if output_layer not in OUTPUT_LAYERS:
            raise ValueError(f"unknown output layer {output_layer!r}: choose one of {OUTPUT_LAYERS}")
        R = weights[0].shape[0]
        if biases is None:
            biases = [np.zeros((R, W.shape[1], 1)) for W in weights]
        biases = [np.asarray(b) for b in biases]
        try:
            biases = [np.broadcast_to(b.reshape(-1, W.shape[1], 1), W.shape[:2] + (1,))
                      for b, W in zip(biases, weights, strict=True)]
        except ValueError:
            raise ValueError("each bias b[l] needs n_l entries (per run), the row count of W[l]") from None
        self.W = [None] + [np.array(W, dtype=self.dtype, order="C") for W in weights]
        self.b = [None] + [np.array(b, dtype=self.dtype) for b in biases]
        self.phi = [None] + [get_activation(a) for a in activations]
        self.output_layer = output_layer

    @classmethod
    def initialize(cls, sizes, activations, scheme="course", seed=1, stream="legacy",
                   output_layer="dense", dtype="float64"):
        """Build one network (``R = 1``) with zero biases and freshly drawn weights.

        See :func:`pwcore.init.initial_weights` for ``scheme``, ``seed`` and ``stream``.
        """
        sizes = [int(n) for n in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes must list at least two positive layer widths, got {sizes}")
        return cls(initial_weights(sizes, scheme, seed, stream), activations,
                   output_layer=output_layer, dtype=dtype)

    @classmethod
    def stack(cls, networks) -> "Network":
        """The runs of ``networks`` (all of one architecture and dtype) in one network, in order."""
        first = networks[0]
        if any(n.sizes != first.sizes or n.activation_names != first.activation_names
               or n.output_layer != first.output_layer or n.dtype != first.dtype for n in networks):
            raise ValueError("only networks of one architecture, output layer and dtype can be stacked")
        return cls([np.concatenate([n.W[l] for n in networks]) for l in range(1, first.n_layers + 1)],
                   first.activation_names, [np.concatenate([n.b[l] for n in networks])
                                            for l in range(1, first.n_layers + 1)],
                   first.output_layer, first.dtype)

    # --- structure -----------------------------------------------------
    @property
    def n_layers(self) -> int:
        return len(self.W) - 1

    @property
    def n_runs(self) -> int:
        return self.W[1].shape[0]

    @property
    def sizes(self) -> list:
        return [self.W[1].shape[2]] + [W.shape[1] for W in self.W[1:]]

    @property
    def activation_names(self) -> list:
        return [p.name for p in self.phi[1:]]

    def copy(self) -> "Network":
        """An independent copy (the paper's "each weight was copied")."""
        return Network(self.W[1:], self.activation_names, self.b[1:], self.output_layer, self.dtype)

    def select(self, runs) -> "Network":
        """A new network of the runs ``runs`` (indices into the run axis), copied."""
        runs = np.atleast_1d(runs)
        return Network([W[runs] for W in self.W[1:]], self.activation_names, [b[runs] for b in self.b[1:]],
                       self.output_layer, self.dtype)

    def assign(self, other: "Network") -> None:
        """Overwrite this network's parameters with ``other``'s (same shapes), in place."""
        for mine, theirs in zip(self.parameters(), other.parameters()):
            mine[...] = theirs

    def parameters(self) -> list:
        """The arrays ``[W1, b1, ..., WL, bL]`` (views, not copies)."""
        return [p for l in range(1, self.n_layers + 1) for p in (self.W[l], self.b[l])]

    def layer_flops(self, l: int, m: int) -> int:
        """Multiply-add FLOPs of one run's ``(n_l, n_{l-1}) x (n_{l-1}, m)`` product of layer ``l``."""
        _, n_out, n_in = self.W[l].shape
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
        """Recompute ``Z[l]`` and ``A[l]`` of every run from ``A[l-1]`` (over their old buffers)."""
        R, n_l, n_prev = self.W[l].shape
        shape = (R, n_l, cache.A[0].shape[1])
        if l == self.n_layers and self.output_layer == "cosine":
            Z = self._cosine_forward(cache)
        else:
            Z = _reusable(cache.Z[l], shape, self.dtype)
            if Z is None:
                Z = np.empty(shape, self.dtype)
            if l == 1:  # the shared input: one product for all runs
                np.matmul(self.W[1].reshape(R * n_l, n_prev), cache.A[0], out=Z.reshape(R * n_l, -1))
            else:
                np.matmul(self.W[l], cache.A[l - 1], out=Z)
            Z += self.b[l]
        cache.Z[l] = Z
        cache.A[l] = self.phi[l].phi(Z, out=_reusable(cache.A[l], shape, self.dtype))

    def forward(self, cache: ForwardCache, start: int = 1) -> np.ndarray:
        """Recompute layers ``start ... L`` and return the output ``A[L]`` of shape ``(R, n_L, m)``.

        Layers below ``start`` are taken from the cache unchanged.
        """
        for l in range(start, self.n_layers + 1):
            self.forward_layer(cache, l)
        return cache.output

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Network output ``A[L]`` of shape ``(R, n_L, m)`` for inputs ``X`` of shape ``(n_0, m)``."""
        return self.forward(self.new_cache(X))

    # --- backward ------------------------------------------------------
    def backprop_layer(self, cache: ForwardCache, l: int, dA: np.ndarray, need_dA_prev: bool = True):
        """Gradients of layer ``l`` of every run given ``dA = dE/dA[l]`` of shape ``(R, n_l, m)``.

        ``dA`` is overwritten (it becomes ``dE/dZ[l]``); ``dA_prev`` is a buffer of the cache,
        overwritten by the next call for the same layer.

        Returns
        -------
        dW : ndarray, shape (R, n_l, n_{l-1})
        db : ndarray, shape (R, n_l, 1)
        dA_prev : ndarray of shape (R, n_{l-1}, m), or None
            ``dE/dA[l-1]``, computed with the weights as they are now (before any update).
        """
        dZ = np.multiply(dA, self.phi[l].dphi(cache.Z[l], cache.A[l]), out=dA)
        if l == self.n_layers and self.output_layer == "cosine":
            dW, dA_prev = self._cosine_backward(cache, dZ, need_dA_prev)
            return dW, np.zeros_like(self.b[l]), dA_prev
        dW = weight_gradient(dZ, cache.A[l - 1])
        db = dZ.sum(axis=2, keepdims=True)
        dA_prev = None
        if need_dA_prev:
            shape = (dZ.shape[0], self.W[l].shape[2], dZ.shape[2])
            dA_prev = np.matmul(_transposed(self.W[l]), dZ, out=cache.scratch(("dA", l - 1), shape, self.dtype))
        return dW, db, dA_prev

    def backward(self, cache: ForwardCache, dA_out: np.ndarray, depth: int) -> dict:
        """Back-propagate through the last ``depth`` layers only.

        Returns
        -------
        dict
            ``{l: (dW, db)}`` for l = L - depth + 1 ... L, each of shape ``(R, ...)``.
        """
        if not 1 <= depth <= self.n_layers:
            raise ValueError(f"depth must be between 1 and {self.n_layers}, got {depth}")
        grads, dA = {}, dA_out
        lowest = self.n_layers - depth + 1
        for l in range(self.n_layers, lowest - 1, -1):
            dW, db, dA = self.backprop_layer(cache, l, dA, need_dA_prev=l > lowest)
            grads[l] = (dW, db)
        return grads

    def update_layer(self, l: int, dW: np.ndarray, db: np.ndarray, rates: np.ndarray) -> None:
        """``W[l] -= rate dW``, ``b[l] -= rate db`` in place, with each run's rate.

        Parameters
        ----------
        rates : ndarray, shape (R,)
            In the network's dtype (a float64 rate would change float32 results' rounding).
        """
        rate = rates.reshape(-1, 1, 1)
        self.W[l] -= rate * dW
        self.b[l] -= rate * db

    # --- cosine output layer -------------------------------------------
    def _cosine_norms(self, X: np.ndarray) -> tuple:
        """Row norms of ``W[L]``, shape (R, n_L, 1), and column norms of ``X = A[L-1]``, shape (R, 1, m)."""
        w_norm = np.maximum(np.linalg.norm(self.W[-1], axis=2, keepdims=True), _NORM_FLOOR)
        x_norm = np.maximum(np.linalg.norm(X, axis=1, keepdims=True), _NORM_FLOOR)
        return w_norm, x_norm

    def _cosine_forward(self, cache: ForwardCache) -> np.ndarray:
        W, X = self.W[-1], cache.A[-2]
        w_norm, x_norm = self._cosine_norms(X)
        return np.matmul(W / w_norm, X) / x_norm

    def _cosine_backward(self, cache: ForwardCache, dZ: np.ndarray, need_dA_prev: bool):
        # The norms of the weights and inputs as they are now: under the printed reading of
        # Algorithm 2, A[L-1] may have been recomputed since the output was (a stale output).
        W, X = self.W[-1], cache.A[-2]
        w_norm, x_norm = self._cosine_norms(X)
        W_hat, X_hat = W / w_norm, X / x_norm
        # d(v/|v|) = (I - v_hat v_hat^T) d v_hat / |v|, applied row-wise to W and column-wise to X.
        dW_hat = weight_gradient(dZ, X_hat)
        dW = (dW_hat - W_hat * np.sum(W_hat * dW_hat, axis=2, keepdims=True)) / w_norm
        dA_prev = None
        if need_dA_prev:
            dX_hat = np.matmul(_transposed(W_hat), dZ)
            dA_prev = (dX_hat - X_hat * np.sum(X_hat * dX_hat, axis=1, keepdims=True)) / x_norm
        return dW, dA_prev
