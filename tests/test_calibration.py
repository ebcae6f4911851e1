"""The learning-rate calibration: the search on synthetic count functions, and the method on the cat data."""
import math

import numpy as np
import pytest

from pwcore import calibration
from pwcore.book import calibration as calibration_page
from pwcore.calibration import Search, next_rates
from pwcore.experiments import ExperimentConfig


def search_with(count_of, goal, start, tolerance, n_rates=5, max_rounds=30):
    """Run the search's rate placement against ``count_of(rate)`` instead of training."""
    search = Search(ExperimentConfig.paper("mnist", learning_rate=start, max_epochs=3 * goal), goal)
    search.counts[start] = count_of(start)
    for _ in range(max_rounds):
        rates = next_rates(search, n_rates, tolerance)
        if not rates:
            return search
        for rate in rates:
            count = count_of(rate)
            search.counts[rate] = count if count is None or count <= goal + 1 else None  # runs stop past goal + 1
    raise AssertionError(f"not resolved in {max_rounds} rounds: {sorted(search.counts.items())}")


@pytest.mark.parametrize("start", [1e-4, 0.0075, 0.2])
def test_a_count_falling_as_one_over_the_rate_is_located_to_the_tolerance(start):
    flow, goal, tolerance = 0.07, 195, 0.25 / 195
    search = search_with(lambda rate: math.ceil(flow / rate), goal, start, tolerance)
    (low, high), = search.intervals()
    true_low, true_high = flow / goal, flow / (goal - 1)  # ceil(T / r) == goal for T/goal <= r < T/(goal - 1)
    assert true_low <= low <= high < true_high
    assert low / true_low - 1 <= 2 * tolerance and true_high / high - 1 <= 2 * tolerance


def test_every_interval_of_a_non_monotone_count_is_found():
    goal = 100
    # falls as 1/rate, but a bump sends it back above the goal between rates 0.011 and 0.012
    count_of = lambda rate: math.ceil(1.0 / rate) + (15 if 0.011 <= rate < 0.012 else 0)
    search = search_with(count_of, goal, 0.002, 1e-3, max_rounds=40)
    intervals = search.intervals()
    assert len(intervals) >= 1
    for low, high in intervals:
        assert all(count_of(rate) == goal for rate in (low, high))


def test_a_count_that_jumps_over_the_goal_gives_no_interval():
    count_of = lambda rate: 120 if rate < 0.01 else 80  # never 100
    search = search_with(count_of, 100, 0.003, 1e-3)
    assert search.intervals() == []
    (low, high, _, _), = search.gaps()
    assert low < 0.01 <= high and high / low - 1 <= 1e-3


def test_divergence_counts_as_too_fast():
    count_of = lambda rate: None if rate > 0.05 else math.ceil(0.5 / rate)
    search = Search(ExperimentConfig.paper("mnist", learning_rate=1.0), 20)
    search.diverged.add(1.0)
    rates = next_rates(search, 3, 1e-3)
    assert max(rates) < 1.0
    assert search.side(1.0) == -1 and count_of(0.01) == 50


@pytest.fixture(scope="module")
def cat():
    from pwcore.experiments import load_data
    return load_data(ExperimentConfig.paper("cat"))


@pytest.mark.slow
def test_on_cat_the_interval_around_the_starting_rate_is_bracketed_and_pw_read_there(cat):
    """A reduced goal: the count the course's rate gives at target 0.6; the search starts there."""
    from pwcore.experiments import config_run
    from pwcore.study import epochs_to_target
    from pwcore.training import train_runs
    config = ExperimentConfig.paper("cat", target=0.6, max_epochs=600, learning_rate=0.0075, stop_rule="epoch")
    gd, pw = train_runs([config_run(config, cat, name) for name in ("gd", "pw")], cat.X_train, cat.y_train)
    goal = epochs_to_target(gd, 0.6)
    row, = calibration.calibrate(cat, [config], goal, n_rates=3, tolerance=0.01, log=lambda line: None)
    assert row["status"] == "calibrated" and row["gd_epochs"] == goal
    assert row["rate_low"] <= 0.0075 <= row["rate_high"]
    assert row["bound_low"] < row["rate_low"] and row["rate_high"] < row["bound_high"]
    assert row["bound_high"] / row["bound_low"] - 1 <= 3 * 0.01
    at_course_rate = {epochs_to_target(pw, 0.6, rule) for rule in calibration.READ_RULES}
    if row["rate_low"] == 0.0075:
        assert {row["pw_prose_evaluation_low"], row["pw_prose_epoch_low"]} == at_course_rate


