"""Wall time of one sweep trained here and on a local Dask cluster, and whether the numbers agree.

The sweep: GD and PW of the paper's experiment on ``--dataset`` for seeds 1 ... ``--seeds``, each for
``--epochs`` epochs (no target, so every run does the same work), in stacks of ``--runs-per-stack`` runs.
It is trained three ways, in turns, ``--repeats`` times:

* here (:class:`pwcore.executors.Here`): the stacks one after another, BLAS on every core;
* on a ``LocalCluster`` of ``--workers`` worker processes with one thread each, the stacks spread over
  them. Dask starts each worker's BLAS on one thread (whatever the environment passed to the cluster
  says), which the benchmark reads from the workers (threadpoolctl) and prints.

Prints the median wall seconds of each, the ratio to here, and whether every run's losses are the same
bit for bit as here. This machine has 2 cores: a cluster of processes can only gain what BLAS threads
leave idle here, and pays for sending the data and the networks.

Usage::

    PWCORE_DATA_DIR=../shared/data python benchmarks/executor_speed.py [--dataset mnist] [--seeds 8]
        [--epochs 20] [--runs-per-stack 4] [--workers 2] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import replace

import numpy as np

from pwcore.executors import Here
from pwcore.experiments import ExperimentConfig, config_run, load_data
from pwcore.training import train_runs


def sweep(config: ExperimentConfig, data, seeds: int, runs_per_stack: int, executor) -> tuple:
    """Wall seconds of training the sweep on ``executor``, and each run's losses."""
    runs = [config_run(replace(config, seed=seed), data, name) for name in ("gd", "pw") for seed in range(1, seeds + 1)]
    started = time.perf_counter()
    histories = train_runs(runs, data.X_train, data.y_train, runs_per_stack, executor=executor)
    return time.perf_counter() - started, [history.eval_loss for history in histories]


def _blas_threads() -> int:
    from threadpoolctl import threadpool_info
    return max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="mnist", choices=("cat", "mnist", "cifar10"))
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--runs-per-stack", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    # no target (paper() would keep its own for None): every run trains all its epochs
    config = replace(ExperimentConfig.paper(args.dataset, max_epochs=args.epochs), target=None)
    data = load_data(config)
    print(f"{args.dataset}: {2 * args.seeds} runs of {args.epochs} epochs in stacks of {args.runs_per_stack}, "
          f"{args.repeats} repeats, {args.workers} workers")
    label = f"local cluster, {args.workers} workers"
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        print(f"{label}: BLAS threads on the workers {sorted(client.run(_blas_threads).values())}")
        executors = {"here": Here(), label: client}
        seconds, losses = {name: [] for name in executors}, {}
        for _ in range(args.repeats):
            for name, executor in executors.items():
                elapsed, losses[name] = sweep(config, data, args.seeds, args.runs_per_stack, executor)
                seconds[name].append(elapsed)
    here = statistics.median(seconds["here"])
    print(f"{'executor':40s} {'median s':>9s} {'/ here':>7s}  same losses as here")
    for label, values in seconds.items():
        same = all(np.array_equal(a, b, equal_nan=True) for a, b in zip(losses[label], losses["here"]))
        print(f"{label:40s} {statistics.median(values):9.2f} {statistics.median(values) / here:7.2f}  "
              f"{'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
