"""The special functions of chainrule/ops/special.py and polynomials.py, through both
torch.<name> and torch.special.<name>: values, dtypes, grads, graphs, gradcheck and
gradgradcheck (accuracy in the tails is tests/test_special_accuracy.py)."""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S, _away_from_zero, binary_tensor_samples, unary_samples

# name, domain; each is torch.<name> (and Tensor.<name>) unless it starts with "special."
UNARY = [
    ("erf", (-2.5, 2.5)), ("erfc", (-2.5, 2.5)), ("erfinv", (-0.95, 0.95)),
    ("lgamma", (0.2, 4)), ("digamma", (0.3, 4)), ("i0", (-3, 3)),
    ("special.erf", (-2, 2)), ("special.erfc", (-2, 2)), ("special.erfinv", (-0.9, 0.9)),
    ("special.erfcx", (-2, 3)), ("special.ndtr", (-3, 3)), ("special.log_ndtr", (-5, 3)),
    ("special.ndtri", (0.05, 0.95)), ("special.entr", (0.1, 2)),
    ("special.gammaln", (0.2, 4)), ("special.digamma", (0.3, 4)), ("special.psi", (0.3, 4)),
    ("special.i0", (-3, 3)), ("special.i0e", (-3, 3)), ("special.i1", (-3, 3)),
    ("special.i1e", (-3, 3)), ("special.expit", (-4, 4)), ("special.exp2", (-2, 2)),
    ("special.expm1", (-2, 2)), ("special.log1p", (-0.5, 2)), ("special.sinc", (-2, 2)),
    ("special.logit", (0.05, 0.95)), ("special.round", (-3, 3)),
]
NO_GRAD = [
    # torch gives these no derivative: their outputs never require grad
    ("special.bessel_j0", (-5, 5)), ("special.bessel_j1", (-5, 5)),
    ("special.bessel_y0", (0.2, 5)), ("special.bessel_y1", (0.2, 5)),
    ("special.modified_bessel_i0", (-3, 3)), ("special.modified_bessel_i1", (-3, 3)),
    ("special.modified_bessel_k0", (0.2, 3)), ("special.modified_bessel_k1", (0.2, 3)),
    ("special.scaled_modified_bessel_k0", (0.2, 3)),
    ("special.scaled_modified_bessel_k1", (0.2, 3)),
    ("special.spherical_bessel_j0", (-5, 5)), ("special.airy_ai", (-3, 3)),
]


def _fn(name):
    if name.startswith("special."):
        short = name[len("special."):]
        return lambda m, x: getattr(m.special, short)(x)
    return lambda m, x: getattr(m, name)(x)


def _unary_entries():
    E = []
    for name, dom in UNARY:
        E.append(OpInfo(name, _fn(name), unary_samples, domain=dom))
        if not name.startswith("special."):
            E.append(OpInfo(f"Tensor.{name}", (lambda n: lambda m, x: getattr(x, n)())(name),
                            lambda A: [S(A(2, 3))], domain=dom))
            E.append(OpInfo(f"Tensor.{name}_", (lambda n: lambda m, x:
                                                getattr(x * 1, n + "_")())(name),
                            lambda A: [S(A(3))], domain=dom))
    for name, dom in NO_GRAD:
        E.append(OpInfo(name, _fn(name), lambda A: [S(A(3, 4)), S(A())], domain=dom,
                        grad=False))
    E += [
        OpInfo("erf_", lambda m, x: m.erf_(x * 1), lambda A: [S(A(3))]),
        OpInfo("erfc_", lambda m, x: m.erfc_(x * 1), lambda A: [S(A(3))]),
        OpInfo("i0_", lambda m, x: m.i0_(x * 1), lambda A: [S(A(3))]),
        OpInfo("lgamma_negative", lambda m, x: m.lgamma(x), lambda A: [S(A(3, 4))],
               domain=(-3.9, -3.1)),
        OpInfo("digamma_negative", lambda m, x: m.digamma(x), lambda A: [S(A(3, 4))],
               domain=(-2.9, -2.1)),
        OpInfo("special_round_decimals", lambda m, x: m.special.round(x, decimals=2),
               unary_samples),
        OpInfo("special_int_inputs", lambda m, a: (m.erf(a), m.erfc(a), m.lgamma(a),
                                                   m.digamma(a), m.i0(a), m.special.ndtr(a),
                                                   m.special.erfcx(a), m.special.i1(a),
                                                   m.special.bessel_j0(a),
                                                   m.special.log_ndtr(a)),
               lambda A: [S(A.rng.integers(1, 5, (2, 3))), S(A.rng.random((3,)) > 0.5)],
               grad=False),
        OpInfo("special_half", lambda m, x: (m.erf(x.half()), m.lgamma(x.half()),
                                             m.special.ndtr(x.half()), m.special.i0e(x.half()),
                                             m.special.entr(x.half())),
               lambda A: [S(A(3, 4))], grad=False, atol=2e-3, rtol=2e-3, domain=(0.2, 2)),
    ]
    return E


