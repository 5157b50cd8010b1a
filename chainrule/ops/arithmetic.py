"""Binary arithmetic: add, sub, mul, div (and its rounding modes), pow, remainder, fmod,
floor_divide, maximum, minimum, atan2.

Each op is its forward over ``xp`` and one rule per input, written as torch's
derivatives.yaml writes them (the masks included: ``where(exponent == 0, 0, ...)``, not
``g * 0``, so an inf or NaN upstream gradient stays out of a zero derivative). A Python
scalar operand is either an input (``x * 2``: torch wraps it in a tensor, so the node has
an edge for it) or a declared scalar parameter (``2 - x``: RsubBackward1 has one edge);
dispatch promotes and converts both the way torch does. Where torch refuses a dtype the
op's ``refuse`` table says so, in torch's words.
"""
from __future__ import annotations

import cmath
import math

from .._dtypes import as_scalar, py_type_name, type_name, wrap_int
from .._meta import is_meta
from .._tensor import Tensor
from ..autograd.grad_mode import _tls
from ._pointwise_util import write_out
from ._registry import binary, dispatch, dispatch2, expose, op, record

BCAST = {"dtype_rule": "promote", "broadcasts": True}


def not_implemented(kernel: str, kinds: str) -> dict:
    """torch's dispatch refusal for dtypes of these kinds (``"bitwise_and_cpu" not
    implemented for 'Float'``), as an Op ``refuse`` table."""
    return {k: (NotImplementedError, f'"{kernel}" not implemented for {{T}}') for k in kinds}


def refused(exc, message: str, kinds: str) -> dict:
    return {k: (exc, message) for k in kinds}


def zero_grad(F, g):
    """The derivative of a piecewise-constant op: zeros_like(grad), as torch writes it (an
    inf or NaN upstream gradient gives zeros, not NaN)."""
    return F.zeros_like(g)


def _refuse(kernel, dtype):
    raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(dtype)}'")


def _dtype_of(a, b):
    return a.dtype if hasattr(a, "dtype") else b.dtype


def _check_divisor(xp, b):
    """Integer division by zero: torch raises where NumPy would return 0 (a meta divisor
    has no values to test)."""
    if is_meta(b):
        return
    if (b == 0) if not hasattr(b, "shape") else (b.size and not xp.all(b)):
        raise RuntimeError("ZeroDivisionError")


def _check_bool_sub(args, params):
    # torch refuses a bool operand of either kind; two of them (a bool tensor and a bool
    # tensor or number) get the "two bool tensors" message
    n = 0
    for a in args:
        if a.__class__ is bool or (isinstance(a, Tensor) and a._data.dtype.kind == "b"):
            n += 1
    if params is not None and params.get("other").__class__ is bool:
        n += 1
    if n == 2:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if n:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


# ---------------------------------------------------------------------------- + - * /
def _scaled(xp, b, alpha, dtype):
    """alpha * b in the dtype computed in: alpha is no operand for type promotion, and an
    integer alpha wraps into an integer dtype as torch's scalars do."""
    if dtype.kind in "iu" and alpha.__class__ is int:
        alpha = wrap_int(alpha, dtype)
    if not hasattr(b, "dtype"):
        b = xp.asarray(b, dtype=dtype)
    return alpha * b


def _add(xp, a, b, alpha=1):
    if alpha == 1:
        return xp.add(a, b)
    a = xp.asarray(a)
    return (a + _scaled(xp, b, alpha, a.dtype)).astype(a.dtype, copy=False)


def _sub(xp, a, b, alpha=1):
    if alpha == 1:
        return xp.subtract(a, b)
    a = xp.asarray(a)
    return (a - _scaled(xp, b, alpha, a.dtype)).astype(a.dtype, copy=False)


def _rsub(xp, x, other, alpha=1):
    if alpha == 1:
        return other - x
    return (other - _scaled(xp, x, alpha, x.dtype)).astype(x.dtype, copy=False)


ADD = binary("add", _add, ufunc="add",
             da=lambda F, g: g, db=lambda F, g, alpha: g if alpha == 1 else g * alpha,
             params=("alpha",), **BCAST)
SUB = binary("sub", _sub, ufunc="subtract",
             # (da names alpha so the node keeps it with a number ``other``: torch's does)
             da=lambda F, g, alpha: g, db=lambda F, g, alpha: -g if alpha == 1 else g * -alpha,
             params=("alpha",), check=_check_bool_sub, **BCAST)
