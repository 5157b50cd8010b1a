"""index_select, index_add, index_copy, index_fill, index_reduce and index_put.

The ``index_*`` ops address whole slices along ``dim`` with a vector of indices: each is a
row operation on the input with ``dim`` moved to the front. index_select's backward is an
index_add into zeros and index_add's backward for ``source`` is an index_select, so both
are recorded under create_graph, as torch records them.
"""
from __future__ import annotations

from ..._tensor import Tensor
from ...backend import namespace_of
from .._dispatch import batched_function
from .._pointwise_util import type_word
from .._registry import dispatch, expose, op
from . import _kernels as K
from ._common import (
    as_1d,
    check_out,
    dim_of,
    fill_scalar,
    first_bad,
    raw,
    saved,
    scalar_name,
    tensor_arg,
    warn_once,
    wrap_negative,
    write_out,
)


# ---------------------------------------------------------------------------- forwards
def _rows(xp, arr, dim):
    """``arr`` with ``dim`` first (a view); a 0-d array as one row."""
    if arr.ndim == 0:
        return arr.reshape(1)
    return arr if dim == 0 else xp.moveaxis(arr, dim, 0)


def _index_select(xp, x, dim, index):
    if x.ndim == 0:
        return xp.array(x)
    return xp.take(x, as_1d(index), axis=dim)


def _index_add(xp, x, source, dim, index, alpha=1):
    out = xp.array(x)  # a fresh array (rules may pass NumPy scalars)
    rows = _rows(xp, source, dim)
    if alpha != 1:
        rows = (rows * alpha).astype(x.dtype, copy=False)
    K.add_rows(xp, _rows(xp, out, dim), as_1d(index), rows)
    return out


def _index_copy(xp, x, source, dim, index):
    out = xp.array(x)  # a fresh array (rules may pass NumPy scalars)
    _rows(xp, out, dim)[as_1d(index)] = _rows(xp, source, dim)
    return out


def _index_fill(xp, x, dim, index, value):
    out = xp.array(x)  # a fresh array (rules may pass NumPy scalars)
    _rows(xp, out, dim)[as_1d(index)] = value
    return out


def _index_fill_tensor(xp, x, value, dim, index):
    return _index_fill(xp, x, dim, index, value.astype(x.dtype))


def _index_reduce(xp, x, source, dim, index, reduce, include_self=True):
    out = xp.array(x)  # a fresh array (rules may pass NumPy scalars)
    K.reduce_rows(xp, _rows(xp, out, dim), as_1d(index), _rows(xp, source, dim), reduce,
                  include_self)
    return out


def _index_put(xp, x, values, key, accumulate=False):
    out = xp.array(x)  # a fresh array (rules may pass NumPy scalars)
    if accumulate:
        K.add_at_key(xp, out, key, values)
    else:
        out[key] = values
    return out


# ---------------------------------------------------------------------------- backward
def _source_grad(F, r, source_shape):
    """``grad.index_select(dim, index)`` as the gradient of ``source`` (a 0-d source takes
    the selected element, or the sum of the slice it was broadcast over)."""
    source_shape = tuple(source_shape)
    if tuple(r.shape) == source_shape:
        # torch's expand_as records ExpandBackward0 under create_graph (raw: nothing to do)
        return F.expand(r, source_shape) if isinstance(r, Tensor) else r
    if all(n == 1 for n in r.shape):
        return F.reshape(r, source_shape)
    return F.sum_to_shape(r, source_shape)


def _unique(index):
    return namespace_of(index).unique(index)


def _scaled(g, alpha):
    return g if alpha == 1 else g * alpha


