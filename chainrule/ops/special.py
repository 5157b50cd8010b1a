"""Special functions: the error and gamma families, Bessel functions, zeta, the incomplete
gamma functions, xlogy/xlog1py and entr.

The error function family and lgamma/digamma run on NumPy alone (``_special_math.py``);
polygamma of order >= 1, the Bessel functions, zeta and the incomplete gamma functions use
SciPy, imported on first call. Functions torch shows only under ``torch.special`` are
exposed as ``special_<name>`` (internal: they are ``chainrule.special.<name>``).
"""
from __future__ import annotations

from .._meta import meta_aware
from .._tensor import Tensor
from ..autograd.forward_ad import _STATE as _FW_STATE
from ..autograd.grad_mode import _tls
from . import _special_math as M
from ._inplace import inplace
from ._pointwise_util import (
    check_kinds,
    floatify,
    in_float64,
    not_implemented,
    require_tensor,
    write_out,
)
from ._registry import binary, dispatch, dispatch1, expose, op, unary

FLOAT = {"dtype_rule": "float"}
PROMOTE_FLOAT = {"dtype_rule": "promote_float", "broadcasts": True}


def _not_implemented(what):
    def rule(F, g):
        raise NotImplementedError(f"the derivative for '{what}' is not implemented.")
    return rule


def _scipy(name):
    """A float64 forward calling scipy.special.<name> (imported on first use)."""
    def kernel(xp, x):
        return getattr(M.scipy_special(xp), name)(x)
    kernel.__name__ = name
    return in_float64(kernel)


# ---------------------------------------------------------------------------- error functions
ERF = unary("erf", in_float64(M.erf),
            vjp=lambda F, g, x: g * (M.TWO_OVER_SQRT_PI * F.exp(-(x * x))), **FLOAT)
ERFC = unary("erfc", in_float64(M.erfc),
             vjp=lambda F, g, x: g * (-M.TWO_OVER_SQRT_PI * F.exp(-(x * x))), **FLOAT)
ERFINV = unary("erfinv", in_float64(M.erfinv),
               vjp=lambda F, g, x: g * (M.HALF_SQRT_PI * F.exp(F.erfinv(x) ** 2)), **FLOAT)
ERFCX = unary("special_erfcx", in_float64(M.erfcx),
              vjp=lambda F, g, x, out: g * (2 * x * out - M.TWO_OVER_SQRT_PI), **FLOAT)
LOG_NDTR = unary("special_log_ndtr", in_float64(M.log_ndtr),
                 vjp=lambda F, g, x, out: g * (F.exp(-(out + x * x * 0.5)) / M.SQRT_2PI),
                 **FLOAT)
NDTRI = unary("special_ndtri", in_float64(M.ndtri),
              vjp=lambda F, g, out: g * (M.SQRT_2PI * F.exp(out * out * 0.5)), **FLOAT)
# ndtr is a composite in torch ((1 + erf(x / sqrt 2)) * 0.5, with the Scalar overloads of mul
# and add); chainrule records those nodes but stores the accurate value (docs/differences.md).
MUL_SCALAR = op("mul_scalar", lambda xp, x, other: x * other,
                vjps=(lambda F, g, other: g * other,), params=("other",),
                grad_fn="MulBackward1")
ADD_SCALAR = op("add_scalar", lambda xp, x, other: x + other, vjps=(lambda F, g: g,),
                params=("other",), grad_fn="AddBackward1")


def _float_unary(op_, name, kernel, half=True, complex_ok=False):
    def fn(input, *, out=None):
        check_kinds(kernel, input, "fiub" + ("c" if complex_ok else ""), half=half)
        if out is not None:
            return write_out(name, out, (input,), lambda: fn(input))
        return dispatch1(op_, input)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name.replace('special_', 'torch.special.')} (grad_fn " \
                 f"{op_.grad_fn})."
    return fn


erf = expose(_float_unary(ERF, "erf", "erf_vml_cpu"))
erfc = expose(_float_unary(ERFC, "erfc", "erfc_vml_cpu"))
erfinv = expose(_float_unary(ERFINV, "erfinv", "erfinv_vml_cpu"))
special_erfcx = expose(_float_unary(ERFCX, "special_erfcx", "erfcx_cpu", half=False),
                       method=False, internal=True)
special_log_ndtr = expose(_float_unary(LOG_NDTR, "special_log_ndtr", "log_ndtr_cpu",
                                       half=False), method=False, internal=True)
special_ndtri = expose(_float_unary(NDTRI, "special_ndtri", "ndtri_cpu", half=False),
                       method=False, internal=True)


