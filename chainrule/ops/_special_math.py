"""Numerical kernels for the error and gamma families, over the array namespace ``xp``.

Everything here takes float64 arrays, works on NumPy alone and aims at float64 rounding (a
few ulp) over the whole real line, tails included:

* ``erf``, ``erfc``, ``erfcx``: W. J. Cody's rational Chebyshev approximations (Math. Comp.
  23 (1969) 631-637; the coefficients of his SPECFUN routine CALERF), with his splitting of
  ``exp(-x*x)`` so that ``erfc`` keeps its digits down into the subnormals;
* ``ndtr``, ``log_ndtr``: the same rationals as ``erfcx``, times ``exp(-x*x/2)`` computed
  from ``x`` itself, so the rounding of ``x/sqrt(2)`` costs nothing in the tails;
* ``erfinv``, ``ndtri``: Winitzki's closed-form approximation as a start, then Halley steps
  on ``erf`` in the centre and Newton steps on ``log(erfc)`` in the tails;
* ``lgamma``, ``digamma``: a zeta series about 2 (so the zeros at 1 and 2 are exact),
  recurrence, Stirling's series for large arguments and reflection for negative ones.

The rarer functions (polygamma, Bessel, zeta, incomplete gamma) come from SciPy, imported on
first use (``scipy_special``).
"""
from __future__ import annotations

import math

SQRT1_2 = 0.7071067811865476       # 1/sqrt(2)
SQRT2 = 1.4142135623730951
SQRT_2PI = 2.5066282746310002      # sqrt(2*pi)
INV_SQRT_PI = 0.5641895835477563   # 1/sqrt(pi)
TWO_OVER_SQRT_PI = 1.1283791670955126
HALF_SQRT_PI = 0.886226925452758   # sqrt(pi)/2
HALF_LOG_2PI = 0.9189385332046728  # log(2*pi)/2
LOG_PI = 1.1447298858494002
EULER = 0.5772156649015329         # Euler-Mascheroni gamma

# ---------------------------------------------------------------------------- erf family
# Cody's CALERF coefficients: erf on |x| <= 0.46875 (A/B), exp(x*x)*erfc(x) on (0.46875, 4]
# (C/D) and above 4 in 1/x^2 (P/Q); each numerator's last entry is its leading coefficient.
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_SMALL = 0.46875   # Cody's first break point
_ERFCX_NEG_INF = -26.7  # below this exp(x*x) overflows and erfcx(x) is inf


def _erf_small(x):
    """erf(x) for |x| <= 0.46875."""
    z = x * x
    num = _A[4] * z
    den = z
    for i in range(3):
        num = (num + _A[i]) * z
        den = (den + _B[i]) * z
    return x * (num + _A[3]) / (den + _B[3])


def _pieces(xp, x, *pieces):
    """A piecewise function of the float64 array ``x``: each ``(mask, fn)`` evaluates
    ``fn`` on the elements its mask selects (later pieces win); unselected elements (NaN
    inputs) are NaN. Each element pays for its own branch only."""
    flat = xp.asarray(x).reshape(-1)
    out = xp.full(flat.shape, xp.nan)
    for mask, fn in pieces:
        mask = xp.asarray(mask).reshape(-1)
        if mask.any():
            out[mask] = fn(flat[mask])
    return out.reshape(xp.shape(x))


def _erfcx_mid(y):
    """exp(y*y) * erfc(y) on (0.46875, 4] (Cody's second interval)."""
    num = _C[8] * y
    den = y
    for i in range(7):
        num = (num + _C[i]) * y
        den = (den + _D[i]) * y
    return (num + _C[7]) / (den + _D[7])


def _erfcx_big(y):
    """exp(y*y) * erfc(y) above 4, in 1/y^2 (Cody's third interval)."""
    z = 1.0 / (y * y)
    num = _P[5] * z
    den = z
    for i in range(4):
        num = (num + _P[i]) * z
        den = (den + _Q[i]) * z
    return (INV_SQRT_PI - z * (num + _P[4]) / (den + _Q[4])) / y


