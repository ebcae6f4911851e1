"""The targets of Beyond the paper's second edition (:mod:`pwcore.practice`) stated, drawn and tabled; each
target's results are drawn by :mod:`pwcore.book.beyond`'s functions. Needs matplotlib."""
from __future__ import annotations

import statistics

import numpy as np

from ..beyond import OPTIMIZERS, setting_name
from ..practice import TARGETS, chance_accuracy, median_curve, target_view
from . import beyond as pages
from . import claims
from .beyond import COLORS, LABELS, _select, uninformative_loss
from .figures import LOG_SCALE_SPAN, _finished
from .report import kept_together, significant, table

TARGET_NAMES = {"loss": "the training-loss target", "accuracy": "the held-out accuracy target"}


def optimizers_sentence(optimizers) -> str:
    """Which optimizers of :data:`pwcore.beyond.OPTIMIZERS` the page runs, and which it leaves out, as Markdown."""
    left_out = [LABELS[name] for name in OPTIMIZERS if name not in optimizers]
    runs = ", ".join(LABELS[name] for name in optimizers)
    if not left_out:
        return f"This page runs every optimizer of these pages: {runs}."
    return (f"This page runs {runs}; it leaves out {' and '.join(left_out)} (the reason is written beside the "
            f"page's parameters in `notebooks/runs.yml`).")


def nothing_loss(config, data) -> float:
    """The training loss of an output that says nothing about its input: multi-class, every class the same
    output (:func:`pwcore.book.beyond.uninformative_loss`); binary, the best constant output, the training
    set's fraction of positives ``p``, whose cross-entropy is ``-(p log p + (1 - p) log(1 - p))``."""
    if data.n_classes > 2:
        return uninformative_loss(config, data.n_classes)
    p = float(np.mean(data.y_train))
    return float(-(p * np.log(p) + (1 - p) * np.log1p(-p)))


def targets_sentence(pilot: dict, config, data) -> str:
    """The two targets, where they come from, and what a network that learned nothing scores, as Markdown."""
    nothing = nothing_loss(config, data)
    said = ("gives every class the same output" if data.n_classes > 2 else
            "outputs the training set's fraction of positives whatever its input")
    below = (f", {significant(nothing - pilot['loss_target'])} below {significant(nothing)}, the loss of a "
             f"network that {said}")
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


def accuracy_settings_table(rows: list, summary: list, pairs) -> str:
    """Markdown: a row per setting ``(layers, minibatch)`` of ``pairs``, a column per optimizer of ``summary``:
    :func:`accuracy_rows`' median held-out accuracy where the loss target was reached, and over how many seeds."""
    names = pages._optimizers(summary)
    lines = []
    for n_layers, minibatch in pairs:
        found = {r["optimizer"]: r for r in accuracy_rows(rows, summary, layers=n_layers, minibatch=minibatch)}
        lines.append({"setting": setting_name(n_layers, minibatch),
                      **{name: found.get(name, {"n": 0, "at_loss": None}) for name in names}})
    return table(lines, [("setting", "setting", "")] + [
        (name, LABELS[name], lambda cell: "missed" if cell["at_loss"] is None
         else f"{cell['at_loss']:.1%} ({cell['n']})") for name in names])


def accuracy_span(rows: list, summary: list, **setting) -> str:
    """The lowest and highest of the optimizers' :func:`accuracy_rows` medians in one setting, as words."""
    medians = [r["at_loss"] for r in accuracy_rows(rows, summary, **setting) if r["at_loss"] is not None]
    if not medians:
        return "none reached the target"
    low, high = min(medians), max(medians)
    return f"{low:.1%}" if low == high else f"{low:.1%} to {high:.1%}"


