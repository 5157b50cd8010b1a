"""Elementwise ops: each line is the op's forward over ``xp`` and its derivative.

A forward given as a string is the backend's function of that name. Each rule is the
incoming gradient ``g`` times the local derivative, written with ``F`` (chainrule's ops
under create_graph, raw arrays otherwise); binary ops give one rule per side. Broadcasting
and dtype are undone by the registry, never here. A piecewise-constant op's derivative is
``zero_grad`` (torch's zeros_like(grad)), a masked one ``F.where(mask, g, 0)``: never
``g * 0``, which turns an inf upstream gradient into NaN. ``refuse`` tables give torch's
errors for the dtypes it does not implement. Binary arithmetic lives in arithmetic.py.
"""
from __future__ import annotations

from .._dtypes import (
    _BY_NP,
    OperandTypeError,
    as_scalar,
    checked_scalar,
    py_type_name,
    result_type,
    type_name,
)
from .._tensor import Tensor
from ._dispatch import _scalar_array
from ._pointwise_util import write_out
from ._promotion import _promoted_dtype  # noqa: F401 - the families' dtype helper
from ._raw import zero_where
from ._registry import binary, dispatch, dispatch1, dispatch2, expose, unary
from .arithmetic import (  # noqa: F401 - the binary ops are part of this family's names
    ADD,
    ATAN2,
    BCAST,
    DIV,
    DIV_MODE,
    FLOOR_DIVIDE,
    FMOD_S,
    FMOD_T,
    MAXIMUM,
    MINIMUM,
    MUL,
    POW_ST,
    POW_TS,
    POW_TT,
    REMAINDER_S,
    REMAINDER_T,
    RSUB,
    RSUB_TT,
    SUB,
    _require_tensors,
    add,
    arctan2,
    atan2,
    div,
    divide,
    float_power,
    floor_divide,
    fmod,
    maximum,
    minimum,
    mul,
    multiply,
    not_implemented,
    pow,
    refused,
    remainder,
    rsub,
    sub,
    subtract,
    true_divide,
    zero_grad,
)
from .clamp import (  # noqa: F401 - clamp is part of this family's names
    CLAMP,
    CLAMP_MAX,
    CLAMP_MAX_T,
    CLAMP_MIN,
    CLAMP_MIN_T,
    CLAMP_T,
    clamp,
    clamp_max,
    clamp_min,
    clip,
)

FLOAT = {"dtype_rule": "float"}        # integer inputs compute in the default float dtype
NO_COMPLEX_ROUNDING = "{name} is not supported for complex inputs"

# ---------------------------------------------------------------------------- unary
NEG = unary("neg", "negative", vjp=lambda F, g: -g, refuse=refused(
    RuntimeError, "Negation, the `-` operator, on a bool tensor is not supported. If you are "
    "trying to invert a mask, use the `~` or `logical_not()` operator instead.", "b"))
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
TANH = unary("tanh", "tanh", vjp=lambda F, g, out: F.tanh_backward(g, out), **FLOAT)
SIGMOID = unary("sigmoid", lambda xp, x: _sigmoid(xp, x),
                vjp=lambda F, g, out: g * (out * (1 - out)),
                **FLOAT)
RELU = unary("relu", lambda xp, x: xp.maximum(x, 0).astype(x.dtype, copy=False),
             vjp=lambda F, g, out: F.threshold_backward(g, out),
             refuse={**refused(RuntimeError, "Boolean inputs not supported for relu", "b"),
                     **refused(NotImplementedError, "clamp is not supported for complex types",
                               "c")})
# relu's backward is an op of (g, out), as in torch, so under create_graph the gradient
# stays attached to the graph (its derivative in out is zero). torch's kernel zeroes the
# gradient where out <= 0, so a NaN output passes it.
THRESHOLD_BACKWARD = binary("threshold_backward",
                            lambda xp, g, out: zero_where(xp, out <= 0, g),
                            da=lambda F, g, b: F.threshold_backward(g, b),
                            db=zero_grad, grad_fn="ThresholdBackwardBackward0",
                            **BCAST)
