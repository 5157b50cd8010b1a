"""Elementwise ops: each line is the op's forward over ``xp`` and its derivative.

A forward given as a string is the backend's function of that name. Each rule is the
incoming gradient ``g`` times the local derivative, written with ``F`` (chainrule's ops
under create_graph, raw arrays otherwise); binary ops give one rule per side. Broadcasting
and dtype are undone by the registry, never here.
"""
from __future__ import annotations

from .._tensor import Tensor
from ._registry import binary, dispatch, dispatch1, dispatch2, expose, op, unary

FLOAT = {"dtype_rule": "float"}        # integer inputs compute in the default float dtype
BCAST = {"dtype_rule": "promote", "broadcasts": True}

# ---------------------------------------------------------------------------- unary
NEG = unary("neg", "negative", vjp=lambda F, g: -g)
EXP = unary("exp", "exp", vjp=lambda F, g, out: g * out, **FLOAT)
EXP2 = unary("exp2", "exp2", vjp=lambda F, g, out: g * (out * 0.6931471805599453), **FLOAT)
EXPM1 = unary("expm1", "expm1", vjp=lambda F, g, out: g * (out + 1), **FLOAT)
LOG = unary("log", "log", vjp=lambda F, g, x: g / x, **FLOAT)
LOG2 = unary("log2", "log2", vjp=lambda F, g, x: g / (x * 0.6931471805599453), **FLOAT)
LOG10 = unary("log10", "log10", vjp=lambda F, g, x: g / (x * 2.302585092994046), **FLOAT)
LOG1P = unary("log1p", "log1p", vjp=lambda F, g, x: g / (x + 1), grad_fn="Log1PBackward0",
              **FLOAT)
SIN = unary("sin", "sin", vjp=lambda F, g, x: g * F.cos(x), **FLOAT)
COS = unary("cos", "cos", vjp=lambda F, g, x: -g * F.sin(x), **FLOAT)
TAN = unary("tan", "tan", vjp=lambda F, g, out: g * (1 + out * out), **FLOAT)
ASIN = unary("asin", "arcsin", vjp=lambda F, g, x: g * F.rsqrt(1 - x * x), **FLOAT)
ACOS = unary("acos", "arccos", vjp=lambda F, g, x: -g * F.rsqrt(1 - x * x), **FLOAT)
ATAN = unary("atan", "arctan", vjp=lambda F, g, x: g / (1 + x * x), **FLOAT)
SINH = unary("sinh", "sinh", vjp=lambda F, g, x: g * F.cosh(x), **FLOAT)
COSH = unary("cosh", "cosh", vjp=lambda F, g, x: g * F.sinh(x), **FLOAT)
TANH = unary("tanh", "tanh", vjp=lambda F, g, out: g - g * out * out, **FLOAT)
SIGMOID = unary("sigmoid", lambda xp, x: _sigmoid(xp, x),
                vjp=lambda F, g, out: g * (out * (1 - out)),
                **FLOAT)
RELU = unary("relu", lambda xp, x: xp.maximum(x, 0).astype(x.dtype, copy=False),
             vjp=lambda F, g, out: F.threshold_backward(g, out))
# relu's backward is an op of (g, out), as in torch, so under create_graph the gradient
# stays attached to the graph (its derivative in out is zero).
THRESHOLD_BACKWARD = binary("threshold_backward",
                            lambda xp, g, out: xp.where(out > 0, g, 0).astype(g.dtype),
                            da=lambda F, g, b: F.threshold_backward(g, b),
                            db=lambda F, g: g * 0, grad_fn="ThresholdBackwardBackward0",
                            **BCAST)
SQRT = unary("sqrt", "sqrt", vjp=lambda F, g, out: g / (2 * out), **FLOAT)
RSQRT = unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x),
              vjp=lambda F, g, out: g * (-0.5 * out * out * out), **FLOAT)
RECIPROCAL = unary("reciprocal", "reciprocal", vjp=lambda F, g, out: g * (-out * out), **FLOAT)
ABS = unary("abs", "abs", vjp=lambda F, g, x: g * F.sign(x))
SIGN = unary("sign", "sign", vjp=lambda F, g: g * 0)
FLOOR = unary("floor", "floor", vjp=lambda F, g: g * 0)
CEIL = unary("ceil", "ceil", vjp=lambda F, g: g * 0)
ROUND = unary("round", "rint", vjp=lambda F, g: g * 0)  # rint: half to even, as torch
TRUNC = unary("trunc", "trunc", vjp=lambda F, g: g * 0)
CLAMP = unary("clamp", lambda xp, x, min=None, max=None: _clip(xp, x, min, max),
              vjp=lambda F, g, x, min, max: g * _in_range(x, min, max),
              params=("min", "max"), grad_fn="ClampBackward1")
