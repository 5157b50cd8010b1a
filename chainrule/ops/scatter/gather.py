"""gather, scatter, scatter_add, scatter_reduce and take_along_dim.

``gather`` reads ``x[.., index[i, j, k], ..]`` along ``dim``; ``scatter*`` write ``src`` there.
Each is one op whose backward is written with the others, as derivatives.yaml writes it:
gather's backward is a scatter_add into zeros, scatter_add's (and scatter's) backward for
``src`` is a gather, so under create_graph both are recorded as torch records them.
"""
from __future__ import annotations

from ..._tensor import Tensor
from .._dispatch import batched_function
from .._pointwise_util import refuse_complex_autograd, type_word
from .._registry import dispatch, expose, op
from . import _kernels as K
from ._common import (
    as_1d,
    check_out,
    dim_of,
    fill_scalar,
    first_bad,
    index_dtype,
    raw,
    saved,
    tensor_arg,
    warn_once,
    write_out,
)


# ---------------------------------------------------------------------------- forwards
def _sliced(arr, shape, dim):
    """``arr`` cut to ``shape`` in every dimension but ``dim``."""
    if all(n == m for d, (n, m) in enumerate(zip(arr.shape, shape)) if d != dim):
        return arr
    return arr[tuple(slice(None) if d == dim else slice(0, n) for d, n in enumerate(shape))]


def _gather(xp, x, dim, index):
    i1 = as_1d(index)
    out = xp.take_along_axis(_sliced(as_1d(x), i1.shape, dim), i1, axis=dim)
    return out.reshape(index.shape)


def _scatter_into(xp, x, dim, index, write):
    """A copy of ``x`` with ``write(flat_out, flat_positions)`` applied."""
    out = xp.array(x)  # a fresh array (rules may pass NumPy scalars)
    if index.size:
        i1 = as_1d(index)
        pos = K.positions(xp, as_1d(out).shape, dim, i1).reshape(-1)
        write(out.reshape(-1), pos)
    return out


def _src_values(src, index):
    return K.leading(as_1d(src), as_1d(index).shape).reshape(-1)


def _scatter_src(xp, x, src, dim, index):
    def write(flat, pos):
        flat[pos] = _src_values(src, index)
    return _scatter_into(xp, x, dim, index, write)


def _scatter_value(xp, x, dim, index, value):
    def write(flat, pos):
        flat[pos] = value
    return _scatter_into(xp, x, dim, index, write)


def _scatter_add(xp, x, src, dim, index):
    return _scatter_into(xp, x, dim, index,
                         lambda flat, pos: K.add_flat(xp, flat, pos, _src_values(src, index)))


def _scatter_reduce(xp, x, src, dim, index, reduce, include_self=True):
    reduce = _ALIASES.get(reduce, reduce)
    return _scatter_into(xp, x, dim, index, lambda flat, pos: K.reduce_flat(
        xp, flat, pos, _src_values(src, index), reduce, include_self))


def _scatter_legacy(xp, x, src, dim, index, reduce):
    """scatter(..., reduce='add'|'multiply') with a tensor or scalar ``src``."""
    def write(flat, pos):
        vals = _src_values(src, index) if getattr(src, "ndim", 0) else src
        if reduce == "add":
            xp.add.at(flat, pos, vals)
        else:
            xp.multiply.at(flat, pos, vals)
    return _scatter_into(xp, x, dim, index, write)


_ALIASES = {"max": "amax", "min": "amin"}  # torch's kernels accept these names too


# ---------------------------------------------------------------------------- backward
def _src_grad(F, r, index, src_shape):
    """``r`` (shaped like ``index``) as the gradient of ``src``: torch refuses a ``src``
    larger than ``index`` at backward; chainrule gives its unused part a zero gradient."""
    ishape = tuple(index.shape)
    src_shape = tuple(src_shape)
    if ishape == src_shape:
        return r
    if not src_shape:
        return F.reshape(r, ())
    if not ishape:
        ishape = (1,)
        r = F.reshape(r, ishape)
    if ishape == src_shape:
        return r
    return F.index_scatter(r, src_shape, tuple(slice(0, n) for n in ishape))


