"""Sums and products: sum, mean, prod, nansum, nanmean, logsumexp, count_nonzero, any, all.

The backward of a sum is an expand, of a mean an expand and a scale; prod's handles zeros
as torch's prod_backward does (the product of the other elements, from two exclusive
cumulative products). ``dtype=`` is recorded as torch records it: the cast happens inside
the op (SumBackward0 straight to the input) and the gradient is cast back to the input's
dtype by the registry.
"""
from __future__ import annotations

from ..._tensor import Tensor
from .._dispatch import vmapped
from .._registry import dispatch, expose, op
from ._common import (
    along,
    check_out_grad,
    dims_arg,
    float_of,
    integral_to_long,
    numel,
    one_dim,
    type_word,
    write_out,
)

_CAST = {"broadcasts": True}  # the registry casts the gradient back to the input's dtype


def _sum_forward(xp, x, dim=None, keepdim=False, dtype=None):
    if dtype is None and x.dtype.itemsize == 2 and x.dtype.kind in "fV":
        return xp.add.reduce(x, axis=dim, keepdims=keepdim, dtype="float32").astype(x.dtype)
    return xp.add.reduce(x, axis=dim, keepdims=keepdim, dtype=dtype)


def _sum_dim_grad(F, g, x_shape, dim, keepdim):
    return F.expand(g if keepdim else F.unsqueeze_dims(g, dim), x_shape)


SUM = op("sum_all", lambda xp, x, dtype=None: _sum_forward(xp, x, None, False, dtype),
         vjps=(lambda F, g, x_shape: F.expand(g, x_shape),), grad_fn="SumBackward0")
SUM_DIM = op("sum_dim", _sum_forward, vjps=(_sum_dim_grad,), params=("dim", "keepdim"),
             grad_fn="SumBackward1")
SUM_CAST = op("sum_all_cast", lambda xp, x, dtype: xp.add.reduce(x, axis=None, dtype=dtype),
              vjps=(lambda F, g, x_shape: F.expand(g, x_shape),), params=("dtype",),
              grad_fn="SumBackward0", **_CAST)
SUM_DIM_CAST = op("sum_dim_cast", _sum_forward, vjps=(_sum_dim_grad,),
                  params=("dim", "keepdim", "dtype"), grad_fn="SumBackward1", **_CAST)


def _mean(xp, x, dim, keepdim):
    """Sum, then divide by the count, without NumPy's warnings for empty slices. NumPy's
    ``mean`` costs a Python-level wrapper on every call; half precision accumulates in
    float32 as torch does."""
    half = x.dtype.itemsize == 2 and x.dtype.kind in "fV"
    total = xp.add.reduce(x, axis=dim, keepdims=keepdim, dtype="float32" if half else None)
    count = x.size if dim is None else numel([x.shape[d] for d in dim])
    if count == 0:
        return xp.full(xp.shape(total), xp.nan, dtype=x.dtype)
    if x.dtype.kind in "fV":
        return xp.true_divide(total, count, dtype=total.dtype).astype(x.dtype, copy=False)
    return xp.asarray(total / count, dtype=x.dtype)


