"""Beyond the paper (pwcore.beyond and its pages): settings, per-optimizer grids, costs, comparisons."""
import math
from dataclasses import replace

import numpy as np
import pytest

from pwcore import beyond, study, train_runs
from pwcore.book import beyond as pages, claims
from pwcore.book.report import significant
from pwcore.experiments import ExperimentConfig

from test_study import small_cat

QUIET = lambda line: None
OPTIMIZERS = ("gd", "pw", "adam", "pw-adam")
GRIDS = {"gd": [0.05, 0.1], "pw": [0.05, 0.1], "adam": [0.01, 0.02], "pw-adam": [0.01, 0.02]}
PAIRS = [(2, None), (3, None), (3, 16)]


def test_hidden_widths_keep_the_paper_s_first_and_last_widths():
    assert [beyond.hidden_widths(n) for n in (2, 3, 4, 6, 8)] == [
        (20,), (20, 5), (20, 7, 5), (20, 7, 7, 7, 5), (20, 7, 7, 7, 7, 7, 5)]
    for bad in (1, 0, True, 2.5):
        with pytest.raises(ValueError, match="at least 2 layers"):
            beyond.hidden_widths(bad)


def test_settings_are_the_depths_then_the_batch_sizes_at_one_depth():
    assert beyond.settings((2, 4), (100, 1000)) == [(2, None), (4, None), (4, 100), (4, 1000)]
    assert beyond.settings((2, 3), (64,), batch_depth=3) == [(2, None), (3, None), (3, 64)]
    for depths, sizes, depth in (((4, 4), (), 4), ((), (), 4), ((2, 3), (64,), 4), ((2, 4), (64, 64), 4)):
        with pytest.raises(ValueError, match="distinct depths, batch_depth among them"):
            beyond.settings(depths, sizes, depth)
    for depths, sizes in (((2.7, 4), ()), ((2, 4), (64.9,)), ((True, 4), ())):
        with pytest.raises(ValueError, match="whole numbers"):
            beyond.settings(depths, sizes)
    with pytest.raises(ValueError, match="at least 2 layers"):
        beyond.settings((4, 1))  # refused before the first setting trains, not when the loop reaches it
    with pytest.raises(ValueError, match="minibatch must be a positive number"):
        beyond.settings((4,), (0,))


def test_rate_grids_group_the_optimizers_that_share_a_grid_in_their_order():
    assert beyond.rate_grids([0.1, 0.2], ("gd", "pw")) == {("gd", "pw"): [0.1, 0.2]}
    assert beyond.rate_grids(GRIDS, OPTIMIZERS) == {("gd", "pw"): [0.05, 0.1], ("adam", "pw-adam"): [0.01, 0.02]}
    with pytest.raises(ValueError, match=r"no grid for \['adam'\]"):
        beyond.rate_grids({"gd": [0.1, 0.2], "pw": [0.1, 0.2]}, ("gd", "pw", "adam"))
    for names in (("gd", "gd", "pw"), ("gd", "adam"), ("pw", "pw-adam")):
        with pytest.raises(ValueError, match="distinct optimizer names, gd and pw among them"):
            beyond.rate_grids([0.1, 0.2], names)


