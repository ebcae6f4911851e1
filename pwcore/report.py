"""Sentences and tables that state a result, for the notebooks to display and glue."""
from __future__ import annotations

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
        lines.append(f"| {name.upper()} | {paper[f'{name}_epochs']} | {history.epochs_completed} | "
                     f"{paper[f'{name}_seconds']} | {history.seconds:.1f} | {history.status} | "
                     f"{'' if accuracy is None else f'{accuracy:.3f}'} |")
    return "\n".join(lines)


def table(rows: list, columns: list) -> str:
    """A Markdown table of ``rows`` (dicts).

    Parameters
    ----------
    columns : list of tuple
        ``(key, header, format)``; format is a format spec ("d", ".3f") or a callable; None prints "-".
    """
    lines = ["| " + " | ".join(header for _, header, _ in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        cells = []
        for key, _, fmt in columns:
            value = row.get(key)
            if value is None:
                cells.append("-")
            elif callable(fmt):
                cells.append(fmt(value))
            else:
                cells.append(format(value, fmt))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_csv(rows: list, path) -> None:
    """Write ``rows`` (dicts) as a CSV file at ``path``: one column per key, in the order first seen;
    None and NaN as empty cells."""
    import csv
    import math
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: "" if value is None or (isinstance(value, float) and math.isnan(value)) else value
                             for key, value in row.items()})