def _mean_forward(xp, x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.astype(dtype)
    return _mean(xp, x, dim, keepdim)


def _mean_dim_grad(F, g, x_shape, dim, keepdim):
    return F.expand((g if keepdim else F.unsqueeze_dims(g, dim))
                    / numel([x_shape[d] for d in dim]), x_shape)


MEAN = op("mean_all", lambda xp, x, dtype=None: _mean_forward(xp, x, None, False, dtype),
          vjps=(lambda F, g, x_shape: F.expand(g / numel(x_shape), x_shape),),
          grad_fn="MeanBackward0")
# Named "mean" so that F.mean(x, dims, keepdim) means the same on arrays and Tensors.
MEAN_DIM = op("mean", _mean_forward, vjps=(_mean_dim_grad,), params=("dim", "keepdim"),
              grad_fn="MeanBackward1")
MEAN_CAST = op("mean_all_cast", lambda xp, x, dtype: _mean(xp, x.astype(dtype), None, False),
               vjps=(lambda F, g, x_shape: F.expand(g / numel(x_shape), x_shape),),
               params=("dtype",), grad_fn="MeanBackward0", **_CAST)
MEAN_DIM_CAST = op("mean_dim_cast", _mean_forward, vjps=(_mean_dim_grad,),
                   params=("dim", "keepdim", "dtype"), grad_fn="MeanBackward1", **_CAST)


def _reduce(input, dim, keepdim, dtype, ops, target):
    """Dispatch one of (all, dim, all_cast, dim_cast): the cast forms only when a float
    input that may need a gradient changes dtype."""
    all_op, dim_op, all_cast, dim_cast = ops
    np_target = target.np
    same = np_target == input._data.dtype
    if dim is None:
        if same:
            return dispatch(all_op, (input,))
        if input._data.dtype.kind in "fcV":
            return dispatch(all_cast, (input,), {"dtype": np_target})
        return dispatch(all_op, (input,), {"dtype": np_target})
    params = {"dim": dims_arg(dim, input.ndim), "keepdim": keepdim}
    if not same:
        params["dtype"] = np_target
        if input._data.dtype.kind in "fcV":
            return dispatch(dim_cast, (input,), params)
    return dispatch(dim_op, (input,), params)


_SUMS = (SUM, SUM_DIM, SUM_CAST, SUM_DIM_CAST)
_MEANS = (MEAN, MEAN_DIM, MEAN_CAST, MEAN_DIM_CAST)


def _finish(name, result, out):
    return result if out is None else write_out(name, result, out)


@expose
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):  # noqa: A001 - torch's name
    """Sum of all elements (SumBackward0) or over ``dim`` (SumBackward1); integer and bool
    inputs sum to int64, ``dtype=`` casts inside the op.

    >>> import chainrule as torch
    >>> torch.tensor([[1, 2], [3, 4]], dtype=torch.uint8).sum(0)
    tensor([4, 6])
    """
    if dtype is None and input._data.dtype.kind in "fcV" and out is None:  # the hot path
        if dim is None:
            if keepdim:
                dim = ()
            else:
                return dispatch(SUM, (input,))
        return dispatch(SUM_DIM, (input,), {"dim": dims_arg(dim, input.ndim),
                                            "keepdim": keepdim})
    if dim is None and keepdim:
        dim = ()
    result = _reduce(input, dim, keepdim, dtype, _SUMS, integral_to_long(input, dtype))
    return _finish("sum", result, out)


@expose
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of all elements (MeanBackward0) or over ``dim`` (MeanBackward1)."""
    if dtype is None:
        if input._data.dtype.kind not in "fcV":
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be "
                               "either a floating point or complex dtype. Got: "
                               f"{type_word(input)}")
        if out is None:
            if dim is None:
                if keepdim:
                    dim = ()
                else:
                    return dispatch(MEAN, (input,))
            return dispatch(MEAN_DIM, (input,), {"dim": dims_arg(dim, input.ndim),
                                                 "keepdim": keepdim})
        target = float_of(input)
    else:
        from ..._dtypes import to_dtype
        target = to_dtype(dtype)
        if not (target.is_floating_point or target.is_complex):
            raise RuntimeError("mean(): could not infer output dtype. Optional dtype must be "
                               f"either a floating point or complex dtype. Got: "
                               f"{type_word(target)}")
    if dim is None and keepdim:
        dim = ()
    return _finish("mean", _reduce(input, dim, keepdim, dtype and target, _MEANS, target),
                   out)


# ---------------------------------------------------------------------------- prod
def _prod_forward(xp, x, dim=None, keepdim=False, dtype=None):
    if dim is None:
        return xp.multiply.reduce(x, axis=None, dtype=dtype)
    return xp.multiply.reduce(x, axis=dim, keepdims=keepdim, dtype=dtype)


def _prod_backward(F, g, x, out):
    """torch's prod_backward for the product of all elements."""
    if x.ndim == 0:
        return g
    if x.dtype != g.dtype:
        x = F.cast(x, g.dtype)
    if isinstance(x, Tensor) and vmapped(x):  # a batch: each sample's zeros differ
        return F.reshape(_prod_safe_zeros_backward(F, g, F.reshape(x, (-1,)), 0), x.shape)
    zeros = int((x == 0).sum())
    if zeros == 0:
        return g * (out / x)
    if zeros > 1 and not isinstance(x, Tensor):  # plain backward: every product is zero
        return F.zeros(x.shape, dtype=x.dtype)
    return F.reshape(_prod_safe_zeros_backward(F, g, F.reshape(x, (-1,)), 0), x.shape)


