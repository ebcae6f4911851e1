"""The study around the paper's experiments: reproduction grid, seeds, learning rates, accounting.

Each function builds the runs of a sweep from :func:`pwcore.experiments.config_run`,
trains them batched (:func:`pwcore.training.train_runs`: runs of one optimizer
kind share a stack) on an already loaded dataset, and returns plain rows (lists
of dicts) for tables and plots. ``log`` receives progress lines.

Seconds to the target in the seed and learning-rate sweeps are *fractional
epochs times the seconds per epoch of that optimizer trained alone* (measured
in the same call, the optimizers' epochs taking turns): runs that share a stack
share its time, so their own clock would say how the stack was composed, not
what a run costs.
"""
from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import replace

import numpy as np

from .experiments import PAPER_RESULTS, ExperimentConfig, config_run, load_data
from .training import below_target, train_runs

OPTIMIZERS = ("gd", "pw")


def epochs_to_target(history, target: float, rule: str = "evaluation"):
    """Completed epochs when the loss was first seen below ``target`` under ``rule``, or None.

    ``history`` must come from a run that went at least as far as ``rule`` needs: a
    run stopped by the "epoch" rule holds every evaluation the "evaluation" rule sees.
    """
    hits = np.flatnonzero(below_target(history.eval_loss, target, rule, history.eval_substep))
    return None if hits.size == 0 else int(history.eval_epoch[hits[0]] - 1)


def seconds_per_epoch(config: ExperimentConfig, data, names=OPTIMIZERS, epochs: int = 2, repeats: int = 3) -> dict:
    """Seconds per epoch of each optimizer trained alone from ``config``'s network: the median of
    ``repeats`` runs of ``epochs`` epochs, the optimizers' runs taking turns (so load reaches all alike)."""
    timed = replace(config, target=None, max_epochs=epochs)
    seconds = {name: [] for name in names}
    for _ in range(repeats):
        for name in names:
            history = train_runs([config_run(timed, data, name)], data.X_train, data.y_train)[0]
            # from the first loss evaluation to the last: exactly `epochs` epochs of work
            seconds[name].append(float(history.eval_seconds[-1] - history.eval_seconds[0]) / epochs)
    return {name: statistics.median(values) for name, values in seconds.items()}


def reproduction_grid(data, base: ExperimentConfig, grid: dict, algorithm2=("prose", "printed"), log=print,
                      batch_size: int | None = None) -> list:
    """GD and PW epochs to target for every combination of ``grid`` values, all runs batched.

    Parameters
    ----------
    data : pwcore.data.Dataset
    base : ExperimentConfig
        Settings not varied by ``grid``.
    grid : dict
        ``{name: list of values}``: a name is an ExperimentConfig field, e.g. ``{"init": ["course", "glorot"]}``,
        or any label whose values are dicts of fields, e.g. ``{"loss": [{"s": 1, "margin": 1}, {"s": 2, "margin": 0.5}]}``.
    algorithm2 : sequence of str
        Readings of Algorithm 2 to try for each combination (GD is run once per combination).

    Returns
    -------
    list of dict
        One row per combination and reading, with GD and PW epochs under both stopping rules.
    """
    paper = PAPER_RESULTS[base.dataset]
    combinations = []
    for overrides, config in grid_configs(base, grid):
        config = replace(config, stop_rule="epoch")
        runs = {"gd": config_run(config, data, "gd")}
        runs.update({reading: config_run(replace(config, algorithm2=reading), data, "pw") for reading in algorithm2})
        initial = runs["gd"].current_loss(data.X_train, data.y_train)  # before any training
        uninformative = getattr(runs["gd"].loss, "uninformative_loss", lambda: math.nan)()
        combinations.append((overrides, config, runs, initial, uninformative))
    every_run = [run for combination in combinations for run in combination[2].values()]
    log(f"{len(combinations)} combinations, {len(every_run)} runs")
    histories = iter(train_runs(every_run, data.X_train, data.y_train, batch_size, log=log))
    rows = []
    for overrides, config, runs, initial, uninformative in combinations:
        trained = {key: next(histories) for key in runs}
        for reading in algorithm2:
            row = dict(overrides, algorithm2=reading, initial_loss=initial, uninformative_loss=uninformative)
            for rule in ("evaluation", "epoch"):
                row[f"gd_{rule}"] = epochs_to_target(trained["gd"], config.target, rule)
                row[f"pw_{rule}"] = epochs_to_target(trained[reading], config.target, rule)
                row[f"exact_{rule}"] = (row[f"gd_{rule}"], row[f"pw_{rule}"]) == (paper["gd_epochs"], paper["pw_epochs"])
            row["distance"], row["closest_rule"] = _distance(row, paper)
            rows.append(row)
    return rows