@expose(method=False, internal=True)
@meta_aware
def special_ndtr(input: Tensor, *, out=None) -> Tensor:
    """The standard normal CDF, accurate to rounding in both tails."""
    check_kinds("erf_vml_cpu", input, "fiub")
    if out is not None:
        return write_out("special_ndtr", out, (input,), lambda: special_ndtr(input))
    x = floatify(input)
    value = in_float64(M.ndtr)(x.xp, x._data)
    if not (x._rg and _tls.grad_enabled) and _FW_STATE.level < 0:  # (forward AD: composed)
        return Tensor._make(x.xp.asarray(value))
    t = dispatch(MUL_SCALAR, (x,), {"other": M.SQRT1_2})
    y = dispatch(ADD_SCALAR, (erf(t),), {"other": 1})
    result = dispatch(MUL_SCALAR, (y,), {"other": 0.5})
    result._data = x.xp.asarray(value)
    return result


# ---------------------------------------------------------------------------- gamma family
def _polygamma_forward(xp, *args, n=None):
    # Called as forward(xp, x, n=n) by dispatch and as F.polygamma(n, x) in rules (torch's
    # argument order): both orders arrive here.
    x = args[-1]
    if n is None:
        n = args[0]
    if n == 0:
        return in_float64(M.digamma)(xp, x)
    special = M.scipy_special(xp)
    return in_float64(lambda xp_, v: special.polygamma(n, v))(xp, x)


LGAMMA = unary("lgamma", in_float64(M.lgamma), vjp=lambda F, g, x: g * F.digamma(x), **FLOAT)
DIGAMMA = unary("digamma", in_float64(M.digamma), vjp=lambda F, g, x: g * F.polygamma(1, x),
                **FLOAT)
POLYGAMMA = unary("polygamma", _polygamma_forward,
                  vjp=lambda F, g, x, n: g * F.polygamma(n + 1, x), params=("n",), **FLOAT)
POLYGAMMA_ = unary("polygamma_inplace", _polygamma_forward,
                   vjp=lambda F, g, x, n: g * F.polygamma(n + 1, x), params=("n",),
                   grad_fn="PolygammaBackward1", **FLOAT)
MVLGAMMA = unary("mvlgamma", lambda xp, x, p: _mvlgamma(xp, x, p),
                 vjp=lambda F, g, x, p: g * _digamma_sum(F, x, p), params=("p",), **FLOAT)


def _mvlgamma(xp, x, p):
    total = sum(in_float64(M.lgamma)(xp, x - 0.5 * j) for j in range(p))
    return (total + p * (p - 1) / 4 * M.LOG_PI).astype(x.dtype, copy=False)


def _digamma_sum(F, x, p):
    total = F.digamma(x)
    for j in range(1, p):
        total = total + F.digamma(x - 0.5 * j)
    return total


lgamma = expose(_float_unary(LGAMMA, "lgamma", "lgamma_vml_cpu"))
digamma = expose(_float_unary(DIGAMMA, "digamma", "digamma"))


@expose(method=False)
def polygamma(n: int, input: Tensor, *, out=None) -> Tensor:
    """The n-th derivative of digamma (n >= 1 uses SciPy)."""
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    if out is not None:
        return write_out("polygamma", out, (input,), lambda: polygamma(n, input))
    return dispatch(POLYGAMMA, (input,), {"n": int(n)})


def _polygamma_method(self, n):
    return polygamma(n, self)


def _polygamma_(self, n):
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return inplace(lambda t: dispatch(POLYGAMMA_, (t,), {"n": int(n)}))(self)


Tensor.polygamma = _polygamma_method
Tensor.polygamma_ = _polygamma_


