"""More elementwise math: inverse hyperbolics, logit, frac, sinc, angle conversions,
nan_to_num, sgn; hypot, logaddexp, copysign, fmax/fmin, nextafter, ldexp, heaviside, lerp,
addcmul/addcdiv, float_power and frexp (the integer ops are in integer.py).

Each op is one declaration (forward over ``xp``, one rule per input written with ``F``),
named as torch names its node. Integer inputs of float ops compute in the default float
dtype; broadcasting and promotion are undone by the registry.
"""
from __future__ import annotations

import math

from .._dtypes import float64
from .._tensor import Tensor
from . import pointwise as P
from ._inplace import inplace
from ._pointwise_util import (
    check_kinds,
    check_out_dtype,
    floatify,
    not_implemented,
    require_tensor,
    type_word,
    write_out,
)
from ._registry import PUBLIC, binary, dispatch, dispatch1, expose, op, unary

FLOAT = {"dtype_rule": "float"}
PROMOTE = {"dtype_rule": "promote", "broadcasts": True}
PROMOTE_FLOAT = {"dtype_rule": "promote_float", "broadcasts": True}
_DEG = math.pi / 180.0
_LN2 = math.log(2.0)


def _inplace_not_implemented(name):
    def rule(F, g):
        raise NotImplementedError(f"the derivative for 'inplace version of {name}' is not "
                                  "implemented.")
    return rule


# ---------------------------------------------------------------------------- unary
ASINH = unary("asinh", "arcsinh", vjp=lambda F, g, x: g * F.rsqrt(x * x + 1), **FLOAT)
ACOSH = unary("acosh", "arccosh", vjp=lambda F, g, x: g * F.rsqrt(x * x - 1), **FLOAT)
ATANH = unary("atanh", "arctanh", vjp=lambda F, g, x: g / (1 - x * x), **FLOAT)
# torch gives the in-place forms of these three their own node, without a derivative.
ASINH_ = unary("asinh_inplace", "arcsinh", vjp=_inplace_not_implemented("asinh"),
               grad_fn="AsinhBackward1", **FLOAT)
ACOSH_ = unary("acosh_inplace", "arccosh", vjp=_inplace_not_implemented("acosh"),
               grad_fn="AcoshBackward1", **FLOAT)
ATANH_ = unary("atanh_inplace", "arctanh", vjp=_inplace_not_implemented("atanh"),
               grad_fn="AtanhBackward1", **FLOAT)
DEG2RAD = unary("deg2rad", lambda xp, x: x * xp.asarray(_DEG, x.dtype),
                vjp=lambda F, g: g * _DEG, grad_fn="Deg2RadBackward0", **FLOAT)
RAD2DEG = unary("rad2deg", lambda xp, x: x * xp.asarray(1 / _DEG, x.dtype),
                vjp=lambda F, g: g * (1 / _DEG), grad_fn="Rad2DegBackward0", **FLOAT)
FRAC = unary("frac", lambda xp, x: x - xp.trunc(x), vjp=lambda F, g: g)
SINC = unary("sinc", lambda xp, x: _sinc(xp, x), vjp=lambda F, g, x: g * _sinc_grad(F, x),
             **FLOAT)
LOGIT = unary("logit", lambda xp, x, eps=None: _logit(xp, x, eps),
              vjp=lambda F, g, x, eps: _logit_grad(F, g, x, eps), params=("eps",), **FLOAT)
NAN_TO_NUM = unary("nan_to_num", lambda xp, x, nan=0.0, posinf=None, neginf=None:
                   _nan_to_num(xp, x, nan, posinf, neginf),
                   vjp=lambda F, g, x: g * F.isfinite(x), params=("nan", "posinf", "neginf"),
                   grad_fn="NanToNumBackward0")
SGN = unary("sgn", lambda xp, x: _sgn(xp, x), vjp=lambda F, g, x, out: _sgn_grad(F, g, x, out),
            holomorphic=False)  # torch's complex rule, written out