CLAMP_MIN = unary("clamp_min", lambda xp, x, min: _clip(xp, x, min, None),
                  vjp=lambda F, g, x, min: g * (x >= min), params=("min",))
CLAMP_MAX = unary("clamp_max", lambda xp, x, max: _clip(xp, x, None, max),
                  vjp=lambda F, g, x, max: g * (x <= max), params=("max",))


def _sigmoid(xp, x):
    # Split by sign so exp never overflows: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below.
    z = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


def _clip(xp, x, lo, hi):
    if lo is not None:
        x = xp.maximum(x, xp.asarray(lo, dtype=x.dtype))
    if hi is not None:
        x = xp.minimum(x, xp.asarray(hi, dtype=x.dtype))
    return x


def _in_range(x, lo, hi):
    if lo is None:
        return x <= hi
    if hi is None:
        return x >= lo
    return (x >= lo) & (x <= hi)


def _unary_public(op_, name):
    def fn(input):
        return dispatch1(op_, input)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name}; its grad_fn is {op_.grad_fn}."
    return fn


neg = expose(_unary_public(NEG, "neg"))
exp = expose(_unary_public(EXP, "exp"))
exp2 = expose(_unary_public(EXP2, "exp2"))
expm1 = expose(_unary_public(EXPM1, "expm1"))
log = expose(_unary_public(LOG, "log"))
log2 = expose(_unary_public(LOG2, "log2"))
log10 = expose(_unary_public(LOG10, "log10"))
log1p = expose(_unary_public(LOG1P, "log1p"))
sin = expose(_unary_public(SIN, "sin"))
cos = expose(_unary_public(COS, "cos"))
tan = expose(_unary_public(TAN, "tan"))
asin = expose(_unary_public(ASIN, "asin"))
acos = expose(_unary_public(ACOS, "acos"))
atan = expose(_unary_public(ATAN, "atan"))
sinh = expose(_unary_public(SINH, "sinh"))
cosh = expose(_unary_public(COSH, "cosh"))
tanh = expose(_unary_public(TANH, "tanh"))
sigmoid = expose(_unary_public(SIGMOID, "sigmoid"))
relu = expose(_unary_public(RELU, "relu"))
sqrt = expose(_unary_public(SQRT, "sqrt"))
rsqrt = expose(_unary_public(RSQRT, "rsqrt"))
reciprocal = expose(_unary_public(RECIPROCAL, "reciprocal"))
abs = expose(_unary_public(ABS, "abs"))  # noqa: A001 - torch's name
sign = expose(_unary_public(SIGN, "sign"))
floor = expose(_unary_public(FLOOR, "floor"))
ceil = expose(_unary_public(CEIL, "ceil"))
round = expose(_unary_public(ROUND, "round"))  # noqa: A001 - torch's name
trunc = expose(_unary_public(TRUNC, "trunc"))
negative = expose(neg, name="negative")
absolute = expose(abs, name="absolute")
arcsin = expose(asin, name="arcsin")
arccos = expose(acos, name="arccos")
arctan = expose(atan, name="arctan")


