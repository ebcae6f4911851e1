"""Targets a practitioner cares about (Beyond the paper, second edition).

The paper's targets lie near chance on MNIST and CIFAR-10 (a loss just below that of an output that says
nothing). A practitioner asks how fast each optimizer gets to a useful model, so the second edition sets
two targets per setting by one stated rule, :func:`pilot_targets`:

- a **training-loss target**: the median training loss the best-tuned baseline (GD) reaches after half
  its epoch budget;
- a **held-out accuracy target**: its median accuracy on the test set after the same epochs.

The baseline is tuned on the same grid and seeds as the optimizers it is then compared with: its best rate
is the one with the lowest median training loss after the whole budget. So the targets are reached, by
construction, by the baseline in about half its budget, and each optimizer has the budget to show whether
it is faster.

:func:`sweep_to_targets` then tunes every optimizer by :mod:`pwcore.tuning`'s rule, each run stopping once
it has reached both targets (or its epochs run out), and :func:`target_view` reads the epochs and seconds
to either target from the same runs, in the form of :func:`pwcore.study.rate_sweep`'s rows, so that the
study's summaries and paired ratios read them alike. The loss is checked once per epoch, where the accuracy
is measured: the accuracy at the loss target is the accuracy of the weights that reached it.

:func:`settings_study` does so in each setting (depth, mini-batch size) of :mod:`pwcore.beyond`, at the
same two targets, and gives each target's summary and paired comparisons in :func:`pwcore.beyond.sweep`'s
form, so that the Beyond pages' tables and figures show either target.
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from . import beyond
from .checks import is_whole
from .experiments import ExperimentConfig
from .study import SWEPT, _check_grid, _check_optimizers, _check_seeds, optimizer_run, seconds_per_epoch, sweep_summary
from .training import Run, train_runs
from .tuning import check_extensions, run_row, tuned_rounds

TARGETS = ("loss", "accuracy")  # the two targets, as target_view names them


def watched_run(config: ExperimentConfig, data, name: str, accuracy_target: float | None = None) -> Run:
    """:func:`pwcore.study.optimizer_run` of ``name`` that watches its accuracy on ``data``'s test set
    (:class:`pwcore.history.HeldOut`), with an accuracy target if given."""
    return replace(optimizer_run(config, data, name), held_out=(data.X_test, data.y_test),
                   accuracy_target=accuracy_target)


def pilot_targets(data, base: ExperimentConfig, learning_rates, seeds, budget: int, baseline: str = "gd",
                  log=print, executor=None) -> dict:
    """The two targets of the module's rule, from ``baseline`` trained at every rate and seed for ``budget``
    epochs without a target.

    Parameters
    ----------
    data : pwcore.data.Dataset
        With a test set (the held-out accuracy is measured on it).
    base : ExperimentConfig
        Everything but the learning rate, the seed, the target and the epoch limit.
    learning_rates : sequence of float
        At least two distinct positive rates.
    seeds : sequence of int
        At least two, distinct.
    budget : int
        Epochs each run trains, at least 2; the targets are read after ``budget // 2``.
    baseline : str
        An optimizer of :data:`pwcore.study.KNOWN`.

    Returns
    -------
    dict
        ``baseline``, ``budget``, ``half`` (``budget // 2``), ``best_rate``, ``loss_target`` and
        ``accuracy_target`` (the best rate's medians over seeds after ``half`` epochs), and ``curves``: one
        dict per rate and seed with ``learning_rate``, ``seed``, ``status``, ``epoch_loss`` and
        ``epoch_accuracy`` (arrays of shape ``(epochs completed + 1,)``).

    Raises
    ------
    ValueError
        If ``budget`` is not a whole number of at least 2, or the best rate diverged for the median seed, or
        the targets say nothing: a loss not below the initial one, or an accuracy no better than the initial
        one or than always answering the commonest class (:func:`pwcore.metrics.chance_accuracy`).
    """
    seeds, grid = _check_seeds(seeds), _check_grid(learning_rates)
    _check_optimizers([baseline])
    if not is_whole(budget) or budget < 2:
        raise ValueError(f"budget must be a whole number of epochs, at least 2, got {budget!r}")
    free = replace(base, target=None, max_epochs=int(budget))
    jobs = [(rate, seed) for rate in grid for seed in seeds]
    log(f"pilot of {baseline}: {len(jobs)} runs of {budget} epochs")
    histories = train_runs([watched_run(replace(free, learning_rate=rate, seed=seed), data, baseline)
                            for rate, seed in jobs], data.X_train, data.y_train, log=log, executor=executor)
    curves = [{"learning_rate": rate, "seed": seed, "status": h.status, "epoch_loss": h.epoch_loss,
               "epoch_accuracy": h.held_out.epoch_accuracy} for (rate, seed), h in zip(jobs, histories)]
    best = min(grid, key=lambda rate: _median_at(curves, rate, int(budget), "epoch_loss"))
    if not math.isfinite(_median_at(curves, best, int(budget), "epoch_loss")):
        raise ValueError(f"{baseline} diverged within its budget at every rate for the median seed: lower the "
                         f"learning rates {grid}")
    half = int(budget) // 2
    loss_target = _median_at(curves, best, half, "epoch_loss")
    accuracy_target = _median_at(curves, best, half, "epoch_accuracy")
    _check_learned(baseline, best, half, loss_target, accuracy_target, _median_at(curves, best, 0, "epoch_loss"),
                   max(_median_at(curves, best, 0, "epoch_accuracy"), chance_accuracy(data.y_test)))
    return {"baseline": baseline, "budget": int(budget), "half": half, "best_rate": best,
            "loss_target": loss_target, "accuracy_target": accuracy_target, "curves": curves}


def _check_learned(baseline, rate, half, loss, accuracy, initial_loss, accuracy_floor) -> None:
    """Refuse targets a network reaches without learning: each must be better than where it starts."""
    if not (loss < initial_loss and accuracy > accuracy_floor):
        raise ValueError(
            f"{baseline} at its best rate {rate:g} reaches a training loss of {loss:.4g} (from {initial_loss:.4g}) "
            f"and a held-out accuracy of {accuracy:.1%} (to beat: {accuracy_floor:.1%}, the better of its start "
            f"and the commonest class) after {half} epochs: targets reached without learning say nothing. "
            f"Give it a larger budget of epochs or other rates")


def chance_accuracy(y: np.ndarray) -> float:
    """The accuracy of always answering the commonest class of ``y`` (shape ``(m,)``): what a classifier must
    beat to have learned anything."""
    return float(np.bincount(y).max() / y.size)


def median_curve(curves: list, rate: float, field: str, length: int | None = None) -> np.ndarray:
    """The median over the seeds at ``rate`` of ``field`` (``"epoch_loss"`` or ``"epoch_accuracy"``) of
    :func:`pilot_targets`' ``curves``, epoch by epoch, shape ``(length,)`` (default: the longest run's).

    A run that diverged or stopped counts as an infinite loss (or a zero accuracy) from then on, so that it
    ranks last.
    """
    mine = [c[field] for c in curves if c["learning_rate"] == rate]
    length = max(len(values) for values in mine) if length is None else length
    worst = math.inf if field == "epoch_loss" else 0.0
    padded = np.full((len(mine), length), worst)
    for row, values in zip(padded, mine):
        kept = np.asarray(values[:length], float)
        row[:kept.size] = np.where(np.isfinite(kept), kept, worst)
    return np.median(padded, axis=0)


def _median_at(curves: list, rate: float, epochs: int, field: str) -> float:
    """:func:`median_curve` after ``epochs`` epochs."""
    return float(median_curve(curves, rate, field, epochs + 1)[epochs])


def sweep_to_targets(data, base: ExperimentConfig, learning_rates, seeds, loss_target: float, accuracy_target: float,
                     optimizers=SWEPT, max_extensions: int = 6, log=print, executor=None) -> tuple:
    """Every optimizer at every rate and seed until it has reached both targets, its rates extended by
    :mod:`pwcore.tuning`'s rule on reaching both.

    Parameters
    ----------
    data : pwcore.data.Dataset
        With a test set (the accuracy target is held-out accuracy).
    base : ExperimentConfig
        Everything but the learning rate and the seed; ``max_epochs`` is each run's budget. Its target and
        stopping rule are replaced: ``loss_target``, checked once per epoch.
    learning_rates : sequence of float, or dict
        One initial grid for every optimizer, or one per optimizer (``{name: grid}``, :func:`optimizer_grids`).
    seeds, optimizers, max_extensions
        As :func:`pwcore.tuning.tuned_sweep`.
    loss_target, accuracy_target : float
        A training loss and a held-out accuracy (a fraction), e.g. :func:`pilot_targets`'.

    Returns
    -------
    rows : list of dict
        One per optimizer, rate and seed: :func:`pwcore.tuning.run_row`'s fields (for reaching both), with
        ``seconds_per_epoch`` (the optimizer's timing, :func:`pwcore.study.seconds_per_epoch`),
        ``loss_elapsed`` and ``accuracy_epochs`` (epochs to each target, NaN if missed), and
        ``accuracy_at_loss_target`` (None if missed) and ``final_accuracy``.
    summary : dict
        ``{target: [one pwcore.study.sweep_summary per optimizer]}`` for each of :data:`TARGETS`, from
        :func:`target_view`. Its ``extensions`` and ``capped`` are the joint search's (toward both
        targets); ``interior`` says whether each target's own best rate is inside the rates tried.
    """
    seeds, optimizers = _check_seeds(seeds), _check_optimizers(optimizers)
    grids = optimizer_grids(learning_rates, optimizers)
    check_extensions(max_extensions)
    if not 0 < accuracy_target <= 1:
        raise ValueError(f"accuracy_target must be a fraction in (0, 1], got {accuracy_target!r}")
    config = replace(base, target=float(loss_target), stop_rule="epoch")
    cost = seconds_per_epoch(config, data, optimizers)

    def train(jobs):
        runs = [watched_run(replace(config, learning_rate=rate, seed=seed), data, name, accuracy_target)
                for name, rate, seed in jobs]
        histories = train_runs(runs, data.X_train, data.y_train, log=log, executor=executor)
        return [target_row(h, cost[name]) for (name, _, _), h in zip(jobs, histories)]

    rows, extensions, capped = tuned_rounds(train, grids, seeds, max_extensions, log)
    return rows, {target: [sweep_summary(target_view(rows, target), name, extensions[name], name in capped)
                           for name in optimizers] for target in TARGETS}


def optimizer_grids(learning_rates, optimizers: tuple) -> dict:
    """``{optimizer: its initial grid}``: ``learning_rates`` for each, or ``learning_rates[name]`` from a dict
    that gives every optimizer of ``optimizers`` one (each checked: two distinct positive rates or more)."""
    if not isinstance(learning_rates, dict):
        grid = _check_grid(learning_rates)
        return dict.fromkeys(optimizers, grid)
    missing = [name for name in optimizers if name not in learning_rates]
    if missing:
        raise ValueError(f"learning_rates gives no grid for {missing}: give one per optimizer, or one list for all")
    return {name: _check_grid(learning_rates[name]) for name in optimizers}


def target_row(history, seconds: float) -> dict:
    """A row of :func:`sweep_to_targets`: ``history``'s run toward both targets, ``seconds`` its optimizer's
    seconds per epoch."""
    accuracy, hit = history.held_out.epoch_accuracy, history.held_out.loss_hit
    if hit is not None and hit[1] != 1:
        raise ValueError(f"the loss target was reached inside an epoch ({hit}), where no accuracy is measured: "
                         "check the loss once per epoch (stop_rule='epoch')")
    at_loss = None if hit is None else accuracy[hit[0] - 1]  # the weights that reached the loss target
    return {**run_row(history, seconds), "seconds_per_epoch": seconds, "loss_elapsed": history.epochs_to_loss_target(),
            "accuracy_epochs": history.epochs_to_accuracy_target(),
            "accuracy_at_loss_target": None if at_loss is None else float(at_loss),
            "final_accuracy": float(accuracy[-1]) if accuracy.size else None}


def target_view(rows: list, target: str) -> list:
    """:func:`sweep_to_targets`' rows as :func:`pwcore.study.rate_sweep`'s for one of :data:`TARGETS`: its
    epochs as ``elapsed`` (and whole ``epochs``), ``seconds`` from them, and ``status`` "target" where it
    was reached (else the run's own status)."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}: choose one of {TARGETS}")
    field = "loss_elapsed" if target == "loss" else "accuracy_epochs"
    view = []
    for row in rows:
        elapsed = row[field]
        reached = math.isfinite(elapsed)
        view.append({**row, "status": "target" if reached else ("diverged" if row["status"] == "diverged"
                                                                  else "max_epochs"),
                     "elapsed": elapsed, "epochs": math.floor(elapsed) if reached else row["epochs"],
                     "seconds": elapsed * row["seconds_per_epoch"]})
    return view


def settings_study(data, base: ExperimentConfig, pairs, learning_rates, seeds, loss_target: float,
                   accuracy_target: float, optimizers=beyond.OPTIMIZERS, max_extensions: int = 6, log=print,
                   executor=None) -> dict:
    """:func:`sweep_to_targets` in every setting of ``pairs`` (:func:`pwcore.beyond.settings`), at the same
    targets, with each target's summary and comparisons as :func:`pwcore.beyond.sweep` gives them.

    Returns
    -------
    dict
        ``rows``: every run (:func:`sweep_to_targets`' rows with ``layers``, ``minibatch`` and
        ``flops_per_epoch``); and for each target of :data:`TARGETS`, ``{"summary": [...],
        "comparisons": [...]}``: one :func:`pwcore.beyond.summary_entry` per setting and optimizer (with
        ``layers`` and ``minibatch``), one :func:`pwcore.beyond.compare` per setting, pair of
        :data:`pwcore.beyond.PAIRS` present and cost of :data:`pwcore.beyond.COSTS`.
    """
    rows, out = [], {target: {"summary": [], "comparisons": []} for target in TARGETS}
    for n_layers, minibatch in pairs:
        log(beyond.setting_name(n_layers, minibatch))
        config = beyond.setting_config(base, n_layers, minibatch)
        costs = beyond.epoch_costs(config, data, optimizers)
        setting_rows, summaries = sweep_to_targets(data, config, learning_rates, seeds, loss_target, accuracy_target,
                                                   optimizers, max_extensions, log, executor)
        label = {"layers": n_layers, "minibatch": minibatch}
        for row in setting_rows:
            row.update(label, flops_per_epoch=costs[row["optimizer"]]["flops"])
        for name in optimizers:  # the one timing of each optimizer in this setting, which every row carries
            costs[name]["seconds"] = next(r["seconds_per_epoch"] for r in setting_rows if r["optimizer"] == name)
        rows += setting_rows
        for target in TARGETS:
            view = target_view(setting_rows, target)
            out[target]["summary"] += [{**label, **beyond.summary_entry(entry, view, costs[entry["optimizer"]])}
                                       for entry in summaries[target]]
            out[target]["comparisons"] += [
                {**label, **beyond.compare(view, summaries[target], costs, top, bottom, cost)}
                for top, bottom in beyond.PAIRS if {top, bottom} <= set(optimizers) for cost in beyond.COSTS]
    return {"rows": rows, **out}
