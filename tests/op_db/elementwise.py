"""The elementwise ops of chainrule/ops/elementwise.py and complex_ops.py: inverse
hyperbolics, logit, frac, sinc, nan_to_num, sgn, hypot, logaddexp, copysign, fmax/fmin,
nextafter, ldexp, heaviside, lerp, addcmul/addcdiv, float_power, frexp, the integer ops and
predicates, and complex numbers (built from real leaves, so grads are checked too)."""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S, _away_from_zero, binary_tensor_samples, scalar_samples, unary_samples

_pos = _away_from_zero(0.3, 2.0)

UNARY = [
    # name, domain
    ("asinh", (-2, 2)), ("acosh", (1.2, 3)), ("atanh", (-0.9, 0.9)), ("arcsinh", (-2, 2)),
    ("arccosh", (1.2, 3)), ("arctanh", (-0.9, 0.9)), ("deg2rad", (-90, 90)),
    ("rad2deg", (-2, 2)), ("frac", (-3, 3)), ("sinc", (-2, 2)), ("logit", (0.05, 0.95)),
    ("fix", (-3, 3)), ("nan_to_num", (-2, 2)), ("positive", (-2, 2)),
]


def _unary_entries():
    E = []
    for name, dom in UNARY:
        E.append(OpInfo(name, (lambda n: lambda m, x: getattr(m, n)(x))(name), unary_samples,
                        domain=dom))
        E.append(OpInfo(f"Tensor.{name}", (lambda n: lambda m, x: getattr(x, n)())(name),
                        lambda A: [S(A(2, 3))], domain=dom))
    E += [
        OpInfo("logit_eps", lambda m, x, e: m.logit(x, e),
               lambda A: [S(A(3, 4), 0.2), S(A(5), 0.05), S(A(), 0.3)], domain=(0.02, 0.98)),
        OpInfo("logit_outside", lambda m, x: m.logit(x),
               lambda A: [S(np.array([-0.5, 0.25, 1.5]))], gradcheck=False),
        OpInfo("nan_to_num_values", lambda m, x, *a, **k: m.nan_to_num(_specials(m, x), *a, **k),
               lambda A: [S(A(4)), S(A(4), 1.5), S(A(4), posinf=3.0, neginf=-4.0),
                          S(A(4), nan=-1.0, posinf=2.0)], gradcheck=False),
        OpInfo("sinc_at_zero", lambda m, x: m.sinc(x * 0), lambda A: [S(A(3))],
               gradcheck=False),  # the derivative at 0 is 0 in torch; no finite difference
        OpInfo("frac_int_like", lambda m, x: m.frac(x), lambda A: [S(np.array([-1.5, 2.25,
                                                                             -0.75]))]),
        # in-place forms: asinh_/acosh_/atanh_ record AsinhBackward1 ..., whose backward
        # torch does not implement
        OpInfo("asinh_", lambda m, x: m.asinh_(x * 1), lambda A: [S(A(3))], grad=False),
        OpInfo("acosh_", lambda m, x: m.acosh_(x * 1), lambda A: [S(A(3))], grad=False,
               domain=(1.2, 3)),
        OpInfo("atanh_", lambda m, x: m.atanh_(x * 1), lambda A: [S(A(3))], grad=False,
               domain=(-0.9, 0.9)),
        OpInfo("arcsinh_", lambda m, x: m.arcsinh_(x * 1), lambda A: [S(A(3))], grad=False),
        OpInfo("arccosh_", lambda m, x: m.arccosh_(x * 1), lambda A: [S(A(3))], grad=False,
               domain=(1.2, 3)),
        OpInfo("arctanh_", lambda m, x: m.arctanh_(x * 1), lambda A: [S(A(3))], grad=False,
               domain=(-0.9, 0.9)),
        OpInfo("deg2rad_", lambda m, x: m.deg2rad_(x * 1), lambda A: [S(A(3))]),
        OpInfo("rad2deg_", lambda m, x: m.rad2deg_(x * 1), lambda A: [S(A(3))]),
        OpInfo("frac_", lambda m, x: m.frac_(x * 1), lambda A: [S(A(3))]),
        OpInfo("sinc_", lambda m, x: m.sinc_(x * 1), lambda A: [S(A(3))]),
        OpInfo("logit_", lambda m, x: m.logit_(x * 1, 0.1), lambda A: [S(A(3))],
               domain=(0.05, 0.95)),
        OpInfo("nan_to_num_", lambda m, x: m.nan_to_num_(x * 1), lambda A: [S(A(3))]),
        OpInfo("fix_", lambda m, x: m.fix_(x * 1), lambda A: [S(A(3))]),
        # torch's gradient of sgn is a ZeroTensor, which the harness cannot read: add x
        OpInfo("sgn", lambda m, x: m.sgn(x) + x, unary_samples),
        OpInfo("Tensor.sgn", lambda m, x: x.sgn() + x, lambda A: [S(A(2, 3))]),
        OpInfo("Tensor.sgn_", lambda m, x: (x * 1).sgn_() + x, lambda A: [S(A(3))]),
        OpInfo("Tensor.asinh_", lambda m, x: (x * 1).asinh_(), lambda A: [S(A(3))],
               grad=False),
        OpInfo("unary_int_inputs", lambda m, a: (m.asinh(a), m.deg2rad(a), m.sinc(a),
                                                 m.logit(a), m.sgn(a), m.fix(a), m.positive(a)),
               lambda A: [S(A.rng.integers(-3, 4, (2, 3)))], grad=False),
        OpInfo("sgn_bool", lambda m, a: (m.sgn(a), m.signbit(a), m.nan_to_num(a)),
               lambda A: [S(A.rng.random((4,)) > 0.5)], grad=False),
    ]
    return E


