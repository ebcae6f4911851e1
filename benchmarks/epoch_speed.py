"""Per-epoch time of GD and PW on each dataset at full size, against this machine's limits and PyTorch.

Prints, per dataset and dtype: seconds per epoch (median of repeats) for GD and
PW, the PW/GD ratio, the epoch's floor on this machine (the larger of bytes of
the input matrix read / measured read bandwidth and FLOPs / measured GEMM
throughput, both measured in this run), pwcore's multiple of that floor, the
multiple that the epoch's two products with the whole input take alone, the
same epochs in PyTorch on the CPU (same network, full batch, dtype and initial
weights; `pip install -e '.[bench]'`), the ratio pwcore/PyTorch, PyTorch's own
multiple of the floor and PW/GD ratio, and the largest relative difference
between the two libraries' losses after a few epochs of each optimizer.

Usage::

    PWCORE_DATA_DIR=../shared/data python benchmarks/epoch_speed.py [--datasets cat mnist cifar10]
        [--dtypes float64 float32] [--repeats 5] [--check-epochs 3]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info

from pwcore.data import load_dataset
from pwcore.experiments import ExperimentConfig, config_run
from pwcore.network import weight_gradient
from pwcore.optimizers import run_epoch
from pwcore.book.provenance import cpu_model
from pwcore.stack import Stack

try:
    import torch
    from torch_reference import TorchNetwork
except ImportError:
    torch = None

OPTIMIZERS = ("gd", "pw")


def median_seconds(*runs, repeats: int) -> list:
    """Median wall time of each of ``runs`` after one warm-up call each.

    The runs take turns, so a change in the machine's load during the measurement
    reaches all of them alike (what the ratios between them need).
    """
    times = [[] for _ in runs]
    for _ in range(repeats + 1):
        for run, kept in zip(runs, times):
            start = time.perf_counter()
            run()
            kept.append(time.perf_counter() - start)
    return [statistics.median(kept[1:]) for kept in times]


def gemm_flops_per_second(dtype, n=2048, repeats=5) -> float:
    """Throughput of a large square matrix product in ``dtype``."""
    a = np.random.default_rng(0).standard_normal((n, n)).astype(dtype)
    return 2 * n**3 / median_seconds(lambda: a @ a, repeats=repeats)[0]


def thin_products_seconds(run, repeats=5) -> float:
    """The epoch's two products with the whole input alone, computed as pwcore computes them.

    ``W1 X`` (the first layer of all the runs of ``run``'s stack as one product) and the
    first layer's weight gradient, on the column parts of the run's
    :class:`pwcore.batch.Batch`, through its own :meth:`~pwcore.batch.Batch.map_parts`.
    """
    W1, rng = run.net.W[1], np.random.default_rng(0)
    W1_flat = W1.reshape(-1, W1.shape[2])
    dZ1 = {part: rng.standard_normal(W1.shape[:2] + (part.cache.A[0].shape[1],)).astype(W1.dtype)
           for part in run.batch.parts}
    return sum(median_seconds(lambda: run.batch.map_parts(lambda part: W1_flat @ part.cache.A[0]),
                              lambda: run.batch.map_parts(lambda part: weight_gradient(dZ1[part], part.cache.A[0])),
                              repeats=repeats))


def read_bytes_per_second(X: np.ndarray, repeats=5) -> float:
    """Read bandwidth over ``X`` (n_0, m): a matrix-vector product streams it once, on all BLAS threads."""
    v = np.ones(X.shape[1], X.dtype)
    return X.nbytes / median_seconds(lambda: X @ v, repeats=repeats)[0]


def machine_line() -> str:
    """The CPU and the BLAS libraries NumPy uses, with their thread counts."""
    blas = [(i.get("internal_api"), i.get("version"), i.get("num_threads")) for i in threadpool_info()]
    return f"CPU: {cpu_model()}; BLAS (api, version, threads): {blas}"


def torch_line() -> str:
    if torch is None:
        return "PyTorch is not installed (pip install -e '.[bench]'): its columns are left out"
    return f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads"


def fresh_stack(config, data, optimizer: str) -> Stack:
    """Fresh runs of ``optimizer`` from the initial networks of ``config`` (one, or a list: one per run), as one
    pwcore :class:`~pwcore.stack.Stack` (its ``net``, ``loss`` and ``rates`` are also what the peers copy)."""
    configs = [config] if isinstance(config, ExperimentConfig) else list(config)
    return Stack([config_run(c, data, optimizer) for c in configs], data.X_train, data.y_train)


class PwcoreRun:
    """One optimizer training fresh copies of the initial networks of ``config`` as one stack, epoch by epoch."""

    def __init__(self, config, data, optimizer):
        self.stack = fresh_stack(config, data, optimizer)
        self.net, self.batch, self.optimizer = self.stack.net, self.stack.batch, self.stack.runs[0].optimizer

    @property
    def tally(self):
        """FLOPs and updates so far, per run."""
        return self.batch.tally

    def epoch(self) -> None:
        run_epoch(self.stack, self.optimizer, lambda losses, substep: True)

    def current_losses(self) -> np.ndarray:
        return self.batch.losses(self.net, self.stack.loss)


class PeerRun:
    """The same, in a peer library: ``model_class`` (TorchNetwork, JaxNetwork) built from pwcore's initial stack."""

    model_class = None

    def __init__(self, config, data, optimizer):
        stack = fresh_stack(config, data, optimizer)
        self.model = self.model_class(stack.net, stack.loss, data.X_train, data.y_train)
        self.optimizer, self.rates = optimizer, stack.rates

    def epoch(self) -> None:
        self.model.epoch(self.optimizer, self.rates)

    def current_losses(self) -> np.ndarray:
        return self.model.current_losses()


class TorchRun(PeerRun):
    """The same, in PyTorch."""

    model_class = TorchNetwork if torch is not None else None


def loss_after(run, epochs: int) -> np.ndarray:
    """Each run's loss after ``epochs`` epochs, shape (R,)."""
    for _ in range(epochs):
        run.epoch()
    return np.asarray(run.current_losses(), dtype=float)


def relative_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    """The largest relative difference between two libraries' losses of the same runs."""
    return float(np.max(np.abs(ours - theirs) / np.abs(theirs)))


def measure(name: str, dtype: str, gemm: float, args) -> dict:
    """Every figure of one row of the table."""
    data = load_dataset(name, dtype)
    config = ExperimentConfig.paper(name, dtype=dtype)
    row = {"bandwidth": read_bytes_per_second(data.X_train), "gemm": gemm}
    runs = {optimizer: PwcoreRun(config, data, optimizer) for optimizer in OPTIMIZERS}
    row.update(zip(OPTIMIZERS, median_seconds(*(run.epoch for run in runs.values()), repeats=args.repeats)))
    if torch is not None:
        # Not in turns with pwcore's: PyTorch's OpenMP threads keep spinning after each of its epochs
        # (measured: a MNIST float32 GD epoch of pwcore's 8 % slower right after one of PyTorch's).
        torch_runs = [TorchRun(config, data, optimizer).epoch for optimizer in OPTIMIZERS]
        row.update(zip([f"torch {o}" for o in OPTIMIZERS], median_seconds(*torch_runs, repeats=args.repeats)))
    for optimizer in OPTIMIZERS:
        row[f"{optimizer} flops"] = runs[optimizer].tally.flops / (args.repeats + 1)
        if torch is not None:
            ours = loss_after(PwcoreRun(config, data, optimizer), args.check_epochs)
            theirs = loss_after(TorchRun(config, data, optimizer), args.check_epochs)
            row[f"{optimizer} loss diff"] = relative_difference(ours, theirs)
    # An epoch of either reads X twice: the forward product and the first layer's weight gradient.
    row["floor"] = max(2 * data.X_train.nbytes / row["bandwidth"], row["gd flops"] / gemm)
    row["products"] = thin_products_seconds(runs["gd"], args.repeats)
    return row


def format_row(name: str, dtype: str, row: dict) -> str:
    gd, pw, floor = row["gd"], row["pw"], row["floor"]
    text = (f"{name:<8}{dtype:<8}{gd:>8.4f}{pw:>8.4f}{pw / gd:>7.2f}{floor:>8.4f}{gd / floor:>6.2f}{pw / floor:>6.2f}"
            f"{row['products'] / floor:>8.2f}{row['bandwidth'] / 1e9:>6.1f}{row['gemm'] / 1e9:>8.1f}")
    if "torch gd" in row:
        tgd, tpw = row["torch gd"], row["torch pw"]
        text += (f"{tgd:>9.4f}{tpw:>9.4f}{gd / tgd:>7.2f}{pw / tpw:>7.2f}{tgd / floor:>7.2f}{tpw / tgd:>7.2f}"
                 f"{max(row['gd loss diff'], row['pw loss diff']):>10.1e}")
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["cat", "mnist", "cifar10"])
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--check-epochs", type=int, default=3, help="epochs before comparing pwcore's and PyTorch's losses")
    args = parser.parse_args()
    print(machine_line())
    print(torch_line())
    print("seconds per epoch (median; GD's and PW's epochs take turns); floor = max(2 x input bytes / read bandwidth, FLOPs / GEMM throughput)")
    print("prod/fl: the epoch's two products with the whole input alone, as pwcore computes them, as a multiple of the floor")
    header = (f"{'dataset':<8}{'dtype':<8}{'GD s':>8}{'PW s':>8}{'PW/GD':>7}{'floor s':>8}{'GD/fl':>6}{'PW/fl':>6}"
              f"{'prod/fl':>8}{'GB/s':>6}{'GFLOP/s':>8}")
    if torch is not None:
        header += f"{'torch GD':>9}{'torch PW':>9}{'GD/tch':>7}{'PW/tch':>7}{'tGD/fl':>7}{'tPW/GD':>7}{'loss diff':>10}"
    print(header)
    for dtype in args.dtypes:
        gemm = gemm_flops_per_second(dtype)
        for name in args.datasets:
            print(format_row(name, dtype, measure(name, dtype, gemm, args)), flush=True)


if __name__ == "__main__":
    main()
