"""Calibrating the learning rate the paper leaves out: the rates at which GD takes the paper's epochs.

For one combination of the open choices (initialization, seed, loss reading,
input scaling...), GD's epochs to the target fall as the learning rate grows,
close to ``count = ceil(T / rate)`` for a small rate (``T``: the "time" the
gradient flow needs to reach the target). :func:`calibrate` searches, for every
combination at once, the interval of rates at which GD's count equals the
paper's, in rounds: each round trains a few rates per unresolved combination,
all runs of a round batched (:func:`pwcore.training.train_runs`), the rates
placed by that model and, once a bracket is found, inside it.
Then PW is trained at both ends of each interval (both readings of Algorithm 2;
both stopping rules are read off each run), and a combination *reproduces* the
paper when one rate gives both of its counts. ``executor`` (every function that
trains) says where the stacks train: here by default, or on a Dask cluster
(:mod:`pwcore.executors`).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace

import numpy as np

from .experiments import PAPER_RESULTS, ExperimentConfig, config_run, load_data
from .study import epochs_to_target, grid_configs
from .training import check_minibatch, train_runs

# The stopping rules PW's count is read under (pwcore.history.STOP_RULES), in the order a tie goes.
READ_RULES = ("evaluation", "epoch")


@dataclass
class Search:
    """The state of one combination's search: GD's count at every rate tried.

    ``counts`` maps a rate to GD's whole epochs to the target, or None when the run
    stopped at its epoch limit without reaching it; ``diverged`` holds the rates at
    which GD diverged. GD's count need not fall monotonically with the rate (on cat
    it does not), so the search works with the places where the side of ``goal``
    changes between neighbouring rates (:func:`next_rates` says which it follows).
    """

    config: ExperimentConfig
    goal: int
    counts: dict = field(default_factory=dict)
    diverged: set = field(default_factory=set)
    rounds: int = 0

    def side(self, rate: float) -> int:
        """+1 where GD is slower than ``goal`` (or did not reach the target), 0 at ``goal``, -1 where faster
        (or diverged)."""
        if rate in self.diverged:
            return -1
        count = self.counts[rate]
        return 1 if count is None or count > self.goal else (0 if count == self.goal else -1)

    def points(self) -> list:
        """``(rate, side)`` of every rate tried, ascending."""
        return [(rate, self.side(rate)) for rate in sorted(set(self.counts) | self.diverged)]

    def gaps(self) -> list:
        """Neighbouring rates ``(low, high, low's side, high's side)`` between which the side changes."""
        points = self.points()
        return [(a, b, sa, sb) for (a, sa), (b, sb) in zip(points[:-1], points[1:]) if sa != sb]

    def intervals(self) -> list:
        """Runs of neighbouring rates at ``goal``: ``[(first, last)]``, ascending."""
        runs, current = [], None
        for rate, side in self.points():
            if side == 0:
                current = (current[0], rate) if current else (rate, rate)
            elif current:
                runs.append(current)
                current = None
        return runs + ([current] if current else [])

    def flow_time(self, near: float) -> float:
        """``T`` of the model ``count = ceil(T / rate)`` from the reached rate nearest ``near``."""
        reached = [rate for rate, count in self.counts.items() if count]
        if not reached:  # T lies beyond the epoch limit at every rate tried: guess twice the largest limit
            return max(self.counts) * max(self.config.max_epochs, self.goal + 1) * 2
        rate = min(reached, key=lambda r: abs(math.log(r / near)))
        return rate * (self.counts[rate] - 0.5)


def next_rates(search: Search, n_rates: int, tolerance: float) -> list:
    """The rates to try next for ``search``: empty when every change of side is resolved to ``tolerance``.

    With every rate on one side of ``goal``, ``n_rates`` rates 5 % apart around the model's
    estimate past the last one. Otherwise rates strictly inside each gap wider than ``tolerance``
    where the side changes (placed by the model where its estimate falls inside a gap without a
    hit, evenly otherwise), and past an interval that ends at the last rate tried. Once an interval
    is found, only its edges are followed: where the count is not monotone in the rate (cat), other
    changes of side are not chased.
    """
    if not search.counts:  # only divergence so far
        return _spread(min(search.diverged) / 4, n_rates)
    sides = {side for _, side in search.points()}
    if sides == {1} or sides == {-1}:
        edge = max(search.counts) if sides == {1} else min(search.counts)
        flow = search.flow_time(edge)
        centre = math.sqrt(flow / search.goal * flow / max(search.goal - 1, 0.5))
        centre = max(centre, edge * 1.2) if sides == {1} else min(centre, edge / 1.2)
        return _spread(centre, n_rates)
    points = search.points()
    step = 0.5 / search.goal  # about half an interval's expected relative width
    half = max(n_rates // 2, 1)
    rates = []
    if points[0][1] == 0:  # an interval reaches the smallest rate tried: step below it
        rates += [points[0][0] * (1 - step * k) for k in range(1, half + 1)]
    if points[-1][1] == 0:
        rates += [points[-1][0] * (1 + step * k) for k in range(1, half + 1)]
    gaps = [gap for gap in search.gaps() if gap[1] / gap[0] > 1 + tolerance]
    if search.intervals():  # follow the edges of the intervals found, not every change of side elsewhere
        gaps = [gap for gap in gaps if 0 in gap[2:]]
    for low, high, low_side, high_side in gaps:
        if 0 in (low_side, high_side):
            rates += _inside(low, high, None, half)
        else:
            flow = search.flow_time(high)
            rates += _inside(low, high, (flow / search.goal, flow / max(search.goal - 1, 0.5)), n_rates)
    return rates


def _spread(centre: float, n: int) -> list:
    """``n`` rates spaced 5 % apart (log), centred on ``centre``."""
    return [centre * 1.05 ** (k - (n - 1) / 2) for k in range(n)]


def _inside(low: float, high: float, estimate, n: int) -> list:
    """``n`` rates strictly between ``low`` and ``high``: log-spaced over ``estimate`` widened by half
    its width (at least 0.2 %) where that lies inside the gap, else log-spaced over the whole gap."""
    if estimate is not None:
        a, b = estimate
        width = max(math.log(b / a), 0.002)
        a, b = a * math.exp(-width / 2), b * math.exp(width / 2)
        if low < a and b < high:
            return [float(p) for p in np.exp(np.linspace(math.log(a), math.log(b), n))] if n > 1 \
                else [math.sqrt(a * b)]
    return [float(p) for p in np.exp(np.linspace(math.log(low), math.log(high), n + 2))[1:-1]]


def calibrate(data, configs: list, goal: int | None = None, n_rates: int = 5, max_rounds: int = 6,
              tolerance: float | None = None, algorithm2=("prose", "printed"), log=print,
              batch_size: int | None = None, executor=None) -> list:
    """For each configuration, the learning rates at which GD takes the paper's epochs, and PW's counts there.

    Parameters
    ----------
    data : pwcore.data.Dataset
        Loaded in the configurations' dtype and scaling.
    configs : list of ExperimentConfig
        One per combination of the open choices; ``learning_rate`` is where the search starts and
        ``max_epochs`` the epoch limit of the first round (later GD rounds stop one epoch past the
        paper's count, PW runs at twice it).
    goal : int, optional
        GD's epoch count to calibrate to; default the paper's for the dataset.
    n_rates : int
        GD runs per combination and round.
    max_rounds : int
    tolerance : float, optional
        Relative precision of the interval's edges; default a quarter of ``1 / goal`` (a quarter of
        the interval's expected relative width).
    algorithm2 : sequence of str
        Readings of Algorithm 2 for PW.
    batch_size : int, optional
        Runs per stack (``runs_per_stack`` of :func:`pwcore.training.train_runs`, under the old name that
        the stored results' keys hold); default as many as fit in memory.

    Returns
    -------
    list of dict
        One row per configuration: see :func:`_row`.
    """
    started = time.perf_counter()
    for config in configs:  # before any training: PW's readings are tried only after every GD round
        for reading in algorithm2:
            check_minibatch(config.minibatch, reading)
    goal = goal or PAPER_RESULTS[configs[0].dataset]["gd_epochs"]
    tolerance = tolerance or 0.25 / goal
    entries = [(Search(config, goal), config_run(config, data, "gd").current_loss(data.X_train, data.y_train))
               for config in configs]
    active = [search for search, initial in entries if initial >= search.config.target]
    searched = list(active)
    for round_number in range(1, max_rounds + 1):
        wanted = [(search, rate) for search in active for rate in
                  ([search.config.learning_rate] if round_number == 1 else next_rates(search, n_rates, tolerance))]
        if not wanted:
            break
        log(f"round {round_number}: {len(wanted)} GD runs for {len({id(s) for s, _ in wanted})} combinations")
        _gd_round(data, wanted, round_number, batch_size, log, executor)
        active = [search for search in active if next_rates(search, n_rates, tolerance)]
    pw = _pw_counts(data, searched, algorithm2, log, batch_size, executor)
    rows = [_row(search, initial, pw.get(id(search), {}), tolerance) for search, initial in entries]
    log(f"calibrated {len(configs)} combinations in {time.perf_counter() - started:.0f} s")
    return rows


def _gd_round(data, wanted: list, round_number: int, batch_size, log, executor=None) -> None:
    """Train GD at each ``(search, rate)`` of ``wanted`` (batched) and record the counts in the searches.

    The first round runs to each configuration's ``max_epochs``; later ones stop one epoch past the
    paper's count, which is all a rate's side of the interval needs.
    """
    runs = [config_run(replace(search.config, learning_rate=rate, max_epochs=search.config.max_epochs
                               if round_number == 1 else search.goal + 1), data, "gd") for search, rate in wanted]
    for (search, rate), history in zip(wanted, train_runs(runs, data.X_train, data.y_train, batch_size, log=log,
                                                              executor=executor)):
        search.rounds = round_number
        if history.diverged:
            search.diverged.add(rate)
        else:
            search.counts[rate] = epochs_to_target(history, search.config.target)


def _pw_rates(search: Search) -> list:
    """Where PW is trained: both ends of every interval found, else the rates whose GD count is nearest the goal."""
    if search.intervals():
        return sorted({rate for interval in search.intervals() for rate in interval})
    reached = {rate: abs(count - search.goal) for rate, count in search.counts.items() if count is not None}
    return [rate for rate, distance in reached.items() if distance == min(reached.values())] if reached else []


def _pw_counts(data, searches: list, algorithm2, log, batch_size, executor=None) -> dict:
    """``{id(search): {(rate, reading): History}}``: PW at each search's :func:`_pw_rates`, all batched."""
    wanted = [(search, rate, reading) for search in searches for rate in _pw_rates(search) for reading in algorithm2]
    log(f"PW: {len(wanted)} runs")
    runs = [config_run(replace(s.config, learning_rate=rate, algorithm2=reading, stop_rule="epoch",
                               max_epochs=2 * s.goal), data, "pw") for s, rate, reading in wanted]
    found = {}
    for (search, rate, reading), history in zip(wanted, train_runs(runs, data.X_train, data.y_train, batch_size,
                                                                    log=log, executor=executor)):
        found.setdefault(id(search), {})[(rate, reading)] = history
    return found


def _row(search: Search, initial_loss: float, pw: dict, tolerance: float) -> dict:
    """One combination's result as a flat dict (the CSV's columns).

    ``intervals``: every interval of rates found with GD at the paper's count; ``rate_low``/
    ``rate_high``: the ends of the one where PW comes nearest the paper's PW count (else the rate
    nearest the goal), ``bound_low``/``bound_high`` the rates tried next to it; ``pw_<reading>_<rule>_low``/
    ``_high``: PW's epochs at ``rate_low``/``rate_high``; ``pw_epochs``: the one nearest the paper's
    (with its reading, rule and rate); ``exact``: one rate gives both of the paper's counts.
    """
    config, paper = search.config, PAPER_RESULTS[search.config.dataset]
    row = {"dataset": config.dataset, "init": config.init, "seed": config.seed, "am_input": config.am_input,
           "s": config.s, "margin": config.margin, "scaling": config.scaling, "dtype": config.dtype,
           "initial_loss": initial_loss, "status": _status(search, initial_loss, tolerance), "rounds": search.rounds,
           "gd_runs": len(search.counts) + len(search.diverged),
           "intervals": "; ".join(_interval(a, b) for a, b in search.intervals())}
    candidates = []
    for (rate, reading), history in pw.items():
        for rule in READ_RULES:
            count = epochs_to_target(history, config.target, rule)
            if count is not None:
                candidates.append((abs(count - paper["pw_epochs"]), rate, reading, rule, count))
    best = min(candidates, default=None, key=lambda c: c[:2])
    chosen = best[1] if best else math.nan
    low, high = next(((a, b) for a, b in search.intervals() if a <= chosen <= b), (chosen, chosen))
    row.update(rate_low=low, rate_high=high, rate_interval=_interval(low, high), gd_epochs=search.counts.get(chosen),
               bound_low=max((r for r in search.counts if r < low), default=math.nan),
               bound_high=min((r for r in set(search.counts) | search.diverged if r > high), default=math.nan))
    for (rate, reading), history in pw.items():
        if rate in (low, high):
            for rule in READ_RULES:
                row[f"pw_{reading}_{rule}_{'low' if rate == low else 'high'}"] = \
                    epochs_to_target(history, config.target, rule)
    row.update(pw_epochs=best[4] if best else None, pw_reading=best[2] if best else None,
               pw_rule=best[3] if best else None, pw_rate=chosen)
    row["ratio"] = row["gd_epochs"] / row["pw_epochs"] if best and row["gd_epochs"] and row["pw_epochs"] else math.nan
    row["pw_distance"] = best[0] if best else math.inf
    row["exact"] = bool(best and best[0] == 0 and row["gd_epochs"] == search.goal)
    return row


def _status(search: Search, initial_loss: float, tolerance: float) -> str:
    if initial_loss < search.config.target:
        return "starts below target"
    if search.intervals():
        return "calibrated"
    return "no single rate" if search.counts and not next_rates(search, 1, tolerance) else "not bracketed"


COMBINATION_FIELDS = ("init", "seed", "am_input", "s", "margin", "scaling")  # what a row's combination sets


def calibration_grid(base: ExperimentConfig, grid: dict, search_dtype: str = "float32", confirm: int = 3,
                     log=print, executor=None, **options) -> list:
    """:func:`calibrate` every combination of ``grid`` (see :func:`pwcore.study.grid_configs`), ranked.

    The search runs in ``search_dtype`` (data loaded once per input scaling); the ``confirm`` best
    calibrated rows are trained again in float64 at their chosen rate, GD and PW (the row's reading),
    and get ``gd_epochs_float64`` and ``pw_epochs_float64`` (the row's stopping rule). ``options`` go
    to :func:`calibrate`.

    Returns
    -------
    list of dict
        One row per combination, ranked (:func:`ranked`).
    """
    configs = [config for _, config in grid_configs(replace(base, dtype=search_dtype), grid)]
    rows = []
    for scaling in dict.fromkeys(config.scaling for config in configs):
        group = [config for config in configs if config.scaling == scaling]
        rows += calibrate(load_data(group[0]), group, log=log, executor=executor, **options)
    rows = ranked(rows)
    confirm_in_float64(base, [row for row in rows if row["status"] == "calibrated"][:confirm], log, executor)
    return rows


def confirm_in_float64(base: ExperimentConfig, rows: list, log=print, executor=None) -> None:
    """Train GD and PW in float64 at each row's ``pw_rate`` (its reading, checked once per epoch) and add
    ``gd_epochs_float64`` and ``pw_epochs_float64`` (under the row's rule) to the rows, in place."""
    for row in rows:
        config = replace(base, dtype="float64", learning_rate=row["pw_rate"], algorithm2=row["pw_reading"],
                         stop_rule="epoch", max_epochs=2 * PAPER_RESULTS[base.dataset]["gd_epochs"],
                         **{name: row[name] for name in COMBINATION_FIELDS})
        data = load_data(config)
        gd, pw = train_runs([config_run(config, data, name) for name in ("gd", "pw")], data.X_train, data.y_train,
                            executor=executor)
        row["gd_epochs_float64"] = epochs_to_target(gd, config.target)
        row["pw_epochs_float64"] = epochs_to_target(pw, config.target, row["pw_rule"])
        log(f"float64 at {row['pw_rate']:.6g}: GD {row['gd_epochs_float64']}, PW {row['pw_epochs_float64']} "
            f"(float32: {row['gd_epochs']}, {row['pw_epochs']})")


def count_scan(base: ExperimentConfig, row: dict, width: float, n_points: int, log=print, executor=None) -> list:
    """GD's and PW's epochs to target (float64) at ``n_points`` rates log-spaced over ``row``'s calibrated
    rate times ``[1 / (1 + width), 1 + width]``: whether the count is monotone in the rate around it.

    PW uses the row's reading; both optimizers check the loss once per epoch and the
    counts are read under the row's stopping rule.

    Returns
    -------
    list of dict
        ``{"learning_rate", "gd_epochs", "pw_epochs"}`` per rate, ascending; None where the target was not
        reached within twice the paper's GD epochs.
    """
    centre = row["pw_rate"]
    rates = [float(rate) for rate in np.geomspace(centre / (1 + width), centre * (1 + width), n_points)]
    config = replace(base, dtype="float64", algorithm2=row["pw_reading"], stop_rule="epoch",
                     max_epochs=2 * PAPER_RESULTS[base.dataset]["gd_epochs"],
                     **{name: row[name] for name in COMBINATION_FIELDS})
    data = load_data(config)
    runs = [config_run(replace(config, learning_rate=rate), data, name) for name in ("gd", "pw") for rate in rates]
    histories = train_runs(runs, data.X_train, data.y_train, log=log, executor=executor)
    return [{"learning_rate": rate, "gd_epochs": epochs_to_target(gd, config.target),
             "pw_epochs": epochs_to_target(pw, config.target, row["pw_rule"])}
            for rate, gd, pw in zip(rates, histories[:n_points], histories[n_points:])]


def falls_steadily(scan: list) -> bool:
    """Whether GD's count in ``scan`` (ascending rates) never rises from one rate to the next
    (a count not reached counts as the largest)."""
    counts = [math.inf if point["gd_epochs"] is None else point["gd_epochs"] for point in scan]
    return all(b <= a for a, b in zip(counts[:-1], counts[1:]))


def _interval(low: float, high: float) -> str:
    """``"low-high"`` (6 significant digits), one rate alone, or "-"."""
    if math.isnan(low):
        return "-"
    return f"{low:.6g}" if f"{low:.6g}" == f"{high:.6g}" else f"{low:.6g}-{high:.6g}"


def ranked(rows: list) -> list:
    """``rows`` ordered by how far PW's count lies from the paper's, then how far the GD/PW ratio lies from
    the paper's; combinations not calibrated come last."""
    def key(row):
        paper = PAPER_RESULTS[row["dataset"]]
        ratio_distance = abs(row["ratio"] - paper["gd_epochs"] / paper["pw_epochs"])
        return row["status"] != "calibrated", row["pw_distance"], math.inf if math.isnan(ratio_distance) else ratio_distance
    return sorted(rows, key=key)
