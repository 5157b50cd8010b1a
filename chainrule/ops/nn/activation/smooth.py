"""Smooth elementwise activations: gelu (exact and tanh), silu, mish, softplus,
logsigmoid (each one op with torch's grad_fn and, where torch has one, a backward op for
double backward), and the composites softsign and tanhshrink."""
from __future__ import annotations

import math

from ...._tensor import Tensor
from ..._inplace import inplace
from ..._pointwise_util import refuse_complex_autograd
from ..._registry import dispatch, op
from .._compose import check_float
from .pointwise import _compute, _vocab

__all__ = ["gelu", "silu", "mish", "softplus", "softsign", "tanhshrink", "logsigmoid"]

_SQRT1_2 = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327
_SQRT_2_OVER_PI = 0.7978845608028654
_KAPPA = 0.044715


# ---------------------------------------------------------------------------- gelu
def _erf(xp, x):
    """erf on arrays: the special family's kernel when present, else SciPy's, else
    math.erf element by element."""
    try:
        from ..._special_math import erf
        return erf(xp, x)
    except ImportError:
        pass
    try:
        from scipy.special import erf as scipy_erf
        return scipy_erf(x)
    except ImportError:
        return xp.vectorize(math.erf, otypes=[x.dtype])(x)


def _gelu(xp, x, approximate):
    y = _compute(xp, x)
    if approximate == "tanh":
        out = 0.5 * y * (1 + xp.tanh(_SQRT_2_OVER_PI * (y + _KAPPA * y * y * y)))
    else:
        out = y * 0.5 * (1 + _erf(xp, y * _SQRT1_2))
    return out.astype(x.dtype, copy=False)


def _gelu_bw(xp, g, x, approximate):
    y = _compute(xp, x)
    if approximate == "tanh":
        inner = _SQRT_2_OVER_PI * (y + _KAPPA * y * y * y)
        t = xp.tanh(inner)
        d = 0.5 * (1 + t) + 0.5 * y * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * _KAPPA * y * y)
    else:
        cdf = 0.5 * (1 + _erf(xp, y * _SQRT1_2))
        d = cdf + y * _INV_SQRT_2PI * xp.exp(-0.5 * y * y)
    return (g * d.astype(g.dtype, copy=False)).astype(g.dtype, copy=False)


def _gelu_second(F, x, approximate):
    """gelu''(x), written with F so a third derivative works."""
    if approximate == "tanh":
        u1 = (x * x * (3 * _KAPPA) + 1) * _SQRT_2_OVER_PI
        u2 = x * (6 * _KAPPA * _SQRT_2_OVER_PI)
        t = F.tanh((x + x * x * x * _KAPPA) * _SQRT_2_OVER_PI)
        sech2 = 1 - t * t
        return sech2 * (u1 + x * 0.5 * (u2 - t * u1 * u1 * 2))
    return F.exp(x * x * -0.5) * _INV_SQRT_2PI * (2 - x * x)


GELU = op("gelu", _gelu, params=("approximate",),
          vjps=(lambda F, g, x, approximate: F.gelu_backward(g, x, approximate),))
GELU_BACKWARD = op(
    "gelu_backward", _gelu_bw, inputs=("grad_output", "x"), params=("approximate",),
    grad_fn="GeluBackwardBackward0",
    vjps=(lambda F, g, x, approximate: F.gelu_backward(g, x, approximate),
          lambda F, g, grad_output, x, approximate:
          g * grad_output * _gelu_second(F, x, approximate)))
gelu_backward = _vocab(GELU_BACKWARD)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x), or its tanh approximation (GeluBackward0)."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    check_float(input, "GeluKernelImpl")
    return dispatch(GELU, (input,), {"approximate": approximate})


# ---------------------------------------------------------------------------- silu, mish
def _silu(xp, x):
    y = _compute(xp, x)
    return (y / (1 + xp.exp(-y))).astype(x.dtype, copy=False)


def _silu_grad(F, g, x):
    s = F.sigmoid(x)
    return g * s * (x * (1 - s) + 1)


def _mish(xp, x):
    y = _compute(xp, x)
    return (y * xp.tanh(xp.logaddexp(y, 0))).astype(x.dtype, copy=False)


def _mish_grad(F, g, x):
    s = F.sigmoid(x)
    t = F.tanh(F.log1p(F.exp(x)))
    return g * (t + x * s * (1 - t * t))


