"""chainrule.nn: layers, losses, parameters and initialisation, mirroring torch.nn."""
from __future__ import annotations

from . import functional, init
from .modules import Identity, Linear, Module, ModuleList, MSELoss, ReLU, Sequential, Sigmoid, Tanh
from .parameter import Buffer, Parameter

__all__ = ["Buffer", "Identity", "Linear", "MSELoss", "Module", "ModuleList", "Parameter", "ReLU",
           "Sequential", "Sigmoid", "Tanh", "functional", "init"]

from . import parallel  # noqa: E402 - nn.parallel: DataParallel on the one CPU device
from .parallel import DataParallel  # noqa: E402

__all__ += ["DataParallel", "parallel"]
