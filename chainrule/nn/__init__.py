"""chainrule.nn: layers, losses, parameters and initialisation, mirroring torch.nn.

Every module class is exported by ``nn.modules`` (its ``__all__``); this package adds the
parameter classes and the ``functional``, ``init`` and ``utils`` submodules.
"""
from __future__ import annotations

from typing import TYPE_CHECKING as _TYPE_CHECKING

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

if _TYPE_CHECKING:  # nn.modules' __all__ is computed; name its parts for static tools
    from .modules.activation import *  # noqa: F403
    from .modules.adaptive import *  # noqa: F403
    from .modules.batchnorm import *  # noqa: F403
    from .modules.channelshuffle import *  # noqa: F403
    from .modules.conv import *  # noqa: F403
    from .modules.distance import *  # noqa: F403
    from .modules.dropout import *  # noqa: F403
    from .modules.flatten import *  # noqa: F403
    from .modules.fold import *  # noqa: F403
    from .modules.instancenorm import *  # noqa: F403
    from .modules.linear import *  # noqa: F403
    from .modules.linear_cross_entropy_options import *  # noqa: F403
    from .modules.loss import *  # noqa: F403
    from .modules.normalization import *  # noqa: F403
    from .modules.padding import *  # noqa: F403
    from .modules.pixelshuffle import *  # noqa: F403
    from .modules.pooling import *  # noqa: F403
    from .modules.sparse import *  # noqa: F403
    from .modules.upsampling import *  # noqa: F403
