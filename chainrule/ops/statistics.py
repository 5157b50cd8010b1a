"""Order statistics and second moments, as torch composes them (so the graph is torch's):
``quantile`` / ``nanquantile`` (sort, gather and lerp: SortBackward0, GatherBackward0,
LerpBackward1, SqueezeBackward4), ``cov`` (a weighted mean, mm and a division) and
``corrcoef`` (cov normalised by its diagonal, clipped to [-1, 1])."""
from __future__ import annotations

import builtins
import warnings

from .._dtypes import type_name
from .._tensor import Tensor, _wrap_dim
from ._registry import expose
from .reduction.cumulative import mul_by_scalar

_MODES = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool,
              out, op_name: str) -> Tensor:
    from .._creation import scalar_tensor
    name = "quantile"  # torch's messages say quantile() for nanquantile too
    if not isinstance(q, Tensor):
        if not 0 <= q <= 1:
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q:g}")
        q = scalar_tensor(q, dtype=input.dtype)
    if interpolation not in _MODES:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    nd = input.ndim
    wrapped = _wrap_dim(0 if dim is None else dim, nd) % max(nd, 1)  # a 0-d input's dim is 0
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
        return write_out(op_name, out, values, (input, q))
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
    if what == "aweights" and kind not in "fV":
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


# ---------------------------------------------------------------------------- histogramdd
_HISTOGRAMDD_SIGNATURES = (
    "\n * (Tensor input, int bins, tuple of floats range = None, Tensor weight = None, bool "
    "density = False)\n * (Tensor input, tuple of ints bins, tuple of floats range = None, "
    "Tensor weight = None, bool density = False)\n * (Tensor input, tuple of Tensors bins, "
    "tuple of floats range = None, Tensor weight = None, bool density = False)\n")


def _not_implemented(name: str, num_outputs: int = 1):
    from .reduction._common import NotImplementedOp
    return NotImplementedOp(f"{name}_values", "NotImplemented",
                            f"derivative for aten::{name} is not implemented",
                            num_outputs=num_outputs)


_FROM_BIN_CTS = _not_implemented("_histogramdd_from_bin_cts")
_FROM_BIN_TENSORS = _not_implemented("_histogramdd_from_bin_tensors")
_BIN_EDGES = {}


def _bin_edges_op(n: int):
    if n not in _BIN_EDGES:
        _BIN_EDGES[n] = _not_implemented("_histogramdd_bin_edges", n)
    return _BIN_EDGES[n]


