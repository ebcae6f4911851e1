"""How many runs fit in one stack: the footprint of a stack, estimated before it starts."""
from __future__ import annotations

import os

from .checks import is_whole

# Arrays of shape (R, n_l, m) alive at once per layer during a sub-step: Z and A cached,
# and the backward pass's dA, dZ and a temporary. An upper bound: measured on MNIST (60,000
# samples), a stack's peak memory grew by 473-971 MiB where this estimates 965-1930 MiB
# (R = 10 and 20; GD and PW; sigmoid and cosine output; float64 and float32).
ARRAYS_PER_LAYER = 5
MEMORY_SHARE = 0.5  # of the memory available when the stacks are planned


def stack_bytes(net, m: int, n_runs: int) -> int:
    """Estimated peak bytes of training ``n_runs`` runs of ``net``'s architecture on ``m`` samples as one stack."""
    per_run = ARRAYS_PER_LAYER * sum(net.sizes[1:]) * m + 3 * sum(W[0].size for W in net.W[1:])
    return int(n_runs * per_run * net.dtype.itemsize)


def available_bytes() -> int:
    """Memory available to this process now (Linux: MemAvailable), or the physical memory."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def stack_sizes(n_runs: int, net, m: int, runs_per_stack: int | None = None, available: int | None = None) -> list:
    """Split ``n_runs`` runs into stacks that fit in memory: the number of runs in each, in order.

    Parameters
    ----------
    runs_per_stack : int, optional
        At most this many runs per stack. Refused (ValueError naming the number and the
        largest that fits) when even this many would not fit.
    available : int, optional
        Bytes to plan with; default :func:`available_bytes`.

    Raises
    ------
    ValueError
        If a stack of ``runs_per_stack`` runs, or a single run, would not fit.
    """
    if runs_per_stack is not None and (not is_whole(runs_per_stack) or runs_per_stack < 1):
        raise ValueError(f"runs per stack must be a positive integer, got {runs_per_stack!r}")
    budget = MEMORY_SHARE * (available_bytes() if available is None else available)
    one = stack_bytes(net, m, 1)
    fits = int(budget // one)
    if fits < 1:
        raise ValueError(f"one run needs about {one / 2**30:.1f} GiB but {budget / 2**30:.1f} GiB are available: "
                         "free memory, or train on fewer samples")
    if runs_per_stack is not None and runs_per_stack > fits:
        raise ValueError(f"a stack of {runs_per_stack} runs needs about {stack_bytes(net, m, runs_per_stack) / 2**30:.1f} "
                         f"GiB but {budget / 2**30:.1f} GiB are available: use --runs-per-stack {fits} "
                         f"(runs_per_stack={fits}) or less")
    size = min(runs_per_stack or fits, fits)
    full, rest = divmod(n_runs, size)
    return [size] * full + ([rest] if rest else [])
