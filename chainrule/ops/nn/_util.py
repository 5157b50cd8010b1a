"""Helpers the nn op families share: element counts, torch's dtype words, broadcasting a
pair of operands, and the legacy ``size_average``/``reduce`` arguments."""
from __future__ import annotations

import warnings

from ..._tensor import Tensor


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _type_word(t: Tensor) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(t.dtype.name, t.dtype.name)


def _broadcast_pair(a: Tensor, b: Tensor) -> tuple:
    """torch.broadcast_tensors for two tensors: only a tensor whose shape changes is
    expanded (ExpandBackward0)."""
    sa, sb = a._data.shape, b._data.shape
    if sa == sb:
        return a, b
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    shape = []
    for dim, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {dim}")
        shape.append(y if x == 1 else x)
    shape = tuple(shape)
    return (a if sa == shape else a.expand(shape)), (b if sb == shape else b.expand(shape))


def _legacy_reduction(size_average, reduce) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=3)
    return ret
