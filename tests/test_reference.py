"""pwcore against an independent reference written here in plain NumPy (in the spirit of micrograd's tests).

The reference knows nothing of pwcore's run axis, caches, batches or schedules: 2-D arrays, a loop over
layers, its own activations and losses, and the three optimizers written out as the paper describes them.
Only the initial weights and data come from pwcore (``small_problem``).
"""
import numpy as np
import pytest

from pwcore import (AdditiveMarginSoftmax, BinaryCrossEntropy, GradientDescent, PositionWise,
                    PositionWisePrinted, train)
from pwcore.rules import make_rule
from conftest import small_problem

EPOCHS = 4
RTOL = 1e-10


# --- the reference --------------------------------------------------------------------------------
class Reference:
    """A fully connected network, samples as columns: Z[l] = W[l] A[l-1] + b[l], A[l] = phi_l(Z[l]).

    The hidden layers are ReLU; the output is a sigmoid (``head="sigmoid"``) or a cosine layer
    (``head="cosine"``: C[i, j] = cos(row i of W[L], column j of A[L-1]), no bias).
    """

    def __init__(self, Ws, bs, head, loss):
        self.W = [None] + [np.array(W, dtype=float) for W in Ws]
        self.b = [None] + [np.array(b, dtype=float) for b in bs]
        self.L, self.head, self.loss = len(Ws), head, loss
        self.A, self.Z = None, None

    # forward: one layer from the cached input of that layer
    def forward_layer(self, l):
        W, A_prev = self.W[l], self.A[l - 1]
        if l == self.L and self.head == "cosine":
            Z = np.empty((W.shape[0], A_prev.shape[1]))
            for i in range(W.shape[0]):
                for j in range(A_prev.shape[1]):
                    w, x = W[i], A_prev[:, j]
                    Z[i, j] = w @ x / max(np.sqrt(w @ w), 1e-12) / max(np.sqrt(x @ x), 1e-12)
            self.Z[l] = self.A[l] = Z
            return
        Z = W @ A_prev + self.b[l]
        self.Z[l] = Z
        if l < self.L:
            self.A[l] = np.where(Z > 0, Z, 0.0)
        else:
            self.A[l] = 1.0 / (1.0 + np.exp(-Z))

    def full_forward(self, X):
        self.A, self.Z = [X] + [None] * self.L, [None] * (self.L + 1)
        for l in range(1, self.L + 1):
            self.forward_layer(l)

    # backward: one layer from the cached activations, with the weights as they are now
    def backprop_layer(self, l, dA):
        """(dW, db, dA_prev) of layer l given dE/dA[l]."""
        W, A_prev = self.W[l], self.A[l - 1]
        if l == self.L and self.head == "cosine":
            dW, dA_prev = np.zeros_like(W), np.zeros_like(A_prev)
            for i in range(W.shape[0]):
                w = W[i]
                nw = max(np.sqrt(w @ w), 1e-12)
                for j in range(A_prev.shape[1]):
                    x = A_prev[:, j]
                    nx = max(np.sqrt(x @ x), 1e-12)
                    c = w @ x / (nw * nx)
                    # d cos / dw = (x/|x| - c w/|w|) / |w|, and symmetrically for x
                    dW[i] += dA[i, j] * (x / nx - c * w / nw) / nw
                    dA_prev[:, j] += dA[i, j] * (w / nw - c * x / nx) / nx
            return dW, np.zeros_like(self.b[l]), dA_prev
        if l == self.L:
            a = self.A[l]
            dZ = dA * a * (1 - a)
        else:
            dZ = dA * (self.Z[l] > 0)
        return dZ @ A_prev.T, dZ.sum(axis=1, keepdims=True), W.T @ dZ

    def evaluate(self, y):
        """(loss, dE/dA[L]) of the cached output."""
        return self.loss(self.A[self.L], y)

    def update(self, l, dW, db, lr):
        self.W[l] = self.W[l] - lr * dW
        self.b[l] = self.b[l] - lr * db


def bce(A, y):
    a, m = A[0], A.shape[1]
    E = -np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))
    dA = ((1 - y) / (1 - a) - y / a) / m
    return E, dA[None, :]


def am_softmax(s, margin):
    def loss(C, y):
        K, m = C.shape
        onehot = np.zeros((K, m))
        onehot[y, np.arange(m)] = 1.0
        logits = s * (C - margin * onehot)
        logits = logits - logits.max(axis=0)
        p = np.exp(logits) / np.exp(logits).sum(axis=0)
        E = -np.mean(np.log(p[y, np.arange(m)]))
        return E, s * (p - onehot) / m
    return loss