def _gamma_entries():
    return [
        OpInfo("polygamma", lambda m, x, n: m.polygamma(n, x),
               lambda A: [S(A(3, 4), 1), S(A(), 2), S(A(5), 3), S(A(2, 3), 0)], domain=(0.5, 3)),
        OpInfo("Tensor.polygamma", lambda m, x: x.polygamma(1), lambda A: [S(A(3))],
               domain=(0.5, 3)),
        OpInfo("Tensor.polygamma_", lambda m, x: (x * 1).polygamma_(2), lambda A: [S(A(3))],
               domain=(0.5, 3)),
        OpInfo("special.polygamma", lambda m, x: m.special.polygamma(1, x),
               lambda A: [S(A(3))], domain=(0.5, 3)),
        OpInfo("mvlgamma", lambda m, x, p: m.mvlgamma(x, p),
               lambda A: [S(A(3, 4), 1), S(A(3), 2), S(A(), 3)], domain=(2, 4)),
        OpInfo("Tensor.mvlgamma", lambda m, x: x.mvlgamma(2), lambda A: [S(A(3))], domain=(2, 4)),
        OpInfo("Tensor.mvlgamma_", lambda m, x: (x * 1).mvlgamma_(3), lambda A: [S(A(3))],
               domain=(2, 4)),
        OpInfo("special.multigammaln", lambda m, x: m.special.multigammaln(x, 2),
               lambda A: [S(A(3, 4))], domain=(2, 4)),
    ]


def _abs(a):
    return np.asarray(np.abs(a))  # a 0-d array stays an array (a tensor, not a number)


def _p(a):
    return np.asarray(np.abs(a) + 0.5)


def _positive_second(A):
    pos = _away_from_zero(0.3, 2.0)
    return [S(A(3, 4), _abs(pos(A, 3, 4))), S(A(3, 4), _abs(pos(A, 4))),
            S(A(2, 1, 3), _abs(pos(A, 4, 1))), S(A(), _abs(pos(A, 3))),
            S(A(2, 3), _abs(pos(A)))]


def _positive(A):
    pos = _away_from_zero(0.3, 2.0)
    return [S(_abs(pos(A, 2, 3))), S(_abs(pos(A, 3))), S(_abs(pos(A)))]


def _first(m, x, values):
    """A constant first argument (no gradient, so gradcheck perturbs only x), broadcasting
    against x's last dimension."""
    n = x.shape[-1] if x.ndim else 1
    return m.tensor(values[:n], dtype=x.dtype)