def _erfcx_pos(xp, y):
    """exp(y*y) * erfc(y) for y > 0.46875."""
    return _pieces(xp, y, (y <= 4.0, _erfcx_mid), (y > 4.0, _erfcx_big))


def _exp_neg_square(xp, y, scale=1.0):
    """exp(-scale*y*y) without the error of rounding y*y: y splits into a multiple of 1/16
    (whose square is exact) and a remainder (Cody's device). ``scale`` is 1 or 1/2."""
    y = xp.minimum(xp.abs(y), 40.0)  # exp underflows to 0 long before; keeps inf finite
    head = xp.trunc(y * 16.0) / 16.0
    rest = (y - head) * (y + head)
    return xp.exp(-scale * head * head) * xp.exp(-scale * rest)


def _exp_square(xp, y):
    """exp(y*y) with the same splitting (overflows to inf past |y| ~ 26.6)."""
    y = xp.minimum(xp.abs(y), 27.0)
    head = xp.trunc(y * 16.0) / 16.0
    rest = (y - head) * (y + head)
    return xp.exp(head * head) * xp.exp(rest)


def _erfc_pos(xp, y):
    """erfc(y) for y > 0.46875."""
    return _erfcx_pos(xp, y) * _exp_neg_square(xp, y)


def erfc(xp, x):
    y = xp.abs(x)
    return _pieces(xp, x, (y <= _SMALL, lambda v: 1.0 - _erf_small(v)),
                   (x > _SMALL, lambda v: _erfc_pos(xp, v)),
                   (x < -_SMALL, lambda v: 2.0 - _erfc_pos(xp, -v)))


def erf(xp, x):
    y = xp.abs(x)
    return _pieces(xp, x, (y <= _SMALL, _erf_small),
                   (x > _SMALL, lambda v: (0.5 - _erfc_pos(xp, v)) + 0.5),
                   (x < -_SMALL, lambda v: -((0.5 - _erfc_pos(xp, -v)) + 0.5)))


def erfcx(xp, x):
    """exp(x*x) * erfc(x)."""
    y = xp.abs(x)
    return _pieces(xp, x, (y <= _SMALL, lambda v: xp.exp(v * v) * (1.0 - _erf_small(v))),
                   (x > _SMALL, lambda v: _erfcx_pos(xp, v)),
                   (x < -_SMALL, lambda v: 2.0 * _exp_square(xp, v) - _erfcx_pos(xp, -v)),
                   (x < _ERFCX_NEG_INF, lambda v: xp.full(v.shape, xp.inf)))


def _ndtr_lower(xp, x):
    """ndtr(x) for x < -0.66: erfcx(-x/sqrt 2)/2 times exp(-x*x/2) computed from x."""
    return 0.5 * _erfcx_pos(xp, -x * SQRT1_2) * _exp_neg_square(xp, x, 0.5)


def ndtr(xp, x):
    """The standard normal CDF: (1 + erf(x/sqrt(2)))/2, accurate in both tails."""
    t = xp.abs(x) * SQRT1_2
    return _pieces(xp, x, (t <= _SMALL, lambda v: 0.5 + 0.5 * _erf_small(v * SQRT1_2)),
                   ((t > _SMALL) & (x < 0), lambda v: _ndtr_lower(xp, v)),
                   ((t > _SMALL) & (x > 0), lambda v: 1.0 - _ndtr_lower(xp, -v)))


def log_ndtr(xp, x):
    """log(ndtr(x)): log(erfcx(-x/sqrt(2))/2) - x*x/2 below 0, log1p(-ndtr(-x)) above."""
    return _pieces(xp, x,
                   (x < 0, lambda v: xp.log(0.5 * erfcx(xp, -v * SQRT1_2)) - 0.5 * v * v),
                   (x >= 0, lambda v: xp.log1p(-ndtr(xp, -v))))


