"""How long regenerating the book took, read back from the executed notebooks themselves.

papermill records each notebook's start, end and duration in its metadata;
:func:`pwcore.book.record.stamp` adds the machine that executed it. Nothing here
times anything: it reports what the last ``make book`` wrote.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .record import from_metadata


@dataclass(frozen=True)
class NotebookTiming:
    """One executed notebook: its name, execution seconds, when it started and ended, and where it ran."""

    name: str
    seconds: float
    started: datetime
    ended: datetime
    machine: str


def read_timing(path: Path) -> NotebookTiming:
    """The timing papermill recorded in the notebook at ``path``.

    Raises
    ------
    FileNotFoundError
        If there is no such notebook.
    ValueError
        If the notebook was not executed by papermill.
    """
    import nbformat
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: execute it with `python -m pwcore.book --only {path.stem}`")
    metadata = nbformat.read(path, as_version=4).metadata
    record = metadata.get("papermill", {})
    if record.get("duration") is None:
        raise ValueError(f"{path} holds no papermill timing: regenerate it with `python -m pwcore.book --only {path.stem}`")
    return NotebookTiming(path.stem, float(record["duration"]), datetime.fromisoformat(record["start_time"]),
                          datetime.fromisoformat(record["end_time"]),
                          from_metadata(metadata).machine)


def read_timings(generated_dir: Path, names) -> list:
    """Timings of the notebooks ``<generated_dir>/<name>.ipynb``, in the order of ``names``."""
    return [read_timing(Path(generated_dir) / f"{name}.ipynb") for name in names]


def previous_seconds(generated_dir: Path, names) -> dict:
    """``{name: seconds}`` each notebook took when last executed; None for one never executed by papermill."""
    found = {}
    for name in names:
        try:
            found[name] = read_timing(Path(generated_dir) / f"{name}.ipynb").seconds
        except (FileNotFoundError, ValueError):
            found[name] = None
    return found


def summary(timings: list) -> dict:
    """Total execution seconds, the wall-clock span from first start to last end, the slowest notebook
    and the machines."""
    return {"seconds": sum(t.seconds for t in timings),
            "span_seconds": (max(t.ended for t in timings) - min(t.started for t in timings)).total_seconds(),
            "first_start": min(t.started for t in timings), "slowest": max(timings, key=lambda t: t.seconds),
            "machines": sorted({t.machine for t in timings})}


def timings_table(timings: list) -> str:
    """A Markdown table: notebook, seconds, start time, slowest first."""
    lines = ["| notebook | seconds | started (UTC) |", "|---|---:|---|"]
    for t in sorted(timings, key=lambda t: -t.seconds):
        lines.append(f"| {t.name} | {t.seconds:.0f} | {t.started:%Y-%m-%d %H:%M} |")
    return "\n".join(lines)
