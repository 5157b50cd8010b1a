"""chainrule.nn: layers, losses, parameters and initialisation, mirroring torch.nn."""
from __future__ import annotations

from . import (
           functional,
           init,
           utils,  # nnmod: torch.nn.utils
)
from .modules import (  # nnmod
           Container,
           Identity,
           Linear,
           Module,
           ModuleDict,
           ModuleList,
           MSELoss,
           ParameterDict,
           ParameterList,
           ReLU,
           Sequential,
           Sigmoid,
           Tanh,
)
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # nnmod

__all__ = ["Buffer", "Identity", "Linear", "MSELoss", "Module", "ModuleList", "Parameter", "ReLU",
           "Sequential", "Sigmoid", "Tanh", "functional", "init"]
__all__ += ["Container", "ModuleDict", "ParameterDict", "ParameterList",  # nnmod
            "UninitializedBuffer", "UninitializedParameter", "utils"]

from . import parallel  # noqa: E402 - nn.parallel: DataParallel on the one CPU device
from .parallel import DataParallel  # noqa: E402

__all__ += ["DataParallel", "parallel"]