def _specials(m, x):
    """x with +inf, -inf and nan in its first three places (4 elements)."""
    return x + m.tensor([np.inf, -np.inf, np.nan, 0.0], dtype=x.dtype)


def _predicate_entries():
    vals = np.array([-np.inf, -1.5, -0.0, 0.0, 2.0, np.inf, np.nan])
    return [
        OpInfo("signbit", lambda m, x: m.signbit(x), lambda A: [S(vals), S(A(3, 4))],
               grad=False),
        OpInfo("isposinf", lambda m, x: m.isposinf(x), lambda A: [S(vals), S(A(2))],
               grad=False),
        OpInfo("isneginf", lambda m, x: m.isneginf(x), lambda A: [S(vals), S(A(2))],
               grad=False),
        OpInfo("Tensor.signbit", lambda m, x: x.signbit(), lambda A: [S(vals)], grad=False),
        OpInfo("predicates_int", lambda m, a: (m.signbit(a), m.isposinf(a), m.isneginf(a),
                                               m.isreal(a)),
               lambda A: [S(A.rng.integers(-3, 4, (2, 3)))], grad=False),
    ]


def _nonzero_second(lo=0.3, hi=2.0):
    def make(A):
        nz = _away_from_zero(lo, hi)
        return [S(A(3, 4), nz(A, 3, 4)), S(A(3, 4), nz(A, 4)), S(A(2, 1, 3), nz(A, 4, 1)),
                S(A(), nz(A, 3)), S(A(2, 3), nz(A)), S(A(), nz(A))]
    return make


def _nan_pairs(A):
    return [S(np.array([np.nan, 1.0, np.nan, 2.0, 3.0]), np.array([2.0, np.nan, np.nan, 2.0,
                                                                     -1.0]))]


