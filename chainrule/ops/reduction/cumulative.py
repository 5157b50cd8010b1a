"""Cumulative ops: cumsum, cumprod, cummax, cummin, logcumsumexp; and the composites built
on differences: diff, trapezoid, trapz, cumulative_trapezoid.

cumsum's backward is the reversed cumulative sum; cumprod's is torch's cumprod_backward
(``reversed_cumsum(out * g) / x`` without zeros; with zeros an O(n) formula on arrays, and
under create_graph the O(n^2) sum over omitted products that differentiates again, as torch
switches on grad mode); cummax/cummin scatter the gradient back to the running extreme's
index; logcumsumexp's is torch's sign-split, overflow-free formula.
"""
from __future__ import annotations

from ..._tensor import Tensor, _wrap_dim
from .._dispatch import batched_function
from .._inplace import inplace
from .._registry import dispatch, expose, op
from ._common import (
    along,
    integral_to_long,
    numel,
    one_dim,
    select,
    selection_op,
    type_word,
    wrap,
    write_out,
)

_CAST = {"broadcasts": True}


def _cum(fn):
    def forward(xp, x, dim, dtype=None):
        if dtype is not None:
            x = x.astype(dtype)
        if x.ndim == 0:
            return x.copy()
        return fn(xp, x, dim)
    return forward


def _reversed_cumsum(F, g, dim):
    return F.flip_dims(F.cumsum(F.flip_dims(g, (dim,)), dim), (dim,))


def _cumsum_grad(F, g, dim):
    if g.ndim == 0 or g.shape[dim] <= 1:
        return g
    return _reversed_cumsum(F, g, dim)


_cumsum_forward = _cum(lambda xp, x, dim: xp.add.accumulate(x, axis=dim))
CUMSUM = op("cumsum", _cumsum_forward, vjps=(_cumsum_grad,), params=("dim",))
CUMSUM_CAST = op("cumsum_cast", _cumsum_forward, vjps=(_cumsum_grad,), params=("dim", "dtype"),
                 grad_fn="CumsumBackward0", **_CAST)


def _cumprod_grad(F, g, x, out, dim):
    """torch's cumprod_backward."""
    if x.ndim == 0 or numel(x.shape) <= 1 or x.shape[dim] == 1:
        return g
    if x.dtype != g.dtype:
        x = F.cast(x, g.dtype)
    if not bool((x == 0).any()):
        return _reversed_cumsum(F, out * g, dim) / x
    return F.cumprod_backward_zeros(g, x, out, dim)


_cumprod_forward = _cum(lambda xp, x, dim: xp.multiply.accumulate(x, axis=dim))
CUMPROD = op("cumprod", _cumprod_forward, vjps=(_cumprod_grad,), params=("dim",))
CUMPROD_CAST = op("cumprod_cast", _cumprod_forward, vjps=(_cumprod_grad,),
                  params=("dim", "dtype"), grad_fn="CumprodBackward0", **_CAST, holomorphic=None)


def _cumprod_backward_zeros_raw(xp, g, x, out, dim):
    """cumprod's gradient when ``x`` has zeros, in O(n) on arrays: before a slice's first zero
    it is reversed_cumsum(out * g) / x, at the first zero the sum of g times the products
    that skip it, after it zero."""
    shape = x.shape
    rows_of = lambda a: xp.moveaxis(a, dim, -1).reshape(-1, shape[dim])  # noqa: E731
    xr, gr, outr = rows_of(x), rows_of(g), rows_of(out)
    m, n = xr.shape
    zero = xr == 0
    first = xp.where(zero.any(axis=-1), xp.argmax(zero, axis=-1), n)[:, None]
    pos = xp.arange(n)[None, :]
    w = outr * gr
    before = xp.flip(xp.add.accumulate(xp.flip(w, -1), axis=-1), -1) / xp.where(zero, 1, xr)
    result = xp.where(pos < first, before, 0).astype(g.dtype, copy=False)
    skipped = xp.multiply.accumulate(xp.where(pos <= first, 1, xr), axis=-1)
    at_zero = xp.add.reduce(xp.where(pos >= first, gr * skipped, 0), axis=-1)
    prev = outr[xp.arange(m), xp.clip(first[:, 0] - 1, 0, n - 1)]
    at_zero = at_zero * xp.where(first[:, 0] > 0, prev, 1)
    rows = xp.nonzero(first[:, 0] < n)[0]
    result[rows, first[rows, 0]] = at_zero[rows]
    moved = xp.moveaxis(x, dim, -1).shape
    return xp.moveaxis(result.reshape(moved), -1, dim)


