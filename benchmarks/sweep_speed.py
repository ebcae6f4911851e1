"""Per-run seconds per epoch of R runs trained as one stack, against R separate runs, the per-run floor, PyTorch and JAX.

A sweep trains R runs of one architecture on the same data (here: seeds
1 ... R of the paper's MNIST or CIFAR-10 experiment). Prints one row per
(dataset, dtype, optimizer, R):

* pwcore's stacked epoch (one :class:`pwcore.network.Network` of R runs, one
  :func:`pwcore.optimizers.run_epoch`) in seconds per run: the median epoch / R;
* R separate runs, per run: one run's epoch (measured once, at R = 1), and the
  ratio stacked / separate;
* the per-run floor: the larger of 2 x input bytes / read bandwidth / R (an
  epoch reads the input twice, for all runs at once) and one run's FLOPs per
  epoch (counted by pwcore's batch) / GEMM throughput, both measured in this
  run; pwcore's multiple of it, and the multiple that the epoch's two products
  with the whole input take alone (as pwcore computes them, per run): what is
  left above it is the rest of the epoch;
* the same stacked computation in the peers a user would pick for a sweep, on
  the CPU (`pip install -e '.[bench]'`): PyTorch (stacked ``bmm`` with
  autograd, benchmarks/torch_reference.py) and JAX (``jax.jit`` of
  ``jax.vmap``, benchmarks/jax_reference.py), per run, and pwcore / peer;
  each library is timed alone (not in turns: PyTorch's OpenMP threads keep
  spinning after its epochs);
* the largest relative difference between each peer's losses and pwcore's after
  a few epochs from the same initial weights (checked once per dataset, dtype
  and optimizer, on a stack of ``--check-runs`` runs).

A missing peer's columns say "-"; so do a peer's cells at an R whose stack would
not fit in memory. The closing lines hold the issue's criteria at R = 10 (GD
within 1.5x of the per-run floor, PW within 1.75x, pwcore faster than both
peers) and, for each cell that misses, what limits it, measured.

Usage::

    PWCORE_DATA_DIR=../shared/data python benchmarks/sweep_speed.py [--datasets mnist cifar10]
        [--dtypes float64 float32] [--runs 1 2 5 10 20] [--optimizers gd pw] [--repeats 3]
        [--check-runs 3] [--check-epochs 3] [--no-peers]
"""
from __future__ import annotations

import argparse
import gc
import os

from epoch_speed import (PeerRun, PwcoreRun, TorchRun, gemm_flops_per_second, fresh_stack, loss_after, machine_line,
                         median_seconds, read_bytes_per_second, relative_difference,
                         thin_products_seconds, torch, torch_line)
from pwcore.data import load_dataset
from pwcore.experiments import ExperimentConfig
from pwcore.memory import available_bytes, stack_bytes

try:
    import jax
    from jax_reference import JaxNetwork
except ImportError:
    jax = None

CRITERIA_RUNS = 10
FLOOR_MULTIPLES = {"gd": 1.5, "pw": 1.75}  # the most each optimizer's stacked epoch may take, per run
PEER_COPIES = 3  # a peer's stack: about this many times pwcore's estimated footprint, besides its copy of X


class JaxRun(PeerRun):
    """The same as :class:`epoch_speed.PwcoreRun`, in JAX."""

    model_class = JaxNetwork if jax is not None else None


def sweep_configs(name: str, dtype: str, n_runs: int) -> list:
    """The runs of a sweep: the paper's experiment on ``name`` with seeds 1 ... n_runs."""
    return [ExperimentConfig.paper(name, dtype=dtype, seed=seed) for seed in range(1, n_runs + 1)]


def peers(args) -> dict:
    """The installed peers asked for: name -> run class."""
    if args.no_peers:
        return {}
    found = {"torch": TorchRun if torch is not None else None, "jax": JaxRun if jax is not None else None}
    return {name: run for name, run in found.items() if run is not None}


def peer_fits(net, data, n_runs: int) -> tuple:
    """Whether a peer's stack of ``n_runs`` runs should fit in the memory available now, and the bytes it needs."""
    need = data.X_train.nbytes + PEER_COPIES * stack_bytes(net, data.X_train.shape[1], n_runs)
    return need < available_bytes(), need


