"""Which notebooks CI re-executes from scratch (nbval, with the results store bypassed).

Every run marked ``validate`` (the CI-sized executions of the templates and the cheap pages), and one
full page that reads the results store, chosen anew at each commit from those whose stored results took
at most ``budget`` seconds to compute on this machine's BLAS kernel: so over commits CI recomputes, one
cheap page at a time, the stored results the book's pages read, and nbval compares them with the
committed ones (``tests/nbval_sanitize.cfg``). A page's cost is read from its own table of the stored results it used
(:func:`pwcore.book.results.store_table`: each row names the result's key), not from how long its last
execution took, which reading the store makes short.
"""
from __future__ import annotations

import re
from pathlib import Path

from ..store import machine, read_entry
from .results import STORE_DIR

ROW = re.compile(r"^\| `(\w+)` \| `([0-9a-f]{8})` \|", re.MULTILINE)


def stored_made(notebook: Path, store_dir: Path = STORE_DIR):
    """What the store says of how each stored result the executed ``notebook`` used was computed (its ``made``,
    or for a re-stamped result the original's); None if it used none, or one of them is not in ``store_dir``."""
    import nbformat
    text = "\n".join("".join(output.get("data", {}).get("text/markdown", ""))
                     for cell in nbformat.read(notebook, as_version=4).cells for output in cell.get("outputs", []))
    found = []
    for function, prefix in ROW.findall(text):
        paths = sorted(Path(store_dir).glob(f"*.{function}/{prefix}*.json"))
        if len(paths) != 1:
            return None
        made = read_entry(paths[0])["made"]
        found.append(made.get("computed", made))
    return found or None


def audited(runs: list, generated_dir: Path, commit: str, budget: float = 120.0, store_dir: Path = STORE_DIR,
            this_machine: str | None = None) -> list:
    """The names of the runs CI re-executes: the validated ones, then the rotating full page (if any).

    A full page qualifies when its stored results took at most ``budget`` seconds to compute, all on a
    machine described as ``this_machine`` is (default :func:`pwcore.store.machine`: the same BLAS kernel).
    On another kernel a count that sits on a knife's edge may legitimately differ, and nbval compares counts
    exactly: such pages are audited where their kernel runs.

    Parameters
    ----------
    commit : str
        The commit's hexadecimal hash: it picks the full page (the same page for the same commit).
    budget : float
        The most seconds a full page's stored results may have taken to compute.
    """
    this_machine = this_machine or machine()
    validated = [run.name for run in runs if run.validate]
    candidates = []
    for run in sorted(runs, key=lambda run: run.name):
        path = Path(generated_dir) / f"{run.name}.ipynb"
        made = stored_made(path, store_dir) if not run.validate and path.is_file() else None
        if made and sum(float(m.get("seconds", "inf")) for m in made) <= budget \
                and all(m.get("machine") == this_machine for m in made):
            candidates.append(run.name)
    if not candidates:
        return validated
    return validated + [candidates[int(commit[:12], 16) % len(candidates)]]