def _winitzki(xp, log_one_minus_y2):
    """|erfinv(y)| from log(1 - y*y), to about 2e-3 (S. Winitzki's approximation, a=0.147),
    in the form that cancels in neither the centre nor the tails."""
    a = 0.147
    L = log_one_minus_y2
    b = 2.0 / (math.pi * a) + 0.5 * L
    root = xp.sqrt(b * b - L / a)
    z2 = xp.where(b > 0, (-L / a) / (root + xp.abs(b)), root - b)
    return xp.sqrt(xp.maximum(z2, 0.0))


def _erfinv_central(xp, y):
    """erfinv(y) for |y| <= 0.85: Halley steps on erf(z) = |y|."""
    a = xp.abs(y)
    z = _winitzki(xp, xp.log1p(-a * a))
    for _ in range(3):
        u = (erf(xp, z) - a) / (TWO_OVER_SQRT_PI * xp.exp(-z * z))
        z = z - u / (1.0 + z * u)
    return xp.copysign(z, y)


def _erfcinv_tail(xp, t):
    """z with erfc(z) = t, for 0 < t <= 0.15: Newton steps on log(erfc(z)) - log(t), whose
    derivative -2/(sqrt(pi) erfcx(z)) never underflows."""
    log_t = xp.log(t)
    z = _winitzki(xp, log_t + xp.log1p(-0.5 * t) + math.log(2.0))
    for _ in range(4):
        ex = _erfcx_pos(xp, z)
        z = z + (xp.log(ex) - z * z - log_t) * (HALF_SQRT_PI * ex)
    return z


def erfinv(xp, y):
    a = xp.abs(y)
    return _pieces(xp, y, (a <= 0.85, lambda v: _erfinv_central(xp, v)),
                   ((a > 0.85) & (a < 1.0),
                    lambda v: xp.copysign(_erfcinv_tail(xp, 1.0 - xp.abs(v)), v)),
                   (a == 1.0, lambda v: xp.copysign(xp.inf, v)))


def ndtri(xp, p):
    """The inverse of ndtr: sqrt(2)*erfinv(2p - 1), with each tail solved from its own
    small probability (so ndtri(1e-300) is exact to rounding)."""
    q = xp.abs(p - 0.5)
    return _pieces(xp, p, (q <= 0.425, lambda v: SQRT2 * _erfinv_central(xp, 2.0 * (v - 0.5))),
                   ((q > 0.425) & (p > 0) & (p < 0.5),
                    lambda v: -SQRT2 * _erfcinv_tail(xp, 2.0 * v)),
                   ((q > 0.425) & (p > 0.5) & (p < 1),
                    lambda v: SQRT2 * _erfcinv_tail(xp, 2.0 * (1.0 - v))),
                   (p == 0.0, lambda v: xp.full(v.shape, -xp.inf)),
                   (p == 1.0, lambda v: xp.full(v.shape, xp.inf)))


# ---------------------------------------------------------------------------- gamma family
def _zeta_minus_one(k: int) -> float:
    """zeta(k) - 1 for an integer k >= 2, by Euler-Maclaurin summation from n = 10."""
    n0 = 10
    head = math.fsum(n ** -k for n in range(2, n0))
    bernoulli = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
                 43867 / 798)
    terms = [n0 ** (1 - k) / (k - 1), 0.5 * n0 ** -k]
    rising = float(k)          # k (k+1) ... (k+2j-2)
    fact = 2.0                 # (2j)!
    for j, b2j in enumerate(bernoulli, start=1):
        terms.append(b2j / fact * rising * n0 ** (-k - 2 * j + 1))
        rising *= (k + 2 * j - 1) * (k + 2 * j)
        fact *= (2 * j + 1) * (2 * j + 2)
    return head + math.fsum(terms)


# lgamma(2 + z) = (1 - gamma) z + sum_k (-1)^k (zeta(k) - 1) z^k / k, |z| < 2; we use |z| <= 1/2.
_LG_SERIES = tuple((-1) ** k * _zeta_minus_one(k) / k for k in range(2, 32))
# Stirling: lgamma(x) = (x - 1/2) log x - x + log(2 pi)/2 + sum B_2j / (2j (2j-1) x^(2j-1)).
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156,
             -3617 / 122400)
