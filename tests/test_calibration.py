"""The learning-rate calibration: the search on synthetic count functions, and the method on the cat data."""
import math
from dataclasses import replace

import numpy as np
import pytest

from pwcore import calibration
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


def test_on_cat_the_rates_found_give_gd_the_goal_and_pw_is_read_at_them(cat):
    """A reduced goal: the count the course's rate gives at target 0.6, searched from another rate."""
    from pwcore.experiments import config_run
    from pwcore.study import epochs_to_target
    from pwcore.training import train_runs
    config = ExperimentConfig.paper("cat", target=0.6, max_epochs=600, learning_rate=0.0075)
    goal = epochs_to_target(train_runs([config_run(config, cat, "gd")], cat.X_train, cat.y_train)[0], 0.6)
    row, = calibration.calibrate(cat, [replace(config, learning_rate=0.01)], goal, log=lambda line: None)
    assert row["status"] == "calibrated"
    assert any(a <= 0.0075 <= b for a, b in (map(float, i.split("-")) for i in row["intervals"].split("; ")))
    assert row["gd_epochs"] == goal and row["pw_epochs"] is not None
    assert row["bound_low"] < row["rate_low"] <= row["rate_high"] < row["bound_high"]


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
