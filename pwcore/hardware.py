"""The machine a result is computed on, as records and pages name it: processor, cores, BLAS library and kernel.

The BLAS kernel matters: OpenBLAS picks one per CPU (SkylakeX, Haswell...), and kernels round the same
product differently in the last bits (README, "A run in a stack").
"""
from __future__ import annotations

import platform
from pathlib import Path


def cpu_model() -> str:
    """The processor's model name (from ``/proc/cpuinfo`` where there is one)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas(with_version: bool = True) -> str:
    """The BLAS libraries NumPy runs, each with its kernel and threads, e.g. ``"openblas 0.3.31 SkylakeX
    (2 threads)"`` (``"openblas SkylakeX (2 threads)"`` without the version); ``"no BLAS found"`` if none."""
    from threadpoolctl import threadpool_info
    found = []
    for pool in threadpool_info():
        if pool.get("user_api") != "blas":
            continue
        version = f" {pool.get('version')}" if with_version else ""
        threads = pool.get("num_threads")
        found.append(f"{pool.get('internal_api')}{version} {pool.get('architecture', '?')} "
                     f"({threads} thread{'' if threads == 1 else 's'})")
    return ", ".join(found) or "no BLAS found"