def _reduce_grad(F, g, x, source, out, dim, index, reduce, include_self, which):
    """torch's index_reduce_backward: the gradient of ``x`` (which=0) or ``source`` (1)."""
    if reduce == "prod":
        if which == 0:
            masked_x = F._masked_fill(x, x == 0, 1)
            gx = g * F._index_reduce(masked_x, source, dim, index, "prod", include_self) \
                / masked_x
        else:
            src_zero = source == 0
            zeros = F._index_add(F.zeros(tuple(x.shape), dtype=x.dtype),
                                 F.cast(src_zero, x.dtype), dim, index, 1)
            single_zero = src_zero & (F._index_select(zeros, dim, index) == 1)
            masked_result = F._index_reduce(x, F._masked_fill(source, single_zero, 1), dim,
                                            index, "prod", include_self)
            gs = F.where(single_zero, F._index_select(g * masked_result, dim, index),
                         F._index_select(g * out, dim, index)
                         / F._masked_fill(source, src_zero, 1))
    elif reduce == "mean":
        count = F.zeros(tuple(g.shape), dtype=g.dtype) + (1 if include_self else 0)
        count = F._index_add(count, F.zeros(tuple(source.shape), dtype=g.dtype) + 1, dim,
                             index, 1)
        count = F._masked_fill(count, count == 0, 1)
        gx = g / count
        if which:
            gs = F._index_select(g, dim, index) / F._index_select(count, dim, index)
    else:  # amax, amin: the gradient is shared evenly by the elements equal to the result
        value = F._index_select(out, dim, index)
        x_is = F.cast(x == out, x.dtype)
        src_is = F.cast(source == value, x.dtype)
        shared = g / F._index_add(x_is, src_is, dim, index, 1)
        gx = x_is * shared
        if which:
            gs = src_is * F._index_select(shared, dim, index)
    if which:
        return _source_grad(F, gs, tuple(source.shape))
    return gx if include_self else F._index_fill(gx, dim, index, 0)


def _values_grad(F, g, values_shape, key):
    r = F.index_raw(g, key)
    if tuple(r.shape) != tuple(values_shape):
        r = F.sum_to_shape(r, tuple(values_shape))
    return r


_IDX = ("dim", "index")
INDEX_SELECT = op("_index_select", _index_select, params=_IDX,
                  grad_fn="IndexSelectBackward0",
                  vjps=(lambda F, g, x_shape, dim, index:
                        F._index_add(F.zeros(tuple(x_shape), dtype=g.dtype), g, dim, index, 1),))
INDEX_ADD = op("_index_add", _index_add, inputs=("x", "source"), params=_IDX + ("alpha",),
               grad_fn="IndexAddBackward0",
               vjps=(lambda F, g: g,
                     lambda F, g, source_shape, dim, index, alpha: _scaled(_source_grad(
                         F, F._index_select(g, dim, index), source_shape), alpha)))
INDEX_COPY = op("_index_copy", _index_copy, inputs=("x", "source"), params=_IDX,
                grad_fn="IndexCopyBackward0",
                vjps=(lambda F, g, dim, index: F._index_fill(g, dim, index, 0),
                      lambda F, g, source_shape, dim, index:
                      _source_grad(F, F._index_select(g, dim, index), source_shape)))
INDEX_FILL = op("_index_fill", _index_fill, params=_IDX + ("value",),
                grad_fn="IndexFillBackward0",
                vjps=(lambda F, g, dim, index: F._index_fill(g, dim, index, 0),))
INDEX_FILL_TENSOR = op("_index_fill_tensor", _index_fill_tensor, inputs=("x", "value"),
                       params=_IDX, grad_fn="IndexFillBackward1", broadcasts=True,
                       vjps=(lambda F, g, dim, index: F._index_fill(g, dim, index, 0),
                             lambda F, g, dim, index:
                             F._index_select(g, dim, _unique(index)).sum()))
INDEX_REDUCE = op(
    "_index_reduce", _index_reduce, inputs=("x", "source"),
    params=_IDX + ("reduce", "include_self"), grad_fn="IndexReduceBackward0",
    vjps=(lambda F, g, x, source, out, dim, index, reduce, include_self:
          _reduce_grad(F, g, x, source, out, dim, index, reduce, include_self, 0),
          lambda F, g, x, source, out, dim, index, reduce, include_self:
          _reduce_grad(F, g, x, source, out, dim, index, reduce, include_self, 1)))
INDEX_PUT = op("_index_put", _index_put, inputs=("x", "values"),
               params=("key", "accumulate"), grad_fn="IndexPutBackward0",
               vjps=(lambda F, g, values_shape, key, accumulate: g if accumulate else
                     F._index_put(g, F.zeros(tuple(values_shape), dtype=g.dtype), key, False),
                     lambda F, g, values_shape, key: _values_grad(F, g, values_shape, key)))


