"""The paper's three experiments as parameter sets, and one function that runs them.

Each :class:`ExperimentConfig` field is one of the paper's stated settings or
one answer to an open question of design.md section 5; the defaults are the
Coursera course's published settings (learning rate 0.0075, ``randn/sqrt(fan_in)``
weights from ``np.random.seed(1)``), which reproduce the paper's cat counts.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from .data.datasets import SCALINGS
from .dtypes import resolve_dtype
from .executors import Here
from .losses import make_loss
from .metrics import accuracy
from .network import Network
from .optimizers import make_optimizer
from .training import Run, _check_train_arguments, check_minibatch, train_runs

BINARY = ("cat",)  # the paper's binary task: one sigmoid output and cross-entropy (build: two classes)
# The paper's reported numbers (Figures 2-4 and their text).
PAPER_RESULTS = {
    "cat": {"target": 0.1, "gd_epochs": 2243, "gd_seconds": 50, "pw_epochs": 881, "pw_seconds": 23},
    "cifar10": {"target": 3.23, "gd_epochs": 121, "gd_seconds": 462, "pw_epochs": 97, "pw_seconds": 359},
    "mnist": {"target": 3.248, "gd_epochs": 195, "gd_seconds": 282, "pw_epochs": 139, "pw_seconds": 227},
}
# What AM-softmax is applied to: the paper's sigmoid outputs or a cosine layer's (design.md open question 6),
# or the last layer's logits (no activation), on which AM-softmax with SOFTMAX's scale and margin is the
# standard softmax cross-entropy.
AM_INPUTS = ("sigmoid", "cosine", "logits")
SOFTMAX = {"am_input": "logits", "s": 1.0, "margin": 0.0}  # ExperimentConfig.with_overrides({"loss": SOFTMAX})


def paper_seconds_per_epoch_ratio(dataset: str) -> float:
    """The paper's own cost of a PW epoch over a GD epoch: its seconds over its epochs, PW over GD."""
    paper = PAPER_RESULTS[dataset]
    return (paper["pw_seconds"] / paper["pw_epochs"]) / (paper["gd_seconds"] / paper["gd_epochs"])


@dataclass(frozen=True)
class ExperimentConfig:
    """One experiment: data, network, loss, optimizer settings and stopping rule.

    ``algorithm2`` is the reading of Algorithm 2 (``"prose"`` or ``"printed"``,
    design.md open question 4). ``scaling`` is the input scaling (pixels ``"255"``
    or ``"standardized"`` per feature, see :func:`pwcore.data.load_dataset`). ``am_input`` applies to multi-class data: what
    AM-softmax is applied to, ``"sigmoid"`` outputs or ``"cosine"`` logits of a
    cosine last layer (design.md open question 6). ``hidden`` are the hidden layers'
    widths (the paper's 20, 7, 5: four layers). ``minibatch`` is the samples per
    mini-batch (None: the full batch, as the paper) and ``shuffle_seed`` seeds their
    order (:mod:`pwcore.minibatch`).
    """

    dataset: str = "cat"
    learning_rate: float = 0.0075
    init: str = "course"
    stream: str = "legacy"
    seed: int = 1
    target: float | None = 0.1
    stop_rule: str = "evaluation"
    algorithm2: str = "prose"
    dtype: str = "float64"
    max_epochs: int = 3000
    hidden: tuple = (20, 7, 5)
    am_input: str = "sigmoid"
    s: float = 1.0
    margin: float = 1.0
    scaling: str = "255"
    minibatch: int | None = None
    shuffle_seed: int = 0

    def __post_init__(self):
        if self.am_input not in AM_INPUTS:
            raise ValueError(f"unknown AM-softmax input {self.am_input!r}: choose one of {AM_INPUTS}")
        _check_train_arguments(self.target, self.max_epochs, self.stop_rule)  # as train() would, but at once
        if self.scaling not in SCALINGS:
            raise ValueError(f"unknown input scaling {self.scaling!r}: choose one of {SCALINGS}")
        resolve_dtype(self.dtype)
        make_optimizer("pw", self.learning_rate, self.algorithm2)  # validates rate and reading
        if not self.hidden or any(int(n) < 1 for n in self.hidden):
            raise ValueError(f"hidden layer widths must be positive integers, got {self.hidden}")
        check_minibatch(self.minibatch, self.algorithm2)

    @classmethod
    def paper(cls, dataset: str, **overrides) -> "ExperimentConfig":
        """The settings of the paper's experiment on ``dataset``, with its target.

        An override of None keeps the default (so notebook parameters may leave ``target=None``).
        """
        if dataset not in PAPER_RESULTS:
            raise ValueError(f"unknown dataset {dataset!r}: choose one of {sorted(PAPER_RESULTS)}")
        defaults = {"dataset": dataset, "target": PAPER_RESULTS[dataset]["target"]}
        if dataset != "cat":
            defaults["max_epochs"] = 300
        return replace(cls(**defaults), **{k: v for k, v in overrides.items() if v is not None})

    def as_dict(self) -> dict:
        return asdict(self)

    def with_overrides(self, overrides: dict) -> "ExperimentConfig":
        """A copy with ``overrides`` applied; a dict value is merged field by field (e.g. ``{"s": 2, "margin": 0.5}``)."""
        fields = {}
        for key, value in overrides.items():
            fields.update(value if isinstance(value, dict) else {key: value})
        return replace(self, **fields)


