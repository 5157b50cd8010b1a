"""Extremes and order statistics: max, min, amax, amin, aminmax, argmax, argmin, median,
nanmedian, mode, kthvalue.

Gradients follow torch's rule for each op: a full reduction (``max()``, ``median()``)
shares the gradient evenly among the elements equal to the result (NaN matching NaN);
a ``dim`` reduction routes it to the index it returns; amax/amin share it evenly among the
ties of each reduced slice. Indices follow torch's choices among ties (the first for
max/min/argmax, the lowest-index median, the last element of the most frequent run for
mode, torch's quickselect for kthvalue).
"""
from __future__ import annotations

from ..._meta import is_meta
from ..._tensor import Tensor
from .._dispatch import batched_function
from .._registry import dispatch, expose, op
from ._common import (
    check_nonempty,
    check_nonempty_dims,
    dims_arg,
    index_tensor,
    one_dim,
    select,
    selection_op,
    write_out,
)
from ._stdsort import rows_with_ties, torch_mode_row


# ---------------------------------------------------------------------------- full max/min
def _evenly_distribute(F, g, x, out):
    """torch's evenly_distribute_backward: shared by every element equal to the result."""
    mask = F.cast((x == out) | (F.isnan(x) & F.isnan(out)), g.dtype)
    return mask * (g / F.sum(mask))


MAX = op("max_all", lambda xp, x: xp.max(x), vjps=(_evenly_distribute,), grad_fn="MaxBackward1")
MIN = op("min_all", lambda xp, x: xp.min(x), vjps=(_evenly_distribute,), grad_fn="MinBackward1")
MAX_DIM = selection_op("max_dim", "MaxBackward0")
MIN_DIM = selection_op("min_dim", "MinBackward0")


def _extreme(name, input, dim, keepdim, other, out, full_op, dim_op, arg, binary):
    if isinstance(dim, Tensor):
        return binary(input, dim)
    if isinstance(other, Tensor):
        return binary(input, other)
    if dim is None:
        check_nonempty(input, name)
        result = dispatch(full_op, (input,))
        return result if out is None else write_out(name, result, out)
    d = one_dim(dim, input.ndim)
    if input.ndim:
        check_nonempty_dims(input, (d,), name)
    xp = input.xp
    data = input._data
    index = arg(data, axis=d, keepdims=True) if data.ndim else xp.zeros((), "int64")
    return select(dim_op, input, d, index, keepdim, name, out, name)


@expose
@batched_function("max")
def max(input, dim=None, keepdim=False, *, out=None, other=None):  # noqa: A001
    """The largest element (MaxBackward1), or ``(values, indices)`` along ``dim``
    (MaxBackward0; the first index among ties). ``max(x, other)`` is ``maximum``.

    >>> import chainrule as torch
    >>> torch.tensor([[1., 5.], [7., 2.]]).max(1)
    torch.return_types.max(
    values=tensor([5., 7.]),
    indices=tensor([1, 0]))
    """
    from ..pointwise import maximum
    xp = input.xp
    return _extreme("max", input, dim, keepdim, other, out, MAX, MAX_DIM, xp.argmax, maximum)


@expose
@batched_function("min")
def min(input, dim=None, keepdim=False, *, out=None, other=None):  # noqa: A001
    """The smallest element (MinBackward1), or ``(values, indices)`` along ``dim``
    (MinBackward0). ``min(x, other)`` is ``minimum``."""
    from ..pointwise import minimum
    xp = input.xp
    return _extreme("min", input, dim, keepdim, other, out, MIN, MIN_DIM, xp.argmin, minimum)


# ---------------------------------------------------------------------------- amax/amin
def _scale_grad_by_count(F, g, x, value, dim, keepdim):
    """torch's scale_grad_by_count: shared evenly among the ties of each reduced slice."""
    if not keepdim:
        g, value = F.unsqueeze_dims(g, dim), F.unsqueeze_dims(value, dim)
    mask = F.cast(value == x, g.dtype)
    return mask * (g / F.sum(mask, dim, True))