RSUB = op("rsub", _rsub, vjps=(lambda F, g, alpha: -g if alpha == 1 else g * -alpha,),
          params=("other", "alpha"), scalars=("other",), grad_fn="RsubBackward1",
          dtype_rule="promote", check=_check_bool_sub)
# rsub(input, other) with a tensor ``other``: other - alpha * input (RsubBackward0)
RSUB_TT = binary("rsub_tensor", lambda xp, a, b, alpha=1: _rsub(xp, a, b, alpha),
                 da=lambda F, g, alpha: -g if alpha == 1 else g * -alpha, db=lambda F, g: g,
                 params=("alpha",), grad_fn="RsubBackward0", check=_check_bool_sub, **BCAST)
MUL = binary("mul", "multiply",
             da=lambda F, g, b: g * b, db=lambda F, g, a: g * a, **BCAST)
DIV = binary("div", "true_divide",
             da=lambda F, g, b: g / b, db=lambda F, g, a, b: -g * a / (b * b),
             dtype_rule="promote_float", broadcasts=True)


def _div_mode(xp, a, b, rounding_mode):
    """div(rounding_mode='floor' | 'trunc'): integers divide exactly in integer arithmetic
    (floor_divide, then a step toward zero for trunc), floats as torch's kernels do."""
    dt = _dtype_of(a, b)
    if dt.kind in "bc":
        _refuse(f"div_{rounding_mode}_cpu", dt)
    if dt.kind in "iu":
        _check_divisor(xp, b)
        q = xp.floor_divide(a, b)
        if rounding_mode == "trunc" and dt.kind == "i":
            q = q + ((xp.remainder(a, b) != 0) & ((a < 0) != (b < 0)))
        return q
    if rounding_mode == "floor":
        return xp.floor_divide(a, b)
    return xp.trunc(xp.true_divide(a, b))


def _div_mode_grad(F, g, a, b, rounding_mode):
    # zero, as torch; the inputs (and the mode) are saved as torch's DivBackward2 saves them
    # (so a second backward through the node is refused the same way)
    return F.zeros_like(g)


# Both rounding modes are one node, DivBackward2, whose gradients are zero (torch).
DIV_MODE = binary("div_mode", _div_mode, da=_div_mode_grad, db=_div_mode_grad,
                  params=("rounding_mode",), grad_fn="DivBackward2", **BCAST)
FLOOR_DIVIDE = binary("floor_divide", lambda xp, a, b: _div_mode(xp, a, b, "floor"), **BCAST)


