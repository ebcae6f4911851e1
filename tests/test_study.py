"""The study helpers: epoch counting from a history, ratio intervals, grids and sweeps on small data."""
import math

import numpy as np
import pytest

from pwcore import BinaryCrossEntropy, PositionWise, train
from pwcore.data import Dataset
from pwcore.experiments import ExperimentConfig
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
    assert all(r["pw_evaluation"] is None or r["pw_evaluation"] <= r["pw_epoch"] for r in rows)
    assert not any(r["exact_evaluation"] or r["exact_epoch"] for r in rows)
    assert all(r["distance"] > 0 for r in rows)


def test_learning_rate_sweep_and_tuned_choice():
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300)
    rows = study.learning_rate_sweep(data, base, [0.01, 0.05, 0.2], log=lambda line: None)
    assert len(rows) == 6
    for name in ("gd", "pw"):
        best = study.tuned(rows, name)
        reached = [r["epochs"] for r in rows if r["optimizer"] == name and r["status"] == "target"]
        assert (best is None and not reached) or best["epochs"] == min(reached)


def test_a_tie_in_epochs_goes_to_the_lower_loss_then_the_smaller_rate_not_to_the_clock():
    row = lambda rate, loss, seconds: {"optimizer": "gd", "status": "target", "elapsed": 1.0,
                                       "learning_rate": rate, "final_loss": loss, "seconds": seconds}
    assert study.tuned([row(0.1, 0.5, 1.0), row(0.2, 0.4, 9.0)], "gd")["learning_rate"] == 0.2
    assert study.tuned([row(0.2, 0.4, 1.0), row(0.1, 0.4, 9.0)], "gd")["learning_rate"] == 0.1


def test_seed_study_and_accounting_runs():
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300, learning_rate=0.05)
    rows = study.seed_study(data, base, [1, 2], log=lambda line: None)
    assert [r["seed"] for r in rows] == [1, 2] and all(r["gd_epochs"] >= 0 for r in rows)
    runs = study.accounting_runs(data, base)
    assert set(runs) == {"gd", "pw", "gd_multipliers"}
    control = runs["gd_multipliers"]
    assert control.update_log[0] == (1, 2, 3, 4) and control.eval_loss[1] != runs["gd"].eval_loss[1]
    cost = study.per_epoch_cost(runs["pw"])
    assert cost["flops"] > 0 and cost["seconds"] > 0
