"""Regenerate the book: execute every notebook with papermill, then build the HTML with jupyter-book.

Usage::

    python -m pwcore.book [--only NAME ...] [--no-execute] [--no-html]

Each notebook is executed into a temporary file beside its destination and
moved into ``book/generated/`` only when it ran without error, so a failed or
interrupted run never leaves a half-written notebook behind.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import pages
from .regeneration import stamp_machine

ROOT = Path(__file__).resolve().parents[1]
# MathJax 3.2.2 (Apache-2.0) as a pip package, pinned in the `book` extra: the book serves it offline.
MATHJAX_PACKAGE = "django-static-mathjax"
SUMMARY_RUN = "regeneration"  # reads the others' timings, so it runs after any of them
OUTPUT_NAME = "output_name"  # the template parameter that receives the executed notebook's name


@dataclass(frozen=True)
class Run:
    """One executed notebook: a template and its parameters."""

    name: str
    template: Path
    parameters: dict
    validate: bool = True  # re-executed and compared by nbval in CI


def load_runs(path: Path) -> list:
    """The runs listed in ``notebooks/runs.yml``."""
    import yaml
    spec = yaml.safe_load(path.read_text()) or {}
    runs = []
    for name, entry in spec.items():
        template = path.parent / entry["template"]
        if not template.is_file():
            raise FileNotFoundError(f"{path}: run {name!r} names the template {template}, which does not exist")
        runs.append(Run(name, template, dict(entry.get("parameters") or {}), bool(entry.get("validate", True))))
    return runs


def parameter_names(notebook) -> set:
    """The names assigned in the cell tagged ``parameters`` of ``notebook`` (an nbformat notebook)."""
    cell = next((c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])), None)
    source = "" if cell is None else cell.source
    return {line.split("=")[0].strip() for line in source.splitlines() if "=" in line and not line.startswith("#")}


def execute(run: Run, out_dir: Path) -> Path:
    """Execute ``run`` with papermill into ``out_dir/<name>.ipynb``, atomically.

    A template whose parameters include ``output_name`` is given the run's name there (so it can name the
    files it writes beside the notebook: the notebook runs in ``out_dir``).

    Raises
    ------
    papermill.PapermillExecutionError
        If a cell fails; the previous notebook (if any) is left in place.
    """
    import jupytext
    import papermill

    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / f"{run.name}.ipynb"
    notebook = jupytext.read(run.template)
    parameters = dict(run.parameters)
    if OUTPUT_NAME in parameter_names(notebook):
        parameters[OUTPUT_NAME] = run.name
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=f".{run.name}.") as scratch:
        source, executed = Path(scratch) / "source.ipynb", Path(scratch) / "executed.ipynb"
        jupytext.write(notebook, source)
        papermill.execute_notebook(str(source), str(executed), parameters=parameters, cwd=str(out_dir),
                                   kernel_name="python3", progress_bar=False, log_output=False)
        stamp_machine(executed)
        os.replace(executed, final)
    return final


def mathjax_source() -> tuple:
    """MathJax's ``es5`` folder inside the pip package ``MATHJAX_PACKAGE``, and ``"<package> <version>"``.

    Raises
    ------
    RuntimeError
        If the package (from the ``book`` extra) is not installed, or holds no ``tex-chtml.js``.
    """
    from importlib import metadata
    try:
        distribution = metadata.distribution(MATHJAX_PACKAGE)
    except metadata.PackageNotFoundError:
        raise RuntimeError(f"the book serves MathJax from the pip package {MATHJAX_PACKAGE}, which is not "
                           f"installed: pip install -e '.[book]'") from None
    es5 = Path(distribution.locate_file("mathjax/static/mathjax/es5"))
    if not (es5 / "tex-chtml.js").is_file():
        raise RuntimeError(f"{MATHJAX_PACKAGE} {distribution.version} holds no {es5 / 'tex-chtml.js'}: "
                           f"reinstall it with pip install -e '.[book]'")
    return es5, f"{MATHJAX_PACKAGE} {distribution.version}"


def ensure_mathjax(vendor_dir: Path) -> Path:
    """A local copy of MathJax in ``vendor_dir/mathjax`` so the book renders math offline.

    The files come from the pip package ``MATHJAX_PACKAGE`` (no network, no npm): ``tex-chtml.js``, the
    CommonHTML fonts it loads, and MathJax's licence; ``SOURCE`` names the package and version they came
    from, and the copy is made again when that changes.
    """
    es5, source = mathjax_source()
    target = vendor_dir / "mathjax"
    stamp = target / "SOURCE"
    if (target / "tex-chtml.js").is_file() and stamp.is_file() and stamp.read_text().strip() == source:
        return target
    staging = vendor_dir / ".mathjax-partial"
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "output" / "chtml").mkdir(parents=True)
    shutil.copy2(es5 / "tex-chtml.js", staging / "tex-chtml.js")
    shutil.copytree(es5 / "output" / "chtml" / "fonts", staging / "output" / "chtml" / "fonts")
    shutil.copy2(es5.parent / "LICENSE", staging / "LICENSE")
    (staging / "SOURCE").write_text(source + "\n")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    return target


def build_html(root: Path) -> Path:
    """Run ``jupyter-book build`` with warnings as errors; return the HTML folder."""
    ensure_mathjax(root / "_vendor")
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(root), "--warningiserror",
               "--keep-going"]
    subprocess.run(command, check=True)
    return root / "_build" / "html"


def execute_all(runs, out_dir: Path) -> bool:
    """Execute ``runs`` in order with progress lines; on the first failure say which and return False."""
    import papermill
    started = time.perf_counter()
    for number, run in enumerate(runs, start=1):
        print(f"[{number}/{len(runs)}] executing {run.name} ({run.template.name}, {run.parameters})", flush=True)
        t0 = time.perf_counter()
        try:
            path = execute(run, out_dir)
        except papermill.PapermillExecutionError as error:
            print(f"run {run.name!r} failed in cell {error.exec_count}: {error.ename}: {error.evalue}\n"
                  f"the previous {run.name}.ipynb (if any) is left in place; fix the parameters in "
                  f"notebooks/runs.yml or the library and run again", file=sys.stderr, flush=True)
            return False
        print(f"        wrote {path} in {time.perf_counter() - t0:.1f} s", flush=True)
    print(f"executed {len(runs)} notebook(s) in {time.perf_counter() - started:.1f} s", flush=True)
    return True


def with_summary_last(selected: list, runs: list) -> list:
    """``selected`` with the regeneration summary (if ``runs`` has one) moved or added to the end."""
    summary = [run for run in runs if run.name == SUMMARY_RUN]
    return [run for run in selected if run.name != SUMMARY_RUN] + (summary if selected else [])


def _interrupt_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C, so temporary notebooks are removed on the way out."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="execute only these runs")
    parser.add_argument("--no-execute", action="store_true", help="build the HTML from the committed notebooks")
    parser.add_argument("--no-html", action="store_true", help="execute the notebooks only")
    parser.add_argument("--list-validated", action="store_true",
                        help="print the notebooks that CI re-validates with nbval, and exit")
    parser.add_argument("--runs", type=Path, default=ROOT / "notebooks" / "runs.yml", help="the parameter sets")
    parser.add_argument("--out", type=Path, default=ROOT / "book" / "generated", help="where executed notebooks go")
    args = parser.parse_args(argv)
    runs = load_runs(args.runs)
    if args.list_validated:
        print(" ".join(f"book/generated/{run.name}.ipynb" for run in runs if run.validate))
        return 0
    unknown = set(args.only or []) - {run.name for run in runs}
    if unknown:
        parser.error(f"unknown run(s) {sorted(unknown)}; known: {[run.name for run in runs]}")
    selected = with_summary_last([run for run in runs if not args.only or run.name in args.only], runs)
    _interrupt_on_sigterm()
    if not args.no_execute and not execute_all(selected, args.out):
        return 1
    pages.prepare(args.runs, args.out)  # each page's title, its parameters shown once (pwcore/pages.py)
    if not args.no_html:
        html = build_html(ROOT)
        print(f"the book is at {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
