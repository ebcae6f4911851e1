"""The study helpers: epoch counting from a history, ratio intervals, grids and sweeps on small data."""
import math

import numpy as np
import pytest

from dataclasses import replace

from pwcore import BinaryCrossEntropy, PositionWise, train, train_runs
from pwcore.data import Dataset
from pwcore.experiments import PAPER_RESULTS, ExperimentConfig, config_run
from pwcore import study
from pwcore.book import claims, report, sweeps
from tolerance import same_float
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
    assert not any(r["exact_evaluation"] or r["exact_epoch"] for r in rows)  # the paper's 2243 / 881: out of reach


def test_reproduction_grid_marks_a_combination_exact_when_both_counts_are_the_paper_s(monkeypatch):
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300, learning_rate=0.05)
    grid = {"init": ["course"], "seed": [1, 2]}
    first = study.reproduction_grid(data, base, grid, log=lambda line: None)
    counts = {"gd_epochs": first[0]["gd_epoch"], "pw_epochs": first[0]["pw_epoch"]}  # seed 1's, prose reading
    monkeypatch.setitem(PAPER_RESULTS, "cat", {**PAPER_RESULTS["cat"], **counts})
    rows = study.reproduction_grid(data, base, grid, log=lambda line: None)
    exact = {(r["seed"], r["algorithm2"]): r["exact_epoch"] for r in rows}
    assert exact[(1, "prose")] and rows[0]["distance"] == 0
    assert exact == {key: (r["gd_epoch"], r["pw_epoch"]) == (counts["gd_epochs"], counts["pw_epochs"])
                     for key, r in zip(exact, rows)}
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


def test_a_tie_in_median_epochs_goes_to_the_lower_loss_then_the_smaller_rate_not_to_the_clock():
    entry = lambda rate, loss, seconds: {"learning_rate": rate, "median_elapsed": 1.0, "median_final_loss": loss,
                                         "median_seconds": seconds}
    assert study.best_rate([entry(0.1, 0.5, 1.0), entry(0.2, 0.4, 9.0)])["learning_rate"] == 0.2
    assert study.best_rate([entry(0.2, 0.4, 1.0), entry(0.1, 0.4, 9.0)])["learning_rate"] == 0.1
    assert study.best_rate([{**entry(0.1, 0.4, 1.0), "median_elapsed": math.inf}]) is None


QUIET = lambda line: None
SEEDS = [1, 2, 3]


@pytest.fixture(scope="module")
def sweep():
    """A sweep of the three optimizers on the small cat problem from a grid whose best rates are all at its top."""
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300)
    rows, summary = study.rate_sweep(data, base, [0.05, 0.1], SEEDS, log=QUIET)
    return data, base, rows, summary


def test_rate_sweep_extends_up_until_each_best_rate_is_interior(sweep):
    data, base, rows, summary = sweep
    assert [entry["optimizer"] for entry in summary] == ["gd", "pw", "gd_multipliers"]
    for entry in summary:
        medians = study.rate_medians(rows, entry["optimizer"])
        rates = [m["learning_rate"] for m in medians]
        # the grid's spacing (a factor 2) carried on upwards, one rate per extension round
        assert rates == [0.05 * 2 ** k for k in range(len(rates))] and entry["extensions"] == len(rates) - 2
        assert [m["round"] for m in medians] == [0, 0, *range(1, len(rates) - 1)]
        assert entry["interior"] and not entry["capped"] and entry["extensions"] > 0
        best = rates.index(entry["best_rate"])
        elapsed = [m["median_elapsed"] for m in medians]
        assert 0 < best < len(rates) - 1 and elapsed[best] == min(elapsed)
        assert elapsed[-1] > elapsed[best]  # the search stopped at the first larger rate that was worse
        assert all(elapsed[k] <= elapsed[k - 1] for k in range(1, best + 1))  # it went on while the best was on top
        assert entry["median_epochs"] == math.floor(entry["median_elapsed"]) == medians[best]["median_epochs"]
        assert entry["n_seeds"] == 3 and sum(r["optimizer"] == entry["optimizer"] for r in rows) == 3 * len(rates)
    assert {entry["optimizer"]: entry["best_rate"] for entry in summary} == {"gd": 1.6, "pw": 3.2,
                                                                            "gd_multipliers": 0.8}
    for r in rows:
        assert type(r["seconds"]) is float and type(r["elapsed"]) is float  # glued: no NumPy scalars
    for r in (rows[0], rows[-1]):  # a row of the grid and one of the last extension: what that run gives alone
        config = replace(base, learning_rate=r["learning_rate"], seed=r["seed"])
        alone = train_runs([study.optimizer_run(config, data, r["optimizer"])], data.X_train, data.y_train)[0]
        assert (r["status"], r["epochs"], r["elapsed"]) == (alone.status, alone.epochs_completed, alone.epochs_elapsed)
        assert same_float(r["final_loss"], alone.final_loss)  # stacked: to rounding (tests/tolerance.py)


