"""The study around the paper's experiments: reproduction grid, seeds, learning rates, accounting.

Each function builds the runs of a sweep from :func:`pwcore.experiments.config_run`,
trains them batched (:func:`pwcore.training.train_runs`: runs of one optimizer
kind share a stack) on an already loaded dataset, and returns plain rows (lists
of dicts) for tables and plots. ``log`` receives progress lines; ``batch_size`` (runs
per stack: ``runs_per_stack`` of :func:`~pwcore.training.train_runs`, under its old name, which the keys
of the stored results hold) and ``executor`` go to :func:`~pwcore.training.train_runs` (the executor says where
the stacks train: here by default, or on a Dask cluster, :mod:`pwcore.executors`).
The runs that time an optimizer alone always train here, one at a time.

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

from .checks import is_whole
from .experiments import PAPER_RESULTS, ExperimentConfig, config_run, load_data
from .executors import Here
from .optimizers import NAMES
from .history import below_target
from .training import Run, train_runs

OPTIMIZERS = ("gd", "pw")
CONTROL = "gd_multipliers"  # GD with PW's per-layer update counts as rate multipliers
SWEPT = (*OPTIMIZERS, CONTROL)  # the paper's two and the control: what the learning-rate sweeps compare
KNOWN = (*NAMES, CONTROL)  # every optimizer a sweep may train, momentum and Adam included


def epochs_to_target(history, target: float, rule: str = "evaluation"):
    """Completed epochs when the loss was first seen below ``target`` under ``rule``, or None.

    ``history`` must come from a run that went at least as far as ``rule`` needs: a
    run stopped by the "epoch" rule holds every evaluation the "evaluation" rule sees.
    """
    hits = np.flatnonzero(below_target(history.eval_loss, target, rule, history.eval_substep))
    return None if hits.size == 0 else int(history.eval_epoch[hits[0]] - 1)


def optimizer_run(config: ExperimentConfig, data, name: str) -> Run:
    """A run of ``name`` from ``config``'s initial network (built afresh) on ``data``.

    ``name`` is one of :data:`KNOWN`: ``"gd"``, ``"pw"``, momentum or Adam in either schedule
    (:data:`pwcore.optimizers.NAMES`), or the control ``"gd_multipliers"``, GD whose layer ``l`` (from the
    input) has ``l`` times the learning rate: PW's updates of that layer per epoch.
    """
    _check_optimizers([name])
    if name == CONTROL:
        return config_run(config, data, "gd", multipliers=list(range(1, len(config.hidden) + 2)))
    return config_run(config, data, name)


def seconds_per_epoch(config: ExperimentConfig, data, names=OPTIMIZERS, epochs: int = 2, repeats: int = 3) -> dict:
    """Seconds per epoch of each optimizer trained alone from ``config``'s network: the median of
    ``repeats`` runs of ``epochs`` epochs, the optimizers' runs taking turns (so load reaches all alike).

    ``names`` are optimizers of :data:`KNOWN` (the control included). Returns ``{name: seconds}``.
    """
    timed = replace(config, target=None, max_epochs=epochs)
    seconds = {name: [] for name in names}
    for _ in range(repeats):
        for name in names:
            history = train_runs([optimizer_run(timed, data, name)], data.X_train, data.y_train, executor=Here())[0]
            # from the first loss evaluation to the last: exactly `epochs` epochs of work
            seconds[name].append(float(history.eval_seconds[-1] - history.eval_seconds[0]) / epochs)
    return {name: statistics.median(values) for name, values in seconds.items()}


def reproduction_grid(data, base: ExperimentConfig, grid: dict, algorithm2=("prose", "printed"), log=print,
                      batch_size: int | None = None, executor=None) -> list:
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
    histories = iter(train_runs(every_run, data.X_train, data.y_train, batch_size, log=log, executor=executor))
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


def seed_study(data, base: ExperimentConfig, seeds, log=print, batch_size: int | None = None, executor=None) -> list:
    """Epochs and seconds to target of GD and PW for each seed (each seed's two runs from the same weights).

    Seconds are fractional epochs times each optimizer's seconds per epoch alone (:func:`seconds_per_epoch`).
    """
    seeds = [int(seed) for seed in seeds]
    runs = [config_run(replace(base, seed=seed), data, name) for name in OPTIMIZERS for seed in seeds]
    histories = train_runs(runs, data.X_train, data.y_train, batch_size, log=log, executor=executor)
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


def seed_rank(rows: list, seed: int = 1) -> dict:
    """Where ``seed``'s GD/PW epoch ratio (fractional epochs) falls among the seeds that reached the target
    with both optimizers: ``{"rank", "n", "ratio"}``, rank 1 the largest ratio (the most favourable to PW);
    rank 0 and ratio NaN if that seed did not reach it."""
    reached = [r for r in rows if r["gd_status"] == r["pw_status"] == "target" and r["pw_elapsed"] > 0]
    ratios = {r["seed"]: r["gd_elapsed"] / r["pw_elapsed"] for r in reached}
    if seed not in ratios:
        return {"rank": 0, "n": len(ratios), "ratio": math.nan}
    return {"rank": 1 + sum(ratio > ratios[seed] for ratio in ratios.values()), "n": len(ratios),
            "ratio": ratios[seed]}


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


QUANTITIES = {"epochs": "elapsed", "seconds": "seconds"}  # a paired ratio's quantity: the row field it divides
CLAIMS = ("PW has an advantage", "PW is slower", "inconclusive")


def rate_sweep(data, base: ExperimentConfig, learning_rates, seeds, optimizers=SWEPT, max_extensions: int = 6,
               log=print, batch_size: int | None = None, executor=None) -> tuple:
    """Epochs and seconds to target of each optimizer at each learning rate and seed, the grid extended
    until each optimizer's best rate is interior.

    Beyond the paper's stored sweeps (:func:`pwcore.beyond.sweep`) were made with this rule. The
    learning-rate pages use :func:`pwcore.tuning.tuned_sweep`, which extends every optimizer up to a rate
    where it fails, so that a noisy median cannot end one optimizer's search early; Beyond moves to it
    with its next computation, and this function goes then.

    The first round trains every optimizer at every rate of ``learning_rates`` and every seed; each later
    round, every optimizer whose best rate (:func:`best_rate`) is the largest (smallest) it tried adds the
    next rate up (down) at the grid's log spacing, until a larger (smaller) rate is worse, misses or
    diverges for the median seed, or the optimizer has had ``max_extensions`` extensions. Each round is
    one :func:`~pwcore.training.train_runs` call.

    Parameters
    ----------
    data : pwcore.data.Dataset
    base : ExperimentConfig
        Everything but the learning rate and the seed.
    learning_rates : sequence of float
        The initial grid: at least two distinct positive rates. The extensions step by the geometric
        mean ratio of neighbours, ``(max / min) ** (1 / (n - 1))``, rounded to 3 significant digits.
    seeds : sequence of int
        At least two, distinct. A seed gives every optimizer and rate the same initial weights, so runs
        pair by seed (:func:`paired_ratio`).
    optimizers : sequence of str
        Names of :data:`KNOWN` (default :data:`SWEPT`, the paper's two and the control).
    max_extensions : int
        How many rates an optimizer may add beyond the grid; its summary says ``capped`` if its best
        rate is still at an end of its rates because of this limit.

    Returns
    -------
    rows : list of dict
        One per optimizer, rate and seed, in that order: ``optimizer``, ``learning_rate``, ``seed``,
        ``round`` (0: the initial grid; k: added by the k-th extension round), ``status``, ``epochs``
        (completed), ``elapsed`` (fractional epochs), ``seconds`` (``elapsed`` times the optimizer's
        :func:`seconds_per_epoch` alone) and ``final_loss``.
    summary : list of dict
        One per optimizer, in the order of ``optimizers``: see :func:`sweep_summary`.
    """
    seeds, grid = _check_seeds(seeds), _check_grid(learning_rates)
    if not is_whole(max_extensions) or max_extensions < 0:
        raise ValueError(f"max_extensions must be a non-negative integer, got {max_extensions!r}")
    optimizers = _check_optimizers(optimizers)
    step = (grid[-1] / grid[0]) ** (1 / (len(grid) - 1))
    cost = seconds_per_epoch(base, data, optimizers)
    pending, extensions, capped, rows = {name: grid for name in optimizers}, dict.fromkeys(optimizers, 0), set(), []
    for round_ in itertools.count():
        jobs = [(name, rate, seed) for name, rates in pending.items() for rate in rates for seed in seeds]
        if not jobs:
            break
        log(f"round {round_}: {len(jobs)} runs")
        runs = [optimizer_run(replace(base, learning_rate=rate, seed=seed), data, name) for name, rate, seed in jobs]
        for (name, rate, seed), h in zip(jobs, train_runs(runs, data.X_train, data.y_train, batch_size, log=log,
                                                                   executor=executor)):
            rows.append({"optimizer": name, "learning_rate": rate, "seed": seed, "round": round_, "status": h.status,
                         "epochs": h.epochs_completed, "elapsed": h.epochs_elapsed,
                         "seconds": h.epochs_elapsed * cost[name], "final_loss": h.final_loss})
        pending, capped = {}, set()
        for name in optimizers:
            rate = _extension(rate_medians(rows, name), step)
            if rate is not None and extensions[name] == max_extensions:
                capped.add(name)
            elif rate is not None:
                pending[name], extensions[name] = [rate], extensions[name] + 1
    rows.sort(key=lambda r: (optimizers.index(r["optimizer"]), r["learning_rate"], seeds.index(r["seed"])))
    return rows, [sweep_summary(rows, name, extensions[name], name in capped) for name in optimizers]


def rate_medians(rows: list, name: str) -> list:
    """Each learning rate ``name`` was run at, ascending, summarized over its seeds.

    A seed that missed the target (it ran out of epochs or diverged) counts as +inf epochs and seconds,
    so a rate at which half the seeds or more missed has an infinite median.

    Returns
    -------
    list of dict
        ``learning_rate``, ``round``, ``n_seeds``, ``n_reached``; ``median_elapsed`` (fractional epochs,
        what ranks the rates), ``median_seconds``, ``median_final_loss``; ``median_epochs`` (the whole
        epochs completed within ``median_elapsed``: for an odd number of seeds, the middle seed's completed
        epochs; None if the median missed);
        ``min_epochs`` and ``max_epochs`` over the seeds that reached (None if none did).
    """
    by_rate = {}
    for row in rows:
        if row["optimizer"] == name:
            by_rate.setdefault(row["learning_rate"], []).append(row)
    return [_rate_entry(rate, group) for rate, group in sorted(by_rate.items())]


def _rate_entry(rate: float, group: list) -> dict:
    reached = [r for r in group if r["status"] == "target"]
    median = lambda key: statistics.median(r[key] if r["status"] == "target" else math.inf for r in group)
    elapsed = median("elapsed")
    return {"learning_rate": rate, "round": group[0]["round"], "n_seeds": len(group), "n_reached": len(reached),
            "median_elapsed": elapsed, "median_seconds": median("seconds"),
            "median_final_loss": statistics.median(_finite_or_inf(r["final_loss"]) for r in group),
            "median_epochs": math.floor(elapsed) if math.isfinite(elapsed) else None,
            "min_epochs": min((r["epochs"] for r in reached), default=None),
            "max_epochs": max((r["epochs"] for r in reached), default=None)}


def _finite_or_inf(value: float) -> float:
    """``value``, or +inf for NaN (a diverged run's loss), so that it sorts last."""
    return value if math.isfinite(value) else math.inf


def best_rate(medians: list):
    """The entry of :func:`rate_medians` with the fewest median (fractional) epochs to target; None if every
    rate missed. Ties go to the lower median final loss, then the smaller rate: never to the clock."""
    finite = [m for m in medians if math.isfinite(m["median_elapsed"])]
    return min(finite, key=lambda m: (m["median_elapsed"], m["median_final_loss"], m["learning_rate"]), default=None)


def _extension(medians: list, step: float):
    """The rate to try next, one ``step`` (a factor) beyond the end the best rate is at; None if it is interior."""
    best = best_rate(medians)
    rates = [m["learning_rate"] for m in medians]
    if best is None or best["learning_rate"] not in (rates[0], rates[-1]):
        return None
    exact = best["learning_rate"] * (step if best["learning_rate"] == rates[-1] else 1 / step)
    rounded = float(f"{exact:.3g}")
    return exact if rounded in rates else rounded


def sweep_summary(rows: list, name: str, extensions: int = 0, capped: bool = False) -> dict:
    """One optimizer's result in a :func:`rate_sweep`.

    Returns
    -------
    dict
        ``optimizer``; ``best_rate`` (None if no rate reached the target for the median seed) and, at it,
        ``median_epochs`` (whole), ``median_elapsed``, ``median_seconds``, ``n_reached`` of ``n_seeds``;
        ``interior`` (the best rate has a tried rate on each side, neither faster); ``capped`` (the best
        rate is at an end because the extensions ran out); ``extensions``; ``lowest_rate``, ``highest_rate``.
    """
    medians = rate_medians(rows, name)
    best = best_rate(medians) or {}
    rate = best.get("learning_rate")
    return {"optimizer": name, "best_rate": rate, "median_epochs": best.get("median_epochs"),
            "median_elapsed": best.get("median_elapsed"), "median_seconds": best.get("median_seconds"),
            "n_reached": best.get("n_reached", 0), "n_seeds": medians[0]["n_seeds"],
            "interior": rate is not None and medians[0]["learning_rate"] < rate < medians[-1]["learning_rate"],
            "capped": capped, "extensions": extensions,
            "lowest_rate": medians[0]["learning_rate"], "highest_rate": medians[-1]["learning_rate"]}


def paired_ratio(rows: list, summary: list, numerator: str, denominator: str = "pw", quantity: str = "epochs") -> dict:
    """``numerator / denominator`` of ``quantity`` to the target, seed by seed, each optimizer at its best rate.

    The runs pair by seed (same initial weights); a seed at which either missed the target is left out.
    Epoch ratios divide fractional epochs (``elapsed``), so a PW run stopped inside an epoch counts what it ran.

    Parameters
    ----------
    rows, summary
        From :func:`rate_sweep`.
    quantity : {"epochs", "seconds"}

    Returns
    -------
    dict
        ``numerator``, ``denominator``, ``quantity``, ``seeds`` (the paired seeds, ascending), the
        :func:`ratio_interval` fields ``mean``, ``low``, ``high``, ``n``, and ``claim`` (:func:`supported_claim`).
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}: choose one of {sorted(QUANTITIES)}")
    best = {entry["optimizer"]: entry["best_rate"] for entry in summary}
    missing = {numerator, denominator} - set(best)
    if missing:
        raise ValueError(f"{sorted(missing)} not in the sweep: run rate_sweep with optimizers including them")
    field = QUANTITIES[quantity]
    top, bottom = ({r["seed"]: r[field] for r in rows if r["optimizer"] == name and r["status"] == "target"
                    and r["learning_rate"] == best[name]} for name in (numerator, denominator))
    seeds = sorted(top.keys() & bottom.keys())
    interval = ratio_interval([top[s] for s in seeds], [bottom[s] for s in seeds])
    return {"numerator": numerator, "denominator": denominator, "quantity": quantity, "seeds": seeds, **interval,
            "claim": supported_claim(interval)}


def paired_comparisons(rows: list, summary: list) -> list:
    """:func:`paired_ratio` of every other optimizer of the sweep over PW, for epochs and for seconds."""
    others = [entry["optimizer"] for entry in summary if entry["optimizer"] != "pw"]
    return [paired_ratio(rows, summary, name, "pw", quantity) for name in others for quantity in QUANTITIES]


def supported_claim(interval: dict) -> str:
    """What an interval of ratios *other / PW* supports: one of :data:`CLAIMS`.

    ``"PW has an advantage"`` if it lies entirely above 1, ``"PW is slower"`` if entirely below 1,
    ``"inconclusive"`` if it contains 1 or is undefined (fewer than two paired seeds).
    """
    if interval["low"] > 1:
        return CLAIMS[0]
    if interval["high"] < 1:
        return CLAIMS[1]
    return CLAIMS[2]


def _check_optimizers(names) -> tuple:
    names = tuple(names)
    unknown = [name for name in names if name not in KNOWN]
    if unknown or len(set(names)) != len(names) or not names:
        raise ValueError(f"optimizers must be distinct names from {KNOWN}; got {names}"
                         + (f" (unknown optimizer {unknown[0]!r})" if unknown else ""))
    return names


def _check_seeds(seeds) -> list:
    seeds = [int(seed) for seed in seeds]
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"give at least two distinct seeds for an interval over seeds, e.g. seeds=[1, 2, 3, 4, 5]; "
                         f"got {seeds}")
    return seeds


def _check_grid(learning_rates) -> list:
    rates = sorted({float(rate) for rate in learning_rates})
    if len(rates) < 2 or not all(math.isfinite(rate) and rate > 0 for rate in rates):
        raise ValueError(f"give at least two distinct positive learning rates (the grid's log spacing sets the "
                         f"extensions' step), e.g. [0.005, 0.01, 0.02]; got {list(learning_rates)}")
    return rates


def accounting_runs(data, config: ExperimentConfig) -> dict:
    """GD, PW, and the control (GD with per-layer rates equal to PW's update counts), from one initial network.

    Each is trained alone (a stack of one), so its seconds are its own.

    Returns
    -------
    dict
        ``{"gd": History, "pw": History, "gd_multipliers": History}``.
    """
    return _alone({name: optimizer_run(config, data, name) for name in SWEPT}, data)


def float32_runs(config: ExperimentConfig) -> dict:
    """GD and PW of ``config`` in float32 (data loaded in float32), each trained alone: ``{name: History}``."""
    config = replace(config, dtype="float32")
    data = load_data(config)
    return _alone({name: config_run(config, data, name) for name in OPTIMIZERS}, data)


def _alone(runs: dict, data) -> dict:
    """``{key: Run}`` trained one at a time (stacks of one, so each run's seconds are its own): ``{key: History}``."""
    return dict(zip(runs, train_runs(runs.values(), data.X_train, data.y_train, runs_per_stack=1, executor=Here())))


def per_epoch_cost(history) -> dict:
    """Seconds and matrix-product FLOPs per epoch of a run (over its completed epochs and sub-steps)."""
    epochs = max(float(history.eval_positions[-1]), 1e-12)
    return {"seconds": float(history.eval_seconds[-1] / epochs), "flops": float(history.eval_flops[-1] / epochs)}