CUMPROD_BACKWARD_ZEROS = op("cumprod_backward_zeros", _cumprod_backward_zeros_raw)


@expose(method=False, internal=True)
def cumprod_backward_zeros(grad, input, output, dim):
    """cumprod's gradient with zeros, as a graph: sum over j >= k of g_j times the product
    of x_i (i <= j, i != k). O(n^2) like torch's grad-mode formula, and differentiable."""
    from ..pointwise import keep_where
    from ..shape import transpose, unsqueeze
    from .sums import sum as sum_
    xp = input.xp
    n = input.shape[dim]
    x, g = transpose(input, dim, -1), transpose(grad, dim, -1)
    eye = xp.eye(n, dtype=bool)
    replaced = keep_where(unsqueeze(x, -2) - 1, ~eye) + 1  # row k: x with x_k set to 1
    omitted = cumprod(replaced, -1)  # [k, j]: the product of x_i, i <= j, i != k
    upper = xp.triu(xp.ones((n, n), dtype=bool))  # j >= k
    return transpose(sum_(keep_where(unsqueeze(g, -2) * omitted, upper), -1), dim, -1)


def _cumulative(name, plain, cast, input, dim, dtype, out):
    target = integral_to_long(input, dtype)
    d = one_dim(dim, input.ndim)
    if target.np == input._data.dtype:
        result = dispatch(plain, (input,), {"dim": d})
    elif input._data.dtype.kind in "fcV":
        result = dispatch(cast, (input,), {"dim": d, "dtype": target.np})
    else:
        result = dispatch(plain, (input,), {"dim": d, "dtype": target.np})
    return result if out is None else write_out(name, result, out)


@expose
def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sum along ``dim`` (CumsumBackward0); integers accumulate in int64."""
    return _cumulative("cumsum", CUMSUM, CUMSUM_CAST, input, dim, dtype, out)


@expose
def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative product along ``dim`` (CumprodBackward0, exact with zeros).

    >>> import chainrule as torch
    >>> x = torch.tensor([2., 0., 3.], requires_grad=True)
    >>> x.cumprod(0).sum().backward()
    >>> x.grad
    tensor([1., 8., 0.])
    """
    return _cumulative("cumprod", CUMPROD, CUMPROD_CAST, input, dim, dtype, out)


Tensor.cumsum_ = inplace(cumsum)
Tensor.cumprod_ = inplace(cumprod)


# ---------------------------------------------------------------------------- cummax/cummin
CUMMAX = selection_op("cummax", "CummaxBackward0")
CUMMIN = selection_op("cummin", "CumminBackward0")


def _running_index(xp, x, dim, accumulate):
    """torch's indices of a running extreme: the latest position where it was attained
    (ties move the index on; a NaN takes over and every later NaN moves it on)."""
    values = accumulate(x, axis=dim)
    hit = x == values
    if x.dtype.kind in "fcV":
        hit |= xp.isnan(x)
    shape = [1] * x.ndim
    shape[dim] = x.shape[dim]
    positions = xp.arange(x.shape[dim]).reshape(shape)
    return xp.maximum.accumulate(xp.where(hit, positions, 0), axis=dim).astype("int64")


def _cumextreme(name, o, input, dim, out, accumulate):
    d = one_dim(dim, input.ndim)
    xp = input.xp
    data = input._data
    if data.ndim == 0:
        index = xp.zeros((), "int64")
    else:
        index = _running_index(xp, data, d, accumulate(xp))
    return select(o, input, d, index, True, name, out, name)


@expose
@batched_function("cummax")
def cummax(input, dim, *, out=None):
    """``(values, indices)`` of the running maximum along ``dim`` (CummaxBackward0)."""
    return _cumextreme("cummax", CUMMAX, input, dim, out, lambda xp: xp.maximum.accumulate)


@expose
@batched_function("cummin")
def cummin(input, dim, *, out=None):
    """``(values, indices)`` of the running minimum along ``dim`` (CumminBackward0)."""
    return _cumextreme("cummin", CUMMIN, input, dim, out, lambda xp: xp.minimum.accumulate)


# ---------------------------------------------------------------------------- logcumsumexp
_LOWEST = {"float16": -65504.0, "float32": -3.4028234663852886e38,
           "float64": -1.7976931348623157e308}


