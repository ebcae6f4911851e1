"""Initialization schemes, random streams and network construction."""
import numpy as np
import pytest

from pwcore import Network
from pwcore.init import initial_weights
from pwcore.network import weight_gradient

PAPER = [12288, 20, 7, 5, 1]


def test_legacy_stream_reproduces_the_course_weights():
    np.random.seed(1)  # the course: seed once, then one randn per layer, input layer first
    course = [np.random.randn(n_out, n_in) / np.sqrt(n_in) for n_in, n_out in zip(PAPER[:-1], PAPER[1:])]
    ours = initial_weights(PAPER, scheme="course", seed=1, stream="legacy")
    for W_course, W_ours in zip(course, ours):
        np.testing.assert_array_equal(W_course, W_ours)


def test_drawing_weights_leaves_numpys_global_stream_alone():
    np.random.seed(5)
    expected = np.random.rand()
    np.random.seed(5)
    initial_weights(PAPER, seed=1, stream="legacy")
    assert np.random.rand() == expected


@pytest.mark.parametrize("stream", ["legacy", "generator"])
def test_glorot_normal_has_its_variance(stream):
    W = initial_weights([3000, 1000], scheme="glorot", seed=3, stream=stream)[0]
    assert W.std() == pytest.approx(np.sqrt(2 / 4000), rel=0.01)
    assert abs(W.mean()) < 1e-3


def test_course_scheme_divides_by_root_fan_in():
    W = initial_weights([2500, 800], scheme="course", seed=3, stream="generator")[0]
    assert W.std() == pytest.approx(1 / 50, rel=0.01)


def test_seeds_and_streams_change_the_weights_reproducibly():
    a = initial_weights([10, 4], seed=1, stream="generator")[0]
    assert np.array_equal(a, initial_weights([10, 4], seed=1, stream="generator")[0])
    assert not np.array_equal(a, initial_weights([10, 4], seed=2, stream="generator")[0])
    assert not np.array_equal(a, initial_weights([10, 4], seed=1, stream="legacy")[0])


def test_paper_network_shape_and_zero_biases():
    net = Network.initialize(PAPER, ["relu", "relu", "relu", "sigmoid"])
    assert net.sizes == PAPER and net.n_layers == 4
    assert all(not b.any() for b in net.b[1:])
    assert net.activation_names == ["relu", "relu", "relu", "sigmoid"]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_kept(dtype):
    net = Network.initialize([4, 3, 1], ["relu", "sigmoid"], dtype=dtype)
    assert all(p.dtype == np.dtype(dtype) for p in net.parameters())
    assert net.predict(np.ones((4, 2), dtype)).dtype == np.dtype(dtype)


def test_copy_is_independent():
    net = Network.initialize([4, 3, 1], ["relu", "sigmoid"])
    twin = net.copy()
    twin.W[1] += 1
    assert not np.array_equal(net.W[1], twin.W[1])


@pytest.mark.parametrize("kwargs, message", [
    (dict(sizes=[4, 3, 1], activations=["relu"]), "one activation per layer"),
    (dict(sizes=[4, 3, 1], activations=["relu", "softplus"]), "unknown activation"),
    (dict(sizes=[4, 0, 1], activations=["relu", "sigmoid"]), "positive"),
    (dict(sizes=[4], activations=[]), "at least two"),
    (dict(sizes=[4, 3, 1], activations=["relu", "sigmoid"], scheme="he"), "initialization scheme"),
    (dict(sizes=[4, 3, 1], activations=["relu", "sigmoid"], stream="mt"), "random stream"),
    (dict(sizes=[4, 3, 1], activations=["relu", "sigmoid"], seed=-1), "seed"),
    (dict(sizes=[4, 3, 1], activations=["relu", "sigmoid"], dtype="float16"), "float64 or float32"),
    (dict(sizes=[4, 3, 1], activations=["relu", "sigmoid"], output_layer="arc"), "output layer"),
])
def test_invalid_network_parameters_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network.initialize(**kwargs)


def test_weight_shapes_must_chain():
    with pytest.raises(ValueError, match="do not chain"):
        Network([np.ones((3, 4)), np.ones((1, 2))], ["relu", "sigmoid"])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shared", [False, True])
def test_weight_gradient_sums_the_samples_outer_products(dtype, shared):
    """Per run ``dZ A_prev^T``, with each run's own ``A_prev`` or one input shared by all runs."""
    rng = np.random.default_rng(3)
    dZ = rng.standard_normal((3, 4, 300)).astype(dtype)
    A_prev = rng.standard_normal((6, 300) if shared else (3, 6, 300)).astype(dtype)
    expected = np.einsum("rim,jm->rij" if shared else "rim,rjm->rij", dZ.astype(np.float64), A_prev.astype(np.float64))
    dW = weight_gradient(dZ, A_prev)
    assert dW.shape == (3, 4, 6) and dW.dtype == dtype
    tolerance = 1e-4 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(dW, expected, rtol=tolerance, atol=tolerance)


def test_the_relu_derivative_is_zero_at_zero_as_the_course_s_relu_backward():
    # the course's relu_backward sets dZ[Z <= 0] = 0; a sample dead below a bias still at exactly 0 (biases
    # start at 0) has Z == 0, as 89 entries do in the cat run's second epoch
    from pwcore.activations import RELU
    Z = np.array([[-1.0, 0.0, 2.0]])
    assert RELU.dphi(Z, RELU.phi(Z)).tolist() == [[False, False, True]]


def test_a_sample_dead_below_a_zero_bias_adds_nothing_to_that_bias_gradient():
    net = Network([np.array([[1.0]]), np.array([[1.0]]), np.array([[1.0]])], ["relu", "relu", "sigmoid"])
    cache = net.new_cache(np.array([[1.0, -1.0]]))  # sample 2 is negative at layer 1: layer 2's Z is its bias, 0
    net.forward(cache)
    grads = net.backward(cache, np.ones((1, 1, 2)), depth=3)
    sigmoid_slope = 1.0 / (1 + np.exp(-1.0)) * (1 - 1.0 / (1 + np.exp(-1.0)))  # sample 1's, at Z = 1
    assert np.allclose(grads[2][1].ravel(), [sigmoid_slope])