def _binary_entries():
    zeros = np.array([0.0, 0.0, 0.0, 1.0, 2.0])
    return [
        OpInfo("xlogy", lambda m, x, y: m.xlogy(x, y), _positive_second),
        OpInfo("Tensor.xlogy", lambda m, x, y: x.xlogy(y), lambda A: [S(A(3), _p(A(3)))]),
        OpInfo("xlogy_", lambda m, x, y: m.xlogy_(x * 1, y), lambda A: [S(A(3), _p(A(3)))]),
        OpInfo("Tensor.xlogy_", lambda m, x, y: (x * 1).xlogy_(y),
               lambda A: [S(A(3), _p(A(3)))]),
        OpInfo("xlogy_scalar_other", lambda m, x, c: m.xlogy(x, c),
               lambda A: [S(A(3, 4), 2.5), S(A(), 3), S(np.array([0.0, 1.0, -2.0]), -1.0)],
               gradcheck=False),
        OpInfo("xlogy_scalar_self", lambda m, c, y: m.xlogy(c, y),
               lambda A: [S(2.5, _p(A(3, 4))), S(0, _p(A(3))),
                          S(-1, _p(A()))]),
        OpInfo("xlogy_zeros", lambda m, x, y: m.xlogy(x * 0, y),
               lambda A: [S(A(5), np.array([np.nan, 0.0, -1.0, 2.0, np.inf]))],
               gradcheck=False),
        OpInfo("xlogy_zero_grad", lambda m, x, y: m.xlogy(x, y),
               lambda A: [S(zeros, np.array([-1.0, 0.0, 2.0, 3.0, 0.5]))], gradcheck=False),
        OpInfo("special.xlogy", lambda m, x, y: m.special.xlogy(x, y), _positive_second),
        OpInfo("special.xlog1py", lambda m, x, y: m.special.xlog1py(x, y), _positive_second),
        OpInfo("xlog1py_scalar_other", lambda m, x, c: m.special.xlog1py(x, c),
               lambda A: [S(A(3, 4), 2.5), S(np.array([0.0, 1.0, -2.0]), -1.0)],
               gradcheck=False),
        OpInfo("xlog1py_scalar_self", lambda m, c, y: m.special.xlog1py(c, y),
               lambda A: [S(2.5, _abs(A(3, 4))), S(-1, _abs(A(3)))]),
        OpInfo("xlog1py_zeros", lambda m, x, y: m.special.xlog1py(x * 0, y),
               lambda A: [S(A(5), np.array([np.nan, -1.0, -2.0, 2.0, np.inf]))],
               gradcheck=False),
        # zeta and the incomplete gammas: torch differentiates only the second argument
        OpInfo("special.zeta", lambda m, q: m.special.zeta(_first(m, q, [1.5, 2.5, 4.0, 3.0]),
                                                           q), _positive),
        OpInfo("zeta_scalar_self", lambda m, q: m.special.zeta(2.5, q),
               lambda A: [S(_p(A(3, 4))), S(_p(A()))]),
        OpInfo("zeta_scalar_other", lambda m, x: m.special.zeta(x + 1.5, 2.0),
               lambda A: [S(abs(A(3)))], grad=False),
        OpInfo("zeta_not_implemented", lambda m, x, q: m.special.zeta(x + 1.5, q),
               _positive_second, grad=False),
        OpInfo("igamma", lambda m, x: m.igamma(_first(m, x, [0.5, 1.5, 3.0, 2.0]), x),
               _positive),
        OpInfo("igammac", lambda m, x: m.igammac(_first(m, x, [0.5, 1.5, 3.0, 2.0]), x),
               _positive),
        OpInfo("Tensor.igamma", lambda m, x: _first(m, x, [0.5, 1.5, 3.0]).igamma(x),
               _positive),
        OpInfo("Tensor.igammac_", lambda m, a, x: a.detach().abs().igammac_(x).detach(),
               lambda A: [S(A(3), _p(A(3)))], grad=False),
        OpInfo("special.gammainc", lambda m, x: m.special.gammainc(_first(m, x, [1.5, 2.5, 4.0]),
                                                                   x), _positive),
        OpInfo("special.gammaincc", lambda m, x: m.special.gammaincc(_first(m, x, [1.5, 2.5,
                                                                                4.0]), x),
               _positive),
        OpInfo("igamma_not_implemented", lambda m, a, x: m.igamma(a.abs() + 0.5, x),
               _positive_second, grad=False),
        OpInfo("special_binary_int_inputs",
               lambda m, a, b: (m.xlogy(a, b), m.special.xlog1py(a, b), m.special.zeta(a + 1, b),
                                m.xlogy(a, 2), m.xlogy(3, b)),
               lambda A: [S(A.rng.integers(0, 4, (2, 3)), A.rng.integers(1, 4, (3,)))],
               grad=False),
        OpInfo("igamma_edges", lambda m, a, x: (m.igamma(a, x), m.igammac(a, x)),
               lambda A: [S(np.array([0.0, 1.0, 0.0, 2.0]), np.array([0.0, 0.0, 1.0, 0.5]))],
               grad=False),
        OpInfo("entr_edges", lambda m, x: m.special.entr(x),
               lambda A: [S(np.array([0.0, -1.0, np.nan, np.inf, 1.0, 0.5]))], grad=False),
        OpInfo("binary_broadcast_special", lambda m, x, y: m.xlogy(x, y.abs() + 0.1),
               binary_tensor_samples),
    ]


POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
               "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
               "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
               "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"]


def _poly_samples(A):
    x = np.array([-1.0, -0.6, 0.0, 0.3, 0.5, 1.0, 1.7])
    return [S(A(3, 4), 3), S(x, 0), S(x, 1), S(x, 2.5), S(x, 9), S(x, -1),
            S(x, np.array([0.0, 1.0, 2.0, 3.0, 7.0, 10.0, 12.0])), S(0.5, np.array([0.0, 2.0,
                                                                                    5.0]))]


def _polynomial_entries():
    return [OpInfo(f"special.{n}", (lambda n: lambda m, x, k: getattr(m.special, n)(x, k))(n),
                   _poly_samples, grad=False, domain=(-1, 1), atol=1e-4)
            for n in POLYNOMIALS]


ENTRIES = _unary_entries() + _gamma_entries() + _binary_entries() + _polynomial_entries()
