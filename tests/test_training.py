"""Stopping rules, epoch counting, divergence, determinism and argument checks of train()."""
import warnings

import numpy as np
import pytest

from pwcore import (BinaryCrossEntropy, GradientDescent, Network, PositionWise,
                    PositionWisePrinted, Run, train, train_runs)
from conftest import small_problem

LOSS = BinaryCrossEntropy()


def histories_equal(a, b):
    return (np.array_equal(a.eval_loss, b.eval_loss) and a.epochs == b.epochs and a.status == b.status
            and np.array_equal(a.updates_per_layer, b.updates_per_layer))


@pytest.mark.parametrize("optimizer", [GradientDescent(0.2), PositionWise(0.2), PositionWisePrinted(0.2)])
def test_same_parameters_give_the_same_history(optimizer):
    first = train(*small_problem(), LOSS, optimizer, target=0.3, max_epochs=200)
    second = train(*small_problem(), LOSS, optimizer, target=0.3, max_epochs=200)
    assert histories_equal(first, second)


def test_history_records_every_evaluation():
    net, X, y = small_problem()
    history = train(net, X, y, LOSS, PositionWise(0.1), max_epochs=3)
    L = net.n_layers
    assert history.status == "max_epochs" and history.epochs == history.epochs_completed == 3
    assert len(history.eval_loss) == 3 * L + 1  # every sub-step, plus the loss after the last epoch
    assert list(history.eval_substep[:L]) == list(range(1, L + 1))
    assert len(history.epoch_loss) == 4 and history.epoch_loss[-1] == history.final_loss
    # the work recorded at each evaluation: the same in every epoch, and the run's total at its end
    per_epoch = np.diff(history.eval_flops[::L])
    assert np.all(per_epoch == per_epoch[0]) and history.eval_flops[-1] - history.eval_flops[0] == 3 * per_epoch[0]
    assert history.eval_flops[-1] == history.flops and history.eval_seconds[-1] == history.seconds
    assert history.eval_layer_updates[-1] == history.updates_per_layer.sum() == 3 * L * (L + 1) // 2


