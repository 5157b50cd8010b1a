"""chainrule.nn: layers, losses, parameters and initialisation, mirroring torch.nn.

Every module class is exported by ``nn.modules`` (its ``__all__``); this package adds the
parameter classes and the ``functional``, ``init`` and ``utils`` submodules.
"""
from __future__ import annotations

from . import functional, init, utils
from .modules import *  # noqa: F403 - the module classes, as listed in modules.__all__
from .modules import __all__ as _module_names
from .parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter

__all__ = [*_module_names, "Buffer", "Parameter", "UninitializedBuffer",
           "UninitializedParameter", "functional", "init", "utils"]

from . import parallel  # noqa: E402 - nn.parallel: DataParallel on the one CPU device
from .parallel import DataParallel  # noqa: E402

__all__ += ["DataParallel", "parallel"]

from . import attention, grad  # noqa: E402 - nn.attention (sdpa_kernel), nn.grad (conv grads)

__all__ += ["attention", "grad"]