def test_rate_sweep_extends_down_and_says_when_the_cap_stopped_it():
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300)
    rows, (pw,) = study.rate_sweep(data, base, [2, 4], SEEDS, optimizers=("pw",), log=QUIET)
    assert (pw["lowest_rate"], pw["highest_rate"], pw["best_rate"], pw["interior"]) == (1.0, 4.0, 2.0, True)
    rows, (gd,) = study.rate_sweep(data, base, [0.05, 0.1], SEEDS, optimizers=("gd",), max_extensions=1, log=QUIET)
    assert (gd["best_rate"], gd["highest_rate"], gd["extensions"]) == (0.2, 0.2, 1)
    assert gd["capped"] and not gd["interior"]
    sentence = "**not interior**: it is the largest rate tried and the cap on extensions (1) stopped the search"
    assert sentence in sweeps.rate_tables(rows, [gd])


def test_every_seed_missing_gives_no_best_rate_and_no_extension():
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=5)
    rows, (gd,) = study.rate_sweep(data, base, [0.01, 0.02], [1, 2], optimizers=("gd",), log=QUIET)
    assert len(rows) == 4 and gd["best_rate"] is None and not gd["interior"] and not gd["capped"]
    assert "no rate from 0.01 to 0.02 reached the target" in sweeps.best_rate_sentence(gd)


@pytest.mark.parametrize("arguments, message", [
    ({"seeds": [1]}, "at least two distinct seeds"), ({"seeds": [1, 1]}, "at least two distinct seeds"),
    ({"learning_rates": [0.1]}, "at least two distinct positive learning rates"),
    ({"learning_rates": [0.1, -0.1]}, "at least two distinct positive learning rates"),
    ({"max_extensions": -1}, "max_extensions must be a non-negative integer"),
    ({"optimizers": ("gd", "nesterov")}, "unknown optimizer 'nesterov'"), ({"optimizers": ("gd", "gd")}, "distinct names")])
def test_rate_sweep_rejects_bad_parameters_before_training(arguments, message):
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=5)
    arguments = {"learning_rates": [0.1, 0.2], "seeds": [1, 2], **arguments}
    lines = []
    with pytest.raises(ValueError, match=message):
        study.rate_sweep(small_cat(), base, log=lines.append, **arguments)
    assert lines == []  # no round started


def hand_rows(name, rate, elapsed_by_seed):
    """Rows of ``name`` at ``rate`` that reached the target, seeds in the order given: ``{seed: elapsed}``."""
    return [{"optimizer": name, "learning_rate": rate, "seed": seed, "round": 0, "status": "target",
             "epochs": math.floor(elapsed), "elapsed": float(elapsed), "seconds": 0.5 * elapsed, "final_loss": 0.1}
            for seed, elapsed in elapsed_by_seed.items()]


def test_paired_ratio_pairs_by_seed_at_each_best_rate():
    rows = (hand_rows("gd", 0.1, {1: 10, 2: 40, 3: 90, 4: 50}) + hand_rows("gd", 0.2, {1: 500, 2: 500, 3: 500, 4: 9})
            + hand_rows("pw", 0.2, {3: 30, 1: 10, 4: 5, 2: 20})  # seeds in another order
            + hand_rows("pw", 0.1, {1: 400, 2: 400, 3: 400, 4: 400}))
    rows[10]["status"] = "max_epochs"  # PW at 0.2, seed 4: missed
    summary = [study.sweep_summary(rows, name) for name in ("gd", "pw")]
    assert [entry["best_rate"] for entry in summary] == [0.1, 0.2]
    epochs = study.paired_ratio(rows, summary, "gd")
    assert epochs["seeds"] == [1, 2, 3] and epochs["n"] == 3  # seed 4: PW missed at its best rate
    assert epochs["mean"] == pytest.approx(6 ** (1 / 3))  # ratios 1, 2, 3 (paired by position: 1/3, 4, 4.5)
    seconds = study.paired_ratio(rows, summary, "gd", quantity="seconds")
    assert seconds["mean"] == pytest.approx(epochs["mean"]) and seconds["quantity"] == "seconds"
    assert [(c["numerator"], c["quantity"]) for c in study.paired_comparisons(rows, summary)] == [
        ("gd", "epochs"), ("gd", "seconds")]
    with pytest.raises(ValueError, match="gd_multipliers"):
        study.paired_ratio(rows, summary, "gd_multipliers")
    with pytest.raises(ValueError, match="unknown quantity"):
        study.paired_ratio(rows, summary, "gd", quantity="flops")