@expose
def mvlgamma(input: Tensor, p: int, *, out=None) -> Tensor:
    """The multivariate log-gamma of dimension p: sum_j lgamma(x - j/2) + p(p-1)/4 log(pi)."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if input._data.dtype.kind == "b":
        raise RuntimeError("The input tensor may not be a boolean tensor.")
    if out is not None:
        return write_out("mvlgamma", out, (input,), lambda: mvlgamma(input, p))
    return dispatch(MVLGAMMA, (input,), {"p": int(p)})


# ---------------------------------------------------------------------------- Bessel, entr
I0 = unary("i0", in_float64(lambda xp, x: xp.i0(x)), vjp=lambda F, g, x: g * F.special_i1(x),
           grad_fn="I0Backward0", **FLOAT)
I0E = unary("special_i0e", _scipy("i0e"),
            vjp=lambda F, g, x, out: g * (F.special_i1e(x) - F.sgn(x) * out),
            grad_fn="SpecialI0EBackward0", **FLOAT)
I1 = unary("special_i1", _scipy("i1"), vjp=lambda F, g, x, out: g * _i1_grad(F, x, out),
           **FLOAT)
I1E = unary("special_i1e", _scipy("i1e"), vjp=lambda F, g, x, out: g * _i1e_grad(F, x, out),
            grad_fn="SpecialI1EBackward0", **FLOAT)
ENTR = unary("special_entr", in_float64(lambda xp, x: _entr(xp, x)),
             vjp=lambda F, g, x: g * -(1 + F.log(x)), **FLOAT)


def _entr(xp, x):
    safe = xp.where(x > 0, x, 1.0)
    out = xp.where(x > 0, -x * xp.log(safe), xp.where(x == 0, 0.0, -xp.inf))
    return xp.where(xp.isnan(x), x, out)


def _tiny_safe(F, x):
    eps = 1.1920928955078125e-07 if x.dtype.itemsize == 4 else 2.220446049250313e-16
    big = F.abs(x) > eps
    return big, F.where(big, x, eps)


def _i1_grad(F, x, out):
    """i1'(x) = i0(x) - i1(x)/x, and 1/2 at 0 (torch's i1_backward)."""
    big, safe = _tiny_safe(F, x)
    return F.where(big, F.i0(safe) - out / safe, 0.5)


def _i1e_grad(F, x, out):
    """i1e'(x) = i0e(x) - i1e(x) (sgn(x) + 1/x), and 1/2 at 0."""
    big, safe = _tiny_safe(F, x)
    return F.where(big, F.special_i0e(safe) - out * (F.sgn(safe) + 1 / safe), 0.5)


i0 = expose(_float_unary(I0, "i0", "i0_vml_cpu"))
special_i0e = expose(_float_unary(I0E, "special_i0e", "i0e_cpu"), method=False, internal=True)
special_i1 = expose(_float_unary(I1, "special_i1", "i1_cpu"), method=False, internal=True)
special_i1e = expose(_float_unary(I1E, "special_i1e", "i1e_cpu"), method=False, internal=True)
special_entr = expose(_float_unary(ENTR, "special_entr", "entr_cpu"), method=False,
                      internal=True)

# No derivatives in torch (their outputs never require grad).
_NO_GRAD = {
    "bessel_j0": "j0", "bessel_j1": "j1", "bessel_y0": "y0", "bessel_y1": "y1",
    "modified_bessel_i0": "i0", "modified_bessel_i1": "i1", "modified_bessel_k0": "k0",
    "modified_bessel_k1": "k1", "scaled_modified_bessel_k0": "k0e",
    "scaled_modified_bessel_k1": "k1e",
}


def _airy_ai(xp, x):
    return M.scipy_special(xp).airy(x)[0]


def _spherical_j0(xp, x):
    safe = xp.where(x == 0, 1.0, x)
    return xp.where(x == 0, 1.0, xp.sin(safe) / safe)


def _no_grad_unary(name, kernel):
    o = unary(f"special_{name}", in_float64(kernel), **FLOAT)
    return expose(_float_unary(o, f"special_{name}", f"{name}_cpu", half=False), method=False,
                  internal=True)


for _name, _scipy_name in _NO_GRAD.items():
    _no_grad_unary(_name, _scipy(_scipy_name))
_no_grad_unary("airy_ai", _airy_ai)
_no_grad_unary("spherical_bessel_j0", _spherical_j0)


# ---------------------------------------------------------------------------- xlogy, zeta ...
def _same_float(xp, a, b):
    """Both operands as arrays of the array operand's dtype (a rule may pass a number)."""
    dtype = a.dtype if isinstance(a, xp.ndarray) else b.dtype
    return xp.asarray(a, dtype=dtype), xp.asarray(b, dtype=dtype)


def _xlogy(xp, a, b):
    """a * log(b); 0 where a == 0, unless b is NaN."""
    a, b = _same_float(xp, a, b)
    zero = xp.where(xp.isnan(b), b, 0).astype(a.dtype)
    return xp.where(a == 0, zero, a * xp.log(xp.where(a == 0, 1, b)))


def _xlog1py(xp, a, b):
    a, b = _same_float(xp, a, b)
    zero = xp.where(xp.isnan(b), b, 0).astype(a.dtype)
    return xp.where(a == 0, zero, a * xp.log1p(xp.where(a == 0, 0, b)))


XLOGY = binary("xlogy", lambda xp, a, b: _xlogy(xp, a, b),
               da=lambda F, g, a, b: F.where((a == 0) & (b <= 0), 0.0, F.xlogy(g, b)),
               db=lambda F, g, a, b: g * a / b, **PROMOTE_FLOAT)
