"""How closely two computations of the same runs agree, on every CPU.

A run trained in a stack and the same run trained alone (or on a Dask worker, or from an array laid out
in the other order) do the same arithmetic, but the rows of the stacked first-layer product sit in other
places of the matrix. BLAS kernels may round a row at a block's edge differently from one inside a block:
OpenBLAS's SkylakeX (AVX-512) kernels do, by one unit in the last place; its Haswell kernels, for runs
whose first layer has a multiple of 4 units, do not. So what holds whatever the kernel is agreement to
rounding: the relative tolerances below for losses and weights, and equality of everything discrete
(statuses, epochs, where a run stopped, updates, FLOPs), which the tests keep away from knife edges
(a target lies in a gap between the losses a run checks). Bit-equality is asserted only where it is
guaranteed: the same computation repeated in one process.
"""
import math

import numpy as np

# Measured under OpenBLAS's SkylakeX kernels (tests/test_stacks.py's runs, stacked against alone, up to 17
# epochs): the last-place differences of one product (about 1e-16) grow, most on the cosine AM-softmax
# problem, to 1.1e-10 relative in float64 losses and 3.3e-10 absolute in its weights; float32: 1.8e-7 and
# 1.2e-7. The tolerances leave a factor of about 100 (30 for float32's weights); runs that differ in
# anything but rounding differ by more than 1e-6.
RTOL = {"float64": 1e-8, "float32": 1e-5}  # losses (and weights, beside ATOL)
ATOL = {"float64": 3e-8, "float32": 2e-5}  # weights: an absolute floor for weights near zero


def assert_same_history(a, b, dtype="float64"):
    """Histories ``a`` and ``b`` of one run: discrete outcomes equal, losses equal to :data:`RTOL`."""
    assert a.optimizer == b.optimizer
    assert a.status == b.status
    assert a.epochs == b.epochs and a.epochs_completed == b.epochs_completed
    assert a.stopped_at == b.stopped_at
    np.testing.assert_array_equal(a.updates_per_layer, b.updates_per_layer)
    assert a.update_log == b.update_log
    np.testing.assert_array_equal(a.eval_epoch, b.eval_epoch)
    np.testing.assert_array_equal(a.eval_substep, b.eval_substep)
    np.testing.assert_array_equal(a.eval_flops, b.eval_flops)
    assert a.flops == b.flops
    np.testing.assert_allclose(a.eval_loss, b.eval_loss, rtol=RTOL[dtype], atol=0)  # NaN where both diverged


def assert_same_weights(a, b, dtype="float64"):
    """The parameters of networks ``a`` and ``b`` agree to :data:`RTOL` and :data:`ATOL`."""
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert p.dtype == q.dtype
        np.testing.assert_allclose(p, q, rtol=RTOL[dtype], atol=ATOL[dtype])


def assert_same_rows(found, expected, dtype="float64"):
    """Lists of dicts (a sweep's rows) with the same keys and values, floats to :data:`RTOL`."""
    assert len(found) == len(expected)
    for row, reference in zip(found, expected):
        assert list(row) == list(reference)
        for key, value in reference.items():
            if isinstance(value, float) and isinstance(row[key], float):
                assert same_float(row[key], value, dtype), (key, row[key], value)
            else:
                assert row[key] == value, (key, row[key], value)


def same_float(a: float, b: float, dtype="float64") -> bool:
    """``a`` and ``b`` agree to :data:`RTOL` (NaN equals NaN; infinities must be equal)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or math.isclose(a, b, rel_tol=RTOL[dtype], abs_tol=0)