def _check_alpha(input, other, alpha, name="add"):
    """``alpha`` as the Python number torch reads it: a 0-d tensor that needs no grad counts as
    its value (torch's Scalar conversion); integer inputs refuse a float."""
    if isinstance(alpha, Tensor):
        if alpha._rg or alpha._data.ndim:
            raise TypeError(f"{name}(): argument 'alpha' must be Number, not Tensor")
        alpha = alpha._data.item()
    if isinstance(alpha, float) and all(
            not isinstance(t, Tensor) or t._data.dtype.kind in "biu" for t in (input, other)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    return alpha


@expose
def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting and torch's type promotion."""
    if out is not None:
        return write_out("add", out, (input, other), lambda: add(input, other, alpha=alpha))
    if alpha == 1 and alpha.__class__ is int:
        return dispatch2(ADD, input, other)
    alpha = _check_alpha(input, other, alpha)
    return dispatch(ADD, (input, other), {"alpha": alpha})


@expose
def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other."""
    if out is not None:
        return write_out("sub", out, (input, other), lambda: sub(input, other, alpha=alpha))
    if not isinstance(input, Tensor):
        return rsub(other, input, alpha=alpha)
    if alpha == 1 and alpha.__class__ is int:
        return dispatch2(SUB, input, other)
    alpha = _check_alpha(input, other, alpha, "sub")
    return dispatch(SUB, (input, other), {"alpha": alpha})


subtract = expose(sub, name="subtract")


@expose
def rsub(input, other, *, alpha=1):
    """other - alpha * input (RsubBackward1 when ``other`` is a number)."""
    if isinstance(other, Tensor):
        if alpha == 1:
            return dispatch(RSUB_TT, (input, other))
        return dispatch(RSUB_TT, (input, other), {"alpha": alpha})
    return dispatch(RSUB, (input,), {"other": other, "alpha": alpha})


@expose
def mul(input, other, *, out=None):
    """Elementwise product with broadcasting."""
    if out is not None:
        return write_out("mul", out, (input, other), lambda: mul(input, other))
    return dispatch2(MUL, input, other)


multiply = expose(mul, name="multiply")


@expose
def div(input, other, *, rounding_mode=None, out=None):
    """True division (integers divide to the default float dtype); with ``rounding_mode``
    'floor' or 'trunc', the rounded quotient in the promoted dtype (DivBackward2)."""
    if out is not None:
        return write_out("div", out, (input, other),
                         lambda: div(input, other, rounding_mode=rounding_mode))
    if rounding_mode is None:
        return dispatch2(DIV, input, other)
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found '{rounding_mode}'")
    return dispatch(DIV_MODE, (input, other), {"rounding_mode": rounding_mode})


divide = expose(div, name="divide")
true_divide = expose(div, name="true_divide")


@expose(method=False, internal=True)
def div_mode(input, other, rounding_mode):
    """div with a rounding mode, under the backward vocabulary's name for it."""
    return div(input, other, rounding_mode=rounding_mode)


# ---------------------------------------------------------------------------- NotImplemented
def _not_implemented_node(aten_name):
    """An op whose node is torch's NotImplemented: recorded so the graph and requires_grad
    are torch's, raising torch's error if a backward reaches it."""
    def rule(F, g):
        raise RuntimeError(f"derivative for aten::{aten_name} is not implemented")
    o = op(f"{aten_name}_not_implemented", lambda xp, *a: None, vjps=(rule,), variadic=True,
           grad_fn="NotImplemented")
    o.node_cls.name = lambda self: "torch::autograd::NotImplemented"
    return o


NI_FLOOR_DIVIDE = _not_implemented_node("floor_divide")
NI_REMAINDER = _not_implemented_node("remainder")


def _record_not_implemented(ni_op, args, out):
    """torch's autograd fallback: a NotImplemented node with an edge per input that requires
    grad, on a floating result."""
    if _tls.grad_enabled and out._data.dtype.kind in "fcV":
        needs = tuple(a for a in args if isinstance(a, Tensor) and a._rg)
        if needs:
            record(ni_op, needs, None, out._data, (out,))
    return out


@expose
def floor_divide(input, other, *, out=None):
    """Floor division (``//``), in the promoted dtype; torch gives it no derivative."""
    if out is not None:
        # torch gives floor_divide no derivative, so out= takes inputs that require grad
        return write_out("floor_divide", out, (), lambda: floor_divide(input, other))
    return _record_not_implemented(NI_FLOOR_DIVIDE, (input, other),
                                   dispatch(FLOOR_DIVIDE, (input, other)))


# ---------------------------------------------------------------------------- remainder, fmod
def _remainder(xp, a, b):
    dt = _dtype_of(a, b)
    if dt.kind in "iu":
        _check_divisor(xp, b)
        return xp.remainder(a, b)
    # torch's float kernel: fmod, moved by b when the signs differ (a zero keeps fmod's
    # sign: -0. % 1. is -0.; NumPy's remainder gives b's sign)
    mod = xp.fmod(a, b)
    return xp.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)


def _fmod(xp, a, b):
    dt = _dtype_of(a, b)
    if dt.kind in "iu":
        _check_divisor(xp, b)
    return xp.fmod(a, b)


REMAINDER_T = binary("remainder", _remainder, da=lambda F, g: g,
                     db=lambda F, g, a, b: -g * F.div_mode(a, b, "floor"),
                     grad_fn="RemainderBackward1", refuse=not_implemented("remainder_cpu", "bc"),
                     **BCAST)
REMAINDER_S = op("remainder_scalar", lambda xp, x, other: _remainder(xp, x, other),
                 vjps=(lambda F, g: g,), params=("other",), scalars=("other",),
                 grad_fn="RemainderBackward0", dtype_rule="promote",
                 refuse=not_implemented("remainder_cpu", "bc"))
# scalar % tensor: torch records NotImplemented (recorded by ``remainder``).
REMAINDER_ST = op("remainder_scalar_tensor", lambda xp, x, base: _remainder(xp, base, x),
                  params=("base",), scalars=("base",), dtype_rule="promote",
                  refuse=not_implemented("remainder_cpu", "bc"))
FMOD_T = binary("fmod", _fmod, da=lambda F, g: g,
                db=lambda F, g, a, b: -g * F.div_mode(a, b, "trunc"),
                grad_fn="FmodBackward1", refuse=not_implemented("fmod_cpu", "bc"), **BCAST)
FMOD_S = op("fmod_scalar", lambda xp, x, other: _fmod(xp, x, other), vjps=(lambda F, g: g,),
            params=("other",), scalars=("other",), grad_fn="FmodBackward0",
            dtype_rule="promote", refuse=not_implemented("fmod_cpu", "bc"))


