"""Regenerate the book: execute the notebooks whose sources changed with papermill, then build the HTML.

Usage::

    python -m pwcore.book [--only NAME ...] [--force] [--dry-run] [--no-execute] [--no-html]
    python -m pwcore.book run TEMPLATE [-p NAME=VALUE ...] [-o OUT.ipynb] [--list]   (pwcore.book.rerun)

Without options it re-executes only the notebooks of ``notebooks/runs.yml`` whose recorded fingerprint
(template, parameters, the pwcore modules they import, what they read) no longer matches the sources, and the
notebooks that read them, saying which and why; then it builds the HTML.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from .audit import audited
from .execution import check_kernel_source
from .html import build_html
from .pages import prepare
from .paths import GENERATED_DIR, PACKAGE_DIR, ROOT, RUNS_FILE, STORE_VARIABLE
from .plan import plan
from .provenance import git_commit
from .regenerate import describe, run_steps
from .runs import load_runs


def _interrupt_on_sigterm() -> None:
    """Make SIGTERM unwind like Ctrl-C, so temporary notebooks are removed on the way out."""
    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, handler)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="To execute one template with your own parameters, into a notebook of "
                                            "your own: python -m pwcore.book run --help")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="re-execute these runs (and the runs that read them), whatever their records say")
    parser.add_argument("--force", action="store_true", help="re-execute every run")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would be re-executed and why, and exit")
    parser.add_argument("--no-execute", action="store_true", help="build the HTML from the committed notebooks")
    parser.add_argument("--no-html", action="store_true", help="execute the notebooks only")
    parser.add_argument("--list-validated", action="store_true",
                        help="print the notebooks that CI re-validates with nbval, and exit")
    parser.add_argument("--list-audited", action="store_true",
                        help="print the notebooks CI re-executes from scratch: the validated ones and one cheap full "
                             "page that reads the results store, picked by the commit (pwcore.book.audit), and exit")
    parser.add_argument("--runs", type=Path, default=RUNS_FILE, help="the parameter sets")
    parser.add_argument("--out", type=Path, default=GENERATED_DIR, help="where executed notebooks go")
    return parser


def main(argv=None, package_dir: Path = PACKAGE_DIR) -> int:
    """The command line; ``package_dir`` is the source whose hash the records hold (tests point it elsewhere)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["run"]:
        from .rerun import main as rerun
        return rerun(argv[1:])
    os.environ.pop(STORE_VARIABLE, None)  # the book's pages keep their results in the book's store
    arguments = parser()
    args = arguments.parse_args(argv)
    runs = load_runs(args.runs)
    if args.list_validated:
        print(" ".join(f"book/generated/{run.name}.ipynb" for run in runs if run.validate))
        return 0
    if args.list_audited:
        commit = git_commit().removesuffix("+changes")
        names = audited(runs, args.out, commit if commit != "unknown" else "0")
        print(" ".join(f"book/generated/{name}.ipynb" for name in names))
        return 0
    unknown = set(args.only or []) - {run.name for run in runs}
    if unknown:
        arguments.error(f"unknown run(s) {sorted(unknown)}; known: {[run.name for run in runs]}")
    if args.force and args.only:
        arguments.error("--force re-executes every run: leave out --only, or --force")
    if not args.no_execute or args.dry_run:
        steps = plan(runs, args.out, package_dir, force=args.force, only=args.only)
        print(describe(steps, runs, args.out), flush=True)
        if args.dry_run:
            return 0
        _interrupt_on_sigterm()
        if steps and package_dir == PACKAGE_DIR:
            try:
                check_kernel_source(package_dir, args.out)
            except RuntimeError as error:
                print(error, file=sys.stderr)
                return 2
        if steps and not run_steps(steps, runs, args.out, package_dir):
            return 1
    prepare(args.runs, args.out)  # each page's title, its parameters shown once (pages.py)
    if not args.no_html:
        html = build_html(ROOT)
        print(f"the book is at {html / 'index.html'}")
    return 0
