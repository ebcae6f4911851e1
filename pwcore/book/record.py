"""What an executed notebook records of how it was made: the machine, the git commit, the template and
the fingerprint of its sources (:mod:`pwcore.book.fingerprint`).

The record is written into the notebook's metadata under ``pwcore`` right after papermill executed it::

    {"machine": "...", "commit": "<sha>[+changes]", "template": "notebooks/experiment.md",
     "sources": {"template": ..., "parameters": ..., "pwcore": ..., "reads": {...}, "hash": ...}}

Notebooks executed before records existed hold only ``machine``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .fingerprint import Fingerprint
from .provenance import git_commit, machine_description

KEY = "pwcore"
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Record:
    """How one notebook was made; ``fingerprint`` is None when the notebook recorded none."""

    machine: str = NOT_RECORDED
    commit: str = NOT_RECORDED
    template: str = NOT_RECORDED
    fingerprint: Fingerprint | None = None


def stamp(path: Path, fingerprint: Fingerprint, template: str) -> None:
    """Record in the notebook at ``path`` the machine and commit executing it now, its template and fingerprint."""
    import nbformat
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata[KEY] = {"machine": machine_description(), "commit": git_commit(), "template": template,
                              "sources": fingerprint.as_dict()}
    nbformat.write(notebook, path)


def from_metadata(metadata: dict) -> Record:
    """The record in a notebook's ``metadata``; a malformed fingerprint counts as none."""
    entry = metadata.get(KEY, {})
    try:
        fingerprint = Fingerprint.from_dict(entry["sources"]) if "sources" in entry else None
    except ValueError:
        fingerprint = None
    return Record(entry.get("machine", NOT_RECORDED), entry.get("commit", NOT_RECORDED),
                  entry.get("template", NOT_RECORDED), fingerprint)


def read_record(path: Path) -> Record | None:
    """The record of the notebook at ``path``; None if there is no such notebook."""
    import nbformat
    if not Path(path).is_file():
        return None
    return from_metadata(nbformat.read(path, as_version=4).metadata)


def records_table(records: dict) -> str:
    """A Markdown table of ``{name: Record}``: each notebook's commit and source hash (both shortened)."""
    lines = ["| notebook | executed at commit | sources hash |", "|---|---|---|"]
    for name, record in records.items():
        commit = record.commit if record.commit in (NOT_RECORDED, "unknown") else \
            record.commit[:12] + ("+changes" if record.commit.endswith("+changes") else "")
        sources = record.fingerprint.hash[:12] if record.fingerprint else NOT_RECORDED
        lines.append(f"| {name} | `{commit}` | `{sources}` |")
    return "\n".join(lines)