@pytest.mark.parametrize("numerators, claim", [
    ([2.0, 3.0, 2.5, 2.2], "PW has an advantage"), ([0.5, 0.4, 0.45, 0.6], "PW is slower"),
    ([0.5, 2.0, 1.0, 1.5], "inconclusive"), ([2.0], "inconclusive"), ([1.0, 1.0, 1.0], "inconclusive")])
def test_supported_claim(numerators, claim):
    interval = study.ratio_interval(numerators, [1.0] * len(numerators))
    assert study.supported_claim(interval) == claim


def test_sweep_glue_keeps_the_book_s_names_with_plain_values(sweep):
    data, base, rows, summary = sweep
    comparisons = claims.judged(study.paired_comparisons(rows, summary))
    epochs = sweeps.sweep_glue(rows, summary, comparisons, 0.1, "epochs")
    seconds = sweeps.sweep_glue(rows, summary, comparisons, 0.1, "seconds")
    for key in ("shared_gd_epochs", "shared_pw_epochs", "tuned_gd_epochs", "tuned_pw_epochs"):
        assert type(epochs[key]) is int  # book/*.md formats them with :d
    assert (epochs["tuned_gd_lr"], epochs["tuned_pw_lr"], epochs["tuned_control_lr"]) == (1.6, 3.2, 0.8)
    assert [epochs[f"tuned_{key}_highest_lr"] for key in ("gd", "pw", "control")] == [e["highest_rate"] for e in summary]
    assert [epochs[f"tuned_{key}_rate_text"] for key in ("gd", "pw", "control")] == ["1.6", "3.2", "0.8"]
    edge = {**summary[0], "interior": False, "capped": True}
    assert sweeps.best_rate_text(edge) == "1.6 (edge: budget spent)"
    assert sweeps.best_rate_text({**edge, "best_rate": None}) == "none"
    gd = study.rate_medians(rows, "gd")
    assert epochs["shared_gd_epochs"] == gd[1]["median_epochs"]
    assert epochs["tuned_gd_epochs"] == summary[0]["median_epochs"]
    assert sweeps.sweep_glue(rows, summary, comparisons, 0.0075, "epochs")["shared_gd_epochs"] == -1  # not run
    ratio = study.paired_ratio(rows, summary, "gd")
    judged = next(c for c in comparisons if (c["numerator"], c["quantity"]) == ("gd", "epochs"))
    assert epochs["tuned_epoch_ratio"] == ratio["mean"] and epochs["tuned_epoch_ratio_claim"] == judged["claim"]
    assert judged["claim"].startswith("not testable here") == (ratio["n"] < claims.MIN_PAIRED_SEEDS)
    assert seconds["tuned_time_ratio"] == study.paired_ratio(rows, summary, "gd", quantity="seconds")["mean"]
    assert seconds["tuned_time_ratio_claim"] == seconds["control_time_ratio_claim"] == claims.UNTIMED  # never tested
    assert {"control_epoch_ratio", "control_epoch_ratio_low", "control_epoch_ratio_high"} <= set(epochs)
    assert {"control_time_ratio", "tuned_pw_seconds"} <= set(seconds) and not set(epochs) & set(seconds)
    for value in (*epochs.values(), *seconds.values()):
        assert type(value) in (int, float, str)


def test_sweep_csv_files_round_trip(sweep, tmp_path):
    import csv
    data, base, rows, summary = sweep
    paths = report.write_csv_files({"runs": rows, "summary": summary}, "demo", tmp_path)
    assert [p.name for p in paths] == ["demo_runs.csv", "demo_summary.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_runs.csv", "demo_summary.csv"]  # no temporaries
    for path, written in zip(paths, (rows, summary)):
        with open(path, newline="") as f:
            read = list(csv.DictReader(f))
        assert len(read) == len(written) and list(read[0]) == list(written[0])
        for back, row in zip(read, written):
            for key, value in row.items():
                if value is None:
                    assert back[key] == ""
                elif isinstance(value, (bool, str)):
                    assert back[key] == str(value)
                else:  # numbers written exactly; a diverged run's final loss is NaN
                    assert type(value)(back[key]) == value or math.isnan(value) and back[key] == "nan", (key, back)