def _binary_entries():
    E = []
    for name in ("hypot", "logaddexp", "logaddexp2", "nextafter", "fmax", "fmin"):
        f = (lambda n: lambda m, x, y: getattr(m, n)(x, y))(name)
        E.append(OpInfo(name, f, binary_tensor_samples))
        E.append(OpInfo(f"Tensor.{name}", (lambda n: lambda m, x, y: getattr(x, n)(y))(name),
                        lambda A: [S(A(2, 3), A(3))]))
    E += [
        OpInfo("fmax_nan", lambda m, x, y: m.fmax(x, y), _nan_pairs, gradcheck=False),
        OpInfo("fmin_nan", lambda m, x, y: m.fmin(x, y), _nan_pairs, gradcheck=False),
        OpInfo("ldexp", lambda m, x, y: m.ldexp(x, y), binary_tensor_samples),
        OpInfo("ldexp_int_exponent", lambda m, x, e: m.ldexp(x, e),
               # exponents >= 0: for negative integer exponents torch's gradient is 0
               # (integer 2**e in its backward; docs/differences.md)
               lambda A: [S(A(3, 4), A.rng.integers(0, 4, (4,))),
                          S(A(2), np.array(3))]),
        OpInfo("copysign", lambda m, x, y: m.copysign(x, y), _nonzero_second()),
        OpInfo("copysign_scalar", lambda m, x, c: m.copysign(x, c),
               lambda A: scalar_samples(A, (-1.5, 2, 0.0, -0.0))),
        OpInfo("Tensor.copysign", lambda m, x, y: x.copysign(y), lambda A: [S(A(3), A(3))]),
        OpInfo("heaviside", lambda m, x, v: m.heaviside(x, v),
               lambda A: [S(np.array([-1.0, 0.0, 2.0, np.nan]), A(4)),
                          S(np.array([[0.0, 1.0], [-2.0, 0.0]]), A(2))], grad=False),
        OpInfo("Tensor.heaviside", lambda m, x, v: x.heaviside(v), lambda A: [S(A(3), A(3))],
               grad=False),
        OpInfo("binary_in_place", lambda m, x, y: ((x * 1).hypot_(y), (x * 1).copysign_(y),
                                                   (x * 1).nextafter_(y), (x * 1).ldexp_(y)),
               lambda A: [S(A(2, 3), _pos(A, 3))]),
        OpInfo("ldexp_", lambda m, x, y: m.ldexp_(x * 1, y), lambda A: [S(A(3), A(3))]),
        OpInfo("binary_int_inputs",
               lambda m, a, b: (m.copysign(a, b), m.ldexp(a, b), m.fmax(a, b), m.fmin(a, b),
                                m.heaviside(a, b)),
               lambda A: [S(A.rng.integers(-3, 4, (2, 3)), A.rng.integers(-3, 4, (3,)))],
               grad=False),
    ]
    return E


def _lerp_entries():
    return [
        OpInfo("lerp_scalar", lambda m, a, b, w: m.lerp(a, b, w),
               lambda A: [S(A(3, 4), A(3, 4), 0.3), S(A(3, 4), A(4), 0.75), S(A(), A(3), -0.5),
                          S(A(2, 3), A(2, 3), 1)]),
        OpInfo("lerp_tensor", lambda m, a, b, w: m.lerp(a, b, w),
               lambda A: [S(A(3, 4), A(3, 4), A(3, 4)), S(A(3, 4), A(4), A(3, 1)),
                          S(A(), A(2), A(2, 1)), S(A(2), A(2), A())]),
        OpInfo("Tensor.lerp", lambda m, a, b: a.lerp(b, 0.6), lambda A: [S(A(3), A(3))]),
        OpInfo("Tensor.lerp_", lambda m, a, b, w: (a * 1).lerp_(b, w),
               lambda A: [S(A(3), A(3), 0.2), S(A(2, 3), A(3), A(3))]),
        OpInfo("addcmul", lambda m, x, a, b, **k: m.addcmul(x, a, b, **k),
               lambda A: [S(A(3, 4), A(3, 4), A(3, 4)), S(A(3, 4), A(4), A(3, 1), value=0.5),
                          S(A(), A(2), A(2, 1), value=-2), S(A(2), A(), A())]),
        OpInfo("addcdiv", lambda m, x, a, b, **k: m.addcdiv(x, a, b, **k),
               lambda A: [S(A(3, 4), A(3, 4), _pos(A, 3, 4)),
                          S(A(3, 4), A(4), _pos(A, 3, 1), value=0.5),
                          S(A(), A(2), _pos(A, 2, 1), value=-2)]),
        OpInfo("Tensor.addcmul", lambda m, x, a, b: x.addcmul(a, b, value=3),
               lambda A: [S(A(3), A(3), A(3))]),
        OpInfo("Tensor.addcdiv_", lambda m, x, a, b: (x * 1).addcdiv_(a, b, value=3),
               lambda A: [S(A(3), A(3), _pos(A, 3))]),
        OpInfo("Tensor.addcmul_", lambda m, x, a, b: (x * 1).addcmul_(a, b),
               lambda A: [S(A(3), A(3), A(3))]),
        OpInfo("addcmul_int", lambda m, x, a, b: m.addcmul(x, a, b, value=2),
               lambda A: [S(*(A.rng.integers(-3, 4, (3,)) for _ in range(3)))], grad=False),
    ]