def _prod_dim_backward(F, g, x, out, dim, keepdim):
    if x.ndim == 0:
        return g
    if x.dtype != g.dtype:
        x = F.cast(x, g.dtype)
    if not keepdim:
        g, out = F.unsqueeze_dims(g, (dim,)), F.unsqueeze_dims(out, (dim,))
    if isinstance(x, Tensor) and vmapped(x):  # a batch: each sample's zeros differ
        return _prod_safe_zeros_backward(F, g, x, dim)
    if not bool((x == 0).any()):
        return g * (out / x)
    return _prod_safe_zeros_backward(F, g, x, dim)


def _prod_safe_zeros_backward(F, g, x, dim):
    """g times the product of every other element along ``dim``: the exclusive cumulative
    product from the front times the one from the back (correct with zeros, and
    differentiable again)."""
    n = x.shape[dim]
    if n == 0:
        return F.expand(g, x.shape)
    ones_shape = list(x.shape)
    ones_shape[dim] = 1
    ones = F.zeros(tuple(ones_shape), dtype=x.dtype) + 1
    front = F.cumprod(F.cat_dim((ones, x[along(dim, slice(0, n - 1))]), dim), dim)
    back = F.flip_dims(x[along(dim, slice(1, None))], (dim,))
    back = F.flip_dims(F.cumprod(F.cat_dim((ones, back), dim), dim), (dim,))
    return g * (front * back)


PROD = op("prod_all", lambda xp, x, dtype=None: _prod_forward(xp, x, None, False, dtype),
          vjps=(_prod_backward,), grad_fn="ProdBackward0")
PROD_DIM = op("prod_dim", _prod_forward, vjps=(_prod_dim_backward,), params=("dim", "keepdim"),
              grad_fn="ProdBackward1")
PROD_CAST = op("prod_all_cast", lambda xp, x, dtype: xp.multiply.reduce(x, axis=None, dtype=dtype),
               vjps=(_prod_backward,), params=("dtype",), grad_fn="ProdBackward0", **_CAST)
PROD_DIM_CAST = op("prod_dim_cast", _prod_forward, vjps=(_prod_dim_backward,),
                   params=("dim", "keepdim", "dtype"), grad_fn="ProdBackward1", **_CAST)


@expose
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product of all elements (ProdBackward0) or along one ``dim`` (ProdBackward1); zeros
    get torch's gradient (the product of the other elements).

    >>> import chainrule as torch
    >>> x = torch.tensor([2., 0., 3.], requires_grad=True)
    >>> x.prod().backward()
    >>> x.grad
    tensor([0., 6., 0.])
    """
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod(): argument 'dim' must be int, not "
                        f"{type(dim).__name__}")
    target = integral_to_long(input, dtype)
    np_target = target.np
    same = np_target == input._data.dtype
    fl = input._data.dtype.kind in "fcV"
    if dim is None:
        if same:
            result = dispatch(PROD, (input,))
        else:
            result = dispatch(PROD_CAST if fl else PROD, (input,), {"dtype": np_target})
    else:
        params = {"dim": one_dim(dim, input.ndim), "keepdim": keepdim}
        if input.ndim == 0:
            params["dim"] = ()
        if not same:
            params["dtype"] = np_target
        result = dispatch(PROD_DIM_CAST if fl and not same else PROD_DIM, (input,), params)
    return _finish("prod", result, out)


# ---------------------------------------------------------------------------- nan-aware
def _nansum_forward(xp, x, dim=None, keepdim=False, dtype=None):
    if x.dtype.kind in "fcV":
        x = xp.where(xp.isnan(x), 0, x)
    return _sum_forward(xp, x, dim, keepdim, dtype)


def _nansum_grad(F, g, x, dim, keepdim):
    if dim is not None and not keepdim:
        g = F.unsqueeze_dims(g, dim)
    if x.dtype != g.dtype:
        x = F.cast(x, g.dtype)
    return F.expand(g, x.shape) * ~F.isnan(x)  # torch multiplies: NaN where g is inf


NANSUM = op("nansum", _nansum_forward, vjps=(_nansum_grad,), params=("dim", "keepdim"))
NANSUM_CAST = op("nansum_cast", _nansum_forward, vjps=(_nansum_grad,),
                 params=("dim", "keepdim", "dtype"), grad_fn="NansumBackward0", **_CAST)


@expose
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum treating NaN as zero (NansumBackward0)."""
    target = integral_to_long(input, dtype)
    params = {"dim": None if dim is None else dims_arg(dim, input.ndim), "keepdim": keepdim}
    if dim is None and keepdim:
        params["dim"] = tuple(range(input.ndim))
    same = target.np == input._data.dtype
    if not same:
        params["dtype"] = target.np
    cast = not same and input._data.dtype.kind in "fcV"
    return _finish("nansum", dispatch(NANSUM_CAST if cast else NANSUM, (input,), params), out)


