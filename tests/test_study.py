"""The study helpers: epoch counting from a history, ratio intervals, grids and sweeps on small data."""
import math

import numpy as np
import pytest

from dataclasses import replace

from pwcore import BinaryCrossEntropy, PositionWise, train, train_runs
from pwcore.data import Dataset
from pwcore.experiments import PAPER_RESULTS, ExperimentConfig, config_run
from pwcore import study
from conftest import small_problem


def small_cat(seed=0, m=40, n_features=12):
    rng = np.random.default_rng(seed)
    X = rng.random((n_features, m))
    y = (X[:3].sum(axis=0) > 1.5).astype(np.int64)
    return Dataset("cat", X, y, X[:, :10].copy(), y[:10].copy(), ["non-cat", "cat"])


@pytest.mark.parametrize("target_quantile", [0.3, 0.6])
def test_epochs_to_target_agrees_with_both_stopping_rules(target_quantile):
    net, X, y = small_problem()
    free = train(net.copy(), X, y, BinaryCrossEntropy(), PositionWise(0.3), max_epochs=40)
    target = float(np.quantile(free.eval_loss, target_quantile))
    by_epoch = train(net.copy(), X, y, BinaryCrossEntropy(), PositionWise(0.3), target, 40, "epoch")
    by_eval = train(net.copy(), X, y, BinaryCrossEntropy(), PositionWise(0.3), target, 40, "evaluation")
    assert study.epochs_to_target(by_epoch, target, "epoch") == by_epoch.epochs_completed
    assert study.epochs_to_target(by_epoch, target, "evaluation") == by_eval.epochs_completed
    assert study.epochs_to_target(by_epoch, -1.0, "evaluation") is None


def test_ratio_interval():
    same = study.ratio_interval([4, 6, 8], [2, 3, 4])
    assert same["mean"] == pytest.approx(2) and same["low"] == pytest.approx(2) and same["high"] == pytest.approx(2)
    mixed = study.ratio_interval([3, 2, 5, 4], [2, 2, 2, 2])
    assert mixed["low"] < mixed["mean"] < mixed["high"] and mixed["n"] == 4
    assert math.isnan(study.ratio_interval([1], [2])["low"])
    assert study.ratio_interval([1, 2, 3], [0, 1, 1])["n"] == 2  # an infinite ratio is left out


def test_with_overrides_merges_dict_values():
    config = ExperimentConfig.paper("mnist").with_overrides({"loss": {"s": 2.0, "margin": 0.5}, "seed": 3})
    assert (config.s, config.margin, config.seed) == (2.0, 0.5, 3)


def test_reproduction_grid_rows():
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300, learning_rate=0.05)
    rows = study.reproduction_grid(data, base, {"init": ["course", "glorot"], "seed": [1, 2]}, log=lambda line: None)
    assert len(rows) == 8 and {r["algorithm2"] for r in rows} == {"prose", "printed"}
    for prose, printed in zip(rows[::2], rows[1::2]):  # GD is run once per combination
        assert prose["gd_evaluation"] == printed["gd_evaluation"] and prose["seed"] == printed["seed"]
    # with these settings every run reaches the target, under both rules, PW no later than GD
    for r in rows:
        for rule in ("evaluation", "epoch"):
            assert isinstance(r[f"gd_{rule}"], int) and isinstance(r[f"pw_{rule}"], int), (r, rule)
        assert r["gd_evaluation"] <= r["gd_epoch"] and r["pw_evaluation"] <= r["pw_epoch"] <= r["gd_epoch"]
    assert not any(r["exact_evaluation"] or r["exact_epoch"] for r in rows)
    paper = PAPER_RESULTS["cat"]
    for r in rows:  # the distance is the formula's, under the closer rule
        distances = {rule: abs(r[f"gd_{rule}"] - paper["gd_epochs"]) / paper["gd_epochs"]
                     + abs(r[f"pw_{rule}"] - paper["pw_epochs"]) / paper["pw_epochs"] for rule in ("evaluation", "epoch")}
        assert math.isfinite(r["distance"]) and r["distance"] == pytest.approx(min(distances.values()), rel=1e-12)
        assert distances[r["closest_rule"]] == pytest.approx(r["distance"], rel=1e-12)
    # the counts are those of each run trained alone with either rule
    first = rows[0]
    assert (first["init"], first["seed"], first["algorithm2"]) == ("course", 1, "prose")
    for rule in ("evaluation", "epoch"):
        config = replace(base, init="course", seed=1, stop_rule=rule)
        gd, pw = train_runs([config_run(config, data, "gd"), config_run(config, data, "pw")], data.X_train, data.y_train)
        assert (gd.status, pw.status) == ("target", "target")
        assert (first[f"gd_{rule}"], first[f"pw_{rule}"]) == (gd.epochs_completed, pw.epochs_completed)