def test_seconds_per_epoch_is_each_optimizer_s_median_over_repeats_taken_in_turns(monkeypatch):
    from types import SimpleNamespace
    spans = iter([4.0, 9.0, 6.0, 1.0, 2.0, 3.0, 8.0, 8.0, 8.0])  # repeat by repeat: gd, pw, control
    trained = []

    def timed_alone(runs, X, y, executor=None):
        trained.append(len(runs))
        return [SimpleNamespace(eval_seconds=np.array([5.0, 5.5, 5.0 + next(spans)]))]

    monkeypatch.setattr(study, "train_runs", timed_alone)
    cost = study.seconds_per_epoch(ExperimentConfig.paper("cat"), small_cat(), study.SWEPT, epochs=2, repeats=3)
    assert cost == {"gd": 2.0, "pw": 4.0, "gd_multipliers": 3.0}  # medians of 4-1-8, 9-2-8, 6-3-8, over 2 epochs
    assert trained == [1] * 9  # each run alone


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


def test_seed_rank_counts_the_seeds_more_favourable_to_pw():
    from pwcore.study import seed_rank
    row = lambda seed, gd, pw, status="target": {"seed": seed, "gd_status": status, "pw_status": "target",
                                                 "gd_elapsed": gd, "pw_elapsed": pw}
    rows = [row(1, 200, 100), row(2, 300, 100), row(3, 110, 100), row(4, 900, 100, "max_epochs")]
    assert seed_rank(rows, 1) == {"rank": 2, "n": 3, "ratio": 2.0}
    assert seed_rank(rows, 2)["rank"] == 1 and seed_rank(rows, 3)["rank"] == 3
    missing = seed_rank(rows, 4)
    assert missing["rank"] == 0 and missing["n"] == 3 and missing["ratio"] != missing["ratio"]


def test_standardized_inputs_have_zero_mean_and_unit_deviation_per_feature(shared_data, monkeypatch):
    import numpy as np
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    from pwcore.data import load_dataset
    data = load_dataset("cat", scaling="standardized", download=False)
    assert data.meta["scaling"] == "standardized"
    np.testing.assert_allclose(data.X_train.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(data.X_train.std(axis=1), 1, atol=1e-12)
    with pytest.raises(ValueError, match="input scaling"):
        load_dataset("cat", scaling="minmax", download=False)


def test_a_config_refuses_data_scaled_otherwise(shared_data, monkeypatch):
    monkeypatch.setenv("PWCORE_DATA_DIR", str(shared_data))
    from pwcore.experiments import ExperimentConfig, config_run, load_data
    data = load_data(ExperimentConfig.paper("cat"))
    with pytest.raises(ValueError, match="load them with pwcore.experiments.load_data"):
        config_run(ExperimentConfig.paper("cat", scaling="standardized"), data, "gd")


@pytest.mark.parametrize("hidden", [(20, 7, 5), (8, 6, 5, 4, 3)])
def test_the_control_scales_each_layer_s_rate_by_pw_s_updates_of_that_layer_per_epoch(hidden):
    data = small_cat()
    config = replace(ExperimentConfig.paper("cat", max_epochs=1, target=None), hidden=hidden)
    control = study.optimizer_run(config, data, study.CONTROL)
    pw = study.optimizer_run(config, data, "pw")
    (history,) = train_runs([pw], data.X_train, data.y_train)
    assert control.optimizer.layer_multipliers == [float(n) for n in history.updates_per_layer]
    assert control.optimizer.layer_multipliers == list(range(1, len(hidden) + 2))  # layer 1 is next to the input


def test_the_control_reading_follows_the_claim_word():
    from pwcore.book.sweeps import control_reading
    interval = lambda mean, low, high, n=5: {"mean": mean, "low": low, "high": high, "n": n}
    above, below, across, few = claims.judged([interval(1.5, 1.2, 1.9), interval(0.6, 0.5, 0.7),
                                               interval(1.1, 0.8, 1.4), interval(1.5, 1.2, 1.9, n=3)])
    assert control_reading(above).startswith("PW beats the control")
    assert control_reading(below).startswith("the control beats PW")
    assert "may account for all of PW's gain" in control_reading(across)
    assert control_reading(few) == "it cannot tell: not testable here: 3 paired seeds, at least 5 needed"
    with pytest.raises(ValueError, match="not judged"):
        control_reading(interval(1.5, 1.2, 1.9))