# ---------------------------------------------------------------------------- vocabulary
@expose(name="_index_select", method=False, internal=True)
def _index_select_op(x, dim, index):
    return dispatch(INDEX_SELECT, (x,), {"dim": dim, "index": raw(index)})


@expose(name="_index_add", method=False, internal=True)
def _index_add_op(x, source, dim, index, alpha=1):
    return dispatch(INDEX_ADD, (x, source), {"dim": dim, "index": raw(index), "alpha": alpha})


@expose(name="_index_fill", method=False, internal=True)
def _index_fill_op(x, dim, index, value):
    value = fill_scalar(x.xp, value, x._data.dtype)
    return dispatch(INDEX_FILL, (x,), {"dim": dim, "index": raw(index), "value": value})


@expose(name="_index_reduce", method=False, internal=True)
def _index_reduce_op(x, source, dim, index, reduce, include_self=True):
    return dispatch(INDEX_REDUCE, (x, source), {"dim": dim, "index": raw(index),
                                                "reduce": reduce,
                                                "include_self": include_self})


@expose(name="_index_put", method=False, internal=True)
def _index_put_op(x, values, key, accumulate=False):
    return dispatch(INDEX_PUT, (x, values), {"key": key, "accumulate": accumulate})


# ---------------------------------------------------------------------------- checks
def _vector(fn, index, kinds, position=3):
    """The index array of an index_* op after torch's dtype and vector checks."""
    tensor_arg(index, fn.rstrip("_"), "index", position)
    idx = index._data
    if not (idx.dtype.name == "int64" or (idx.dtype.name == "int32" and "i" in kinds)):
        raise RuntimeError(f"{fn}(): Expected dtype int32/int64 for index but got: "
                           f"{scalar_name(idx)}")
    if idx.ndim > 1:
        raise IndexError(f"{fn}(): Index is supposed to be a vector, but got dim: {idx.ndim} "
                         f"with type: {scalar_name(idx)} and size: {list(idx.shape)}")
    return idx


def _check_source(fn, input, dim, idx, source):
    """index_add / index_reduce's checks of ``source`` against ``input`` and ``index``."""
    x, s = input._data, source._data
    if x.dtype != s.dtype:
        raise RuntimeError(f"{fn}(): self ({scalar_name(x)}) and source ({scalar_name(s)}) "
                           "must have the same scalar type")
    if x.ndim and dim >= max(s.ndim, 1) and s.ndim:
        raise RuntimeError(f"{fn}(): Indexing dim {dim} is out of bounds of the source tensor "
                           f"with dim {s.ndim}")
    same = (x.ndim == s.ndim and all(a == b for k, (a, b) in enumerate(zip(x.shape, s.shape))
                                     if k != dim))
    if not same:
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(x.shape)} "
                           f"source.shape = {list(s.shape)}")
    count = as_1d(s).shape[dim] if s.ndim else 1
    if idx.size != count:
        raise RuntimeError(f"{fn}(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({count}), for dim: {dim}")


def _finish(fn, result, out, dtype_message=None):
    return result if out is None else write_out(fn, out, result, dtype_message=dtype_message)


# ---------------------------------------------------------------------------- public
@expose
@batched_function("index_select")
def index_select(input: Tensor, dim: int, index: Tensor, *,
                 out: Tensor | None = None) -> Tensor:
    """The slices of ``input`` along ``dim`` at the positions in ``index`` (a vector);
    repeats allowed (IndexSelectBackward0).

    >>> import chainrule as torch
    >>> torch.index_select(torch.tensor([[1., 2.], [3., 4.]]), 0, torch.tensor([1, 1]))
    tensor([[3., 4.],
            [3., 4.]])
    """
    tensor_arg(index, "index_select", "index", 3)
    check_out("index_select", out, input)
    x, idx = input._data, index._data
    d = dim_of(dim, x.ndim)
    if idx.dtype.name not in ("int64", "int32"):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if x.ndim == 0:
        if idx.size != 1:
            raise RuntimeError("index_select(): Index to scalar can have only 1 value, got "
                               f"{idx.size} value(s)")
        if first_bad(idx, 1) is not None:
            raise IndexError("index out of range in self")
    else:
        bad = first_bad(idx, x.shape[d])
        if bad is not None:
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} "
                               f"axis_dim={x.shape[d]}")
    return _finish("index_select", _index_select_op(input, d, saved(idx, input)), out,
                   "index_select(): self and result must have the same scalar type")


