"""The one tuning rule: every optimizer's rates extended up to a failure and down while the best is lowest."""
import math

import pytest

from pwcore import study, tuning
from pwcore.experiments import ExperimentConfig

from test_study import small_cat

QUIET = lambda line: None
SEEDS = [1, 2, 3]


def medians(pairs):
    """rate_medians-like entries from ``(rate, median elapsed)``."""
    return [{"learning_rate": rate, "median_elapsed": elapsed, "median_final_loss": 0.1} for rate, elapsed in pairs]


def test_the_rule_goes_up_past_a_slower_rate_until_one_fails():
    # rate_sweep's rule would stop here: 0.4 is slower than the best, 0.2
    assert tuning.next_rates(medians([(0.1, 20.0), (0.2, 10.0), (0.4, 30.0)]), 2.0) == [0.8]
    assert tuning.next_rates(medians([(0.1, 20.0), (0.2, 10.0), (0.4, math.inf)]), 2.0) == []


def test_the_rule_goes_down_while_the_best_is_the_lowest_and_nowhere_when_all_fail():
    assert tuning.next_rates(medians([(0.1, 5.0), (0.2, 10.0), (0.4, math.inf)]), 2.0) == [0.05]
    assert tuning.next_rates(medians([(0.1, 5.0), (0.2, 10.0), (0.4, 12.0)]), 2.0) == [0.05, 0.8]
    assert tuning.next_rates(medians([(0.1, math.inf), (0.2, math.inf)]), 2.0) == []


def test_a_stepped_rate_is_rounded_unless_the_rounded_one_was_tried():
    assert tuning.next_rates(medians([(0.1, 9.0), (0.30001, 5.0)]), 3.0001) == [0.9]
    exact = 0.3 * 1.0001
    assert tuning.next_rates(medians([(0.1, 9.0), (0.3, 5.0)]), 1.0001) == [exact]


@pytest.fixture(scope="module")
def sweep():
    """The three optimizers on the small cat problem from a grid at which every one reaches the target."""
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300)
    return study.SWEPT, tuning.tuned_sweep(data, base, [0.05, 0.1], SEEDS, log=QUIET)


def test_every_optimizer_searches_the_same_rates_up_to_its_own_failure(sweep):
    names, (rows, summary) = sweep
    assert [entry["optimizer"] for entry in summary] == list(names)
    for entry in summary:
        found = study.rate_medians(rows, entry["optimizer"])
        rates, elapsed = [m["learning_rate"] for m in found], [m["median_elapsed"] for m in found]
        assert rates == [0.05 * 2 ** k for k in range(len(rates))]  # the shared grid, the same step for all
        assert entry["extensions"] == len(rates) - 2 and not entry["capped"]
        assert entry["failed_above"] and math.isinf(elapsed[-1]) and all(map(math.isfinite, elapsed[:-1]))
        assert entry["interior"] and elapsed[rates.index(entry["best_rate"])] == min(elapsed)
        assert sum(r["optimizer"] == entry["optimizer"] for r in rows) == len(SEEDS) * len(rates)


def test_the_budget_stops_the_search_and_the_summary_says_so():
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300)
    rows, (gd,) = tuning.tuned_sweep(data, base, [0.05, 0.1], SEEDS, optimizers=("gd",), max_extensions=1, log=QUIET)
    assert (gd["highest_rate"], gd["extensions"], gd["capped"], gd["failed_above"]) == (0.2, 1, True, False)


@pytest.mark.parametrize("arguments, message", [
    ({"max_extensions": -1}, "max_extensions"), ({"seeds": [1]}, "two distinct seeds"),
    ({"learning_rates": [0.1]}, "two distinct positive"), ({"optimizers": ("gd", "sgd")}, "unknown optimizer")])
def test_bad_parameters_are_refused_before_any_training(arguments, message):
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=5)
    lines = []
    with pytest.raises(ValueError, match=message):
        tuning.tuned_sweep(small_cat(), base, **{"learning_rates": [0.1, 0.2], "seeds": [1, 2], **arguments},
                           log=lines.append)
    assert lines == []


def test_the_page_table_gives_each_optimizer_its_rates_best_rate_and_what_ended_its_search(sweep):
    from pwcore.book import sweeps
    names, (rows, summary) = sweep
    lines = sweeps.tuning_table(rows, summary).splitlines()
    assert len(lines) == 2 + len(names)
    for line, entry in zip(lines[2:], summary):
        n_rates = len(study.rate_medians(rows, entry["optimizer"]))
        assert f"| {n_rates}, 0.05 to {entry['highest_rate']:g} ({n_rates - 2} added) | {entry['best_rate']:g} | yes |" in line
        assert line.endswith(f"| missed at {entry['highest_rate']:g} (median seed) |")
    capped = {**summary[0], "failed_above": False, "capped": True, "interior": False}
    assert sweeps.tuning_table(rows, [capped]).splitlines()[2].endswith("| **no** | budget spent: still reaching |")
