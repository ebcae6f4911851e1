"""One definition of a whole number and of a number for every argument check (pwcore.checks)."""
import numpy as np
import pytest

from pwcore.checks import is_number, is_whole
from pwcore.init import initial_weights
from pwcore.memory import stack_sizes
from conftest import small_problem


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(0), -2])
def test_python_and_numpy_integers_are_whole(value):
    assert is_whole(value) and is_number(value)


@pytest.mark.parametrize("value", [True, np.bool_(False), 3.0, np.float64(3), "3", None])
def test_bools_floats_and_text_are_not_whole(value):
    assert not is_whole(value)


@pytest.mark.parametrize("value", [True, np.bool_(True), "0.1", None, [0.1]])
def test_bools_and_text_are_not_numbers(value):
    assert not is_number(value)


def test_numpy_numbers_are_numbers():
    assert is_number(np.float32(0.1)) and is_number(float("nan")) and is_number(np.int8(1))


def test_every_site_takes_a_numpy_whole_number_as_python_takes_an_int():
    # memory's check refused np.int64 while its neighbours took it
    assert [w.shape for w in initial_weights([4, 3, 2], seed=np.int64(1))] == [(3, 4), (2, 3)]
    net, _, _ = small_problem()
    plenty = 1 << 40
    assert stack_sizes(5, net, 10, runs_per_stack=np.int64(2), available=plenty) == [2, 2, 1]
    with pytest.raises(ValueError, match="runs per stack must be a positive integer"):
        stack_sizes(5, net, 10, runs_per_stack=True, available=plenty)
