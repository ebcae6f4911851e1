"""Carrying out a plan (:mod:`pwcore.book.plan`): each step executed in order under one progress bar,
stopping at the first failure."""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .execution import execute
from .fingerprint import fingerprints
from .paths import PACKAGE_DIR
from .plan import reasons_text
from .progress import Progress, duration
from .timings import previous_seconds


def describe(steps: list, runs: list, out_dir: Path) -> str:
    """What ``steps`` re-execute and why, one line each, and the time it took last; or that nothing is to."""
    if not steps:
        return f"nothing to re-execute: all {len(runs)} notebooks match their sources"
    previous = previous_seconds(out_dir, [step.run.name for step in steps])
    width = max(len(step.run.name) for step in steps)
    lines = [f"{len(steps)} of {len(runs)} notebooks to re-execute "
             f"(by the last regeneration's timings: {_total(previous)}):"]
    for step in steps:
        last = previous[step.run.name]
        lines.append(f"  {step.run.name:<{width}}  {reasons_text(step.reasons)}"
                     f"  [last time {duration(last) if last is not None else 'never timed'}]")
    return "\n".join(lines)


def _total(previous: dict) -> str:
    known = [seconds for seconds in previous.values() if seconds is not None]
    untimed = len(previous) - len(known)
    return (f"about {duration(sum(known))}" if known else "time unknown") + \
        (f", + {untimed} never timed" if untimed and known else "")


def run_steps(steps: list, runs: list, out_dir: Path, package_dir: Path = PACKAGE_DIR, stream=None) -> bool:
    """Execute ``steps`` in order; on the first failure say which and return False.

    Each notebook records the fingerprint of its sources computed just before it starts, so an edit made
    while the regeneration runs shows up as a stale record, not as a false one.
    """
    import papermill
    names = [step.run.name for step in steps]
    started = time.perf_counter()
    with Progress(names, previous_seconds(out_dir, names), stream or sys.stdout) as progress:
        for step in steps:
            progress.start(step.run.name, reasons_text(step.reasons))
            t0 = time.perf_counter()
            try:
                path = execute(step.run, out_dir, fingerprints(runs, package_dir)[step.run.name])
            except papermill.PapermillExecutionError as error:
                print(f"run {step.run.name!r} failed in cell {error.exec_count}: {error.ename}: {error.evalue}\n"
                      f"the previous {step.run.name}.ipynb (if any) is left in place; fix the parameters in "
                      f"notebooks/runs.yml or the library and run again", file=sys.stderr, flush=True)
                return False
            progress.done(step.run.name, time.perf_counter() - t0, path)
    print(f"executed {len(steps)} notebook(s) in {duration(time.perf_counter() - started)}", flush=True)
    return True