# tanh's backward is torch's op tanh_backward(grad, out) = grad * (1 - out^2) (so an inf
# gradient stays inf where out is 0), and TanhBackwardBackward0 under create_graph.
TANH_BACKWARD = binary("tanh_backward",
                       lambda xp, g, out: g * (_scalar_array(xp, 1, out.dtype) - out * out),
                       da=lambda F, g, b: F.tanh_backward(g, b),
                       db=lambda F, g, a, b: g * (-2 * b * a), grad_fn="TanhBackwardBackward0",
                       **BCAST)
SQRT = unary("sqrt", "sqrt", vjp=lambda F, g, out: g / (2 * out), **FLOAT)
RSQRT = unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x),
              vjp=lambda F, g, out: g * (-0.5 * out * out * out), **FLOAT)
# complex: 1 / x (NumPy's complex reciprocal of 0 is nan+nanj, torch's inf+nanj)
RECIPROCAL = unary("reciprocal", lambda xp, x: xp.reciprocal(x) if x.dtype.kind in "fV" else 1 / x,
                   ufunc="reciprocal", fast_kinds="f",
                   vjp=lambda F, g, out: g * (-out * out), **FLOAT)
ABS = unary("abs", "abs", vjp=lambda F, g, x: g * F.sgn(x),
            refuse=not_implemented("abs_cpu", "b"))
# torch's sign: (0 < x) - (x < 0), so sign(nan) is 0 and sign(-0.) is 0.; bool stays bool
SIGN = unary("sign", lambda xp, x: _sign(xp, x), vjp=zero_grad, refuse=refused(
    NotImplementedError, "Unlike NumPy, torch.sign is not intended to support complex "
    "numbers. Please use torch.sgn instead.", "c"))


def _rounding(name):
    return unary(name, name, vjp=zero_grad, refuse={
        **not_implemented(f"{name}_vml_cpu", "b"),
        **refused(NotImplementedError, NO_COMPLEX_ROUNDING.format(name=name), "c")})


FLOOR = _rounding("floor")
CEIL = _rounding("ceil")
TRUNC = _rounding("trunc")
# rint: half to even, as torch; an integer tensor rounds to itself
ROUND = unary("round", lambda xp, x: xp.rint(x) if x.dtype.kind in "fV" else x.copy(),
              vjp=zero_grad, refuse=not_implemented("round_vml_cpu", "bc"))


def _sigmoid(xp, x):
    if x.dtype.kind == "c":
        return 1 / (1 + xp.exp(-x))
    if x.dtype.itemsize == 2:  # half: computed in float32 and rounded once, as torch
        return _sigmoid(xp, x.astype("float32")).astype(x.dtype)
    # Split by sign so exp never overflows: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) below.
    z = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


def _sign(xp, x):
    kind = x.dtype.kind
    if kind == "b":
        return x.copy()
    if kind in "fV":
        return xp.subtract(x > 0, x < 0, dtype=x.dtype)
    return xp.sign(x)


def _unary_public(op_, name):
    def fn(input, *, out=None):
        if out is not None:
            return write_out(name, out, (input,), lambda: fn(input))
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
def square(input):
    return pow(input, 2)


# ---------------------------------------------------------------------------- where
# The condition is a parameter (a boolean array), not an input: torch gives it no edge.
WHERE = binary("where", lambda xp, a, b, cond: xp.where(cond, a, b),
               da=lambda F, g, cond: F.keep_where(g, cond),
               db=lambda F, g, cond: F.keep_where_not(g, cond), params=("cond",), **BCAST)


