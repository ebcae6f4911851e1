"""The book's results store: where its pages keep what they compute, and what a page says about it.

A page computes its expensive results through :func:`page_store` (:class:`pwcore.store.Store` over
``results/`` at the checkout's root, committed with the notebooks; a reader's own run keeps its own):
re-executed after a change to its words, its tables or its figures, it reads them back instead of
computing them again. Long sweeps train
through :func:`resumable`, which keeps each finished stack in ``.stacks/`` (not committed), so that an
interrupted regeneration continues where it stopped. The provenance of a page lists the results it
used (:func:`store_table`): which were computed by this execution, which were read back and when,
and on what machine, they were computed.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..resume import Resumable
from ..store import Store, computing_seconds as _computing_seconds
from .paths import ROOT, STORE_VARIABLE

STORE_DIR = Path(os.environ.get(STORE_VARIABLE) or ROOT / "results")
STACKS_DIR = STORE_DIR.parent / ".stacks"


def page_store() -> Store:
    """The book's store; its progress lines are dropped (a page shows the same whether it read or computed)."""
    return Store(STORE_DIR, log=lambda line: None)


def resumable(inner=None) -> Resumable:
    """An executor that keeps each finished stack in :data:`STACKS_DIR` (:class:`pwcore.resume.Resumable`)."""
    return Resumable(STACKS_DIR, inner)


def store_table(store: Store) -> str:
    """What a page says of the stored results it used: a sentence, then a Markdown table of each result's
    function, key (shortened), how this execution had it, and when, on what machine and in how long it was
    computed (and when it was re-stamped, if it was)."""
    lines = ["The results this page used, from the results store (`results/`, by key):", "",
             "| result | key | how | computed | on | took |", "|---|---|---|---|---|---|"]
    for entry in store.used:
        made = entry.get("made", {})
        how, computed = entry["how"], made
        if made.get("how") == "re-stamped":
            stacks = " (its kept stacks read back)" if made.get("sample_stacks") else ""
            how += f"; re-stamped {made['when'][:10]} after a sample of {len(made['sample'])} agreed{stacks}"
            computed = made["computed"]
        lines.append(f"| `{entry['function'].rsplit('.', 1)[-1]}` | `{entry['key'][:8]}` | {how} "
                     f"| {computed.get('when', 'now')[:16].replace('T', ' ')} "
                     f"| {computed.get('machine', 'this machine')} | {_duration(computed.get('seconds'))} |")
    return "\n".join(lines)


def _duration(seconds) -> str:
    """``seconds`` as a reader takes it in: "38 s", "21.2 min"; "-" if unknown."""
    if seconds is None:
        return "-"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def computing_seconds(used: dict) -> float:
    """How long the result of one use of the store (an item of ``Store.used``) took to compute, when it was."""
    return _computing_seconds(used.get("made", {}))