def fresh_substep(ref, X, y, lr, k):
    """A fresh forward pass, the loss, then the last k layers' gradients, then their update; returns the loss."""
    ref.full_forward(X)
    E, dA = ref.evaluate(y)
    grads = {}
    for l in range(ref.L, ref.L - k, -1):
        dW, db, dA = ref.backprop_layer(l, dA)
        grads[l] = (dW, db)
    for l, (dW, db) in grads.items():
        ref.update(l, dW, db, lr)
    return E


def reference_gd(ref, X, y, lr, epochs):
    return [fresh_substep(ref, X, y, lr, ref.L) for _ in range(epochs)]


def reference_pw_prose(ref, X, y, lr, epochs):
    """Sub-step k = 1 ... L of each epoch: a fresh forward pass, then the last k layers updated."""
    return [fresh_substep(ref, X, y, lr, k) for _ in range(epochs) for k in range(1, ref.L + 1)]


def reference_pw_printed(ref, X, y, lr, epochs):
    """One forward pass per epoch; sub-step k: the loss of the (possibly stale) output, then from the top
    down each of the last k layers back-propagates, is updated and recomputes only its own output."""
    losses = []
    for _ in range(epochs):
        ref.full_forward(X)
        for k in range(1, ref.L + 1):
            E, dA = ref.evaluate(y)
            losses.append(E)
            for l in range(ref.L, ref.L - k, -1):
                dW, db, dA = ref.backprop_layer(l, dA)
                ref.update(l, dW, db, lr)
                ref.forward_layer(l)
    return losses


def final_loss(ref, X, y):
    ref.full_forward(X)
    return ref.evaluate(y)[0]


# --- the comparison -------------------------------------------------------------------------------
CASES = {
    # name: (sizes, head, pwcore loss, reference loss, learning rate)
    "bce": ((6, 5, 4, 3, 1), "sigmoid", BinaryCrossEntropy(), bce, 0.5),
    "am-cosine": ((6, 5, 4, 3, 3), "cosine", AdditiveMarginSoftmax(2.0, 0.3, 3), am_softmax(2.0, 0.3), 0.5),
}
OPTIMIZERS = {"gd": (GradientDescent, reference_gd), "pw": (PositionWise, reference_pw_prose),
              "pw-printed": (PositionWisePrinted, reference_pw_printed)}


def momentum_update(ref, beta=0.9):
    """The reference's update replaced by heavy-ball momentum: v = beta v + g, W = W - lr v, per layer."""
    velocity = {}

    def update(l, dW, db, lr):
        vW, vb = velocity.get(l, (0.0, 0.0))
        vW, vb = beta * vW + dW, beta * vb + db
        velocity[l] = (vW, vb)
        ref.W[l] = ref.W[l] - lr * vW
        ref.b[l] = ref.b[l] - lr * vb
    return update


def adam_update(ref, b1=0.9, b2=0.999, eps=1e-8):
    """The reference's update replaced by Adam (Kingma and Ba, Algorithm 1), one step counter per layer."""
    moments = {}

    def update(l, dW, db, lr):
        t, (mW, vW, mb, vb) = moments.get(l, (0, (0.0, 0.0, 0.0, 0.0)))
        t += 1
        mW, mb = b1 * mW + (1 - b1) * dW, b1 * mb + (1 - b1) * db
        vW, vb = b2 * vW + (1 - b2) * dW ** 2, b2 * vb + (1 - b2) * db ** 2
        moments[l] = (t, (mW, vW, mb, vb))
        ref.W[l] = ref.W[l] - lr * (mW / (1 - b1 ** t)) / (np.sqrt(vW / (1 - b2 ** t)) + eps)
        ref.b[l] = ref.b[l] - lr * (mb / (1 - b1 ** t)) / (np.sqrt(vb / (1 - b2 ** t)) + eps)
    return update


# name: (reference update, rate, relative tolerance). Adam divides each step by sqrt(v_hat): where a gradient
# element is near zero, a rounding difference of the gradient becomes a relative one of the step.
RULES = {"momentum": (momentum_update, 0.1, RTOL), "adam": (adam_update, 0.01, 1e-8)}


