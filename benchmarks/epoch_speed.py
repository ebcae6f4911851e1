"""Per-epoch time of GD and PW on each dataset at full size, against this machine's limits.

Prints, per dataset and dtype: seconds per epoch (median of repeats) for GD and
PW, the PW/GD ratio, the epoch's floor on this machine (the larger of bytes of
the input matrix read / measured read bandwidth and FLOPs / measured GEMM
throughput), and pwcore's fraction of that floor.

Usage::

    PWCORE_DATA_DIR=../shared/data python benchmarks/epoch_speed.py [--datasets cat mnist cifar10]
        [--dtypes float64 float32] [--repeats 5]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info

from pwcore.accounting import Tally
from pwcore.data import load_dataset
from pwcore.experiments import ExperimentConfig, build
from pwcore.optimizers import make_optimizer
from pwcore.provenance import cpu_model


def median_seconds(run, repeats: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def gemm_flops_per_second(dtype, n=2048, repeats=5) -> float:
    """Throughput of a large square matrix product in ``dtype``."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    return 2 * n**3 / median_seconds(lambda: a @ a, repeats)


def read_bytes_per_second(X: np.ndarray, repeats=5) -> float:
    """Read bandwidth over ``X`` (n_0, m): a matrix-vector product streams it once, on all BLAS threads."""
    v = np.ones(X.shape[1], X.dtype)
    return X.nbytes / median_seconds(lambda: X @ v, repeats)


def epoch_seconds(config, data, name, repeats) -> tuple:
    net, loss = build(config, data.n_features, data.n_classes)
    optimizer = make_optimizer(name, config.learning_rate, config.reading)
    cache, tally = net.new_cache(data.X_train), Tally(net.n_layers)
    run = lambda: optimizer.run_epoch(net, cache, data.y_train, loss, tally, lambda value, substep: False)
    seconds = median_seconds(run, repeats)
    return seconds, tally.flops / (repeats + 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["cat", "mnist", "cifar10"])
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    blas = [(i.get("internal_api"), i.get("version"), i.get("num_threads")) for i in threadpool_info()]
    print(f"CPU: {cpu_model()}; BLAS (api, version, threads): {blas}")
    header = (f"{'dataset':<8}{'dtype':<8}{'GD s/epoch':>11}{'PW s/epoch':>11}{'PW/GD':>7}"
              f"{'floor s':>9}{'GD/floor':>9}{'PW/floor':>9}{'GB/s':>7}{'GFLOP/s':>9}")
    print(header)
    for dtype in args.dtypes:
        gemm = gemm_flops_per_second(dtype)
        for name in args.datasets:
            data = load_dataset(name, dtype)
            config = ExperimentConfig.paper(name, dtype=dtype)
            bandwidth = read_bytes_per_second(data.X_train)
            gd, gd_flops = epoch_seconds(config, data, "gd", args.repeats)
            pw, pw_flops = epoch_seconds(config, data, "pw", args.repeats)
            # An epoch of either reads X twice: the forward product and the first layer's weight gradient.
            floor = max(2 * data.X_train.nbytes / bandwidth, gd_flops / gemm)
            print(f"{name:<8}{dtype:<8}{gd:>11.4f}{pw:>11.4f}{pw / gd:>7.2f}{floor:>9.4f}"
                  f"{gd / floor:>9.2f}{pw / floor:>9.2f}{bandwidth / 1e9:>7.1f}{gemm / 1e9:>9.1f}", flush=True)
            del data


if __name__ == "__main__":
    main()
