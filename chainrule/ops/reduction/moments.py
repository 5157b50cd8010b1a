"""Variance and standard deviation: var, std, var_mean, std_mean.

``correction`` (Bessel's, 1 by default) or the older ``unbiased``; ``dim`` None, an int or a
tuple. Backward rules are torch's var_backward and std_backward (VarBackward0,
StdBackward0, VarMeanBackward0, StdMeanBackward0), written with F so they differentiate
again.
"""
from __future__ import annotations

import warnings

from .._registry import dispatch, expose, op
from ._common import dims_arg, numel, write_out


def _var_forward(xp, x, dim, correction, keepdim):
    """Mean-centred sum of squares over ``dim``, divided by max(N - correction, 0) (0/0 gives
    NaN, as torch). Half precision accumulates in float32."""
    kind = x.dtype
    work = x.astype("float32") if x.dtype.itemsize == 2 and x.dtype.kind in "fV" else x
    n = numel([x.shape[d] for d in dim])
    if n:
        centre = xp.add.reduce(work, axis=dim, keepdims=True) / n
    else:
        centre = xp.zeros([1 if i in dim else s for i, s in enumerate(x.shape)], work.dtype)
    dev = work - centre
    sq = (dev * dev.conj()).real if work.dtype.kind == "c" else dev * dev
    total = xp.add.reduce(sq, axis=dim, keepdims=keepdim)
    out = total / max(n - correction, 0)
    real = kind if kind.kind != "c" else xp.empty(0, kind).real.dtype
    return xp.asarray(out).astype(real, copy=False)


def _std_forward(xp, x, dim, correction, keepdim):
    return xp.sqrt(_var_forward(xp, x, dim, correction, keepdim))


def _var_grad(F, g, x, dim, correction, keepdim):
    """torch's var_backward: 2 / (N - correction) * g * (x - mean(x))."""
    if not keepdim:
        g = F.unsqueeze_dims(g, dim)
    dof = numel([x.shape[d] for d in dim]) - correction
    scale = 2.0 / dof if dof else float("inf")
    return scale * g * (x - F.mean(x, dim, True))


def _std_grad(F, g, x, out, dim, correction, keepdim):
    """torch's std_backward: var's, with g / (2 std) (zero where std is zero)."""
    return _var_grad(F, F.where(out == 0, 0, g / (out * 2)), x, dim, correction, keepdim)


def _moments_mean_grad(F, g, x, dim, keepdim):
    if not keepdim:
        g = F.unsqueeze_dims(g, dim)
    return F.expand(g / numel([x.shape[d] for d in dim]), x.shape)


def _var_mean_grad(F, g, x, dim, correction, keepdim):
    gvar, gmean = g
    result = None
    if gvar is not None:
        result = _var_grad(F, gvar, x, dim, correction, keepdim)
    if gmean is not None:
        part = _moments_mean_grad(F, gmean, x, dim, keepdim)
        result = part if result is None else result + part
    return result


def _std_mean_grad(F, g, x, dim, correction, keepdim):
    gstd, gmean = g
    result = None
    if gstd is not None:
        std = F.std(x, dim, correction=correction, keepdim=keepdim)
        result = _std_grad(F, gstd, x, std, dim, correction, keepdim)
    if gmean is not None:
        part = _moments_mean_grad(F, gmean, x, dim, keepdim)
        result = part if result is None else result + part
    return result


def _with_mean(fn):
    def forward(xp, x, dim, correction, keepdim):
        from .sums import _mean
        return fn(xp, x, dim, correction, keepdim), _mean(xp, x, dim, keepdim)
    return forward


_PARAMS = ("dim", "correction", "keepdim")
VAR = op("var", _var_forward, vjps=(_var_grad,), params=_PARAMS)
STD = op("std", _std_forward, vjps=(_std_grad,), params=_PARAMS)
VAR_MEAN = op("var_mean", _with_mean(_var_forward), vjps=(_var_mean_grad,), params=_PARAMS,
              num_outputs=2)
STD_MEAN = op("std_mean", _with_mean(_std_forward), vjps=(_std_mean_grad,), params=_PARAMS,
              num_outputs=2)


def _args(name, input, dim, unbiased, correction, keepdim):
    """Normalise torch's overloads: var(x, unbiased), var(x, dim, unbiased, keepdim),
    var(x, dim, *, correction, keepdim)."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction'; give one of them")
    if input._data.dtype.kind not in "fcV":
        who = name if name.endswith("_mean") else "std and var"
        raise RuntimeError(f"{who} only support floating point and complex dtypes")
    if correction is None:
        correction = 0 if unbiased is False else 1
    dims = tuple(range(input.ndim)) if dim is None else dims_arg(dim, input.ndim)
    n = numel([input._data.shape[d] for d in dims])
    if n - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    return {"dim": dims, "correction": correction, "keepdim": keepdim}


@expose
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over ``dim`` (all dims by default) with ``correction`` (VarBackward0)."""
    result = dispatch(VAR, (input,), _args("var", input, dim, unbiased, correction, keepdim))
    return result if out is None else write_out("var", result, out)


@expose
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation over ``dim`` with ``correction`` (StdBackward0)."""
    result = dispatch(STD, (input,), _args("std", input, dim, unbiased, correction, keepdim))
    return result if out is None else write_out("std", result, out)


@expose(method=False)
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """``(var, mean)`` in one op (VarMeanBackward0 on both)."""
    params = _args("var_mean", input, dim, unbiased, correction, keepdim)
    result = dispatch(VAR_MEAN, (input,), params)
    return result if out is None else tuple(write_out("var_mean", result, out))


@expose(method=False)
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """``(std, mean)`` in one op (StdMeanBackward0 on both)."""
    params = _args("std_mean", input, dim, unbiased, correction, keepdim)
    result = dispatch(STD_MEAN, (input,), params)
    return result if out is None else tuple(write_out("std_mean", result, out))