# digamma: psi(x) = log x - 1/(2x) - sum B_2j / (2j x^(2j)).
_PSI_ASYMPTOTIC = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12,
                   -3617 / 8160)


def _lgamma_about_2(xp, z):
    """lgamma(2 + z) - (1 - gamma) z for |z| <= 1/2."""
    acc = _LG_SERIES[-1]
    for c in reversed(_LG_SERIES[:-1]):
        acc = acc * z + c
    return acc * z * z


def _lgamma_stirling(xp, x):
    w = 1.0 / (x * x)
    acc = _STIRLING[-1]
    for c in reversed(_STIRLING[:-1]):
        acc = acc * w + c
    lx = xp.log(x)
    return x * (lx - 1.0) - 0.5 * lx + HALF_LOG_2PI + acc / x


def _shift_down(xp, x):
    """(z, steps) with x - steps = 2 + z, z in [-1/2, 1/2), for x in [1.5, 10)."""
    steps = xp.floor(x - 1.5)
    return (x - steps) - 2.0, steps


def _lgamma_mid(xp, x):
    """lgamma on [1.5, 10): shift down into [1.5, 2.5), adding the log of the steps."""
    z, steps = _shift_down(xp, x)
    prod = xp.ones_like(x)
    for i in range(1, 9):
        prod = prod * xp.where(steps >= i, x - i, 1.0)
    return (1.0 - EULER) * z + _lgamma_about_2(xp, z) + xp.log(prod)


def _lgamma_positive(xp, x):
    """lgamma for x > 0."""
    return _pieces(
        xp, x,
        # lgamma(x) = lgamma(2 + x) - log(x) - log1p(x)
        (x < 0.5, lambda v: (1.0 - EULER) * v + _lgamma_about_2(xp, v) - xp.log(v)
         - xp.log1p(v)),
        # lgamma(x) = lgamma(2 + (x - 1)) - log1p(x - 1)
        ((x >= 0.5) & (x < 1.5), lambda v: (1.0 - EULER) * (v - 1.0)
         + _lgamma_about_2(xp, v - 1.0) - xp.log1p(v - 1.0)),
        ((x >= 1.5) & (x < 10.0), lambda v: _lgamma_mid(xp, v)),
        (x >= 10.0, lambda v: _lgamma_stirling(xp, v)),
        (x == xp.inf, lambda v: v))


def _sinpi_reduced(xp, x):
    """(r, sin(pi r)) with r = x - round(x), exact for |x| < 2^52: sin(pi x) = +-sin(pi r)."""
    r = x - xp.round(x)
    return r, xp.sin(math.pi * r)


def _lgamma_reflected(xp, x):
    """lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x) for negative non-integers."""
    r, s = _sinpi_reduced(xp, x)
    return LOG_PI - xp.log(xp.abs(s)) - _lgamma_positive(xp, 1.0 - x)


def lgamma(xp, x):
    """log|Gamma(x)|; inf at 0, the negative integers and both infinities (as torch)."""
    noninteger = (x - xp.round(xp.where(xp.isfinite(x), x, 0))) != 0
    reflect = (x < 0) & (x > -(2.0 ** 52)) & noninteger
    return _pieces(xp, x, (x > 0, lambda v: _lgamma_positive(xp, v)),
                   (x <= 0, lambda v: xp.full(v.shape, xp.inf)),
                   (reflect, lambda v: _lgamma_reflected(xp, v)))


def _hurwitz_zeta(s: int, a: float) -> float:
    """zeta(s, a) = sum_n (n + a)^-s for an integer s >= 2, by Euler-Maclaurin from n = 10."""
    n0 = 10
    head = math.fsum((n + a) ** -s for n in range(n0))
    m = n0 + a
    bernoulli = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
                 43867 / 798)
    terms = [m ** (1 - s) / (s - 1), 0.5 * m ** -s]
    rising, fact = float(s), 2.0
    for j, b2j in enumerate(bernoulli, start=1):
        terms.append(b2j / fact * rising * m ** (-s - 2 * j + 1))
        rising *= (s + 2 * j - 1) * (s + 2 * j)
        fact *= (2 * j + 1) * (2 * j + 2)
    return head + math.fsum(terms)