@expose
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1,
              out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``alpha * source`` added to the slices along ``dim`` at
    ``index``; repeated indices accumulate in index order (IndexAddBackward0).

    >>> import chainrule as torch
    >>> torch.zeros(3).index_add(0, torch.tensor([0, 0, 2]), torch.tensor([1., 2., 3.]))
    tensor([3., 0., 3.])
    """
    tensor_arg(source, "index_add", "source", 4)
    check_out("index_add", out, input, source)
    d = dim_of(dim, input.ndim)
    idx = _vector("index_add_", index, "il")
    _check_source("index_add_", input, d, idx, source)
    bad = first_bad(idx, as_1d(input._data).shape[d])
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size "
                           f"{as_1d(input._data).shape[d]}")
    if input._data.dtype.kind in "biu":
        alpha = int(alpha)
    result = _index_add_op(input, source, d, saved(idx, input, source), alpha)
    return _finish("index_add", result, out)


@expose
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor, *,
               out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` whose slices along ``dim`` at ``index`` are replaced by those of
    ``source`` (IndexCopyBackward0).

    >>> import chainrule as torch
    >>> torch.zeros(3).index_copy(0, torch.tensor([2, 0]), torch.tensor([5., 7.]))
    tensor([7., 0., 5.])
    """
    tensor_arg(index, "index_copy", "index", 3)
    tensor_arg(source, "index_copy", "source", 4)
    check_out("index_copy", out, input, source)
    x, s, idx = input._data, source._data, index._data
    d = dim_of(dim, x.ndim)
    if idx.dtype.name != "int64":
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got "
                           f"{scalar_name(idx)}")
    if idx.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {idx.ndim})")
    if x.dtype != s.dtype:
        raise RuntimeError("index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {scalar_name(x)} and (source) {scalar_name(s)}")
    if x.ndim and s.ndim and x.ndim != s.ndim:
        raise IndexError("index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({s.ndim}), "
                         f"destination dimensionality ({x.ndim})")
    count = s.shape[d] if s.ndim else 1
    if idx.size != count:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({count})")
    for k in range(x.ndim if s.ndim else 0):
        if k != d and x.shape[k] != s.shape[k]:
            raise RuntimeError(
                "index_copy_(): Source/destination tensor must have same slice shapes. "
                f"Destination slice shape: {_slice_shape(x.shape, d)} at dimension {d} and "
                f"source slice shape: {_slice_shape(s.shape, d)} at dimension 0.")
    size = as_1d(x).shape[d]
    bad = first_bad(idx, size)
    if bad is not None:
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} with "
                         f"size {size}")
    result = dispatch(INDEX_COPY, (input, source), {"dim": d, "index": saved(idx, input, source)})
    return _finish("index_copy", result, out)


def _slice_shape(shape, dim):
    return " ".join(str(n) for k, n in enumerate(shape) if k != dim) or "[]"


@expose
def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """A copy of ``input`` whose slices along ``dim`` at ``index`` are ``value`` (a number:
    IndexFillBackward0; a 0-d tensor: IndexFillBackward1, with a gradient for it).

    >>> import chainrule as torch
    >>> torch.zeros(2, 3).index_fill(1, torch.tensor([0, 2]), -1.0)
    tensor([[-1.,  0., -1.],
            [-1.,  0., -1.]])
    """
    tensor_arg(index, "index_fill", "index", 3)
    x, idx = input._data, index._data
    d = dim_of(dim, x.ndim)
    if idx.dtype.name != "int64":
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if idx.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s).")
    size = as_1d(x).shape[d]
    bad = first_bad(idx, size, negative_ok=True)
    if bad is not None:
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    idx = wrap_negative(input.xp, idx, size)
    if isinstance(value, Tensor):
        fill_scalar(input.xp, value, x.dtype)  # torch's overflow check on the value
        return dispatch(INDEX_FILL_TENSOR, (input, value),
                        {"dim": d, "index": saved(idx, input, value)})
    return _index_fill_op(input, d, saved(idx, input), value)


