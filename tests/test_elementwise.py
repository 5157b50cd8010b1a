"""Hand-written checks of ops/elementwise.py and complex_ops.py against torch: errors (class
and message), out=, in-place forms, dtype rules, complex values, and a broadcasting
property over the binary ops."""
import warnings

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def both(fn):
    """fn(torch) and fn(chainrule): both results, or both exceptions."""
    out = []
    for m in (torch, cr):
        try:
            out.append(fn(m))
        except Exception as exc:  # noqa: BLE001 - the exception is what we compare
            out.append(exc)
    return out


def same_error(fn, exact=True):
    """fn raises the same exception class (and message) in torch and chainrule."""
    t, c = both(fn)
    assert isinstance(t, Exception), f"torch does not raise: {t!r}"
    assert isinstance(c, Exception), f"chainrule does not raise, gives {c!r}; torch: {t!r}"
    assert type(c).__name__ == type(t).__name__, f"{c!r} vs torch {t!r}"
    if exact:
        assert str(c).strip() == str(t).strip()
    return c


def same_tensor(fn, atol=1e-6):
    t, c = both(fn)
    for a in (t, c):
        if isinstance(a, Exception):
            raise a
    t, c = (t, c) if isinstance(t, tuple) else ((t,), (c,))
    for x, y in zip(t, c):
        assert str(y.dtype) == str(x.dtype) and tuple(y.shape) == tuple(x.shape)
        np.testing.assert_allclose(np.asarray(y.detach().numpy()), x.detach().numpy(),
                                   atol=atol, equal_nan=True)


F32 = [0.5, 0.25, -0.5]
INTS = [1, 2, -3]


# ---------------------------------------------------------------------------- dtype errors
@pytest.mark.parametrize("expr", [
    lambda m: m.frac(m.tensor(INTS)),
    lambda m: m.frac(m.tensor([True])),
    lambda m: m.hypot(m.tensor(INTS), m.tensor(INTS)),
    lambda m: m.logaddexp(m.tensor(INTS), m.tensor(INTS)),
    lambda m: m.logaddexp2(m.tensor([True]), m.tensor([True])),
    lambda m: m.nextafter(m.tensor(INTS), m.tensor(INTS)),
    lambda m: m.gcd(m.tensor(F32), m.tensor(F32)),
    lambda m: m.lcm(m.tensor([True]), m.tensor([True])),
    lambda m: m.bitwise_left_shift(m.tensor(F32), 1),
    lambda m: m.tensor(INTS) << 1.5,
    lambda m: 1.5 >> m.tensor(INTS),
    lambda m: m.tensor([True]) >> m.tensor([True]),
    lambda m: m.fix(m.tensor([True])),
    lambda m: m.lerp(m.tensor(INTS), m.tensor(INTS), 0.5),
    lambda m: m.lerp(m.tensor(INTS), m.tensor(INTS), m.tensor(INTS)),
    lambda m: m.addcmul(m.tensor([True]), m.tensor([True]), m.tensor([True])),
])
def test_unsupported_dtypes_raise_torchs_not_implemented_error(expr):
    same_error(expr)


@pytest.mark.parametrize("expr", [
    lambda m: m.hypot(m.tensor(F32), 2),
    lambda m: m.fmax(2.0, m.tensor(F32)),
    lambda m: m.nextafter(m.tensor(F32), 1.0),
    lambda m: m.ldexp(m.tensor(F32), 2),
    lambda m: m.heaviside(m.tensor(F32), 0.5),
    lambda m: m.gcd(m.tensor(INTS), 2),
    lambda m: m.addcmul(m.tensor(F32), 2, m.tensor(F32)),
    lambda m: m.addcdiv(1.0, m.tensor(F32), m.tensor(F32)),
])
def test_numbers_where_torch_wants_tensors_raise_its_type_error(expr):
    same_error(expr)


