"""Helpers the batching rules share."""
from __future__ import annotations

__all__ = ["front", "pad", "logical_ndim"]


def front(value, bdim, size=None):
    """``value`` with its batch at dim 0 (``bdim`` None: expanded to ``size`` first)."""
    if bdim is None:
        return value.unsqueeze(0).expand((size,) + tuple(value._data.shape))
    return value if bdim == 0 else value.movedim(bdim, 0)


def logical_ndim(value, bdim) -> int:
    return value._data.ndim - (bdim is not None)


def pad(value, bdim, ndim):
    """Batch in front, then size-1 dims so the sample has ``ndim`` dims."""
    value = front(value, bdim)
    missing = ndim - (value._data.ndim - 1)
    if missing > 0:
        shape = value._data.shape
        value = value.reshape((shape[0],) + (1,) * missing + tuple(shape[1:]))
    return value