@expose
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean of the non-NaN elements: nansum divided by their count (as torch composes it)."""
    if input._data.dtype.kind not in "fcV":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {type_word(input)}")
    from ..pointwise import isnan, logical_not
    count = sum(logical_not(isnan(input)), dim, keepdim)
    return _finish("nanmean", nansum(input, dim, keepdim, dtype=dtype) / count, out)


# ---------------------------------------------------------------------------- logsumexp
def _logsumexp_forward(xp, x, dim, keepdim):
    if x.size == 0:
        return xp.log(xp.add.reduce(xp.exp(x), axis=dim, keepdims=keepdim))
    top = xp.amax(x, axis=dim, keepdims=True)
    top = xp.where(xp.isinf(top), 0, top)
    out = xp.log(xp.add.reduce(xp.exp(x - top), axis=dim, keepdims=keepdim))
    return out + (top if keepdim else xp.squeeze(top, dim))


def _logsumexp_grad(F, g, x, out, dim, keepdim):
    if not keepdim and x.ndim:
        g, out = F.unsqueeze_dims(g, dim), F.unsqueeze_dims(out, dim)
    return g * F.exp(x - out)


LOGSUMEXP = op("logsumexp", _logsumexp_forward, vjps=(_logsumexp_grad,),
               params=("dim", "keepdim"), dtype_rule="float")


@expose
def logsumexp(input, dim=None, keepdim=False, *, out=None):
    """log(sum(exp(x))) over ``dim``, computed stably (LogsumexpBackward0)."""
    if dim is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    result = dispatch(LOGSUMEXP, (input,), {"dim": dims_arg(dim, input.ndim),
                                            "keepdim": keepdim})
    return _finish("logsumexp", result, out)


# ---------------------------------------------------------------------------- counting
def _count_nonzero_forward(xp, x, dim):
    return xp.asarray(xp.count_nonzero(x, axis=dim), dtype="int64")


COUNT_NONZERO = op("count_nonzero", _count_nonzero_forward, params=("dim",))


@expose
def count_nonzero(input, dim=None):
    """The number of non-zero elements (over ``dim``, an int or a tuple); int64."""
    dims = None if dim is None else dims_arg(dim, input.ndim)
    return dispatch(COUNT_NONZERO, (input,), {"dim": dims})


def _any_all(xp, fn, x, dim, keepdim):
    out = fn(x, axis=dim, keepdims=keepdim)
    return out.astype("uint8") if x.dtype.name == "uint8" else out


ANY = op("any", lambda xp, x, dim=None, keepdim=False: _any_all(xp, xp.any, x, dim, keepdim),
         params=("dim", "keepdim"))
ALL = op("all", lambda xp, x, dim=None, keepdim=False: _any_all(xp, xp.all, x, dim, keepdim),
         params=("dim", "keepdim"))


@expose
def any(input, dim=None, keepdim=False, *, out=None):  # noqa: A001 - torch's name
    """True where any element (over ``dim``, or all of them) is non-zero: bool, or uint8 for
    a uint8 input (as torch)."""
    dims = None if dim is None else dims_arg(dim, input.ndim)
    return _finish("any", dispatch(ANY, (input,), {"dim": dims, "keepdim": keepdim}), out)


@expose
def all(input, dim=None, keepdim=False, *, out=None):  # noqa: A001 - torch's name
    """True where every element (over ``dim``, or all of them) is non-zero: bool, or uint8
    for a uint8 input (as torch)."""
    dims = None if dim is None else dims_arg(dim, input.ndim)
    return _finish("all", dispatch(ALL, (input,), {"dim": dims, "keepdim": keepdim}), out)


__all__ = ["sum", "mean", "prod", "nansum", "nanmean", "logsumexp", "count_nonzero", "any",
           "all", "_mean", "SUM", "SUM_DIM", "MEAN", "MEAN_DIM", "check_out_grad"]
