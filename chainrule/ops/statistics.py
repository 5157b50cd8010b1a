"""Order statistics and second moments, as torch composes them (so the graph is torch's):
``quantile`` / ``nanquantile`` (sort, gather and lerp: SortBackward0, GatherBackward0,
LerpBackward1, SqueezeBackward4), ``cov`` (a weighted mean, mm and a division) and
``corrcoef`` (cov normalised by its diagonal, clipped to [-1, 1])."""
from __future__ import annotations

import warnings

from .._dtypes import type_name
from .._tensor import Tensor, _wrap_dim
from ._registry import expose
from .reduction.cumulative import mul_by_scalar

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool,
              out, name: str) -> Tensor:
    from .._creation import scalar_tensor
    if not isinstance(q, Tensor):
        if not 0 <= q <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        q = scalar_tensor(q, dtype=input.dtype)
    if interpolation not in _MODES:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    nd = input.ndim
    wrapped = _wrap_dim(0 if dim is None else dim, nd)
    if input.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if q.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if input._data.dtype.char not in "fd":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if q._data.dtype != input._data.dtype:
        raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
    if not bool(((q._data >= 0) & (q._data <= 1)).all()):
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    # the output's shape: q's size first (when q is 1-D), then the reduced input's
    if dim is not None and nd > 0:
        out_shape = list(input.shape)
        if keepdim:
            out_shape[wrapped] = 1
        else:
            del out_shape[wrapped]
    else:
        out_shape = [1] * nd if keepdim else []
    if q.ndim > 0:
        out_shape.insert(0, q.numel())
    if dim is None:
        sorted_ = input.flatten().sort()[0]
    elif wrapped == nd - 1:
        sorted_ = input.sort()[0]
    else:
        sorted_ = input.unsqueeze(-1).transpose(wrapped, -1).sort()[0]
    if q.ndim == 0:
        out_shape.insert(0, q.numel())
    in_shape = out_shape[1:] + [0]
    in_shape[-1] = sorted_.shape[-1]
    sorted_ = sorted_.view(in_shape)
    last = sorted_.shape[-1] - 1
    if ignore_nan:  # ranks over the non-NaN values; all NaN gives rank 0 (and a NaN)
        ranks = q * (sorted_.isnan().logical_not_().sum(-1, True) - 1)
        ranks.masked_fill_(ranks < 0, 0)
    else:  # a NaN in the row makes the rank the last index (so the quantile is NaN)
        from .shape.combine import broadcast_tensors
        scaled, has_nan = broadcast_tensors(mul_by_scalar(q, last), sorted_.isnan().any(-1, True))
        ranks = scaled.masked_fill(has_nan, last)
    if interpolation == "lower":
        ranks.floor_()
    elif interpolation == "higher":
        ranks.ceil_()
    elif interpolation == "nearest":
        ranks.round_()
    below = ranks.long()
    values = sorted_.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        from .._creation import full_like
        weights = full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
        above = ranks.ceil_().long()
        values.lerp_(sorted_.gather(-1, above), weights)
    if q.ndim == 0:
        values.squeeze_(-1)
    else:
        values.unsqueeze_(0).transpose_(0, -1).squeeze_(-1)
    if out is not None:
        from .shape._out import write_out
        return write_out(name, out, values, (input, q))
    return values


@expose
def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear", out: Tensor | None = None) -> Tensor:
    """The ``q``-th quantiles (a number, or a 1-D tensor of them, in [0, 1]) over ``dim`` (all
    elements when None), interpolated as ``interpolation`` says; a NaN gives NaN.

    >>> import chainrule as torch
    >>> torch.quantile(torch.tensor([1., 2., 4.]), 0.25)
    tensor(1.5000)
    """
    return _quantile(input, q, dim, keepdim, interpolation, False, out, "quantile")


@expose
def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear", out: Tensor | None = None) -> Tensor:
    """``quantile`` ignoring NaNs (a row of NaNs only gives NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, out, "nanquantile")


# ---------------------------------------------------------------------------- cov
def _check_weights(w: Tensor, what: str, n: int) -> None:
    if w.ndim > 1:
        raise RuntimeError(f"cov(): expected {what} to have one or fewer dimensions but got "
                           f"{what} with {w.ndim} dimensions")
    kind = w._data.dtype.kind
    if what == "fweights" and kind not in "iu":
        raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights "
                           f"with {type_name(w._data.dtype)} dtype")
    if what == "aweights" and kind != "f":
        raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got "
                           f"aweights with {type_name(w._data.dtype)} dtype")
    if w.numel() != n:
        raise RuntimeError(f"cov(): expected {what} to have the same numel as there are "
                           f"observations in the input but got {w.numel()} != {n}")
    if n and bool((w._data < 0).any()):
        raise RuntimeError(f"cov(): {what} cannot be negative")


@expose
def cov(input: Tensor, *, correction: int = 1, fweights: Tensor | None = None,
        aweights: Tensor | None = None) -> Tensor:
    """The covariance matrix of the variables in ``input``'s rows (observations in its
    columns; a 1-D input is one variable), with frequency and/or observation weights and
    ``correction`` (1: Bessel's) subtracted from the degrees of freedom.

    >>> import chainrule as torch
    >>> torch.cov(torch.tensor([[0., 1., 2.], [2., 1., 0.]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    from .._creation import scalar_tensor
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    if input._data.dtype.kind == "b":
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.view(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        _check_weights(fweights, "fweights", n)
        w = fweights
    if aweights is not None:
        _check_weights(aweights, "aweights", n)
        w = aweights if w is None else w * aweights
    if w is not None:
        w_sum = w.sum()
        if not bool(w_sum._data != 0):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    else:
        w_sum = scalar_tensor(n, dtype=_long())
    avg = (x * w if w is not None else x).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - mul_by_scalar((w * aweights).sum(), correction) / w_sum
    else:
        norm = w_sum - correction
    if bool(norm._data <= 0):
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm.zero_()
    x = x - avg.unsqueeze(1)
    c = x.mm((x * w if w is not None else x).t().conj())
    return (c / norm).squeeze()


def _long():
    from .._dtypes import int64
    return int64


@expose
def corrcoef(input: Tensor) -> Tensor:
    """Pearson correlation coefficients of the variables in ``input``'s rows: ``cov``
    divided by the outer product of the standard deviations, clipped to [-1, 1]."""
    if input.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:  # one variable: NaN when its variance is 0, inf or NaN, else 1
        return c / c
    d = c.diagonal()
    stddev = (d.real if d.is_complex() else d).sqrt()
    c = c / stddev.view(-1, 1)
    c = c / stddev.view(1, -1)
    if c.is_complex():  # real and imaginary parts clipped in place, as torch does
        c.real.clip_(-1, 1)
        c.imag.clip_(-1, 1)
        return c
    return c.clip(-1, 1)
