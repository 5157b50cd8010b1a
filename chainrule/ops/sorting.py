"""Sorting and searching: sort, argsort, msort, topk, unique, unique_consecutive, bincount,
histc, histogram, searchsorted, bucketize.

sort and topk return ``(values, indices)``; their gradients scatter back through the
indices (SortBackward0, TopkBackward0), with the reduction family's internal gather and
scatter ops. Sorting is stable: ``stable=False`` gives the stable order too, which is
torch's own for short rows (torch's unstable sort may order ties differently in long ones).
"""
from __future__ import annotations

import math

from .._dtypes import _BY_NP, float32, float64, int32, int64
from .._meta import is_meta, meta_aware
from .._tensor import Tensor, _wrap_dim
from ._dispatch import batched_function
from ._registry import expose
from .reduction import _stdsort as _std
from .reduction._common import (
    NotImplementedOp,
    attach,
    index_tensor,
    select,
    selection_op,
    type_word,
    wrap,
    write_out,
)

SORT = selection_op("sort", "SortBackward0")
SORT_STABLE = selection_op("sort_stable", "SortBackward1")  # torch's sort.stable overload
TOPK = selection_op("topk", "TopkBackward0")
UNIQUE = NotImplementedOp("unique_values", "Unique2Backward0",
                            "the derivative for '_unique2' is not implemented.",
                            NotImplementedError)
UNIQUE_DIM = NotImplementedOp("unique_dim_values", "UniqueDimBackward0",
                                "the derivative for 'unique_dim' is not implemented.",
                                NotImplementedError)
UNIQUE_CONSECUTIVE = NotImplementedOp(
    "unique_consecutive_values", "UniqueConsecutiveBackward0",
    "the derivative for 'unique_consecutive' is not implemented.", NotImplementedError)
HISTOGRAM = NotImplementedOp("histogram_values", "NotImplemented",
                               "derivative for aten::histogram is not implemented",
                               num_outputs=2)
BINCOUNT = NotImplementedOp("bincount_values", "NotImplemented",
                              "derivative for aten::bincount is not implemented")


def _rows(xp, x, dim):
    moved = xp.moveaxis(x, dim, -1)
    return moved, moved.reshape(-1, moved.shape[-1])


def _unrows(xp, rows, moved_shape, dim):
    return xp.moveaxis(rows.reshape(moved_shape), -1, dim)


def _order(xp, x, dim, descending, stable=True):
    """Indices that sort ``x`` along ``dim``: NaN last ascending and first descending;
    ties in input order when ``stable``, else in the order torch's unstable sort leaves
    them (replayed on the rows that have ties)."""
    if not descending:
        order = xp.argsort(x, axis=dim, kind="stable")
    else:
        reversed_order = xp.argsort(xp.flip(x, dim), axis=dim, kind="stable")
        order = (x.shape[dim] - 1) - xp.flip(reversed_order, dim)
    radix = x.ndim == 1 and x.dtype.kind in "iu" and not descending and x.size >= 32768
    if stable or radix or x.size == 0 or x.shape[dim] > _std.emulate_limit() or is_meta(x):
        return order
    moved, rows = _rows(xp, x, dim)
    row_order = xp.moveaxis(order, dim, -1).reshape(rows.shape).copy()
    for r in xp.nonzero(_std.rows_with_ties(xp, rows, row_order))[0]:
        row_order[r] = _std.torch_sort_row(rows[r].tolist(), descending)
    return _unrows(xp, row_order, moved.shape, dim)


def _sort_index(input, dim, descending, stable=True):
    xp = input.xp
    data = input._data
    if data.ndim == 0:
        return 0, xp.zeros((), "int64")
    d = _wrap_dim(dim, data.ndim)
    return d, _order(xp, data, d, descending, stable).astype("int64", copy=False)


