"""torch.nn.functional: the stateless forms of the layers and losses.

A thin face: the functions live with their ops in ``chainrule/ops/nn/`` (one module per
family, each listing what it shows here in ``__all__``).
"""
from __future__ import annotations

from .._tensor import Tensor
from ..ops import nn as _families

__all__ = ["relu", "relu_", "sigmoid", "tanh"]
for _family in _families.FAMILIES:
    globals().update({_name: getattr(_family, _name) for _name in _family.__all__})
    __all__ += list(_family.__all__)
del _family


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x) elementwise (ReluBackward0); ``inplace`` overwrites ``input``."""
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    return input.relu_()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise (SigmoidBackward0)."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """tanh(x) elementwise (TanhBackward0)."""
    return input.tanh()
