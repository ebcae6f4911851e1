"""The held-out accuracy where a stored sweep's runs reached their target, by replaying them.

A sweep of :func:`pwcore.beyond.sweep` records each run's epochs to a training-loss target, not its weights;
the accuracy of the network that reached the target needs that run again. Only the runs that matter are
replayed: each optimizer's best rate in each setting, the seeds that reached the target there. A replay
runs the same configuration, rate and seed, so it stops where the stored run stopped; its epochs are kept
beside the stored ones, which shows that it did.
"""
from __future__ import annotations

from dataclasses import replace

from .beyond import setting_config
from .experiments import ExperimentConfig
from .metrics import accuracy
from .study import optimizer_run
from .training import train_runs


def best_reached(rows: list, summary: list) -> list:
    """The rows of ``rows`` (a :func:`pwcore.beyond.sweep`'s) at their setting's best rate for their optimizer
    (``summary``'s ``best_rate``) that reached the target, in the order of ``rows``."""
    best = {(e["layers"], e["minibatch"], e["optimizer"]): e["best_rate"] for e in summary}
    return [row for row in rows if row["status"] == "target"
            and best.get((row["layers"], row["minibatch"], row["optimizer"])) == row["learning_rate"]]


def accuracy_at_target(data, base: ExperimentConfig, rows: list, summary: list, log=print, executor=None) -> list:
    """Replay each of :func:`best_reached`'s runs to its target and measure its held-out accuracy there.

    Parameters
    ----------
    data : pwcore.data.Dataset
        The sweep's data; the accuracy is measured on ``data.X_test`` (shape ``(n_0, m')``) and ``data.y_test``.
    base : ExperimentConfig
        The sweep's base configuration, its target and stopping rule included.
    rows, summary : list of dict
        The sweep's rows and summary (:func:`pwcore.beyond.sweep`).
    log, executor
        As :func:`pwcore.training.train_runs`.

    Returns
    -------
    list of dict
        One per replayed run: ``layers``, ``minibatch``, ``optimizer``, ``learning_rate``, ``seed``,
        ``stored_elapsed`` (the sweep's fractional epochs to the target), ``elapsed`` (the replay's; None if
        it missed the target) and ``accuracy_at_loss_target`` (the held-out accuracy of the network where
        the replay stopped, None if it missed).
    """
    chosen = best_reached(rows, summary)
    runs = [optimizer_run(replace(setting_config(base, row["layers"], row["minibatch"]),
                                  learning_rate=row["learning_rate"], seed=row["seed"]), data, row["optimizer"])
            for row in chosen]
    log(f"replaying {len(runs)} runs to the target")
    histories = train_runs(runs, data.X_train, data.y_train, log=log, executor=executor)
    out = []
    for row, run, history in zip(chosen, runs, histories):
        reached = history.status == "target"
        out.append({**{key: row[key] for key in ("layers", "minibatch", "optimizer", "learning_rate", "seed")},
                    "stored_elapsed": row["elapsed"], "elapsed": history.epochs_elapsed if reached else None,
                    "accuracy_at_loss_target": accuracy(run.net, data.X_test, data.y_test) if reached else None})
    return out
