"""Update rules (plain, heavy-ball momentum, Adam): steps worked out by hand, names, validation, and stacks."""
import numpy as np
import pytest

from conftest import small_problem
from pwcore import BinaryCrossEntropy, train, train_runs
from pwcore.network import Network
from pwcore.optimizers import NAMES, make_optimizer
from pwcore.rules import Adam, HeavyBall, make_rule
from pwcore.training import Run


def one_weight(w=1.0):
    """A one-layer, one-weight network (a run axis of 1): W = [[w]], b = [[0]]."""
    return Network([np.array([[w]])], ["sigmoid"], [np.zeros((1, 1))])


def apply(rule, gradients, rate=0.1):
    """The weight after the rule's steps with the gradients ``gradients`` (the bias's gradient 0)."""
    net, state = one_weight(), rule.new_state(None)
    for g in gradients:
        rule.apply(state, net, 1, np.array([[[g]]]), np.zeros((1, 1, 1)), np.array([rate]))
    return net.W[1][0, 0, 0]


def test_heavy_ball_by_hand():
    # v1 = 0.5, W1 = 1 - 0.1 * 0.5 = 0.95; v2 = 0.9 * 0.5 - 0.2 = 0.25, W2 = 0.95 - 0.1 * 0.25 = 0.925
    assert apply(HeavyBall(0.9), [0.5]) == pytest.approx(0.95, abs=1e-15)
    assert apply(HeavyBall(0.9), [0.5, -0.2]) == pytest.approx(0.925, abs=1e-15)
    assert apply(HeavyBall(0.0), [0.5, -0.2]) == pytest.approx(1 - 0.05 + 0.02, abs=1e-15)  # beta 0: plain steps


def test_adam_by_hand():
    # t1: m = 0.05, v = 0.00025; m_hat = 0.5, v_hat = 0.25: step 0.1 * 0.5 / (0.5 + 1e-8)
    first = 1 - 0.1 * 0.5 / (0.5 + 1e-8)
    assert apply(Adam(), [0.5]) == pytest.approx(first, abs=1e-15)
    # t2: m = 0.9 * 0.05 + 0.1 * (-0.2) = 0.025, m_hat = 0.025 / 0.19;
    #     v = 0.999 * 0.00025 + 0.001 * 0.04 = 0.00028975, v_hat = 0.00028975 / 0.001999
    m_hat, v_hat = 0.025 / 0.19, 0.00028975 / 0.001999
    assert apply(Adam(), [0.5, -0.2]) == pytest.approx(first - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8), abs=1e-14)


def test_adam_counts_the_updates_of_each_layer():
    rule, net = Adam(), Network([np.eye(2), np.eye(2)], ["relu", "sigmoid"], [np.zeros((2, 1))] * 2)
    state, g, rates = {}, np.ones((1, 2, 2)), np.array([0.1])
    for l in (2, 2, 1):  # layer 2 twice, layer 1 once: a PW epoch of two layers
        rule.apply(state, net, l, g, np.ones((1, 2, 1)), rates)
    assert (state[1]["t"], state[2]["t"]) == (1, 2)


def test_optimizer_names_say_the_schedule_and_the_rule():
    assert NAMES == ("gd", "pw", "momentum", "pw-momentum", "adam", "pw-adam")
    built = {name: make_optimizer(name, 0.01) for name in NAMES}
    assert {name: optimizer.name for name, optimizer in built.items()} == {name: name for name in NAMES}
    assert {name: o.depths(3) for name, o in built.items() if "pw" in name} == {n: [1, 2, 3] for n in NAMES if "pw" in n}
    assert built["momentum"].depths(3) == [3] and built["adam"].rule.key() == ("adam", 0.9, 0.999, 1e-8)
    assert make_optimizer("pw-adam", 0.01, "printed").name == "pw-printed-adam"
    assert make_optimizer("momentum", 0.01, beta=0.5).rule.beta == 0.5
    assert make_optimizer("pw", 0.01, "printed").name == "pw-printed"  # the printed reading's own name
    with pytest.raises(ValueError, match="algorithm2='printed'"):  # a reading, not an optimizer
        make_optimizer("pw-printed", 0.01)


@pytest.mark.parametrize("call, message", [
    (lambda: make_optimizer("nesterov", 0.1), r"unknown optimizer 'nesterov': choose one of \('gd', 'pw'"),
    (lambda: make_optimizer("gd", 0.1, beta=0.5), r"update rule 'plain' takes no option \['beta'\]; it takes none"),
    (lambda: make_rule("adam", beta=0.5), r"takes no option \['beta'\]; it takes \['beta1', 'beta2', 'eps'\]"),
    (lambda: make_rule("momentum", beta=1.0), r"beta must be a number in \[0, 1\), got 1.0"),
    (lambda: make_rule("adam", eps=0), "eps must be a positive number, got 0"),
    (lambda: make_rule("rmsprop"), r"unknown update rule 'rmsprop': choose one of \('plain', 'momentum', 'adam'\)"),
])
def test_bad_rules_and_names_are_refused_with_the_choices(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("name", ["momentum", "pw-adam"])
def test_runs_with_a_rule_give_in_a_stack_what_they_give_alone_as_runs_leave_it(name):
    """Three runs stop at different epochs; the state of the runs that go on must stay theirs."""
    problems = [small_problem(seed=seed) for seed in (1, 2, 3)]
    X, y = problems[0][1], problems[0][2]
    targets = [0.6, 0.5, None]
    rate = 0.05 if "adam" in name else 0.2
    make = lambda: [Run(net.copy(), BinaryCrossEntropy(), make_optimizer(name, rate), target, 60, "epoch")
                    for (net, _, _), target in zip(problems, targets)]
    stacked = train_runs(make(), X, y)
    alone = [train(run.net, X, y, run.loss, run.optimizer, run.target, run.max_epochs, run.stop_rule)
             for run in make()]
    assert len({h.epochs_completed for h in stacked}) == 3  # they did leave at different times
    for a, b in zip(stacked, alone):
        np.testing.assert_allclose(a.eval_loss, b.eval_loss, rtol=1e-12, atol=0)


def test_runs_of_different_rules_never_share_a_stack():
    net = small_problem()[0]
    runs = [Run(net.copy(), BinaryCrossEntropy(), make_optimizer(name, 0.1)) for name in ("gd", "momentum", "adam")]
    runs.append(Run(net.copy(), BinaryCrossEntropy(), make_optimizer("momentum", 0.1, beta=0.5)))
    assert len({run.stack_key() for run in runs}) == 4
