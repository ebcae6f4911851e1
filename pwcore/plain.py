"""Results as plain values, and back: what the results store keeps of a run's history or an experiment.

The store (:mod:`pwcore.store`) keeps plain values, tuples, lists, dicts and arrays. A
:class:`~pwcore.history.History` is a dataclass of exactly those, so :func:`history_values` and
:func:`history_from` are its fields and back; the functions below run an experiment or the accounting
runs and return what a page shows of them in that form, so that the store can key and keep them.
"""
from __future__ import annotations

import dataclasses

from . import study
from .experiments import ExperimentConfig, ExperimentResult, run_experiment
from .history import HeldOut, History


def history_values(history: History) -> dict:
    """A history's fields: arrays stay arrays, ``stopped_at`` and the update log's entries stay tuples.

    ``held_out`` is left out when the run watched no held-out data, so that such a history reads as one
    stored before runs could watch it (and the entries that hold them stay comparable, :mod:`pwcore.restamp`).
    """
    values = dataclasses.asdict(history)
    if history.held_out is None:
        del values["held_out"]
    return values


def history_from(values: dict) -> History:
    """The history whose fields are ``values`` (as :func:`history_values` gave them)."""
    held_out = values.get("held_out")
    return History(**{**values, "held_out": None if held_out is None else HeldOut(**held_out)})


def histories_from(values: dict) -> dict:
    """``{name: History}`` from ``{name: fields}``."""
    return {name: history_from(fields) for name, fields in values.items()}


def experiment(config: ExperimentConfig, data, optimizers=("gd", "pw")) -> dict:
    """:func:`pwcore.experiments.run_experiment` as plain values: ``initial_loss``, ``histories``
    (``{name: fields}``), ``train_accuracy`` and ``test_accuracy`` (``{name: float}``)."""
    result = run_experiment(config, data, tuple(optimizers))
    return {"initial_loss": result.initial_loss,
            "histories": {name: history_values(h) for name, h in result.histories.items()},
            "train_accuracy": dict(result.train_accuracy), "test_accuracy": dict(result.test_accuracy)}


def experiment_result(values: dict, config: ExperimentConfig, data) -> ExperimentResult:
    """The :class:`~pwcore.experiments.ExperimentResult` of :func:`experiment`'s ``values`` on ``data``."""
    return ExperimentResult(config, histories_from(values["histories"]), dict(values["test_accuracy"]),
                            dict(values["train_accuracy"]), values["initial_loss"], data.meta)


def accounting(data, config: ExperimentConfig) -> dict:
    """:func:`pwcore.study.accounting_runs` as ``{name: fields}``: GD, PW and the control, each alone."""
    return {name: history_values(h) for name, h in study.accounting_runs(data, config).items()}


def float32_accounting(config: ExperimentConfig) -> dict:
    """:func:`pwcore.study.float32_runs` as ``{name: fields}``: GD and PW of ``config`` in float32."""
    return {name: history_values(h) for name, h in study.float32_runs(config).items()}
