"""Optimizers with ``torch.optim``'s semantics: SGD (with momentum) and Adam."""
from minigrad.optim.adam import Adam
from minigrad.optim.optimizer import Optimizer
from minigrad.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam"]
