"""Held-out accuracy watched epoch by epoch, accuracy targets, and the softmax cross-entropy on logits."""
import math

import numpy as np
import pytest

from conftest import small_problem
from pwcore import BinaryCrossEntropy, train_runs
from pwcore.experiments import SOFTMAX, ExperimentConfig, build
from pwcore.losses import AdditiveMarginSoftmax
from pwcore.metrics import accuracy
from pwcore.optimizers import make_optimizer
from pwcore.plain import history_from, history_values
from pwcore.training import Run

TRAIN = 40  # the first 40 columns train; the other 30 are held out


def problem(seed=3):
    net, X, y = small_problem(m=TRAIN + 30, seed=seed)
    return net, X[:, :TRAIN], y[:TRAIN], (X[:, TRAIN:], y[TRAIN:])


def run(net, held_out=None, target=None, accuracy_target=None, max_epochs=12, name="pw", stop_rule="evaluation"):
    return Run(net, BinaryCrossEntropy(), make_optimizer(name, 0.5), target, max_epochs, stop_rule,
               held_out=held_out, accuracy_target=accuracy_target)


def test_the_held_out_accuracy_is_the_network_s_after_each_complete_epoch():
    net, X, y, held_out = problem()
    watched = run(net.copy(), held_out, max_epochs=5)
    history = train_runs([watched], X, y)[0]
    expected = []
    for epochs in range(0, 6):
        alone = net.copy()
        if epochs:
            train_runs([run(alone, max_epochs=epochs)], X, y)
        expected.append(accuracy(alone, *held_out))
    assert history.held_out.epoch_accuracy.tolist() == expected  # the same weights, the same products
    assert len(set(expected)) > 1  # the accuracy moves, so a misaligned epoch would show


