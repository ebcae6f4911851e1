"""The batch split into column parts computed in parallel threads."""
import numpy as np
import pytest

from pwcore import AdditiveMarginSoftmax, BinaryCrossEntropy
from pwcore.batch import MIN_PART_COLUMNS, Batch, default_parts
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
    whole, split = Batch(net, X, y, n_parts=1), Batch(net, X, y, n_parts=np.int64(4))
    values = [b.forward_and_evaluate(net, LOSS) for b in (whole, split)]
    grads = [b.backward(net, net.n_layers) for b in (whole, split)]
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    assert values[1] == pytest.approx(values[0], rel=tolerance)
    for l in grads[0]:
        for a, b in zip(grads[0][l], grads[1][l]):
            assert b.dtype == np.dtype(dtype)
            np.testing.assert_allclose(b, a, rtol=tolerance, atol=tolerance)


def test_a_small_batch_stays_whole_and_a_large_one_gets_a_part_per_core(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert default_parts(MIN_PART_COLUMNS - 1) == 1
    assert default_parts(10 * MIN_PART_COLUMNS) == 2


def test_a_cosine_output_layer_on_parts_matches_the_whole_batch():
    net, X, _ = small_problem((6, 5, 4, 3), m=40, output_layer="cosine")
    y = np.random.default_rng(1).integers(0, 3, 40)
    loss = AdditiveMarginSoftmax(s=2.0, margin=0.5, n_classes=3)
    whole, split = Batch(net, X, y, n_parts=1), Batch(net, X, y, n_parts=3)
    values = [b.forward_and_evaluate(net, loss) for b in (whole, split)]
    grads = [b.backward(net, net.n_layers) for b in (whole, split)]
    assert values[1] == pytest.approx(values[0], rel=1e-12)
    for l in grads[0]:
        np.testing.assert_allclose(grads[1][l][0], grads[0][l][0], rtol=1e-10, atol=1e-13)
