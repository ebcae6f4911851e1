"""The study around the paper's experiments: reproduction grid, seeds, learning rates, accounting.

Each function trains from :func:`pwcore.experiments.build` networks on an
already loaded dataset and returns plain rows (lists of dicts) for tables and
plots. ``log`` receives one progress line per run.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np

from .experiments import PAPER_RESULTS, ExperimentConfig, build
from .optimizers import make_optimizer
from .training import train


def epochs_to_target(history, target: float, rule: str = "evaluation"):
    """Completed epochs when the loss was first seen below ``target`` under ``rule``, or None.

    ``history`` must come from a run that went at least as far as ``rule`` needs: a
    run stopped by the "epoch" rule holds every evaluation the "evaluation" rule sees.
    """
    below = history.eval_loss < target
    if rule == "epoch":
        below &= history.eval_substep == 1
    hits = np.flatnonzero(below)
    return None if hits.size == 0 else int(history.eval_epoch[hits[0]] - 1)


def run_one(config: ExperimentConfig, data, name: str, reading=None, multipliers=None):
    """Train optimizer ``name`` from the initial network of ``config`` on ``data``; return its History."""
    net, loss = build(config, data.n_features, data.n_classes)
    optimizer = make_optimizer(name, config.learning_rate, reading or config.reading, multipliers)
    return train(net, data.X_train, data.y_train, loss, optimizer, config.target, config.max_epochs,
                 config.stop_rule)


def reproduction_grid(data, base: ExperimentConfig, grid: dict, readings=("prose", "printed"), log=print) -> list:
    """GD and PW epochs to target for every combination of ``grid`` values.

    Parameters
    ----------
    data : pwcore.data.Dataset
    base : ExperimentConfig
        Settings not varied by ``grid``.
    grid : dict
        ``{name: list of values}``: a name is an ExperimentConfig field, e.g. ``{"init": ["course", "glorot"]}``,
        or any label whose values are dicts of fields, e.g. ``{"loss": [{"s": 1, "margin": 1}, {"s": 2, "margin": 0.5}]}``.
    readings : sequence of str
        Algorithm 2 readings to try for each combination (GD is run once per combination).

    Returns
    -------
    list of dict
        One row per combination and reading, with GD and PW epochs under both stopping rules.
    """
    paper = PAPER_RESULTS[base.dataset]
    keys = list(grid)
    rows = []
    for values in itertools.product(*(grid[k] for k in keys)):
        overrides = dict(zip(keys, values))
        config = replace(base.with_overrides(overrides), stop_rule="epoch")
        net, loss = build(config, data.n_features, data.n_classes)
        initial = loss(net.predict(data.X_train), data.y_train)[0]
        uninformative = getattr(loss, "uninformative_loss", lambda: math.nan)()
        gd = run_one(config, data, "gd")
        flat = {k: v for key, value in overrides.items() for k, v in (value.items() if isinstance(value, dict)
                                                                       else [(key, value)])}
        for reading in readings:
            pw = run_one(config, data, "pw", reading)
            row = dict(flat, reading=reading, initial_loss=initial, uninformative_loss=uninformative)
            for rule in ("evaluation", "epoch"):
                row[f"gd_{rule}"] = epochs_to_target(gd, config.target, rule)
                row[f"pw_{rule}"] = epochs_to_target(pw, config.target, rule)
                row[f"exact_{rule}"] = (row[f"gd_{rule}"], row[f"pw_{rule}"]) == (paper["gd_epochs"], paper["pw_epochs"])
            row["distance"], row["closest_rule"] = _distance(row, paper)
            rows.append(row)
            log(f"{row}")
    return rows


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


def seed_study(data, base: ExperimentConfig, seeds, log=print) -> list:
    """Epochs and seconds to target of GD and PW for each seed, trained side by side."""
    rows = []
    for seed in seeds:
        config = replace(base, seed=int(seed))
        gd, pw = run_one(config, data, "gd"), run_one(config, data, "pw")
        rows.append({"seed": int(seed), "gd_status": gd.status, "pw_status": pw.status,
                     "gd_epochs": gd.epochs_completed, "pw_epochs": pw.epochs_completed,
                     "gd_elapsed": gd.epochs_elapsed, "pw_elapsed": pw.epochs_elapsed,
                     "gd_seconds": gd.seconds, "pw_seconds": pw.seconds})
        log(f"seed {seed}: GD {gd.status} {gd.epochs_completed} epochs {gd.seconds:.1f} s, "
            f"PW {pw.status} {pw.epochs_completed} epochs {pw.seconds:.1f} s")
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


def learning_rate_sweep(data, base: ExperimentConfig, learning_rates, log=print) -> list:
    """Epochs and seconds to target (or the failure) of each optimizer at each learning rate."""
    rows = []
    for rate in learning_rates:
        config = replace(base, learning_rate=float(rate))
        for name in ("gd", "pw"):
            history = run_one(config, data, name)
            rows.append({"optimizer": name, "learning_rate": float(rate), "status": history.status,
                         "epochs": history.epochs_completed, "elapsed": history.epochs_elapsed,
                         "seconds": history.seconds,
                         "final_loss": history.final_loss})
            log(f"lr {rate:g} {name}: {history.message}")
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

    Returns
    -------
    dict
        ``{"gd": History, "pw": History, "gd_multipliers": History}``.
    """
    counts = list(range(1, len(config.hidden) + 2))  # layer l (from the input) is updated l times per PW epoch
    return {"gd": run_one(config, data, "gd"), "pw": run_one(config, data, "pw"),
            "gd_multipliers": run_one(config, data, "gd", multipliers=counts)}


def per_epoch_cost(history) -> dict:
    """Seconds and matrix-product FLOPs per epoch of a run (over its completed epochs and sub-steps)."""
    epochs = max(history.eval_epoch[-1] - 1 + (history.eval_substep[-1] - 1) / max(history.eval_substep.max(), 1), 1e-12)
    return {"seconds": float(history.eval_seconds[-1] / epochs), "flops": float(history.eval_flops[-1] / epochs)}