def peer_seconds(run_class, configs, data, optimizer, repeats):
    """Median epoch of a peer's stack, or a note saying why there is none."""
    probe = fresh_stack(configs[:1], data, optimizer).net
    fits, need = peer_fits(probe, data, len(configs))
    if not fits:
        return None, f"needs about {need / 2**30:.1f} GiB, more than is available"
    try:
        run = run_class(configs, data, optimizer)
        return median_seconds(run.epoch, repeats=repeats)[0], ""
    except (MemoryError, RuntimeError) as error:  # PyTorch's allocator and XLA raise RuntimeErrors
        return None, f"failed: {type(error).__name__}: {str(error).splitlines()[0][:120]}"


def check_losses(name, dtype, data, optimizer, found, args) -> dict:
    """Each peer's largest relative loss difference from pwcore after ``--check-epochs`` epochs of the same stack."""
    configs = sweep_configs(name, dtype, args.check_runs)
    ours = loss_after(PwcoreRun(configs, data, optimizer), args.check_epochs)
    return {peer: relative_difference(ours, loss_after(run_class(configs, data, optimizer), args.check_epochs))
            for peer, run_class in found.items()}


def measure_optimizer(name, dtype, data, optimizer, gemm, bandwidth, found, args):
    """The rows of one (dataset, dtype, optimizer), printed as they are measured; returns them."""
    single = PwcoreRun(sweep_configs(name, dtype, 1), data, optimizer)
    separate = median_seconds(single.epoch, repeats=args.repeats)[0]
    flops = single.tally.flops / (args.repeats + 1)  # one run's, per epoch
    del single
    diffs = check_losses(name, dtype, data, optimizer, found, args) if found else {}
    gc.collect()
    rows = []
    for n_runs in args.runs:
        configs = sweep_configs(name, dtype, n_runs)
        run = PwcoreRun(configs, data, optimizer)
        stacked = separate * n_runs if n_runs == 1 else median_seconds(run.epoch, repeats=args.repeats)[0]
        row = {"dataset": name, "dtype": dtype, "optimizer": optimizer, "R": n_runs,
               "pwcore": stacked / n_runs, "separate": separate,
               "floor": max(2 * data.X_train.nbytes / bandwidth / n_runs, flops / gemm),
               "products": thin_products_seconds(run, args.repeats) / n_runs, "diffs": diffs, "notes": []}
        del run
        gc.collect()
        for peer, run_class in found.items():
            seconds, note = peer_seconds(run_class, configs, data, optimizer, args.repeats)
            gc.collect()  # the peer's stack (a JAX network holds its compiled functions, which refer back to it)
            row[peer] = None if seconds is None else seconds / n_runs
            if note:
                row["notes"].append(f"{peer}: {note}")
        print(format_row(row, list(found)), flush=True)
        for note in row["notes"]:
            print(f"    {note}", flush=True)
        rows.append(row)
    return rows


def _ratio(a, b) -> str:
    return f"{a / b:>8.2f}" if a is not None and b is not None else f"{'-':>8}"


def _seconds(value) -> str:
    return f"{value:>10.4f}" if value is not None else f"{'-':>10}"


def header() -> str:
    return (f"{'dataset':<8}{'dtype':<8}{'opt':<4}{'R':>3}{'pwcore/R':>10}{'sep/R':>10}{'stk/sep':>8}"
            f"{'floor/R':>10}{'pwc/fl':>7}{'prod/fl':>8}{'torch/R':>10}{'pwc/tch':>8}{'jax/R':>10}{'pwc/jax':>8}"
            f"{'tch diff':>10}{'jax diff':>10}")


def format_row(row: dict, found: list) -> str:
    pw, floor = row["pwcore"], row["floor"]
    diffs = row["diffs"]
    text = (f"{row['dataset']:<8}{row['dtype']:<8}{row['optimizer']:<4}{row['R']:>3}{pw:>10.4f}{row['separate']:>10.4f}"
            f"{pw / row['separate']:>8.2f}{floor:>10.4f}{pw / floor:>7.2f}{row['products'] / floor:>8.2f}")
    for peer in ("torch", "jax"):
        seconds = row.get(peer)
        text += _seconds(seconds) + _ratio(pw, seconds)
    for peer in ("torch", "jax"):
        text += f"{diffs[peer]:>10.1e}" if peer in diffs else f"{'-':>10}"
    return text


