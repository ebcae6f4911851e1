"""Beyond the paper: PW against heavy-ball momentum and Adam, with depth and with mini-batches.

A *setting* is a depth L (layers with weights) and a mini-batch size B (None: the full batch, as the
paper). In each setting :func:`sweep` runs :func:`pwcore.study.rate_sweep`: every optimizer over a
learning-rate grid (its own, if given one: Adam's useful rates lie decades below GD's) and seeds, the
grid extended until each optimizer's best rate is interior. Each optimizer is then compared at its own
best rate, by epochs, seconds and FLOPs to the target, paired by seed (same initial weights) against
its position-wise form.

Conventions (those of :mod:`pwcore.study`): epochs to the target are fractional; seconds are fractional
epochs times the optimizer's seconds per epoch, measured alone once per setting, all optimizers' epochs
taking turns (:func:`pwcore.study.seconds_per_epoch`); FLOPs are fractional epochs times the
matrix-product FLOPs of one epoch, counted on a run of one epoch alone (:func:`epoch_costs`, which also
counts the epoch's layer updates). With mini-batches every run of a setting sees the same order (the
base configuration's ``shuffle_seed``), so the seeds vary the initial weights only, and the intervals
over seeds leave out the variation of the order.

The networks keep the paper's first hidden width 20, whose product with the input dominates the cost of
an epoch, and its last hidden width 5, with 7-wide layers between (:func:`hidden_widths`), so that depth
changes the number of layers and little else.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import study
from .checks import is_whole
from .executors import Here
from .experiments import ExperimentConfig
from .training import check_minibatch, train_runs

DEPTHS = (2, 3, 4, 6, 8)
PAPER_DEPTH = 4
OPTIMIZERS = ("gd", "pw", study.CONTROL, "momentum", "pw-momentum", "adam", "pw-adam")
PW_FORM = {"gd": "pw", study.CONTROL: "pw", "momentum": "pw-momentum", "adam": "pw-adam"}  # what each is compared with
# Each comparison divides the first optimizer's cost by the second's, seed by seed: above 1 favours the second.
PAIRS = (*PW_FORM.items(), ("momentum", "pw"), ("adam", "pw"))
COSTS = ("epochs", "seconds", "flops")


def hidden_widths(n_layers: int) -> tuple:
    """The hidden widths of the ``n_layers``-layer network: ``(20,)`` for 2 layers, else 20, then 7-wide
    layers, then 5 (the paper's 20, 7, 5 for 4 layers).

    Parameters
    ----------
    n_layers : int
        Layers with weights, L >= 2 (L - 1 hidden layers and the output layer).
    """
    if not is_whole(n_layers) or n_layers < 2:
        raise ValueError(f"a network needs at least 2 layers (one hidden), got n_layers={n_layers!r}")
    return (20,) if n_layers == 2 else (20, *[7] * (n_layers - 3), 5)


def settings(depths=DEPTHS, batch_sizes=(), batch_depth: int = PAPER_DEPTH) -> list:
    """The settings of a study: every depth of ``depths`` with the full batch, then ``batch_depth`` (one of
    ``depths``, so that its mini-batch runs have a full-batch reference) with each size of ``batch_sizes``.

    Every setting is checked here, before anything trains.

    Returns
    -------
    list of (int, int or None)
        ``(n_layers, minibatch)`` pairs, none repeated.
    """
    example = "e.g. depths=(2, 4), batch_sizes=(100,), batch_depth=4"
    depths, batch_sizes = list(depths), list(batch_sizes)
    if not all(is_whole(v) for v in [*depths, *batch_sizes, batch_depth]):
        raise ValueError(f"depths, batch sizes and batch_depth must be whole numbers, {example}; got "
                         f"depths={depths}, batch_sizes={batch_sizes}, batch_depth={batch_depth!r}")
    pairs = [(int(n), None) for n in depths] + [(int(batch_depth), int(b)) for b in batch_sizes]
    if not depths or len(set(pairs)) != len(pairs) or batch_depth not in depths:
        raise ValueError(f"give distinct depths, batch_depth among them, and distinct batch sizes, {example}; got "
                         f"depths={depths}, batch_sizes={batch_sizes}, batch_depth={batch_depth}")
    for n_layers, minibatch in pairs:
        hidden_widths(n_layers)
        check_minibatch(minibatch)
    return pairs


def setting_name(layers: int, minibatch: int | None) -> str:
    """``"4 layers, full batch"`` or ``"4 layers, mini-batches of 100"``."""
    return f"{layers} layers, {'full batch' if minibatch is None else f'mini-batches of {minibatch}'}"


def setting_config(base: ExperimentConfig, n_layers: int, minibatch: int | None) -> ExperimentConfig:
    """``base`` with the network of ``n_layers`` layers (:func:`hidden_widths`) and ``minibatch``."""
    return replace(base, hidden=hidden_widths(n_layers), minibatch=minibatch)


def sweep(data, base: ExperimentConfig, pairs, learning_rates, seeds, optimizers=OPTIMIZERS,
          max_extensions: int = 6, log=print, executor=None) -> tuple:
    """Each optimizer at its best learning rate in each setting of ``pairs``, over ``seeds``.

    Parameters
    ----------
    data : pwcore.data.Dataset
    base : ExperimentConfig
        Everything but the depth, the mini-batch size, the learning rate and the seed.
    pairs : list of (int, int or None)
        The settings, ``(n_layers, minibatch)`` (:func:`settings`).
    learning_rates : sequence of float, or dict
        The initial grid of :func:`pwcore.study.rate_sweep`, one for all optimizers, or one per optimizer
        (``{name: grid}``, :func:`rate_grids`); the same in every setting.
    seeds, max_extensions, executor
        As :func:`pwcore.study.rate_sweep`, in every setting.
    optimizers : sequence of str
        Names of :data:`pwcore.study.KNOWN` (default :data:`OPTIMIZERS`).

    Returns
    -------
    rows : list of dict
        Every run: the fields of :func:`~pwcore.study.rate_sweep`'s rows, with ``layers``, ``minibatch``
        and ``flops`` (to the target, or to where the run stopped).
    summary : list of dict
        One per setting and optimizer, grouped by grid (:func:`rate_grids`): :func:`summary_entry`.
    comparisons : list of dict
        One per setting, pair of :data:`PAIRS` present and cost of :data:`COSTS`: :func:`compare`.
    """
    groups = rate_grids(learning_rates, optimizers)
    rows, summary, comparisons = [], [], []
    for n_layers, minibatch in pairs:
        log(setting_name(n_layers, minibatch))
        config = setting_config(base, n_layers, minibatch)
        costs = epoch_costs(config, data, optimizers)
        setting_rows, setting_summary, seconds = _rate_sweeps(data, config, groups, seeds, max_extensions, log,
                                                              executor)
        for name in optimizers:
            costs[name]["seconds"] = seconds[name]
        label = {"layers": n_layers, "minibatch": minibatch}
        for row in setting_rows:
            row.update(label, flops=row["elapsed"] * costs[row["optimizer"]]["flops"])
        rows += setting_rows
        summary += [{**label, **summary_entry(entry, setting_rows, costs[entry["optimizer"]])}
                    for entry in setting_summary]
        comparisons += [{**label, **compare(setting_rows, setting_summary, costs, top, bottom, cost)}
                        for top, bottom in PAIRS if {top, bottom} <= set(optimizers) for cost in COSTS]
    return rows, summary, comparisons


def rate_grids(learning_rates, optimizers) -> dict:
    """The optimizers that share an initial grid of learning rates: ``{names: grid}``.

    ``learning_rates`` is one grid for all ``optimizers``, or ``{name: grid}`` with a grid for each.
    """
    optimizers = tuple(optimizers)
    if len(set(optimizers)) != len(optimizers) or not {"gd", "pw"} <= set(optimizers):
        raise ValueError(f"give distinct optimizer names, gd and pw among them (every comparison is with a PW "
                         f"form, and the epoch costs compare PW with GD), e.g. {OPTIMIZERS}; got {optimizers}")
    if not isinstance(learning_rates, dict):
        return {optimizers: list(learning_rates)}
    missing = [name for name in optimizers if name not in learning_rates]
    if missing:
        raise ValueError(f"learning_rates gives no grid for {missing}: give one per optimizer, or one list for all")
    groups = {}
    for name in optimizers:
        groups.setdefault(tuple(learning_rates[name]), []).append(name)
    return {tuple(names): list(grid) for grid, names in groups.items()}  # in the order of ``optimizers``


def _rate_sweeps(data, config, groups: dict, seeds, max_extensions, log, executor) -> tuple:
    """:func:`pwcore.study.rate_sweep` of each group of :func:`rate_grids`, then every row's seconds from
    one measurement of all the optimizers' seconds per epoch (so that no group is timed under other load;
    each rate_sweep's own timing of its group is replaced). Returns rows, summary, ``{name: seconds}``."""
    rows, extended = [], {}
    for names, grid in groups.items():
        group_rows, group_summary = study.rate_sweep(data, config, grid, seeds, names, max_extensions, log,
                                                     executor=executor)
        rows += group_rows
        extended.update({entry["optimizer"]: entry for entry in group_summary})
    optimizers = list(extended)
    seconds = study.seconds_per_epoch(config, data, optimizers)
    for row in rows:
        row["seconds"] = row["elapsed"] * seconds[row["optimizer"]]
    summary = [study.sweep_summary(rows, name, extended[name]["extensions"], extended[name]["capped"])
               for name in optimizers]
    return rows, summary, seconds


def epoch_costs(config: ExperimentConfig, data, names) -> dict:
    """Matrix-product FLOPs and layer updates of one epoch of each optimizer of ``names``, counted on a run
    of one epoch alone from ``config``'s initial network, between its first loss evaluation and its last
    (so the forward pass of the initial loss is left out, and the epoch's own evaluations are in). Counts,
    not timings: they do not depend on the machine. The update arithmetic of momentum and Adam is not a
    matrix product and is not counted.

    Returns
    -------
    dict
        ``{name: {"flops": float, "layer_updates": int}}``.
    """
    one_epoch = replace(config, target=None, max_epochs=1)
    runs = [study.optimizer_run(one_epoch, data, name) for name in names]
    histories = train_runs(runs, data.X_train, data.y_train, runs_per_stack=1, executor=Here())
    return {name: {"flops": float(h.eval_flops[-1] - h.eval_flops[0]),
                   "layer_updates": int(h.eval_layer_updates[-1] - h.eval_layer_updates[0])}
            for name, h in zip(names, histories)}


def summary_entry(entry: dict, rows: list, cost: dict) -> dict:
    """One optimizer's :func:`~pwcore.study.sweep_summary` ``entry`` with its costs at the best rate.

    Adds ``flops_per_epoch`` and ``layer_updates_per_epoch`` (``cost``, from :func:`epoch_costs`),
    ``seconds_per_epoch`` (``cost["seconds"]``, measured alone by the sweep), ``median_flops``, and the geometric mean of the
    seconds to the target over the seeds that reached it at the best rate, with its 95 % t-interval
    (:func:`pwcore.study.ratio_interval`): ``seconds_mean``, ``seconds_low``, ``seconds_high``.
    """
    name, best = entry["optimizer"], entry["best_rate"]
    seconds = [r["seconds"] for r in rows if r["optimizer"] == name and r["learning_rate"] == best
               and r["status"] == "target"]
    interval = study.ratio_interval(seconds, np.ones(len(seconds)))
    elapsed = entry["median_elapsed"]
    return {**entry, "seconds_per_epoch": cost["seconds"],
            "flops_per_epoch": cost["flops"], "layer_updates_per_epoch": cost["layer_updates"],
            "median_flops": None if elapsed is None else elapsed * cost["flops"],
            "seconds_mean": interval["mean"], "seconds_low": interval["low"], "seconds_high": interval["high"]}


def compare(rows: list, summary: list, costs: dict, numerator: str, denominator: str, cost: str) -> dict:
    """``numerator / denominator`` of ``cost`` to the target, paired by seed, each at its best rate.

    ``"epochs"`` and ``"seconds"`` are :func:`pwcore.study.paired_ratio`; ``"flops"`` is the epoch ratio
    times the ratio of the two optimizers' FLOPs per epoch (:func:`epoch_costs`), seed by seed: fractional
    epochs times the FLOPs of a whole epoch, as the seconds are (a PW run stopped inside an epoch is
    charged the epoch's average, not its sub-steps' own, unequal costs).
    """
    if cost not in COSTS:
        raise ValueError(f"unknown cost {cost!r}: choose one of {COSTS}")
    if cost != "flops":
        return study.paired_ratio(rows, summary, numerator, denominator, cost)
    epochs = study.paired_ratio(rows, summary, numerator, denominator, "epochs")
    scale = costs[numerator]["flops"] / costs[denominator]["flops"]
    interval = {key: epochs[key] * scale for key in ("mean", "low", "high")}
    return {**epochs, **interval, "quantity": "flops", "claim": study.supported_claim(interval)}