@expose
def clamp(input, min=None, max=None):  # noqa: A002 - torch's parameter names
    """Clamp every element into [min, max] (ClampBackward1 for scalar bounds)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    return dispatch(CLAMP, (input,), {"min": min, "max": max})


clip = expose(clamp, name="clip")


@expose
def clamp_min(input, min):  # noqa: A002
    if isinstance(min, Tensor):
        return clamp(input, min=min)
    return dispatch(CLAMP_MIN, (input,), {"min": min})


@expose
def clamp_max(input, max):  # noqa: A002
    if isinstance(max, Tensor):
        return clamp(input, max=max)
    return dispatch(CLAMP_MAX, (input,), {"max": max})


@expose
def square(input):
    return pow(input, 2)


# ---------------------------------------------------------------------------- binary
ADD = binary("add", lambda xp, a, b, alpha=1: xp.add(a, b) if alpha == 1 else a + alpha * b,
             ufunc="add",
             da=lambda F, g: g, db=lambda F, g, alpha: g if alpha == 1 else g * alpha,
             params=("alpha",), **BCAST)
SUB = binary("sub", lambda xp, a, b, alpha=1: xp.subtract(a, b) if alpha == 1 else a - alpha * b,
             ufunc="subtract",
             da=lambda F, g: g, db=lambda F, g, alpha: -g if alpha == 1 else g * -alpha,
             params=("alpha",), **BCAST)
RSUB = op("rsub", lambda xp, x, other, alpha=1: other - x if alpha == 1 else other - alpha * x,
          vjps=(lambda F, g, alpha: -g if alpha == 1 else g * -alpha,),
          params=("other", "alpha"), grad_fn="RsubBackward1", dtype_rule="float_if_scalar")
# rsub(input, other) with a tensor ``other``: other - alpha * input (RsubBackward0)
RSUB_TT = binary("rsub_tensor", lambda xp, a, b, alpha=1: b - a if alpha == 1 else b - alpha * a,
                 da=lambda F, g, alpha: -g if alpha == 1 else g * -alpha, db=lambda F, g: g,
                 params=("alpha",), grad_fn="RsubBackward0", **BCAST)
MUL = binary("mul", "multiply",
             da=lambda F, g, b: g * b, db=lambda F, g, a: g * a, **BCAST)
DIV = binary("div", "true_divide",
             da=lambda F, g, b: g / b, db=lambda F, g, a, b: -g * a / (b * b),
             dtype_rule="promote_float", broadcasts=True)
POW_TS = op("pow_tensor_scalar", lambda xp, x, exponent: xp.power(x, exponent),
            vjps=(lambda F, g, x, exponent: _pow_grad(g, x, exponent),),
            params=("exponent",), grad_fn="PowBackward0")
POW_TT = binary("pow_tensor_tensor", lambda xp, a, b: xp.power(a, b),
                da=lambda F, g, a, b: g * b * a ** (b - 1),
                db=lambda F, g, a, b, out: g * F.where((a == 0) & (b >= 0), 0 * out,
                                                       out * F.log(a)),
                grad_fn="PowBackward1", **BCAST)
POW_ST = op("pow_scalar_tensor", lambda xp, x, base: xp.power(base, x),
            vjps=(lambda F, g, out, base: g * out * _log(base),),
            params=("base",), grad_fn="PowBackward2", dtype_rule="float_if_scalar")
MAXIMUM = binary("maximum", lambda xp, a, b: xp.maximum(a, b),
                 da=lambda F, g, a, b: _tie_split(g, a, b) * (a >= b),
                 db=lambda F, g, a, b: _tie_split(g, a, b) * (b >= a), **BCAST)
MINIMUM = binary("minimum", lambda xp, a, b: xp.minimum(a, b),
                 da=lambda F, g, a, b: _tie_split(g, a, b) * (a <= b),
                 db=lambda F, g, a, b: _tie_split(g, a, b) * (b <= a), **BCAST)
# The condition is a parameter (a boolean array), not an input: torch gives it no edge.
WHERE = binary("where", lambda xp, a, b, cond: xp.where(cond, a, b),
               da=lambda F, g, cond: F.keep_where(g, cond),
               db=lambda F, g, cond: F.keep_where(g, ~cond), params=("cond",), **BCAST)
# remainder/fmod: a - rounded(a / b) * b, with floor and trunc rounding respectively.
REMAINDER_T = binary("remainder", "remainder", da=lambda F, g: g,
                     db=lambda F, g, a, b: -g * F.floor(a / b), grad_fn="RemainderBackward1",
                     **BCAST)
REMAINDER_S = op("remainder_scalar", lambda xp, x, other: xp.remainder(x, other),
                 vjps=(lambda F, g: g,), params=("other",), grad_fn="RemainderBackward0",
                 dtype_rule="float_if_scalar")
FMOD_T = binary("fmod", "fmod", da=lambda F, g: g, db=lambda F, g, a, b: -g * F.trunc(a / b),
                grad_fn="FmodBackward1", **BCAST)
FMOD_S = op("fmod_scalar", lambda xp, x, other: xp.fmod(x, other), vjps=(lambda F, g: g,),
            params=("other",), grad_fn="FmodBackward0", dtype_rule="float_if_scalar")
ATAN2 = binary("atan2", lambda xp, a, b: xp.arctan2(a, b),
               da=lambda F, g, a, b: g * b / (a * a + b * b),
               db=lambda F, g, a, b: -g * a / (a * a + b * b),
               dtype_rule="promote_float", broadcasts=True)


def _pow_grad(g, x, exponent):
    if exponent == 0:
        return g * 0
    return g * (exponent * x ** (exponent - 1))


def _log(base):
    import math
    return math.log(base) if base > 0 else float("nan") if base < 0 else float("-inf")


def _tie_split(g, a, b):
    """Where a == b the gradient is shared equally (torch's rule for maximum/minimum)."""
    return g - g * 0.5 * (a == b)


def _is_tensor(x) -> bool:
    return isinstance(x, Tensor)


@expose
def add(input, other, *, alpha=1):
    """input + alpha * other, with broadcasting and torch's type promotion."""
    if alpha == 1:
        return dispatch2(ADD, input, other)
    return dispatch(ADD, (input, other), {"alpha": alpha})


@expose
def sub(input, other, *, alpha=1):
    """input - alpha * other."""
    _check_bool_subtraction(input, other)
    if not _is_tensor(input):
        return rsub(other, input, alpha=alpha)
    if isinstance(other, bool):
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    if alpha == 1:
        return dispatch2(SUB, input, other)
    return dispatch(SUB, (input, other), {"alpha": alpha})


subtract = expose(sub, name="subtract")


def _check_bool_subtraction(a, b):
    a_bool = _is_tensor(a) and a._data.dtype.kind == "b"
    b_bool = _is_tensor(b) and b._data.dtype.kind == "b"
    if a_bool and b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


@expose
def rsub(input, other, *, alpha=1):
    """other - alpha * input (RsubBackward1 when ``other`` is a number)."""
    _check_bool_subtraction(input, other)
    if _is_tensor(other):
        if alpha == 1:
            return dispatch(RSUB_TT, (input, other))
        return dispatch(RSUB_TT, (input, other), {"alpha": alpha})
    return dispatch(RSUB, (input,), {"other": other, "alpha": alpha})


@expose
def mul(input, other):
    """Elementwise product with broadcasting."""
    return dispatch2(MUL, input, other)


multiply = expose(mul, name="multiply")


@expose
def div(input, other, *, rounding_mode=None):
    """True division (integers divide to the default float dtype)."""
    if rounding_mode is None:
        return dispatch2(DIV, input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        return trunc(div(input, other)).to(_promoted_dtype(input, other))
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                     f"found '{rounding_mode}'")


divide = expose(div, name="divide")
true_divide = expose(div, name="true_divide")


def _promoted_dtype(a, b):
    from .._dtypes import _BY_NP, result_type
    dims, zeros, scalars = [], [], []
    for x in (a, b):
        if _is_tensor(x):
            (dims if x.ndim else zeros).append(_BY_NP[x._data.dtype])
        else:
            scalars.append(x)
    return result_type(dims, zeros, scalars)


@expose
def pow(input, exponent):  # noqa: A001 - torch's name
    """input ** exponent: PowBackward0 (scalar exponent), PowBackward1 (tensor exponent),
    PowBackward2 (scalar base)."""
    if not _is_tensor(input):
        return dispatch(POW_ST, (exponent,), {"base": input})
    if _is_tensor(exponent):
        return dispatch(POW_TT, (input, exponent))
    if isinstance(exponent, float) and input._data.dtype.kind in "biu":
        input = input.to(float)
    return dispatch(POW_TS, (input,), {"exponent": exponent})


float_power = None  # provided by the full catalogue later


@expose
def maximum(input, other):
    return dispatch(MAXIMUM, (input, other))


@expose
def minimum(input, other):
    return dispatch(MINIMUM, (input, other))


@expose
def atan2(input, other):
    return dispatch(ATAN2, (input, other))


arctan2 = expose(atan2, name="arctan2")


@expose(method=False)
def where(condition, input=None, other=None):
    """Pick from ``input`` where ``condition`` holds, else from ``other``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if not _is_tensor(input) and not _is_tensor(other):
        from .._creation import tensor
        input = tensor(input)
    return dispatch(WHERE, (input, other), {"cond": condition._data.astype(bool, copy=False)})


@expose(method=False, internal=True)
def threshold_backward(grad_output, output, threshold=0):
    """relu's backward: ``grad_output`` where ``output`` is positive, zero elsewhere."""
    return dispatch2(THRESHOLD_BACKWARD, grad_output, output)


@expose(method=False, internal=True)
def keep_where(g, cond):
    """``g`` where ``cond`` holds, zero elsewhere (the backward vocabulary's mask)."""
    return dispatch(WHERE, (g, 0), {"cond": cond})


@expose
def remainder(input, other):
    """Python's ``%``: the result takes the sign of the divisor."""
    if not _is_tensor(input):
        from .._creation import tensor
        input = tensor(input)
    if _is_tensor(other):
        return dispatch(REMAINDER_T, (input, other))
    return dispatch(REMAINDER_S, (input,), {"other": other})


@expose
def fmod(input, other):
    """C's fmod: the result takes the sign of the dividend."""
    if _is_tensor(other):
        return dispatch(FMOD_T, (input, other))
    return dispatch(FMOD_S, (input,), {"other": other})


def _where_method(self, condition, other):
    return where(condition, self, other)


Tensor.where = _where_method

# ---------------------------------------------------------------------------- no gradient
def _nondiff_binary(name, ufunc_name, dtype_rule=None):
    o = binary(name, lambda xp, a, b: getattr(xp, ufunc_name)(a, b), dtype_rule=dtype_rule,
               broadcasts=True)

    def fn(input, other):
        return dispatch(o, (input, other))
    fn.__name__ = fn.__qualname__ = name
    return expose(fn)


eq = _nondiff_binary("eq", "equal", "promote")
ne = _nondiff_binary("ne", "not_equal", "promote")
lt = _nondiff_binary("lt", "less", "promote")
le = _nondiff_binary("le", "less_equal", "promote")
gt = _nondiff_binary("gt", "greater", "promote")
ge = _nondiff_binary("ge", "greater_equal", "promote")
logical_and = _nondiff_binary("logical_and", "logical_and")
logical_or = _nondiff_binary("logical_or", "logical_or")
logical_xor = _nondiff_binary("logical_xor", "logical_xor")
bitwise_and = _nondiff_binary("bitwise_and", "bitwise_and", "promote")
bitwise_or = _nondiff_binary("bitwise_or", "bitwise_or", "promote")
bitwise_xor = _nondiff_binary("bitwise_xor", "bitwise_xor", "promote")
floor_divide = _nondiff_binary("floor_divide", "floor_divide", "promote")
greater = expose(gt, name="greater")
less = expose(lt, name="less")
greater_equal = expose(ge, name="greater_equal")
less_equal = expose(le, name="less_equal")
not_equal = expose(ne, name="not_equal")
NOT = unary("logical_not", lambda xp, x: xp.logical_not(x))
BNOT = unary("bitwise_not", lambda xp, x: xp.invert(x))
logical_not = expose(_unary_public(NOT, "logical_not"))
bitwise_not = expose(_unary_public(BNOT, "bitwise_not"))
ISNAN = unary("isnan", lambda xp, x: xp.isnan(x))
ISINF = unary("isinf", lambda xp, x: xp.isinf(x))
ISFINITE = unary("isfinite", lambda xp, x: xp.isfinite(x))
isnan = expose(_unary_public(ISNAN, "isnan"))
isinf = expose(_unary_public(ISINF, "isinf"))
isfinite = expose(_unary_public(ISFINITE, "isfinite"))


def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the non-zero elements (ops/scatter/masked.py; 0-d inputs and out=)."""
    from .scatter.masked import nonzero as _nonzero
    return _nonzero(input, out=out, as_tuple=as_tuple)


expose(nonzero)


@expose(method=False)
def equal(input, other) -> bool:
    """True when both tensors have the same shape and elements."""
    return input.shape == other.shape and bool((input._data == other._data).all())


Tensor.equal = equal


@expose
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    xp = input.xp
    return bool(xp.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


@expose
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    xp = input.xp
    return Tensor._make(xp.isclose(input._data, other._data, rtol=rtol, atol=atol,
                                   equal_nan=equal_nan))


# ---------------------------------------------------------------------------- operators
def _radd(self, other):
    return add(self, other)


def _rmul(self, other):
    return mul(self, other)


def _rtruediv(self, other):
    return mul(reciprocal(self), other)


def _rpow(self, other):
    return pow(other, self)


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return remainder(other, self)


Tensor.__add__ = add
Tensor.__radd__ = _radd
Tensor.__sub__ = sub
Tensor.__rsub__ = rsub
Tensor.__mul__ = mul
Tensor.__rmul__ = _rmul
Tensor.__truediv__ = div
Tensor.__rtruediv__ = _rtruediv
Tensor.__pow__ = pow
Tensor.__rpow__ = _rpow
Tensor.__neg__ = neg
Tensor.__abs__ = abs
Tensor.__pos__ = lambda self: self
Tensor.__floordiv__ = floor_divide
Tensor.__rfloordiv__ = _rfloordiv
Tensor.__mod__ = remainder
Tensor.__rmod__ = _rmod
Tensor.__eq__ = eq
Tensor.__ne__ = ne
Tensor.__lt__ = lt
Tensor.__le__ = le
Tensor.__gt__ = gt
Tensor.__ge__ = ge
Tensor.__and__ = Tensor.__rand__ = bitwise_and
Tensor.__or__ = Tensor.__ror__ = bitwise_or
Tensor.__xor__ = Tensor.__rxor__ = bitwise_xor
Tensor.__invert__ = bitwise_not
