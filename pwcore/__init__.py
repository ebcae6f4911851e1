"""pwcore: a NumPy replication of the position-wise optimizer paper.

The pieces, one concept per module:

- :mod:`pwcore.network`: fully connected networks with a leading run axis (``Network``; one network is ``R = 1``).
- :mod:`pwcore.init`: weight initialization schemes and random streams.
- :mod:`pwcore.activations`, :mod:`pwcore.losses`: element-wise functions and objectives.
- :mod:`pwcore.batch`: the shared input, the cached activations of every run, and what they cost.
- :mod:`pwcore.optimizers`: gradient descent and the position-wise optimizer as schedules, and one epoch.
- :mod:`pwcore.rules`: update rules (plain, heavy-ball momentum, Adam), each in either schedule.
- :mod:`pwcore.minibatch`: epochs of mini-batches, each running the whole schedule.
- :mod:`pwcore.training`: ``Run``, ``train`` and ``train_runs`` (runs grouped into stacks that fit in memory).
- :mod:`pwcore.stack`: one stack of runs trained as one computation, each run leaving it when it stops.
- :mod:`pwcore.history`: what a run produced (``History``), its progress, and the stopping rules.
- :mod:`pwcore.executors`: where the stacks train: here, or on a Dask cluster.
- :mod:`pwcore.memory`: how many runs fit in one stack.
- :mod:`pwcore.accounting`: layer-update, FLOP and update-log tallies.
- :mod:`pwcore.data`: verified loaders for the cat, MNIST and CIFAR-10 data.
- :mod:`pwcore.experiments`: the paper's experiment settings, ready to run.
- :mod:`pwcore.study`, :mod:`pwcore.calibration`: the sweeps around them (seeds, learning rates, the calibrated rate).
- :mod:`pwcore.tuning`: one tuning rule for every optimizer (the same grid, extended up to each one's failure).
- :mod:`pwcore.robustness`: a calibrated count over its whole rate interval, in both dtypes, with its margins.
- :mod:`pwcore.beyond`: PW against momentum and Adam, across depths and mini-batch sizes.
- :mod:`pwcore.practice`: time to targets a practitioner cares about (a training loss and a held-out accuracy).
"""
from .losses import AdditiveMarginSoftmax, BinaryCrossEntropy, make_loss
from .network import Network
from .optimizers import GradientDescent, PositionWise, PositionWisePrinted, make_optimizer
from .history import History
from .training import Run, train, train_runs

__version__ = "0.1.0"

__all__ = [
    "AdditiveMarginSoftmax", "BinaryCrossEntropy", "GradientDescent", "History", "Network",
    "PositionWise", "PositionWisePrinted", "Run", "make_loss", "make_optimizer", "train", "train_runs",
]