@pytest.mark.parametrize("expr", [
    lambda m: m.heaviside(m.tensor(F32), m.tensor(F32, dtype=m.float64)),
    lambda m: m.lerp(m.tensor(F32), m.tensor(F32, dtype=m.float64), 0.5),
    lambda m: m.lerp(m.tensor(F32), m.tensor(F32), m.tensor(F32, dtype=m.float64)),
    lambda m: m.lerp(m.tensor(INTS), m.tensor(F32), 0.5),
    lambda m: m.addcdiv(m.tensor(F32), m.tensor(INTS), m.tensor(INTS)),
    lambda m: m.positive(m.tensor([True])),
    lambda m: +m.tensor([True]),
    lambda m: m.frexp(m.tensor(INTS)),
    lambda m: m.tensor(F32).float_power_(2),
    lambda m: m.float_power(m.tensor(F32), 2, out=m.empty(3)),
    lambda m: m.imag(m.tensor(F32)),
    lambda m: m.complex(m.tensor(INTS), m.tensor(INTS)),
    lambda m: m.complex(m.tensor(F32), m.tensor(F32, dtype=m.float64)),
    lambda m: m.polar(m.tensor(INTS), m.tensor(F32)),
    lambda m: m.view_as_complex(m.tensor([[1.0, 2.0, 3.0]])),
    lambda m: m.view_as_complex(m.tensor([[1, 2]])),
    lambda m: m.view_as_real(m.conj(m.tensor([1 + 2j]))),
])
def test_bad_arguments_raise_torchs_runtime_error(expr):
    same_error(expr)


def test_view_as_real_of_a_real_tensor_raises():
    same_error(lambda m: m.view_as_real(m.tensor(F32)), exact=False)
    same_error(lambda m: m.view_as_complex(m.tensor([[1.0, 2.0], [3.0, 4.0]]).t()),
               exact=False)


# ---------------------------------------------------------------------------- backward errors
@pytest.mark.parametrize("name", ["asinh_", "acosh_", "atanh_"])
def test_in_place_inverse_hyperbolics_have_no_derivative_as_in_torch(name):
    def run(m):
        x = m.tensor([1.5, 2.0], requires_grad=True)
        y = x * 1
        getattr(y, name)()
        assert y.grad_fn.name() == {"asinh_": "AsinhBackward1", "acosh_": "AcoshBackward1",
                                    "atanh_": "AtanhBackward1"}[name]
        y.sum().backward()
    same_error(run)


def test_heaviside_backward_raises_torchs_error():
    def run(m, inplace=False):
        x = m.tensor([-1.0, 0.0, 2.0], requires_grad=True)
        v = m.tensor([0.5])
        y = (x * 1).heaviside_(v) if inplace else m.heaviside(x, v)
        assert y.grad_fn.name() == "torch::autograd::NotImplemented"
        y.sum().backward()
    same_error(run)
    same_error(lambda m: run(m, True))


# ---------------------------------------------------------------------------- out=
def test_out_writes_casts_and_returns_out():
    def run(m):
        out = m.empty(3, dtype=m.float64)
        r = m.hypot(m.tensor([3.0, 5.0, 1.0]), m.tensor([4.0, 12.0, 0.0]), out=out)
        assert r is out
        return out
    same_tensor(run)
    same_tensor(lambda m: m.asinh(m.tensor(F32), out=m.empty(3)))
    same_tensor(lambda m: m.frexp(m.tensor(F32), out=(m.empty(3), m.empty(3, dtype=m.int32))))


def test_out_refuses_a_lossy_cast_and_autograd():
    same_error(lambda m: m.asinh(m.tensor(F32), out=m.empty(3, dtype=m.int64)))
    same_error(lambda m: m.hypot(m.tensor(F32, requires_grad=True), m.tensor(F32),
                                 out=m.empty(3)))