@expose(method=False)
def where(condition, input=None, other=None):
    """Pick from ``input`` where ``condition`` holds, else from ``other``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{py_type_name(condition)}")
    cond = condition._data
    if cond.dtype.kind != "b":
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {type_name(cond.dtype)}")
    a_t, b_t = isinstance(input, Tensor), isinstance(other, Tensor)
    if not (a_t and b_t):
        input, other = _where_scalars(input, other, a_t, b_t)
    return dispatch(WHERE, (input, other), {"cond": cond})


def _where_scalars(input, other, a_t, b_t):
    """where's number operands: torch reads them as scalars (both numbers: the result
    takes their promoted dtype) and converts them with its overflow check."""
    where_ = "where(): argument '{}' (position {})"
    if not a_t:
        input = as_scalar(input, where_.format("input", 2))
    if not b_t:
        other = as_scalar(other, where_.format("other", 3))
    if not a_t and not b_t:
        from .._creation import tensor
        return tensor(input, dtype=result_type([], [], [input, other])), other
    t, s = (input, other) if a_t else (other, input)
    target = result_type([_BY_NP[t._data.dtype]] if t._data.ndim else [],
                         [] if t._data.ndim else [_BY_NP[t._data.dtype]], [s])
    s = checked_scalar(s, target.np)
    return (input, s) if a_t else (s, other)


@expose(method=False, internal=True)
def threshold_backward(grad_output, output, threshold=0):
    """relu's backward: ``grad_output`` where ``output`` is positive, zero elsewhere."""
    return dispatch2(THRESHOLD_BACKWARD, grad_output, output)


@expose(method=False, internal=True)
def tanh_backward(grad_output, output):
    """tanh's backward: ``grad_output * (1 - output ** 2)``."""
    return dispatch2(TANH_BACKWARD, grad_output, output)


@expose(method=False, internal=True)
def keep_where(g, cond):
    """``g`` where ``cond`` holds, zero elsewhere (the backward vocabulary's mask)."""
    return dispatch(WHERE, (g, 0), {"cond": cond})


@expose(method=False, internal=True)
def keep_where_not(g, cond):
    """``g`` where ``cond`` does not hold, zero elsewhere (a batched ``cond`` inside vmap
    cannot be inverted with ``~``: it is where's own parameter)."""
    return dispatch(WHERE, (0, g), {"cond": cond})


def _where_method(self, condition, other):
    return where(condition, self, other)


Tensor.where = _where_method


# ---------------------------------------------------------------------------- no gradient
def _nondiff_binary(name, ufunc_name, dtype_rule=None, refuse=None, tensors_only=False):
    o = binary(name, lambda xp, a, b: getattr(xp, ufunc_name)(a, b), dtype_rule=dtype_rule,
               broadcasts=True, refuse=refuse)

    if tensors_only:  # torch takes no number here
        def fn(input, other):
            _require_tensors(name, input, other)
            return dispatch(o, (input, other))
    else:
        def fn(input, other):
            return dispatch(o, (input, other))
    fn.__name__ = fn.__qualname__ = name
    return expose(fn)


eq = _nondiff_binary("eq", "equal", "promote")
ne = _nondiff_binary("ne", "not_equal", "promote")
lt = _nondiff_binary("lt", "less", "promote", not_implemented("lt_cpu", "c"))
le = _nondiff_binary("le", "less_equal", "promote", not_implemented("le_cpu", "c"))
gt = _nondiff_binary("gt", "greater", "promote", not_implemented("gt_cpu", "c"))
ge = _nondiff_binary("ge", "greater_equal", "promote", not_implemented("ge_cpu", "c"))
logical_and = _nondiff_binary("logical_and", "logical_and", tensors_only=True)
logical_or = _nondiff_binary("logical_or", "logical_or", tensors_only=True)
logical_xor = _nondiff_binary("logical_xor", "logical_xor", tensors_only=True)
bitwise_and = _nondiff_binary("bitwise_and", "bitwise_and", "promote",
                              not_implemented("bitwise_and_cpu", "fc"))
bitwise_or = _nondiff_binary("bitwise_or", "bitwise_or", "promote",
                             not_implemented("bitwise_or_cpu", "fc"))
