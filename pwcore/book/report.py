"""Sentences and tables that state a result, for the notebooks to display and glue."""
from __future__ import annotations

import csv
import math
import statistics
from pathlib import Path

import numpy as np

from ..files import replaced_atomically


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


def accuracy_sentence(name: str, history, train: float | None, test: float | None) -> str:
    """One line: a run's accuracy on the training and test sets, or why it has none."""
    if train is None or test is None or not (math.isfinite(train) and math.isfinite(test)):
        why = "it diverged, so its weights are not finite" if history.diverged else "it was not measured"
        return f"{name.upper()}: no accuracy: {why}."
    return f"{name.upper()}: train accuracy {train:.3f}, test accuracy {test:.3f}."


def unreached(histories: dict) -> str:
    """Why no ratio of times to the target exists between ``histories`` (``{name: History}``), or "" if one does.

    A ratio needs every run to have reached the target after at least one epoch: a run that met it at once
    spent only the seconds of evaluating the initial loss, and one that diverged or ran out of epochs did
    not get there at all."""
    for name, history in histories.items():
        if history.status != "target":
            return f"{name.upper()} did not reach the target ({'it diverged' if history.diverged else history.status})"
        if history.epochs_completed == 0:
            return f"{name.upper()} met the target before any epoch"
    return ""


def uncosted(histories: dict) -> str:
    """Why no ratio of seconds per epoch exists between ``histories``, or "" if one does: it needs every run to
    have completed an epoch without diverging (a diverged run's last epochs are cut short)."""
    for name, history in histories.items():
        if history.diverged:
            return f"{name.upper()} diverged"
        if history.epochs_completed == 0:
            return f"{name.upper()} trained no epoch"
    return ""


def seconds_per_epoch_ratio(rows: list) -> float:
    """PW/GD seconds per epoch that the seconds of :func:`pwcore.study.seed_study`'s ``rows`` were computed
    with, recovered from them: each row's seconds are its fractional epochs times its optimizer's
    :func:`pwcore.study.seconds_per_epoch` (the median of repeats, the optimizers taking turns, measured
    once), so every row that ran some epochs gives the same figure. NaN if no row did, for either."""
    per_epoch = {}
    for name in ("gd", "pw"):
        ran = [r[f"{name}_seconds"] / r[f"{name}_elapsed"] for r in rows if r[f"{name}_elapsed"] > 0]
        per_epoch[name] = statistics.median(ran) if ran else math.nan
    return per_epoch["pw"] / per_epoch["gd"]


def flops_per_epoch(history) -> float:
    """Matrix-product FLOPs of one whole epoch of ``history``'s run: those between its first loss evaluation
    and the one that starts the epoch after its last completed epoch, over its completed epochs. Every
    full-batch epoch of a run costs the same, so this is exact, the same for every run of a network and
    optimizer; :func:`pwcore.study.per_epoch_cost` also spreads the sub-steps of an epoch a run stopped inside
    (PW's are unequal) over the epochs, so its figure moves with where a run stopped. NaN if the run completed
    no epoch."""
    boundary = np.flatnonzero(history.eval_positions == history.epochs_completed)
    if history.epochs_completed == 0 or not boundary.size:
        return math.nan
    return float(history.eval_flops[boundary[0]] - history.eval_flops[0]) / history.epochs_completed


def comparison_table(result, paper: dict) -> str:
    """A Markdown table: paper vs ours for each optimizer."""
    lines = ["| optimizer | paper: epochs | ours: epochs | paper: seconds | ours: seconds | ours: status |"
             " ours: test accuracy |", "|---|---:|---:|---:|---:|---|---:|"]
    for name, history in result.histories.items():
        accuracy = result.test_accuracy.get(name)
        if accuracy is not None and math.isfinite(accuracy):
            shown = f"{accuracy:.3f}"
        else:
            shown = "none: it diverged" if history.diverged else "not measured"
        epochs = f"{history.epochs_completed} (diverged in epoch {history.epochs_completed + 1})" if history.diverged \
            else f"{history.epochs_completed}"
        lines.append(f"| {name.upper()} | {paper[f'{name}_epochs']} | {epochs} | "
                     f"{paper[f'{name}_seconds']} | {history.seconds:.1f} | {history.status} | {shown} |")
    return "\n".join(lines)


def significant(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits, its trailing zeros kept: a ratio near 1 reads "0.912",
    "1.00", "11.0", "112" (never "112." nor "0.91" beside "1.02")."""
    text = format(value, f"#.{digits}g")
    return text if "e" in text else text.rstrip(".")


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


def kept_together(markdown: str) -> str:
    """``markdown`` in a container that printing keeps on one page (``pwcore-keep`` in the print style): a
    label and the short table it introduces, which a page break would otherwise part."""
    return f":::{{container}} pwcore-keep\n{markdown}\n:::"


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
        with replaced_atomically(path, newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(dict.fromkeys(key for row in rows for key in row)), restval="")
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths


class MarkdownBlock:
    """Markdown that a notebook glues for another page to paste whole with the ``{glue}`` directive.

    myst-nb pastes a value from another document as HTML, an image or plain text, never as Markdown, so
    this value carries its HTML as well (tables given the book's table style)."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        from markdown_it import MarkdownIt
        html = MarkdownIt("commonmark").enable("table").render(self.text)
        return html.replace("<table>", '<table class="table">')

    def __repr__(self) -> str:
        return self.text
