"""Figures, tables and plain answers of the "Beyond the paper" pages (:mod:`pwcore.beyond`). Needs matplotlib.

Every function reads the ``summary`` and ``comparisons`` of :func:`pwcore.beyond.sweep`: one entry per
setting (``layers``, ``minibatch``) and optimizer, and one per setting, pair and cost.
"""
from __future__ import annotations

import math

import numpy as np

from ..losses import AdditiveMarginSoftmax
from ..beyond import PAPER_DEPTH, PW_FORM, hidden_widths, setting_name
from ..study import CONTROL
from . import claims
from .figures import _finished
from .report import significant, table

# figures.LABELS names the control by the paper's four layers' rates; here the depth varies
LABELS = {"gd": "GD", "pw": "PW", CONTROL: "control", "momentum": "momentum", "pw-momentum": "PW-momentum",
          "adam": "Adam", "pw-adam": "PW-Adam"}
COLORS = {"gd": "tab:blue", "pw": "tab:orange", CONTROL: "tab:green", "momentum": "tab:purple",
          "pw-momentum": "tab:pink", "adam": "tab:brown", "pw-adam": "tab:olive"}
MARKERS = {"gd": "o", "pw": "s", CONTROL: "^", "momentum": "D", "pw-momentum": "P", "adam": "v", "pw-adam": "X"}


def uninformative_loss(config, n_classes: int) -> float:
    """The AM-softmax loss of a network that gives every class the same output (the plateau a run that
    stops learning sits on); NaN for a binary dataset, whose loss has no such fixed value."""
    if n_classes < 3:
        return math.nan
    return AdditiveMarginSoftmax(config.s, config.margin, n_classes).uninformative_loss()


def target_sentence(target: float, uninformative: float) -> str:
    """``"The target is a training loss of 2.9, 0.34 below 3.2375, the loss ..."``, as Markdown."""
    sentence = f"**The target** is a training loss of {target:g}"
    if math.isnan(uninformative):
        return sentence + "."
    return (sentence + f", {uninformative - target:.3g} below {uninformative:.4f}, the loss of a network that gives "
            "every class the same output.")


def widths_sentence(depths) -> str:
    """The hidden widths of each depth (:func:`pwcore.beyond.hidden_widths`), as a sentence."""
    return "; ".join(f"L = {d}: {'-'.join(str(w) for w in hidden_widths(d))}" for d in sorted(depths)) + "."


def setting_tables(summary: list, comparisons: list, pairs) -> str:
    """Markdown: a heading and a :func:`summary_table` for each ``(layers, minibatch)`` of ``pairs``."""
    return "\n\n".join(f"**{setting_name(n, b)}**\n\n" + summary_table(summary, comparisons, n, b)
                        for n, b in pairs)


def _select(entries: list, **fields) -> list:
    return [e for e in entries if all(e[key] == value for key, value in fields.items())]


def _optimizers(summary: list) -> list:
    return list(dict.fromkeys(entry["optimizer"] for entry in summary))


def _time_points(entries: list, x_of) -> tuple:
    """x, geometric-mean seconds and their error bars (below, above) of the entries that reached the target."""
    hit = [e for e in entries if math.isfinite(e["seconds_mean"])]
    x = [x_of(e) for e in hit]
    mean = np.array([e["seconds_mean"] for e in hit])
    low = np.array([e["seconds_low"] if math.isfinite(e["seconds_low"]) else e["seconds_mean"] for e in hit])
    high = np.array([e["seconds_high"] if math.isfinite(e["seconds_high"]) else e["seconds_mean"] for e in hit])
    return x, mean, np.vstack([mean - low, high - mean]) if hit else np.zeros((2, 0))


