"""How robust a calibrated count is: the counts over the whole calibrated interval, in both dtypes, and how
near each came to being one epoch more or fewer.

A calibration (:mod:`pwcore.calibration`) finds an interval of learning rates at which GD takes the paper's
epochs and reports PW's count at one rate of it. :func:`count_margins` trains GD and PW at evenly spaced
rates across the whole interval in float64 and float32, and reads each count's *margins*: how far below
the target the loss was at the check that stopped the run, and how far above it at the check before. A
margin of 1e-7 says the count would move by one epoch under a change in the last bits (a BLAS kernel,
the dtype, the rate's last digit).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .calibration import COMBINATION_FIELDS
from .checks import is_whole
from .dtypes import DTYPES
from .experiments import PAPER_RESULTS, ExperimentConfig, config_run, load_data
from .history import below_target
from .training import train_runs


def count_margins(base: ExperimentConfig, row: dict, n_points: int = 9, dtypes=DTYPES, log=print,
                  executor=None) -> list:
    """GD's and PW's epochs to target at ``n_points`` rates evenly spaced over ``row``'s calibrated interval
    (``rate_low`` to ``rate_high``; one rate if the interval is one rate, as where the paper gives it), in
    each of ``dtypes``, with their margins (:func:`count_margin`).

    The runs are configured as :func:`pwcore.calibration.count_scan`'s: ``row``'s combination and reading of
    Algorithm 2, the loss checked once per epoch, at most twice the paper's GD epochs; PW's count is read
    under ``row``'s stopping rule (``pw_rule``), GD's under the paper's per-evaluation rule.

    Returns
    -------
    list of dict
        One per dtype and rate, in that order: ``dtype``, ``learning_rate``; for ``k`` in gd, pw:
        ``k_epochs`` (None if missed), ``k_below`` (target minus the loss at the check that stopped it) and
        ``k_above`` (the loss at the check before minus the target; None for a count of 0).
    """
    if not is_whole(n_points) or n_points < 2:
        raise ValueError(f"n_points must be a whole number of at least 2 (both ends of the interval), got {n_points!r}")
    unknown = [dtype for dtype in dtypes if dtype not in DTYPES]
    if unknown or not dtypes:
        raise ValueError(f"dtypes must be some of {DTYPES}, got {list(dtypes)}")
    rates = sorted({float(rate) for rate in np.linspace(row["rate_low"], row["rate_high"], n_points)})  # one if given
    config = replace(base, algorithm2=row["pw_reading"], stop_rule="epoch",
                     max_epochs=2 * PAPER_RESULTS[base.dataset]["gd_epochs"],
                     **{name: row[name] for name in COMBINATION_FIELDS})
    found = []
    for dtype in dtypes:
        typed = replace(config, dtype=dtype)
        data = load_data(typed)
        runs = [config_run(replace(typed, learning_rate=rate), data, name) for name in ("gd", "pw") for rate in rates]
        histories = train_runs(runs, data.X_train, data.y_train, log=log, executor=executor)
        for rate, gd, pw in zip(rates, histories[:len(rates)], histories[len(rates):]):
            found.append({"dtype": dtype, "learning_rate": rate,
                          **_prefixed("gd", count_margin(gd, config.target, "evaluation")),
                          **_prefixed("pw", count_margin(pw, config.target, row["pw_rule"]))})
    return found


def count_margin(history, target: float, rule: str) -> dict:
    """A run's epochs to ``target`` under ``rule`` (as :func:`pwcore.study.epochs_to_target`) and how near
    that count came to moving.

    Returns
    -------
    dict
        ``epochs`` (None if the target was never seen), ``below`` (``target`` minus the loss at the check
        that hit it), ``above`` (the loss at the last check before it minus ``target``; None if there was
        none).
    """
    # the evaluations the rule looks at: those where any loss at all would be a hit
    checked = np.flatnonzero(below_target(np.full_like(history.eval_loss, -np.inf), target, rule, history.eval_substep))
    hits = checked[history.eval_loss[checked] < target]
    if hits.size == 0:
        return {"epochs": None, "below": None, "above": None}
    hit = hits[0]
    before = checked[checked < hit]
    return {"epochs": int(history.eval_epoch[hit] - 1), "below": float(target - history.eval_loss[hit]),
            "above": float(history.eval_loss[before[-1]] - target) if before.size else None}


def _prefixed(prefix: str, values: dict) -> dict:
    return {f"{prefix}_{key}": value for key, value in values.items()}
