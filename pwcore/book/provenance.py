"""Where a result came from: code version, libraries, machine, data checksums, parameters."""
from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from ..hardware import blas, cpu_model
from .paths import ROOT

PACKAGES = ("pwcore", "numpy", "scipy", "h5py", "matplotlib", "papermill", "jupyter-book", "myst-nb")


def git_commit(folder: Path | None = None) -> str:
    """The commit of the checkout holding pwcore, with "+changes" if tracked files other than
    ``book/generated/`` differ from it; "unknown" outside git."""
    folder = folder or ROOT
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True,
                                check=True).stdout.strip()
        # The executed notebooks are this run's own output, so their changes do not count.
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":(exclude)book/generated"], cwd=folder, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+changes" if dirty else "")


def machine_description() -> str:
    """The CPU, its logical cores and the BLAS library, in one line."""
    return f"{cpu_model()}, {os.cpu_count()} logical cores; BLAS {blas()}"


def versions() -> dict:
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


def collect(parameters: dict, data_meta: dict | None = None, notebook: str = "") -> dict:
    """All provenance of one notebook run as ``{label: text}``."""
    rows = {"notebook": notebook, "parameters": ", ".join(f"{k}={v}" for k, v in parameters.items()),
            "git commit": git_commit(), "CPU": f"{cpu_model()} ({os.cpu_count()} logical cores)",
            "BLAS": blas()}
    rows.update({f"version of {k}": v for k, v in versions().items()})
    for relpath, known_hash in (data_meta or {}).get("files", {}).items():
        rows[f"data {relpath}"] = known_hash
    return rows


def markdown_table(rows: dict) -> str:
    """A two-column Markdown table of ``{label: text}``."""
    lines = ["| what | value |", "|---|---|"]
    lines += [f"| {label} | `{str(value).replace('|', '/')}` |" for label, value in rows.items()]
    return "\n".join(lines)


def block(parameters: dict, data_meta: dict | None = None, notebook: str = "") -> str:
    """The provenance of one notebook run as a Markdown table, for the end of every page."""
    return markdown_table(collect(parameters, data_meta, notebook))