@expose
def remainder(input, other, *, out=None):
    """Python's ``%``: the result takes the sign of the divisor."""
    if out is not None:
        return write_out("remainder", out, (input, other), lambda: remainder(input, other))
    if not isinstance(input, Tensor):
        return _record_not_implemented(
            NI_REMAINDER, (other,), dispatch(REMAINDER_ST, (other,), {"base": input}))
    if isinstance(other, Tensor):
        return dispatch(REMAINDER_T, (input, other))
    return dispatch(REMAINDER_S, (input,), {"other": other})


@expose
def fmod(input, other, *, out=None):
    """C's fmod: the result takes the sign of the dividend."""
    if out is not None:
        return write_out("fmod", out, (input, other), lambda: fmod(input, other))
    if not isinstance(input, Tensor):
        raise TypeError(f"fmod() received an invalid combination of arguments - got "
                        f"({py_type_name(input)}, {py_type_name(other)}), but expected one "
                        "of:\n * (Tensor input, Tensor other, *, Tensor out = None)\n * (Tensor "
                        "input, Number other, *, Tensor out = None)\n")
    if isinstance(other, Tensor):
        return dispatch(FMOD_T, (input, other))
    return dispatch(FMOD_S, (input,), {"other": other})


# ---------------------------------------------------------------------------- pow
def _int_pow(xp, a, b):
    """Integer power as torch computes it: a negative exponent gives 1 for a base of 1,
    +-1 for a base of -1 and 0 otherwise (NumPy refuses negative integer powers)."""
    neg = b < 0
    if not neg.any():
        return xp.power(a, b)
    pos = xp.power(a, xp.where(neg, 0, b).astype(b.dtype, copy=False))
    odd = (b % 2) != 0
    inv = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0))
    return xp.where(neg, inv, pos).astype(pos.dtype, copy=False)


def _pow_tt(xp, a, b):
    if a.dtype.kind in "iu" and hasattr(b, "dtype") and b.dtype.kind in "iu":
        return _int_pow(xp, a, b)
    return xp.power(a, b)


def _pow_ts(xp, x, exponent):
    # torch: exponent 0 fills ones, exponent 1 copies (so bool ** True stays bool); 0.5 and
    # -0.5 are sqrt and rsqrt (so (-0.) ** 0.5 is -0. and (-inf) ** 0.5 is nan)
    special = _POW_SPECIAL.get(exponent)
    if special is not None and (special < 2 or x.dtype.kind in "fcV"):
        if special == 0:
            return xp.ones_like(x)
        if special == 1:
            return x.copy()
        return xp.sqrt(x) if special == 2 else 1 / xp.sqrt(x)
    if x.dtype.kind == "b":
        _refuse("pow", x.dtype)
    return xp.power(x, exponent)


_POW_SPECIAL = {0: 0, 1: 1, 0.5: 2, -0.5: 3}


def _pow_st(xp, x, base):
    if x.dtype.kind in "iu":
        return _int_pow(xp, xp.asarray(base, dtype=x.dtype), x)
    return xp.power(base, x)


def _pow_grad(F, g, x, exponent):
    # torch: zeros_like for exponent 0, else grad * (exponent * self.pow(exponent - 1))
    if exponent == 0:
        return F.zeros_like(g)
    return g * (exponent * F.pow_tensor_scalar(x, exponent - 1))


def _pow_base_grad(F, g, a, b, out):
    # torch: where(exponent == 0, 0, grad * exponent * self ** (exponent - 1)); ``out`` is
    # unused but saved, as torch's PowBackward1 saves its result whichever input needs grad
    # (so an in-place op on the result fails backward as torch's does)
    return F.where(b == 0, 0, g * (b * a ** (b - 1)))


def _pow_exponent_grad(F, g, a, b, out):
    # torch: grad * where(self == 0 & exponent >= 0, 0, result * log(self))
    return g * F.where((a == 0) & (b >= 0), 0, out * F.log(a))


def _log(base):
    if isinstance(base, complex):
        return cmath.log(base)
    return math.log(base) if base > 0 else float("nan") if base < 0 else float("-inf")


def _pow_scalar_base_grad(F, g, x, out, base):
    # torch: grad * (result * log(base)), masked to 0 where base == 0 and exponent >= 0
    if base == 0:
        return g * F.where(x >= 0, 0, out * _log(base))
    return g * (out * _log(base))


