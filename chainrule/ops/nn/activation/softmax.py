"""softmax, log_softmax and their backward ops (``_softmax_backward_data`` and
``_log_softmax_backward_data``, registered so double backward records
SoftmaxBackwardDataBackward0 / LogSoftmaxBackwardDataBackward0 as torch does); softmin and
gumbel_softmax, which torch composes from them.

The kernels subtract the row maximum (no overflow at +-1000; a row holding +inf or only -inf
gives NaN, as torch's does); softmax skips that shift when no row sum overflows and every
row sum is >= 1 (the quotient exp(x) / sum is then as exact, and two passes cheaper). They
write in place where they can, and sum rows of a contiguous float array with one
matrix-vector product (bench/nn_softmax_ce.py: several times faster than ``sum(axis=-1)``
at these sizes).
"""
from __future__ import annotations

from ...._tensor import Tensor, _wrap_dim
from ..._dispatch import batched_function
from ..._registry import dispatch, expose, op
from .._compose import check_float, named, numpy_generator, warn
from .pointwise import _vocab

__all__ = ["softmax", "log_softmax", "softmin", "gumbel_softmax"]

_ONES: dict = {}


def _last_contiguous(xp, a, dim):
    return (dim == a.ndim - 1 and a.dtype.char in "fd" and a.shape[-1] > 1
            and a.flags.c_contiguous and xp.__name__ == "numpy")


def _rowsum(xp, a, dim):
    """``a.sum(dim, keepdim=True)``; a GEMV against ones for the last dim of a contiguous
    float32/float64 array."""
    if _last_contiguous(xp, a, dim):
        n = a.shape[-1]
        key = (n, a.dtype.char)
        ones = _ONES.get(key)
        if ones is None:
            if len(_ONES) > 64:
                _ONES.clear()
            ones = _ONES[key] = xp.ones(n, dtype=a.dtype)
        return xp.matmul(a, ones)[..., None]
    return xp.sum(a, axis=dim, keepdims=True)


def _rowdot(xp, a, b, dim):
    """``(a * b).sum(dim, keepdim=True)``, one pass for the last dim."""
    if _last_contiguous(xp, a, dim) and b.flags.c_contiguous:
        return xp.vecdot(a, b)[..., None]
    return xp.sum(a * b, axis=dim, keepdims=True)


def _as_rows(fn):
    """Run a kernel on 0-d input as on one element (torch treats a scalar as a length-1
    row); half precision computes in float32, as torch's CPU kernels do."""
    def kernel(xp, *arrays, dim):
        shape0 = arrays[0].shape
        dtype = arrays[0].dtype
        if not shape0:
            arrays = tuple(a.reshape(1) for a in arrays)
            dim = 0
        if dtype == xp.float16:
            arrays = tuple(a.astype(xp.float32) for a in arrays)
        if arrays[0].size == 0:
            return xp.empty(shape0, dtype=dtype)
        return fn(xp, *arrays, dim=dim).reshape(shape0).astype(dtype, copy=False)
    kernel.__name__ = fn.__name__
    return kernel


@_as_rows
def _softmax_kernel(xp, x, dim):
    if x.dtype.char in "fd" and xp.__name__ == "numpy":
        # exp(x) unshifted, kept when no row sum overflowed and every row sum is >= 1 (so the
        # row max is >= -log(n): an entry that underflowed has a probability below
        # n * tiny, as negligible as torch's); otherwise the shifted form
        out = xp.exp(x)
        sums = _rowsum(xp, out, dim)
        low = xp.minimum.reduce(sums, axis=None)
        if 1.0 <= low and xp.maximum.reduce(sums, axis=None) < xp.inf:
            out *= 1 / sums
            return out
    out = x - xp.maximum.reduce(x, axis=dim, keepdims=True)
    xp.exp(out, out=out)
    out *= 1 / _rowsum(xp, out, dim)
    return out


@_as_rows
def _log_softmax_kernel(xp, x, dim):
    # always shifted: x - log(sum(exp(x))) would cost log-probabilities near 0 (confident
    # rows) an absolute error of eps * |row max| where torch's form keeps eps
    shifted = x - xp.maximum.reduce(x, axis=dim, keepdims=True)
    lse = xp.log(_rowsum(xp, xp.exp(shifted), dim))
    shifted -= lse
    return shifted


@_as_rows
def _softmax_bw_kernel(xp, g, y, dim):
    gx = g - _rowdot(xp, g, y, dim)
    gx *= y
    return gx


@_as_rows
def _log_softmax_bw_kernel(xp, g, out, dim):
    gx = xp.exp(out)
    gx *= _rowsum(xp, g, dim)
    xp.subtract(g, gx, out=gx)
    return gx