SILU = op("silu", _silu, vjps=(_silu_grad,), holomorphic=None)  # torch refuses complex too
MISH = op("mish", _mish, vjps=(_mish_grad,))


def _silu_out(input):
    check_float(input, "silu_cpu", complex_ok=True)
    return dispatch(SILU, (input,))


def _mish_out(input):
    check_float(input, "mish_cpu")
    return dispatch(MISH, (input,))


_silu_out.__name__, _mish_out.__name__ = "silu", "mish"
_silu_inplace, _mish_inplace = inplace(_silu_out), inplace(_mish_out)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (SiluBackward0)."""
    if input._data.dtype.kind == "c" and not inplace:  # (torch records silu_ on complex)
        refuse_complex_autograd("silu", input)
    return _silu_inplace(input) if inplace else _silu_out(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)) (MishBackward0)."""
    return _mish_inplace(input) if inplace else _mish_out(input)


# ---------------------------------------------------------------------------- softplus
def _softplus(xp, x, beta, threshold):
    y = _compute(xp, x)
    z = y * beta
    out = xp.where(z > threshold, y, xp.log1p(xp.exp(z)) / beta)
    return out.astype(x.dtype, copy=False)


def _softplus_bw(xp, g, x, beta, threshold):
    z = xp.exp(_compute(xp, x) * beta)
    d = xp.where(x * beta > threshold, 1.0, z / (z + 1))
    return (g * d.astype(g.dtype, copy=False)).astype(g.dtype, copy=False)


def _softplus_double(F, g, grad_output, x, beta, threshold):
    """softplus_double_backward(grad * grad_output, x, beta, threshold)."""
    z = x * beta
    s = F.sigmoid(z)
    return F.where(z < threshold, g * grad_output * s * (1 - s) * beta, 0.0)


SOFTPLUS = op("softplus", _softplus, params=("beta", "threshold"),
              vjps=(lambda F, g, x, beta, threshold:
                    F.softplus_backward(g, x, beta, threshold),))
SOFTPLUS_BACKWARD = op(
    "softplus_backward", _softplus_bw, inputs=("grad_output", "x"),
    params=("beta", "threshold"), grad_fn="SoftplusBackwardBackward0",
    vjps=(lambda F, g, x, beta, threshold: F.softplus_backward(g, x, beta, threshold),
          _softplus_double))
softplus_backward = _vocab(SOFTPLUS_BACKWARD)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, linear above ``threshold`` (SoftplusBackward0)."""
    check_float(input, "softplus_cpu")
    return dispatch(SOFTPLUS, (input,), {"beta": beta, "threshold": threshold})


# ---------------------------------------------------------------------------- composites
def softsign(input: Tensor) -> Tensor:
    """x / (|x| + 1), composed as torch composes it."""
    if input._data.dtype.kind == "b":
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return input / (input.abs() + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x), composed as torch composes it."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not "
                           "supported. If you are trying to invert a mask, use the `~` or "
                           "`logical_not()` operator instead.")
    return input - input.tanh()


# ---------------------------------------------------------------------------- logsigmoid
def _logsigmoid(xp, x):
    y = _compute(xp, x)
    return (xp.minimum(y, 0) - xp.log1p(xp.exp(-xp.abs(y)))).astype(x.dtype, copy=False)


def _logsigmoid_bw(xp, g, x):
    y = _compute(xp, x)
    z = xp.exp(-xp.abs(y))
    d = xp.where(y < 0, 1 / (1 + z), z / (1 + z))
    return (g * d.astype(g.dtype, copy=False)).astype(g.dtype, copy=False)


def _logsigmoid_double(F, g, grad_output, x):
    s = F.sigmoid(x)
    return g * grad_output * (s - 1) * s


LOGSIGMOID = op("log_sigmoid", _logsigmoid, grad_fn="LogSigmoidBackward0",
                vjps=(lambda F, g, x: F.log_sigmoid_backward(g, x),))
LOGSIGMOID_BACKWARD = op(
    "log_sigmoid_backward", _logsigmoid_bw, inputs=("grad_output", "x"),
    grad_fn="LogSigmoidBackwardBackward0",
    vjps=(lambda F, g, x: F.log_sigmoid_backward(g, x), _logsigmoid_double))
log_sigmoid_backward = _vocab(LOGSIGMOID_BACKWARD)
log_sigmoid = _vocab(LOGSIGMOID)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)), stable for large |x| (LogSigmoidBackward0)."""
    check_float(input, "log_sigmoid_cpu")
    return dispatch(LOGSIGMOID, (input,))
