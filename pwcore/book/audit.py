"""Which notebooks CI re-executes from scratch (nbval, with the results store bypassed).

Every run marked ``validate`` (the CI-sized executions of the templates and the cheap pages), and one
full page that reads the results store, chosen anew at each commit from those whose last execution took
at most ``budget`` seconds: so over commits CI recomputes, one cheap page at a time, the stored results
the book's pages read, and nbval compares them with the committed ones (``tests/nbval_sanitize.cfg``).
"""
from __future__ import annotations

from pathlib import Path

from .imports import template_modules
from .paths import PACKAGE_DIR
from .timings import previous_seconds

STORE_MODULE = "book/results.py"  # a template that imports it reads the results store


def reads_store(template: Path, package_dir: Path = PACKAGE_DIR) -> bool:
    """Whether the template computes through the results store (it imports :mod:`pwcore.book.results`)."""
    return any(path == package_dir / STORE_MODULE for path in template_modules(template, package_dir))


def audited(runs: list, generated_dir: Path, commit: str, budget: float = 120.0,
            package_dir: Path = PACKAGE_DIR) -> list:
    """The names of the runs CI re-executes: the validated ones, then the rotating full page (if any).

    Parameters
    ----------
    commit : str
        The commit's hexadecimal hash: it picks the full page (the same page for the same commit).
    budget : float
        The longest a full page may have taken at its last execution, in seconds.
    """
    validated = [run.name for run in runs if run.validate]
    seconds = previous_seconds(generated_dir, [run.name for run in runs])
    candidates = sorted(run.name for run in runs if not run.validate and reads_store(run.template, package_dir)
                        and seconds.get(run.name) is not None and seconds[run.name] <= budget)
    if not candidates:
        return validated
    return validated + [candidates[int(commit[:12], 16) % len(candidates)]]