def _sinc(xp, x):
    if x.dtype.itemsize < 4:
        return _sinc(xp, x.astype(xp.float32)).astype(x.dtype)
    y = math.pi * xp.where(x == 0, 1, x)
    return xp.where(x == 0, 1, xp.sin(y) / y).astype(x.dtype, copy=False)


def _sinc_grad(F, x):
    y = x * math.pi
    return F.where(x == 0, 0.0, (y * F.cos(y) - F.sin(y)) / (y * x))


def _logit(xp, x, eps):
    if eps is not None:
        x = xp.clip(x, eps, 1 - eps)
    return xp.log(x / (1 - x))


def _logit_grad(F, g, x, eps):
    lo, hi, outside = (0.0, 1.0, math.nan) if eps is None else (eps, 1 - eps, 0.0)
    return F.where((x >= lo) & (x <= hi), g / (x * (1 - x)), outside)


def _nan_to_num(xp, x, nan, posinf, neginf):
    if x.dtype.kind not in "fcV":
        return x.copy()
    return xp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


def _sgn(xp, x):
    if x.dtype.kind == "c":
        mag = xp.abs(x)
        return xp.where(mag == 0, 0, x / xp.where(mag == 0, 1, mag)).astype(x.dtype)
    if x.dtype.kind == "b":
        return x.copy()
    if x.dtype.kind in "fV":  # torch: sgn(nan) is 0
        return xp.where(xp.isnan(x), 0, xp.sign(x)).astype(x.dtype)
    return xp.sign(x)


def _sgn_grad(F, g, x, out):
    if not _is_complex(x):
        return g * 0
    # torch's sgn_backward: (g - Re(g * conj(sgn)) * sgn) / |x|, zero where x == 0
    mag = F.abs(x)
    safe = F.where(mag == 0, 1.0, mag)
    return F.where(mag == 0, 0.0, (g - F.real(g * F.conj_physical(out)) * out) / safe)


def _is_complex(x) -> bool:
    dt = x.dtype
    return dt.is_complex if isinstance(x, Tensor) else dt.kind == "c"


def _unary(op_, name, kernel=None, kinds=None, complex_error=None):
    """The public form of a one-input op: ``kinds`` are the dtype kinds torch's kernel takes;
    ``complex_error`` is torch's exception for a complex input, where it has its own."""
    def fn(input, *, out=None):
        if complex_error is not None and input._data.dtype.kind == "c":
            raise complex_error
        if kinds is not None:
            check_kinds(kernel, input, kinds)
        if out is not None:
            return write_out(name, out, (input,), lambda: fn(input))
        return dispatch1(op_, input)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} (grad_fn {op_.grad_fn})."
    return fn


asinh = expose(_unary(ASINH, "asinh"))
acosh = expose(_unary(ACOSH, "acosh"))
atanh = expose(_unary(ATANH, "atanh"))
arcsinh = expose(asinh, name="arcsinh")
arccosh = expose(acosh, name="arccosh")
arctanh = expose(atanh, name="arctanh")
deg2rad = expose(_unary(DEG2RAD, "deg2rad", complex_error=RuntimeError(
    "deg2rad is not supported for complex tensors.")))
rad2deg = expose(_unary(RAD2DEG, "rad2deg", complex_error=RuntimeError(
    "rad2deg is not supported for complex tensors.")))
frac = expose(_unary(FRAC, "frac", "frac_cpu", "f"))
sinc = expose(_unary(SINC, "sinc"))
sgn = expose(_unary(SGN, "sgn"))