def test_out_of_the_wrong_shape_is_resized_with_torchs_warning():
    msgs = []
    for m in (torch, cr):
        out = m.empty(2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.sinc(m.tensor(F32), out=out)
        assert out.shape == (3,)
        msgs.append([str(w.message) for w in caught])
    assert len(msgs[1]) == 1 and msgs[0][0].startswith(msgs[1][0])  # torch adds "(Triggered..."
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = cr.empty(0)
        cr.sinc(cr.tensor(F32), out=out)  # an empty out is resized silently
        assert out.shape == (3,)


def test_out_bumps_the_version_counter():
    out = cr.zeros(3)
    v = out._version
    cr.deg2rad(cr.tensor(F32), out=out)
    assert out._version == v + 1


# ---------------------------------------------------------------------------- in place
@pytest.mark.parametrize("expr", [
    lambda m: m.tensor(F32).deg2rad_(),
    lambda m: m.tensor(F32).sinc_(),
    lambda m: m.tensor([0.2, 0.7]).logit_(0.25),
    lambda m: m.tensor([float("nan"), float("inf")]).nan_to_num_(),
    lambda m: m.tensor(F32).copysign_(-1.0),
    lambda m: m.tensor(F32).lerp_(m.tensor([1.0, 2.0, 3.0]), 0.5),
    lambda m: m.tensor(F32).addcdiv_(m.tensor(F32), m.tensor([2.0, 4.0, 8.0]), value=2),
    lambda m: m.tensor(F32, dtype=m.float64).float_power_(m.tensor([2.0, 3.0, 0.5],
                                                                   dtype=m.float64)),
    lambda m: m.tensor(INTS).gcd_(m.tensor([4, 6, 9])),
    lambda m: m.tensor(F32).heaviside_(m.tensor([1.0])),
    lambda m: m.fix_(m.tensor([-1.5, 2.5])),
    lambda m: m.ldexp_(m.tensor(F32), m.tensor([1, 2, 3])),
])
def test_in_place_forms_write_into_self(expr):
    same_tensor(expr)


@pytest.mark.parametrize("name", ["atan2", "arctan2", "fmod", "eq", "ne", "lt", "le", "gt", "ge",
                                  "greater", "greater_equal", "less", "less_equal", "not_equal",
                                  "logical_and", "logical_or", "logical_xor", "true_divide"])
def test_in_place_forms_of_the_older_binary_ops(name):
    same_tensor(lambda m: getattr(m.tensor([0.5, -2.0, 3.0]), name + "_")(
        m.tensor([0.5, 1.0, -1.5])))


@pytest.mark.parametrize("name", ["bitwise_and", "bitwise_or", "bitwise_xor"])
def test_in_place_bitwise_forms(name):
    same_tensor(lambda m: getattr(m.tensor([5, -2, 12]), name + "_")(m.tensor([3, 7, -1])))
    same_tensor(lambda m: m.tensor([5, -2, 12]).bitwise_not_())
    same_tensor(lambda m: m.tensor([0.0, 1.5]).logical_not_())


def test_in_place_shift_operators():
    def run(m):
        a = m.tensor([1, -8, 5])
        a <<= m.tensor([1, 2, 3])
        a >>= 1
        return a
    same_tensor(run)


def test_in_place_float_result_into_an_int_tensor_is_refused():
    same_error(lambda m: m.tensor(INTS).deg2rad_())


# ---------------------------------------------------------------------------- values
@pytest.mark.parametrize("expr", [
    lambda m: m.nan_to_num(m.tensor([float("nan"), float("inf"), -float("inf"), 1.0],
                                    dtype=m.float16), nan=2.0, posinf=1e10),
    lambda m: m.nan_to_num(m.tensor(INTS)),
    lambda m: m.sinc(m.tensor([0.0, 1.0, 0.5, 1e-20, float("inf")], dtype=m.float64)),
    lambda m: m.sgn(m.tensor([-0.0, 0.0, float("nan"), -2.0])),
    lambda m: m.signbit(m.tensor([-0.0, 0.0, float("nan"), -float("nan"), -2.0])),
    lambda m: m.heaviside(m.tensor([-1.0, 0.0, 2.0, float("nan")]), m.tensor([0.5])),
    lambda m: m.frac(m.tensor([-1.5, 2.25, float("inf"), -0.0])),
    lambda m: m.fmax(m.tensor([float("nan"), 1.0, float("nan")]),
                     m.tensor([2.0, float("nan"), float("nan")])),
    lambda m: m.copysign(m.tensor([1.0, 2.0]), m.tensor([-0.0, float("-nan")])),
    lambda m: m.lerp(m.tensor([1e8]), m.tensor([1.0]), 0.9),
    lambda m: m.hypot(m.tensor([1e200, 3.0], dtype=m.float64),
                      m.tensor([1e200, 4.0], dtype=m.float64)),
    lambda m: m.logaddexp(m.tensor([1e3, -1e3]), m.tensor([1e3, -1e3])),
    lambda m: m.nextafter(m.tensor([0.0, 1.0], dtype=m.float64),
                          m.tensor([-1.0, 2.0], dtype=m.float64)),
    lambda m: m.gcd(m.tensor([0, -4, 6]), m.tensor([0, 6, -9])),
    lambda m: m.lcm(m.tensor([0, -4, 6], dtype=m.int32), m.tensor([0, 6, -9], dtype=m.int32)),
    lambda m: m.float_power(m.tensor([1 + 1j]), 2),
    lambda m: m.float_power(m.tensor(INTS), m.tensor(F32)),
    lambda m: m.ldexp(m.tensor(F32, dtype=m.float16), m.tensor(INTS)),
    lambda m: m.tensor([1, 2], dtype=m.uint8) << m.tensor(3),
    lambda m: m.tensor([True, False]) << 1,
    lambda m: m.addcmul(m.tensor(INTS), m.tensor(INTS), m.tensor(INTS), value=3),
])
def test_values_and_dtypes_match_torch(expr):
    same_tensor(expr)


def test_positive_returns_the_input_itself():
    x = cr.tensor(F32)
    assert cr.positive(x) is x and +x is x


def test_frexp_returns_torchs_named_tuple():
    t, c = both(lambda m: m.frexp(m.tensor([0.3, -6.0, 0.0], requires_grad=True)))
    assert repr(c).startswith("torch.return_types.frexp(\nmantissa=tensor(")
    assert c.exponent.dtype is cr.int32 and not c.exponent.requires_grad
    assert c.mantissa.grad_fn.name() == t.mantissa.grad_fn.name()
    m, e = c
    assert m is c.mantissa and e is c.exponent


# ---------------------------------------------------------------------------- complex
Z = [1 + 2j, -3j, 0j, -1.5 + 0.5j]


@pytest.mark.parametrize("expr", [
    lambda m: m.real(m.tensor(Z)), lambda m: m.imag(m.tensor(Z)),
    lambda m: m.tensor(Z).real, lambda m: m.tensor(Z, dtype=m.complex128).imag,
    lambda m: m.angle(m.tensor(Z)), lambda m: m.sgn(m.tensor(Z)),
    lambda m: m.conj(m.tensor(Z)).resolve_conj(), lambda m: m.conj_physical(m.tensor(Z)),
    lambda m: m.view_as_real(m.tensor(Z)), lambda m: m.isreal(m.tensor(Z)),
    lambda m: m.complex(m.tensor([1.0, 2.0]), m.tensor([0.5, -1.0])),
    lambda m: m.polar(m.tensor([1.0, 2.0]), m.tensor([0.5, 3.14159])),
    lambda m: m.angle(m.tensor([1, -2])), lambda m: m.tensor(Z).conj_physical_(),
])
def test_complex_values_match_torch(expr):
    same_tensor(expr, atol=1e-5)


def test_real_and_imag_are_views():
    z = cr.tensor([1 + 2j, -3j])
    cr.real(z)[0] = 5
    z.imag[1] = 7
    np.testing.assert_array_equal(z.numpy(), [5 + 2j, 7j])
    z.real = cr.tensor([0.0, 1.0])
    np.testing.assert_array_equal(z.numpy(), [2j, 1 + 7j])


def test_conj_carries_torchs_conjugate_bit():
    z = cr.tensor([1 + 2j])
    c = cr.conj(z)
    assert c.is_conj() and cr.is_conj(c) and not z.is_conj()
    assert not c.resolve_conj().is_conj() and not cr.conj(c).is_conj()
    x = cr.tensor(F32)
    assert cr.conj(x) is x and cr.real(x) is x and not cr.is_neg(x) and x.resolve_neg() is x


def test_complex_gradients_match_torch():
    def run(m):
        x = m.tensor([0.5, -1.2], requires_grad=True)
        y = m.tensor([0.3, 0.7], requires_grad=True)
        z = m.complex(x, y)
        out = m.view_as_real(m.sgn(z)).sum() + m.angle(z).sum() + z.imag.sum() * 2
        out.backward()
        return x.grad, y.grad
    same_tensor(run, atol=1e-6)


# ---------------------------------------------------------------------------- dtype sweep
DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64",
          "complex64"]
