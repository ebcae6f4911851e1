"""Mini-batch epochs against the plain-NumPy reference of test_reference.py, and their bookkeeping."""
import math

import numpy as np
import pytest

from conftest import small_problem
from pwcore import BinaryCrossEntropy, train_runs
from pwcore.calibration import calibrate
from pwcore.experiments import ExperimentConfig
from pwcore.minibatch import minibatch_columns
from pwcore.optimizers import make_optimizer
from pwcore.training import Run
from test_reference import Reference, adam_update, bce, fresh_substep, final_loss

M, SIZE, EPOCHS = 23, 5, 3  # 5 mini-batches an epoch, the last of 3 samples


def reference_minibatch(ref, X, y, lr, epochs, k_values, shuffle_seed):
    """The whole-set loss at the start of each epoch (and after the last); in between, for each mini-batch
    of the epoch's order, the schedule's sub-steps (``k_values``: how many of the last layers each updates)."""
    rng, losses = np.random.default_rng(shuffle_seed), []
    for _ in range(epochs):
        losses.append(final_loss(ref, X, y))
        order = rng.permutation(X.shape[1])
        for start in range(0, X.shape[1], SIZE):
            columns = order[start:start + SIZE]
            for k in k_values:
                fresh_substep(ref, X[:, columns], y[columns], lr, k)
    return losses + [final_loss(ref, X, y)]


def _reference(net):
    return Reference([net.W[l][0] for l in range(1, net.n_layers + 1)],
                     [net.b[l][0] for l in range(1, net.n_layers + 1)], "sigmoid", bce)


def _run(net, name, rate, minibatch=SIZE, target=None, max_epochs=EPOCHS, shuffle_seed=7):
    return Run(net, BinaryCrossEntropy(), make_optimizer(name, rate), target, max_epochs, "epoch", minibatch,
               shuffle_seed)


def test_an_epoch_s_mini_batches_cover_every_sample_once():
    parts = minibatch_columns(M, SIZE, np.random.default_rng(0))
    assert [len(p) for p in parts] == [5, 5, 5, 5, 3]
    assert sorted(np.concatenate(parts).tolist()) == list(range(M))
    again = minibatch_columns(M, SIZE, np.random.default_rng(0))
    assert all(np.array_equal(a, b) for a, b in zip(parts, again))


@pytest.mark.parametrize("name, rate", [("gd", 0.5), ("pw", 0.5), ("pw-adam", 0.01)])
def test_mini_batch_training_agrees_with_the_reference(name, rate):
    net, X, y = small_problem(m=M, seed=4)
    ref = _reference(net)
    if "adam" in name:
        ref.update = adam_update(ref)
    k_values = [net.n_layers] if name == "gd" else list(range(1, net.n_layers + 1))
    expected = reference_minibatch(ref, X, y, rate, EPOCHS, k_values, shuffle_seed=7)
    run = _run(net, name, rate)
    history = train_runs([run], X, y)[0]
    assert history.status == "max_epochs" and history.epochs_completed == EPOCHS
    np.testing.assert_allclose(history.eval_loss, expected, rtol=1e-8 if "adam" in name else 1e-10, atol=0)
    assert expected[-1] < expected[0]
    for l in range(1, net.n_layers + 1):
        np.testing.assert_allclose(run.net.W[l][0], ref.W[l], rtol=1e-8, atol=1e-12)


def test_the_order_differs_between_epochs_and_follows_the_shuffle_seed():
    net, X, y = small_problem(m=M, seed=4)
    finals = {seed: train_runs([_run(net.copy(), "gd", 0.5, shuffle_seed=seed)], X, y)[0].final_loss
              for seed in (1, 2)}
    assert finals[1] != finals[2]  # (that the order changes every epoch, the reference test checks)


def test_updates_per_epoch_are_the_schedule_times_the_mini_batches():
    net, X, y = small_problem(m=M, seed=4)
    batches = math.ceil(M / SIZE)
    for name, per_layer in (("gd", [1, 1, 1, 1]), ("pw", [1, 2, 3, 4])):
        history = train_runs([_run(net.copy(), name, 0.1, max_epochs=2)], X, y)[0]
        assert history.updates_per_layer.tolist() == [2 * batches * n for n in per_layer]


def test_mini_batch_runs_in_a_stack_give_what_they_give_alone():
    problems = [small_problem(m=M, seed=seed) for seed in (1, 2, 3)]
    X, y = problems[0][1], problems[0][2]
    make = lambda: [_run(net.copy(), "pw-momentum", 0.1, target=target, max_epochs=30)
                    for (net, _, _), target in zip(problems, (0.55, 0.45, None))]
    stacked = train_runs(make(), X, y)
    alone = [train_runs([run], X, y)[0] for run in make()]
    assert len({h.epochs_completed for h in stacked}) > 1
    for a, b in zip(stacked, alone):
        np.testing.assert_allclose(a.eval_loss, b.eval_loss, rtol=1e-12, atol=0)


def test_one_mini_batch_of_everything_is_full_batch_gradient_descent():
    net, X, y = small_problem(m=M, seed=4)
    full = train_runs([Run(net.copy(), BinaryCrossEntropy(), make_optimizer("gd", 0.5), None, EPOCHS)], X, y)[0]
    whole = train_runs([_run(net.copy(), "gd", 0.5, minibatch=M)], X, y)[0]
    np.testing.assert_allclose(whole.eval_loss, full.eval_loss, rtol=1e-12)  # only the order of the sums differs


@pytest.mark.parametrize("minibatch, name, reading, message", [
    (0, "gd", "prose", "minibatch must be a positive number of samples or None"),
    (2.5, "gd", "prose", "minibatch must be a positive number of samples or None"),
    (4, "pw", "printed", "Algorithm 2 as printed is defined for the full batch only"),
])
def test_bad_mini_batches_are_refused(minibatch, name, reading, message):
    net = small_problem()[0]
    with pytest.raises(ValueError, match=message):
        Run(net, BinaryCrossEntropy(), make_optimizer(name, 0.1, reading), None, 3, "epoch", minibatch)
    with pytest.raises(ValueError, match=message):  # in an experiment's settings too, before anything is built
        ExperimentConfig.paper("cat", minibatch=minibatch, algorithm2=reading)


def test_a_calibration_with_mini_batches_refuses_the_printed_reading_before_training():
    configs = [ExperimentConfig.paper("cat", minibatch=8)]
    with pytest.raises(ValueError, match="printed is defined for the full batch only"):
        calibrate(None, configs, algorithm2=("prose", "printed"), log=pytest.fail)