@expose(method=False)
def histogramdd(input: Tensor, bins, *, range=None, weight: Tensor | None = None,  # noqa: A002
                density: bool = False):
    """The N-dimensional histogram of the points in ``input``'s rows (its last dim holds the N
    coordinates): ``bins`` a count for every dim, one count per dim, or one 1-D tensor of
    edges per dim; ``range`` the (min, max) pairs of every dim; ``weight`` one per point;
    ``density`` divides by the total and the bin volumes. Returns ``(hist, bin_edges)``."""
    from .. import return_types
    from .._factory import torch_type_name
    from .sorting import _linspace
    xp = input.xp
    edge_tensors = isinstance(bins, (list, tuple)) and bins and isinstance(bins[0], Tensor)
    if not (isinstance(bins, int) or edge_tensors or (
            isinstance(bins, (list, tuple)) and all(isinstance(b, int) for b in bins))):
        raise TypeError(f"histogramdd() received an invalid combination of arguments - got "
                        f"(Tensor, {torch_type_name(bins)}), but expected one of:"
                        + _HISTOGRAMDD_SIGNATURES)
    if input.ndim < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    data = input._data
    if data.dtype.kind not in "fV":
        raise NotImplementedError(f"\"histogramdd\" not implemented for "
                                  f"'{type_name(data.dtype)}'")
    n = data.shape[-1]
    points = data.reshape(-1, n)
    if weight is not None:
        if tuple(weight.shape) != tuple(data.shape[:-1]):
            raise RuntimeError("torch.histogramdd: if weight tensor is provided it should have "
                               "the same shape as the input tensor excluding its innermost "
                               f"dimension, but got input with shape {list(data.shape)} and "
                               f"weight with shape {list(weight.shape)}")
        if weight._data.dtype != data.dtype:
            raise RuntimeError("torch.histogramdd: if weight tensor is provided, input tensor "
                               "and weight tensor should have the same dtype, but got "
                               f"input({_c(data.dtype)}), and weight({_c(weight._data.dtype)})")
    if edge_tensors:
        if len(bins) != n:
            raise RuntimeError(f"torch.histogramdd: expected {n} sequences of bin edges for a "
                               f"{n}-dimensional histogram but got {len(bins)}")
        for d, b in enumerate(bins):
            if b.ndim != 1:
                raise RuntimeError("torch.histogramdd: bins tensor should have one dimension, "
                                   f"but got {b.ndim} dimensions in the bins tensor for "
                                   f"dimension {d}")
            if b._data.dtype != data.dtype:
                raise RuntimeError("torch.histogramdd: input tensor and bins tensors should "
                                   "have the same dtype, but got input with dtype "
                                   f"{_c(data.dtype)} and bins for dimension {d} with dtype "
                                   f"{_c(b._data.dtype)}")
            if b.numel() < 2:
                raise RuntimeError(f"torch.histogram(): bins must be > 0, but got "
                                   f"{b.numel() - 1} for dimension {d}")
        edges = [b._data for b in bins]
    else:
        counts = [bins] * n if isinstance(bins, int) else list(bins)
        if len(counts) != n:
            raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                               "dimension of the input.")
        lo, hi = [0.0] * n, [1.0] * n
        if range is not None:
            if len(range) != 2 * n:
                raise RuntimeError(f"torch.histogramdd: for a {n}-dimensional histogram range "
                                   f"should have {2 * n} elements, but got {len(range)}")
            lo, hi = [float(v) for v in range[0::2]], [float(v) for v in range[1::2]]
        elif points.size:
            lo, hi = [float(v) for v in points.min(0)], [float(v) for v in points.max(0)]
        for d in builtins.range(n):
            if not (_finite(lo[d]) and _finite(hi[d])):
                raise RuntimeError(f"torch.histogramdd: dimension {d}'s range [{_g(lo[d])}, "
                                   f"{_g(hi[d])}] is not finite")
            if lo[d] > hi[d]:
                raise RuntimeError("torch.histogramdd: min should not exceed max, but got min "
                                   f"{_g(lo[d])} max {_g(hi[d])} for dimension {d}")
            if lo[d] == hi[d]:
                lo[d], hi[d] = lo[d] - 0.5, hi[d] + 0.5
        edges = []
        for d, k in enumerate(counts):
            e = _linspace(xp, lo[d], hi[d], k + 1, data.dtype)
            if e.size == 0:
                raise RuntimeError("torch.histogramdd: bins tensor should have at least 1 "
                                   f"element, but got 0 elements in the bins tensor for "
                                   f"dimension {d}")
            if k < 1:
                raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {k} for "
                                   f"dimension {d}")
            edges.append(e)
    hist = _counts(xp, points, edges, None if weight is None else weight._data.reshape(-1))
    hist = hist.astype(data.dtype)
    if density:  # as torch: divided by the total, then by each bin's width, in place
        hist = hist / hist.dtype.type(hist.sum(dtype=xp.float64))
        for d, e in enumerate(edges):
            shape = [1] * n
            shape[d] = e.size - 1
            hist = hist / xp.diff(e).reshape(shape)
        hist = hist.astype(data.dtype)
    inputs = (input, weight)
    if edge_tensors:
        result = _attach(_FROM_BIN_TENSORS, inputs + tuple(bins), hist)
        bin_edges = tuple(bins)
    else:
        result = _attach(_FROM_BIN_CTS, inputs, hist)
        bin_edges = _attach(_bin_edges_op(n), inputs, tuple(edges))
        bin_edges = tuple(bin_edges) if isinstance(bin_edges, (tuple, list)) else (bin_edges,)
    return return_types.histogramdd((result, bin_edges))


def _attach(not_implemented, inputs, result):
    from .reduction._common import attach
    return attach(not_implemented, inputs, result)


def _counts(xp, points, edges, weight):
    """Weighted counts of ``points`` (one per row) in the cells of ``edges`` (one sorted array
    per column); each last bin includes its right edge, points outside are left out."""
    shape = tuple(e.size - 1 for e in edges)
    keep = xp.ones(points.shape[0], dtype=bool)
    cells = []
    for d, e in enumerate(edges):
        v = points[:, d]
        keep &= (v >= e[0]) & (v <= e[-1])
        cells.append(xp.minimum(xp.searchsorted(e, v, side="right") - 1, shape[d] - 1))
    flat = xp.ravel_multi_index(tuple(xp.clip(c[keep], 0, None) for c in cells), shape)
    w = None if weight is None else weight[keep].astype(xp.float64)
    total = 1
    for s in shape:
        total *= s
    return xp.bincount(flat, weights=w, minlength=total)[:total].reshape(shape)


def _finite(v: float) -> bool:
    return v == v and v not in (float("inf"), float("-inf"))


def _g(v: float) -> str:
    return "nan" if v != v else f"{v:g}"


def _c(np_dtype) -> str:
    from .._dtypes import _BY_NP
    from .._factory import c_type_name
    return c_type_name(_BY_NP[np_dtype])