def _leading(F, t, index):
    """``t[:index.shape[0], ...]``: the part of ``src`` an index uses (in the vocabulary)."""
    ishape = tuple(index.shape) or (1,)
    shape = tuple(t.shape) or (1,)
    if ishape == shape:
        return t
    if not t.shape:
        return t
    return F.index_raw(t, tuple(slice(0, n) for n in ishape))


def _zeros_like(F, t):
    return F.zeros(tuple(t.shape), dtype=t.dtype)


def _reduce_grad(F, g, x, src, out, dim, index, reduce, include_self, which):
    """torch's scatter_reduce_backward: the gradient of ``x`` (which=0) or ``src`` (1)."""
    src_shape = tuple(src.shape)
    src = _leading(F, src, index)
    if reduce == "sum":
        gx = g
        gs = F._gather(g, dim, index) if which else None
    elif reduce == "prod":
        if which == 0:
            masked_x = F._masked_fill(x, x == 0, 1)
            gx = g * F._scatter_reduce(masked_x, src, dim, index, "prod", include_self) / masked_x
        else:
            src_zero = src == 0
            zeros = F._scatter_add(_zeros_like(F, x), F.cast(src_zero, x.dtype), dim, index)
            single_zero = src_zero & (F._gather(zeros, dim, index) == 1)
            masked_result = F._scatter_reduce(x, F._masked_fill(src, single_zero, 1), dim,
                                              index, "prod", include_self)
            gs = F.where(single_zero, F._gather(g * masked_result, dim, index),
                         F._gather(g * out, dim, index) / F._masked_fill(src, src_zero, 1))
    elif reduce == "mean":
        count = _zeros_like(F, g) + (1 if include_self else 0)
        count = F._scatter_add(count, _zeros_like(F, src) + 1, dim, index)
        count = F._masked_fill(count, count == 0, 1)
        gx = g / count
        gs = F._gather(g, dim, index) / F._gather(count, dim, index) if which else None
    elif reduce in ("amax", "amin"):
        value = F._gather(out, dim, index)
        x_is = F.cast(x == out, x.dtype)
        src_is = F.cast(src == value, x.dtype)
        shared = g / F._scatter_add(x_is, src_is, dim, index)
        gx = x_is * shared
        gs = src_is * F._gather(shared, dim, index) if which else None
    else:
        raise RuntimeError("Expected 'reduce' to be one of 'sum', 'prod', 'mean', 'amax', "
                           f"'amin' but got {reduce}.")
    if which:
        return _src_grad(F, gs, index, src_shape)
    return gx if include_self else F._scatter_value(gx, dim, index, 0)


def _not_implemented(F, g):
    raise RuntimeError("derivative for aten::scatter is not implemented")


_IDX = ("dim", "index")
GATHER = op("_gather", _gather, params=_IDX, grad_fn="GatherBackward0",
            vjps=(lambda F, g, x_shape, dim, index:
                  F._scatter_add(F.zeros(tuple(x_shape), dtype=g.dtype), g, dim, index),))
SCATTER = op("_scatter", _scatter_src, inputs=("x", "src"), params=_IDX,
             grad_fn="ScatterBackward0",
             vjps=(lambda F, g, dim, index: F._scatter_value(g, dim, index, 0),
                   lambda F, g, src_shape, dim, index:
                   _src_grad(F, F._gather(g, dim, index), index, src_shape)))
SCATTER_VALUE = op("_scatter_value", _scatter_value, params=_IDX + ("value",),
                   grad_fn="ScatterBackward1",
                   vjps=(lambda F, g, dim, index: F._scatter_value(g, dim, index, 0),))
SCATTER_ADD = op("_scatter_add", _scatter_add, inputs=("x", "src"), params=_IDX,
                 grad_fn="ScatterAddBackward0",
                 vjps=(lambda F, g: g,
                       lambda F, g, src_shape, dim, index:
                       _src_grad(F, F._gather(g, dim, index), index, src_shape)))
