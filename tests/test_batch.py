"""The batch split into column parts computed in parallel threads."""
import numpy as np
import pytest

from pwcore import AdditiveMarginSoftmax, BinaryCrossEntropy
from pwcore.batch import MIN_PART_COLUMNS, Batch, default_parts
from pwcore.rules import Plain
from conftest import small_problem

LOSS = BinaryCrossEntropy()


def test_parts_cover_every_column_once_and_weigh_by_size():
    net, X, y = small_problem(m=10)
    batch = Batch(net, X, y, n_parts=3)
    assert [p.y.size for p in batch.parts] == [3, 3, 4]
    assert np.array_equal(np.concatenate([p.y for p in batch.parts]), y)
    assert sum(p.weight for p in batch.parts) == pytest.approx(1.0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_loss_and_gradients_of_parts_are_those_of_the_whole_batch_in_its_dtype(dtype):
    net, X, y = small_problem(m=40, dtype=dtype)
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    values, nets = one_step(net, X, y, LOSS, n_parts=(1, np.int64(4)))
    assert values[1] == pytest.approx(values[0], rel=tolerance)
    for a, b in zip(nets[0].parameters(), nets[1].parameters()):
        assert b.dtype == np.dtype(dtype)
        np.testing.assert_allclose(b, a, rtol=tolerance, atol=tolerance)
    assert not np.array_equal(nets[0].W[1], net.W[1])


def plain_step(net, l, dW, db, rates):
    Plain().apply({}, net, l, dW, db, rates)


def one_step(net, X, y, loss, n_parts):
    """The loss of ``net`` and the network after one GD step (rate 1), computed on batches of each part count."""
    values, nets = [], []
    for n in n_parts:
        trained = net.copy()
        batch = Batch(trained, X, y, n_parts=n)
        values.append(batch.losses(trained, loss)[0])
        batch.step(trained, trained.n_layers, np.ones((1, trained.n_layers), trained.dtype), plain_step)
        nets.append(trained)
    return values, nets


def test_a_small_batch_stays_whole_and_a_large_one_gets_a_part_per_core(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_parts(MIN_PART_COLUMNS - 1) == 1
    assert default_parts(10 * MIN_PART_COLUMNS) == 2


def test_a_cosine_output_layer_on_parts_matches_the_whole_batch():
    net, X, _ = small_problem((6, 5, 4, 3), m=40, output_layer="cosine")
    y = np.random.default_rng(1).integers(0, 3, 40)
    loss = AdditiveMarginSoftmax(s=2.0, margin=0.5, n_classes=3)
    values, nets = one_step(net, X, y, loss, n_parts=(1, 3))
    assert values[1] == pytest.approx(values[0], rel=1e-12)
    for a, b in zip(nets[0].parameters(), nets[1].parameters()):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-13)
