"""Invariants of gradient descent and both readings of the position-wise optimizer."""
import functools

import numpy as np
import pytest

from pwcore import (BinaryCrossEntropy, GradientDescent, Network, PositionWise, PositionWisePrinted,
                    make_optimizer, train)
from pwcore.batch import Batch
from pwcore.optimizers import run_epoch
from pwcore.rules import Plain
from conftest import small_problem

LOSS = BinaryCrossEntropy()


class OneRun:
    """What run_epoch needs of a stack, for one network trained in place."""

    def __init__(self, net, X, y, optimizer, n_parts=1):
        self.net, self.batch, self.loss = net, Batch(net, X, y, n_parts), LOSS
        self.rates = np.array([optimizer.rates(net.n_layers)]).astype(net.dtype)
        self.update = functools.partial(Plain().apply, {})  # the plain step


def run_epochs(net, X, y, optimizer, epochs=1, n_parts=1, observe=lambda losses, substep: True):
    """Run whole epochs without a target; return the batch's tally."""
    stack = OneRun(net, X, y, optimizer, n_parts)
    for _ in range(epochs):
        run_epoch(stack, optimizer, observe)
    return stack.batch.tally


def assert_same_parameters(a, b, **tolerance):
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(p, q, **tolerance)


def gd_step(net, X, y, lr):
    """One gradient-descent step written out independently of the optimizers."""
    cache = net.new_cache(X)
    _, dA = LOSS(net.forward(cache), y)
    for l, (dW, db) in net.backward(cache, dA, net.n_layers).items():
        net.W[l] -= lr * dW
        net.b[l] -= lr * db


@pytest.mark.parametrize("optimizer_class", [PositionWise, PositionWisePrinted])
@pytest.mark.parametrize("sizes", [(5, 4, 1), (6, 5, 4, 3, 1), (5, 4, 4, 4, 4, 4, 1)])
def test_layer_l_is_updated_l_times_per_epoch(optimizer_class, sizes):
    net, X, y = small_problem(sizes)
    tally = run_epochs(net, X, y, optimizer_class(0.01), epochs=3)
    L = net.n_layers
    np.testing.assert_array_equal(tally.updates, 3 * np.arange(1, L + 1))
    assert tally.log[:L] == [tuple(range(L - k + 1, L + 1)) for k in range(1, L + 1)]


def test_gradient_descent_updates_every_layer_once_per_epoch():
    net, X, y = small_problem()
    tally = run_epochs(net, X, y, GradientDescent(0.01), epochs=4)
    np.testing.assert_array_equal(tally.updates, [4] * net.n_layers)
    assert tally.log == [(1, 2, 3, 4)] * 4


def test_gradient_descent_is_a_plain_gradient_step():
    net, X, y = small_problem()
    reference = net.copy()
    run_epochs(net, X, y, GradientDescent(0.05))
    gd_step(reference, X, y, 0.05)
    assert_same_parameters(net, reference, rtol=0, atol=0)