# digamma's positive zero, as a sum of two doubles, and its Taylor series there:
# psi(x0 + d) = sum_k (-1)^(k+1) zeta(k+1, x0) d^k.
_PSI_ROOT_HI, _PSI_ROOT_LO = 1.4616321449683622, 9.549995429965697e-17
_PSI_ROOT_SERIES = tuple((-1) ** (k + 1) * _hurwitz_zeta(k + 1, _PSI_ROOT_HI)
                         for k in range(1, 26))


def _digamma_near_root(xp, x):
    d = (x - _PSI_ROOT_HI) - _PSI_ROOT_LO
    acc = _PSI_ROOT_SERIES[-1]
    for c in reversed(_PSI_ROOT_SERIES[:-1]):
        acc = acc * d + c
    return acc * d


def _digamma_about_2(xp, z):
    """psi(2 + z) for |z| <= 1/2: the derivative of the lgamma series."""
    n = len(_LG_SERIES)
    acc = (n + 1) * _LG_SERIES[-1]
    for k in range(n, 1, -1):
        acc = acc * z + k * _LG_SERIES[k - 2]
    return (1.0 - EULER) + acc * z


def _digamma_mid(xp, x):
    """psi on [1.5, 10): psi(x - n) + sum_i 1/(x - i), with x - n in [1.5, 2.5)."""
    z, steps = _shift_down(xp, x)
    shift = xp.zeros_like(x)
    for i in range(1, 9):
        shift = shift + xp.where(steps >= i, 1.0 / (x - i), 0.0)
    return _digamma_about_2(xp, z) + shift


def _digamma_big(xp, x):
    """psi on [10, inf): the asymptotic series."""
    w = 1.0 / (x * x)
    acc = _PSI_ASYMPTOTIC[-1]
    for c in reversed(_PSI_ASYMPTOTIC[:-1]):
        acc = acc * w + c
    return xp.log(x) - 0.5 / x - acc * w


def _digamma_positive(xp, x):
    """psi for x > 0: every path adds terms of one sign, except near the zero (a Taylor
    series there)."""
    return _pieces(
        xp, x,
        (x < 0.5, lambda v: _digamma_about_2(xp, v) - 1.0 / v - 1.0 / (v + 1.0)),
        ((x >= 0.5) & (x < 1.5), lambda v: _digamma_about_2(xp, v - 1.0) - 1.0 / v),
        ((x >= 1.5) & (x < 10.0), lambda v: _digamma_mid(xp, v)),
        (x >= 10.0, lambda v: _digamma_big(xp, v)),
        (xp.abs(x - _PSI_ROOT_HI) < 0.2, lambda v: _digamma_near_root(xp, v)))


def _digamma_reflected(xp, x):
    """psi(x) = psi(1 - x) - pi cot(pi x) for negative non-integers."""
    r, s = _sinpi_reduced(xp, x)
    return _digamma_positive(xp, 1.0 - x) - math.pi * xp.cos(math.pi * r) / s


def digamma(xp, x):
    """psi(x) = d/dx lgamma(x); -inf at +0, inf at -0, nan at negative integers and -inf."""
    finite = xp.isfinite(x)
    noninteger = (x - xp.round(xp.where(finite, x, 0))) != 0
    return _pieces(xp, x, (x > 0, lambda v: _digamma_positive(xp, v)),
                   (x == 0, lambda v: xp.where(xp.signbit(v), xp.inf, -xp.inf)),
                   ((x < 0) & finite & noninteger, lambda v: _digamma_reflected(xp, v)))


# ---------------------------------------------------------------------------- SciPy
def scipy_special(xp):
    """scipy.special (cupyx.scipy.special for CuPy arrays), imported on first use."""
    name = getattr(xp, "__name__", "")
    try:
        if name.startswith("cupy"):
            import cupyx.scipy.special as special
        else:
            import scipy.special as special
    except ImportError:
        raise ImportError("this function needs SciPy, which chainrule uses for its rarer "
                          "special functions: pip install chainrule[scipy]") from None
    return special