def _softmax_fw(xp, x, dim):
    return _softmax_kernel(xp, x, dim=dim)


def _log_softmax_fw(xp, x, dim):
    return _log_softmax_kernel(xp, x, dim=dim)


def _softmax_bw(xp, grad_output, output, dim):
    return _softmax_bw_kernel(xp, grad_output, output, dim=dim)


def _log_softmax_bw(xp, grad_output, output, dim):
    return _log_softmax_bw_kernel(xp, grad_output, output, dim=dim)


def _sum(F, t, dim):
    return F.sum(t, (dim,), True) if t.ndim else t


def _softmax_double(F, g, grad_output, output, dim):
    """d(_softmax_backward_data)/d(output), torch's softmax_double_backward."""
    return (grad_output * g - _sum(F, output * grad_output, dim) * g
            - grad_output * _sum(F, output * g, dim))


SOFTMAX = op("softmax", _softmax_fw, params=("dim",), grad_fn="SoftmaxBackward0",
             vjps=(lambda F, g, out, dim: F._softmax_backward_data(g, out, dim),))
LOG_SOFTMAX = op("log_softmax", _log_softmax_fw, params=("dim",),
                 grad_fn="LogSoftmaxBackward0",
                 vjps=(lambda F, g, out, dim: F._log_softmax_backward_data(g, out, dim),))
SOFTMAX_BACKWARD = op(
    "_softmax_backward_data", _softmax_bw, inputs=("grad_output", "output"), params=("dim",),
    grad_fn="SoftmaxBackwardDataBackward0",
    vjps=(lambda F, g, output, dim: F._softmax_backward_data(g, output, dim),
          _softmax_double))
LOG_SOFTMAX_BACKWARD = op(
    "_log_softmax_backward_data", _log_softmax_bw, inputs=("grad_output", "output"),
    params=("dim",), grad_fn="LogSoftmaxBackwardDataBackward0",
    vjps=(lambda F, g, output, dim: g - _sum(F, g * F.exp(output), dim),
          lambda F, g, grad_output, output, dim:
          -(g * F.exp(output)) * _sum(F, grad_output, dim)))
_softmax_backward_data = _vocab(SOFTMAX_BACKWARD)
_log_softmax_backward_data = _vocab(LOG_SOFTMAX_BACKWARD)


def _run(op_, kernel, input, dim, dtype):
    if dtype is not None:
        input = input.to(dtype)
    check_float(input, kernel)
    return dispatch(op_, (input,), {"dim": _wrap_dim(dim, input.ndim)})


@expose(name="softmax", tensor_name="softmax")
@named("softmax")
def _torch_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim`` (SoftmaxBackward0); ``dtype`` casts first."""
    return _run(SOFTMAX, "softmax_lastdim_kernel_impl", input, dim, dtype)


@expose(name="log_softmax", tensor_name="log_softmax")
@named("log_softmax")
def _torch_log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """x - logsumexp(x) along ``dim`` (LogSoftmaxBackward0); ``dtype`` casts first."""
    return _run(LOG_SOFTMAX, "log_softmax_lastdim_kernel_impl", input, dim, dtype)


def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
         "to include dim=X as an argument.")
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """Softmax along ``dim`` (without ``dim``: torch's deprecated implicit choice, with its
    warning)."""
    if dim is None:
        dim = _get_softmax_dim("softmax", input.ndim, _stacklevel)
    return _torch_softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype=None) -> Tensor:
    """log(softmax(x)) computed stably along ``dim``."""
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _torch_log_softmax(input, dim, dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype=None) -> Tensor:
    """softmax(-x) along ``dim``, composed as torch composes it."""
    if dim is None:
        dim = _get_softmax_dim("softmin", input.ndim, _stacklevel)
    if input._data.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return _torch_softmax(-input, dim, dtype)


@batched_function("gumbel_softmax", random=True)
def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A sample from the Gumbel-softmax distribution over ``dim`` (noise from chainrule's
    generator); ``hard=True`` gives one-hot samples whose gradient is the soft sample's
    (straight-through)."""
    if eps != 1e-10:
        warn("`eps` parameter is deprecated and has no effect.")
    data = logits._data
    noise = numpy_generator(None).standard_exponential(data.shape).astype(data.dtype, copy=False)
    gumbels = Tensor._make(-logits.xp.log(noise))
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    from .... import zeros_like
    d = _wrap_dim(dim, logits.ndim)
    index = y_soft.detach().argmax(d, keepdim=True)
    one_hot = zeros_like(y_soft).scatter_(d, index, 1.0)  # (tensor ops: vmap's rules)
    return one_hot - y_soft.detach() + y_soft