def replay_sentence(replayed: list, y_test: np.ndarray) -> str:
    """How closely :func:`pwcore.replay.accuracy_at_target`'s replays stopped where the stored runs had, how
    many held-out samples scored them (``y_test``, shape ``(m',)``), and what always answering their
    commonest class scores, as Markdown."""
    missed = sum(r["elapsed"] is None for r in replayed)
    gaps = [abs(r["elapsed"] - r["stored_elapsed"]) for r in replayed if r["elapsed"] is not None]
    same = sum(gap == 0 for gap in gaps)
    apart = "" if same == len(gaps) else (
        f"; the other {len(gaps) - same} within {max(gaps):g} epochs of it (a stack of other runs can "
        f"round the last bit differently, and a loss near the target then crosses it a step earlier or later)")
    left_out = "" if not missed else f"; {missed} missed the target on replay (left out)"
    return (f"{len(replayed)} runs replayed: {same} stopped exactly where the stored run had{apart}{left_out}. "
            f"The held-out set has {y_test.size} samples; always answering its commonest class scores "
            f"{chance_accuracy(y_test):.1%}.")


def depth_and_minibatches(answers: dict) -> str:
    """:func:`pwcore.book.beyond.answers`' depth and mini-batch tables, each under its label and kept with it
    on a printed page (:func:`pwcore.book.report.kept_together`), as Markdown."""
    return "\n\n".join(kept_together(f"**{label}**\n\n" + answers[key])
                         for label, key in (("Depth", "depth"), ("Mini-batches", "minibatch")))


def csv_tables(pilot: dict, study: dict, judged_study: dict) -> dict:
    """The page's CSV files, ``{name: rows}``: every run, each target's summary and judged comparisons
    (:func:`judged`), and the pilot's runs without their epoch-by-epoch curves."""
    return {"runs": study["rows"], **{f"{t}_summary": judged_study[t]["summary"] for t in TARGETS},
            **{f"{t}_comparisons": judged_study[t]["comparisons"] for t in TARGETS},
            "pilot": [{k: v for k, v in c.items() if not k.startswith("epoch_")} for c in pilot["curves"]]}


def transient_seeds(rows: list, summary: list, comparison: dict) -> dict:
    """Of an accuracy-target ``comparison``'s paired seeds, those at which each of its two optimizers, at its
    best rate for that target (``summary``), reached the accuracy target and then ended without reaching the
    loss target (diverged, or fell back and ran out its budget): ``{optimizer: [seed, ...]}``, optimizers with
    none left out."""
    setting = {"layers": comparison["layers"], "minibatch": comparison["minibatch"]}
    best = {e["optimizer"]: e["best_rate"] for e in _select(summary, **setting)}
    found = {}
    for name in (comparison["numerator"], comparison["denominator"]):
        unfinished = sorted(r["seed"] for r in _select(rows, optimizer=name, **setting)
                            if r["learning_rate"] == best[name] and r["seed"] in comparison["seeds"]
                            and r["status"] != "target")
        if unfinished:
            found[name] = unfinished
    return found


def mark_transient(comparison: dict, rows: list, summary: list) -> dict:
    """``comparison`` (to the accuracy target) copied with ``untestable_because`` where :func:`transient_seeds`
    finds any (:func:`pwcore.book.claims.why_not_testable`): an accuracy a run passed on its way to a network
    that collapsed or stalled is no useful model, and the best rate that passed it first may be one that does
    not train."""
    unfinished = transient_seeds(rows, summary, comparison)
    if not unfinished:
        return comparison
    words = " and ".join(f"{LABELS[name]} on {len(seeds)}" for name, seeds in unfinished.items())
    return {**comparison, "untestable_because": (
        f"at the best rates, runs reached the accuracy target but ended without reaching the loss target "
        f"({words} of the {comparison['n']} paired seeds)")}


def judged(study: dict) -> dict:
    """Each target's summary and comparisons of :func:`pwcore.practice.settings_study`'s ``study``, the
    comparisons judged (:func:`pwcore.book.claims.judged`) as one family, both targets together (Holm's
    correction counts every comparison the page makes), and explained where unpaired.

    Returns
    -------
    dict
        ``{target: {"summary": [...], "comparisons": [...]}}`` for each of :data:`pwcore.practice.TARGETS`.
    """
    every = claims.judged([mark_transient(c, study["rows"], study[target]["summary"]) if target == "accuracy"
                           else c for target in TARGETS for c in study[target]["comparisons"]])
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