POW_TS = op("pow_tensor_scalar", _pow_ts, vjps=(_pow_grad,), params=("exponent",),
            checked=("exponent",), grad_fn="PowBackward0", dtype_rule="promote")
POW_TT = binary("pow_tensor_tensor", _pow_tt, da=_pow_base_grad, db=_pow_exponent_grad,
                grad_fn="PowBackward1", refuse=not_implemented("pow", "b"), **BCAST)
POW_ST = op("pow_scalar_tensor", _pow_st, vjps=(_pow_scalar_base_grad,), params=("base",),
            scalars=("base",), grad_fn="PowBackward2", dtype_rule="promote",
            refuse=not_implemented("pow", "b"))


@expose
def pow(input, exponent, *, out=None):  # noqa: A001 - torch's name
    """input ** exponent: PowBackward0 (scalar exponent), PowBackward1 (tensor exponent),
    PowBackward2 (scalar base)."""
    if out is not None:
        return write_out("pow", out, (input, exponent), lambda: pow(input, exponent))
    if not isinstance(input, Tensor):
        return dispatch(POW_ST, (exponent,), {"base": input})
    if isinstance(exponent, Tensor):
        return dispatch(POW_TT, (input, exponent))
    c = exponent.__class__
    if c is not float and input._data.dtype.kind in "biu":
        if c is not int:
            exponent = as_scalar(exponent, "pow(): argument 'exponent' (position 2)")
        if exponent.__class__ is int and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return dispatch(POW_TS, (input,), {"exponent": exponent})


@expose(method=False, internal=True)
def pow_tensor_scalar(input, exponent):
    """tensor ** number, under the backward vocabulary's name for it."""
    return dispatch(POW_TS, (input,), {"exponent": exponent})


float_power = None  # provided by the full catalogue later


# ---------------------------------------------------------------------------- max, min, atan2
def _max_grad(F, g, a, b):
    # torch: where(self == other, grad / 2, grad).masked_fill_(self < other, 0); NaN on
    # either side passes the gradient to both.
    return F.where(a < b, 0, F.where(a == b, g / 2, g))


def _min_grad(F, g, a, b):
    return F.where(a > b, 0, F.where(a == b, g / 2, g))


MAXIMUM = binary("maximum", lambda xp, a, b: xp.maximum(a, b),
                 da=lambda F, g, a, b: _max_grad(F, g, a, b),
                 db=lambda F, g, a, b: _max_grad(F, g, b, a),
                 refuse=refused(RuntimeError, "maximum not implemented for complex tensors.",
                                "c"), **BCAST)
MINIMUM = binary("minimum", lambda xp, a, b: xp.minimum(a, b),
                 da=lambda F, g, a, b: _min_grad(F, g, a, b),
                 db=lambda F, g, a, b: _min_grad(F, g, b, a),
                 refuse=refused(RuntimeError, "minimum not implemented for complex tensors.",
                                "c"), **BCAST)


def _atan2_recip(F, a, b):
    # torch: 1 / (self^2 + other^2), with 0 where that is 0 (the gradient at (0, 0) is 0)
    denom = a * a + b * b
    return F.where(denom == 0, 0, 1 / denom)


ATAN2 = binary("atan2", lambda xp, a, b: xp.arctan2(a, b),
               da=lambda F, g, a, b: g * b * _atan2_recip(F, a, b),
               db=lambda F, g, a, b: g * -a * _atan2_recip(F, a, b),
               dtype_rule="promote_float", broadcasts=True,
               refuse=not_implemented("atan2_cpu", "c"))


def _require_tensors(name, input, other):
    for pos, (arg, t) in enumerate((("input", input), ("other", other)), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                            f"{py_type_name(t)}")


@expose
def maximum(input, other, *, out=None):
    """Elementwise maximum (NaN propagates)."""
    if out is not None:
        return write_out("maximum", out, (input, other), lambda: maximum(input, other))
    _require_tensors("maximum", input, other)
    return dispatch(MAXIMUM, (input, other))


@expose
def minimum(input, other, *, out=None):
    """Elementwise minimum (NaN propagates)."""
    if out is not None:
        return write_out("minimum", out, (input, other), lambda: minimum(input, other))
    _require_tensors("minimum", input, other)
    return dispatch(MINIMUM, (input, other))


@expose
def atan2(input, other, *, out=None):
    """The angle of (other, input), elementwise."""
    if out is not None:
        return write_out("atan2", out, (input, other), lambda: atan2(input, other))
    _require_tensors("atan2", input, other)
    return dispatch(ATAN2, (input, other))


arctan2 = expose(atan2, name="arctan2")
