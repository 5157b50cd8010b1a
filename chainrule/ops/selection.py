"""Membership and fixed-size selection, never differentiable: ``isin`` (elements and test
elements promoted to one dtype, as torch compares them) and ``nonzero_static`` (the indices
of ``nonzero``, cut or padded to ``size`` rows)."""
from __future__ import annotations

from .._dtypes import type_name
from .._factory import torch_type_name
from .._meta import is_meta, meta_array, meta_aware
from .._tensor import Tensor
from ._promotion import _promoted_dtype
from ._registry import expose
from .shape._out import write_out

_ISIN_SIGNATURES = (
    "\n * (Tensor elements, Tensor test_elements, *, bool assume_unique = False, bool invert = "
    "False, Tensor out = None)\n * (Number element, Tensor test_elements, *, bool assume_unique "
    "= False, bool invert = False, Tensor out = None)\n * (Tensor elements, Number "
    "test_element, *, bool assume_unique = False, bool invert = False, Tensor out = None)\n")


@expose(method=False)
@meta_aware
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False,
         out: Tensor | None = None) -> Tensor:
    """For each of ``elements``, whether it is among ``test_elements`` (either may be a
    number); both are compared in their promoted dtype. ``invert`` negates the answer.

    >>> import chainrule as torch
    >>> torch.isin(torch.tensor([1, 2, 3]), torch.tensor([2, 9]))
    tensor([False,  True, False])
    """
    a_t, b_t = isinstance(elements, Tensor), isinstance(test_elements, Tensor)
    if not (a_t or b_t) or not all(isinstance(v, (Tensor, int, float, bool)) and
                                   not isinstance(v, complex)
                                   for v in (elements, test_elements)):
        got = ", ".join(torch_type_name(v) for v in (elements, test_elements))
        raise TypeError(f"isin() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:" + _ISIN_SIGNATURES)
    for v in (elements, test_elements):
        kind = v._data.dtype.kind if isinstance(v, Tensor) else (
            "b" if isinstance(v, bool) else "")
        if kind in ("b", "c"):
            name = type_name(v._data.dtype) if isinstance(v, Tensor) else "Bool"
            raise RuntimeError(f"Unsupported input type encountered for isin(): {name}")
    common = _promoted_dtype(elements, test_elements).np
    ref = elements if a_t else test_elements
    xp = ref.xp
    a = elements._data if a_t else xp.asarray(elements)
    b = test_elements._data if b_t else xp.asarray(test_elements)
    result = Tensor._make(xp.asarray(xp.isin(a.astype(common, copy=False),
                                             b.astype(common, copy=False),
                                             assume_unique=assume_unique, invert=invert)))
    if out is not None:
        return write_out("isin", out, result)
    return result


@expose
def nonzero_static(input: Tensor, *, size: int, fill_value: int = -1) -> Tensor:
    """``nonzero``'s (n, ndim) int64 indices with exactly ``size`` rows: cut when there are
    more, padded with ``fill_value`` when there are fewer.

    >>> import chainrule as torch
    >>> torch.nonzero_static(torch.tensor([0, 1, 0, 2]), size=3)
    tensor([[ 1],
            [ 3],
            [-1]])
    """
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"nonzero_static(): argument 'size' must be int, not "
                        f"{torch_type_name(size)}")
    if size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    x = input._data
    xp = input.xp
    if is_meta(x):  # the size is static: no data needed for the shape
        return Tensor._make(meta_array((size, x.ndim), "int64"))
    found = xp.argwhere(x) if x.ndim else xp.zeros((int(bool(x)), 0), dtype=xp.int64)
    rows = found[:size].astype(xp.int64)
    if rows.shape[0] < size:
        pad = xp.full((size - rows.shape[0], x.ndim), fill_value, dtype=xp.int64)
        rows = xp.concatenate([rows, pad])
    return Tensor._make(rows)