def criteria_lines(rows: list, found: list) -> list:
    """The issue's criteria at R = CRITERIA_RUNS, one line per cell, with what limits a cell that misses."""
    lines = []
    for row in rows:
        if row["R"] != CRITERIA_RUNS:
            continue
        pw, floor, limit = row["pwcore"], row["floor"], FLOOR_MULTIPLES[row["optimizer"]]
        cell = f"{row['dataset']} {row['dtype']} {row['optimizer']} R={row['R']}"
        misses = []
        if pw / floor > limit:
            misses.append(f"{pw / floor:.2f}x the floor > {limit}x: the two products with the whole input alone "
                          f"take {row['products'] / floor:.2f}x, the rest of the epoch "
                          f"{(pw - row['products']) / floor:.2f}x")
        for peer in found:
            if row.get(peer) is None:
                misses.append(f"no {peer} time")
            elif pw >= row[peer]:
                misses.append(f"not faster than {peer} ({pw / row[peer]:.2f}x; {peer} takes "
                              f"{row[peer] / floor:.2f}x the floor, pwcore's products alone {row['products'] / floor:.2f}x)")
        verdict = "met" if not misses else "MISSED: " + "; ".join(misses)
        peers_text = ", ".join(f"{pw / row[p]:.2f}x {p}" for p in found if row.get(p) is not None)
        lines.append(f"{cell}: {pw / floor:.2f}x floor (<= {limit}){', ' + peers_text if peers_text else ''} -> {verdict}")
    return lines


def jax_line() -> str:
    if jax is None:
        return "JAX is not installed (pip install -e '.[bench]'): its columns are left out"
    return (f"JAX {jax.__version__}, devices {jax.devices()}, {os.cpu_count()} CPU cores, XLA_FLAGS={os.environ.get('XLA_FLAGS', '')!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=["mnist", "cifar10"])
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    parser.add_argument("--runs", nargs="+", type=int, default=[1, 2, 5, 10, 20], help="stack sizes R")
    parser.add_argument("--optimizers", nargs="+", default=["gd", "pw"], choices=["gd", "pw"])
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per measurement (after one warm-up)")
    parser.add_argument("--check-runs", type=int, default=3, help="runs in the stack whose losses are compared")
    parser.add_argument("--check-epochs", type=int, default=3, help="epochs before comparing the libraries' losses")
    parser.add_argument("--no-peers", action="store_true", help="leave PyTorch and JAX out")
    args = parser.parse_args()
    found = peers(args)
    print(machine_line())
    print(torch_line())
    print(jax_line())
    print("seconds per epoch per run (median epoch / R); floor/R = max(2 x input bytes / read bandwidth / R, "
          "one run's FLOPs / GEMM throughput)")
    print("pwc: pwcore; sep/R: one run alone (R separate runs); prod/fl: the epoch's two products with the whole input alone, "
          "as pwcore computes them, per run, as a multiple of the floor")
    print(f"diff: largest relative loss difference from pwcore after {args.check_epochs} epochs of "
          f"{args.check_runs} stacked runs")
    rows = []
    for dtype in args.dtypes:
        gemm = gemm_flops_per_second(dtype)
        for name in args.datasets:
            data = load_dataset(name, dtype)
            bandwidth = read_bytes_per_second(data.X_train)
            print(f"{name} {dtype}: read bandwidth {bandwidth / 1e9:.1f} GB/s, GEMM {gemm / 1e9:.1f} GFLOP/s", flush=True)
            print(header(), flush=True)
            for optimizer in args.optimizers:
                rows += measure_optimizer(name, dtype, data, optimizer, gemm, bandwidth, found, args)
            del data
            gc.collect()
    lines = criteria_lines(rows, list(found))
    if lines:
        print(f"criteria at R = {CRITERIA_RUNS}:")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