@expose
@batched_function("sort")
def sort(input, dim=-1, descending=False, *, stable=None, out=None):
    """``(values, indices)`` sorted along ``dim`` (SortBackward0; SortBackward1 when
    ``stable`` is given, torch's sort.stable). Ties keep their order with ``stable=True``,
    and take torch's unstable order otherwise.

    >>> import chainrule as torch
    >>> torch.tensor([3., 1., 2.]).sort(descending=True).indices
    tensor([0, 2, 1])
    """
    d, index = _sort_index(input, -1 if dim is None else dim, descending, bool(stable))
    o = SORT if stable is None else SORT_STABLE
    return select(o, input, d, index, True, "sort", out, "sort")


@expose
@batched_function("argsort")
def argsort(input, dim=-1, descending=False, *, stable=False):
    """The indices that sort ``input`` along ``dim`` (as ``sort`` orders ties)."""
    return index_tensor(input.xp, _sort_index(input, dim, descending, stable)[1])


@expose
def msort(input, *, out=None):
    """``input`` sorted along its first dim (SortBackward0)."""
    d, index = _sort_index(input, 0, False, False)
    values = select(SORT, input, d, index, True, "sort")[0]
    return values if out is None else write_out("msort", values, out)


@expose
@batched_function("topk")
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):  # noqa: A002
    """``(values, indices)`` of the k largest (or smallest) elements along ``dim``
    (TopkBackward0), ties and ``sorted=False`` ordered as torch's CPU topk orders them."""
    xp = input.xp
    data = input._data
    d = _wrap_dim(dim, data.ndim)
    if data.dtype.kind == "b":
        raise RuntimeError("topk does not support bool dtypes on CPU")
    n = data.shape[d] if data.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    if data.ndim == 0:
        index = xp.zeros((), "int64")
    else:
        order = _order(xp, data, d, largest)
        index = order[(slice(None),) * d + (slice(0, k),)].astype("int64", copy=False)
        if 0 < n <= _std.emulate_limit() and data.size and not is_meta(data):
            moved, rows = _rows(xp, data, d)
            row_index = xp.moveaxis(index, d, -1).reshape(rows.shape[0], k).copy()
            redo = xp.ones(rows.shape[0], dtype=bool) if not sorted else \
                _std.rows_with_ties(xp, rows, xp.moveaxis(order, d, -1).reshape(rows.shape))
            for r in xp.nonzero(redo)[0]:
                row_index[r] = _std.torch_topk_row(rows[r].tolist(), k, largest, sorted)
            index = _unrows(xp, row_index, moved.shape[:-1] + (k,), d)
    return select(TOPK, input, d, index, True, "topk", out, "topk")


# ---------------------------------------------------------------------------- unique
def _unique_flat(xp, flat):
    order = xp.argsort(flat, kind="stable")
    ordered = flat[order]
    new = xp.ones(ordered.shape, dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    return order, ordered, new


def _runs(xp, new, order, n):
    """values' positions, inverse and counts from the start-of-group mask of sorted data."""
    group = xp.cumsum(new) - 1
    inverse = xp.empty(n, dtype="int64")
    inverse[order] = group
    starts = xp.nonzero(new)[0]
    counts = xp.diff(xp.append(starts, n)).astype("int64")
    return starts, inverse, counts


def _slices(xp, data, dim):
    """The slices along ``dim`` as rows, with torch's error when another dim is empty."""
    if any(n == 0 for i, n in enumerate(data.shape) if i != dim):
        raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique "
                           "cannot be applied")
    moved = xp.moveaxis(data, dim, 0)
    rest = 1
    for n in moved.shape[1:]:
        rest *= n
    return moved, moved.reshape(moved.shape[0], rest)


def _unique_result(values, inverse, counts, return_inverse, return_counts):
    out = [values]
    if return_inverse:
        out.append(inverse)
    if return_counts:
        out.append(counts)
    return out[0] if len(out) == 1 else tuple(out)


