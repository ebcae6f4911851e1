"""How near a count came to moving: the margins of a stopping check, and the counts over an interval."""
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from pwcore import robustness, study
from pwcore.experiments import ExperimentConfig, config_run, load_data
from pwcore.training import train_runs


def history(losses, substeps, epochs):
    return SimpleNamespace(eval_loss=np.array(losses), eval_substep=np.array(substeps), eval_epoch=np.array(epochs))


# three epochs of two sub-steps each: the loss is evaluated before every sub-step
RUN = history([0.9, 0.55, 0.7, 0.45, 0.3, 0.2], [1, 2, 1, 2, 1, 2], [1, 1, 2, 2, 3, 3])


def test_the_margins_are_read_at_the_checks_the_rule_looks_at():
    each = robustness.count_margin(RUN, 0.5, "evaluation")  # hit at 0.45 (epoch 2), the check before saw 0.7
    assert each["epochs"] == 1 and each["below"] == pytest.approx(0.05) and each["above"] == pytest.approx(0.2)
    first = robustness.count_margin(RUN, 0.5, "epoch")  # only epochs' first evaluations: 0.9, 0.7, 0.3
    assert first["epochs"] == 2 and first["below"] == pytest.approx(0.2) and first["above"] == pytest.approx(0.2)
    assert robustness.count_margin(RUN, 0.95, "epoch") == {"epochs": 0, "below": pytest.approx(0.05), "above": None}
    assert robustness.count_margin(RUN, 0.1, "epoch") == {"epochs": None, "below": None, "above": None}
    for target in (0.95, 0.5, 0.25, 0.1):
        for rule in ("epoch", "evaluation"):
            assert robustness.count_margin(RUN, target, rule)["epochs"] == study.epochs_to_target(RUN, target, rule)


def test_a_loss_exactly_at_the_target_is_not_a_hit():
    exact = robustness.count_margin(RUN, 0.7, "epoch")
    assert exact["epochs"] == 2 and exact["above"] == 0.0  # 0.7 is not below 0.7: the hit is 0.3


CAT = ExperimentConfig.paper("cat", target=0.7)
ROW = {"rate_low": 0.0074, "rate_high": 0.0076, "pw_reading": "prose", "pw_rule": "evaluation",
       **{name: getattr(CAT, name) for name in ("init", "seed", "am_input", "s", "margin", "scaling")}}


@pytest.fixture(scope="module")
def margins():
    return robustness.count_margins(CAT, ROW, n_points=3, log=lambda line: None)


def test_the_counts_span_the_interval_in_both_dtypes_as_a_run_alone_counts_them(margins):
    assert [(m["dtype"], m["learning_rate"]) for m in margins] == [
        (dtype, rate) for dtype in ("float64", "float32") for rate in (0.0074, 0.0075, 0.0076)]
    middle = margins[1]
    config = replace(CAT, learning_rate=0.0075, stop_rule="epoch", max_epochs=2 * 2243)
    data = load_data(config)
    gd, pw = train_runs([config_run(config, data, name) for name in ("gd", "pw")], data.X_train, data.y_train)
    assert middle["gd_epochs"] == study.epochs_to_target(gd, 0.7) > 0
    assert middle["pw_epochs"] == study.epochs_to_target(pw, 0.7, "evaluation") > 0
    for m in margins:
        assert all(m[f"{k}_below"] > 0 and m[f"{k}_above"] >= 0 for k in ("gd", "pw"))


@pytest.mark.parametrize("arguments, message", [({"n_points": 1}, "n_points"), ({"dtypes": ("float16",)}, "dtypes"),
                                                ({"dtypes": ()}, "dtypes")])
def test_bad_parameters_are_refused_before_training(arguments, message):
    with pytest.raises(ValueError, match=message):
        robustness.count_margins(CAT, ROW, **arguments)
