"""Every loss and the whole network against central finite differences (scipy)."""
import numpy as np
import pytest
from scipy.optimize import approx_fprime

from pwcore import AdditiveMarginSoftmax, BinaryCrossEntropy
from conftest import small_problem

SHAPES = [(4, 3, 1), (6, 5, 4, 3, 1), (8, 20, 7, 5, 1), (5, 4, 3), (7, 6, 5, 4, 10)]


def numeric_gradient(f, x, eps=1e-6):
    """Central differences of the scalar f at the float64 array x, shape of x."""
    flat = x.astype(np.float64).ravel()
    forward = approx_fprime(flat, lambda v: f(v.reshape(x.shape)), eps)
    backward = approx_fprime(flat, lambda v: f(v.reshape(x.shape)), -eps)
    return ((forward + backward) / 2).reshape(x.shape)


@pytest.mark.parametrize("loss, n_out", [
    (BinaryCrossEntropy(), 1),
    (AdditiveMarginSoftmax(1.0, 1.0, 10), 10),
    (AdditiveMarginSoftmax(30.0, 0.35, 10), 10),
    (AdditiveMarginSoftmax(2.0, 0.0, 3), 3),
])
@pytest.mark.parametrize("m", [1, 7, 40])
def test_loss_gradient_matches_finite_differences(loss, n_out, m):
    rng = np.random.default_rng(m)
    A = rng.uniform(0.05, 0.95, size=(n_out, m))
    y = rng.integers(0, max(n_out, 2), size=m)
    _, dA = loss(A, y)
    np.testing.assert_allclose(dA, numeric_gradient(lambda a: loss(a, y)[0], A), rtol=1e-5, atol=1e-8)


def test_bce_value_is_equation_7():
    A = np.array([[0.9, 0.2, 0.6]])
    y = np.array([1, 0, 1])
    expected = -np.mean(np.log([0.9, 0.8, 0.6]))
    assert BinaryCrossEntropy()(A, y)[0] == pytest.approx(expected, rel=1e-12)


def test_am_softmax_value_and_uninformative_loss():
    loss = AdditiveMarginSoftmax(s=1.0, margin=1.0, n_classes=10)
    A = np.full((10, 4), 0.3)
    y = np.array([0, 3, 9, 2])
    assert loss(A, y)[0] == pytest.approx(np.log(1 + 9 * np.e), rel=1e-12)
    assert loss.uninformative_loss() == pytest.approx(np.log(1 + 9 * np.e), rel=1e-12)
    perfect = np.zeros((10, 1))
    perfect[5] = 1.0
    assert loss(perfect, np.array([5]))[0] == pytest.approx(np.log(10), rel=1e-12)


def _network_loss_and_gradients(net, X, y, loss):
    cache = net.new_cache(X)
    value, dA = loss(net.forward(cache), y)
    return value, net.backward(cache, dA, net.n_layers)


NETWORK_CASES = [(sizes, "dense") for sizes in SHAPES] + \
    [(sizes, "cosine") for sizes in SHAPES if sizes[-1] > 1]  # one cosine output is constant


@pytest.mark.parametrize("sizes, output_layer", NETWORK_CASES)
def test_network_gradients_match_finite_differences(sizes, output_layer):
    net, X, y = small_problem(sizes, m=9, output_layer=output_layer)
    loss = BinaryCrossEntropy() if sizes[-1] == 1 else AdditiveMarginSoftmax(3.0, 0.3, sizes[-1])
    _, grads = _network_loss_and_gradients(net, X, y, loss)
    for l in range(1, net.n_layers + 1):
        for name, param, analytic in (("W", net.W[l], grads[l][0]), ("b", net.b[l], grads[l][1])):
            original = param.copy()

            def loss_at(value):
                param[...] = value
                return loss(net.predict(X), y)[0]

            numeric = numeric_gradient(loss_at, original)
            param[...] = original
            np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-7, err_msg=f"d{name}[{l}]")


@pytest.mark.parametrize("sizes", SHAPES[:3])
def test_float32_gradients_agree_with_float64(sizes):
    net64, X, y = small_problem(sizes, m=13)
    net32 = type(net64)(net64.W[1:], net64.activation_names, net64.b[1:], dtype="float32")
    loss = BinaryCrossEntropy()
    value64, grads64 = _network_loss_and_gradients(net64, X, y, loss)
    value32, grads32 = _network_loss_and_gradients(net32, X.astype(np.float32), y, loss)
    assert value32 == pytest.approx(value64, rel=1e-5)
    for l in grads64:
        assert grads32[l][0].dtype == np.float32
        np.testing.assert_allclose(grads32[l][0], grads64[l][0], rtol=2e-3, atol=1e-5)