AMAX = op("amax", lambda xp, x, dim, keepdim: xp.amax(x, axis=dim, keepdims=keepdim),
          vjps=(lambda F, g, x, out, dim, keepdim: _scale_grad_by_count(F, g, x, out, dim,
                                                                        keepdim),),
          params=("dim", "keepdim"))
AMIN = op("amin", lambda xp, x, dim, keepdim: xp.amin(x, axis=dim, keepdims=keepdim),
          vjps=(lambda F, g, x, out, dim, keepdim: _scale_grad_by_count(F, g, x, out, dim,
                                                                        keepdim),),
          params=("dim", "keepdim"))


def _amax_amin(name, o, input, dim, keepdim, out):
    dims = dims_arg(dim, input.ndim)
    if isinstance(dim, (tuple, list)) and not dim:
        check_nonempty(input, name)
    check_nonempty_dims(input, dims, name)
    result = dispatch(o, (input,), {"dim": dims, "keepdim": keepdim})
    return result if out is None else write_out(name, result, out)


@expose
def amax(input, dim=(), keepdim=False, *, out=None):
    """The maximum over ``dim`` (all dims by default): AmaxBackward0, sharing the gradient
    evenly among ties."""
    return _amax_amin("amax", AMAX, input, dim, keepdim, out)


@expose
def amin(input, dim=(), keepdim=False, *, out=None):
    """The minimum over ``dim`` (all dims by default): AminBackward0."""
    return _amax_amin("amin", AMIN, input, dim, keepdim, out)


def _aminmax_forward(xp, x, dim, keepdim):
    return (xp.amin(x, axis=dim, keepdims=keepdim), xp.amax(x, axis=dim, keepdims=keepdim))


def _aminmax_grad(F, g, x, dim, keepdim):
    result = None
    grads = g
    for g, extreme in zip(grads, (F.amin, F.amax)):
        if g is None:
            continue
        part = _scale_grad_by_count(F, g, x, extreme(x, dim, keepdim), dim, keepdim)
        result = part if result is None else result + part
    return result


AMINMAX = op("aminmax", _aminmax_forward, vjps=(_aminmax_grad,), params=("dim", "keepdim"),
             num_outputs=2)


@expose
def aminmax(input, *, dim=None, keepdim=False, out=None):
    """``(min, max)`` over ``dim`` or the whole tensor (AminmaxBackward0, both outputs)."""
    from ... import return_types
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        dims = tuple(range(input.ndim))
    else:
        dims = dims_arg(dim, input.ndim)
        check_nonempty_dims(input, dims, "aminmax", sep="")
    result = dispatch(AMINMAX, (input,), {"dim": dims, "keepdim": keepdim})
    if out is not None:
        return return_types.aminmax_out(write_out("aminmax", result, out, strict=True))
    return return_types.aminmax(result)


# ---------------------------------------------------------------------------- argmax/argmin
def _arg(name, fn, input, dim, keepdim, out):
    xp = input.xp
    data = input._data
    if data.dtype.kind == "b":
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        index = fn(data.reshape(-1))
        if keepdim:
            index = xp.reshape(index, (1,) * data.ndim)
    else:
        d = one_dim(dim, input.ndim)
        if data.ndim == 0:
            index = xp.zeros((), "int64")
        else:
            check_nonempty_dims(input, (d,), name)
            index = fn(data, axis=d, keepdims=keepdim)
    result = index_tensor(xp, index)
    return result if out is None else write_out(name, result, out)


@expose
@batched_function("argmax")
def argmax(input, dim=None, keepdim=False, *, out=None):
    """The index of the largest element (of the flattened tensor, or along ``dim``); the
    first among ties, the first NaN if any."""
    return _arg("argmax", input.xp.argmax, input, dim, keepdim, out)


@expose
@batched_function("argmin")
def argmin(input, dim=None, keepdim=False, *, out=None):
    """The index of the smallest element; the first among ties, the first NaN if any."""
    return _arg("argmin", input.xp.argmin, input, dim, keepdim, out)