@expose
@meta_aware(refuse=True)
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The distinct elements (or slices along ``dim``), sorted, with the inverse indices and
    the counts on request. NaNs are all distinct, as in torch."""
    xp = input.xp
    data = input._data
    if dim is None:
        flat = data.reshape(-1)
        order, ordered, new = _unique_flat(xp, flat)
        starts, inverse, counts = _runs(xp, new, order, flat.size)
        values = attach(UNIQUE, (input,), ordered[starts])
        inverse = index_tensor(xp, inverse.reshape(data.shape))
    else:
        d = _wrap_dim(dim, data.ndim)
        moved, rows = _slices(xp, data, d)
        order = xp.lexsort(rows.T[::-1]) if rows.shape[1] else xp.arange(rows.shape[0])
        ordered = rows[order]
        new = xp.ones(rows.shape[0], dtype=bool)
        if rows.shape[0]:
            new[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
        starts, inverse, counts = _runs(xp, new, order, rows.shape[0])
        picked = moved[order[starts]] if rows.shape[0] else moved
        values = attach(UNIQUE_DIM, (input,), xp.ascontiguousarray(xp.moveaxis(picked, 0, d)))
        inverse = index_tensor(xp, inverse)
    return _unique_result(values, inverse, index_tensor(xp, counts), return_inverse,
                          return_counts)


@expose
@meta_aware(refuse=True)
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Keep the first of each run of equal consecutive elements (or slices along ``dim``)."""
    xp = input.xp
    data = input._data
    if dim is None:
        flat = data.reshape(-1)
        new = xp.ones(flat.shape, dtype=bool)
        new[1:] = flat[1:] != flat[:-1]
        starts, inverse, counts = _runs(xp, new, xp.arange(flat.size), flat.size)
        values = attach(UNIQUE_CONSECUTIVE, (input,), flat[starts])
        inverse = index_tensor(xp, inverse.reshape(data.shape))
    else:
        d = _wrap_dim(dim, data.ndim)
        moved, rows = _slices(xp, data, d)
        new = xp.ones(rows.shape[0], dtype=bool)
        if rows.shape[0]:
            new[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        starts, inverse, counts = _runs(xp, new, xp.arange(rows.shape[0]), rows.shape[0])
        values = attach(UNIQUE_CONSECUTIVE, (input,),
                        xp.ascontiguousarray(xp.moveaxis(moved[starts], 0, d)))
        inverse = index_tensor(xp, inverse)
    return _unique_result(values, inverse, index_tensor(xp, counts), return_inverse,
                          return_counts)


# ---------------------------------------------------------------------------- counting
@expose
@meta_aware(refuse=True)
def bincount(input, weights=None, minlength=0):
    """Counts of each non-negative integer in a 1-D tensor (summed ``weights`` if given)."""
    xp = input.xp
    data = input._data
    if data.dtype.kind in "fV":
        raise NotImplementedError(f'"bincount_cpu" not implemented for \'{type_word(input)}\'')
    if data.ndim != 1 or (data.size and data.min() < 0) or data.dtype.kind not in "iu":
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is None:
        return wrap(xp.bincount(data, minlength=minlength).astype("int64"))
    w = weights._data
    if w.ndim != 1 or w.shape[0] != data.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    target = float32 if w.dtype.name == "float32" else float64
    counts = xp.bincount(data, weights=w.astype("float64"), minlength=minlength)
    return attach(BINCOUNT, (weights,), counts.astype(target.np))


def _c_number(v, nan="nan"):
    """A float as C++ streams print it in torch's messages."""
    return nan if v != v else f"{v:g}"


def _float_input(input, kernel):
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{type_word(input)}\'')


def _linspace(xp, lo, hi, steps, dtype):
    """Bin edges as torch computes them: its linspace, in ``dtype``."""
    from .._creation import linspace
    return linspace(lo, hi, steps, dtype=_BY_NP[xp.dtype(dtype)])._data


def _bin_counts(xp, data, edges, weight):
    """Histogram of ``data`` over sorted ``edges`` (the last bin includes its right edge)."""
    nbins = edges.size - 1
    keep = (data >= edges[0]) & (data <= edges[-1])
    values = data[keep]
    pos = xp.searchsorted(edges, values, side="right") - 1
    pos = xp.minimum(pos, nbins - 1)
    w = None if weight is None else weight[keep].astype("float64")
    return xp.bincount(pos, weights=w, minlength=nbins)[:nbins]