def test_last_prose_substep_equals_a_gd_step_from_the_same_state():
    net, X, y = small_problem()
    optimizer = PositionWise(0.05)
    snapshots = []

    def observe(losses, substep):
        if substep == net.n_layers:
            snapshots.append(net.copy())
        return True

    run_epochs(net, X, y, optimizer, observe=observe)
    before_last = snapshots[0]
    gd_step(before_last, X, y, 0.05)
    assert_same_parameters(net, before_last, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("optimizer_class", [PositionWise, PositionWisePrinted])
def test_one_layer_network_gives_gradient_descent_exactly(optimizer_class):
    net, X, y = small_problem((6, 1))
    reference = net.copy()
    run_epochs(net, X, y, optimizer_class(0.1), epochs=5)
    run_epochs(reference, X, y, GradientDescent(0.1), epochs=5)
    assert_same_parameters(net, reference, rtol=0, atol=0)


def test_readings_agree_up_to_two_layers():
    net, X, y = small_problem((6, 5, 1))
    printed = net.copy()
    run_epochs(net, X, y, PositionWise(0.1), epochs=3)
    run_epochs(printed, X, y, PositionWisePrinted(0.1), epochs=3)
    assert_same_parameters(net, printed, rtol=1e-12, atol=1e-14)


def test_readings_differ_from_three_layers_on():
    net, X, y = small_problem((6, 5, 4, 1))
    printed = net.copy()
    run_epochs(net, X, y, PositionWise(0.5))
    run_epochs(printed, X, y, PositionWisePrinted(0.5))
    # Sub-steps 1 and 2 agree; sub-step 3 starts from a stale output in the printed reading.
    assert not np.allclose(net.W[3], printed.W[3], rtol=1e-9, atol=0)


class CountingNetwork(Network):
    """Counts how often each layer's forward pass runs."""

    def forward_layer(self, cache, l):
        self.calls[l] = self.calls.get(l, 0) + 1
        super().forward_layer(cache, l)


def test_prose_reading_recomputes_only_layers_whose_input_changed():
    base, X, y = small_problem((6, 5, 4, 3, 1))
    net = CountingNetwork(base.W[1:], base.activation_names, base.b[1:])
    net.calls = {}
    run_epochs(net, X, y, PositionWise(0.01), epochs=2)
    # Per epoch: a full forward, then layers L-k+2 ... L before sub-step k = 2 ... L.
    assert net.calls == {1: 2, 2: 4, 3: 6, 4: 8}


def test_flops_of_an_epoch():
    net, X, y = small_problem((6, 5, 4, 3, 1), m=10)
    per_layer = [2 * 10 * 5 * 6, 2 * 10 * 4 * 5, 2 * 10 * 3 * 4, 2 * 10 * 1 * 3]
    gd = run_epochs(net.copy(), X, y, GradientDescent(0.01))
    # forward all, weight gradients of all, input gradients of layers 2 ... L
    assert gd.flops == sum(per_layer) * 2 + sum(per_layer[1:])
    pw = run_epochs(net.copy(), X, y, PositionWise(0.01))
    forward = sum(per_layer) + sum(per_layer[3:]) + sum(per_layer[2:]) + sum(per_layer[1:])
    backward = sum(sum(per_layer[4 - k:]) + sum(per_layer[4 - k + 1:]) for k in range(1, 5))
    assert pw.flops == forward + backward


def test_layer_multipliers_scale_each_layer_step():
    net, X, y = small_problem((6, 5, 4, 1))
    reference = net.copy()
    run_epochs(net, X, y, GradientDescent(0.1, layer_multipliers=[1, 2, 3]))
    cache = reference.new_cache(X)
    _, dA = LOSS(reference.forward(cache), y)
    for l, (dW, db) in reference.backward(cache, dA, 3).items():
        reference.update_layer(l, dW, db, np.array([0.1 * l]))
    assert_same_parameters(net, reference, rtol=0, atol=0)


@pytest.mark.parametrize("args, message", [
    (("gd", 0.0), "positive"), (("gd", -1.0), "positive"), (("gd", float("nan")), "positive"),
    (("gd", "0.1"), "number"), (("sgd", 0.1), "unknown optimizer"),
    (("pw", 0.1, "sideways"), "Algorithm 2 reading"),
])
def test_invalid_optimizer_arguments_are_rejected(args, message):
    with pytest.raises(ValueError, match=message):
        make_optimizer(*args)


def test_wrong_number_of_layer_multipliers_is_rejected():
    net, X, y = small_problem((6, 5, 4, 1))
    with pytest.raises(ValueError, match="3-layer network"):
        train(net, X, y, LOSS, GradientDescent(0.1, layer_multipliers=[1, 2]), max_epochs=1)


@pytest.mark.parametrize("optimizer_class", [GradientDescent, PositionWise, PositionWisePrinted])
def test_a_batch_split_into_parts_matches_the_whole_batch_to_rounding(optimizer_class):
    net, X, y = small_problem((6, 5, 4, 3, 1), m=50)
    whole, split = net.copy(), net.copy()
    tally_whole = run_epochs(whole, X, y, optimizer_class(0.1), epochs=3, n_parts=1)
    tally_split = run_epochs(split, X, y, optimizer_class(0.1), epochs=3, n_parts=3)
    assert_same_parameters(whole, split, rtol=1e-12, atol=1e-14)
    assert tally_whole.flops == tally_split.flops and tally_whole.log == tally_split.log

