"""Reductions: the backward of a sum is an expand, of a mean an expand and a scale."""
from __future__ import annotations

from .._tensor import Tensor, _wrap_dim
from ._registry import dispatch, expose, op

SUM = op("sum_all", lambda xp, x: xp.sum(x), vjps=(lambda F, g, x_shape: F.expand(g, x_shape),),
         grad_fn="SumBackward0")
SUM_DIM = op("sum_dim", lambda xp, x, dim, keepdim: xp.sum(x, axis=dim, keepdims=keepdim),
             vjps=(lambda F, g, x_shape, dim, keepdim:
                   F.expand(g if keepdim else F.unsqueeze_dims(g, dim), x_shape),),
             params=("dim", "keepdim"), grad_fn="SumBackward1")
MEAN = op("mean_all", lambda xp, x: _mean(xp, x, None, False),
          vjps=(lambda F, g, x_shape: F.expand(g / _numel(x_shape), x_shape),),
          grad_fn="MeanBackward0")
MEAN_DIM = op("mean_dim", lambda xp, x, dim, keepdim: _mean(xp, x, dim, keepdim),
              vjps=(lambda F, g, x_shape, dim, keepdim:
                    F.expand((g if keepdim else F.unsqueeze_dims(g, dim))
                             / _numel([x_shape[d] for d in dim]), x_shape),),
              params=("dim", "keepdim"), grad_fn="MeanBackward1")
MAX = op("max_all", lambda xp, x: xp.max(x),
         vjps=(lambda F, g, x, out: _spread_over_ties(g, x, out),), grad_fn="MaxBackward1")
MIN = op("min_all", lambda xp, x: xp.min(x),
         vjps=(lambda F, g, x, out: _spread_over_ties(g, x, out),), grad_fn="MinBackward1")


def _mean(xp, x, dim, keepdim):
    """Sum, then divide by the count: NumPy's ``mean`` costs a Python-level wrapper on every
    call. Half precision keeps ``mean``, whose float32 accumulator it needs."""
    if x.dtype.itemsize < 4 or x.size == 0:
        return xp.mean(x, axis=dim, keepdims=keepdim)
    total = xp.sum(x, axis=dim, keepdims=keepdim)
    count = x.size if dim is None else _numel([x.shape[d] for d in dim])
    return xp.true_divide(total, count, dtype=x.dtype) if x.dtype.kind == "f" else total / count


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _spread_over_ties(g, x, out):
    """max()/min(): the gradient is shared evenly by every element equal to the result."""
    ties = x == out
    return g * ties / ties.sum()


def _dims(dim, ndim):
    """Reduction dims, normalised, with torch's rules: an empty list means every dim, and a
    dim named twice is an error."""
    if isinstance(dim, (list, tuple)):
        if not dim:
            return tuple(range(ndim))
        dims = tuple(_wrap_dim(d, ndim) for d in dim)
    else:
        dims = (_wrap_dim(dim, ndim),)
    seen = set()
    for d in dims:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return () if ndim == 0 else dims  # a 0-d tensor names dim 0 or -1 and reduces nothing


@expose
def sum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A001 - torch's name
    """Sum of all elements (SumBackward0) or over ``dim`` (SumBackward1)."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return dispatch(SUM, (input,))
    return dispatch(SUM_DIM, (input,), {"dim": _dims(dim, input.ndim), "keepdim": keepdim})


@expose
def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of all elements (MeanBackward0) or over ``dim`` (MeanBackward1)."""
    if dtype is not None:
        input = input.to(dtype)
    if input._data.dtype.kind not in "fc":
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_torch_type_word(input)}")
    if dim is None:
        return dispatch(MEAN, (input,))
    return dispatch(MEAN_DIM, (input,), {"dim": _dims(dim, input.ndim), "keepdim": keepdim})


def _torch_type_word(t) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(t.dtype.name, t.dtype.name)


def _no_reduce_empty(input, name):
    if input._data.size == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")


@expose
def max(input, dim=None, keepdim=False):  # noqa: A001
    """The largest element (MaxBackward1); ``max(x, other)`` is ``maximum``."""
    if isinstance(dim, Tensor):
        from .pointwise import maximum
        return maximum(input, dim)
    if dim is not None:
        raise NotImplementedError("max(dim=...) arrives with the full op catalogue")
    _no_reduce_empty(input, "max")
    return dispatch(MAX, (input,))


@expose
def min(input, dim=None, keepdim=False):  # noqa: A001
    """The smallest element (MinBackward1); ``min(x, other)`` is ``minimum``."""
    if isinstance(dim, Tensor):
        from .pointwise import minimum
        return minimum(input, dim)
    if dim is not None:
        raise NotImplementedError("min(dim=...) arrives with the full op catalogue")
    _no_reduce_empty(input, "min")
    return dispatch(MIN, (input,))


ANY = op("any", lambda xp, x, dim=None, keepdim=False: xp.any(x, axis=dim, keepdims=keepdim),
         params=("dim", "keepdim"))
ALL = op("all", lambda xp, x, dim=None, keepdim=False: xp.all(x, axis=dim, keepdims=keepdim),
         params=("dim", "keepdim"))


@expose
def any(input, dim=None, keepdim=False):  # noqa: A001 - torch's name
    """True where any element (over ``dim``, or all of them) is non-zero; a bool tensor."""
    dims = None if dim is None else _dims(dim, input.ndim)
    return dispatch(ANY, (input,), {"dim": dims, "keepdim": keepdim})


@expose
def all(input, dim=None, keepdim=False):  # noqa: A001 - torch's name
    """True where every element (over ``dim``, or all of them) is non-zero; a bool tensor."""
    dims = None if dim is None else _dims(dim, input.ndim)
    return dispatch(ALL, (input,), {"dim": dims, "keepdim": keepdim})