_REDUCE_PARAMS = _IDX + ("reduce", "include_self")
SCATTER_REDUCE = op(
    "_scatter_reduce", _scatter_reduce, inputs=("x", "src"), params=_REDUCE_PARAMS,
    grad_fn="ScatterReduceBackward0",
    vjps=(lambda F, g, x, src, out, dim, index, reduce, include_self:
          _reduce_grad(F, g, x, src, out, dim, index, reduce, include_self, 0),
          lambda F, g, x, src, out, dim, index, reduce, include_self:
          _reduce_grad(F, g, x, src, out, dim, index, reduce, include_self, 1)),
    holomorphic=None)  # prod/amax rules for real numbers only
# scatter(..., reduce=) has no derivative in torch: its node is NotImplemented.
SCATTER_LEGACY = op("_scatter_legacy", _scatter_legacy, inputs=("x", "src"),
                    params=_IDX + ("reduce",), grad_fn="NotImplemented",
                    vjps=(_not_implemented, _not_implemented))
SCATTER_LEGACY_VALUE = op("_scatter_legacy_value",
                          lambda xp, x, dim, index, reduce, value:
                          _scatter_legacy(xp, x, value, dim, index, reduce),
                          params=_IDX + ("reduce", "value"), grad_fn="NotImplemented",
                          vjps=(_not_implemented,))
for _op in (SCATTER_LEGACY, SCATTER_LEGACY_VALUE):
    _op.node_cls = type("NotImplemented", (_op.node_cls,), {
        "__slots__": (), "name": lambda self: "torch::autograd::NotImplemented"})


# ---------------------------------------------------------------------------- vocabulary
# The ops with their arguments already checked and normalised (dims wrapped, indices as
# arrays): what the public functions call and what backward rules name as ``F._gather``...
@expose(name="_gather", method=False, internal=True)
def _gather_op(x, dim, index):
    return dispatch(GATHER, (x,), {"dim": dim, "index": raw(index)})


@expose(name="_scatter_add", method=False, internal=True)
def _scatter_add_op(x, src, dim, index):
    return dispatch(SCATTER_ADD, (x, src), {"dim": dim, "index": raw(index)})


@expose(name="_scatter_value", method=False, internal=True)
def _scatter_value_op(x, dim, index, value):
    value = fill_scalar(x.xp, value, x._data.dtype)
    return dispatch(SCATTER_VALUE, (x,), {"dim": dim, "index": raw(index), "value": value})


@expose(name="_scatter_reduce", method=False, internal=True)
def _scatter_reduce_op(x, src, dim, index, reduce, include_self=True):
    return dispatch(SCATTER_REDUCE, (x, src), {"dim": dim, "index": raw(index),
                                               "reduce": reduce, "include_self": include_self})


# ---------------------------------------------------------------------------- checks
def _check(fn, input, dim, index, src=None, *, position=3):
    """torch's gather/scatter argument checks, in its order; returns (dim, index array)."""
    tensor_arg(index, fn, "index", position)
    x = input._data
    d = dim_of(dim, x.ndim)
    idx = index_dtype(index, f"{fn.split('_')[0]}(): Expected dtype int32/int64 for index")
    if src is not None and x.dtype != src.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    xd, nd = max(x.ndim, 1), max(idx.ndim, 1)
    scatter = fn != "gather"
    if nd != xd:
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           f"{'self' if scatter else 'input'} tensor")
    if src is not None and idx.size and src.ndim == 0 and nd != 1:
        raise RuntimeError("Index tensor must have the same number of dimensions as src "
                           "tensor")
    ishape, xshape = as_1d(idx).shape, as_1d(x).shape
    if idx.size:
        sshape = as_1d(src).shape if src is not None else None
        for k in range(nd):
            too_big = k != d and ishape[k] > xshape[k]
            if sshape is not None:
                if k >= len(sshape):
                    raise IndexError(f"Dimension out of range (expected to be in range of "
                                     f"[{-len(sshape)}, {len(sshape) - 1}], but got {k})")
                too_big = too_big or ishape[k] > sshape[k]
            if too_big:
                if not scatter:
                    raise RuntimeError(f"Size does not match at dimension {k} expected index "
                                       f"{list(idx.shape)} to be no larger than self "
                                       f"{list(x.shape)} apart from dimension {d}")
                tail = (f" and to be no larger size than src {list(src.shape)}"
                        if src is not None else "")
                raise RuntimeError(f"Expected index {list(idx.shape)} to be no larger than "
                                   f"self {list(x.shape)} apart from dimension {d}{tail}")
        bad = first_bad(idx, xshape[d])
        if bad is not None:
            raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size "
                               f"{xshape[d]}")
    return d, idx


