"""Each run of a stack gives what it gives alone: stacking is a speed-up, never a change of results
(beyond rounding in the last place, on some BLAS kernels: tests/tolerance.py)."""
import warnings

import numpy as np
import pytest

from pwcore import (AdditiveMarginSoftmax, BinaryCrossEntropy, GradientDescent, Network, PositionWise,
                    PositionWisePrinted, Run, train_runs)
from pwcore.memory import MEMORY_SHARE, stack_bytes, stack_sizes
from conftest import small_problem
from tolerance import assert_same_history, assert_same_weights

M = 60
# first-layer width 20, as the paper's (with OpenBLAS's Haswell kernel its stacked rows round as a run's own)
SIZES = {"bce": (30, 20, 7, 5, 1), "am": (30, 20, 7, 5, 3)}
OPTIMIZERS = [GradientDescent, PositionWise, PositionWisePrinted]


def data(kind, dtype, m=M, seed=123):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(SIZES[kind][0], m)).astype(dtype)
    y = rng.integers(0, max(SIZES[kind][-1], 2), size=m)
    return X, y


def make_net(kind, seed, dtype):
    sizes = SIZES[kind]
    last, output_layer = ("sigmoid", "dense") if kind == "bce" else ("identity", "cosine")
    return Network.initialize(sizes, ["relu"] * (len(sizes) - 2) + [last], scheme="glorot", seed=seed,
                              stream="generator", output_layer=output_layer, dtype=dtype)


def make_loss(kind, k):
    if kind == "bce":
        return BinaryCrossEntropy()
    return AdditiveMarginSoftmax(s=2.0 + 0.5 * k, margin=0.1 + 0.05 * (k % 3), n_classes=3)


def learning_rate(kind, k):
    return (0.05 if kind == "bce" else 0.2) * (1 + 0.3 * k)


def gapped_target(history, stop_rule, rel_gap=1e-3):
    """A target below the initial loss, in a gap between the losses the rule checks: every loss is at
    least half the gap away from it, so a run crosses it at the same evaluation whatever the last bits
    of its arithmetic. Under the "evaluation" rule, one crossed part-way through an epoch if there is one."""
    checked = history.eval_loss if stop_rule == "evaluation" else history.epoch_loss
    values = np.unique(checked[np.isfinite(checked) & (checked < checked[0])])
    gaps = np.flatnonzero(np.diff(values) > rel_gap * values[1:])
    targets = [float((values[j] + values[j + 1]) / 2) for j in gaps]
    if stop_rule == "evaluation":
        first = [history.eval_substep[np.argmax(history.eval_loss < t)] for t in targets]
        targets = [t for t, substep in zip(targets, first) if substep > 1] or targets
    return targets[len(targets) // 2] if targets else None


def make_runs(kind, optimizer_class, dtype, R):
    """R runs differing in seed, rate, loss parameters, stop rule, target and max_epochs."""
    runs = []
    for k in range(R):
        # float32's last-bit differences grow over epochs (a ReLU or a tiny norm amplifies them): keep its runs short
        max_epochs = 3 + 2 * k if dtype == "float64" else 1 + k % 3
        stop_rule = "evaluation" if k % 2 else "epoch"
        target = None
        if k % 3 == 1:  # a target crossed part-way: find one from a pilot run
            pilot = Run(make_net(kind, k, dtype), make_loss(kind, k), optimizer_class(learning_rate(kind, k)),
                        None, max_epochs)
            target = gapped_target(train_runs([pilot], *data(kind, dtype))[0], stop_rule)
        runs.append(Run(make_net(kind, k, dtype), make_loss(kind, k), optimizer_class(learning_rate(kind, k)),
                        target, max_epochs, stop_rule))
    return runs


def fresh(run):
    """The same run again, from a copy of its (so far untrained) network."""
    return Run(run.net.copy(), run.loss, run.optimizer, run.target, run.max_epochs, run.stop_rule)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["bce", "am"])
