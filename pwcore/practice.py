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
"""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .experiments import ExperimentConfig
from .study import _check_grid, _check_optimizers, _check_seeds, optimizer_run
from .training import Run, train_runs


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
        If ``budget`` is not a whole number of at least 2, or the best rate diverged for the median seed.
    """
    seeds, grid = _check_seeds(seeds), _check_grid(learning_rates)
    _check_optimizers([baseline])
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 2:
        raise ValueError(f"budget must be a whole number of epochs, at least 2, got {budget!r}")
    free = replace(base, target=None, max_epochs=int(budget))
    jobs = [(rate, seed) for rate in grid for seed in seeds]
    log(f"pilot of {baseline}: {len(jobs)} runs of {budget} epochs")
    histories = train_runs([watched_run(replace(free, learning_rate=rate, seed=seed), data, baseline)
                            for rate, seed in jobs], data.X_train, data.y_train, log=log, executor=executor)
    curves = [{"learning_rate": rate, "seed": seed, "status": h.status, "epoch_loss": h.epoch_loss,
               "epoch_accuracy": h.held_out.epoch_accuracy} for (rate, seed), h in zip(jobs, histories)]
    best = min(grid, key=lambda rate: _median_at(curves, rate, int(budget), "epoch_loss"))
    half = int(budget) // 2
    loss_target = _median_at(curves, best, half, "epoch_loss")
    if not math.isfinite(loss_target):
        raise ValueError(f"{baseline} diverged at every rate for the median seed: lower the learning rates "
                         f"{grid}")
    return {"baseline": baseline, "budget": int(budget), "half": half, "best_rate": best,
            "loss_target": loss_target, "accuracy_target": _median_at(curves, best, half, "epoch_accuracy"),
            "curves": curves}


def _median_at(curves: list, rate: float, epochs: int, field: str) -> float:
    """The median over seeds of ``field`` after ``epochs`` epochs at ``rate``; a run that diverged before
    then counts as an infinite loss (or a zero accuracy), so it ranks last."""
    worst = math.inf if field == "epoch_loss" else 0.0
    values = [c[field][epochs] if c[field].size > epochs and math.isfinite(c[field][epochs]) else worst
              for c in curves if c["learning_rate"] == rate]
    return float(np.median(values))