def test_epoch_rule_checks_only_at_epoch_starts():
    net, X, y = small_problem()
    free = train(net.copy(), X, y, LOSS, PositionWise(0.3), max_epochs=60)
    # a target crossed mid-epoch: some sub-step loss below it before the next epoch starts
    epoch_start = free.eval_substep == 1
    mid = np.flatnonzero(~epoch_start)
    target = float(free.eval_loss[mid[len(mid) // 2]]) + 1e-12
    by_epoch = train(net.copy(), X, y, LOSS, PositionWise(0.3), target=target, max_epochs=60, stop_rule="epoch")
    by_eval = train(net.copy(), X, y, LOSS, PositionWise(0.3), target=target, max_epochs=60, stop_rule="evaluation")
    assert by_eval.status == "target" and by_eval.stopped_at[1] > 1
    assert by_eval.epochs == by_eval.epochs_completed + 1  # the partly run epoch counts as one
    assert by_epoch.status == "target" and by_epoch.stopped_at[1] == 1
    assert by_epoch.epochs == by_epoch.epochs_completed >= by_eval.epochs_completed
    assert by_eval.eval_loss[-1] < target <= by_eval.eval_loss[:-1].min()


def test_reaching_the_target_counts_completed_epochs():
    net, X, y = small_problem()
    free = train(net.copy(), X, y, LOSS, GradientDescent(0.3), max_epochs=30)
    target = float(free.epoch_loss[10]) + 1e-12  # the loss after 10 epochs
    history = train(net.copy(), X, y, LOSS, GradientDescent(0.3), target=target, max_epochs=30)
    assert history.status == "target" and history.epochs == 10 and history.stopped_at == (11, 1)
    assert "10 epochs completed" in history.message


def test_target_already_met_stops_before_any_update():
    net, X, y = small_problem()
    history = train(net, X, y, LOSS, GradientDescent(0.1), target=100.0)
    assert history.status == "target" and history.epochs == 0 and history.updates_per_layer.sum() == 0


@pytest.mark.parametrize("optimizer", [GradientDescent(1e6), PositionWise(1e6), PositionWisePrinted(1e6)])
def test_divergence_ends_the_run_with_its_epoch(optimizer):
    net, X, y = small_problem()
    history = train(net, X, y, LOSS, optimizer, target=0.0, max_epochs=500)
    assert history.diverged, history.message
    assert f"diverged at epoch {history.stopped_at[0]}" in history.message
    assert "lower the learning rate" in history.message
    assert not np.isfinite(history.final_loss)


def test_runs_train_their_own_networks_in_place_and_leave_the_initial_one_unchanged():
    net, X, y = small_problem()
    before = [p.copy() for p in net.parameters()]
    runs = [Run(net.copy(), LOSS, GradientDescent(0.1), max_epochs=5), Run(net.copy(), LOSS, PositionWise(0.1), max_epochs=5)]
    histories = train_runs(runs, X, y)
    assert [h.optimizer for h in histories] == ["gd", "pw"]
    assert all(np.array_equal(p, q) for p, q in zip(before, net.parameters()))
    assert histories[0].epoch_loss[0] == histories[1].epoch_loss[0]
    alone = net.copy()
    train(alone, X, y, LOSS, PositionWise(0.1), max_epochs=5)
    assert all(np.array_equal(p, q) for p, q in zip(alone.parameters(), runs[1].net.parameters()))
    assert not np.array_equal(runs[1].net.W[1], net.W[1])


def test_reports_follow_each_run_to_its_history_and_change_nothing():
    net, X, y = small_problem()

    def runs():
        return [Run(net.copy(), LOSS, optimizer, target=0.45, max_epochs=30)
                for optimizer in (GradientDescent(0.1), PositionWise(0.05), PositionWise(0.3), PositionWise(0.3))]

    reports = []
    histories = train_runs(runs(), X, y, runs_per_stack=2, report=reports.append)
    assert all(histories_equal(a, b) for a, b in zip(histories, train_runs(runs(), X, y, runs_per_stack=2)))
    assert len({h.status for h in histories}) == 2  # some reach the target, some run out of epochs
    for index, history in enumerate(histories):
        mine = [r for r in reports if r.index == index]
        assert [r.status for r in mine] == [None] * (len(mine) - 1) + [history.status]
        assert [r.epochs_completed for r in mine[:-1]] == list(range(1, len(mine)))  # one report per epoch
        last = mine[-1]
        assert (last.optimizer, last.epochs_completed, last.last_loss, last.updates_per_layer) == (
            history.optimizer, history.epochs_completed, history.final_loss, tuple(history.updates_per_layer))
    gd = [r for r in reports if r.index == 0 and r.status is None]
    assert all(r.updates_per_layer == (r.epochs_completed,) * net.n_layers for r in gd)


@pytest.mark.parametrize("kwargs, message", [
    ({"max_epochs": 0}, "max_epochs"), ({"max_epochs": -3}, "max_epochs"), ({"max_epochs": 2.5}, "max_epochs"),
    ({"target": float("nan")}, "target"), ({"target": "0.1"}, "target"),
    ({"stop_rule": "sometimes"}, "stopping rule"),
])
def test_invalid_training_arguments_are_rejected(kwargs, message):
    net, X, y = small_problem()
    with pytest.raises(ValueError, match=message):
        train(net, X, y, LOSS, GradientDescent(0.1), **kwargs)


def test_mismatched_data_is_rejected_with_the_fix():
    net, X, y = small_problem()
    with pytest.raises(ValueError, match="pass X.T"):
        train(net, X.T.copy(), y, LOSS, GradientDescent(0.1))
    with pytest.raises(ValueError, match="astype"):
        train(net, X.astype(np.float32), y, LOSS, GradientDescent(0.1))
    with pytest.raises(ValueError, match="labels must have shape"):
        train(net, X, y[:-1], LOSS, GradientDescent(0.1))


def test_float32_training_stays_float32_and_tracks_float64():
    net64, X, y = small_problem()
    net32 = Network(net64.W[1:], net64.activation_names, net64.b[1:], dtype="float32")
    h64 = train(net64, X, y, LOSS, PositionWise(0.1), max_epochs=20)
    h32 = train(net32, X.astype(np.float32), y, LOSS, PositionWise(0.1), max_epochs=20)
    assert all(p.dtype == np.float32 for p in net32.parameters())
    np.testing.assert_allclose(h32.eval_loss, h64.eval_loss, rtol=1e-4)


def test_epochs_elapsed_counts_the_fraction_of_a_stopped_epoch():
    net, X, y = small_problem()
    free = train(net.copy(), X, y, LOSS, PositionWise(0.3), max_epochs=30)
    target = float(free.eval_loss[(free.eval_substep == 3)][5]) + 1e-12  # crossed before a third sub-step
    history = train(net.copy(), X, y, LOSS, PositionWise(0.3), target=target, max_epochs=30, stop_rule="evaluation")
    epoch, substep = history.stopped_at
    assert history.epochs_elapsed == pytest.approx(epoch - 1 + (substep - 1) / 4)
    assert history.epochs_completed <= history.epochs_elapsed < history.epochs_completed + 1
    unlimited = train(net.copy(), X, y, LOSS, PositionWise(0.3), max_epochs=3)
    assert unlimited.epochs_elapsed == 3.0


def test_training_on_parts_matches_the_whole_batch_and_reports_divergence_silently():
    net, X, y = small_problem((6, 5, 4, 3, 1), m=60)
    runs = [train(net.copy(), X, y, LOSS, PositionWise(0.05), max_epochs=20, n_parts=n)
            for n in (1, 2)]
    np.testing.assert_allclose(runs[0].eval_loss, runs[1].eval_loss, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the workers keep train's error state: no overflow warnings
        history = train(net.copy(), X * 1e3, y, LOSS, PositionWise(1e3), max_epochs=50, n_parts=2)
    assert history.status == "diverged"


@pytest.mark.parametrize("n_parts", [0, 61, 1.5, True])
def test_an_impossible_number_of_parts_is_named(n_parts):
    net, X, y = small_problem((6, 5, 1), m=60)
    with pytest.raises(ValueError, match="n_parts must be an integer from 1 to the 60 samples"):
        train(net, X, y, LOSS, GradientDescent(0.1), n_parts=n_parts)


def test_a_loss_exactly_at_the_target_has_not_reached_it():
    from pwcore.history import below_target
    target = 0.1
    just_below = np.nextafter(target, 0.0)
    assert not below_target(target, target, "evaluation", 2)
    assert below_target(just_below, target, "evaluation", 2)
    assert not below_target(just_below, target, "epoch", 2) and below_target(just_below, target, "epoch", 1)
    losses, substeps = np.array([0.2, target, just_below, just_below]), np.array([1, 1, 2, 1])
    assert below_target(losses, target, "evaluation", substeps).tolist() == [False, False, True, True]
    assert below_target(losses, target, "epoch", substeps).tolist() == [False, False, False, True]