def test_epoch_costs_count_l_layer_updates_for_gd_and_l_l_plus_1_over_2_for_pw():
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6)
    for n_layers, minibatch in ((2, None), (4, None), (3, 16)):
        config = beyond.setting_config(base, n_layers, minibatch)
        costs = beyond.epoch_costs(config, data, ("gd", "pw", study.CONTROL, "pw-adam"))
        steps = 1 if minibatch is None else math.ceil(data.X_train.shape[1] / minibatch)
        L = n_layers
        assert {name: c["layer_updates"] for name, c in costs.items()} == {
            "gd": L * steps, "pw": L * (L + 1) // 2 * steps, study.CONTROL: L * steps, "pw-adam": L * (L + 1) // 2 * steps}
        # a PW epoch back-propagates through more of the upper layers than a GD epoch: more FLOPs, never fewer
        assert costs["pw"]["flops"] > costs["gd"]["flops"] == costs[study.CONTROL]["flops"]
        assert costs["pw-adam"]["flops"] == costs["pw"]["flops"]  # the rule changes the step, not the products
        for name in ("gd", "pw"):  # one epoch's work: what a second epoch adds to a run, no start-up pass
            one, two = (train_runs([study.optimizer_run(replace(config, target=None, max_epochs=n), data, name)],
                                   data.X_train, data.y_train)[0] for n in (1, 2))
            assert costs[name]["flops"] == two.eval_flops[-1] - one.eval_flops[-1]


@pytest.fixture(scope="module")
def swept():
    data = small_cat()
    base = ExperimentConfig.paper("cat", target=0.6, max_epochs=300)
    rows, summary, comparisons = beyond.sweep(data, base, PAIRS, GRIDS, [1, 2, 3], OPTIMIZERS, max_extensions=3,
                                              log=QUIET)
    return data, base, rows, summary, comparisons


def test_sweep_rows_are_each_setting_s_runs_with_flops_and_one_timing_per_optimizer(swept):
    data, base, rows, summary, comparisons = swept
    assert [(r["layers"], r["minibatch"]) for r in rows] == sorted(
        [(r["layers"], r["minibatch"]) for r in rows], key=PAIRS.index)
    assert {(r["layers"], r["minibatch"]) for r in rows} == set(PAIRS)
    for n_layers, minibatch in PAIRS:
        config = beyond.setting_config(base, n_layers, minibatch)
        costs = beyond.epoch_costs(config, data, OPTIMIZERS)
        mine = [r for r in rows if (r["layers"], r["minibatch"]) == (n_layers, minibatch)]
        assert {r["optimizer"] for r in mine} == set(OPTIMIZERS)
        for r in mine:
            assert r["flops"] == pytest.approx(r["elapsed"] * costs[r["optimizer"]]["flops"], rel=1e-12)
        if minibatch is None:  # the costs of an epoch, counted here from the layer sizes alone
            sizes = study.optimizer_run(config, data, "gd").net.sizes
            m, L = data.X_train.shape[1], n_layers
            per_layer = [2 * m * a * b for a, b in zip(sizes[1:], sizes[:-1])]
            # GD: the loss's forward pass, weight gradients of every layer, input gradients above the first
            gd = 2 * sum(per_layer) + sum(per_layer[1:])
            # PW: sub-step k back-propagates through the last k layers, after a forward pass through the last
            # k - 1 (sub-step 1 after the whole network's); the epoch ends at the next forward pass, of all
            pw = sum(per_layer) + sum(sum(per_layer[L - k + 1:]) for k in range(2, L + 1)) \
                + sum(sum(per_layer[L - k:]) + sum(per_layer[L - k + 1:]) for k in range(1, L + 1))
            assert costs["gd"]["flops"] == costs["adam"]["flops"] == gd, sizes
            assert costs["pw"]["flops"] == costs["pw-adam"]["flops"] == pw, sizes
            assert costs["gd"]["layer_updates"] == L and costs["pw"]["layer_updates"] == L * (L + 1) // 2
        for name in OPTIMIZERS:  # every row of an optimizer timed by the same measurement
            per_epoch = {r["seconds"] / r["elapsed"] for r in mine if r["optimizer"] == name and r["elapsed"] > 0}
            assert len({round(value, 12) for value in per_epoch}) == 1
    for r in (rows[0], rows[-1]):  # the depth and mini-batch size reach the run: it gives what it gives alone
        config = replace(beyond.setting_config(base, r["layers"], r["minibatch"]), learning_rate=r["learning_rate"],
                         seed=r["seed"])
        alone = train_runs([study.optimizer_run(config, data, r["optimizer"])], data.X_train, data.y_train)[0]
        assert (r["status"], r["epochs"], r["elapsed"]) == (alone.status, alone.epochs_completed, alone.epochs_elapsed)


def test_sweep_summary_gives_each_optimizer_s_costs_at_its_best_rate(swept):
    data, base, rows, summary, comparisons = swept
    assert [(e["layers"], e["minibatch"], e["optimizer"]) for e in summary] == [
        (n, b, name) for n, b in PAIRS for name in OPTIMIZERS]
    for entry in summary:
        if entry["best_rate"] is None:
            assert entry["median_flops"] is None and math.isnan(entry["seconds_mean"])
            continue
        assert entry["median_flops"] == pytest.approx(entry["median_elapsed"] * entry["flops_per_epoch"])
        seconds = [r["seconds"] for r in rows if (r["layers"], r["minibatch"], r["optimizer"], r["learning_rate"])
                   == (entry["layers"], entry["minibatch"], entry["optimizer"], entry["best_rate"])
                   and r["status"] == "target"]
        assert entry["seconds_mean"] == pytest.approx(math.exp(np.mean(np.log(seconds))))
        if len(seconds) > 1:
            assert entry["seconds_low"] < entry["seconds_mean"] < entry["seconds_high"]
    assert sum(e["best_rate"] is not None for e in summary) >= len(summary) - 2  # the grids mostly reach


def test_sweep_compares_each_optimizer_with_its_pw_form_in_epochs_seconds_and_flops(swept):
    data, base, rows, summary, comparisons = swept
    assert [(c["layers"], c["minibatch"], c["numerator"], c["denominator"], c["quantity"]) for c in comparisons] == [
        (n, b, top, bottom, cost) for n, b in PAIRS for top, bottom in (("gd", "pw"), ("adam", "pw-adam"), ("adam", "pw"))
        for cost in beyond.COSTS]
    for epochs, seconds, flops in zip(comparisons[0::3], comparisons[1::3], comparisons[2::3]):
        setting = [e for e in summary if (e["layers"], e["minibatch"]) == (epochs["layers"], epochs["minibatch"])]
        per_epoch = {e["optimizer"]: e["flops_per_epoch"] for e in setting}
        scale = per_epoch[epochs["numerator"]] / per_epoch[epochs["denominator"]]
        if epochs["n"] >= 2:
            assert flops["mean"] == pytest.approx(epochs["mean"] * scale)
            assert (flops["low"], flops["high"]) == pytest.approx((epochs["low"] * scale, epochs["high"] * scale))
        assert flops["seeds"] == epochs["seeds"] == seconds["seeds"]
        for c in (epochs, seconds, flops):  # the word follows the interval's side of 1
            assert c["claim"] == ("PW has an advantage" if c["low"] > 1 else "PW is slower" if c["high"] < 1
                                  else "inconclusive"), c
    with pytest.raises(ValueError, match="unknown cost"):
        beyond.compare(rows, summary, {}, "gd", "pw", "updates")


def test_the_page_s_tables_answers_and_figures(swept):
    data, base, rows, summary, comparisons = swept
    comparisons = claims.judged(comparisons)
    table = pages.summary_table(summary, comparisons, 3, 16)
    assert table.count("\n") == 1 + len(OPTIMIZERS) and "nan" not in table
    assert "| Adam |" in table and "PW-Adam" in table
    cost = pages.epoch_cost_rows(summary)
    assert [(row["layers"], row["updates_ratio"]) for row in cost] == [(2, 1.5), (3, 2.0)]
    answers = pages.answers(summary, comparisons, n_layers=3)
    assert set(answers) == {"practitioners", "depth", "minibatch"}
    text = {key: value.replace("\u00a0", " ") for key, value in answers.items()}
    assert "| L = 2 |" in text["depth"] and "| L = 3 |" in text["depth"] and "| B = 16 |" in text["minibatch"]
    assert "GD / PW: epochs " in answers["practitioners"] and "Adam / PW-Adam: epochs " in answers["practitioners"]
    assert pages.widths_sentence([4, 2]) == "L = 2: 20; L = 4: 20-7-5."
    median = {e["optimizer"]: e["median_seconds"] for e in summary if (e["layers"], e["minibatch"]) == (3, 16)}
    assert pages.fastest(summary, layers=3, minibatch=16).startswith(pages.LABELS[min(median, key=median.get)])
    assert pages.fastest(summary, layers=5, minibatch=None) == "not run"


def test_the_figures_say_where_an_optimizer_missed_and_centre_the_optimizers_on_each_setting(swept):
    data, base, rows, summary, comparisons = swept
    missed = [dict(e, seconds_mean=math.nan, median_seconds=math.inf) if (e["optimizer"], e["layers"]) == ("adam", 2)
              else e for e in summary]
    figure = pages.depth_figure(missed)
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert labels == ["GD", "PW", "Adam (missed: L = 2)", "PW-Adam"]
    lines = [bars.lines[0] for bars in pages.depth_figure(summary).axes[0].containers]  # each optimizer's points
    assert len(lines) == len(OPTIMIZERS) and all(len(line.get_xdata()) == 2 for line in lines)
    centres = [np.mean([line.get_xdata()[k] for line in lines]) for k in range(2)]
    assert centres == pytest.approx([2, 3])  # the side-by-side offsets add up to nothing
    assert pages.minibatch_figure(summary, 3).axes[0].get_xticklabels()[-1].get_text() == "full batch"


def test_glue_values_name_each_setting_s_time_ratios_and_fastest_optimizer(swept):
    data, base, rows, summary, comparisons = swept
    comparisons = claims.judged(comparisons)
    values = pages.glue_values(summary, comparisons)
    keys = {f"{quantity}_{pair}_{setting}" for quantity in ("time", "epochs") for pair in ("gd_pw", "adam_pw_adam", "adam_pw")
            for setting in ("L2_full", "L3_full", "L3_B16")} | {f"fastest_{s}" for s in ("L2_full", "L3_full", "L3_B16")}
    assert set(values) == keys | {"optimizers", "widths", "minibatches"}
    assert (values["optimizers"], values["widths"], values["minibatches"]) == (
        "GD, PW, Adam, PW-Adam", "L = 2: 20; L = 3: 20-5.", "B = 16 at L = 3")
    assert all(isinstance(v, str) and "nan" not in v for v in values.values())
    first = next(c for c in comparisons if c["quantity"] == "seconds")
    assert values["time_gd_pw_L2_full"] == pages.timed_value(first, comparisons)
    assert values["time_gd_pw_L2_full"] == f"epochs {values['epochs_gd_pw_L2_full']}; time " + values[
        "time_gd_pw_L2_full"].split("; time ")[1]


def comparison(layers, mean, low, high, numerator="gd", denominator="pw", quantity="seconds"):
    interval = {"mean": mean, "low": low, "high": high, "n": 5}
    return {"layers": layers, "minibatch": None, "numerator": numerator, "denominator": denominator,
            "quantity": quantity, **interval, "claim": study.supported_claim(interval)}


def test_the_ratio_table_has_a_row_per_setting_each_epochs_claim_beside_its_untested_time():
    both = lambda *args, **kw: [comparison(*args, **kw), comparison(*args, **kw, quantity="epochs")]
    pair = lambda layers, mean, low, high, *names: [comparison(layers, mean, low, high, *names),
                                                    comparison(layers, mean * 1.1, low * 1.1, high * 1.1, *names,
                                                               quantity="epochs")]
    found = claims.judged(pair(2, 2.0, 1.6, 2.5) + pair(4, 1.1, 0.9, 1.4) + pair(8, 1.6, 1.6, 1.6)
                          + pair(4, 0.5, 0.4, 0.6, "adam", "pw-adam"))
    by_depth = lambda c: f"L = {c['layers']}"
    untested = "not tested (one timing per optimizer)"  # a ratio of seconds is never tested, whatever its interval
    assert pages.ratio_table(found, by_depth, "layers").replace("\u00a0", " ").splitlines() == [
        "| layers | GD / PW | Adam / PW-Adam |", "|---|---|---|",
        f"| L = 2 | epochs 2.20 [1.76, 2.75] over 5 paired seeds, PW has an advantage; time 2.00 [1.60, 2.50], "
        f"{untested} | - |",
        f"| L = 4 | epochs 1.21 [0.990, 1.54] over 5 paired seeds, inconclusive; time 1.10 [0.900, 1.40], {untested} "
        f"| epochs 0.550 [0.440, 0.660] over 5 paired seeds, PW-Adam is slower; time 0.500 [0.400, 0.600], "
        f"{untested} |",
        "| L = 8 | epochs 1.76 [1.76, 1.76] over 5 paired seeds, not testable here: every paired seed gives the same "
        f"ratio, so the interval has no width; time 1.60 [1.60, 1.60], {untested} | - |"]
    assert [c["claim"] for c in found if c["quantity"] == "seconds"] == [claims.UNTIMED] * 4
    assert pages.ratio_value({**found[1], "n": 1}) == "2.20 on the one seed that reached the target with both, no interval"
    assert pages.ratio_value({**found[1], "n": 0}) == "not compared: no seed reached the target with both"
    assert pages.timed_value({**found[0], "n": 1}, [{**found[1], "n": 1}]) == (
        "epochs 2.20 on the one seed that reached the target with both, no interval")


def test_a_page_refuses_a_comparison_whose_claim_was_not_judged():
    with pytest.raises(ValueError, match="claims.judged"):
        pages.ratio_value(comparison(2, 2.0, 1.6, 2.5))


def test_the_target_is_stated_against_the_loss_of_a_network_that_learned_nothing():
    config = ExperimentConfig.paper("mnist", am_input="cosine", s=4.0, margin=0.25, target=2.9)
    uninformative = pages.uninformative_loss(config, 10)
    assert uninformative == pytest.approx(np.log(1 + 9 * np.e))  # s * margin = 1
    assert pages.target_sentence(2.9, uninformative) == (
        "**The target** is a training loss of 2.9, 0.337 below 3.2373, the loss of a network that gives every "
        "class the same output.")
    assert math.isnan(pages.uninformative_loss(ExperimentConfig.paper("cat"), 2))
    assert pages.target_sentence(0.1, math.nan) == "**The target** is a training loss of 0.1."


def test_a_comparison_without_paired_seeds_says_which_optimizer_missed_or_that_the_seeds_differ():
    summary = [{"optimizer": "gd", "layers": 8, "minibatch": None, "best_rate": None},
               {"optimizer": "pw", "layers": 8, "minibatch": None, "best_rate": 0.1},
               {"optimizer": "adam", "layers": 8, "minibatch": None, "best_rate": 0.01},
               {"optimizer": "pw-adam", "layers": 8, "minibatch": None, "best_rate": 0.02}]
    unpaired = [{**comparison(8, math.nan, math.nan, math.nan), "n": 0},
                {**comparison(8, math.nan, math.nan, math.nan, "adam", "pw-adam"), "n": 0},
                comparison(8, 2.0, 1.6, 2.5, "adam", "pw")]
    gd, adam, paired = pages.explain_unpaired(claims.judged(unpaired), summary)
    assert pages.ratio_value(gd) == "not compared: GD reached the target at no rate tried"
    assert pages.ratio_value(adam) == "not compared: the two reached the target on different seeds"
    assert "unpaired_because" not in paired


def test_the_summary_table_marks_a_best_rate_at_the_edge_of_the_rates_tried():
    row = {"best_rate": 0.25, "interior": True, "capped": False}
    assert pages._best_rate_cell(row) == "0.25"
    assert pages._best_rate_cell({**row, "interior": False}) == "0.25 (edge)"
    assert pages._best_rate_cell({**row, "interior": False, "capped": True}) == "0.25 (edge: extensions ran out)"
    assert pages._best_rate_cell({**row, "best_rate": None, "interior": False}) == "-"


def test_a_claim_names_the_pw_form_and_leaves_a_reason_that_names_optimizers_as_it_is():
    judged = claims.judged([
        {"numerator": "momentum", "denominator": "pw-momentum", "quantity": "epochs", "n": 8, "mean": 2.0,
         "low": 1.5, "high": 2.6},
        {"numerator": "momentum", "denominator": "pw-momentum", "quantity": "epochs", "n": 8, "mean": 2.0,
         "low": 1.5, "high": 2.6, "untestable_because": "PW-momentum on 4 of the 8 paired seeds lost it"}])
    assert pages.claim(judged[0]) == "PW-momentum has an advantage"
    assert pages.claim(judged[1]) == "not testable here: PW-momentum on 4 of the 8 paired seeds lost it"
