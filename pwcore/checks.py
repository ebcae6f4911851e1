"""What counts as a whole number and as a number, for every argument check in pwcore.

Python counts ``True`` as the integer 1 and NumPy has integer and float types of its own: a check written
out at each site came out differently at some of them (one refused ``np.int64(3)``, another accepted it).
The sites keep their own messages, which name the argument and the fix; what they accept is decided here.
"""
from __future__ import annotations

import numpy as np


def is_whole(value) -> bool:
    """True for a Python or NumPy integer; False for a bool, a float (even ``3.0``) and anything else."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_number(value) -> bool:
    """True for a Python or NumPy integer or float (finite or not); False for a bool and anything else."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