def build(config: ExperimentConfig, n_features: int, n_classes: int):
    """The initial network and the loss of an experiment.

    Returns
    -------
    net : Network
        ``n_features -> hidden... -> outputs``, ReLU hidden layers, a sigmoid output (or, on multi-class
        data, a cosine output or the logits themselves, by ``config.am_input``).
    loss : callable
    """
    binary = n_classes == 2
    cosine = not binary and config.am_input == "cosine"
    logits = not binary and config.am_input == "logits"
    sizes = [n_features, *config.hidden, 1 if binary else n_classes]
    activations = ["relu"] * len(config.hidden) + ["identity" if cosine or logits else "sigmoid"]
    net = Network.initialize(sizes, activations, config.init, config.seed, config.stream,
                             "cosine" if cosine else "dense", config.dtype)
    loss = make_loss("bce" if binary else "am_softmax", n_classes, config.s, config.margin)
    return net, loss


@dataclass
class ExperimentResult:
    """Histories of each optimizer from the same initial weights, with held-out accuracy."""

    config: ExperimentConfig
    histories: dict
    test_accuracy: dict = field(default_factory=dict)
    train_accuracy: dict = field(default_factory=dict)
    initial_loss: float = float("nan")
    data_meta: dict = field(default_factory=dict)


def load_data(config: ExperimentConfig):
    """The dataset of ``config`` in its dtype and input scaling (:func:`pwcore.data.load_dataset`)."""
    from .data import load_dataset
    return load_dataset(config.dataset, config.dtype, scaling=config.scaling)


def config_run(config: ExperimentConfig, data, name: str, multipliers=None) -> Run:
    """A run of optimizer ``name`` from the initial network of ``config`` (built afresh) on ``data``."""
    scaling = data.meta.get("scaling", "255")
    if scaling != config.scaling:
        raise ValueError(f"the data are scaled {scaling!r} but the experiment asks for {config.scaling!r}; "
                         f"load them with pwcore.experiments.load_data(config)")
    net, loss = build(config, data.n_features, data.n_classes)
    optimizer = make_optimizer(name, config.learning_rate, config.algorithm2, multipliers)
    return Run(net, loss, optimizer, config.target, config.max_epochs, config.stop_rule, config.minibatch,
               config.shuffle_seed)


def run_experiment(config: ExperimentConfig, dataset=None, optimizers=("gd", "pw"), progress=False,
                   multipliers: dict | None = None, report=None) -> ExperimentResult:
    """Train each optimizer from copies of one initial network, one run at a time (so each run's seconds are its own).

    Parameters
    ----------
    config : ExperimentConfig
    dataset : pwcore.data.Dataset, optional
        Loaded (in ``config.dtype``) if not given.
    optimizers : sequence of {"gd", "pw"}
    progress : bool
        Progress bars on standard error.
    multipliers : dict, optional
        ``{optimizer name: per-layer learning-rate factors}``.
    report : callable, optional
        Receives each run's :class:`~pwcore.history.Progress` after each epoch (see
        :func:`~pwcore.training.train_runs`; every run is the first of its call, ``index`` 0).
    """
    if dataset is None:
        dataset = load_data(config)
    if dataset.X_train.dtype != resolve_dtype(config.dtype):
        raise ValueError(f"the dataset is {dataset.X_train.dtype} but the experiment asks for {config.dtype}; "
                         f"load it with load_dataset({config.dataset!r}, {config.dtype!r})")
    runs = {name: config_run(config, dataset, name, (multipliers or {}).get(name)) for name in optimizers}
    result = ExperimentResult(config, {}, data_meta=dataset.meta,
                              initial_loss=next(iter(runs.values())).current_loss(dataset.X_train, dataset.y_train))
    for name, run in runs.items():
        history = train_runs([run], dataset.X_train, dataset.y_train, progress=progress, report=report,
                             executor=Here())[0]  # here, alone: its seconds are its own
        result.histories[name] = history
        if not history.diverged:
            result.train_accuracy[name] = accuracy(run.net, dataset.X_train, dataset.y_train)
            result.test_accuracy[name] = accuracy(run.net, dataset.X_test, dataset.y_test)
    return result


def one_epoch_update_logs(n_layers: int = 4, algorithm2: str = "prose") -> dict:
    """Run one epoch of GD and PW on a small random network of ``n_layers`` layers.

    Returns
    -------
    dict
        ``{"gd": log, "pw": log}``, each a list of tuples of updated layers (input layer = 1).
    """
    rng = np.random.default_rng(0)
    sizes = [8] + [6] * (n_layers - 1) + [1]
    net = Network.initialize(sizes, ["relu"] * (n_layers - 1) + ["sigmoid"], "glorot", 0, "generator")
    X, y = rng.normal(size=(sizes[0], 16)), rng.integers(0, 2, 16)
    loss = make_loss("bce")
    names = ("gd", "pw")
    runs = [Run(net.copy(), loss, make_optimizer(name, 0.01, algorithm2), max_epochs=1) for name in names]
    return {name: history.update_log for name, history in zip(names, train_runs(runs, X, y, executor=Here()))}
