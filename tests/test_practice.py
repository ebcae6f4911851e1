"""The targets of Beyond the paper's second edition: what the best-tuned baseline reaches in half its budget."""
from dataclasses import replace

import numpy as np
import pytest

from pwcore import practice
from pwcore.experiments import ExperimentConfig
from pwcore.study import optimizer_run
from pwcore.training import train_runs
from pwcore.data.datasets import Dataset
from pwcore.metrics import accuracy

QUIET = lambda line: None
RATES, SEEDS, BUDGET = [0.5, 2.0, 8.0], [1, 2, 3], 12


def learnable(seed=0, m=120, m_test=200, n_features=12):
    """A binary task a small network learns within a few epochs, with a held-out set of its own."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_features, m + m_test))
    y = (X[:3].sum(axis=0) > 0).astype(np.int64)
    return Dataset("cat", X[:, :m], y[:m], X[:, m:], y[m:], ["non-cat", "cat"])


def small_base():
    return ExperimentConfig(dataset="cat", learning_rate=0.1, hidden=(5, 3), init="glorot", stream="generator")


def test_the_targets_are_the_best_tuned_baseline_s_medians_after_half_its_budget():
    data, base = learnable(), small_base()
    pilot = practice.pilot_targets(data, base, RATES, SEEDS, BUDGET, log=QUIET)
    assert len(pilot["curves"]) == len(RATES) * len(SEEDS) and pilot["half"] == BUDGET // 2

    def alone(rate, epochs):  # each seed trained alone for ``epochs``: its loss and held-out accuracy
        out = []
        for seed in SEEDS:
            run = optimizer_run(replace(base, learning_rate=rate, seed=seed, target=None, max_epochs=epochs), data, "gd")
            history = train_runs([run], data.X_train, data.y_train)[0]
            loss = history.epoch_loss[-1] if history.status == "max_epochs" else np.inf
            out.append((loss, accuracy(run.net, data.X_test, data.y_test) if np.isfinite(loss) else 0.0))
        return np.array(out)

    finals = {rate: np.median(alone(rate, BUDGET)[:, 0]) for rate in RATES}
    assert pilot["best_rate"] == min(finals, key=finals.get) and len(set(finals.values())) == len(RATES)
    half = alone(pilot["best_rate"], BUDGET // 2)
    assert pilot["loss_target"] == pytest.approx(np.median(half[:, 0]), rel=1e-12)  # a stack may round apart
    assert pilot["accuracy_target"] == np.median(half[:, 1])


def test_a_pilot_curve_is_the_loss_of_a_run_trained_that_many_epochs_alone():
    data = learnable()
    pilot = practice.pilot_targets(data, small_base(), RATES[:2], SEEDS[:2], 4, log=QUIET)
    curve = pilot["curves"][1]
    config = replace(small_base(), learning_rate=curve["learning_rate"], seed=curve["seed"], target=None,
                     max_epochs=2)
    alone = train_runs([optimizer_run(config, data, "gd")], data.X_train, data.y_train)[0]
    np.testing.assert_allclose(curve["epoch_loss"][:3], alone.epoch_loss, rtol=1e-12)  # a stack may round apart


@pytest.mark.parametrize("budget", [1, 2.5, True, "8"])
def test_a_budget_that_is_not_a_whole_number_of_epochs_is_refused(budget):
    with pytest.raises(ValueError, match="budget must be a whole number of epochs, at least 2"):
        practice.pilot_targets(learnable(), small_base(), RATES, SEEDS, budget, log=QUIET)


def test_targets_a_network_reaches_without_learning_are_refused_with_the_fix():
    with pytest.raises(ValueError, match="targets reached without learning say nothing. Give it a larger budget"):
        practice.pilot_targets(learnable(), small_base(), [1e-4, 2e-4], SEEDS, 4, log=QUIET)


def test_a_baseline_that_diverges_at_every_rate_is_refused_with_the_fix():
    with pytest.raises(ValueError, match="diverged within its budget at every rate for the median seed: lower the"):
        practice.pilot_targets(learnable(), small_base(), [1e6, 1e7], SEEDS, 4, log=QUIET)


def sweep(data=None, optimizers=("gd", "pw"), max_extensions=1):
    data = learnable() if data is None else data
    base = replace(small_base(), max_epochs=30)
    pilot = practice.pilot_targets(data, base, RATES, SEEDS, BUDGET, log=QUIET)
    rows, summary = practice.sweep_to_targets(data, base, RATES, SEEDS, pilot["loss_target"],
                                              pilot["accuracy_target"], optimizers, max_extensions, log=QUIET)
    return data, base, pilot, rows, summary


def test_a_run_toward_both_targets_stops_at_the_later_and_counts_each():
    data, base, pilot, rows, summary = sweep()
    both = [r for r in rows if r["status"] == "target"]
    assert both and all(r["elapsed"] == max(r["loss_elapsed"], r["accuracy_epochs"]) for r in both)
    assert any(r["loss_elapsed"] != r["accuracy_epochs"] for r in both)  # the two targets are not one
    row = next(r for r in both if r["optimizer"] == "pw" and r["loss_elapsed"] > 0)
    config = replace(base, learning_rate=row["learning_rate"], seed=row["seed"], target=pilot["loss_target"],
                     stop_rule="epoch")
    alone = train_runs([optimizer_run(config, data, "pw")], data.X_train, data.y_train)[0]
    assert alone.epochs_elapsed == row["loss_elapsed"]  # watching and the second target change no count
    at_target = optimizer_run(replace(config, target=None, max_epochs=int(row["loss_elapsed"])), data, "pw")
    train_runs([at_target], data.X_train, data.y_train)
    assert accuracy(at_target.net, data.X_test, data.y_test) == row["accuracy_at_loss_target"]


def test_each_target_s_best_rate_is_its_own_fastest_median():
    data, base, pilot, rows, summary = sweep()
    for target, field in (("loss", "loss_elapsed"), ("accuracy", "accuracy_epochs")):
        for entry in summary[target]:
            medians = {}
            for r in rows:
                if r["optimizer"] == entry["optimizer"]:
                    medians.setdefault(r["learning_rate"], []).append(r[field] if np.isfinite(r[field]) else np.inf)
            fastest = min(np.median(v) for v in medians.values())
            assert np.median(medians[entry["best_rate"]]) == fastest == entry["median_elapsed"]
    view = practice.target_view(rows, "accuracy")
    assert all(v["seconds"] == v["accuracy_epochs"] * v["seconds_per_epoch"] for v in view if v["status"] == "target")
    with pytest.raises(ValueError, match="unknown target 'time': choose one of"):
        practice.target_view(rows, "time")


def test_each_optimizer_may_start_from_its_own_grid_and_extends_by_its_own_step():
    grids = {"gd": [0.5, 1.0], "pw-adam": [0.01, 0.04]}
    assert practice.optimizer_grids(grids, ("gd", "pw-adam")) == grids
    assert practice.optimizer_grids([0.1, 0.2], ("gd", "pw")) == {"gd": [0.1, 0.2], "pw": [0.1, 0.2]}
    with pytest.raises(ValueError, match=r"learning_rates gives no grid for \['pw'\]"):
        practice.optimizer_grids(grids, ("gd", "pw"))
    data = learnable()
    rows, _ = practice.sweep_to_targets(data, replace(small_base(), max_epochs=30), grids, SEEDS, 0.68, 0.5,
                                        ("gd", "pw-adam"), 2, log=QUIET)
    for name, grid in grids.items():
        tried = sorted({r["learning_rate"] for r in rows if r["optimizer"] == name})
        step = grid[1] / grid[0]
        assert set(grid) <= set(tried) and len(tried) > len(grid)  # extended
        assert all(np.isclose(b / a, step, rtol=2e-3) for a, b in zip(tried, tried[1:]))  # by its own step


def test_every_setting_is_tuned_at_the_same_targets_and_compared_seed_by_seed():
    data = learnable()
    pairs = [(2, None), (3, None), (3, 20)]
    study = practice.settings_study(data, replace(small_base(), max_epochs=30), pairs, [0.5, 1.0], SEEDS, 0.6,
                                    0.6, ("gd", "pw"), 1, log=QUIET)
    assert {(r["layers"], r["minibatch"]) for r in study["rows"]} == set(pairs)
    compared = []
    for target, field in (("loss", "loss_elapsed"), ("accuracy", "accuracy_epochs")):
        summary, comparisons = study[target]["summary"], study[target]["comparisons"]
        assert [(e["layers"], e["minibatch"], e["optimizer"]) for e in summary] == [
            (*pair, name) for pair in pairs for name in ("gd", "pw")]
        for layers, minibatch in pairs:
            best = {e["optimizer"]: e["best_rate"] for e in summary if (e["layers"], e["minibatch"]) == (layers, minibatch)}
            if None in best.values():
                continue
            elapsed = {name: {r["seed"]: r[field] for r in study["rows"] if r["optimizer"] == name
                              and (r["layers"], r["minibatch"]) == (layers, minibatch)
                              and r["learning_rate"] == best[name] and np.isfinite(r[field])} for name in best}
            seeds = sorted(elapsed["gd"].keys() & elapsed["pw"].keys())
            ratios = [elapsed["gd"][s] / elapsed["pw"][s] for s in seeds if elapsed["pw"][s] > 0]
            epochs = next(c for c in comparisons if (c["layers"], c["minibatch"], c["numerator"], c["quantity"])
                          == (layers, minibatch, "gd", "epochs"))
            if len(ratios) == len(seeds) and ratios:
                assert epochs["n"] == len(ratios)
                assert epochs["mean"] == pytest.approx(np.exp(np.mean(np.log(ratios))), rel=1e-12)
                compared.append((target, layers, minibatch))
    assert {target for target, *_ in compared} == set(practice.TARGETS)  # each target compared somewhere


def test_the_page_judges_both_targets_comparisons_as_one_family_and_states_the_targets():
    from pwcore.book import practice as targets
    data = learnable()
    base = replace(small_base(), max_epochs=30)
    pilot = practice.pilot_targets(data, base, RATES, SEEDS, BUDGET, log=QUIET)
    study = practice.settings_study(data, base, [(3, None)], RATES, [1, 2, 3, 4, 5, 6], pilot["loss_target"],
                                    pilot["accuracy_target"], ("gd", "pw"), 1, log=QUIET)
    judged = targets.judged(study)
    testable = [c for t in practice.TARGETS for c in judged[t]["comparisons"] if np.isfinite(c["p_value"])]
    assert testable and {c["family"] for t in practice.TARGETS for c in judged[t]["comparisons"]} == {len(testable)}
    assert all(c["claim"].startswith("not testable") for t in practice.TARGETS for c in judged[t]["comparisons"]
               if c["quantity"] == "seconds")
    values = targets.glue_values(judged)
    assert {"loss_fastest_L3_full", "accuracy_fastest_L3_full", "loss_epochs_gd_pw_L3_full"} <= set(values)
    sentence = targets.targets_sentence(pilot, base, data)
    assert f"held-out accuracy of {pilot['accuracy_target']:.1%}" in sentence and f"after {BUDGET // 2} epochs" in sentence
    assert "always answering the commonest class scores" in sentence
    rows = targets.accuracy_rows(study["rows"], study["loss"]["summary"], layers=3, minibatch=None)
    gd = next(r for r in rows if r["optimizer"] == "gd")
    best = next(e["best_rate"] for e in study["loss"]["summary"] if e["optimizer"] == "gd")
    at = [r["accuracy_at_loss_target"] for r in study["rows"] if r["optimizer"] == "gd" and r["learning_rate"] == best
          and r["accuracy_at_loss_target"] is not None]
    assert gd["n"] == len(at) > 0 and gd["at_loss"] == np.median(at)


def test_a_target_view_says_which_runs_reached_that_target():
    rows = [{"optimizer": "gd", "status": "max_epochs", "epochs": 30, "elapsed": 30.0, "seconds_per_epoch": 0.5,
             "loss_elapsed": 4.0, "accuracy_epochs": float("nan")},
            {"optimizer": "gd", "status": "diverged", "epochs": 3, "elapsed": 3.0, "seconds_per_epoch": 0.5,
             "loss_elapsed": float("nan"), "accuracy_epochs": float("nan")}]
    loss, accuracy_view = practice.target_view(rows, "loss"), practice.target_view(rows, "accuracy")
    assert [(v["status"], v["elapsed"], v["epochs"], v["seconds"]) for v in loss[:1]] == [("target", 4.0, 4, 2.0)]
    assert [v["status"] for v in accuracy_view] == ["max_epochs", "diverged"] and loss[1]["status"] == "diverged"


def test_the_seeds_figure_draws_every_seed_of_each_optimizer_at_its_best_rate():
    from pwcore.book import practice as targets
    data = learnable()
    study = practice.settings_study(data, replace(small_base(), max_epochs=30), [(3, None)], RATES, SEEDS, 0.3, 0.8,
                                    ("gd", "pw"), 1, log=QUIET)
    figure = targets.seeds_figure(study["rows"], targets.judged(study), 3)
    for ax in figure.axes:
        points = sum(len(collection.get_offsets()) for collection in ax.collections)
        assert points == 2 * len(SEEDS)  # reached or crossed at the top: every seed of both optimizers


def test_the_loss_of_an_output_that_says_nothing_is_the_best_constant_output_s_on_binary_data():
    from pwcore.book import practice as targets
    from pwcore.losses import BinaryCrossEntropy
    data = learnable()
    p = data.y_train.mean()
    constant = np.full((1, data.y_train.size), p)  # the best output that ignores the input
    assert targets.nothing_loss(small_base(), data) == pytest.approx(BinaryCrossEntropy()(constant[None], data.y_train)[0],
                                                                     rel=1e-12)
    for other in (p / 2, (1 + p) / 2):
        assert targets.nothing_loss(small_base(), data) < BinaryCrossEntropy()(np.full_like(constant, other)[None],
                                                                               data.y_train)[0]
    pilot = {"loss_target": 0.3, "accuracy_target": 0.9, "baseline": "gd", "best_rate": 0.5, "budget": 12, "half": 6,
             "curves": [{"seed": 1}]}
    assert "the loss of a network that outputs the training set's fraction of positives" in targets.targets_sentence(
        pilot, small_base(), data)


def test_the_page_says_which_optimizers_it_leaves_out_and_where_the_reason_is():
    from pwcore.book import practice as targets
    assert targets.optimizers_sentence(["gd", "pw", "gd_multipliers", "momentum", "pw-momentum", "adam", "pw-adam"]) == (
        "This page runs every optimizer of these pages: GD, PW, control, momentum, PW-momentum, Adam, PW-Adam.")
    words = targets.optimizers_sentence(["gd", "pw", "gd_multipliers", "momentum", "pw-momentum"])
    assert words.startswith("This page runs GD, PW, control, momentum, PW-momentum; it leaves out Adam and PW-Adam")
    assert "notebooks/runs.yml" in words


def test_an_accuracy_comparison_is_not_testable_where_a_run_reached_it_but_never_the_loss_target():
    from pwcore.book import claims, practice as targets
    setting = {"layers": 4, "minibatch": None}
    summary = [{"optimizer": "gd", "best_rate": 0.1, **setting}, {"optimizer": "pw", "best_rate": 0.2, **setting}]
    rows = [{"optimizer": name, "learning_rate": rate, "seed": seed, "status": "target", **setting}
            for name, rate in (("gd", 0.1), ("pw", 0.2), ("pw", 0.4)) for seed in range(1, 7)]
    comparison = {"numerator": "gd", "denominator": "pw", "quantity": "epochs", "seeds": [1, 2, 3, 4, 5, 6], "n": 6,
                  "mean": 2.0, "low": 1.5, "high": 2.5, **setting}
    assert targets.transient_seeds(rows, summary, comparison) == {}
    assert targets.mark_transient(comparison, rows, summary) is comparison
    assert claims.judged([comparison])[0]["claim"] == "PW has an advantage"
    rows[8]["status"] = "max_epochs"  # pw at its best rate, seed 3: reached the accuracy target, never the loss target
    rows[14]["status"] = "diverged"   # pw at a rate it was not compared at: does not count
    assert targets.transient_seeds(rows, summary, comparison) == {"pw": [3]}
    judged = claims.judged([targets.mark_transient(comparison, rows, summary)])[0]
    assert judged["claim"].startswith("not testable here: at the best rates, runs reached the accuracy target but "
                                      "ended without reaching the loss target")
    assert "(PW on 1 of the 6 paired seeds)" in judged["claim"] and judged["family"] == 0
    unpaired = {**comparison, "seeds": [1, 2, 4, 5, 6], "n": 5}  # seed 3 not paired: not this comparison's evidence
    assert targets.transient_seeds(rows, summary, unpaired) == {}


def test_the_depth_and_mini_batch_tables_come_each_under_its_label_in_a_kept_container():
    from pwcore.book import practice as targets
    text = targets.depth_and_minibatches({"depth": "| L |\n|---|\n| 2 |", "minibatch": "At 4 layers:\n\n| B |"})
    blocks = text.split("\n\n:::{container}")
    assert len(blocks) == 2 and text.count(":::{container} pwcore-keep") == 2
    assert "**Depth**\n\n| L |" in blocks[0] and "**Mini-batches**\n\nAt 4 layers:" in blocks[1]