XLOGY_SELF = op("xlogy_scalar_self", lambda xp, x, self_: _xlogy(xp, self_, x),
                vjps=(lambda F, g, x, self_: g * self_ / x,), params=("self_",),
                grad_fn="XlogyBackward1", scalars=("self_",),
                dtype_rule="promote_float")
XLOGY_OTHER = op("xlogy_scalar_other", lambda xp, x, other: _xlogy(xp, x, other),
                 vjps=(lambda F, g, x, other: _xlogy_scalar_grad(F, g, x, other, 0.0),),
                 params=("other",), grad_fn="XlogyBackward2", scalars=("other",),
                dtype_rule="promote_float")
XLOG1PY = binary("special_xlog1py", lambda xp, a, b: _xlog1py(xp, a, b),
                 da=lambda F, g, a, b: F.where((a == 0) & (b <= -1), 0.0,
                                               F.special_xlog1py(g, b)),
                 db=lambda F, g, a, b: g * a / (b + 1), grad_fn="SpecialXlog1PyBackward0",
                 **PROMOTE_FLOAT)
XLOG1PY_SELF = op("special_xlog1py_scalar_self",
                  lambda xp, x, self_: _xlog1py(xp, self_, x),
                  vjps=(lambda F, g, x, self_: g * self_ / (x + 1),), params=("self_",),
                  grad_fn="SpecialXlog1PyBackward1", scalars=("self_",),
                dtype_rule="promote_float")
XLOG1PY_OTHER = op("special_xlog1py_scalar_other",
                   lambda xp, x, other: _xlog1py(xp, x, other),
                   vjps=(lambda F, g, x, other: _xlogy_scalar_grad(F, g, x, other, -1.0),),
                   params=("other",), grad_fn="SpecialXlog1PyBackward2",
                   scalars=("other",),
                dtype_rule="promote_float")


def _xlogy_scalar_grad(F, g, x, other, edge):
    """d/dx of xlogy(x, c) (edge 0) or xlog1py(x, c) (edge -1): g log(c), or 0 at x == 0
    when c is at or past the edge."""
    fn = F.xlogy if edge == 0.0 else F.special_xlog1py
    grad = fn(g, other)
    return grad if other > edge else F.where(x == 0, 0.0, grad)


ZETA = binary("special_zeta", lambda xp, a, b: _zeta_pair(xp, a, b),
              da=_not_implemented("zeta"),
              db=lambda F, g, a, b: g * -a * F.special_zeta(a + 1, b), **PROMOTE_FLOAT)
ZETA_SELF = op("special_zeta_scalar_self", lambda xp, x, self_: _zeta_pair(xp, self_, x),
               vjps=(lambda F, g, x, self_: g * -self_ * F.special_zeta(self_ + 1, x),),
               params=("self_",), grad_fn="SpecialZetaBackward1", scalars=("self_",),
                dtype_rule="promote_float")
ZETA_OTHER = op("special_zeta_scalar_other", lambda xp, x, other: _zeta_pair(xp, x, other),
                vjps=(_not_implemented("zeta"),), params=("other",),
                grad_fn="SpecialZetaBackward2", scalars=("other",),
                dtype_rule="promote_float")


def _zeta_pair(xp, a, b):
    """scipy's Hurwitz zeta in float64, returned in the inputs' (common) float dtype."""
    ref = a if isinstance(a, xp.ndarray) else b
    special = M.scipy_special(xp)
    out = special.zeta(xp.asarray(a, xp.float64), xp.asarray(b, xp.float64))
    return xp.asarray(out).astype(ref.dtype, copy=False)


IGAMMA = binary("igamma", lambda xp, a, b: _igamma(xp, a, b, "gammainc"),
                da=_not_implemented("igamma: input"),
                db=lambda F, g, a, b: g * F.exp((a - 1) * F.log(b) - b - F.lgamma(a)),
                dtype_rule="promote", broadcasts=True)
IGAMMAC = binary("igammac", lambda xp, a, b: _igamma(xp, a, b, "gammaincc"),
                 da=_not_implemented("igammac: input"),
                 db=lambda F, g, a, b: -g * F.exp((a - 1) * F.log(b) - b - F.lgamma(a)),
                 dtype_rule="promote", broadcasts=True)


def _igamma(xp, a, b, name):
    special = M.scipy_special(xp)
    a64, b64 = a.astype(xp.float64), b.astype(xp.float64)
    out = getattr(special, name)(a64, b64)
    # torch's edges: a == 0 with x > 0 is the limit (1 for P, 0 for Q); nan when both are 0
    bad = (a64 < 0) | (b64 < 0) | ((a64 == 0) & (b64 == 0))
    out = xp.where(bad, xp.nan, out)
    return xp.asarray(out).astype(a.dtype, copy=False)


