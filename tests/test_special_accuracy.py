"""float64 accuracy of the NumPy-only special functions (erf, erfc, erfcx, ndtr, log_ndtr,
erfinv, ndtri, lgamma, digamma) over wide ranges and in the tails, against torch, SciPy and
high-precision references (mpmath, or published values), and their NaN/inf handling against
torch. Errors are measured in units in the last place (ulp) of the reference."""
import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")


def ulps(got, want):
    """|got - want| in ulps of want; 0 where both are equal or both NaN."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    spacing = np.spacing(np.abs(want))
    with np.errstate(invalid="ignore"):
        err = np.abs(got - want) / np.where(spacing == 0, 5e-324, spacing)
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    return np.where(same, 0.0, err)


def cr(fn, x):
    return fn(chainrule.tensor(np.asarray(x, np.float64), dtype=chainrule.float64)).numpy()


def th(fn, x):
    return fn(torch.tensor(np.asarray(x, np.float64), dtype=torch.float64)).numpy()


def assert_ulps(got, want, limit, x):
    err = ulps(got, want)
    i = int(np.argmax(err))
    assert err[i] <= limit, f"{err[i]:.0f} ulp at x={x[i]!r}: got {got[i]!r}, want {want[i]!r}"


WIDE = np.concatenate([np.linspace(-30, 30, 6001), np.linspace(-1e-3, 1e-3, 201),
                       [0.0, -0.0, 1e-300, -1e-310, 0.46875, 0.4687500001, 4.0, 4.0000001]])


# ---------------------------------------------------------------------------- against torch
@pytest.mark.parametrize("name, lo_hi", [("erf", None), ("erfc", None)])
def test_erf_and_erfc_match_torch_over_the_real_line(name, lo_hi):
    fn = getattr(chainrule, name), getattr(torch, name)
    assert_ulps(cr(fn[0], WIDE), th(fn[1], WIDE), 5, WIDE)


def test_erfcx_matches_torch_for_positive_x():
    # below about -2 torch rounds x*x inside exp (hundreds of ulp at -20), and near 0 it is
    # off by ~7 ulp (we are within 2): the mpmath tests cover those ranges
    x = np.concatenate([np.linspace(0.5, 50, 7001), np.logspace(1, 300, 300)])
    assert_ulps(cr(chainrule.special.erfcx, x), th(torch.special.erfcx, x), 8, x)  # both err


def test_log_ndtr_matches_torch_where_torch_is_accurate():
    # above 0 torch rounds x/sqrt(2) inside erfc (~10 ulp at 3); see the mpmath test
    x = np.concatenate([np.linspace(-1e4, 0, 5001), np.linspace(-40, 0, 4001)])
    assert_ulps(cr(chainrule.special.log_ndtr, x), th(torch.special.log_ndtr, x), 5, x)


def test_erfinv_and_ndtri_match_torch():
    y = np.concatenate([np.linspace(-1, 1, 8001), 1 - np.logspace(-16, -1, 300),
                        np.logspace(-300, -1, 300)])
    assert_ulps(cr(chainrule.erfinv, y), th(torch.erfinv, y), 6, y)
    p = np.concatenate([np.linspace(0, 1, 8001), np.logspace(-320, -1, 400),
                        1 - np.logspace(-16, -1, 200)])
    assert_ulps(cr(chainrule.special.ndtri, p), th(torch.special.ndtri, p), 6, p)


def test_lgamma_matches_torch_for_positive_arguments():
    x = np.concatenate([np.linspace(1e-6, 30, 8001), np.logspace(-300, 305, 600),
                        [1.0, 2.0, 1 + 2 ** -52, 2 - 2 ** -51, 0.5, 1.5, 2.5, 10.0]])
    assert_ulps(cr(chainrule.lgamma, x), th(torch.lgamma, x), 5, x)


def test_lgamma_for_negative_arguments_is_accurate_in_absolute_terms():
    # Near the zeros of lgamma on the negative axis the reflection formula cancels: the
    # error there is absolute (~1e-16 times log n!), not relative (docs/differences.md).
    x = np.linspace(-30.0, -1e-6, 8001)
    x = x[x != np.round(x)]
    got, want = cr(chainrule.lgamma, x), th(torch.lgamma, x)
    np.testing.assert_allclose(got, want, rtol=4e-16 * 8, atol=2e-14)
    far = np.abs(want) > 0.5
    assert_ulps(got[far], want[far], 60, x[far])


# ---------------------------------------------------------------------------- against SciPy
scipy_special = pytest.importorskip("scipy.special")


def test_digamma_matches_scipy_including_its_positive_zero():
    x = np.concatenate([np.linspace(1e-6, 30, 8001), np.linspace(1.40, 1.52, 1201),
                        np.logspace(-300, 300, 600)])
    assert_ulps(cr(chainrule.digamma, x), scipy_special.digamma(x), 6, x)


# ---------------------------------------------------------------------------- tails
# erfc at large x to 40 digits (MPFR values, as published with Cody's CALERF tests)
ERFC_TAIL = {
    5.0: 1.537459794428034850188343485383378890118e-12,
    10.0: 2.088487583762544757000786294957788611561e-45,
    15.0: 7.212994172451206666565066558692927109934e-100,
    20.0: 5.395865611607900928934999167905345604088e-176,
    25.0: 8.300172571196522752044012769513722768714e-274,
    26.5: 2.210907664263734275929239022915826039075e-307,
    27.0: 5.237048923789255685016067682849547090934e-319,
}


def test_erfc_keeps_its_digits_into_the_subnormals():
    x = np.array(sorted(ERFC_TAIL))
    want = np.array([ERFC_TAIL[v] for v in x])
    got = cr(chainrule.erfc, x)
    normal = want > 2.3e-308
    assert_ulps(got[normal], want[normal], 4, x[normal])
    # subnormal: exact to the last (coarse) bit
    assert np.all(np.abs(got[~normal] - want[~normal]) <= 1e-323)
    assert cr(chainrule.erfc, [28.0, np.inf])[0] == 0.0


mpmath = pytest.importorskip("mpmath")


def _mp(fn, xs, dps=40):
    with mpmath.workdps(dps):
        return np.array([float(fn(mpmath.mpf(float(v)))) for v in xs])


def test_erf_family_matches_mpmath_in_the_centre():
    # SciPy's erfc is off by up to ~20 ulp here (it rounds x*x); torch's ndtr by far more
    x = np.linspace(-6, 6, 241)
    for ours, ref in ((chainrule.erf, mpmath.erf), (chainrule.erfc, mpmath.erfc),
                      (chainrule.special.erfcx, lambda v: mpmath.exp(v * v) * mpmath.erfc(v)),
                      (chainrule.special.ndtr, mpmath.ncdf),
                      (chainrule.special.log_ndtr, lambda v: mpmath.log(mpmath.ncdf(v)))):
        assert_ulps(cr(ours, x), _mp(ref, x), 5, x)


def test_ndtr_is_accurate_in_both_tails():
    x = np.concatenate([np.linspace(-38.4, -5, 60), np.linspace(-5, 8, 40)])
    assert_ulps(cr(chainrule.special.ndtr, x), _mp(mpmath.ncdf, x), 6, x)


def test_log_ndtr_does_not_underflow_far_in_the_lower_tail():
    x = np.array([-40.0, -100.0, -1e3, -1e5, -1e10, -1e150])
    got = cr(chainrule.special.log_ndtr, x)
    assert np.all(np.isfinite(got))
    want = _mp(lambda v: mpmath.log(mpmath.ncdf(v)), x[:3], dps=60)
    assert_ulps(got[:3], want, 6, x[:3])
    # the asymptotic series below -1e5: -x^2/2 - log(-x sqrt(2 pi)) - 1/x^2 + ...
    big = x[3:]
    asym = -0.5 * big * big - np.log(-big * np.sqrt(2 * np.pi)) - 1 / (big * big)
    np.testing.assert_allclose(got[3:], asym, rtol=4e-16)
    assert cr(chainrule.special.log_ndtr, [40.0])[0] == pytest.approx(-3.655893540915e-350,
                                                                      abs=1e-320)


def test_log_ndtr_upper_tail_keeps_relative_accuracy():
    x = np.linspace(5, 37, 33)
    want = _mp(lambda v: mpmath.log1p(-mpmath.ncdf(-v)), x, dps=60)
    assert_ulps(cr(chainrule.special.log_ndtr, x), want, 6, x)


def test_erfcx_for_large_and_negative_arguments():
    x = np.array([-26.0, -10.0, -1.0, 5.0, 30.0, 1e5, 1e10])
    want = _mp(lambda v: mpmath.exp(v * v) * mpmath.erfc(v), x, dps=60)
    assert_ulps(cr(chainrule.special.erfcx, x), want, 5, x)
    huge = np.array([1e300, 1e308])
    np.testing.assert_allclose(cr(chainrule.special.erfcx, huge), 1 / (huge * np.sqrt(np.pi)),
                               rtol=1e-15)
    assert np.isinf(cr(chainrule.special.erfcx, [-27.0])[0])


def test_erfinv_and_ndtri_in_the_tails():
    y = 1 - np.array([1e-16, 1e-12, 1e-6, 1e-3, 0.1])
    want = _mp(mpmath.erfinv, y, dps=60)
    assert_ulps(cr(chainrule.erfinv, y), want, 4, y)
    tiny = np.array([1e-300, 1e-100, 1e-30])
    assert_ulps(cr(chainrule.erfinv, tiny), tiny * np.sqrt(np.pi) / 2, 2, tiny)
    p = np.array([5e-324, 1e-310, 1e-300, 1e-100, 1e-10, 0.01])
    want = _mp(lambda v: -mpmath.sqrt(2) * mpmath.erfinv(1 - 2 * v), p, dps=400)
    assert_ulps(cr(chainrule.special.ndtri, p), want, 4, p)


def test_round_trips():
    x = np.linspace(-37, 0.5, 2001)  # above, ndtr(x) rounds near 1 and the trip loses digits
    back = cr(chainrule.special.ndtri, cr(chainrule.special.ndtr, x))
    np.testing.assert_allclose(back, x, rtol=1e-13, atol=1e-13)
    y = np.linspace(-0.999, 0.999, 2001)
    np.testing.assert_allclose(cr(chainrule.erf, cr(chainrule.erfinv, y)), y, rtol=4e-16,
                               atol=2e-16)


def test_lgamma_zeros_and_large_arguments():
    assert np.all(cr(chainrule.lgamma, [1.0, 2.0]) == 0.0)
    x = np.array([1 + 1e-10, 2 - 1e-10, 1e5, 1e10, 1e300])
    want = _mp(lambda v: mpmath.re(mpmath.loggamma(v)), x)
    assert_ulps(cr(chainrule.lgamma, x), want, 4, x)


# ---------------------------------------------------------------------------- special values
SPECIAL_VALUES = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, -2.0, 0.5, -0.5,
                           1e-310, -1e-310, 1e308, -1e308])
FUNCS = [("erf", "erf"), ("erfc", "erfc"), ("erfinv", "erfinv"), ("lgamma", "lgamma"),
         ("digamma", "digamma"), ("special.erfcx", "special.erfcx"),
         ("special.ndtr", "special.ndtr"), ("special.log_ndtr", "special.log_ndtr"),
         ("special.ndtri", "special.ndtri"), ("special.entr", "special.entr"),
         ("special.i0e", "special.i0e"), ("special.i1", "special.i1")]


def _get(mod, path):
    for part in path.split("."):
        mod = getattr(mod, part)
    return mod


@pytest.mark.parametrize("name", [f for f, _ in FUNCS])
def test_nan_inf_and_signed_zero_handling_matches_torch(name):
    got, want = cr(_get(chainrule, name), SPECIAL_VALUES), th(_get(torch, name), SPECIAL_VALUES)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    finite = ~np.isnan(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-14, atol=0)
    zero = want == 0
    np.testing.assert_array_equal(np.signbit(got[zero]), np.signbit(want[zero]))


@pytest.mark.parametrize("name", ["erf", "erfc", "erfinv", "lgamma", "digamma",
                                  "special.ndtr", "special.log_ndtr", "special.erfcx",
                                  "special.ndtri"])
def test_float32_is_the_float64_result_rounded_once(name):
    x = np.linspace(-0.99, 0.99, 999) if "inv" in name or "ndtri" in name else \
        np.linspace(-5, 5, 999)
    if "ndtri" in name:
        x = (x + 1) / 2
    fn = _get(chainrule, name)
    x32 = x.astype(np.float32)
    got = fn(chainrule.tensor(x32)).numpy()
    assert got.dtype == np.float32
    want = cr(fn, x32.astype(np.float64)).astype(np.float32)
    np.testing.assert_array_equal(got, want)
