"""Indexing by tensors of positions: gather/scatter (``gather.py``), the ``index_*`` ops
(``index.py``), the masked ops, take/put and nonzero (``masked.py``); deterministic
accumulation kernels in ``_kernels.py``. This module adds the in-place ``_`` forms."""
from __future__ import annotations

from ..._tensor import Tensor
from .._inplace import inplace
from . import gather, index, masked

_INPLACE = {
    "scatter_": gather.scatter, "scatter_add_": gather.scatter_add,
    "scatter_reduce_": gather.scatter_reduce_into, "index_add_": index.index_add,
    "index_copy_": index.index_copy, "index_fill_": index.index_fill,
    "index_put_": index.index_put, "index_reduce_": index.index_reduce,
    "masked_fill_": masked.masked_fill, "put_": masked.put,
}
for _name, _fn in _INPLACE.items():
    setattr(Tensor, _name, inplace(_fn))

_masked_scatter_inplace = inplace(masked.masked_scatter)


def _masked_scatter_(self, mask, source):
    """In-place masked_scatter: ``mask`` broadcasts to this tensor's shape (not both ways)."""
    if isinstance(mask, Tensor):
        mask.expand(tuple(self.shape))  # torch's error when it does not fit
    return _masked_scatter_inplace(self, mask, source)


Tensor.masked_scatter_ = _masked_scatter_
