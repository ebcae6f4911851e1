"""Command line: verify or fetch the data, and run one experiment.

Examples
--------
    python -m pwcore data verify
    python -m pwcore run --dataset cat
    python -m pwcore run --dataset mnist --lr 0.05 --init glorot --seed 3 --target 3.2 --max-epochs 100
"""
from __future__ import annotations

import argparse
import json
import sys

from .data import DATASET_FILES, DataError, DataMissing, locate

# One of these is the CIFAR-10 test set (see pwcore.data.load_dataset).
_CIFAR_TEST_FILES = ("cifar10/test_batch.bin", "cifar10/test_batch_first1000.bin")
from .experiments import PAPER_RESULTS, ExperimentConfig, run_experiment


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except DataError as error:
        print(f"data error: {error}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pwcore", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(required=True, metavar="command")

    data = commands.add_parser("data", help="verify the data files, or download the missing ones")
    data.add_argument("action", choices=["verify", "fetch"],
                      help="verify: check every file present and its checksum; fetch: also download what is missing")
    data.add_argument("--dataset", choices=sorted(DATASET_FILES), action="append",
                      help="limit to this dataset (repeatable; default all)")
    data.set_defaults(handler=_data)

    run = commands.add_parser("run", help="train GD and PW from the same initial weights and report")
    defaults = ExperimentConfig()
    run.add_argument("--dataset", choices=sorted(PAPER_RESULTS), default="cat")
    run.add_argument("--optimizer", choices=["gd", "pw"], nargs="+", default=["gd", "pw"])
    run.add_argument("--lr", type=float, default=defaults.learning_rate, help="learning rate (default %(default)s)")
    run.add_argument("--init", choices=["course", "glorot"], default=defaults.init)
    run.add_argument("--stream", choices=["legacy", "generator"], default=defaults.stream)
    run.add_argument("--seed", type=int, default=defaults.seed)
    run.add_argument("--target", type=float, help="target loss (default: the paper's for the dataset)")
    run.add_argument("--stop-rule", choices=["epoch", "evaluation"], default=defaults.stop_rule)
    run.add_argument("--reading", choices=["prose", "printed"], default=defaults.reading,
                     help="reading of Algorithm 2 (default %(default)s)")
    run.add_argument("--dtype", choices=["float64", "float32"], default=defaults.dtype)
    run.add_argument("--max-epochs", type=int, help="default: 3000 for cat, 300 otherwise")
    run.add_argument("--loss-reading", choices=["sigmoid", "cosine"], default=defaults.loss_reading)
    run.add_argument("--s", type=float, default=defaults.s, help="AM-softmax scale")
    run.add_argument("--margin", type=float, default=defaults.margin, help="AM-softmax margin")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.add_argument("--json", metavar="FILE", help="also write the summary as JSON to FILE")
    run.set_defaults(handler=_run)
    return parser


def _data(args) -> int:
    failures = 0
    for dataset in args.dataset or sorted(DATASET_FILES):
        for relpath in DATASET_FILES[dataset]:
            try:
                path = locate(relpath, download=args.action == "fetch")
                print(f"ok       {relpath}  ({path})")
            except DataError as error:
                failures += 1
                print(f"FAILED   {relpath}: {error}")
        if dataset == "cifar10":
            failures += _cifar_test_status(args.action == "fetch")
    print(f"{failures} file(s) failed" if failures else "all files present and verified")
    return 1 if failures else 0


def _cifar_test_status(download: bool) -> int:
    found = 0
    for relpath in _CIFAR_TEST_FILES:
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
        print(f"ok       {_CIFAR_TEST_FILES[0]}  ({locate(_CIFAR_TEST_FILES[0])})")
        return 0
    except DataError as error:
        print(f"FAILED   {_CIFAR_TEST_FILES[0]}: {error}")
        return 1


def _run(args) -> int:
    overrides = {"learning_rate": args.lr, "init": args.init, "stream": args.stream, "seed": args.seed,
                 "stop_rule": args.stop_rule, "reading": args.reading, "dtype": args.dtype,
                 "loss_reading": args.loss_reading, "s": args.s, "margin": args.margin}
    if args.target is not None:
        overrides["target"] = args.target
    if args.max_epochs is not None:
        overrides["max_epochs"] = args.max_epochs
    config = ExperimentConfig.paper(args.dataset, **overrides)
    print(f"pwcore run: {json.dumps(config.as_dict())}", flush=True)
    result = run_experiment(config, optimizers=args.optimizer, progress=not args.no_progress)
    summary = _summary(result)
    _print_summary(summary)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(summary, out, indent=2)
    return 0


def _summary(result) -> dict:
    paper = PAPER_RESULTS[result.config.dataset]
    rows = {}
    for name, history in result.histories.items():
        row = history.summary()
        row["test_accuracy"] = result.test_accuracy.get(name)
        row["paper_epochs"] = paper[f"{name}_epochs"] if result.config.target == paper["target"] else None
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
