"""Loss modules: each holds its ``reduction`` and calls the functional form."""
from __future__ import annotations

from ..._tensor import Tensor
from ...ops.nn._util import _legacy_reduction
from .. import functional as F
from .module import Module

__all__ = ["MSELoss"]


class _Loss(Module):
    reduction: str

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = _legacy_reduction(size_average, reduce)
        else:
            self.reduction = reduction


class MSELoss(_Loss):
    """Mean squared error between input and target (``reduction``: 'mean', 'sum', 'none')."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)