def _scalar_form(name, pair_op, self_op, other_op, input, other, kernel=None, half=True):
    """Dispatch a (tensor, tensor), (number, tensor) or (tensor, number) call, refusing
    the promoted dtypes torch's kernel does not take (complex, and half unless ``half``)."""
    if kernel is not None and (isinstance(input, Tensor) or isinstance(other, Tensor)):
        from .pointwise import _promoted_dtype
        dtype = _promoted_dtype(input, other)
        if dtype.is_complex or (not half and dtype.name == "float16"):
            raise not_implemented(kernel, dtype.np)
    if isinstance(input, Tensor) and isinstance(other, Tensor):
        return dispatch(pair_op, (input, other))
    if isinstance(other, Tensor):
        return dispatch(self_op, (floatify(other),), {"self_": input})
    if isinstance(input, Tensor):
        return dispatch(other_op, (floatify(input),), {"other": other})
    raise TypeError(f"{name}() received an invalid combination of arguments - got "
                    f"({type(input).__name__}, {type(other).__name__}), but expected one of: "
                    "(Tensor input, Tensor other), (Number self, Tensor other), (Tensor input, "
                    "Number other)")


@expose
def xlogy(input, other, *, out=None) -> Tensor:
    """input * log(other), and 0 where input == 0 (unless other is NaN)."""
    if out is not None:
        return write_out("xlogy", out, (input, other), lambda: xlogy(input, other))
    return _scalar_form("xlogy", XLOGY, XLOGY_SELF, XLOGY_OTHER, input, other, "xlogy_cpu")


@expose(method=False, internal=True)
def special_xlog1py(input, other, *, out=None) -> Tensor:
    """input * log1p(other), and 0 where input == 0 (unless other is NaN)."""
    if out is not None:
        return write_out("special_xlog1py", out, (input, other),
                         lambda: special_xlog1py(input, other))
    return _scalar_form("special_xlog1py", XLOG1PY, XLOG1PY_SELF, XLOG1PY_OTHER, input, other,
                        "xlog1py_cpu")


@expose(method=False, internal=True)
def special_zeta(input, other, *, out=None) -> Tensor:
    """The Hurwitz zeta function sum_k (k + other)^-input (SciPy)."""
    if out is not None:
        return write_out("special_zeta", out, (input, other), lambda: special_zeta(input, other))
    return _scalar_form("special_zeta", ZETA, ZETA_SELF, ZETA_OTHER, input, other, "zeta_cpu",
                        half=False)


def _igamma_public(op_, name):
    def fn(input, other, *, out=None):
        require_tensor(name, "input", 1, input)
        require_tensor(name, "other", 2, other)
        from .pointwise import _promoted_dtype
        dtype = _promoted_dtype(input, other)
        if not dtype.is_floating_point:
            raise not_implemented(f"{name}_cpu", dtype.np)
        if out is not None:
            return write_out(name, out, (input, other), lambda: fn(input, other))
        return dispatch(op_, (input, other))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"The regularized {'lower' if name == 'igamma' else 'upper'} incomplete " \
                 "gamma function (SciPy)."
    return fn


igamma = expose(_igamma_public(IGAMMA, "igamma"))
igammac = expose(_igamma_public(IGAMMAC, "igammac"))

# ---------------------------------------------------------------------------- round(decimals)
ROUND_DECIMALS = unary("special_round", lambda xp, x, decimals=0:
                       xp.rint(x) if decimals == 0 else xp.round(x, decimals),
                       vjp=lambda F, g: g * 0, params=("decimals",), grad_fn="RoundBackward1")


@expose(method=False, internal=True)
def special_round(input: Tensor, *, decimals: int = 0, out=None) -> Tensor:
    """torch.special.round: round half to even at ``decimals`` places (RoundBackward1)."""
    check_kinds("round_vml_cpu", input, "f")
    if out is not None:
        return write_out("special_round", out, (input,),
                         lambda: special_round(input, decimals=decimals))
    return dispatch(ROUND_DECIMALS, (input,), {"decimals": int(decimals)})


# ---------------------------------------------------------------------------- in place
for _fn in (erf, erfc, erfinv, lgamma, digamma, i0, xlogy, mvlgamma, igamma, igammac):
    setattr(Tensor, _fn.__name__ + "_", inplace(_fn))
for _name in ("erf_", "erfc_", "i0_", "xlogy_"):
    expose(getattr(Tensor, _name), name=_name, method=False)