UNARY_NAMES = [
    "asinh", "acosh", "atanh", "deg2rad", "rad2deg", "frac", "sinc", "sgn", "logit",
    "nan_to_num", "fix", "positive", "signbit", "isposinf", "isneginf", "erf", "erfc",
    "erfinv", "lgamma", "digamma", "i0", "angle", "isreal", "conj", "conj_physical", "real",
    "frexp", "special.erfcx", "special.ndtr", "special.log_ndtr", "special.ndtri",
    "special.entr", "special.i0e", "special.i1", "special.i1e", "special.bessel_j0",
    "special.spherical_bessel_j0", "special.expit", "special.round", "special.gammaln"]
BINARY_NAMES = [
    "hypot", "logaddexp", "logaddexp2", "nextafter", "ldexp", "copysign", "fmax", "fmin",
    "heaviside", "gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift", "xlogy", "igamma",
    "igammac", "float_power", "special.xlog1py", "special.zeta",
    "special.chebyshev_polynomial_t", "special.hermite_polynomial_h"]


def _attr(m, path):
    for part in path.split("."):
        m = getattr(m, part)
    return m


def _result(fn):
    try:
        r = fn()
    except Exception as exc:  # noqa: BLE001 - the exception is what we compare
        return f"{type(exc).__name__}: {exc}"
    return str((r[0] if isinstance(r, tuple) else r).dtype)


