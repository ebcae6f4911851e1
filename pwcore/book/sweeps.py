"""What a learning-rate page shows of a rate sweep (:func:`pwcore.study.rate_sweep`): the values it glues,
its tables and sentences, and its figure."""
from __future__ import annotations

import math

from ..study import CONTROL, QUANTITIES, rate_medians
from . import claims
from .figures import LABELS, _finished
from .report import table

GLUE_KEYS = {"gd": "gd", "pw": "pw", CONTROL: "control"}  # an optimizer's name in glue names
RATIO_GLUE = {"gd": "tuned", CONTROL: "control"}  # the prefix of its ratios to PW: tuned_epoch_ratio, ...


def sweep_glue(rows: list, summary: list, comparisons: list, shared_rate: float, quantity: str) -> dict:
    """What a learning-rate page glues about ``quantity``, as plain Python values (-1 or NaN where absent).

    For ``"epochs"``, per optimizer key ``k`` of :data:`GLUE_KEYS`: ``tuned_k_lr`` (best rate),
    ``tuned_k_epochs`` (median whole epochs there), ``tuned_k_interior`` ("yes"/"no"), ``tuned_k_highest_lr``
    (the largest rate it was tried at), ``tuned_k_rate_text`` (:func:`best_rate_text`), ``shared_k_epochs``
    (median whole epochs at ``shared_rate``, -1 if it was not run or its median missed), and ``n_seeds``.
    For ``"seconds"``: ``tuned_k_seconds`` (median seconds at the best rate). For both, per comparison
    of ``comparisons`` (:func:`pwcore.study.paired_comparisons`, judged by :func:`pwcore.book.claims.judged`)
    of that quantity: ``<prefix>_<epoch|time>_ratio`` with ``_low``, ``_high``, ``_n`` and ``_claim``, the
    prefix from :data:`RATIO_GLUE` (GD/PW: ``tuned``); for the control's epochs, ``control_reading``
    (:func:`control_reading`).
    """
    if quantity not in QUANTITIES:
        raise ValueError(f"unknown quantity {quantity!r}: choose one of {sorted(QUANTITIES)}")
    values = {"n_seeds": summary[0]["n_seeds"]} if quantity == "epochs" else {}
    for entry in summary:
        key = GLUE_KEYS[entry["optimizer"]]
        if quantity == "seconds":
            values[f"tuned_{key}_seconds"] = _or(entry["median_seconds"], math.nan)
            continue
        shared = [m for m in rate_medians(rows, entry["optimizer"]) if m["learning_rate"] == shared_rate]
        values.update({f"tuned_{key}_lr": _or(entry["best_rate"], math.nan),
                       f"tuned_{key}_epochs": _or(entry["median_epochs"], -1),
                       f"tuned_{key}_interior": "yes" if entry["interior"] else "no",
                       f"tuned_{key}_highest_lr": entry["highest_rate"],
                       f"tuned_{key}_rate_text": best_rate_text(entry),
                       f"shared_{key}_epochs": _or(shared[0]["median_epochs"] if shared else None, -1)})
    for comparison in comparisons:
        if comparison["quantity"] == quantity:
            name = f"{RATIO_GLUE[comparison['numerator']]}_{'epoch' if quantity == 'epochs' else 'time'}_ratio"
            values.update({name: comparison["mean"], f"{name}_low": comparison["low"],
                           f"{name}_high": comparison["high"], f"{name}_n": comparison["n"],
                           f"{name}_claim": claims.word(comparison)})
            if comparison["numerator"] == CONTROL and quantity == "epochs":
                values["control_reading"] = control_reading(comparison)
    return values


# What the control/PW interval says of where PW's gain over GD comes from, by its claim word's start.
CONTROL_READINGS = {
    "PW has an advantage": "PW beats the control, so its schedule adds more than each layer's number of steps",
    "PW is slower": "the control beats PW: each layer's number of steps, taken together, does better than PW's "
                    "schedule",
    "inconclusive": "no difference is shown, so each layer's number of steps (a per-layer rate multiplier) may "
                    "account for all of PW's gain",
}


def control_reading(comparison: dict) -> str:
    """What a judged control/PW comparison (:func:`pwcore.book.claims.judged`) tells of where PW's gain over
    GD comes from, or why it tells nothing."""
    word = claims.word(comparison)
    reading = next((text for start, text in CONTROL_READINGS.items() if word.startswith(start)), None)
    return reading if reading is not None else f"it cannot tell: {word}"


def _or(value, default):
    return default if value is None else value


def rate_tables(rows: list, summary: list) -> str:
    """Markdown: for each optimizer of a :func:`pwcore.study.rate_sweep`, a sentence on its best rate and a
    table of its rates (median whole epochs to target, seeds that reached it, their fewest and most epochs)."""
    columns = [("learning_rate", "learning rate", "g"), ("median_epochs", "median epochs", "d"),
               ("reached", "seeds reached", ""), ("spread", "epochs, fewest-most", ""), ("added", "from", ""),
               ("best", "", "")]
    parts = []
    for entry in summary:
        table_rows = [{**m, "reached": f"{m['n_reached']} of {m['n_seeds']}",
                       "spread": None if m["min_epochs"] is None else f"{m['min_epochs']}-{m['max_epochs']}",
                       "added": "grid" if m["round"] == 0 else f"extension {m['round']}",
                       "best": "**best**" if m["learning_rate"] == entry["best_rate"] else ""}
                      for m in rate_medians(rows, entry["optimizer"])]
        parts += [f"**{LABELS[entry['optimizer']]}**: {best_rate_sentence(entry)}", table(table_rows, columns)]
    return "\n\n".join(parts)