def compare(case, name, m=17, seed=3, epochs=EPOCHS, rule=None):
    sizes, head, loss, reference_loss, lr = CASES[case]
    optimizer_class, reference_optimizer = OPTIMIZERS[name]
    net, X, y = small_problem(sizes, m=m, seed=seed, output_layer="cosine" if head == "cosine" else "dense")
    ref = Reference([net.W[l][0] for l in range(1, net.n_layers + 1)],
                    [net.b[l][0] for l in range(1, net.n_layers + 1)], head, reference_loss)
    if rule is not None:
        reference_update, lr, _ = RULES[rule]
        ref.update = reference_update(ref)
    expected = reference_optimizer(ref, X, y, lr, epochs) + [final_loss(ref, X, y)]
    optimizer = optimizer_class(lr) if rule is None else optimizer_class(lr, rule=make_rule(rule))
    history = train(net, X, y, loss, optimizer, max_epochs=epochs)
    return net, ref, history, np.array(expected)


def test_the_reference_has_the_gradient_of_its_loss():
    """The reference checked by itself, by central differences, so it is no copy of a mistake."""
    for case in CASES:
        sizes, head, _, reference_loss, _ = CASES[case]
        net, X, y = small_problem(sizes, m=7, seed=5, output_layer="cosine" if head == "cosine" else "dense")
        ref = Reference([net.W[l][0] for l in range(1, net.n_layers + 1)],
                        [net.b[l][0] for l in range(1, net.n_layers + 1)], head, reference_loss)
        ref.full_forward(X)
        _, dA = ref.evaluate(y)
        grads = {}
        for l in range(ref.L, 0, -1):
            dW, db, dA = ref.backprop_layer(l, dA)
            grads[l] = (dW, db)
        h = 1e-6
        for l in range(1, ref.L + 1):
            for array, grad in ((ref.W[l], grads[l][0]), (ref.b[l], grads[l][1])):
                if head == "cosine" and l == ref.L and array is ref.b[l]:
                    continue  # the cosine layer has no bias
                for index in [(0, 0), tuple(s - 1 for s in array.shape)]:
                    saved = array[index]
                    array[index] = saved + h
                    up = final_loss(ref, X, y)
                    array[index] = saved - h
                    down = final_loss(ref, X, y)
                    array[index] = saved
                    assert grad[index] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-8), (case, l, index)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
@pytest.mark.parametrize("case", list(CASES))
def test_pwcore_agrees_with_the_reference(case, name):
    _check_against_the_reference(case, name)


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("name, case", [("gd", "bce"), ("pw", "bce"), ("pw-printed", "bce"), ("gd", "am-cosine"),
                                        ("pw", "am-cosine")])
def test_momentum_and_adam_agree_with_the_reference_in_every_schedule(case, name, rule):
    _check_against_the_reference(case, name, rule)


def _check_against_the_reference(case, name, rule=None):
    net, ref, history, expected = compare(case, name, rule=rule)
    rtol = RTOL if rule is None else RULES[rule][2]
    L = net.n_layers
    per_epoch = 1 if name == "gd" else L
    assert history.status == "max_epochs" and history.epochs_completed == EPOCHS
    assert len(history.eval_loss) == EPOCHS * per_epoch + 1
    assert (history.eval_epoch[-1], history.eval_substep[-1]) == (EPOCHS + 1, 1)
    np.testing.assert_allclose(history.eval_loss, expected, rtol=rtol, atol=0)
    assert expected[-1] < expected[0]  # the runs learn something, so the comparison is not of constants
    for l in range(1, L + 1):
        np.testing.assert_allclose(net.W[l][0], ref.W[l], rtol=rtol, atol=1e-13)
        np.testing.assert_allclose(net.b[l][0], ref.b[l], rtol=rtol, atol=1e-13)


def test_the_printed_cosine_reading_agrees_with_the_reference_until_the_stale_norms_are_used():
    """Sub-steps 1 and 2 of the first printed epoch never reuse a cosine layer forwarded before its input
    changed, so they agree; the bug shows from sub-step 3 on."""
    net, ref, history, expected = compare("am-cosine", "pw-printed", epochs=1)
    np.testing.assert_allclose(history.eval_loss[:3], expected[:3], rtol=RTOL, atol=0)


def test_the_rules_differ_from_the_plain_step_in_the_reference_too():
    finals = {rule: compare("bce", "pw", rule=rule)[3][-1] for rule in (None, *RULES)}
    assert len({round(value, 8) for value in finals.values()}) == 3


def test_readings_and_optimizers_differ_in_the_reference_too():
    """The three references are three different algorithms on this problem (so each comparison means something)."""
    finals = {name: compare("bce", name)[3] for name in OPTIMIZERS}
    assert not np.allclose(finals["gd"][-1], finals["pw"][-1], rtol=1e-6)
    assert not np.allclose(finals["pw"], finals["pw-printed"], rtol=1e-6)