def _complex_logaddexp(xp, a, b):
    """log(exp(a) + exp(b)) for complex numbers as torch computes it: the larger real part
    factored out; both -inf gives that -inf, both +inf the plain formula."""
    swap = a.real < b.real
    hi, lo = xp.where(swap, b, a), xp.where(swap, a, b)
    with xp.errstate(all="ignore"):
        out = hi + xp.log1p(xp.exp(lo - hi))
        both_inf = ~xp.isfinite(hi.real) & (lo.real == hi.real)
        if both_inf.any():
            out = xp.where(both_inf & (hi.real < 0), hi, out)
            out = xp.where(both_inf & (hi.real > 0), xp.log(xp.exp(lo) + xp.exp(hi)), out)
        bad = xp.isnan(lo.real) | xp.isnan(lo.imag)
        if bad.any():
            out = xp.where(bad, xp.asarray(complex("nan+nanj"), out.dtype), out)
    return out


def _logcumsumexp_forward(xp, x, dim):
    if x.dtype.kind != "c":
        return xp.logaddexp.accumulate(x, axis=dim)
    moved = xp.moveaxis(x, dim, 0)
    out = xp.empty_like(moved)
    acc = xp.full(moved.shape[1:], complex(-xp.inf, 0), dtype=x.dtype)  # torch's start
    for i in range(moved.shape[0]):  # torch's sequential accumulation
        acc = out[i] = _complex_logaddexp(xp, acc, moved[i])
    return xp.moveaxis(out, 0, dim)


def _logcumsumexp_grad(F, g, x, out, dim):
    """torch's logcumsumexp_backward: the positive and negative parts of g in log space, so
    nothing overflows (a complex g needs no split: its log is defined)."""
    if g.ndim == 0 or numel(g.shape) == 0:
        return g

    def reverse_logcumsumexp(t):
        return F.flip_dims(F.logcumsumexp(F.flip_dims(t, (dim,)), dim), (dim,))
    if g.dtype.name.startswith("complex"):  # torch's rule: d out_i / d x_j = exp(x_j - out_i)
        return F.exp(reverse_logcumsumexp(F.log(g) - F.conj(out)) + F.conj(x))
    lowest = _LOWEST[g.dtype.name]
    log_abs = F.log(F.abs(g))
    positive = F.where(g > 0, log_abs, lowest)
    negative = F.where(g < 0, log_abs, lowest)
    return (F.exp(reverse_logcumsumexp(positive - out) + x)
            - F.exp(reverse_logcumsumexp(negative - out) + x))


LOGCUMSUMEXP = op("logcumsumexp", _cum(_logcumsumexp_forward), vjps=(_logcumsumexp_grad,),
                  params=("dim",), holomorphic=False)


@expose
def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(x))) along ``dim``, computed stably (LogcumsumexpBackward0)."""
    if input._data.dtype.kind not in "fcV":
        raise NotImplementedError(f'"logcumsumexp_out_cpu" not implemented for '
                                  f"'{type_word(input)}'")
    result = dispatch(LOGCUMSUMEXP, (input,), {"dim": one_dim(dim, input.ndim)})
    return result if out is None else write_out("logcumsumexp", result, out)


# ---------------------------------------------------------------------------- diff
def _check_diff_other(input, other, dim):
    if other is None:
        return
    if other.ndim != input.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for i in range(other.ndim):
        if i != dim and other.shape[i] != input.shape[i]:
            raise RuntimeError(
                "diff expects the shape of tensor to prepend or append to match that of input "
                f"except along the differencing dimension; input.size({i}) = "
                f"{input.shape[i]}, but got tensor.size({i}) = {other.shape[i]}")


@expose
def diff(input, n=1, dim=-1, prepend=None, append=None, *, out=None):
    """The n-th forward difference along ``dim``: slices subtracted, as torch composes it
    (logical_xor for bool)."""
    from ..pointwise import logical_xor
    from ..shape import cat
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _wrap_dim(dim, input.ndim)
    _check_diff_other(input, prepend, d)
    _check_diff_other(input, append, d)
    result = input
    if n == 0:
        from ..._creation import zeros_like
        result = zeros_like(input).copy_(input)
    else:
        if prepend is not None or append is not None:
            parts = [t for t in (prepend, input, append) if t is not None]
            result = cat(parts, d)
        length = result.shape[d] - 1
        boolean = result._data.dtype.kind == "b"
        for _ in range(min(n, result.shape[d])):
            hi = result[along(d, slice(1, 1 + length))]
            lo = result[along(d, slice(0, length))]
            result = logical_xor(hi, lo) if boolean else hi - lo
            length -= 1
    return result if out is None else write_out("diff", result, out)


# ---------------------------------------------------------------------------- trapezoid
# torch composes trapezoid with mul/div by a Scalar, whose nodes are MulBackward1 and
# DivBackward1 (a Python scalar operand gives MulBackward0/DivBackward0).
MUL_BY_SCALAR = op("mul_by_scalar", lambda xp, x, other: x * other,
                   vjps=(lambda F, g, other: F.mul_by_scalar(g, other),), params=("other",),
                   scalars=("other",), grad_fn="MulBackward1", dtype_rule="promote")
DIV_BY_SCALAR = op("div_by_scalar", lambda xp, x, other: x / other,
                   vjps=(lambda F, g, other: F.div_by_scalar(g, other),), params=("other",),
                   grad_fn="DivBackward1", dtype_rule="float")


@expose(method=False, internal=True)
def mul_by_scalar(input, other):
    """input * other for a Python number, recorded as torch's mul.Scalar (MulBackward1)."""
    return dispatch(MUL_BY_SCALAR, (input,), {"other": other})