# ---------------------------------------------------------------------------- medians
def _median_all(xp, x, ignore_nan):
    flat = x.reshape(-1)
    if is_meta(flat):  # a meta tensor's median: one element of its dtype, no data to sort
        return flat[0]
    if x.dtype.kind in "fcV":
        nan = xp.isnan(flat)
        if ignore_nan:
            flat = flat[~nan]
        elif nan.any():
            return xp.asarray(xp.nan, dtype=x.dtype)
    if flat.size == 0:
        return xp.asarray(xp.nan if x.dtype.kind in "fcV" else 0, dtype=x.dtype)
    return xp.sort(flat)[(flat.size - 1) // 2]


MEDIAN = op("median_all", lambda xp, x: _median_all(xp, x, False),
            vjps=(_evenly_distribute,), grad_fn="MedianBackward0")
NANMEDIAN = op("nanmedian_all", lambda xp, x: _median_all(xp, x, True),
               vjps=(_evenly_distribute,), grad_fn="NanmedianBackward0")
MEDIAN_DIM = selection_op("median_dim", "MedianBackward1")
NANMEDIAN_DIM = selection_op("nanmedian_dim", "NanmedianBackward1")


def _median_index(xp, x, dim, ignore_nan):
    """The lower median's index along ``dim`` (keepdim-shaped): the middle of a stable sort,
    so the lowest index among equal values; the first NaN when NaN is not ignored."""
    order = xp.argsort(x, axis=dim, kind="stable")
    n = x.shape[dim]
    if x.dtype.kind not in "fcV":
        pos = xp.full(x.shape[:dim] + (1,) + x.shape[dim + 1:], (n - 1) // 2, dtype="int64")
        return xp.take_along_axis(order, pos, axis=dim)
    nan = xp.isnan(x)
    if ignore_nan:
        count = n - nan.sum(axis=dim, keepdims=True)
        pos = xp.maximum((count - 1) // 2, 0)
        return xp.take_along_axis(order, pos, axis=dim)
    pos = xp.full(x.shape[:dim] + (1,) + x.shape[dim + 1:], (n - 1) // 2, dtype="int64")
    index = xp.take_along_axis(order, pos, axis=dim)
    has_nan = nan.any(axis=dim, keepdims=True)
    return xp.where(has_nan, xp.argmax(nan, axis=dim, keepdims=True), index)


def _median(name, input, dim, keepdim, out, full_op, dim_op, ignore_nan):
    if input._data.dtype.kind == "b":
        kernel = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    if dim is None:
        if out is not None:
            raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
        result = dispatch(full_op, (input,))
        return result if out is None else write_out(name, result, out)
    d = one_dim(dim, input.ndim)
    xp = input.xp
    if input.ndim == 0:
        index = xp.zeros((), "int64")
    else:
        check_nonempty_dims(input, (d,), "median")
        index = _median_index(xp, input._data, d, ignore_nan)
    return select(dim_op, input, d, index.astype("int64", copy=False), keepdim, name, out,
                  name)


@expose
@batched_function("median")
def median(input, dim=None, keepdim=False, *, out=None):
    """The lower median of all elements (MedianBackward0, NaN if any is NaN), or
    ``(values, indices)`` along ``dim`` (MedianBackward1)."""
    return _median("median", input, dim, keepdim, out, MEDIAN, MEDIAN_DIM, False)


@expose
@batched_function("nanmedian")
def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """median ignoring NaN (NanmedianBackward0 / NanmedianBackward1)."""
    return _median("nanmedian", input, dim, keepdim, out, NANMEDIAN, NANMEDIAN_DIM, True)


# ---------------------------------------------------------------------------- mode
MODE = selection_op("mode", "ModeBackward0")


def _mode_index(xp, x, dim):
    """torch's mode along ``dim``: the last element of the first longest run of equal
    values after std::sort by value. A row without repeats (or NaN) has the smallest
    value's index; the others replay torch's sort."""
    moved = xp.moveaxis(x, dim, -1)
    n = moved.shape[-1]
    rows = moved.reshape(-1, n)
    order = xp.argsort(rows, axis=-1, kind="stable")
    index = order[:, 0].copy()
    replay = rows_with_ties(xp, rows, order)
    if rows.dtype.kind in "fcV":
        replay |= xp.isnan(rows).any(axis=-1)
    for r in () if is_meta(rows) else xp.nonzero(replay)[0]:  # (meta: no data to replay)
        index[r] = torch_mode_row(rows[r].tolist())
    index = index.reshape(moved.shape[:-1] + (1,))
    return xp.moveaxis(index, -1, dim).astype("int64", copy=False)


@expose
@batched_function("mode")
def mode(input, dim=-1, keepdim=False, *, out=None):
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest among
    equally frequent ones) and the index of its last occurrence (ModeBackward0)."""
    d = one_dim(dim, input.ndim)
    xp = input.xp
    if input.ndim == 0:
        index = xp.zeros((), "int64")
    else:
        check_nonempty_dims(input, (d,), "mode")
        index = _mode_index(xp, input._data, d)
    return select(MODE, input, d, index, keepdim, "mode", out, "mode")


# ---------------------------------------------------------------------------- kthvalue
KTHVALUE = selection_op("kthvalue", "KthvalueBackward0")


def _gt_or_nan(a, b) -> bool:
    return (a != a and b == b) or a > b


def _quickselect_index(values, k) -> int:
    """The index torch's CPU kthvalue reports: its median-of-three quickselect, replayed on
    one slice (only needed when the k-th value has ties)."""
    arr = list(values)
    idx = list(range(len(arr)))

    def swap(i, j):
        arr[i], arr[j] = arr[j], arr[i]
        idx[i], idx[j] = idx[j], idx[i]

    lo, hi = 0, len(arr) - 1
    while True:
        if hi <= lo:
            return idx[k]
        if hi == lo + 1:
            if _gt_or_nan(arr[lo], arr[hi]):
                swap(lo, hi)
            return idx[k]
        mid = lo + (hi - lo) // 2
        swap(mid, lo + 1)
        if _gt_or_nan(arr[lo + 1], arr[hi]):
            swap(lo + 1, hi)
        if _gt_or_nan(arr[lo], arr[hi]):
            swap(lo, hi)
        if _gt_or_nan(arr[lo + 1], arr[lo]):
            swap(lo + 1, lo)
        i, j = lo + 1, hi
        pivot = arr[lo]
        while True:
            i += 1
            while _gt_or_nan(pivot, arr[i]):
                i += 1
            j -= 1
            while _gt_or_nan(arr[j], pivot):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1


def _kth_index(xp, x, k, dim):
    moved = xp.moveaxis(x, dim, -1)
    n = moved.shape[-1]
    rows = moved.reshape(-1, n)
    order = xp.argsort(rows, axis=-1, kind="stable")
    index = order[:, k].copy()
    kth = rows[xp.arange(rows.shape[0]), index]
    same = rows == kth[:, None]
    if rows.dtype.kind in "fcV":
        same |= xp.isnan(rows) & xp.isnan(kth)[:, None]
    for r in () if is_meta(rows) else xp.nonzero(same.sum(axis=-1) > 1)[0]:
        index[r] = _quickselect_index(rows[r].tolist(), k)
    index = index.reshape(moved.shape[:-1] + (1,))
    return xp.moveaxis(index, -1, dim).astype("int64", copy=False)


@expose
@batched_function("kthvalue")
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """``(values, indices)``: the k-th smallest element along ``dim`` (KthvalueBackward0)."""
    d = one_dim(dim, input.ndim)
    xp = input.xp
    if input._data.dtype.kind == "b":
        raise NotImplementedError('"kthvalue_cpu" not implemented for \'Bool\'')
    n = input._data.shape[d] if input.ndim else 1
    if input.ndim:
        check_nonempty_dims(input, (d,), "kthvalue")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    if input.ndim == 0:
        index = xp.zeros((), "int64")
    else:
        index = _kth_index(xp, input._data, k - 1, d)
    return select(KTHVALUE, input, d, index, keepdim, "kthvalue", out, "kthvalue")
