"""The type names torch.distributions takes from ``torch.types`` and ``torch.overrides``."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Union

from .._dtypes import dtype as _dtype
from .._size import Size
from .._tensor import Tensor
from ..backend import device as Device

__all__ = ["Device", "Number", "SymInt", "_Number", "_dtype", "_size", "is_tensor_like"]

Number = Union[int, float, bool]
_Number = (int, float, bool)  # for isinstance checks
SymInt = int
_size = Union[Size, Sequence[int]]


def is_tensor_like(obj) -> bool:
    """True for a chainrule Tensor (torch also accepts ``__torch_function__`` objects)."""
    return isinstance(obj, Tensor)