def _finish(fn, result, out):
    return result if out is None else write_out(fn, out, result)


# ---------------------------------------------------------------------------- public
@expose
@batched_function("gather")
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False,
           out: Tensor | None = None) -> Tensor:
    """Values of ``input`` along ``dim`` at ``index`` (GatherBackward0); the result has
    ``index``'s shape. ``sparse_grad`` is accepted; the gradient is always dense.

    >>> import chainrule as torch
    >>> torch.gather(torch.tensor([[1., 2.], [3., 4.]]), 1, torch.tensor([[0, 0], [1, 0]]))
    tensor([[1., 1.],
            [4., 3.]])
    """
    check_out("gather", out, input)
    d, idx = _check("gather", input, dim, index)
    return _finish("gather", _gather_op(input, d, saved(idx, input)), out)


@expose
@batched_function("scatter")
def scatter(input: Tensor, dim: int, index: Tensor, src=None, value=None, *,
            reduce: str | None = None, out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor) or ``value`` (a number) written along
    ``dim`` at ``index`` (ScatterBackward0 / ScatterBackward1). ``reduce='add'|'multiply'``
    is torch's deprecated form (its node has no derivative).

    >>> import chainrule as torch
    >>> torch.zeros(2, 3).scatter(1, torch.tensor([[2], [0]]), 5.0)
    tensor([[0., 0., 5.],
            [5., 0., 0.]])
    """
    if src is not None and value is not None:
        raise TypeError("scatter() received an invalid combination of arguments: give src "
                        "(a Tensor) or value (a Number), not both")
    if src is None:
        src = value
    if isinstance(src, Tensor) and value is not None:
        src = src.item()  # value=<0-d tensor> is a Number in torch's binding
    check_out("scatter", out, input, src)
    if isinstance(src, Tensor):
        d, idx = _check("scatter", input, dim, index, src._data)
        if reduce is None:
            result = dispatch(SCATTER, (input, src), {"dim": d, "index": saved(idx, input, src)})
        else:
            _check_legacy_reduce(reduce)
            warn_once("scatter_reduce_src",
                      "The reduce argument of torch.scatter with Tensor src is deprecated and "
                      "will be removed in a future PyTorch release. Use torch.scatter_reduce "
                      "instead for more reduction options.")
            result = dispatch(SCATTER_LEGACY, (input, src),
                              {"dim": d, "index": idx, "reduce": reduce})
    elif isinstance(src, (bool, int, float, complex)):
        d, idx = _check("scatter", input, dim, index)
        if reduce is None:
            result = _scatter_value_op(input, d, saved(idx, input), src)
        else:
            _check_legacy_reduce(reduce)
            v = fill_scalar(input.xp, src, input._data.dtype)
            result = dispatch(SCATTER_LEGACY_VALUE, (input,),
                              {"dim": d, "index": idx, "reduce": reduce, "value": v})
    else:
        raise TypeError(f"scatter(): argument 'src' must be Tensor or a Number, not "
                        f"{type(src).__name__}")
    return _finish("scatter", result, out)


def _check_legacy_reduce(reduce):
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")


@expose
@batched_function("scatter_add")
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor, *,
                out: Tensor | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` added along ``dim`` at ``index``; repeated indices
    accumulate, in index order (ScatterAddBackward0).

    >>> import chainrule as torch
    >>> torch.zeros(3).scatter_add(0, torch.tensor([0, 2, 0]), torch.tensor([1., 2., 3.]))
    tensor([4., 0., 2.])
    """
    tensor_arg(src, "scatter_add", "src", 4)
    check_out("scatter_add", out, input, src)
    d, idx = _check("scatter_add", input, dim, index, src._data)
    result = _scatter_add_op(input, src, d, saved(idx, input, src))
    return _finish("scatter_add", result, out)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