@pytest.mark.parametrize("optimizer_class", OPTIMIZERS)
@pytest.mark.parametrize("R", [1, 3, 8])
def test_each_run_of_a_stack_gives_what_it_gives_alone(R, optimizer_class, kind, dtype):
    X, y = data(kind, dtype)
    runs = make_runs(kind, optimizer_class, dtype, R)
    alone_runs = [fresh(run) for run in runs]
    initial = [run.net.copy() for run in runs]
    stacked = train_runs(runs, X, y)
    alone = [train_runs([run], X, y)[0] for run in alone_runs]
    for k, (s, a) in enumerate(zip(stacked, alone)):
        assert s.stack_size == R and a.stack_size == 1
        assert_same_history(s, a, dtype)
        assert_same_weights(runs[k].net, alone_runs[k].net, dtype)
        assert not all(np.array_equal(p, q) for p, q in zip(runs[k].net.parameters(), initial[k].parameters()))
    if R > 1:
        assert len({h.epochs for h in stacked}) > 1, "every run stopped at the same epoch: none left the stack early"
        assert {h.status for h in stacked} >= {"max_epochs"}
    if R >= 3:
        assert "target" in {h.status for h in stacked}
    if R == 8 and optimizer_class is not GradientDescent:
        assert any(h.stopped_at is not None and h.stopped_at[1] > 1 for h in stacked), "no run left mid-epoch"


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS)
def test_a_run_diverging_in_a_stack_leaves_the_others_unchanged(optimizer_class):
    X, y = data("bce", "float64")
    runs = [Run(make_net("bce", k, "float64"), BinaryCrossEntropy(), optimizer_class(rate), None, 6)
            for k, rate in enumerate([0.05, 1e6, 0.1, 0.02])]
    alone_runs = [fresh(run) for run in runs]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stacked = train_runs(runs, X, y)
        alone = [train_runs([run], X, y)[0] for run in alone_runs]
    assert [h.status for h in stacked] == ["max_epochs", "diverged", "max_epochs", "max_epochs"]
    diverged = stacked[1]
    assert not np.isfinite(diverged.eval_loss[-1]) and np.all(np.isfinite(diverged.eval_loss[:-1]))
    assert diverged.stopped_at == alone[1].stopped_at and diverged.stopped_at[0] <= 6
    for k in range(4):
        assert_same_history(stacked[k], alone[k])
        if k != 1:  # the diverged run's weights are infinite or NaN
            assert_same_weights(runs[k].net, alone_runs[k].net)