def _time_figure(entries: list, x_of, ticks: dict, xlabel: str, title: str, joined: bool):
    """Seconds to the target of each optimizer of ``entries`` (geometric mean over the seeds that reached,
    95 % interval), at x positions ``x_of(entry)`` labelled by ``ticks`` (``{x: label}``); the optimizers
    side by side around each position, so that their intervals do not hide each other. An optimizer that
    missed the target somewhere says where in its legend entry."""
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    names = _optimizers(entries)
    for k, name in enumerate(names):
        mine = _select(entries, optimizer=name)
        x, mean, error = _time_points(mine, x_of)
        missed = [ticks[x_of(e)] for e in mine if not math.isfinite(e["seconds_mean"])]
        label = LABELS[name] + (f" (missed: {', '.join(missed)})" if missed else "")
        shift = (k - (len(names) - 1) / 2) * 0.3 / len(names) * min(np.diff(sorted(ticks)), default=1)
        ax.errorbar(np.array(x, float) + shift, mean, yerr=error, color=COLORS[name], marker=MARKERS[name], ms=5,
                    capsize=3, ls="-" if joined else "none", label=label)
    ax.set_yscale("log")
    ax.set_xticks(list(ticks), list(ticks.values()))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("seconds to target (this machine)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _finished(fig)


def depth_figure(summary: list):
    """Seconds to the target against depth (full batch), one line per optimizer at its best rate in each
    depth: the geometric mean over the seeds that reached, with its 95 % interval."""
    full = _select(summary, minibatch=None)
    ticks = {d: f"L = {d}" for d in sorted({e["layers"] for e in full})}
    return _time_figure(full, lambda e: e["layers"], ticks, "layers",
                        "each optimizer at its best rate for each depth; bars: 95 % interval over seeds", joined=True)


def epoch_cost_figure(summary: list):
    """A PW epoch over a GD epoch against depth: layer updates (L(L+1)/2 over L), FLOPs and seconds."""
    import matplotlib.pyplot as plt
    rows = epoch_cost_rows(summary)
    depths = [row["layers"] for row in rows]
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for key, label, style in (("updates_ratio", "layer updates, (L + 1) / 2", "-o"),
                              ("flops_ratio", "FLOPs (counted)", "-s"), ("seconds_ratio", "seconds (measured)", "-^")):
        ax.plot(depths, [row[key] for row in rows], style, label=label)
    ax.axhline(1, color="gray", lw=0.8)
    ax.set_xticks(depths, [str(d) for d in depths])
    ax.set_xlabel("layers L")
    ax.set_ylabel("PW epoch / GD epoch")
    ax.legend(fontsize=9)
    return _finished(fig)


def minibatch_figure(summary: list, n_layers: int = PAPER_DEPTH):
    """Seconds to the target of each optimizer at ``n_layers`` layers, by mini-batch size (full batch last)."""
    entries = _select(summary, layers=n_layers)
    sizes = sorted({e["minibatch"] for e in entries}, key=lambda b: math.inf if b is None else b)
    position = {size: k for k, size in enumerate(sizes)}
    ticks = {k: "full batch" if b is None else f"B = {b}" for b, k in position.items()}
    return _time_figure(entries, lambda e: position[e["minibatch"]], ticks, "samples per mini-batch",
                        f"{n_layers} layers; each optimizer at its best rate; bars: 95 % interval over seeds",
                        joined=False)


def epoch_cost_rows(summary: list) -> list:
    """Per depth (full batch): a GD and a PW epoch's layer updates, and PW over GD in updates, FLOPs, seconds."""
    rows = []
    for depth in sorted({e["layers"] for e in _select(summary, minibatch=None)}):
        gd, pw = (_select(summary, layers=depth, minibatch=None, optimizer=name)[0] for name in ("gd", "pw"))
        rows.append({"layers": depth, "gd_updates": gd["layer_updates_per_epoch"],
                     "pw_updates": pw["layer_updates_per_epoch"],
                     "updates_ratio": pw["layer_updates_per_epoch"] / gd["layer_updates_per_epoch"],
                     "flops_ratio": pw["flops_per_epoch"] / gd["flops_per_epoch"],
                     "seconds_ratio": pw["seconds_per_epoch"] / gd["seconds_per_epoch"]})
    return rows


def epoch_cost_table(summary: list) -> str:
    """Markdown: :func:`epoch_cost_rows`."""
    return table(epoch_cost_rows(summary), [
        ("layers", "layers L", "d"), ("gd_updates", "GD layer updates / epoch", "d"),
        ("pw_updates", "PW layer updates / epoch", "d"), ("updates_ratio", "PW / GD: updates", significant),
        ("flops_ratio", "FLOPs", significant), ("seconds_ratio", "seconds", significant)])


def summary_table(summary: list, comparisons: list, n_layers: int, minibatch: int | None) -> str:
    """Markdown: each optimizer of one setting at its best rate, and its time over its PW form's."""
    setting = {"layers": n_layers, "minibatch": minibatch}
    versus = {c["numerator"]: timed_value(c, comparisons) for c in _select(comparisons, quantity="seconds", **setting)
              if PW_FORM.get(c["numerator"]) == c["denominator"]}
    rows = [{**e, "ratio": versus.get(e["optimizer"])} for e in _select(summary, **setting)]
    return table(rows, [
        (lambda r: LABELS[r["optimizer"]], "optimizer", ""), (lambda r: r, "best rate", _best_rate_cell),
        (lambda r: f"{r['n_reached']} of {r['n_seeds']}", "seeds reached", ""),
        ("median_epochs", "median epochs", "d"), (_seconds_cell, "seconds, seeds that reached [95 % CI]", ""),
        (lambda r: None if r["median_flops"] is None else r["median_flops"] / 1e9, "GFLOPs (median)", significant),
        ("ratio", "over its PW form: epochs, and time", "")])


def _best_rate_cell(row: dict) -> str:
    """The best rate, marked where it is the edge of the rates tried (so a rate beyond it may be better)."""
    if row["best_rate"] is None:
        return "-"
    if row["interior"]:
        return f"{row['best_rate']:g}"
    return f"{row['best_rate']:g} (edge{': extensions ran out' if row['capped'] else ''})"


def _seconds_cell(row: dict):
    if not math.isfinite(row["seconds_mean"]):
        return "missed: no rate reached the target"
    if not math.isfinite(row["seconds_low"]):
        return f"{significant(row['seconds_mean'])} (one seed: no interval)"
    return (f"{significant(row['seconds_mean'])} [{significant(row['seconds_low'])}, "
            f"{significant(row['seconds_high'])}]")


def claim(comparison: dict) -> str:
    """What a judged comparison (:func:`pwcore.book.claims.judged`) lets the page say, naming its PW form:
    ``"PW-Adam has an advantage"``, or why it says no more."""
    word = claims.word(comparison)  # "PW has an advantage", "PW is slower": said of the PW form compared
    return LABELS[comparison["denominator"]] + word[len("PW"):] if word.startswith("PW ") else word


def explain_unpaired(comparisons: list, summary: list) -> list:
    """``comparisons``, each with no paired seed copied with ``unpaired_because``: which of its two
    optimizers reached the target at no rate tried in that setting (per ``summary``), or that the two
    reached it on different seeds."""
    out = []
    for c in comparisons:
        if c["n"] == 0:
            setting = _select(summary, layers=c["layers"], minibatch=c["minibatch"])
            missed = [LABELS[e["optimizer"]] for e in setting
                      if e["optimizer"] in (c["numerator"], c["denominator"]) and e["best_rate"] is None]
            c = {**c, "unpaired_because": f"{' and '.join(missed)} reached the target at no rate tried" if missed
                 else "the two reached the target on different seeds"}
        out.append(c)
    return out


def ratio_value(comparison: dict) -> str:
    """``"1.20 [1.05, 1.37] over 5 paired seeds, PW-Adam has an advantage"``, or why there is no interval
    (with no paired seed, the reason :func:`explain_unpaired` gave, if it was asked)."""
    c = comparison
    if c["n"] == 0:
        return f"not compared: {c.get('unpaired_because', 'no seed reached the target with both')}"
    if c["n"] == 1:
        return f"{significant(c['mean'])} on the one seed that reached the target with both, no interval"
    return (f"{significant(c['mean'])} [{significant(c['low'])}, {significant(c['high'])}] over {c['n']} paired "
            f"seeds, {claim(c)}")


def timed_value(seconds: dict, comparisons: list) -> str:
    """A ratio of seconds beside its pair's ratio of epochs (in ``comparisons``, of the same setting), which
    alone can carry a claim word: ``"epochs 1.33 [1.16, 1.53] over 5 paired seeds, PW has an advantage; time
    1.26 [1.09, 1.45], not tested (one timing per optimizer)"``. The time part is left out where the epochs
    part says why there is no interval."""
    epochs = next(c for c in comparisons if c["quantity"] == "epochs" and all(
        c[key] == seconds[key] for key in ("layers", "minibatch", "numerator", "denominator")))
    value = f"epochs {ratio_value(epochs)}"
    if seconds["n"] < 2:
        return value
    return (f"{value}; time {significant(seconds['mean'])} [{significant(seconds['low'])}, "
            f"{significant(seconds['high'])}], not tested (one timing per optimizer)")


NOT_RUN = "no comparison was run"


def _phrases(comparisons: list, pairs, **setting) -> str:
    found = [c for c in _select(comparisons, quantity="seconds", **setting)
             if (c["numerator"], c["denominator"]) in pairs]
    return ". ".join(f"{LABELS[c['numerator']]} / {LABELS[c['denominator']]}: {timed_value(c, comparisons)}"
                     for c in found) if found else NOT_RUN


def fastest(summary: list, **setting) -> str:
    """The optimizer with the fewest median seconds to the target in a setting (a seed that missed counts as
    infinitely many, as when the best rate is chosen), or why there is none."""
    entries = _select(summary, **setting)
    reached = [e for e in entries if e["median_seconds"] is not None and math.isfinite(e["median_seconds"])]
    if not reached:
        return "not run" if not entries else "none: no optimizer reached the target for the median seed"
    best = min(reached, key=lambda e: e["median_seconds"])
    return f"{LABELS[best['optimizer']]} (median {best['median_seconds']:.3g} s)"


def setting_key(layers: int, minibatch: int | None) -> str:
    """A setting's part of a glue name: ``"L4_full"``, ``"L4_B100"``."""
    return f"L{layers}_{'full' if minibatch is None else f'B{minibatch}'}"


def glue_values(summary: list, comparisons: list) -> dict:
    """Plain text for other pages to paste (``{glue:text}``), per setting ``k`` (:func:`setting_key`):
    ``time_<numerator>_<denominator>_k`` (the pair's epochs ratio with its claim and its time ratio,
    :func:`timed_value`; ``-`` in an optimizer's name becomes ``_``), ``epochs_<numerator>_<denominator>_k`` (the
    epochs ratio alone, :func:`ratio_value`) and ``fastest_k`` (:func:`fastest`); and what
    was run: ``optimizers`` ("GD, PW, Adam"), ``widths`` (:func:`widths_sentence` of the full-batch depths)
    and ``minibatches`` ("B = 1000, 10000 at L = 4", or "none")."""
    batched = [(e["layers"], e["minibatch"]) for e in summary if e["minibatch"] is not None]
    sizes = ", ".join(str(b) for b in sorted({b for _, b in batched}))
    values = {"optimizers": ", ".join(LABELS[name] for name in _optimizers(summary)),
              "widths": widths_sentence({e["layers"] for e in summary if e["minibatch"] is None}),
              "minibatches": f"B = {sizes} at L = {batched[0][0]}" if batched else "none"}
    for c in _select(comparisons, quantity="seconds"):
        names = f"{c['numerator']}_{c['denominator']}".replace("-", "_")
        values[f"time_{names}_{setting_key(c['layers'], c['minibatch'])}"] = timed_value(c, comparisons)
    for c in _select(comparisons, quantity="epochs"):
        names = f"{c['numerator']}_{c['denominator']}".replace("-", "_")
        values[f"epochs_{names}_{setting_key(c['layers'], c['minibatch'])}"] = ratio_value(c)
    for layers, minibatch in dict.fromkeys((e["layers"], e["minibatch"]) for e in summary):
        values[f"fastest_{setting_key(layers, minibatch)}"] = fastest(summary, layers=layers, minibatch=minibatch)
    return values


def ratio_table(comparisons: list, label, heading: str) -> str:
    """Markdown: one row per setting of ``comparisons`` (named by ``label(comparison)``, the column headed
    ``heading``), one column per pair of :data:`~pwcore.beyond.PW_FORM` they ran; each cell the time ratio
    with its interval, its number of paired seeds and what it supports (:func:`ratio_value`), "-" where the
    pair was not run there."""
    timed = _select(comparisons, quantity="seconds")
    pairs = [pair for pair in PW_FORM.items() if pair in {(c["numerator"], c["denominator"]) for c in timed}]
    rows = {}
    for c in timed:
        name = label(c).replace(" ", "\u00a0")  # "L = 2" kept on one line in a narrow column
        rows.setdefault(name, {"setting": name})[(c["numerator"], c["denominator"])] = c
    return table(list(rows.values()), [("setting", heading, "")] + [
        (lambda row, pair=pair: row.get(pair), f"{LABELS[pair[0]]} / {LABELS[pair[1]]}",
         lambda c: timed_value(c, comparisons)) for pair in pairs])


def answers(summary: list, comparisons: list, n_layers: int = PAPER_DEPTH) -> dict:
    """A plain answer to each question of the page, from the epochs ratios (which carry the claims) beside the
    time ratios (never tested, :func:`timed_value`; each optimizer at its best rate,
    paired over seeds; a ratio above 1 favours the PW form): the ratios with what their intervals support.

    Returns
    -------
    dict
        ``practitioners``: sentences; ``depth`` and ``minibatch``: Markdown, a :func:`ratio_table` by depth
        (full batch) and by mini-batch size (at ``n_layers``), the latter with the fastest optimizer of each.
    """
    paper = {"layers": n_layers, "minibatch": None}
    own_form = _phrases(comparisons, (("adam", "pw-adam"), ("momentum", "pw-momentum")), **paper)
    practitioners = (f"At {n_layers} layers, full batch, the fastest to the target by median seconds is "
                     f"{fastest(summary, **paper)}. "
                     f"{_phrases(comparisons, (('adam', 'pw'), ('momentum', 'pw'), ('gd', 'pw')), **paper)}."
                     + (f" In their own PW form: {own_form}." if own_form != NOT_RUN else ""))
    depth = ratio_table(_select(comparisons, minibatch=None), lambda c: f"L = {c['layers']}", "layers")
    batched = [c for c in comparisons if c["layers"] == n_layers and c["minibatch"] is not None]
    sizes = sorted({c["minibatch"] for c in batched})
    by_size = ratio_table(batched, lambda c: f"B = {c['minibatch']}", "mini-batch")
    minibatch = (f"At {n_layers} layers:\n\n{by_size}\n\n"
                 + " ".join(f"Fastest at B = {b}: {fastest(summary, layers=n_layers, minibatch=b)}." for b in sizes)
                 if sizes else "No mini-batch size was run.")
    return {"practitioners": practitioners, "depth": depth, "minibatch": minibatch}
