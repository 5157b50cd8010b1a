"""The losses behind ``nn.functional``, one module per kind: ``mse``, ``regression`` (l1,
smooth_l1, huber, poisson/gaussian nll, kl_div), ``classification`` (nll, cross_entropy,
binary cross entropy), ``margin`` (margin, embedding and triplet losses), ``ctc``."""
from __future__ import annotations

from . import classification as _classification
from . import ctc as _ctc
from . import margin as _margin
from . import mse as _mse
from . import regression as _regression

__all__: list = []
for _module in (_mse, _regression, _classification, _margin, _ctc):
    globals().update({_name: getattr(_module, _name) for _name in _module.__all__})
    __all__ += list(_module.__all__)
del _module