@expose
def scatter_reduce(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                   include_self: bool = True, out: Tensor | None = None) -> Tensor:
    """Reduce ``src`` into a copy of ``input`` along ``dim`` at ``index`` with ``reduce``
    (``'sum'``, ``'prod'``, ``'mean'``, ``'amax'``, ``'amin'``); ``include_self=False``
    leaves ``input``'s values at the written positions out (ScatterReduceBackward0).

    >>> import chainrule as torch
    >>> torch.ones(2).scatter_reduce(0, torch.tensor([0, 0, 1]), torch.tensor([2., 4., 3.]),
    ...                              "amax", include_self=False)
    tensor([4., 3.])
    """
    if src._data.dtype.kind == "c" or input._data.dtype.kind == "c":
        _no_complex_order(input, reduce)
        refuse_complex_autograd("scatter_reduce", input, src)  # (not scatter_reduce_: torch)
    return scatter_reduce_into(input, dim, index, src, reduce, include_self=include_self,
                               out=out)


def _no_complex_order(input, reduce) -> None:
    name = _ALIASES.get(reduce, reduce)
    if name in ("amax", "amin"):  # complex numbers have no order (torch's kernel refuses)
        raise NotImplementedError(f'"scatter_gather_tensor_cpu_reduce_{name}" not '
                                  f"implemented for '{type_word(input)}'")


def scatter_reduce_into(input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *,
                        include_self: bool = True, out: Tensor | None = None) -> Tensor:
    """scatter_reduce without the complex-autograd refusal (the in-place form's body)."""
    tensor_arg(src, "scatter_reduce", "src", 4)
    check_out("scatter_reduce", out, input, src)
    d, idx = _check("scatter_reduce", input, dim, index, src._data)
    if reduce not in _REDUCES and reduce not in _ALIASES:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    if reduce == "mean" and input._data.dtype.kind == "b":
        raise NotImplementedError('"scatter_gather_tensor_cpu_reduce_mean" not implemented '
                                  "for 'Bool'")
    if src._data.dtype.kind == "c" or input._data.dtype.kind == "c":
        _no_complex_order(input, reduce)
    result = _scatter_reduce_op(input, src, d, saved(idx, input, src), reduce, include_self)
    return _finish("scatter_reduce", result, out)


@expose
@batched_function("take_along_dim")
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *,
                   out: Tensor | None = None) -> Tensor:
    """``gather`` with NumPy's broadcasting of ``input`` and ``indices`` off ``dim``; with
    ``dim=None``, indices into the flattened input. Composite, as in torch: Expand (or View)
    then GatherBackward0.

    >>> import chainrule as torch
    >>> x = torch.tensor([[10., 30., 20.], [60., 40., 50.]])
    >>> torch.take_along_dim(x, torch.tensor([[1], [0]]), dim=1)
    tensor([[30.],
            [60.]])
    """
    tensor_arg(indices, "take_along_dim", "indices", 2)
    check_out("take_along_dim", out, input)
    if dim is None:
        result = gather(input.view(-1), 0, indices.view(-1))
        return _finish("take_along_dim", result, out)
    x, idx = input._data, indices._data
    if x.ndim != idx.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {x.ndim} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    if idx.dtype.name != "int64":
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_scalar(idx)}")
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = dim_of(dim, x.ndim)
    want = list(x.shape)
    want[d] = idx.shape[d]
    index_b = indices.expand(_infer_size(want, idx.shape))
    want = list(idx.shape)
    want[d] = x.shape[d]
    result = gather(input.expand(_infer_size(want, x.shape)), d, index_b)
    return _finish("take_along_dim", result, out)


def _scalar(arr):
    from ._common import scalar_name
    return scalar_name(arr)


def _infer_size(a, b):
    """The broadcast of two shapes, with torch's message."""
    class _Shape:
        def __init__(self, shape):
            self.shape = tuple(shape)
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for sa, sb in zip(pa, pb):
        if sa != sb and sa != 1 and sb != 1:
            from .._dispatch import _broadcast_error
            raise _broadcast_error([_Shape(a), _Shape(b)])
    return tuple(max(sa, sb) if min(sa, sb) != 0 else 0 for sa, sb in zip(pa, pb))
