"""chainrule.optim: optimizers, learning-rate schedulers and weight averaging mirroring
torch.optim."""
from __future__ import annotations

from . import lr_scheduler, swa_utils
from ._adafactor import Adafactor
from ._muon import Muon
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .sparse_adam import SparseAdam

__all__ = ["ASGD", "LBFGS", "SGD", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW", "Adamax",
           "Muon", "NAdam", "Optimizer", "RAdam", "RMSprop", "Rprop", "SparseAdam",
           "lr_scheduler", "swa_utils"]

Adafactor.__module__ = "chainrule.optim"
Muon.__module__ = "chainrule.optim"

# torch.optim keeps its submodules out of the package namespace (``torch.optim.adam`` is an
# AttributeError; ``import torch.optim.adam`` still works)
del adadelta, adagrad, adam, adamax, adamw, asgd, lbfgs, nadam, optimizer, radam  # noqa: F821
del rmsprop, rprop, sgd, sparse_adam  # noqa: F821
