"""One tuning rule for every optimizer: the same grid, extended to each optimizer's divergence.

:func:`tuned_sweep` trains every optimizer at every rate of one grid and every seed, then extends each
optimizer's rates by the same rule, with the same budget:

- **up**, one step at a time, while the largest rate it tried still reaches the target for the median
  seed: its rates are bounded above by the first rate at which it diverges or runs out of epochs, not by
  the first rate that is slower (a noisy median would stop one optimizer's search at a local bump while
  another's goes on);
- **down**, one step at a time, while its best rate is the smallest it tried.

So no comparison sets one optimizer's optimum at the edge of its rates against another's found inside
them, and every optimizer's search ends at a rate where it fails, unless ``max_extensions`` runs out
(the summary says so). The rows and the summary have the fields of :func:`pwcore.study.rate_sweep`'s,
so its tables, figure and paired ratios (:func:`pwcore.study.paired_comparisons`) read them alike.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import replace

from .checks import is_whole
from .experiments import ExperimentConfig
from .study import (SWEPT, _check_grid, _check_optimizers, _check_seeds, best_rate, optimizer_run, rate_medians,
                    seconds_per_epoch, sweep_summary)
from .training import train_runs


def tuned_sweep(data, base: ExperimentConfig, learning_rates, seeds, optimizers=SWEPT, max_extensions: int = 6,
                log=print, batch_size: int | None = None, executor=None) -> tuple:
    """Epochs and seconds to target of each optimizer at each learning rate and seed, every optimizer's
    rates extended by the same rule (the module's docstring) until it fails above and its best rate is
    interior, or its budget is spent.

    Parameters
    ----------
    data : pwcore.data.Dataset
    base : ExperimentConfig
        Everything but the learning rate and the seed.
    learning_rates : sequence of float
        The grid every optimizer starts from: at least two distinct positive rates. An extension steps by
        the grid's geometric mean ratio of neighbours, ``(max / min) ** (1 / (n - 1))``, rounded to 3
        significant digits.
    seeds : sequence of int
        At least two, distinct; a seed gives every optimizer and rate the same initial weights.
    optimizers : sequence of str
        Names of :data:`pwcore.study.KNOWN` (default :data:`pwcore.study.SWEPT`).
    max_extensions : int
        How many rates each optimizer may add to the grid, up and down together.

    Returns
    -------
    rows : list of dict
        As :func:`pwcore.study.rate_sweep`'s: one per optimizer, rate and seed.
    summary : list of dict
        One per optimizer: :func:`pwcore.study.sweep_summary`, with ``capped`` meaning that an extension
        the rule asked for was not run for want of budget, and ``failed_above``: whether the largest rate
        tried missed the target for the median seed (the search is bounded by a failure).
    """
    seeds, grid = _check_seeds(seeds), _check_grid(learning_rates)
    check_extensions(max_extensions)
    optimizers = _check_optimizers(optimizers)
    cost = seconds_per_epoch(base, data, optimizers)

    def train(jobs):
        runs = [optimizer_run(replace(base, learning_rate=rate, seed=seed), data, name) for name, rate, seed in jobs]
        histories = train_runs(runs, data.X_train, data.y_train, batch_size, log=log, executor=executor)
        return [run_row(h, cost[name]) for (name, _, _), h in zip(jobs, histories)]

    rows, extensions, capped = tuned_rounds(train, dict.fromkeys(optimizers, grid), seeds, max_extensions, log)
    return rows, [{**sweep_summary(rows, name, extensions[name], name in capped),
                   "failed_above": not math.isfinite(rate_medians(rows, name)[-1]["median_elapsed"])}
                  for name in optimizers]


def run_row(history, seconds_per_epoch: float) -> dict:
    """What a sweep's row keeps of a run's :class:`~pwcore.history.History` (its seconds: fractional epochs
    times ``seconds_per_epoch``, the optimizer's timing)."""
    return {"status": history.status, "epochs": history.epochs_completed, "elapsed": history.epochs_elapsed,
            "seconds": history.epochs_elapsed * seconds_per_epoch, "final_loss": history.final_loss}


def tuned_rounds(train, grids: dict, seeds: list, max_extensions: int, log=print) -> tuple:
    """The rounds of :func:`tuned_sweep`'s rule: train every optimizer at every pending rate and seed, then
    extend each optimizer's rates (:func:`next_rates`) within its budget of ``max_extensions``.

    Parameters
    ----------
    train : callable
        ``train(jobs) -> rows``: a row (a dict with ``status`` and ``elapsed``, see :func:`run_row`) for
        each ``(optimizer, rate, seed)`` of ``jobs``.
    grids : dict
        ``{optimizer: its initial grid}`` (checked already, as ``seeds`` and ``max_extensions`` are,
        :func:`check_extensions`); an optimizer's extensions step by its grid's geometric mean ratio of
        neighbours. The same grid for every optimizer is the rule; another grid, a shift of scale (Adam's
        useful rates lie decades below GD's).

    Returns
    -------
    rows : list of dict
        ``train``'s rows with ``optimizer``, ``learning_rate``, ``seed`` and ``round``, sorted by optimizer,
        rate and seed.
    extensions : dict
        Rates each optimizer added.
    capped : set
        The optimizers for which the rule asked for an extension the budget did not allow.
    """
    optimizers = tuple(grids)
    steps = {name: (grid[-1] / grid[0]) ** (1 / (len(grid) - 1)) for name, grid in grids.items()}
    pending, extensions, capped, rows = dict(grids), dict.fromkeys(optimizers, 0), set(), []
    for round_ in itertools.count():
        jobs = [(name, rate, seed) for name, rates in pending.items() for rate in rates for seed in seeds]
        if not jobs:
            break
        log(f"round {round_}: {len(jobs)} runs")
        rows += [{"optimizer": name, "learning_rate": rate, "seed": seed, "round": round_, **row}
                 for (name, rate, seed), row in zip(jobs, train(jobs))]
        pending, capped = {}, set()
        for name in optimizers:
            wanted = next_rates(rate_medians(rows, name), steps[name])
            allowed = wanted[:max_extensions - extensions[name]]
            if len(allowed) < len(wanted):
                capped.add(name)
            if allowed:
                pending[name], extensions[name] = allowed, extensions[name] + len(allowed)
    rows.sort(key=lambda r: (optimizers.index(r["optimizer"]), r["learning_rate"], seeds.index(r["seed"])))
    return rows, extensions, capped


def check_extensions(max_extensions) -> None:
    """Refuse a budget of extensions that is not a whole number of at least 0."""
    if not is_whole(max_extensions) or max_extensions < 0:
        raise ValueError(f"max_extensions must be a non-negative integer, got {max_extensions!r}")


def next_rates(medians: list, step: float) -> list:
    """The rates the rule adds next to the ones in ``medians`` (:func:`pwcore.study.rate_medians`, ascending):
    one ``step`` (a factor) above the largest if it reached the target for the median seed, and one below
    the smallest if it is the best (:func:`pwcore.study.best_rate`). Empty when the search is done."""
    rates = [m["learning_rate"] for m in medians]
    wanted = []
    if math.isfinite(medians[-1]["median_elapsed"]):
        wanted.append(_stepped(rates[-1] * step, rates))
    best = best_rate(medians)
    if best is not None and best["learning_rate"] == rates[0] and len(rates) > 1:
        wanted.insert(0, _stepped(rates[0] / step, rates))
    return wanted


def _stepped(exact: float, rates: list) -> float:
    """``exact`` rounded to 3 significant digits, unless the rounded rate was tried already."""
    rounded = float(f"{exact:.3g}")
    return exact if rounded in rates else rounded
