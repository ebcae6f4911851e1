"""Which notebooks to re-execute, and why.

A notebook is re-executed when its record (:mod:`pwcore.book.record`) no longer matches the fingerprint of
its sources now (:mod:`pwcore.book.fingerprint`), and after any notebook it reads is re-executed. The
reasons name what differs: "no notebook", "no record", "template changed", "parameters changed",
"pwcore changed: MODULES" (the modules it runs that changed, were added or left), "depends on NAME" (NAME is re-executed, or changed since this one ran), "no longer
depends on NAME"; and "forced" (``--force``) or "selected" (``--only``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .fingerprint import PARTS, Fingerprint, fingerprints
from .paths import PACKAGE_DIR
from .record import read_record
from .runs import PageRun, execution_order

FORCED = "forced (--force)"
SELECTED = "selected (--only)"
ORPHAN = "no run in runs.yml (delete the notebook)"


@dataclass(frozen=True)
class Step:
    """A run to re-execute and the reasons."""

    run: PageRun
    reasons: tuple


def reasons_text(reasons, most: int = 3) -> str:
    """``reasons`` in one line, the "depends on" ones merged (and counted beyond ``most`` names)."""
    prefix = "depends on "
    upstream = [reason[len(prefix):] for reason in reasons if reason.startswith(prefix)]
    text = [reason for reason in reasons if not reason.startswith(prefix)]
    if upstream:
        text.append(prefix + _listed(upstream, most))
    return ", ".join(text)


def _listed(names: list, most: int) -> str:
    """``names`` joined by commas, those beyond the first ``most`` counted: "a, b, c and 2 more"."""
    return ", ".join(names[:most]) + (f" and {len(names) - most} more" if len(names) > most else "")


def differences(recorded: Fingerprint, current: Fingerprint) -> list:
    """Why the fingerprint ``recorded`` in a notebook differs from its sources' ``current`` one ([] if it does not)."""
    reasons = [f"{part} changed" for part in PARTS if getattr(recorded, part) != getattr(current, part)]
    reasons = [reason if reason != "pwcore changed" else "pwcore changed: " + changed_modules(recorded, current)
               for reason in reasons]
    reasons += [f"depends on {name}" for name in current.reads if recorded.reads.get(name) != current.reads[name]]
    return reasons + [f"no longer depends on {name}" for name in recorded.reads if name not in current.reads]


def changed_modules(recorded: Fingerprint, current: Fingerprint, most: int = 3) -> str:
    """The pwcore modules whose hash differs between ``recorded`` and ``current`` (or in one only), listed."""
    names = sorted(path for path in recorded.pwcore.keys() | current.pwcore.keys()
                   if recorded.pwcore.get(path) != current.pwcore.get(path))
    return _listed(names, most)


def notebook_reasons(path: Path, current: Fingerprint) -> list:
    """Why the notebook at ``path`` does not match ``current`` ([] if it does)."""
    record = read_record(path)
    if record is None:
        return ["no notebook"]
    if record.fingerprint is None:
        return ["no record"]
    return differences(record.fingerprint, current)


def stale(runs: list, out_dir: Path, package_dir: Path = PACKAGE_DIR) -> dict:
    """``{name: reasons}`` for every notebook of ``out_dir`` that does not match its sources now.

    Covers every run of ``runs`` and every ``*.ipynb`` in ``out_dir``: a notebook no run produces is
    reported as :data:`ORPHAN`.
    """
    current = fingerprints(runs, package_dir)
    found = {run.name: notebook_reasons(Path(out_dir) / f"{run.name}.ipynb", current[run.name]) for run in runs}
    orphans = [path.stem for path in sorted(Path(out_dir).glob("*.ipynb")) if path.stem not in current]
    found.update({name: [ORPHAN] for name in orphans})
    return {name: reasons for name, reasons in found.items() if reasons}


def plan(runs: list, out_dir: Path, package_dir: Path = PACKAGE_DIR, force: bool = False, only=None) -> list:
    """The steps that bring ``out_dir`` up to date, in execution order.

    Parameters
    ----------
    runs : list of PageRun
        Every run of ``runs.yml``.
    force : bool
        Re-execute every run.
    only : collection of str, optional
        Re-execute these runs whatever their records say, and no others but the runs that read them.
    """
    current = {} if force or only is not None else fingerprints(runs, package_dir)
    steps = {}
    for run in execution_order(runs):
        if force:
            reasons = [FORCED]
        elif only is not None:
            reasons = [SELECTED] if run.name in only else []
        else:
            reasons = notebook_reasons(Path(out_dir) / f"{run.name}.ipynb", current[run.name])
        reasons += [f"depends on {name}" for name in run.reads if name in steps and not force]
        if reasons:
            steps[run.name] = Step(run, tuple(dict.fromkeys(reasons)))
    return list(steps.values())