def test_a_combination_starting_below_the_target_is_not_searched(cat):
    config = ExperimentConfig.paper("cat", target=0.9)  # the initial loss is about 0.77
    row, = calibration.calibrate(cat, [config], log=lambda line: None)
    assert row["status"] == "starts below target" and row["gd_runs"] == 0 and row["pw_epochs"] is None


def test_ranked_puts_the_nearest_pw_count_first():
    rows = [{"dataset": "cat", "status": "calibrated", "pw_distance": d, "ratio": r}
            for d, r in ((5, 2.5), (0, 1.0), (0, 2.5), (math.inf, math.nan))]
    rows.append({"dataset": "cat", "status": "starts below target", "pw_distance": 0, "ratio": 2.55})
    order = [(r["pw_distance"], r["ratio"]) for r in calibration.ranked(rows)]
    assert order[:3] == [(0, 2.5), (0, 1.0), (5, 2.5)] and order[-1] == (0, 2.55)
    assert np.isnan(order[3][1])


def test_best_setting_reads_the_best_row_back_from_the_csv(tmp_path):
    from pwcore.book import report
    rows = [{"status": "calibrated", "pw_rate": 0.000359, "init": "glorot", "seed": 2, "am_input": "cosine", "s": 2.0,
             "margin": 0.5, "scaling": "standardized", "pw_reading": "printed", "pw_rule": "epoch", "pw_epochs": 139},
            {"status": "not bracketed", "pw_rate": 0.1, "init": "course", "seed": 1, "am_input": "sigmoid", "s": 1.0,
             "margin": 1.0, "scaling": "255", "pw_reading": None, "pw_rule": None}]
    report.write_csv_files({"combinations": rows}, "calibration_x", tmp_path)
    setting = calibration_page.best_setting("calibration_x", tmp_path)
    assert setting == {"learning_rate": 0.000359, "init": "glorot", "seed": 2, "am_input": "cosine", "s": 2.0,
                       "margin": 0.5, "scaling": "standardized", "algorithm2": "printed", "stop_rule": "epoch"}
    ExperimentConfig.paper("mnist", **setting)  # every field is valid


def test_best_setting_says_what_to_run_when_the_calibration_is_missing_or_failed(tmp_path):
    from pwcore.book import report
    with pytest.raises(FileNotFoundError, match="python -m pwcore.book --only nowhere"):
        calibration_page.best_setting("nowhere", tmp_path)
    report.write_csv_files({"combinations": [{"status": "not bracketed"}]}, "failed", tmp_path)
    with pytest.raises(ValueError, match="not bracketed"):
        calibration_page.best_setting("failed", tmp_path)


def test_falls_steadily():
    scan = lambda counts: [{"gd_epochs": c} for c in counts]
    assert calibration.falls_steadily(scan([None, 200, 195, 195, 190]))
    assert not calibration.falls_steadily(scan([2243, 1939, 2243]))
    assert not calibration.falls_steadily(scan([190, None]))


def test_a_combination_is_named_without_a_loss_reading_on_the_binary_task():
    row = {"init": "course", "am_input": "sigmoid", "s": 1.0, "margin": 1.0, "scaling": "255", "seed": 1}
    assert calibration_page.label({**row, "dataset": "cat"}) == "course, /255, seed 1"
    assert calibration_page.label({**row, "dataset": "mnist"}) == "course, sigmoid, s 1, margin 1, /255, seed 1"


def test_the_page_summary_gives_pw_s_range_over_the_calibrated_combinations_only():
    def row(status, pw, gd=121):
        return {"status": status, "pw_epochs": pw, "gd_epochs": gd, "exact": False, "rate_low": 0.001,
                "rate_high": 0.002, "pw_reading": "prose", "pw_rule": "evaluation", "ratio": 1.2, "init": "course",
                "dataset": "cifar10", "am_input": "cosine", "s": 1.0, "margin": 1.0, "scaling": "255", "seed": 1}
    rows = [row("calibrated", 97), row("calibrated", 140), row("starts below target", 3), row("calibrated", None),
            row("calibrated", 88)]
    summary = calibration_page.summary(rows)
    assert (summary["pw_fewest"], summary["pw_most"], summary["n_calibrated"]) == (88, 140, 4)
    assert calibration_page.summary([row("starts below target", 3)])["pw_fewest"] == -1