@expose(method=False, internal=True)
def div_by_scalar(input, other):
    """input / other for a Python number, recorded as torch's div.Scalar (DivBackward1)."""
    return dispatch(DIV_BY_SCALAR, (input,), {"other": other})


def _zeros_except(y, dim):
    from ..._creation import zeros
    shape = y.shape[:dim] + y.shape[dim + 1:]
    return zeros(shape, dtype=y.dtype, device=y.device)


def _dx_from_x(name, y, x, dim):
    if y._data.dtype.kind == "b" or x._data.dtype.kind == "b":
        raise RuntimeError(f"{name}: received a bool input for `x` or `y`, but bool is not "
                           "supported")
    if x.ndim == 1:
        if x.shape[0] != y.shape[dim]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.ndim
        shape[dim] = x.shape[0]
        x = x.view(tuple(shape))
    elif x.ndim < y.ndim:
        x = x.view((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    return x[along(dim, slice(1, None))] - x[along(dim, slice(0, -1))]


def _scalar_dx(name, dx):
    if isinstance(dx, (bool, complex)):
        raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")
    return float(dx)


@expose(method=False)
def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along ``dim``, with sample points ``x`` or spacing ``dx``."""
    d = _wrap_dim(dim, y.ndim)
    if x is not None and dx is not None:
        raise TypeError("trapezoid() received an invalid combination of arguments - got both "
                        "'x' and 'dx'")
    if y.shape[d] == 0:
        return _zeros_except(y, d)
    if x is not None and isinstance(x, Tensor):
        spacing = _dx_from_x("trapezoid", y, x, d)
        left, right = y[along(d, slice(0, -1))], y[along(d, slice(1, None))]
        return div_by_scalar(((left + right) * spacing).sum(d), 2.0)
    if y._data.dtype.kind == "b":
        raise RuntimeError("trapezoid: received a bool input for `y`, but bool is not "
                           "supported")
    step = _scalar_dx("trapezoid", 1 if dx is None and x is None else (x if dx is None else dx))
    ends = y[along(d, 0)] + y[along(d, -1)]
    return mul_by_scalar(y.sum(d) - mul_by_scalar(ends, 0.5), step)


@expose(method=False)
def trapz(y, x=None, *, dx=None, dim=-1):
    """torch.trapz: trapezoid by its older name."""
    return trapezoid(y, x, dx=dx, dim=dim)


@expose(method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral along ``dim`` (one fewer element)."""
    d = _wrap_dim(dim, y.ndim)
    if x is not None and dx is not None:
        raise TypeError("cumulative_trapezoid() received an invalid combination of arguments "
                        "- got both 'x' and 'dx'")
    left, right = y[along(d, slice(0, -1))], y[along(d, slice(1, None))]
    if x is not None and isinstance(x, Tensor):
        spacing = _dx_from_x("cumulative_trapezoid", y, x, d)
        return div_by_scalar(cumsum((left + right) * spacing, d), 2.0)
    if y._data.dtype.kind == "b":
        raise RuntimeError("cumulative_trapezoid: received a bool input for `y`, but bool is "
                           "not supported")
    step = _scalar_dx("cumulative_trapezoid",
                      1 if dx is None and x is None else (x if dx is None else dx))
    return cumsum(mul_by_scalar(left + right, step / 2.0), d)


__all__ = ["cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "diff", "trapezoid",
           "trapz", "cumulative_trapezoid", "wrap"]