def test_watching_the_held_out_data_changes_nothing_in_training():
    net, X, y, held_out = problem()
    free = train_runs([run(net.copy())], X, y)[0]
    target = float(free.eval_loss[len(free.eval_loss) // 2]) * (1 + 1e-9)  # reached part-way
    plain = train_runs([run(net.copy(), target=target)], X, y)[0]
    watched = train_runs([run(net.copy(), held_out, target=target)], X, y)[0]
    assert plain.held_out is None and watched.held_out is not None
    assert watched.eval_loss.tolist() == plain.eval_loss.tolist() and watched.stopped_at == plain.stopped_at
    assert watched.held_out.loss_hit == plain.stopped_at and watched.status == "target"
    assert watched.epochs_to_loss_target() == plain.epochs_to_loss_target() == plain.epochs_elapsed


def test_an_accuracy_target_stops_the_run_at_the_first_epoch_that_reaches_it():
    net, X, y, held_out = problem()
    curve = train_runs([run(net.copy(), held_out, max_epochs=12)], X, y)[0].held_out.epoch_accuracy
    goal = float(np.max(curve[1:]))  # reached after some epochs, not at the start
    first = int(np.argmax(curve >= goal))
    history = train_runs([run(net.copy(), held_out, accuracy_target=goal)], X, y)[0]
    assert history.status == "target" and history.held_out.accuracy_hit == first
    assert history.epochs_completed == first and history.stopped_at == (first + 1, 1)
    assert history.epochs_to_accuracy_target() == first and math.isnan(history.epochs_to_loss_target())
    assert f"held-out accuracy >= {goal:g} after {first} epochs" in history.message


def test_with_both_targets_a_run_stops_once_it_has_reached_the_later():
    net, X, y, held_out = problem()
    alone = train_runs([run(net.copy(), held_out, max_epochs=12)], X, y)[0]
    losses, curve = alone.epoch_loss, alone.held_out.epoch_accuracy
    loss_target = float(losses[2]) * 1.000001  # first reached by the loss after 2 epochs
    goal = float(np.max(curve))
    both = train_runs([run(net.copy(), held_out, target=loss_target, accuracy_target=goal, stop_rule="epoch")],
                      X, y)[0]
    first_accuracy = int(np.argmax(curve >= goal))
    assert both.held_out.loss_hit == (3, 1) and both.held_out.accuracy_hit == first_accuracy
    assert both.epochs_completed == max(2, first_accuracy) and both.status == "target"


def test_stacked_runs_watch_each_its_own_accuracy():
    _, X, y, held_out = problem(3)
    nets = [problem(seed)[0] for seed in (3, 4, 5)]  # one data set, three initial networks
    stacked = train_runs([run(net.copy(), held_out, max_epochs=4) for net in nets], X, y)
    assert {h.stack_size for h in stacked} == {3}
    for history, net in zip(stacked, nets):
        alone = train_runs([run(net.copy(), held_out, max_epochs=4)], X, y)[0]
        # a stack's products may round differently in the last bit: at most one of 30 samples flips
        assert np.max(np.abs(history.held_out.epoch_accuracy - alone.held_out.epoch_accuracy)) <= 1 / 30 + 1e-12
        assert len(history.held_out.epoch_accuracy) == 5


def test_a_history_with_held_out_accuracy_survives_the_store_and_one_without_reads_as_before():
    net, X, y, held_out = problem()
    watched = train_runs([run(net.copy(), held_out, accuracy_target=0.9, max_epochs=3)], X, y)[0]
    again = history_from(history_values(watched))
    assert again.held_out.epoch_accuracy.tolist() == watched.held_out.epoch_accuracy.tolist()
    assert again.held_out.accuracy_target == 0.9 and again.held_out.accuracy_hit == watched.held_out.accuracy_hit
    plain = train_runs([run(net.copy(), max_epochs=3)], X, y)[0]
    assert "held_out" not in history_values(plain) and history_from(history_values(plain)).held_out is None


@pytest.mark.parametrize("arguments, message", [
    ({"accuracy_target": 0.9}, "needs held_out=\\(X, y\\)"),
    ({"accuracy_target": 1.5, "held_out": "ok"}, "a fraction in \\(0, 1\\]"),
    ({"held_out": "transposed"}, "X of shape \\(6, m'\\) and y of shape \\(m',\\)"),
    ({"held_out": "nan"}, "NaN or infinite"),
])
def test_bad_held_out_arguments_are_refused_with_the_fix(arguments, message):
    net, X, y, held_out = problem()
    given = {"ok": held_out, "transposed": (held_out[0].T, held_out[1]),
             "nan": (np.full_like(held_out[0], np.nan), held_out[1])}
    if "held_out" in arguments:
        arguments = {**arguments, "held_out": given[arguments["held_out"]]}
    with pytest.raises(ValueError, match=message):
        run(net, **arguments)


def test_softmax_on_logits_is_the_standard_cross_entropy():
    config = ExperimentConfig.paper("mnist").with_overrides({"loss": SOFTMAX})
    net, loss = build(config, n_features=6, n_classes=4)
    assert net.activation_names[-1] == "identity" and net.output_layer == "dense"
    rng = np.random.default_rng(0)
    logits, y = rng.normal(size=(4, 9)) * 3, rng.integers(0, 4, size=9)
    value, dA = loss(logits, y)
    shifted = logits - logits.max(axis=0)
    log_softmax = shifted - np.log(np.exp(shifted).sum(axis=0))
    assert value == pytest.approx(-np.mean(log_softmax[y, np.arange(9)]), rel=1e-13)
    one_hot = np.eye(4)[:, y]
    np.testing.assert_allclose(dA, (np.exp(log_softmax) - one_hot) / 9, rtol=1e-12, atol=1e-15)
    assert isinstance(loss, AdditiveMarginSoftmax) and loss.margin.tolist() == [0.0]


def test_a_run_that_diverges_records_no_accuracy_for_its_diverged_weights():
    net, X, y, held_out = problem()
    history = train_runs([Run(net.copy(), BinaryCrossEntropy(), make_optimizer("gd", 1e6), None, 12, "evaluation",
                              held_out=held_out)], X, y)[0]
    assert history.status == "diverged"
    accuracy = history.held_out.epoch_accuracy
    assert np.isnan(accuracy[-1]) and np.isfinite(accuracy[0])
    assert np.array_equal(np.isfinite(accuracy), np.isfinite(history.epoch_loss))


def test_stacks_are_planned_with_room_for_the_held_out_samples(monkeypatch):
    from pwcore import memory
    net, X, y, held_out = problem()
    big = (np.repeat(held_out[0], 4, axis=1), np.repeat(held_out[1], 4))  # 120 held-out samples beside 40
    one = memory.stack_bytes(net, X.shape[1], 1)
    monkeypatch.setattr(memory, "available_bytes", lambda: int(4 * one / memory.MEMORY_SHARE))  # 4 plain runs fit
    plain = train_runs([run(net.copy(), max_epochs=1) for _ in range(3)], X, y)
    watched = train_runs([run(net.copy(), big, max_epochs=1) for _ in range(3)], X, y)
    assert {h.stack_size for h in plain} == {3} and {h.stack_size for h in watched} == {1}


def test_a_loss_target_hit_inside_an_epoch_counts_its_sub_step_while_the_run_goes_on_to_the_accuracy():
    net, X, y, held_out = problem()
    free = train_runs([run(net.copy(), held_out, max_epochs=12)], X, y)[0]
    inside = np.flatnonzero(free.eval_substep > 1)[2]  # an evaluation inside an epoch
    target = float(free.eval_loss[inside]) * (1 + 1e-9)
    first = int(np.argmax(free.eval_loss < target))
    curve = free.held_out.epoch_accuracy
    goal = float(np.max(curve))
    later = int(np.argmax(curve >= goal))
    assert free.eval_epoch[first] - 1 < later  # the accuracy comes after the loss
    both = train_runs([run(net.copy(), held_out, target=target, accuracy_target=goal)], X, y)[0]
    assert both.held_out.loss_hit == (free.eval_epoch[first], free.eval_substep[first])
    assert both.epochs_to_loss_target() == free.eval_positions[first] and both.stopped_at == (later + 1, 1)


def test_a_mini_batch_run_watches_its_accuracy_after_each_whole_epoch():
    net, X, y, held_out = problem()
    watched = Run(net.copy(), BinaryCrossEntropy(), make_optimizer("pw", 0.5), None, 3, "epoch", 10, 7,
                  held_out=held_out)
    history = train_runs([watched], X, y)[0]
    alone = Run(net.copy(), BinaryCrossEntropy(), make_optimizer("pw", 0.5), None, 3, "epoch", 10, 7)
    train_runs([alone], X, y)
    assert len(history.held_out.epoch_accuracy) == 4
    assert history.held_out.epoch_accuracy[-1] == accuracy(alone.net, *held_out)
