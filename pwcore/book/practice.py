"""The targets of Beyond the paper's second edition (:mod:`pwcore.practice`) stated, drawn and tabled; each
target's results are drawn by :mod:`pwcore.book.beyond`'s functions. Needs matplotlib."""
from __future__ import annotations

import math
import statistics

import numpy as np

from ..practice import TARGETS, chance_accuracy, median_curve, target_view
from . import beyond as pages
from . import claims
from .beyond import COLORS, LABELS, _select, uninformative_loss
from .figures import LOG_SCALE_SPAN, _finished
from .report import significant, table

TARGET_NAMES = {"loss": "the training-loss target", "accuracy": "the held-out accuracy target"}


def targets_sentence(pilot: dict, config, data) -> str:
    """The two targets, where they come from, and what a network that learned nothing scores, as Markdown."""
    uninformative = uninformative_loss(config, data.n_classes)
    below = "" if math.isnan(uninformative) else (
        f", {significant(uninformative - pilot['loss_target'])} below {significant(uninformative)}, the loss of a "
        f"network that gives every class the same output")
    return (f"**The targets** are a training loss of {significant(pilot['loss_target'])}{below}, and a held-out "
            f"accuracy of {pilot['accuracy_target']:.1%} (always answering the commonest class scores "
            f"{chance_accuracy(data.y_test):.1%}). They are what {LABELS[pilot['baseline']]}, at its best rate of "
            f"those tried ({pilot['best_rate']:g}: the lowest median training loss after its budget of "
            f"{pilot['budget']} epochs), reaches after {pilot['half']} epochs, half its budget: the medians over "
            f"{len({c['seed'] for c in pilot['curves']})} seeds.")


def pilot_figure(pilot: dict):
    """The pilot's median training loss and held-out accuracy, epoch by epoch, at each rate; the targets and
    the epoch they are read at marked."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    rates = sorted({c["learning_rate"] for c in pilot["curves"]})
    for rate in rates:
        best = rate == pilot["best_rate"]
        for ax, field in zip(axes, ("epoch_loss", "epoch_accuracy")):
            curve = median_curve(pilot["curves"], rate, field)
            shown = np.isfinite(curve)
            ax.plot(np.flatnonzero(shown), curve[shown], lw=2.2 if best else 1,
                    label=f"{rate:g}" + (" (best)" if best else ""))
    for ax, key, label in zip(axes, ("loss_target", "accuracy_target"),
                              ("training loss (median over seeds)", "held-out accuracy (median over seeds)")):
        ax.axhline(pilot[key], color="black", ls="--", lw=0.8)
        ax.axvline(pilot["half"], color="gray", ls=":", lw=0.8)
        ax.set_xlabel("epochs")
        ax.set_ylabel(label)
    losses = np.concatenate([c["epoch_loss"][np.isfinite(c["epoch_loss"])] for c in pilot["curves"]])
    if losses.size and losses.min() > 0 and losses.max() / losses.min() > LOG_SCALE_SPAN:
        axes[0].set_yscale("log")
    axes[1].legend(title=f"{LABELS[pilot['baseline']]} rate", fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    return _finished(fig)


def seeds_figure(rows: list, judged_study: dict, layers: int, minibatch: int | None = None):
    """Epochs to each target (one panel per target) of every seed, each optimizer at its best rate for that
    target in one setting; a seed that missed it is drawn at the top of its panel as a cross."""
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(TARGETS), figsize=(10, 3.8), sharey=True)
    setting = {"layers": layers, "minibatch": minibatch}
    for ax, target in zip(axes, TARGETS):
        view = _select(target_view(_select(rows, **setting), target), **setting)
        summary = _select(judged_study[target]["summary"], **setting)
        top = max([v["elapsed"] for v in view if v["status"] == "target"], default=1.0) * 1.1 + 1
        for k, entry in enumerate(summary):
            name, best = entry["optimizer"], entry["best_rate"]
            mine = [v for v in view if v["optimizer"] == name and v["learning_rate"] == best]
            reached = [v["elapsed"] for v in mine if v["status"] == "target"]
            jitter = np.linspace(-0.15, 0.15, max(len(mine), 1))
            ax.scatter(k + jitter[:len(reached)], reached, color=COLORS[name], s=16)
            missed = len(mine) - len(reached)
            if missed:
                ax.scatter(k + jitter[len(reached):len(mine)], [top] * missed, color=COLORS[name], marker="x", s=24)
        ax.set_xticks(range(len(summary)), [LABELS[e["optimizer"]] for e in summary], rotation=30)
        ax.set_title(TARGET_NAMES[target], fontsize=10)
    axes[0].set_ylabel("epochs to the target (each seed)")
    return _finished(fig)


def accuracy_rows(rows: list, summary: list, **setting) -> list:
    """At each optimizer's best rate for the loss target in a setting: the median held-out accuracy where
    the loss target was reached, over the seeds that reached it (``n``)."""
    out = []
    for entry in _select(summary, **setting):
        reached = [r for r in _select(rows, optimizer=entry["optimizer"], **setting)
                   if r["learning_rate"] == entry["best_rate"] and r["accuracy_at_loss_target"] is not None]
        out.append({"optimizer": entry["optimizer"], "n": len(reached),
                    "at_loss": statistics.median(r["accuracy_at_loss_target"] for r in reached) if reached else None})
    return out


def accuracy_table(rows: list, summary: list, **setting) -> str:
    """Markdown: :func:`accuracy_rows`."""
    return table(accuracy_rows(rows, summary, **setting), [
        (lambda r: LABELS[r["optimizer"]], "optimizer", ""), ("n", "seeds that reached the loss target", "d"),
        ("at_loss", "held-out accuracy there (median)", ".1%")])


def csv_tables(pilot: dict, study: dict, judged_study: dict) -> dict:
    """The page's CSV files, ``{name: rows}``: every run, each target's summary and judged comparisons
    (:func:`judged`), and the pilot's runs without their epoch-by-epoch curves."""
    return {"runs": study["rows"], **{f"{t}_summary": judged_study[t]["summary"] for t in TARGETS},
            **{f"{t}_comparisons": judged_study[t]["comparisons"] for t in TARGETS},
            "pilot": [{k: v for k, v in c.items() if not k.startswith("epoch_")} for c in pilot["curves"]]}


def judged(study: dict) -> dict:
    """Each target's summary and comparisons of :func:`pwcore.practice.settings_study`'s ``study``, the
    comparisons judged (:func:`pwcore.book.claims.judged`) as one family, both targets together (Holm's
    correction counts every comparison the page makes), and explained where unpaired.

    Returns
    -------
    dict
        ``{target: {"summary": [...], "comparisons": [...]}}`` for each of :data:`pwcore.practice.TARGETS`.
    """
    every = claims.judged([c for target in TARGETS for c in study[target]["comparisons"]])
    out, start = {}, 0
    for target in TARGETS:
        count = len(study[target]["comparisons"])
        summary = study[target]["summary"]
        out[target] = {"summary": summary,
                       "comparisons": pages.explain_unpaired(every[start:start + count], summary)}
        start += count
    return out


def glue_values(study: dict) -> dict:
    """:func:`pwcore.book.beyond.glue_values` of each target of a :func:`judged` ``study``, its names prefixed
    ``loss_`` or ``accuracy_``."""
    return {f"{target}_{key}": value for target in TARGETS
            for key, value in pages.glue_values(study[target]["summary"], study[target]["comparisons"]).items()}
