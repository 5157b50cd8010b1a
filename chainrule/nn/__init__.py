"""chainrule.nn: layers, losses, parameters and initialisation, mirroring torch.nn."""
from __future__ import annotations

from . import functional, init
from .modules import Identity, Linear, Module, ModuleList, MSELoss, ReLU, Sequential, Sigmoid, Tanh
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # nnmod

__all__ = ["Buffer", "Identity", "Linear", "MSELoss", "Module", "ModuleList", "Parameter", "ReLU",
           "Sequential", "Sigmoid", "Tanh", "functional", "init"]
__all__ += ["UninitializedBuffer", "UninitializedParameter"]  # nnmod

# --- layer modules: every class nn.modules exports ---
from .modules import *  # noqa: E402, F403
from .modules import __all__ as _modules_all  # noqa: E402

__all__ = sorted(set(__all__) | set(_modules_all))
