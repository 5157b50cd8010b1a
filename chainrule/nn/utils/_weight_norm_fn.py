"""``norm_except_dim`` and ``_weight_norm`` (w = g * v / ||v||), composed from public ops
(torch has them as ATen functions; the graph here is built from their pieces)."""
from __future__ import annotations

from ..._tensor import Tensor

__all__: list = []


def norm_except_dim(v: Tensor, pow: float = 2, dim: int = 0) -> Tensor:
    """The ``pow``-norm of ``v`` over every dimension but ``dim``, kept as size-1 dims
    (``dim=-1``: over the whole tensor, a 0-d result)."""
    from ...linalg import vector_norm
    if dim == -1:
        return vector_norm(v, pow)
    dim = dim % v.dim() if v.dim() else 0
    others = [d for d in range(v.dim()) if d != dim]
    if not others:
        return v.abs() if pow != 0 else (v != 0).to(v.dtype)
    return vector_norm(v, pow, dim=others, keepdim=True)


def _weight_norm(v: Tensor, g: Tensor, dim: int = 0) -> Tensor:
    """``v * (g / norm_except_dim(v, 2, dim))``."""
    return v * (g / norm_except_dim(v, 2, dim))