bitwise_xor = _nondiff_binary("bitwise_xor", "bitwise_xor", "promote",
                              not_implemented("bitwise_xor_cpu", "fc"))
greater = expose(gt, name="greater")
less = expose(lt, name="less")
greater_equal = expose(ge, name="greater_equal")
less_equal = expose(le, name="less_equal")
not_equal = expose(ne, name="not_equal")
NOT = unary("logical_not", lambda xp, x: xp.logical_not(x))
BNOT = unary("bitwise_not", lambda xp, x: xp.invert(x),
             refuse=not_implemented("bitwise_not_cpu", "fc"))
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
# Each operator returns NotImplemented for an operand that is neither a tensor nor a number
# (so ``t == None`` is False and ``t + [1]`` a TypeError, as in torch); the common ones call
# the dispatch fast paths directly.
def _binary_operator(fn, name, reflected=False):
    if reflected:
        def operator(self, other):
            try:
                return fn(other, self)
            except OperandTypeError:
                return NotImplemented
    else:
        def operator(self, other):
            try:
                return fn(self, other)
            except OperandTypeError:
                return NotImplemented
    operator.__name__ = operator.__qualname__ = name
    return operator


def __add__(self, other):
    try:
        return dispatch2(ADD, self, other)
    except OperandTypeError:
        return NotImplemented


def __sub__(self, other):
    try:
        return dispatch2(SUB, self, other)
    except OperandTypeError:
        return NotImplemented


def __mul__(self, other):
    try:
        return dispatch2(MUL, self, other)
    except OperandTypeError:
        return NotImplemented


def __truediv__(self, other):
    try:
        return dispatch2(DIV, self, other)
    except OperandTypeError:
        return NotImplemented


def __radd__(self, other):
    try:
        return dispatch2(ADD, self, other)
    except OperandTypeError:
        return NotImplemented


def __rmul__(self, other):
    try:
        return dispatch2(MUL, self, other)
    except OperandTypeError:
        return NotImplemented


def _rtruediv(self, other):
    return mul(reciprocal(self), other)


def _invert(self):
    if self._data.dtype.kind not in "biu":
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return dispatch1(BNOT, self)


def _pos(self):
    if self._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


Tensor.__add__ = __add__
Tensor.__radd__ = __radd__
Tensor.__sub__ = __sub__
Tensor.__rsub__ = _binary_operator(rsub, "__rsub__")
Tensor.__mul__ = __mul__
Tensor.__rmul__ = __rmul__
Tensor.__truediv__ = __truediv__
Tensor.__rtruediv__ = _binary_operator(_rtruediv, "__rtruediv__")
Tensor.__pow__ = _binary_operator(pow, "__pow__")
Tensor.__rpow__ = _binary_operator(pow, "__rpow__", reflected=True)
Tensor.__neg__ = neg
Tensor.__abs__ = abs
Tensor.__pos__ = _pos
Tensor.__floordiv__ = _binary_operator(floor_divide, "__floordiv__")
Tensor.__rfloordiv__ = _binary_operator(floor_divide, "__rfloordiv__", reflected=True)
Tensor.__mod__ = _binary_operator(remainder, "__mod__")
Tensor.__rmod__ = _binary_operator(remainder, "__rmod__", reflected=True)
Tensor.__eq__ = _binary_operator(eq, "__eq__")
Tensor.__ne__ = _binary_operator(ne, "__ne__")
Tensor.__lt__ = _binary_operator(lt, "__lt__")
Tensor.__le__ = _binary_operator(le, "__le__")
Tensor.__gt__ = _binary_operator(gt, "__gt__")
Tensor.__ge__ = _binary_operator(ge, "__ge__")
Tensor.__and__ = Tensor.__rand__ = _binary_operator(bitwise_and, "__and__")
Tensor.__or__ = Tensor.__ror__ = _binary_operator(bitwise_or, "__or__")
Tensor.__xor__ = Tensor.__rxor__ = _binary_operator(bitwise_xor, "__xor__")
Tensor.__invert__ = _invert