def tuning_table(rows: list, summary: list) -> str:
    """Markdown: one row per optimizer of a :func:`pwcore.tuning.tuned_sweep`: the rates it tried, its best
    rate, whether that is interior, and what ended its search upwards (a failure, or the budget)."""
    def tried(entry):
        rates = [m["learning_rate"] for m in rate_medians(rows, entry["optimizer"])]
        return f"{len(rates)}, {rates[0]:g} to {rates[-1]:g} ({entry['extensions']} added)"

    def ended(entry):
        if entry["failed_above"]:
            return f"missed at {entry['highest_rate']:g} (median seed)"
        return "budget spent: still reaching" if entry["capped"] else "still reaching"

    return table(summary, [
        (lambda e: LABELS[e["optimizer"]], "optimizer", ""), (tried, "rates tried", ""),
        ("best_rate", "best rate", "g"), (lambda e: "yes" if e["interior"] else "**no**", "interior", ""),
        (ended, "search ended upwards", "")])


def best_rate_text(entry: dict) -> str:
    """A best rate for a table cell: ``"1.15"``, or marked where it is an end of the rates tried,
    ``"38.2 (edge: budget spent)"``; ``"none"`` if no rate reached the target."""
    if entry["best_rate"] is None:
        return "none"
    if entry["interior"]:
        return f"{entry['best_rate']:g}"
    return f"{entry['best_rate']:g} (edge{': budget spent' if entry['capped'] else ''})"


def best_rate_sentence(entry: dict) -> str:
    """Where one optimizer's best learning rate lies, from its :func:`pwcore.study.sweep_summary`."""
    if entry["best_rate"] is None:
        return (f"no rate from {entry['lowest_rate']:g} to {entry['highest_rate']:g} reached the target for the "
                f"median seed; widen the grid or raise max_epochs.")
    best = (f"best rate {entry['best_rate']:g}, median {entry['median_epochs']} epochs "
            f"({entry['n_reached']} of {entry['n_seeds']} seeds reached)")
    if entry["interior"]:
        return f"{best}; interior: the rates tried on both sides were no faster."
    end = "largest" if entry["best_rate"] == entry["highest_rate"] else "smallest"
    why = (f"the cap on extensions ({entry['extensions']}) stopped the search" if entry["capped"]
           else "no extension was allowed")
    return f"{best}; **not interior**: it is the {end} rate tried and {why}, so a rate beyond it may be better."


def ratio_sentence(comparison: dict) -> str:
    """One sentence: a paired ratio of :func:`pwcore.study.paired_ratio` with its interval and what it supports."""
    c = comparison
    ratio = f"{LABELS[c['numerator']]} / {LABELS[c['denominator']]} {c['quantity']} at each one's best rate"
    if c["n"] < 2:
        return f"{ratio}: only {c['n']} seed(s) reached the target with both, too few for an interval: {claims.word(c)}."
    return (f"{ratio}: {c['mean']:.2f}, 95 % interval [{c['low']:.2f}, {c['high']:.2f}] over {c['n']} paired "
            f"seeds: **{claims.word(c)}**.")


def learning_rate_figure(rows: list, summary: list):
    """Median epochs to target against the learning rate (log scale), one line per optimizer of a
    :func:`pwcore.study.rate_sweep`.

    The band spans the fewest to the most epochs among the seeds that reached the target at each rate; a
    rate whose median seed missed it is marked x at the top, and each optimizer's best rate with a star.
    """
    import matplotlib.pyplot as plt
    medians = {entry["optimizer"]: rate_medians(rows, entry["optimizer"]) for entry in summary}
    top = max([m["max_epochs"] for ms in medians.values() for m in ms if m["max_epochs"] is not None], default=1) * 1.1
    fig, ax = plt.subplots(figsize=(8.5, 4))
    for k, (entry, color) in enumerate(zip(summary, ("tab:blue", "tab:orange", "tab:green"))):
        name, mine = entry["optimizer"], medians[entry["optimizer"]]
        hit = [m for m in mine if m["median_epochs"] is not None]
        rates = [m["learning_rate"] for m in hit]
        ax.plot(rates, [m["median_epochs"] for m in hit], "-o", color=color, ms=4, label=f"{LABELS[name]}: median")
        ax.fill_between(rates, [m["min_epochs"] for m in hit], [m["max_epochs"] for m in hit], color=color, alpha=0.15)
        missed = [m["learning_rate"] for m in mine if m["median_epochs"] is None]
        if missed:
            ax.plot(missed, [top * (1 + 0.04 * k)] * len(missed), "x", color=color, ms=9, mew=2,
                    label=f"{LABELS[name]}: median seed missed")
        if entry["best_rate"] is not None:
            ax.plot([entry["best_rate"]], [entry["median_epochs"]], "*", color=color, ms=15, mec="black", mew=0.6)
    tried = sorted({m["learning_rate"] for ms in medians.values() for m in ms})
    ax.set_xscale("log")
    ax.set_xticks(tried, [f"{rate:g}" for rate in tried], rotation=45, fontsize=8)
    ax.minorticks_off()
    ax.set_xlabel("learning rate")
    ax.set_ylabel("epochs to target (median over seeds)")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1))  # the caption says what band, star and x are
    return _finished(fig)