@pytest.mark.parametrize("name", UNARY_NAMES)
def test_unary_dtype_rules_and_errors_match_torch_for_every_dtype(name):
    for dt in DTYPES:
        t, c = (_result(lambda: _attr(m, name)(m.tensor([0.5, 0.25, 1.0]).to(getattr(m, dt))))
                for m in (torch, cr))
        assert c == t, f"{name}({dt})"


@pytest.mark.parametrize("name", BINARY_NAMES)
def test_binary_dtype_rules_and_errors_match_torch_for_every_dtype_pair(name):
    for d1 in DTYPES:
        for d2 in DTYPES + [2, 2.5]:
            if (name, d1, d2) == ("ldexp", "complex64", "float16"):
                continue  # torch: '"pow" not implemented for 'ComplexHalf'' (no complex32 here)
            res = []
            for m in (torch, cr):
                x = m.tensor([0.5, 0.25, 1.0]).to(getattr(m, d1))
                y = d2 if not isinstance(d2, str) else m.tensor([1.0, 2.0, 3.0]).to(
                    getattr(m, d2))
                res.append(_result(lambda: _attr(m, name)(x, y)))
            assert res[1] == res[0], f"{name}({d1}, {d2})"


# ---------------------------------------------------------------------------- broadcasting
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

BINARY = {
    "hypot": lambda m, a, b: m.hypot(a, b), "logaddexp": lambda m, a, b: m.logaddexp(a, b),
    "logaddexp2": lambda m, a, b: m.logaddexp2(a, b), "copysign": lambda m, a, b: m.copysign(a, b),
    "fmax": lambda m, a, b: m.fmax(a, b), "fmin": lambda m, a, b: m.fmin(a, b),
    "xlogy": lambda m, a, b: m.xlogy(a, b.abs()), "ldexp": lambda m, a, b: m.ldexp(a, b),
    "lerp": lambda m, a, b: m.lerp(a, b, b.sigmoid()),
    "addcmul": lambda m, a, b: m.addcmul(a, b, a, value=0.5),
    "float_power": lambda m, a, b: m.float_power(a.abs(), b),
}


@settings(max_examples=25, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                max_side=3),
       name=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2 ** 16))
def test_binary_ops_broadcast_values_and_grads_like_torch(shapes, name, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    a = rng.uniform(0.5, 2.0, sa) * rng.choice([-1.0, 1.0], sa)
    b = rng.uniform(0.5, 2.0, sb) * rng.choice([-1.0, 1.0], sb)
    g = rng.standard_normal(out_shape)
    res = []
    for m in (torch, cr):
        x = m.tensor(a, dtype=m.float64, requires_grad=True)
        y = m.tensor(b, dtype=m.float64, requires_grad=True)
        out = BINARY[name](m, x, y)
        out.backward(m.tensor(g, dtype=m.float64))
        res.append((out, x.grad, y.grad))
    (to, tx, ty), (co, cx, cy) = res
    assert co.grad_fn.name() == to.grad_fn.name()
    for c, t in ((co, to), (cx, tx), (cy, ty)):
        assert tuple(c.shape) == tuple(t.shape) and str(c.dtype) == str(t.dtype)
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
