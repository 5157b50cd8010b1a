"""torch.nn.functional: the stateless forms of the layers and losses."""
from __future__ import annotations

from .._tensor import Tensor
from ..ops.nn import linear, mse_loss

__all__ = ["linear", "mse_loss", "relu", "relu_", "sigmoid", "tanh"]


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