def test_layer_multipliers_may_differ_between_runs_of_one_stack():
    X, y = data("bce", "float64")
    multipliers = [None, [1, 1, 1, 1], [1, 2, 3, 4], [0.5, 1, 2, 0.25]]
    runs = [Run(make_net("bce", 0, "float64"), BinaryCrossEntropy(), GradientDescent(0.05, f), None, 5)
            for f in multipliers]
    alone_runs = [fresh(run) for run in runs]
    stacked = train_runs(runs, X, y)
    alone = [train_runs([run], X, y)[0] for run in alone_runs]
    assert all(h.stack_size == 4 for h in stacked)
    for k in range(4):
        assert_same_history(stacked[k], alone[k])
        assert_same_weights(runs[k].net, alone_runs[k].net)
    assert_same_history(stacked[1], stacked[0])  # factors of 1 are no factors (rows elsewhere in the stack)
    for a, b in [(1, 2), (1, 3), (2, 3)]:  # different factors, different runs: far apart, not by rounding
        assert np.max(np.abs(stacked[a].eval_loss - stacked[b].eval_loss)) > 1e-6
    # one GD step with factors [1, 2, 3, 4] moves layer l by l times the plain step
    one = [Run(make_net("bce", 0, "float64"), BinaryCrossEntropy(), GradientDescent(0.05, f), None, 1)
           for f in (None, [1, 2, 3, 4])]
    start = make_net("bce", 0, "float64")
    train_runs(one, X, y)
    for l in range(1, 5):
        np.testing.assert_allclose(one[1].net.W[l] - start.W[l], l * (one[0].net.W[l] - start.W[l]),
                                   rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("optimizer_class", OPTIMIZERS)
def test_a_stack_in_column_parts_matches_the_unsplit_stack(optimizer_class):
    X, y = data("am", "float64")
    def runs():
        return [Run(make_net("am", k, "float64"), make_loss("am", k), optimizer_class(learning_rate("am", k)),
                    None, 3 + k) for k in range(3)]
    whole_runs, split_runs = runs(), runs()
    whole = train_runs(whole_runs, X, y, n_parts=1)
    split = train_runs(split_runs, X, y, n_parts=2)
    for w, s, wr, sr in zip(whole, split, whole_runs, split_runs):
        assert_same_history(s, w)
        assert_same_weights(sr.net, wr.net)
    assert [h.epochs for h in split] == [3, 4, 5]


def test_train_runs_groups_mixed_runs_and_answers_in_input_order():
    X, y = data("bce", "float64")
    classes = [GradientDescent, PositionWise, GradientDescent, PositionWisePrinted, PositionWise, GradientDescent]
    def runs():
        return [Run(make_net("bce", k, "float64"), BinaryCrossEntropy(), cls(learning_rate("bce", k)), None, 2 + k)
                for k, cls in enumerate(classes)]
    mixed_runs, alone_runs = runs(), runs()
    lines = []
    mixed = train_runs(mixed_runs, X, y, log=lines.append)
    assert [h.optimizer for h in mixed] == ["gd", "pw", "gd", "pw-printed", "pw", "gd"]
    assert [h.stack_size for h in mixed] == [3, 2, 3, 1, 2, 3]
    assert [h.epochs for h in mixed] == [2, 3, 4, 5, 6, 7]
    assert sorted(lines) == sorted(["stack of 3 gd run(s)", "stack of 2 pw run(s)", "stack of 1 pw-printed run(s)"])
    for k, run in enumerate(alone_runs):
        alone = train_runs([run], X, y)[0]
        assert_same_history(mixed[k], alone)
        assert_same_weights(mixed_runs[k].net, run.net)


@pytest.mark.parametrize("runs_per_stack, sizes", [(None, [4] * 4), (1, [1] * 4), (2, [2] * 4), (3, [3, 3, 3, 1])])
def test_batch_size_limits_the_stack_without_changing_results(runs_per_stack, sizes):
    X, y = data("bce", "float64")
    def runs():
        return [Run(make_net("bce", k, "float64"), BinaryCrossEntropy(), PositionWise(learning_rate("bce", k)),
                    None, 2 + k) for k in range(4)]
    reference_runs, batched_runs = runs(), runs()
    reference = [train_runs([run], X, y)[0] for run in reference_runs]
    lines = []
    batched = train_runs(batched_runs, X, y, runs_per_stack=runs_per_stack, log=lines.append)
    assert [h.stack_size for h in batched] == sizes
    assert len(lines) == {None: 1, 1: 4, 2: 2, 3: 2}[runs_per_stack]
    for k in range(4):
        assert_same_history(batched[k], reference[k])
        assert_same_weights(batched_runs[k].net, reference_runs[k].net)


def test_stack_sizes_split_runs_to_fit_memory():
    net, _, _ = small_problem()
    m = 100
    one = stack_bytes(net, m, 1)
    assert stack_bytes(net, m, 4) == 4 * one and stack_bytes(net, 2 * m, 1) > one
    assert stack_bytes(net.copy(), m, 1) == one
    available = int(4.5 * one / MEMORY_SHARE)  # room for 4 runs, not 5
    assert stack_sizes(10, net, m, available=available) == [4, 4, 2]
    assert stack_sizes(8, net, m, available=available) == [4, 4]
    assert stack_sizes(3, net, m, available=available) == [3]
    assert stack_sizes(10, net, m, runs_per_stack=3, available=available) == [3, 3, 3, 1]
    assert stack_sizes(10, net, m, runs_per_stack=4, available=available) == [4, 4, 2]
    assert stack_sizes(10, net, m, runs_per_stack=1, available=available) == [1] * 10
    with pytest.raises(ValueError, match="--runs-per-stack 4 "):
        stack_sizes(10, net, m, runs_per_stack=5, available=available)
    with pytest.raises(ValueError, match="one run needs"):
        stack_sizes(10, net, m, available=int(0.5 * one / MEMORY_SHARE))


@pytest.mark.parametrize("sizes, m, n_runs, name", [((100, 20, 7, 5, 1), 4000, 4, "gd"),
                                                    ((300, 20, 7, 5, 1), 8000, 3, "pw"),
                                                    ((100, 20, 7, 5, 1), 8000, 8, "pw")])
def test_a_stack_s_estimated_footprint_bounds_its_measured_peak_closely(sizes, m, n_runs, name):
    """The estimate is an upper bound on the memory a stack's training allocates (NumPy's arrays, as
    tracemalloc sees them), and not a loose one: measured 0.62-0.65 of it here, as 0.49-0.50 on MNIST."""
    import tracemalloc
    from pwcore import make_optimizer
    net, X, y = small_problem(sizes, m=m)
    runs = [Run(net.copy(), BinaryCrossEntropy(), make_optimizer(name, 0.01), None, 3) for _ in range(n_runs)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        train_runs(runs, X, y, runs_per_stack=n_runs, n_parts=1)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert 0.4 < peak / stack_bytes(net, m, n_runs) <= 1.0


@pytest.mark.parametrize("runs_per_stack", [0, -1, 1.5, True, "2"])
def test_bad_runs_per_stack_are_refused(runs_per_stack):
    net, X, y = small_problem()
    with pytest.raises(ValueError, match="runs per stack must be a positive integer"):
        stack_sizes(3, net, X.shape[1], runs_per_stack=runs_per_stack)
    run = Run(net, BinaryCrossEntropy(), GradientDescent(0.1), None, 2)
    before = [p.copy() for p in net.parameters()]
    with pytest.raises(ValueError, match="runs per stack must be a positive integer"):
        train_runs([run], X, y, runs_per_stack=runs_per_stack)
    assert all(np.array_equal(p, q) for p, q in zip(before, net.parameters()))


def test_a_wide_input_with_few_samples_matches_alone_to_rounding_with_two_blas_threads_and_with_one():
    """The CLI's fake cat data: 12288 features, 7 samples. With several OpenBLAS threads the stacked
    first-layer product (R n_1 rows) may round differently from one run's (n_1 rows) although n_1 = 20."""
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(0)
    X, y = rng.random((12288, 7)), rng.integers(0, 2, 7)
    def runs():
        return [Run(Network.initialize([12288, 20, 7, 5, 1], ["relu"] * 3 + ["sigmoid"], seed=k + 1),
                    BinaryCrossEntropy(), PositionWise(0.01 * (k + 1)), None, 3 + k) for k in range(4)]
    stacked_runs, alone_runs = runs(), runs()
    stacked = train_runs(stacked_runs, X, y)
    alone = [train_runs([run], X, y)[0] for run in alone_runs]
    for s, a, sr, ar in zip(stacked, alone, stacked_runs, alone_runs):
        assert_same_history(s, a)
        assert_same_weights(sr.net, ar.net)
    with threadpool_limits(limits=1):
        stacked_runs, alone_runs = runs(), runs()
        stacked = train_runs(stacked_runs, X, y)
        alone = [train_runs([run], X, y)[0] for run in alone_runs]
    for s, a, sr, ar in zip(stacked, alone, stacked_runs, alone_runs):
        assert_same_history(s, a)
        assert_same_weights(sr.net, ar.net)


def test_the_old_name_batch_size_still_limits_the_stack_and_says_it_is_deprecated():
    net, X, y = small_problem()
    runs = lambda: [Run(net.copy(), BinaryCrossEntropy(), GradientDescent(0.1), None, 2) for _ in range(3)]
    lines, old_lines = [], []
    with pytest.warns(DeprecationWarning, match="runs_per_stack"):
        old = train_runs(runs(), X, y, batch_size=1, log=old_lines.append)
    new = train_runs(runs(), X, y, runs_per_stack=1, log=lines.append)
    assert old_lines == lines == ["stack of 1 gd run(s)"] * 3
    assert [h.final_loss for h in old] == [h.final_loss for h in new]
