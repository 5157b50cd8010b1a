"""torch.nn.functional: the stateless forms of the layers and losses.

A thin face: the functions live with their ops in ``chainrule/ops/nn/`` (one module per
family, each listing what it shows here in ``__all__``).
"""
from __future__ import annotations

from .._tensor import Tensor  # noqa: F401 - torch.nn.functional.Tensor
from ..ops import nn as _families

__all__: list = []
for _family in _families.FAMILIES:
    globals().update({_name: getattr(_family, _name) for _name in _family.__all__})
    __all__ += list(_family.__all__)
del _family
