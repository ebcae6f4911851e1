"""Command line: verify or fetch the data, and run one experiment.

Examples
--------
    python -m pwcore data verify
    python -m pwcore run --dataset cat
    python -m pwcore run --dataset mnist --lr 0.05 --init glorot --seed 3 --target 3.2 --max-epochs 100
    python -m pwcore run --dataset mnist --seed 1 2 3 4 5 --lr 0.01 0.02 --max-epochs 20   # a batched sweep

Stopped by Ctrl-C (SIGINT) or SIGTERM, a command prints on standard error what
it has trained so far and exits with status 130. A path a command would write
(``--json``) is checked when the arguments are read, before any work starts.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
from collections import Counter
from dataclasses import replace
from pathlib import Path

from .data import DATASETS, SCALINGS, DataError, DataMissing, locate
from .dtypes import DTYPES
from .experiments import AM_INPUTS, PAPER_RESULTS, ExperimentConfig, config_run, load_data, run_experiment
from .executors import resolve
from .optimizers import ALGORITHM2_READINGS, NAMES, make_optimizer
from .training import STOP_RULES, train_runs

SWEPT = {"seed": "seed", "lr": "learning_rate", "init": "init", "s": "s", "margin": "margin"}  # flag -> config field
INTERRUPTED = 130  # the shell's status for a command ended by SIGINT (128 + 2)


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped a command; ``lines`` say what it had done by then."""

    def __init__(self, lines):
        super().__init__()
        self.lines = list(lines)


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)  # output paths are checked here (see writable_file)
    try:
        with _signals_handled_by(_raise_interrupt, signal.SIGTERM):  # SIGTERM stops a run as Ctrl-C does
            return args.handler(args)
    except KeyboardInterrupt as stop:
        return _report_interrupt(getattr(stop, "lines", []))
    except DataError as error:
        print(f"data error: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _report_interrupt(lines) -> int:
    """Print ``lines`` (what ran before the interrupt) on standard error; the exit status 130.

    A further Ctrl-C or SIGTERM is ignored while this prints, so the report is not cut short.
    """
    with _signals_handled_by(signal.SIG_IGN, signal.SIGINT, signal.SIGTERM):
        what = "; what had run by then (epochs completed, latest loss evaluated):" if lines else ""
        print(f"\ninterrupted: stopped before the end{what}", file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)
        sys.stderr.flush()
    return INTERRUPTED


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_handled_by(handler, *signums):
    """While the block runs, ``handler`` handles the signals ``signums``; the previous handlers after it.

    Only the main thread can set handlers (Python runs them there); called from another thread this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, handler) for signum in signums}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def writable_file(value: str) -> str:
    """An argparse ``type`` for a file the command will write: ``value``, once a file can be written there.

    Checked when the arguments are read, so that a bad path fails before any
    work rather than after a finished run. Leaves nothing behind.

    Raises
    ------
    argparse.ArgumentTypeError
        Naming the path, what is wrong with it and how to fix it (argparse exits with status 2).
    """
    problem = unwritable(Path(value))
    if problem:
        raise argparse.ArgumentTypeError(f"cannot write {value}: {problem}")
    return value


def unwritable(path: Path) -> str | None:
    """Why no file can be written at ``path``, with the fix; None when one can.

    Writability is tried with an anonymous temporary file in the folder, which
    vanishes when closed (so root, whom permissions do not stop, is not refused
    where it could write).
    """
    if path.is_dir():
        return f"it is a folder; give a file name inside it, e.g. {path / 'summary.json'}"
    folder = path.parent
    if not folder.is_dir():
        existing = next(p for p in [folder, *folder.parents] if p.exists() or p == p.parent)  # ends at "/" or "."
        if existing.exists() and not existing.is_dir():
            return f"{existing} is a file, not a folder; choose a path inside a folder"
        return f"its folder {folder} does not exist; create it (mkdir -p {folder}) or choose another path"
    if path.exists() and not os.access(path, os.W_OK):
        return f"the file exists and is read-only; make it writable (chmod u+w {path}) or choose another path"
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        return f"its folder {folder} is not writable ({error.strerror}); choose a writable folder or change its permissions"
    return None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pwcore", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(required=True, metavar="command")

    data = commands.add_parser("data", help="verify the data files, or download the missing ones")
    data.add_argument("action", choices=["verify", "fetch"],
                      help="verify: check every file present and its checksum; fetch: also download what is missing")
    data.add_argument("--dataset", choices=sorted(DATASETS), action="append",
                      help="limit to this dataset (repeatable; default all)")
    data.set_defaults(handler=_data)

    run = commands.add_parser("run", help="train GD and PW from the same initial weights and report; "
                                           "several values of --seed, --lr, --init, --s, --margin run their product, batched")
    defaults = ExperimentConfig()
    run.add_argument("--dataset", choices=sorted(PAPER_RESULTS), default="cat")
    run.add_argument("--optimizer", choices=NAMES, nargs="+", default=["gd", "pw"],
                     help="optimizers, each from the same initial weights: the paper's two, and heavy-ball momentum "
                          "and Adam in GD and PW form (default: gd pw)")
    run.add_argument("--lr", type=float, nargs="+", default=[defaults.learning_rate],
                     help="learning rate(s) (default %(default)s)")
    run.add_argument("--init", choices=["course", "glorot"], nargs="+", default=[defaults.init])
    run.add_argument("--stream", choices=["legacy", "generator"], default=defaults.stream)
    run.add_argument("--seed", type=int, nargs="+", default=[defaults.seed])
    run.add_argument("--target", type=float, help="target loss (default: the paper's for the dataset)")
    run.add_argument("--stop-rule", choices=STOP_RULES, default=defaults.stop_rule)
    run.add_argument("--algorithm2", "--reading", dest="algorithm2", choices=ALGORITHM2_READINGS,
                     default=defaults.algorithm2, help="reading of Algorithm 2 (default %(default)s)")
    run.add_argument("--dtype", choices=DTYPES, default=defaults.dtype)
    run.add_argument("--max-epochs", type=int, help="default: 3000 for cat, 300 otherwise")
    run.add_argument("--am-input", "--loss-reading", dest="am_input", choices=AM_INPUTS, default=defaults.am_input,
                     help="what AM-softmax is applied to: sigmoid outputs or cosine logits (default %(default)s)")
    run.add_argument("--scaling", choices=SCALINGS, default=defaults.scaling,
                     help="input scaling: pixels / 255, or each feature standardized over the training set")
    run.add_argument("--s", type=float, nargs="+", default=[defaults.s], help="AM-softmax scale(s)")
    run.add_argument("--margin", type=float, nargs="+", default=[defaults.margin], help="AM-softmax margin(s)")
    run.add_argument("--hidden", type=int, nargs="+", metavar="WIDTH", default=list(defaults.hidden),
                     help="hidden layer widths (default %(default)s: the paper's four layers)")
    run.add_argument("--minibatch", type=int, metavar="B",
                     help="B samples per mini-batch, each running the optimizer's whole schedule "
                          "(default: the full batch, as the paper)")
    run.add_argument("--runs-per-stack", "--batch-size", dest="runs_per_stack", type=int, metavar="N",
                     help="at most N runs per stack (1: one at a time); default: as many as fit in memory "
                          "(--batch-size: its old name)")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.add_argument("--json", metavar="FILE", type=writable_file,
                     help="also write the summary (every run) as JSON to FILE (checked before the runs start)")
    run.set_defaults(handler=_run)
    return parser


def _data(args) -> int:
    failures = 0
    for dataset in args.dataset or sorted(DATASETS):
        for relpath in DATASETS[dataset].files:
            try:
                path = locate(relpath, download=args.action == "fetch")
                print(f"ok       {relpath}  ({path})")
            except DataError as error:
                failures += 1
                print(f"FAILED   {relpath}: {error}")
        if DATASETS[dataset].test_files:
            failures += _test_file_status(DATASETS[dataset].test_files, args.action == "fetch")
    print(f"{failures} file(s) failed" if failures else "all files present and verified")
    return 1 if failures else 0


def _test_file_status(test_files: tuple, download: bool) -> int:
    """One of ``test_files`` must be present (the first is downloaded when none is and ``download``)."""
    found = 0
    for relpath in test_files:
        try:
            print(f"ok       {relpath}  ({locate(relpath, download=False)})")
            found += 1
        except DataMissing:
            print(f"absent   {relpath}")
        except DataError as error:
            print(f"FAILED   {relpath}: {error}")
            return 1
    if found or not download:
        return 0 if found else 1
    try:
        print(f"ok       {test_files[0]}  ({locate(test_files[0])})")
        return 0
    except DataError as error:
        print(f"FAILED   {test_files[0]}: {error}")
        return 1


def _run(args) -> int:
    overrides = {"stream": args.stream, "stop_rule": args.stop_rule, "algorithm2": args.algorithm2,
                 "dtype": args.dtype, "am_input": args.am_input, "scaling": args.scaling,
                 "hidden": tuple(args.hidden), "minibatch": args.minibatch}
    if args.target is not None:
        overrides["target"] = args.target
    if args.max_epochs is not None:
        overrides["max_epochs"] = args.max_epochs
    swept = {field: getattr(args, flag) for flag, field in SWEPT.items()}
    base = ExperimentConfig.paper(args.dataset, **overrides, **{field: values[0] for field, values in swept.items()})
    configs = [replace(base, **dict(zip(swept, values))) for values in itertools.product(*swept.values())]
    so_far = SoFar({make_optimizer(name, base.learning_rate, base.algorithm2).name: len(configs)
                    for name in args.optimizer})
    try:
        if len(configs) == 1 and args.runs_per_stack is None:
            return _run_one(base, args, so_far)
        return _run_sweep(configs, args, so_far)
    except KeyboardInterrupt:
        raise Interrupted(so_far.lines()) from None


class SoFar:
    """The latest :class:`~pwcore.history.Progress` of every run: a ``report`` callback, read if interrupted.

    Parameters
    ----------
    planned : dict
        ``{optimizer name (as its runs report it): number of runs}``, in the order they train.
    """

    def __init__(self, planned: dict):
        self.planned, self.latest = dict(planned), {}
        self.cluster = None  # the scheduler's address when the runs train on a Dask cluster (no progress comes back)

    def __call__(self, progress) -> None:
        self.latest[progress.optimizer, progress.index] = progress

    def lines(self) -> list:
        """One line per planned optimizer: its runs' epochs completed, latest loss and status."""
        if self.cluster:
            return [f"{name}: {count} run(s) sent to the Dask cluster at {self.cluster}, which reports no progress "
                    f"(its tasks may still be running)" for name, count in self.planned.items()]
        return [_optimizer_so_far(name, count, [p for (o, _), p in self.latest.items() if o == name])
                for name, count in self.planned.items()]


def _optimizer_so_far(name: str, planned: int, reports: list) -> str:
    """What the ``planned`` runs of optimizer ``name`` had done, from their latest ``reports``."""
    if planned == 1:
        if not reports:
            return f"{name}: not started"
        p = reports[0]
        how = "interrupted" if p.status is None else f"ended ({p.status})"
        return (f"{name}: {how} after {p.epochs_completed} epochs, last loss {p.last_loss:.6g}, "
                f"updates per layer {list(p.updates_per_layer)}")
    going = [p for p in reports if p.status is None]
    parts = [f"{n} ended ({status})" for status, n in Counter(p.status for p in reports if p.status).items()]
    if going:
        parts.append(f"{len(going)} interrupted after {_span([p.epochs_completed for p in going], 'd')} epochs "
                     f"(last loss {_span([p.last_loss for p in going], '.6g')})")
    if planned > len(reports):
        parts.append(f"{planned - len(reports)} not started")
    return f"{name}: {planned} runs: " + ", ".join(parts)


def _span(values: list, spec: str) -> str:
    """``values`` as "low to high" (or the one value), each formatted with ``spec``."""
    low, high = min(values), max(values)
    return format(low, spec) if low == high else f"{low:{spec}} to {high:{spec}}"


def _run_one(config: ExperimentConfig, args, so_far: SoFar) -> int:
    print(f"pwcore run: {json.dumps(config.as_dict())}", flush=True)
    result = run_experiment(config, optimizers=args.optimizer, progress=not args.no_progress, report=so_far)
    summary = _summary(result)
    _print_summary(summary)
    _write_json(args.json, summary)
    return 0


def _run_sweep(configs: list, args, so_far: SoFar) -> int:
    """Every config x optimizer, batched (runs of one optimizer share stacks), one row per run."""
    from .metrics import accuracy
    base = configs[0]
    varied = [field for field in SWEPT.values() if len({getattr(c, field) for c in configs}) > 1]
    print(f"pwcore run: {len(configs)} settings x {len(args.optimizer)} optimizer(s), varying {varied or 'nothing'}; "
          f"base {json.dumps(base.as_dict())}", flush=True)
    data = load_data(base)
    pairs = [(name, config) for name in args.optimizer for config in configs]
    runs = [config_run(config, data, name) for name, config in pairs]
    executor = resolve(None)  # here, or the cluster of PWCORE_DASK_SCHEDULER
    if not executor.local:
        so_far.cluster = executor.client.scheduler.address
        print(f"training the stacks on the Dask cluster at {so_far.cluster} "
              f"(no progress bars; Ctrl-C stops this process, not the cluster's tasks)", flush=True)
    histories = train_runs(runs, data.X_train, data.y_train, args.runs_per_stack,
                           progress=not args.no_progress and executor.local,
                           log=lambda line: print(line, flush=True), report=so_far if executor.local else None,
                           executor=executor)
    rows = []
    for (name, config), run, history in zip(pairs, runs, histories):
        row = {field: getattr(config, field) for field in SWEPT.values()}
        row.update(history.summary())
        row["optimizer"] = name
        row["test_accuracy"] = None if history.diverged else accuracy(run.net, data.X_test, data.y_test)
        rows.append(row)
    _print_sweep(rows, varied or ["seed"])
    _write_json(args.json, {"base": base.as_dict(), "varied": varied, "runs_per_stack": args.runs_per_stack, "runs": rows,
                            "data": data.meta})
    return 0


def _print_sweep(rows: list, varied: list) -> None:
    print("".join(f"{field:>14}" for field in varied) + f"  {'optimizer':<10}{'status':<12}{'epochs':>8}"
          f"{'final loss':>20}{'seconds':>9}{'test acc':>10}")
    for row in rows:
        test = "" if row["test_accuracy"] is None else f"{row['test_accuracy']:.3f}"
        print("".join(f"{row[field]!s:>14}" for field in varied) + f"  {row['optimizer']:<10}{row['status']:<12}"
              f"{row['epochs_completed']:>8}{row['final_loss']:>20.15g}{row['seconds']:>9.2f}{test:>10}")
    for name in dict.fromkeys(row["optimizer"] for row in rows):
        mine = [row for row in rows if row["optimizer"] == name]
        reached = [row["epochs_completed"] for row in mine if row["status"] == "target"]
        median = f", median {statistics.median(reached):g} epochs" if reached else ""
        print(f"{name}: {len(reached)} of {len(mine)} runs reached the target{median}; "
              f"{sum(row['status'] == 'diverged' for row in mine)} diverged")
    print("epochs = epochs completed when the loss was first seen below the target; seconds = each run's "
          "share of its stack's time")


def _write_json(path, summary: dict) -> None:
    if path:
        with open(path, "w") as out:
            json.dump(summary, out, indent=2)


def _summary(result) -> dict:
    paper, config = PAPER_RESULTS[result.config.dataset], result.config
    as_paper = config.target == paper["target"] and config.minibatch is None and config.hidden == ExperimentConfig().hidden
    rows = {}
    for name, history in result.histories.items():
        row = history.summary()
        row["test_accuracy"] = result.test_accuracy.get(name)
        row["paper_epochs"] = paper.get(f"{name}_epochs") if as_paper else None  # the paper ran GD and PW only
        row["paper_seconds"] = paper[f"{name}_seconds"] if row["paper_epochs"] is not None else None
        rows[name] = row
    return {"config": result.config.as_dict(), "initial_loss": result.initial_loss, "runs": rows,
            "data": result.data_meta}


def _print_summary(summary: dict) -> None:
    print(f"initial loss {summary['initial_loss']:.6f}")
    header = f"{'optimizer':<10}{'status':<12}{'epochs':>8}{'(paper)':>9}{'seconds':>9}{'(paper)':>9}" \
             f"{'final loss':>12}{'test acc':>10}  updates per layer (input first)"
    print(header)
    for name, row in summary["runs"].items():
        paper_epochs = "" if row["paper_epochs"] is None else row["paper_epochs"]
        paper_seconds = "" if row["paper_seconds"] is None else row["paper_seconds"]
        test = "" if row["test_accuracy"] is None else f"{row['test_accuracy']:.3f}"
        print(f"{name:<10}{row['status']:<12}{row['epochs_completed']:>8}{paper_epochs:>9}{row['seconds']:>9.2f}"
              f"{paper_seconds:>9}{row['final_loss']:>12.6f}{test:>10}  {row['updates_per_layer']}")
    for name, row in summary["runs"].items():
        print(f"{name}: {row['message']}")
    print("epochs = epochs completed when the loss was first seen below the target")