_INDEX_REDUCES = ("prod", "mean", "amax", "amin")


@expose
def index_reduce(input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *,
                 include_self: bool = True, out: Tensor | None = None) -> Tensor:
    """Reduce the slices of ``source`` into a copy of ``input`` along ``dim`` at ``index``
    with ``reduce`` (``'prod'``, ``'mean'``, ``'amax'``, ``'amin'``); ``include_self=False``
    leaves ``input``'s values at the written slices out (IndexReduceBackward0).

    >>> import chainrule as torch
    >>> torch.ones(2).index_reduce(0, torch.tensor([0, 0]), torch.tensor([2., 3.]), "prod")
    tensor([6., 1.])
    """
    warn_once("index_reduce", "index_reduce() is in beta and the API may change at any time.")
    tensor_arg(source, "index_reduce", "source", 4)
    check_out("index_reduce", out, input, source)
    d = dim_of(dim, input.ndim)
    if reduce not in _INDEX_REDUCES:
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    if input._data.dtype.kind == "c":  # torch's kernel has no complex reductions
        raise NotImplementedError(f'"index_func_" not implemented for \'{type_word(input)}\'')
    idx = _vector("index_reduce_", index, "il")
    _check_source("index_reduce_", input, d, idx, source)
    if first_bad(idx, as_1d(input._data).shape[d]) is not None:
        raise IndexError("index out of range in self")
    result = _index_reduce_op(input, source, d, saved(idx, input, source), reduce,
                              include_self)
    return _finish("index_reduce", result, out)


def _key(input, indices):
    """torch.index_put's ``indices`` (a tuple of index tensors) as a NumPy key."""
    if isinstance(indices, Tensor) or not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' (position 2) must be tuple of "
                        f"Tensors, not {type(indices).__name__}")
    shape = input._data.shape
    key, dim = [], 0
    for pos, k in enumerate(indices):
        if not isinstance(k, Tensor):
            raise TypeError(f"expected Tensor as element {pos} in argument 1, but got "
                            f"{type(k).__name__}")
        arr = k._data
        if arr.dtype.kind == "b":
            for j, n in enumerate(arr.shape):
                if dim + j >= len(shape):
                    break
                if n != shape[dim + j]:
                    raise IndexError(f"The shape of the mask {list(arr.shape)} at index {j} "
                                     "does not match the shape of the indexed tensor "
                                     f"{list(shape)} at index {dim + j}")
            key.append(arr)
            dim += arr.ndim
        elif arr.dtype.kind in "iu":
            if arr.dtype.name == "uint8":
                raise RuntimeError("masked_fill_ only supports boolean masks, but got mask "
                                   "with dtype unsigned char")
            key.append(arr)
            dim += 1
        else:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if dim > len(shape):
        raise IndexError(f"too many indices for tensor of dimension {len(shape)} (got {dim})")
    d = 0
    for arr in key:
        if arr.dtype.kind != "b":
            bad = first_bad(arr, shape[d], negative_ok=True)
            if bad is not None:
                raise IndexError(f"index {bad} is out of bounds for dimension {d} with size "
                                 f"{shape[d]}")
            d += 1
        else:
            d += arr.ndim
    return tuple(key)


@expose
def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` (broadcast) written at ``input[indices]``;
    ``accumulate=True`` adds instead, repeated positions accumulating (IndexPutBackward0).

    >>> import chainrule as torch
    >>> torch.zeros(3).index_put((torch.tensor([0, 0, 2]),), torch.tensor(1.), accumulate=True)
    tensor([2., 0., 1.])
    """
    key = _key(input, indices)
    tensor_arg(values, "index_put", "values", 3)
    x, v = input._data, values._data
    if x.dtype != v.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{scalar_name(x)} for the destination and {scalar_name(v)} for "
                           "the source.")
    try:
        key = tuple(saved(k, input, values) for k in key)
        return _index_put_op(input, values, key, accumulate)
    except ValueError:
        result = x[key].shape
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(v.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(result)}") from None