def grid_configs(base: ExperimentConfig, grid: dict) -> list:
    """Every combination of ``grid``'s values applied to ``base``.

    ``grid`` maps an ExperimentConfig field to its values, or any label to values that are dicts of
    fields (e.g. ``{"loss": [{"s": 1, "margin": 1}, {"s": 2, "margin": 0.5}]}``).

    Returns
    -------
    list of (dict, ExperimentConfig)
        The fields a combination sets (dict values flattened) and its configuration.
    """
    keys = list(grid)
    combinations = []
    for values in itertools.product(*(grid[key] for key in keys)):
        overrides = dict(zip(keys, values))
        flat = {k: v for key, value in overrides.items() for k, v in (value.items() if isinstance(value, dict)
                                                                       else [(key, value)])}
        combinations.append((flat, base.with_overrides(overrides)))
    return combinations


def _distance(row: dict, paper: dict):
    """How far a row's counts are from the paper's: the summed relative errors of GD and PW,
    under the stopping rule that comes closer. Returns (distance, rule); (inf, None) if neither reached it."""
    best = (math.inf, None)
    for rule in ("evaluation", "epoch"):
        gd, pw = row[f"gd_{rule}"], row[f"pw_{rule}"]
        if gd is not None and pw is not None:
            distance = abs(gd - paper["gd_epochs"]) / paper["gd_epochs"] + abs(pw - paper["pw_epochs"]) / paper["pw_epochs"]
            best = min(best, (distance, rule), key=lambda pair: pair[0])
    return best


def seed_study(data, base: ExperimentConfig, seeds, log=print, batch_size: int | None = None) -> list:
    """Epochs and seconds to target of GD and PW for each seed (each seed's two runs from the same weights).

    Seconds are fractional epochs times each optimizer's seconds per epoch alone (:func:`seconds_per_epoch`).
    """
    seeds = [int(seed) for seed in seeds]
    runs = [config_run(replace(base, seed=seed), data, name) for name in OPTIMIZERS for seed in seeds]
    histories = train_runs(runs, data.X_train, data.y_train, batch_size, log=log)
    cost = seconds_per_epoch(base, data)
    by_name = {name: histories[k * len(seeds):(k + 1) * len(seeds)] for k, name in enumerate(OPTIMIZERS)}
    rows = []
    for seed, gd, pw in zip(seeds, by_name["gd"], by_name["pw"]):
        rows.append({"seed": seed, "gd_status": gd.status, "pw_status": pw.status,
                     "gd_epochs": gd.epochs_completed, "pw_epochs": pw.epochs_completed,
                     "gd_elapsed": gd.epochs_elapsed, "pw_elapsed": pw.epochs_elapsed,
                     "gd_seconds": gd.epochs_elapsed * cost["gd"], "pw_seconds": pw.epochs_elapsed * cost["pw"]})
        log(f"seed {seed}: GD {gd.status} {gd.epochs_completed} epochs, PW {pw.status} {pw.epochs_completed} epochs")
    return rows


def ratio_interval(numerators, denominators, confidence: float = 0.95) -> dict:
    """Geometric mean of the ratios ``numerators / denominators`` with a t-interval on their logarithms.

    Returns
    -------
    dict
        ``{"mean", "low", "high", "n"}``; NaN where fewer than two finite ratios exist.
    """
    from scipy import stats
    with np.errstate(divide="ignore", invalid="ignore"):  # a zero denominator is dropped below
        ratios = np.asarray(numerators, float) / np.asarray(denominators, float)
    logs = np.log(ratios[np.isfinite(ratios) & (ratios > 0)])
    n = int(logs.size)
    if n < 2:
        return {"mean": float(np.exp(logs.mean())) if n else math.nan, "low": math.nan, "high": math.nan, "n": n}
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * logs.std(ddof=1) / math.sqrt(n)
    return {"mean": float(np.exp(logs.mean())), "low": float(np.exp(logs.mean() - half)),
            "high": float(np.exp(logs.mean() + half)), "n": n}