def _float_power_entries():
    return [
        OpInfo("float_power_scalar", lambda m, x, e: m.float_power(x, e),
               lambda A: scalar_samples(A, (2, 0.5, -1.5)), domain=(0.3, 2)),
        OpInfo("float_power_tensor", lambda m, x, y: m.float_power(x, y),
               binary_tensor_samples, domain=(0.3, 2)),
        OpInfo("float_power_scalar_base", lambda m, b, x: m.float_power(b, x),
               lambda A: [S(2.0, A(2, 3)), S(3, A())]),
        OpInfo("Tensor.float_power", lambda m, x: x.float_power(2), lambda A: [S(A(3))]),
        OpInfo("Tensor.float_power_", lambda m, x, y: (x * 1).double().float_power_(y),
               lambda A: [S(A(3), A(3))], domain=(0.3, 2)),
        OpInfo("float_power_int", lambda m, a: m.float_power(a, 2),
               lambda A: [S(A.rng.integers(-3, 4, (2, 3)))], grad=False),
    ]


def _frexp_entries():
    return [
        OpInfo("frexp", lambda m, x: m.frexp(x * 4), unary_samples),
        OpInfo("frexp_mantissa", lambda m, x: m.frexp(x).mantissa * 3,
               lambda A: [S(A(3, 4)), S(A())]),
        OpInfo("Tensor.frexp", lambda m, x: x.frexp()[0], lambda A: [S(A(3))]),
        OpInfo("frexp_exponent", lambda m, x: m.frexp(x).exponent, lambda A: [S(A(3))],
               grad=False),
    ]


def _ints(A, *shape, lo=-40, hi=40):
    return A.rng.integers(lo, hi, shape)


def _shift_samples(A):
    return [S(_ints(A, 3, 4), A.rng.integers(0, 5, (3, 4))),
            S(_ints(A, 6), np.array([-1, 0, 3, 63, 64, 70])),
            S(_ints(A, 3, 1), A.rng.integers(0, 3, (4,))), S(_ints(A, 3), 2)]


def _integer_entries():
    return [
        OpInfo("gcd", lambda m, a, b: m.gcd(a, b),
               lambda A: [S(_ints(A, 3, 4), _ints(A, 4)), S(np.array([0, -4, 6, 0]),
                                                            np.array([0, 6, -9, 5]))],
               grad=False),
        OpInfo("lcm", lambda m, a, b: m.lcm(a, b),
               lambda A: [S(_ints(A, 3, 4), _ints(A, 4)), S(np.array([0, -4, 6]),
                                                            np.array([0, 6, -9]))],
               grad=False),
        OpInfo("gcd_in_place", lambda m, a, b: (m.gcd_(a.clone(), b), m.lcm_(a.clone(), b),
                                                a.clone().gcd_(b), a.clone().lcm_(b)),
               lambda A: [S(_ints(A, 3), _ints(A, 3))], grad=False),
        OpInfo("bitwise_left_shift", lambda m, a, b: m.bitwise_left_shift(a, b),
               _shift_samples, grad=False),
        OpInfo("bitwise_right_shift", lambda m, a, b: m.bitwise_right_shift(a, b),
               _shift_samples, grad=False),
        OpInfo("shift_operators", lambda m, a, b: (a << b, a >> b, 3 << b, 100 >> b, a << 2,
                                                   a >> 1),
               lambda A: [S(_ints(A, 4), A.rng.integers(0, 6, (4,)))], grad=False),
        OpInfo("shift_in_place", lambda m, a, b: (a.clone().bitwise_left_shift_(b),
                                                  a.clone().bitwise_right_shift_(b),
                                                  _ishift(a.clone(), b)),
               lambda A: [S(_ints(A, 4), A.rng.integers(0, 6, (4,)))], grad=False),
        OpInfo("shift_small_dtypes", lambda m, a: (a.to(m.uint8) << 3, a.to(m.int8) << 3,
                                                   a.to(m.int8) >> 10, a.to(m.int16) >> 1),
               lambda A: [S(np.array([1, 100, -100, 200]))], grad=False),
    ]


def _ishift(a, b):
    a <<= b
    a >>= 1
    return a