@expose
def logit(input: Tensor, eps: float | None = None, *, out=None) -> Tensor:
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when ``eps`` is given."""
    check_kinds("logit_cpu", input, "fiub")
    if out is not None:
        return write_out("logit", out, (input,), lambda: logit(input, eps))
    if eps is None:
        return dispatch1(LOGIT, input)
    return dispatch(LOGIT, (input,), {"eps": float(eps)})


@expose
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None, *, out=None) -> Tensor:
    """NaN to ``nan``, +inf/-inf to ``posinf``/``neginf`` (the dtype's extremes by default)."""
    if out is not None:
        return write_out("nan_to_num", out, (input,),
                         lambda: nan_to_num(input, nan, posinf, neginf))
    return dispatch(NAN_TO_NUM, (input,), {"nan": nan, "posinf": posinf, "neginf": neginf})


@expose
def fix(input: Tensor, *, out=None) -> Tensor:
    """torch.fix: an alias of trunc (TruncBackward0)."""
    if input._data.dtype.kind == "b":
        raise not_implemented("trunc_vml_cpu", input)
    if input._data.dtype.kind == "c":
        raise NotImplementedError("trunc is not supported for complex inputs")
    if out is not None:
        return write_out("fix", out, (input,), lambda: fix(input))
    if input._data.dtype.kind in "iu":
        return Tensor._make(input._data.copy())
    return P.trunc(input)


@expose
def positive(input: Tensor) -> Tensor:
    """+input: the input itself (torch refuses bool tensors)."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


Tensor.__pos__ = positive

# ---------------------------------------------------------------------------- predicates
SIGNBIT = unary("signbit", lambda xp, x: xp.signbit(x) if x.dtype.kind in "fV" else
                (x < 0) if x.dtype.kind == "i" else xp.zeros(x.shape, bool))
ISPOSINF = unary("isposinf", lambda xp, x: xp.isposinf(x) if x.dtype.kind in "fV" else
                 xp.zeros(x.shape, bool))
ISNEGINF = unary("isneginf", lambda xp, x: xp.isneginf(x) if x.dtype.kind in "fV" else
                 xp.zeros(x.shape, bool))
signbit = expose(_unary(SIGNBIT, "signbit", complex_error=NotImplementedError(
    "signbit is not implemented for complex tensors.")))
isposinf = expose(_unary(ISPOSINF, "isposinf", complex_error=RuntimeError(
    "isposinf does not support complex inputs.")))
isneginf = expose(_unary(ISNEGINF, "isneginf", complex_error=RuntimeError(
    "isneginf does not support complex inputs.")))

# ---------------------------------------------------------------------------- frexp
FREXP = op("frexp", lambda xp, x: xp.frexp(x),
           vjps=(lambda F, g, x: g[0] * F.frexp_scale(x),), num_outputs=2)
FREXP_SCALE = unary("frexp_scale", lambda xp, x: xp.ldexp(xp.ones_like(x), -xp.frexp(x)[1]))


class FrexpResult(tuple):
    """torch.return_types.frexp: (mantissa, exponent), also by name; chainrule.return_types'
    class of that name is used instead where it exists."""

    __slots__ = ()
    _fields = ("mantissa", "exponent")

    def __new__(cls, sequence):
        return tuple.__new__(cls, sequence)

    mantissa = property(lambda self: self[0])
    exponent = property(lambda self: self[1])

    def __repr__(self) -> str:
        return f"torch.return_types.frexp(\nmantissa={self[0]!r},\nexponent={self[1]!r})"


def _return_type(name):
    try:
        from .. import return_types
        return getattr(return_types, name)
    except (ImportError, AttributeError):
        return FrexpResult


@expose(internal=True, method=False)
def frexp_scale(input: Tensor) -> Tensor:
    """2 ** -exponent of frexp(input): d mantissa / d input (no gradient of its own)."""
    return dispatch1(FREXP_SCALE, input)


@expose
def frexp(input: Tensor, *, out=None) -> FrexpResult:
    """Split into mantissa in [0.5, 1) (signed) and an int32 exponent: input = m * 2**e."""
    if input._data.dtype.kind not in "fV":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    if out is not None:
        outs = write_out("frexp", tuple(out), (input,), lambda: frexp(input))
        return _return_type("frexp_out")(outs)
    mantissa, exponent = dispatch(FREXP, (input,))
    if exponent._rg:  # the integer output is not differentiable
        exponent._rg, exponent.grad_fn = False, None
    return _return_type("frexp")((mantissa, exponent))


# ---------------------------------------------------------------------------- binary
HYPOT = binary("hypot", "hypot", da=lambda F, g, a, out: g * a / out,
               db=lambda F, g, b, out: g * b / out, **PROMOTE_FLOAT)
LOGADDEXP = binary("logaddexp", lambda xp, a, b: _logaddexp(xp, a, b),
                   da=lambda F, g, a, b: g / (1 + F.exp(b - a)),
                   db=lambda F, g, a, b: g / (1 + F.exp(a - b)), **PROMOTE_FLOAT)
LOGADDEXP2 = binary("logaddexp2", "logaddexp2",
                    da=lambda F, g, a, b: g / (1 + F.exp2(b - a)),
                    db=lambda F, g, a, b: g / (1 + F.exp2(a - b)), **PROMOTE_FLOAT)
NEXTAFTER = binary("nextafter", "nextafter", da=lambda F, g: g, db=lambda F, g: g * 0,
                   **PROMOTE_FLOAT)
LDEXP = binary("ldexp", lambda xp, a, b: a * xp.exp2(b).astype(a.dtype, copy=False),
               da=lambda F, g, b: g * F.exp2(b), db=lambda F, g, out: g * out * _LN2,
               **PROMOTE_FLOAT)
COPYSIGN = binary("copysign", "copysign", da=lambda F, g, a, out: _copysign_grad(F, g, a, out),
                  db=lambda F, g: g * 0, **PROMOTE_FLOAT)
COPYSIGN_S = op("copysign_scalar", lambda xp, x, other: xp.copysign(x, other),
                vjps=(lambda F, g, x, out: _copysign_grad(F, g, x, out),), params=("other",),
                grad_fn="CopysignBackward1")
FMAX = binary("fmax", "fmax", da=lambda F, g, a, b: g * ((a >= b) | F.isnan(b)),
              db=lambda F, g, a, b: g * ~((a >= b) | F.isnan(b)), **PROMOTE)
FMIN = binary("fmin", "fmin", da=lambda F, g, a, b: g * ((a <= b) | F.isnan(b)),
              db=lambda F, g, a, b: g * ~((a <= b) | F.isnan(b)), **PROMOTE)


def _heaviside_not_implemented(F, g, fn_name):
    raise RuntimeError(f"derivative for aten::{fn_name} is not implemented")


HEAVISIDE = binary("heaviside", lambda xp, a, b, fn_name="heaviside":
                   xp.where(a == 0, b, a > 0).astype(a.dtype),
                   da=_heaviside_not_implemented, db=_heaviside_not_implemented,
                   params=("fn_name",), grad_fn="NotImplemented", broadcasts=True)
# torch's node for an op without a derivative is a C++ class with a namespaced name.
HEAVISIDE.node_cls = type("NotImplemented", (HEAVISIDE.node_cls,),
                          {"__slots__": (), "name": lambda self: "torch::autograd::NotImplemented"})


def _logaddexp(xp, a, b):
    if a.dtype.kind != "c":
        return xp.logaddexp(a, b)
    big = xp.real(a) >= xp.real(b)
    hi, lo = xp.where(big, a, b), xp.where(big, b, a)
    return hi + xp.log1p(xp.exp(lo - hi))


def _copysign_grad(F, g, a, out):
    return g * F.where(a == 0, 0.0, out / a)


def _binary(op_, name, kernel=None, kinds=None, complex_error=None):
    """The public form of a two-tensor op; ``kinds`` (the dtype kinds torch's kernel takes)
    and ``complex_error`` are checked on the promoted dtype, as torch does."""
    def fn(input, other, *, out=None):
        require_tensor(name, "input", 1, input)
        require_tensor(name, "other", 2, other)
        _check_promoted(input, other, kernel, kinds, complex_error)
        if out is not None:
            return write_out(name, out, (input, other), lambda: fn(input, other))
        return dispatch(op_, (input, other))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} of two broadcast tensors (grad_fn {op_.grad_fn})."
    return fn


def _check_promoted(input, other, kernel, kinds, complex_error):
    dtype = P._promoted_dtype(input, other)
    if complex_error is not None and dtype.is_complex:
        raise complex_error
    if kinds is not None and dtype.np.kind not in kinds:
        raise not_implemented(kernel, dtype.np)


hypot = expose(_binary(HYPOT, "hypot", "hypot_cpu", "f"))
logaddexp = expose(_binary(LOGADDEXP, "logaddexp", "logaddexp_cpu", "fc"))
logaddexp2 = expose(_binary(LOGADDEXP2, "logaddexp2", "logaddexp2_cpu", "f"))
nextafter = expose(_binary(NEXTAFTER, "nextafter", "nextafter_cpu", "f"))
fmax = expose(_binary(FMAX, "fmax", complex_error=RuntimeError(
    "fmax not implemented for complex tensors.")))
fmin = expose(_binary(FMIN, "fmin", complex_error=RuntimeError(
    "fmin not implemented for complex tensors.")))
_ldexp = _binary(LDEXP, "ldexp")


@expose
def ldexp(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """input * 2 ** other (LdexpBackward0); integers give the default float dtype."""
    if (isinstance(input, Tensor) and isinstance(other, Tensor) and
            input._data.dtype.kind in "fV" and other._data.dtype.kind == "b"):
        raise not_implemented("ldexp_cpu_exp", other)
    return _ldexp(input, other, out=out)


@expose
def copysign(input: Tensor, other, *, out=None) -> Tensor:
    """|input| with the sign of ``other`` (a tensor, CopysignBackward0, or a number,
    CopysignBackward1); integers become the default float dtype."""
    if isinstance(input, Tensor):
        dtype = P._promoted_dtype(input, other)
        if dtype.is_complex:
            raise not_implemented("copysign_cpu", dtype.np)
    if out is not None:
        return write_out("copysign", out, (input, other), lambda: copysign(input, other))
    if isinstance(other, Tensor):
        return dispatch(COPYSIGN, (input, other))
    if not isinstance(input, Tensor):
        raise TypeError(f"copysign() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__}), but expected one "
                        "of: (Tensor input, Tensor other), (Tensor input, Number other)")
    return dispatch(COPYSIGN_S, (floatify(input),), {"other": float(other)})


@expose
def heaviside(input: Tensor, values: Tensor, *, out=None) -> Tensor:
    """0 where input < 0, 1 where input > 0, ``values`` where input == 0 (NaN gives 0)."""
    if out is not None:
        _heaviside_checks(input, values)
        return write_out("heaviside", out, (input, values), lambda: heaviside(input, values))
    return _heaviside(input, values, "heaviside")


def _heaviside(input, values, fn_name):
    _heaviside_checks(input, values)
    return dispatch(HEAVISIDE, (input, values), {"fn_name": fn_name})


def _heaviside_checks(input, values):
    require_tensor("heaviside", "input", 1, input)
    require_tensor("heaviside", "values", 2, values)
    if input._data.dtype.kind == "c" or values._data.dtype.kind == "c":
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different "
                           "dtypes.")


# ---------------------------------------------------------------------------- lerp, addc*
def _lerp(xp, a, b, w):
    w = xp.asarray(w, dtype=a.dtype)
    diff = b - a
    return xp.where(xp.abs(w) < 0.5, a + w * diff, b - diff * (1 - w)).astype(a.dtype,
                                                                          copy=False)


LERP_S = binary("lerp_scalar", lambda xp, a, b, weight: _lerp(xp, a, b, weight),
                da=lambda F, g, weight: g * (1 - weight), db=lambda F, g, weight: g * weight,
                params=("weight",), grad_fn="LerpBackward0", broadcasts=True)
LERP_T = op("lerp", lambda xp, a, b, w: _lerp(xp, a, b, w), inputs=("a", "b", "w"),
            vjps=(lambda F, g, w: g * (1 - w), lambda F, g, w: g * w,
                  lambda F, g, a, b: g * (b - a)),
            grad_fn="LerpBackward1", broadcasts=True)
ADDCMUL = op("addcmul", lambda xp, x, t1, t2, value=1: x + value * t1 * t2,
             inputs=("x", "t1", "t2"),
             vjps=(lambda F, g: g, lambda F, g, t2, value: g * t2 * value,
                   lambda F, g, t1, value: g * t1 * value),
             params=("value",), **PROMOTE)
ADDCDIV = op("addcdiv", lambda xp, x, t1, t2, value=1: x + value * t1 / t2,
             inputs=("x", "t1", "t2"),
             vjps=(lambda F, g: g, lambda F, g, t2, value: g * value / t2,
                   lambda F, g, t1, t2, value: -g * value * t1 / (t2 * t2)),
             params=("value",), **PROMOTE)


def _same_dtype(what, ref, t):
    if t._data.dtype != ref._data.dtype:
        raise RuntimeError(f"expected dtype {_c_name(ref)} for `{what}` but got dtype "
                           f"{_c_name(t)}")


def _c_name(t):
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool"}.get(t.dtype.name, t.dtype.name)


@expose
def lerp(input: Tensor, end: Tensor, weight, *, out=None) -> Tensor:
    """input + weight * (end - input); ``weight`` a number (LerpBackward0) or a tensor
    (LerpBackward1). All tensors must share one floating dtype."""
    if not isinstance(input, Tensor) or not isinstance(end, Tensor):
        raise TypeError(f"lerp() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(end).__name__}, "
                        f"{type(weight).__name__}), but expected one of: (Tensor input, Tensor "
                        "end, Tensor weight), (Tensor input, Tensor end, Number weight)")
    _same_dtype("end", input, end)
    if isinstance(weight, Tensor):
        _same_dtype("weight", input, weight)
    kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
    check_kinds(kernel, input, "fc")
    if out is not None:
        return write_out("lerp", out, (input, end, weight), lambda: lerp(input, end, weight))
    if isinstance(weight, Tensor):
        return dispatch(LERP_T, (input, end, weight))
    return dispatch(LERP_S, (input, end), {"weight": weight})


def _addc(op_, name):
    def fn(input, tensor1, tensor2, *, value=1, out=None):
        require_tensor(name, "input", 1, input)
        require_tensor(name, "tensor1", 2, tensor1)
        require_tensor(name, "tensor2", 3, tensor2)
        if op_ is ADDCDIV and all(t._data.dtype.kind in "biu" for t in (tensor1, tensor2)):
            raise RuntimeError(
                "Integer division with addcdiv is no longer supported, and in a future  "
                "release addcdiv will perform a true division of tensor1 and tensor2. The "
                "historic addcdiv behavior can be implemented as (input + value * "
                "torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
                "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv "
                "behavior is just the latter implementation: (input + value * tensor1 / "
                "tensor2), for all dtypes.")
        if op_ is ADDCMUL and all(t._data.dtype.kind == "b" for t in (input, tensor1, tensor2)):
            raise not_implemented("addcmul_cpu_out", input)
        if out is not None:
            return write_out(name, out, (input, tensor1, tensor2),
                             lambda: fn(input, tensor1, tensor2, value=value))
        return dispatch(op_, (input, tensor1, tensor2), {"value": value})
    fn.__name__ = fn.__qualname__ = name
    return fn


addcmul = expose(_addc(ADDCMUL, "addcmul"))
addcmul.__doc__ = "input + value * tensor1 * tensor2 (AddcmulBackward0)."
addcdiv = expose(_addc(ADDCDIV, "addcdiv"))
addcdiv.__doc__ = "input + value * tensor1 / tensor2 (AddcdivBackward0)."


@expose
def float_power(input, exponent, *, out=None) -> Tensor:
    """pow in double precision: the operands become float64 (complex128 if either is
    complex) first, so the result is always float64 or complex128."""
    target = float64
    if any((isinstance(a, Tensor) and a._data.dtype.kind == "c") or isinstance(a, complex)
           for a in (input, exponent)):
        from .._dtypes import complex128 as target
    check_out_dtype("float_power", out, target)
    if out is not None:
        return write_out("float_power", out, (input, exponent),
                         lambda: float_power(input, exponent))
    base = input.to(target) if isinstance(input, Tensor) else input
    exp = exponent.to(target) if isinstance(exponent, Tensor) else exponent
    if not isinstance(base, Tensor):
        return P.pow(complex(base) if target is not float64 else float(base), exp)
    if not isinstance(exp, Tensor):
        exp = complex(exp) if target is not float64 else float(exp)
    return P.pow(base, exp)


def _float_power_(self, exponent):
    target = "complex128" if self._data.dtype.kind == "c" else "float64"
    if self._data.dtype.name != target:
        raise RuntimeError(f"the base given to float_power_ has dtype {type_word(self)} but "
                           f"the operation's result requires dtype {type_word(target)}")
    return inplace(float_power)(self, exponent)


# ---------------------------------------------------------------------------- in place
Tensor.asinh_ = inplace(lambda t: dispatch1(ASINH_, t))
Tensor.acosh_ = inplace(lambda t: dispatch1(ACOSH_, t))
Tensor.atanh_ = inplace(lambda t: dispatch1(ATANH_, t))
Tensor.arcsinh_, Tensor.arccosh_, Tensor.arctanh_ = Tensor.asinh_, Tensor.acosh_, Tensor.atanh_
for _fn in (deg2rad, rad2deg, frac, sinc, sgn, logit, nan_to_num, fix, hypot, nextafter, ldexp,
            copysign, lerp, addcmul, addcdiv):
    setattr(Tensor, _fn.__name__ + "_", inplace(_fn))
Tensor.heaviside_ = inplace(lambda t, values: _heaviside(t, values, "heaviside_"))
Tensor.float_power_ = _float_power_
for _name in ("asinh_", "acosh_", "atanh_", "arcsinh_", "arccosh_", "arctanh_", "deg2rad_",
              "rad2deg_", "frac_", "sinc_", "logit_", "nan_to_num_", "fix_", "ldexp_"):
    expose(getattr(Tensor, _name), name=_name, method=False)


# torch.<op>_ and Tensor.<op>_ for the older pointwise ops that had no in-place form yet
# (only where none exists, so the owners' own definitions win).
_OLDER = ("abs", "acos", "arccos", "asin", "arcsin", "atan", "arctan", "ceil", "cos", "cosh",
          "exp", "exp2", "expm1", "floor", "log", "log10", "log1p", "log2", "neg", "negative",
          "reciprocal", "round", "rsqrt", "sigmoid", "sin", "sinh", "sqrt", "square", "tan",
          "tanh", "trunc", "absolute")
for _name in _OLDER:
    if not hasattr(Tensor, _name + "_"):
        setattr(Tensor, _name + "_", inplace(getattr(P, _name)))
    if _name != "absolute" and _name + "_" not in PUBLIC:
        expose(getattr(Tensor, _name + "_"), name=_name + "_", method=False)
_OLDER_BINARY = ("atan2", "arctan2", "fmod", "bitwise_and", "bitwise_or", "bitwise_xor",
                 "bitwise_not", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal",
                 "less", "less_equal", "not_equal", "logical_and", "logical_or", "logical_xor",
                 "logical_not", "true_divide")
for _name in _OLDER_BINARY:
    if not hasattr(Tensor, _name + "_"):
        setattr(Tensor, _name + "_", inplace(getattr(P, _name)))
