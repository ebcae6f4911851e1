"""Replaying a stored sweep's best runs to their target for the held-out accuracy there (pwcore.replay)."""
from dataclasses import replace

import numpy as np
import pytest

from pwcore import beyond, replay, train_runs
from pwcore.book import practice as targets
from pwcore.experiments import ExperimentConfig
from pwcore.metrics import accuracy
from pwcore.study import optimizer_run

from test_study import small_cat

QUIET = lambda line: None
PAIRS = [(2, None), (3, None), (3, 16)]
GRIDS = {"gd": [0.05, 0.1], "pw": [0.05, 0.1]}


@pytest.fixture(scope="module")
def swept():
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300)
    rows, summary, _ = beyond.sweep(data, base, PAIRS, GRIDS, [1, 2, 3], ("gd", "pw"), max_extensions=3, log=QUIET)
    return data, base, rows, summary


def test_only_the_best_rate_s_runs_that_reached_the_target_are_replayed(swept):
    _, _, rows, summary = swept
    chosen = replay.best_reached(rows, summary)
    best = {(e["layers"], e["minibatch"], e["optimizer"]): e["best_rate"] for e in summary}
    assert chosen and all(r["status"] == "target" for r in chosen)
    assert all(best[(r["layers"], r["minibatch"], r["optimizer"])] == r["learning_rate"] for r in chosen)
    left_out = [r for r in rows if r not in chosen]
    assert all(r["status"] != "target" or best[(r["layers"], r["minibatch"], r["optimizer"])] != r["learning_rate"]
               for r in left_out)
    missed = {**chosen[0], "status": "max_epochs"}
    assert missed not in replay.best_reached([missed], summary)


@pytest.fixture(scope="module")
def replayed(swept):
    data, base, rows, summary = swept
    return replay.accuracy_at_target(data, base, rows, summary, log=QUIET)


def test_a_replay_stops_where_the_stored_run_stopped_and_measures_the_network_there(swept, replayed):
    data, base, rows, summary = swept
    chosen = replay.best_reached(rows, summary)
    assert [(r["layers"], r["minibatch"], r["optimizer"], r["seed"]) for r in replayed] == [
        (r["layers"], r["minibatch"], r["optimizer"], r["seed"]) for r in chosen]
    # the same configuration, rate and seed on the same machine: the same stopping point (a stack of other
    # runs may round the last bit differently, so allow one sub-step's worth, a third of an epoch at 3 layers)
    for r in replayed:
        assert r["elapsed"] == pytest.approx(r["stored_elapsed"], abs=0.34)
    first = chosen[0]
    config = replace(beyond.setting_config(base, first["layers"], first["minibatch"]),
                     learning_rate=first["learning_rate"], seed=first["seed"])
    alone = optimizer_run(config, data, first["optimizer"])
    train_runs([alone], data.X_train, data.y_train)
    # one test sample of ten either way: a network stopped a sub-step apart may classify one differently
    assert replayed[0]["accuracy_at_loss_target"] == pytest.approx(accuracy(alone.net, data.X_test, data.y_test),
                                                                   abs=0.1 + 1e-12)
    assert all(0.0 <= r["accuracy_at_loss_target"] <= 1.0 for r in replayed)


def test_the_page_tables_each_setting_s_accuracy_by_optimizer(swept, replayed):
    _, _, _, summary = swept
    lines = targets.accuracy_settings_table(replayed, summary, PAIRS).splitlines()
    assert lines[0] == "| setting | GD | PW |" and len(lines) == 2 + len(PAIRS)
    for line, (n_layers, minibatch) in zip(lines[2:], PAIRS):
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[0] == beyond.setting_name(n_layers, minibatch)
        for name, cell in zip(("gd", "pw"), cells[1:]):
            mine = [r for r in replayed if (r["layers"], r["minibatch"], r["optimizer"]) == (n_layers, minibatch, name)]
            assert cell == "missed" if not mine else cell.endswith(f"% ({len(mine)})")
    one = [{**replayed[0], "accuracy_at_loss_target": 0.5}]
    setting = {"layers": one[0]["layers"], "minibatch": one[0]["minibatch"]}
    assert targets.accuracy_span(one, summary, **setting) == "50.0%"
    two = one + [{**one[0], "optimizer": "pw" if one[0]["optimizer"] == "gd" else "gd", "accuracy_at_loss_target": 0.7}]
    best = {e["optimizer"]: e["best_rate"] for e in summary if all(e[k] == v for k, v in setting.items())}
    two[1]["learning_rate"] = best[two[1]["optimizer"]]
    assert targets.accuracy_span(two, summary, **setting) == "50.0% to 70.0%"
    assert targets.accuracy_span([], summary, **setting) == "none reached the target"


def test_the_replay_sentence_counts_exact_stops_gaps_and_misses():
    row = {"elapsed": 3.0, "stored_elapsed": 3.0}
    y_test = np.array([1, 1, 1, 0, 0])
    assert targets.replay_sentence([row, row], y_test) == (
        "2 runs replayed: 2 stopped exactly where the stored run had. "
        "The held-out set has 5 samples; always answering its commonest class scores 60.0%.")
    words = targets.replay_sentence([row, {"elapsed": 4.5, "stored_elapsed": 4.0}, {**row, "elapsed": None}], y_test)
    assert "1 stopped exactly" in words and "the other 1 within 0.5 epochs" in words
    assert "1 missed the target on replay" in words
