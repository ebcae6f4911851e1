"""pwcore: a NumPy replication of the position-wise optimizer paper.

The pieces, one concept per module:

- :mod:`pwcore.network`: the fully connected network (``Network``).
- :mod:`pwcore.init`: weight initialization schemes and random streams.
- :mod:`pwcore.activations`, :mod:`pwcore.losses`: element-wise functions and objectives.
- :mod:`pwcore.optimizers`: gradient descent and the position-wise optimizer.
- :mod:`pwcore.training`: ``train`` with stopping rules, divergence detection and a ``History``.
- :mod:`pwcore.accounting`: layer-update, FLOP and update-log tallies.
- :mod:`pwcore.data`: verified loaders for the cat, MNIST and CIFAR-10 data.
- :mod:`pwcore.experiments`: the paper's experiment settings, ready to run.
"""
from .losses import AdditiveMarginSoftmax, BinaryCrossEntropy, make_loss
from .network import Network
from .optimizers import GradientDescent, PositionWise, PositionWisePrinted, make_optimizer
from .training import History, train, train_from_copies

__version__ = "0.1.0"

__all__ = [
    "AdditiveMarginSoftmax", "BinaryCrossEntropy", "GradientDescent", "History", "Network",
    "PositionWise", "PositionWisePrinted", "make_loss", "make_optimizer", "train", "train_from_copies",
]
