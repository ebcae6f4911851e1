"""Sentences and tables that state a result, for the notebooks to display and glue."""
from __future__ import annotations

import csv
import math
import os
from pathlib import Path

from ..study import rate_medians
from .figures import LABELS

NAMES = {"gd": "Gradient descent", "pw": "The position-wise optimizer"}


def outcome_sentence(name: str, history, initial_loss: float) -> str:
    """One sentence saying how a run ended, plainly."""
    who = NAMES.get(name, name)
    if history.diverged:
        return f"{who} {history.message}."
    if history.status == "target" and history.epochs_completed == 0 and history.stopped_at == (1, 1):
        return (f"{who} met the target at once: the loss of the initial weights, {initial_loss:.4f}, "
                f"is already below {history.target:g}, so no epoch was needed.")
    if history.status == "target":
        return (f"{who} reached the target {history.target:g} after {history.epochs_completed} completed "
                f"epochs (loss {history.final_loss:.4f}).")
    return (f"{who} did not reach the target {history.target:g} within {history.epochs_completed} epochs: "
            f"its last loss was {history.final_loss:.4f}.")


def comparison_table(result, paper: dict) -> str:
    """A Markdown table: paper vs ours for each optimizer."""
    lines = ["| optimizer | paper: epochs | ours: epochs | paper: seconds | ours: seconds | ours: status |"
             " ours: test accuracy |", "|---|---:|---:|---:|---:|---|---:|"]
    for name, history in result.histories.items():
        accuracy = result.test_accuracy.get(name)
        if accuracy is None:
            shown = ""
        elif math.isfinite(accuracy):
            shown = f"{accuracy:.3f}"
        else:
            shown = "none: the weights are not finite" if history.diverged else "undefined"
        lines.append(f"| {name.upper()} | {paper[f'{name}_epochs']} | {history.epochs_completed} | "
                     f"{paper[f'{name}_seconds']} | {history.seconds:.1f} | {history.status} | {shown} |")
    return "\n".join(lines)


def table(rows: list, columns: list) -> str:
    """A Markdown table of ``rows`` (dicts).

    Parameters
    ----------
    columns : list of tuple
        ``(key, header, format)``; key is a row's key or a callable of the row; format is a format spec ("d", ".3f") or a callable; None prints "-", and a
        number that is not finite (with a format spec) prints "undefined" rather than a bare "nan": a column
        whose non-finite values have a reason to give says it with a callable format.
    """
    lines = ["| " + " | ".join(header for _, header, _ in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        cells = []
        for key, _, fmt in columns:
            value = key(row) if callable(key) else row.get(key)
            if value is None:
                cells.append("-")
            elif callable(fmt):
                cells.append(fmt(value))
            elif isinstance(value, float) and not math.isfinite(value):
                cells.append("undefined")
            else:
                cells.append(format(value, fmt))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
        return f"{ratio}: only {c['n']} seed(s) reached the target with both, too few for an interval: {c['claim']}."
    return (f"{ratio}: {c['mean']:.2f}, 95 % interval [{c['low']:.2f}, {c['high']:.2f}] over {c['n']} paired "
            f"seeds: **{c['claim']}**.")


def write_csv_files(tables: dict, name: str, folder=".") -> list:
    """Write each ``{label: rows}`` of ``tables`` to ``folder/<name>_<label>.csv``, atomically.

    Columns are the keys of the rows in the order first seen; floats are written exactly (``repr``), None
    and a key a row lacks as an empty cell.

    Returns
    -------
    list of pathlib.Path
        The files, in the order of ``tables``.
    """
    paths = []
    for label, rows in tables.items():
        path = Path(folder) / f"{name}_{label}.csv"
        partial = path.with_name(f".{path.name}.partial")
        with open(partial, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(dict.fromkeys(key for row in rows for key in row)), restval="")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(partial, path)
        paths.append(path)
    return paths