def _complex_entries():
    return [
        OpInfo("complex_real", lambda m, x, y: m.real(m.complex(x, y)) * 2,
               lambda A: [S(A(3, 4), A(3, 4)), S(A(3, 4), A(4)), S(A(), A())]),
        OpInfo("complex_imag", lambda m, x, y: m.imag(m.complex(x, y)),
               lambda A: [S(A(3, 4), A(3, 4)), S(A(2), A())]),
        OpInfo("complex_view_as_real", lambda m, x, y: m.view_as_real(m.complex(x, y)),
               lambda A: [S(A(3), A(3)), S(A(), A())]),
        OpInfo("complex_attr_parts", lambda m, x, y: m.complex(x, y).real * m.complex(x, y).imag,
               lambda A: [S(A(3), A(3))]),
        OpInfo("polar", lambda m, r, t: m.view_as_real(m.polar(r, t)),
               lambda A: [S(_pos(A, 3).__abs__(), A(3)), S(_pos(A, 2, 3).__abs__(), A(3))]),
        OpInfo("angle_complex", lambda m, x, y: m.angle(m.complex(x, y)),
               lambda A: [S(_pos(A, 3, 4), _pos(A, 3, 4))]),
        OpInfo("angle_real", lambda m, x: m.angle(x), lambda A: [S(_pos(A, 3, 4)), S(A())]),
        OpInfo("Tensor.angle", lambda m, x: x.angle(), lambda A: [S(np.array([-1.0, 0.0, 2.0,
                                                                             np.nan]))],
               gradcheck=False),
        OpInfo("sgn_complex", lambda m, x, y: m.view_as_real(m.sgn(m.complex(x, y))),
               lambda A: [S(_pos(A, 3), _pos(A, 3))]),
        OpInfo("conj_complex", lambda m, x, y: m.view_as_real(m.conj(m.complex(x, y))
                                                              .resolve_conj()),
               lambda A: [S(A(3), A(3))]),
        OpInfo("conj_physical_complex",
               lambda m, x, y: m.view_as_real(m.conj_physical(m.complex(x, y))),
               lambda A: [S(A(3), A(3))]),
        OpInfo("view_as_complex", lambda m, x: m.view_as_real(m.view_as_complex(x) * 2),
               lambda A: [S(A(3, 2)), S(A(2))]),
        OpInfo("real_of_real", lambda m, x: m.real(x) * 2, unary_samples),
        OpInfo("conj_of_real", lambda m, x: (m.conj(x) + m.conj_physical(x) + m.resolve_conj(x)
                                             + m.resolve_neg(x)) * 1, unary_samples),
        OpInfo("conj_physical_", lambda m, x: m.conj_physical_(x * 1), lambda A: [S(A(3))]),
        OpInfo("is_conj", lambda m, x, y: m.tensor([m.is_conj(m.conj(m.complex(x, y))),
                                                    m.is_conj(x), m.is_neg(x)]),
               lambda A: [S(A(2), A(2))], grad=False),
        OpInfo("isreal", lambda m, x, y: m.isreal(m.complex(x, y * (x > 0))),
               lambda A: [S(A(3, 4), A(3, 4)), S(A(3), A(3))], grad=False),
    ]


_OLDER = ("abs", "acos", "arccos", "asin", "arcsin", "atan", "arctan", "ceil", "cos", "cosh",
          "exp", "exp2", "expm1", "floor", "log", "log10", "log1p", "log2", "neg", "negative",
          "reciprocal", "round", "rsqrt", "sigmoid", "sin", "sinh", "sqrt", "square", "tan",
          "tanh", "trunc")


def _older_inplace_entries():
    """torch.<op>_ of the older pointwise ops, on a non-leaf (their values in (0.2, 0.9))."""
    E = [OpInfo(f"{n}_", (lambda f: lambda m, x: getattr(m, f)(x * 1))(n + "_"),
                lambda A: [S(A(2, 3)), S(A())], domain=(0.2, 0.9)) for n in _OLDER]
    E.append(OpInfo("Tensor.absolute_", lambda m, x: (x - 1).absolute_(), lambda A: [S(A(3))],
                    domain=(0.2, 0.9)))
    return E


ENTRIES = (_older_inplace_entries() + _unary_entries() + _predicate_entries() + _binary_entries() + _lerp_entries()
           + _float_power_entries() + _frexp_entries() + _integer_entries()
           + _complex_entries())
