"""SparseAdam: not available, because chainrule has no sparse tensors.

torch's SparseAdam updates only the rows that a sparse gradient (``nn.Embedding(...,
sparse=True)``) touches and refuses dense gradients. Constructing it here raises
NotImplementedError that says so; ``Adam`` on dense gradients is the substitute.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .optimizer import Optimizer

__all__ = ["SparseAdam"]


class SparseAdam(Optimizer):
    """Placeholder for torch.optim.SparseAdam: raises NotImplementedError."""

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 maximize: bool = False) -> None:
        raise NotImplementedError(
            "torch.optim.SparseAdam is not implemented in chainrule: it needs sparse "
            "gradients, and chainrule has no sparse tensors. Use chainrule.optim.Adam with "
            "dense gradients instead.")
