"""The same stacked epoch as pwcore's, written in JAX on the CPU (``jax.jit`` of ``jax.vmap``), for the sweep benchmark.

The network (all ``R`` runs of a stack), full batch, dtype and initial weights
are pwcore's; the samples are rows (``X.T`` copied once to the device). Each
sub-step is one function of a single run, mapped over the run axis with
``jax.vmap`` (the shared input unmapped, so the first layer of all runs is one
product with it, as in pwcore) and compiled with ``jax.jit``, one per depth.

Gradient descent: one sub-step that forwards every layer and back-propagates
through all of them. Position-wise ("prose" reading): the first sub-step of an
epoch forwards every layer (all are stale after the last epoch's updates),
keeps each layer's ``Z`` and ``A`` below the top, and updates the top layer;
sub-step ``k`` then starts from the cached ``Z`` of layer ``L - k + 1`` (not
updated yet), recomputes only the layers above it (updated by sub-step
``k - 1``), and back-propagates through the last ``k`` layers; the weight
gradient of the lowest one is ``dZ^T A`` with its cached input. The matrix
products are pwcore's, one for one.
"""
from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)  # float64 runs stay float64; float32 arrays stay float32

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

_PHI = {"relu": jax.nn.relu, "sigmoid": jax.nn.sigmoid, "identity": lambda z: z}


class JaxNetwork:
    """A copy of a dense-output :class:`pwcore.network.Network` of ``R`` runs with an AM-softmax loss.

    Parameters
    ----------
    net : pwcore.network.Network
        Copied: layer ``l`` becomes ``(W, b)`` of shapes (R, n_l, n_{l-1}) and (R, n_l).
    loss : pwcore.losses.AdditiveMarginSoftmax
        With one set of parameters or one per run.
    X : ndarray, shape (n_0, m)
    y : ndarray of int, shape (m,)
    """

    def __init__(self, net, loss, X: np.ndarray, y: np.ndarray):
        if net.output_layer != "dense" or loss.name != "AM-softmax":
            raise ValueError("the JAX reference covers the dense output layer with AM-softmax only")
        self.R, self.L, self.dtype = net.n_runs, net.n_layers, net.dtype
        self.params = [(jnp.asarray(W), jnp.asarray(b[..., 0])) for W, b in zip(net.W[1:], net.b[1:])]
        self.phi = [_PHI[name] for name in net.activation_names]  # phi[l - 1] is layer l's
        self.X = jnp.asarray(np.ascontiguousarray(X.T))  # (m, n_0)
        self.onehot = jax.nn.one_hot(jnp.asarray(y), net.sizes[-1], dtype=net.dtype)  # (m, K)
        # each run's s and s * margin, computed in float64 and rounded once to the dtype, as pwcore does
        s, margin = np.broadcast_to(loss.s, self.R), np.broadcast_to(loss.margin, self.R)
        self.scale, self.shift = jnp.asarray(s.astype(net.dtype)), jnp.asarray((s * margin).astype(net.dtype))
        self._compiled = {}

    # --- one run (mapped over the run axis) --------------------------------------
    def _forward(self, params, A, first: int):
        """Layers ``first ...`` of one run from their input ``A`` (m, n); returns every (Z, A) computed."""
        cache = []
        for l, (W, b) in enumerate(params, start=first):
            Z = A @ W.T + b
            A = self.phi[l - 1](Z)
            cache.append((Z, A))
        return cache

    def _loss(self, A, scale, shift):
        logits = scale * A - shift * self.onehot
        return jnp.mean(jax.nn.logsumexp(logits, axis=1) - jnp.sum(logits * self.onehot, axis=1))

    @staticmethod
    def _updated(params, grads, rates):
        return [(W - rate * dW, b - rate * db) for (W, b), (dW, db), rate in zip(params, grads, rates)]

    def _fresh_substep(self, depth: int):
        """Forward every layer from the input, back-propagate through the last ``depth`` and update them."""
        lowest = self.L - depth + 1

        def substep(params, X, scale, shift, rates):
            below = self._forward(params[:lowest - 1], X, 1)  # not differentiated: kept for the later sub-steps
            A = below[-1][1] if below else X

            def loss(top):
                return self._loss(self._forward(top, A, lowest)[-1][1], scale, shift)
            value, grads = jax.value_and_grad(loss)(params[lowest - 1:])
            return value, params[:lowest - 1] + self._updated(params[lowest - 1:], grads, rates[lowest - 1:]), below
        return jax.jit(jax.vmap(substep, in_axes=(0, None, 0, 0, 0)))

    def _cached_substep(self, depth: int):
        """From the cached ``Z`` of layer ``L - depth + 1`` and its cached input: forward the layers above,
        back-propagate through the last ``depth`` layers and update them."""
        lowest = self.L - depth + 1

        def substep(top, Z, A_below, scale, shift, rates):
            def loss(Z, above):
                return self._loss(self._forward(above, self.phi[lowest - 1](Z), lowest + 1)[-1][1], scale, shift)
            value, (dZ, grads_above) = jax.value_and_grad(loss, argnums=(0, 1))(Z, top[1:])
            grads = [(dZ.T @ A_below, dZ.sum(axis=0))] + list(grads_above)
            return value, self._updated(top, grads, rates[lowest - 1:])
        return jax.jit(jax.vmap(substep, in_axes=(0, 0, None if lowest == 1 else 0, 0, 0, 0)))

    def _function(self, kind: str, depth: int):
        key = (kind, depth)
        if key not in self._compiled:
            self._compiled[key] = (self._fresh_substep if kind == "fresh" else self._cached_substep)(depth)
        return self._compiled[key]

    # --- what the benchmark asks ------------------------------------------------
    def epoch(self, optimizer: str, rates: np.ndarray) -> np.ndarray:
        """One epoch of ``"gd"`` or ``"pw"`` of every run, rates of shape (R, L); returns the losses
        at the first sub-step, shape (R,), once the epoch's updates are done."""
        rates = jnp.asarray(np.asarray(rates, dtype=self.dtype))
        L = self.L
        first, self.params, below = self._function("fresh", L if optimizer == "gd" else 1)(
            self.params, self.X, self.scale, self.shift, rates)
        if optimizer == "pw":
            for depth in range(2, L + 1):
                lowest = L - depth + 1
                Z = below[lowest - 1][0]
                A_below = below[lowest - 2][1] if lowest > 1 else self.X
                _, top = self._function("cached", depth)(self.params[lowest - 1:], Z, A_below,
                                                         self.scale, self.shift, rates)
                self.params = self.params[:lowest - 1] + list(top)
        jax.block_until_ready(self.params)
        return np.asarray(first, dtype=float)

    def current_losses(self) -> np.ndarray:
        """Each run's loss now, shape (R,)."""
        if "loss" not in self._compiled:
            def loss(params, X, scale, shift):
                return self._loss(self._forward(params, X, 1)[-1][1], scale, shift)
            self._compiled["loss"] = jax.jit(jax.vmap(loss, in_axes=(0, None, 0, 0)))
        return np.asarray(self._compiled["loss"](self.params, self.X, self.scale, self.shift), dtype=float)