def learning_rate_sweep(data, base: ExperimentConfig, learning_rates, log=print, batch_size: int | None = None) -> list:
    """Epochs and seconds to target (or the failure) of each optimizer at each learning rate, all runs batched.

    Seconds are fractional epochs times each optimizer's seconds per epoch alone (:func:`seconds_per_epoch`).
    """
    rates = [float(rate) for rate in learning_rates]
    pairs = [(name, rate) for name in OPTIMIZERS for rate in rates]
    runs = [config_run(replace(base, learning_rate=rate), data, name) for name, rate in pairs]
    histories = train_runs(runs, data.X_train, data.y_train, batch_size, log=log)
    cost = seconds_per_epoch(base, data)
    rows = [{"optimizer": name, "learning_rate": rate, "status": h.status, "epochs": h.epochs_completed,
             "elapsed": h.epochs_elapsed, "seconds": h.epochs_elapsed * cost[name], "final_loss": h.final_loss}
            for (name, rate), h in zip(pairs, histories)]
    rows.sort(key=lambda row: (row["learning_rate"], OPTIMIZERS.index(row["optimizer"])))
    for (name, rate), h in zip(pairs, histories):
        log(f"lr {rate:g} {name}: {h.message}")
    return rows


def tuned(rows: list, name: str):
    """The row of ``name`` that reached the target in the fewest (fractional) epochs; or None.

    Ties go to the lower final loss, then the smaller learning rate: never to the
    wall-clock time, so the choice is the same on every run and machine.
    """
    reached = [r for r in rows if r["optimizer"] == name and r["status"] == "target"]
    return min(reached, key=lambda r: (r["elapsed"], r["final_loss"], r["learning_rate"])) if reached else None


def accounting_runs(data, config: ExperimentConfig) -> dict:
    """GD, PW, and the control (GD with per-layer rates equal to PW's update counts), from one initial network.

    Each is trained alone (a stack of one), so its seconds are its own.

    Returns
    -------
    dict
        ``{"gd": History, "pw": History, "gd_multipliers": History}``.
    """
    counts = list(range(1, len(config.hidden) + 2))  # layer l (from the input) is updated l times per PW epoch
    return _alone({"gd": config_run(config, data, "gd"), "pw": config_run(config, data, "pw"),
                   "gd_multipliers": config_run(config, data, "gd", multipliers=counts)}, data)


def float32_runs(config: ExperimentConfig) -> dict:
    """GD and PW of ``config`` in float32 (data loaded in float32), each trained alone: ``{name: History}``."""
    config = replace(config, dtype="float32")
    data = load_data(config)
    return _alone({name: config_run(config, data, name) for name in OPTIMIZERS}, data)


def _alone(runs: dict, data) -> dict:
    """``{key: Run}`` trained one at a time (stacks of one, so each run's seconds are its own): ``{key: History}``."""
    return dict(zip(runs, train_runs(runs.values(), data.X_train, data.y_train, batch_size=1)))


def per_epoch_cost(history) -> dict:
    """Seconds and matrix-product FLOPs per epoch of a run (over its completed epochs and sub-steps)."""
    epochs = max(float(history.eval_positions[-1]), 1e-12)
    return {"seconds": float(history.eval_seconds[-1] / epochs), "flops": float(history.eval_flops[-1] / epochs)}


def setup(dataset: str, **settings):
    """The base configuration of a study notebook and its data, with one printed line saying what they are.

    ``settings`` are :class:`~pwcore.experiments.ExperimentConfig` fields; None keeps the paper's default.

    Returns
    -------
    config : ExperimentConfig
    data : pwcore.data.Dataset
    """
    config = ExperimentConfig.paper(dataset, **settings)
    data = load_data(config)
    loss = "" if data.n_classes == 2 else f", AM-softmax on {config.am_input} (s {config.s:g}, margin {config.margin:g})"
    scaling = "" if config.scaling == "255" else ", inputs standardized per feature"
    print(f"{dataset}: target {config.target:g}, up to {config.max_epochs} epochs, learning rate "
          f"{config.learning_rate:g}, {config.init} initialization, seed {config.seed}{loss}{scaling}")
    return config, data
