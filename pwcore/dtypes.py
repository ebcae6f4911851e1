"""The two floating-point precisions pwcore computes in."""
from __future__ import annotations

import numpy as np

DTYPES = ("float64", "float32")


def resolve_dtype(dtype) -> np.dtype:
    """Return ``np.float64`` or ``np.float32`` for a dtype or its name."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in DTYPES:
        raise ValueError(f"dtype must be float64 or float32, got {dtype!r}")
    return resolved