@expose
def histc(input, bins=100, min=0, max=0, *, out=None):  # noqa: A002 - torch's names
    """A histogram of ``bins`` equal bins over [min, max] (the data's range when both are
    0); elements outside are ignored."""
    xp = input.xp
    _float_input(input, "histogram_cpu")
    data = input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_c_number(lo, '-nan')}, "
                           f"{_c_number(hi, '-nan')}] is not finite")
    # torch's histc bins by interpolation in the input's dtype, not by the edges
    lo_, hi_ = xp.asarray(lo, dtype=data.dtype), xp.asarray(hi, dtype=data.dtype)
    values = data.reshape(-1) if is_meta(data) else data[(data >= lo_) & (data <= hi_)]
    pos = ((values - lo_) * xp.asarray(bins, dtype=data.dtype) / (hi_ - lo_)).astype("int64")
    pos = xp.minimum(pos, bins - 1)
    result = wrap(xp.bincount(pos, minlength=bins)[:bins].astype(data.dtype))
    return result if out is None else write_out("histc", result, out)


@expose
def histogram(input, bins, *, range=None, weight=None, density=False, out=None):  # noqa: A002
    """``(hist, bin_edges)``: ``bins`` equal bins over ``range`` (the data's range by
    default), or the given edges; ``weight`` and ``density`` as in NumPy."""
    from .. import return_types
    xp = input.xp
    _float_input(input, "histogramdd")
    data = input._data.reshape(-1)
    if isinstance(bins, Tensor):
        edges = bins._data.astype(data.dtype)
    else:
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif data.size:
            lo, hi = float(data.min()), float(data.max())
        else:
            lo, hi = 0.0, 0.0
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise RuntimeError(f"torch.histogramdd: dimension 0's range [{_c_number(lo)}, "
                               f"{_c_number(hi)}] is not finite")
        edges = _linspace(xp, lo, hi, int(bins) + 1, data.dtype)
    w = None if weight is None else weight._data.reshape(-1)
    hist = _bin_counts(xp, data, edges, w).astype(data.dtype)
    if density:  # as torch: divided by the total, then by each bin's width
        hist = hist / xp.add.reduce(hist, axis=None)
        hist = (hist / xp.diff(edges)).astype(data.dtype)
    result = attach(HISTOGRAM, (input, bins, weight), (hist, edges))
    if out is not None:
        return return_types.histogram_out(write_out("histogram", result, out))
    return return_types.histogram(result)


# ---------------------------------------------------------------------------- searching
def _side(right, side):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError("torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        return side
    return "right" if right else "left"


@expose(method=False)
@meta_aware
def searchsorted(sorted_sequence: Tensor, values: Tensor | int | float, *,
                 out_int32: bool = False, right: bool = False, side: str | None = None,
                 out: Tensor | None = None, sorter: Tensor | None = None) -> Tensor:
    """Where each of ``values`` would be inserted into ``sorted_sequence`` (its last dim) to
    keep it sorted: the first such place, or the last with ``right=True``."""
    xp = sorted_sequence.xp
    seq = sorted_sequence._data
    scalar = not isinstance(values, Tensor)
    vals = xp.asarray(values) if scalar else values._data
    where = _side(right, side)
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    if seq.ndim > 1 and (scalar or vals.shape[:-1] != seq.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
            "dimensions of boundaries tensor and input value tensor must match, but we got "
            f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
    if seq.ndim <= 1:
        result = xp.searchsorted(seq.reshape(-1), vals, side=where)
    else:
        rows = seq.reshape(-1, seq.shape[-1])
        queries = vals.reshape(rows.shape[0], -1)
        result = xp.stack([xp.searchsorted(r, q, side=where) for r, q in zip(rows, queries)])
        result = result.reshape(vals.shape)
    result = wrap(xp.asarray(result, dtype=(int32 if out_int32 else int64).np))
    return result if out is None else write_out("searchsorted", result, out)


@expose(method=False)
@meta_aware
def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The index of the bucket of ``boundaries`` (1-D, sorted) each element falls in."""
    if boundaries.ndim != 1:
        raise RuntimeError("boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


__all__ = ["sort", "argsort", "msort", "topk", "unique", "unique_consecutive", "bincount",
           "histc", "histogram", "searchsorted", "bucketize"]