def test_distance_of_a_row_that_never_reached_the_target_is_infinite():
    paper = PAPER_RESULTS["cat"]
    row = {"gd_evaluation": None, "pw_evaluation": 5, "gd_epoch": paper["gd_epochs"], "pw_epoch": None}
    assert study._distance(row, paper) == (math.inf, None)
    row["pw_epoch"] = paper["pw_epochs"]
    assert study._distance(row, paper) == (0.0, "epoch")


def test_learning_rate_sweep_and_tuned_choice():
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300)
    rows = study.learning_rate_sweep(data, base, [0.01, 0.05, 0.2], log=lambda line: None)
    assert [(r["learning_rate"], r["optimizer"]) for r in rows] == [
        (rate, name) for rate in (0.01, 0.05, 0.2) for name in ("gd", "pw")]
    # 0.01 is too small to reach the target in 300 epochs; 0.05 and 0.2 reach it
    assert [r["status"] for r in rows] == ["max_epochs"] * 2 + ["target"] * 4
    for r in rows:  # each row is what that run gives alone
        alone = train_runs([config_run(replace(base, learning_rate=r["learning_rate"]), data, r["optimizer"])],
                           data.X_train, data.y_train)[0]
        assert (r["epochs"], r["elapsed"], r["final_loss"]) == (alone.epochs_completed, alone.epochs_elapsed,
                                                                alone.final_loss)
        assert type(r["seconds"]) is float  # glued by the notebooks: no NumPy scalar
    assert rows[0]["epochs"] == rows[0]["elapsed"] == 300
    for name in ("gd", "pw"):
        best = study.tuned(rows, name)
        reached = [r for r in rows if r["optimizer"] == name and r["status"] == "target"]
        assert len(reached) == 2 and best["learning_rate"] == 0.2
        assert best["elapsed"] == min(r["elapsed"] for r in reached) < 300
    assert study.tuned([r for r in rows if r["learning_rate"] == 0.01], "gd") is None


def test_a_tie_in_epochs_goes_to_the_lower_loss_then_the_smaller_rate_not_to_the_clock():
    row = lambda rate, loss, seconds: {"optimizer": "gd", "status": "target", "elapsed": 1.0,
                                       "learning_rate": rate, "final_loss": loss, "seconds": seconds}
    assert study.tuned([row(0.1, 0.5, 1.0), row(0.2, 0.4, 9.0)], "gd")["learning_rate"] == 0.2
    assert study.tuned([row(0.2, 0.4, 1.0), row(0.1, 0.4, 9.0)], "gd")["learning_rate"] == 0.1


def test_seed_study_and_accounting_runs():
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300, learning_rate=0.05)
    rows = study.seed_study(data, base, [1, 2], log=lambda line: None)
    assert [r["seed"] for r in rows] == [1, 2]
    for r in rows:  # each seed's counts are those of its runs trained alone
        config = replace(base, seed=r["seed"])
        gd, pw = (train_runs([config_run(config, data, name)], data.X_train, data.y_train)[0] for name in ("gd", "pw"))
        assert (r["gd_status"], r["pw_status"]) == (gd.status, pw.status) == ("target", "target")
        assert (r["gd_epochs"], r["pw_epochs"]) == (gd.epochs_completed, pw.epochs_completed)
        assert (r["gd_elapsed"], r["pw_elapsed"]) == (gd.epochs_elapsed, pw.epochs_elapsed)
        assert 0 < r["gd_epochs"] < base.max_epochs and r["pw_epochs"] < r["gd_epochs"]
        # plain Python numbers: the notebooks glue them, and a NumPy scalar would be glued as "np.float64(...)"
        assert type(r["gd_seconds"]) is float and type(r["pw_seconds"]) is float and r["gd_seconds"] > 0
    runs = study.accounting_runs(data, base)
    assert set(runs) == {"gd", "pw", "gd_multipliers"}
    control = runs["gd_multipliers"]
    assert control.update_log[0] == (1, 2, 3, 4) and control.eval_loss[1] != runs["gd"].eval_loss[1]
    assert runs["pw"].update_log[:4] == [(4,), (3, 4), (2, 3, 4), (1, 2, 3, 4)]
    # matrix-product FLOPs of one epoch on 12 -> 20 -> 7 -> 5 -> 1 and m = 40 samples
    per_layer = [2 * 40 * n_out * n_in for n_in, n_out in zip((12, 20, 7, 5), (20, 7, 5, 1))]
    gd_epoch = 2 * sum(per_layer) + sum(per_layer[1:])
    pw_epoch = sum(2 * sum(per_layer[4 - k:]) + sum(per_layer[5 - k:]) for k in range(1, 5))
    for name, expected in (("gd", gd_epoch), ("pw", pw_epoch)):
        cost = study.per_epoch_cost(runs[name])
        assert runs[name].epochs_elapsed > 20  # so the loss evaluations' own forward passes weigh < 5 %
        assert cost["flops"] == pytest.approx(expected, rel=0.05)
        assert 0 < cost["seconds"] < 1
