"""Mini-batch epochs: the optimizer's schedule applied to each mini-batch in turn.

With mini-batches of ``b`` samples an epoch is one pass over the training set in a fresh random
order, ``ceil(m / b)`` mini-batches (the last one smaller when ``b`` does not divide ``m``). On each
mini-batch the optimizer's whole schedule runs, with its update rule:

* GD (and momentum, Adam): one step updating all ``L`` layers;
* PW: its ``L`` sub-steps, sub-step ``k`` updating the last ``k`` layers from an output brought up to
  date on that mini-batch (the prose reading; the printed one is defined for the full batch only).

So per epoch GD updates every layer ``ceil(m / b)`` times and PW layer ``l`` ``l ceil(m / b)`` times:
the position-wise schedule is applied per mini-batch, as it is applied per full batch in the paper.

The loss compared with the target is the whole training set's, evaluated at the start of every epoch
(and after the last), so a mini-batch run stops on whole epochs; that evaluation's forward pass is
counted in the FLOPs. The order is drawn every epoch from a generator seeded with the runs'
``shuffle_seed``, one per stack: the runs of a stack train on the same mini-batches.
"""
from __future__ import annotations

import numpy as np

from .batch import Batch


def minibatch_columns(m: int, size: int, rng: np.random.Generator) -> list:
    """The sample indices of each mini-batch of one epoch: a permutation of ``range(m)`` cut into ``size``s."""
    order = rng.permutation(m)
    return [order[start:start + size] for start in range(0, m, size)]


def run_minibatch_epoch(stack, optimizer, observe) -> bool:
    """One mini-batch epoch of every run in ``stack`` (see the module's description).

    Parameters
    ----------
    stack : pwcore.stack.Stack
        Read, never replaced: what :func:`pwcore.optimizers.run_epoch` reads (``net``, ``batch``,
        ``loss``, ``rates``, ``update``), and the training set ``X`` ``(n_0, m)`` and ``y`` ``(m,)``,
        ``minibatch`` (samples per mini-batch) and ``shuffle`` (a ``numpy.random.Generator``, advanced
        by one permutation per epoch). ``batch`` holds the whole training set: its loss is the one
        compared with the target, and its ``tally`` counts the mini-batches' work too.
    optimizer : LayerwiseOptimizer
    observe : callable
        ``observe(losses (R,), 1)``, False once no run is left.

    Returns
    -------
    bool
        False once no run is left.
    """
    stack.batch.invalidate()  # the weights changed since the last evaluation
    if not observe(stack.batch.losses(stack.net, stack.loss), 1):
        return False
    depths = optimizer.depths(stack.net.n_layers)
    for columns in minibatch_columns(stack.X.shape[1], stack.minibatch, stack.shuffle):
        # one part: the same sums on every machine, whatever its cores (a mini-batch is small); its work
        # is counted in the stack's tally, as the runs' work
        mini_batch = Batch(stack.net, stack.X[:, columns], stack.y[columns], n_parts=1, tally=stack.batch.tally)
        for depth in depths:
            mini_batch.losses(stack.net, stack.loss)  # recomputes what the last sub-step left stale; keeps dE/dA
            mini_batch.step(stack.net, depth, stack.rates, stack.update)
    return True
