"""chainrule._printing.format_tensor must reproduce torch's repr(tensor) exactly.

Every expected string is produced by torch itself (the oracle) at test time.
"""

import contextlib
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from chainrule import _printing
from chainrule._printing import format_tensor

NAN, INF = float("nan"), float("inf")


def _dtype_name(t):
    return str(t.dtype).removeprefix("torch.")


def _mine(t, **kw):
    """format_tensor over the NumPy copy of a torch tensor (its autograd state too)."""
    grad_fn = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    return format_tensor(
        t.detach().numpy().copy(),
        _dtype_name(t),
        requires_grad=t.requires_grad,
        grad_fn_name=grad_fn,
        **kw,
    )


def check(arr, requires_grad=False):
    arr = np.asarray(arr)
    t = torch.from_numpy(arr.copy())
    if requires_grad:
        t.requires_grad_(True)
    expected = repr(t)
    assert _mine(t) == expected
    assert str(t) == expected  # str and repr agree in torch, so one function serves both


@contextlib.contextmanager
def both_printoptions(**kwargs):
    """Apply the same print options to torch and to chainrule, restoring both after."""
    with torch._tensor_str.printoptions(**kwargs), _printing.printoptions(**kwargs):
        assert _printing.get_printoptions() == torch._tensor_str.get_printoptions()
        yield


@pytest.fixture(autouse=True)
def _reset_printoptions():
    yield
    torch.set_printoptions(profile="default")
    _printing.set_printoptions(profile="default")


rng = np.random.default_rng(0)

CASES = {
    # 0-d
    "0d_float": np.array(2.5, dtype=np.float32),
    "0d_int": np.array(-7, dtype=np.int64),
    "0d_bool": np.array(True),
    "0d_double": np.array(1e-9, dtype=np.float64),
    "0d_nan": np.array(NAN, dtype=np.float32),
    "0d_negzero": np.array(-0.0, dtype=np.float32),
    "0d_complex": np.array(1.5 - 2j, dtype=np.complex64),
    "0d_int8": np.array(-3, dtype=np.int8),
    # 1-d
    "1d_float": np.array([1.5, -2.25, 3.0], dtype=np.float32),
    "1d_intvalued_float": np.array([1.0, -2.0, 300.0], dtype=np.float32),
    "1d_zeros": np.zeros(5, dtype=np.float32),
    "1d_int": np.array([1, -20, 300], dtype=np.int64),
    "1d_int_large": np.array([2**62, -(2**63), 5], dtype=np.int64),
    "1d_int32": np.array([1, 2, 3], dtype=np.int32),
    "1d_int16": np.array([-32768, 7], dtype=np.int16),
    "1d_int8": np.array([-128, 127], dtype=np.int8),
    "1d_uint8": np.array([0, 255, 9], dtype=np.uint8),
    "1d_bool": np.array([True, False, True]),
    "1d_float64": np.array([0.1, 0.2, 1 / 3]),
    "1d_float16": np.array([0.1, 65504.0, -3.5], dtype=np.float16),
    "1d_float16_small": np.array([0.000123, 1.0], dtype=np.float16),
    "1d_float16_ints": np.array([1.0, 2.0, -2048.0], dtype=np.float16),
    "1d_complex64": np.array([1 + 2j, -3.5 - 0.25j, 0j], dtype=np.complex64),
    "1d_complex128": np.array([1e-8 + 2j, 3 - 1e6j], dtype=np.complex128),
    "1d_complex_nan": np.array([complex(NAN, 1), complex(1, INF), -0.0j], dtype=np.complex64),
    "1d_complex_negzero_imag": np.array([complex(1, -0.0), 2 + 0j], dtype=np.complex128),
    "sci_small": np.array([1e-8, 1.0, 2.0], dtype=np.float32),
    "sci_large": np.array([1e8, 1.0], dtype=np.float32),
    "sci_huge": np.array([1.5e9], dtype=np.float64),
    "sci_ratio": np.array([0.01, 100.0], dtype=np.float32),
    "sci_ratio_just_below": np.array([0.1, 100.0], dtype=np.float32),
    "sci_extremes": np.array([1e-300, 1e300, -5.0], dtype=np.float64),
    "sci_intvalued": np.array([1e10, 1.0, -3.0], dtype=np.float64),
    "sci_mixed_sign": np.array([-1e-5, 3.25, 1e5, 0.0], dtype=np.float32),
    "tiny_subnormal": np.array([1e-45, 1.0], dtype=np.float32),
    "big_int_valued": np.array([123456789.0, 1.0], dtype=np.float64),
    "rounding": np.array([0.99995, 0.00015, 9.99995], dtype=np.float64),
    "rounding_f32": np.array([2.00005, 1.23456789], dtype=np.float32),
    "nan_inf_mix": np.array([NAN, INF, -INF, 1.5, -2.0], dtype=np.float32),
    "nan_inf_int_mode": np.array([NAN, INF, -INF, 1.0, 100.0], dtype=np.float32),
    "nan_inf_sci": np.array([NAN, -INF, 1e-7, 1.0], dtype=np.float64),
    "all_nan": np.full(4, NAN, dtype=np.float32),
    "all_inf": np.array([INF, -INF], dtype=np.float64),
    "neg_zero": np.array([-0.0, 0.0, 1.0], dtype=np.float32),
    "neg_zero_frac": np.array([-0.0, 0.5], dtype=np.float32),
    "neg_zero_sci": np.array([-0.0, 1e-9], dtype=np.float32),
    "neg_small_rounds_to_zero": np.array([-1e-5, 1.0, 12.0], dtype=np.float32),
    # n-d
    "2d_float": rng.standard_normal((3, 4)).astype(np.float32),
    "2d_int": rng.integers(-1000, 1000, (4, 3)),
    "2d_bool": rng.random((2, 3)) > 0.5,
    "2d_one_row": np.array([[1.0, 2.5]], dtype=np.float32),
    "2d_complex": (rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))).astype(
        np.complex64
    ),
    "3d_float": rng.standard_normal((2, 3, 4)),
    "3d_int": np.arange(24, dtype=np.int32).reshape(2, 3, 4),
    "4d_float": rng.standard_normal((2, 2, 2, 3)).astype(np.float32),
    "5d_ones": np.ones((1, 2, 1, 2, 1), dtype=np.float32),
    # empty
    "empty_1d": np.zeros((0,), dtype=np.float32),
    "empty_1d_int": np.zeros((0,), dtype=np.int64),
    "empty_1d_double": np.zeros((0,), dtype=np.float64),
    "empty_1d_bool": np.zeros((0,), dtype=bool),
    "empty_1d_complex": np.zeros((0,), dtype=np.complex64),
    "empty_2d": np.zeros((0, 3), dtype=np.float32),
    "empty_2d_int": np.zeros((3, 0), dtype=np.int32),
    "empty_3d": np.zeros((2, 0, 4), dtype=np.float32),
    "empty_3d_uint8": np.zeros((2, 0, 4), dtype=np.uint8),
    # summarised
    "big_1d": np.arange(2000, dtype=np.float32) / 7,
    "big_1d_int": np.arange(2000, dtype=np.int64) * 1000,
    "big_2d": rng.standard_normal((100, 100)).astype(np.float32),
    "big_2d_wide": rng.standard_normal((3, 400)),
    "big_2d_tall": rng.integers(0, 10, (400, 3)),
    "big_3d": rng.standard_normal((10, 20, 30)).astype(np.float32),
    "big_bool": rng.random((40, 40)) > 0.5,
    "big_complex": (rng.standard_normal(1500) + 1j).astype(np.complex64),
    # the summary alone drives the formatter: the hidden middle is huge
    "big_hidden_middle": np.concatenate([np.ones(3), np.full(1000, 1e12), np.full(3, 0.5)]).astype(
        np.float32
    ),
    "big_nan_edges": np.concatenate([[NAN] * 3, np.arange(1000.0), [INF] * 3]),
    # wrapping
    "wide_row": rng.standard_normal(40).astype(np.float32) * 100,
    "wide_row_sci": rng.standard_normal(30) * 1e6,
    "wide_int": np.arange(-50, 50, dtype=np.int64) * 123456,
    "wide_2d": rng.standard_normal((3, 25)).astype(np.float32),
    "wide_3d": rng.standard_normal((2, 2, 15)),
    "wide_complex": (rng.standard_normal(20) - 1j * rng.standard_normal(20)).astype(np.complex128),
    "linspace_like": np.linspace(0, 2 * math.pi, 25).astype(np.float32),
    "sin_like": np.sin(np.linspace(0, 2 * math.pi, 25).astype(np.float32)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    check(CASES[name])


@pytest.mark.parametrize(
    "name",
    [
        "0d_float",
        "1d_float",
        "1d_float64",
        "1d_float16",
        "wide_row",
        "big_2d",
        "empty_2d",
        "empty_1d_double",
        "1d_complex64",
        "sin_like",
    ],
)
def test_requires_grad_suffix(name):
    check(CASES[name], requires_grad=True)


def test_tutorial_linspace_and_sin():
    x = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    y = torch.sin(x)
    assert _mine(x) == repr(x)
    assert _mine(y) == repr(y)
    assert "grad_fn=<SinBackward0>" in _mine(y)
    assert "requires_grad=True" in _mine(x)


GRAD_OPS = {
    "sin": lambda t: t.sin(),
    "add": lambda t: t + 1,
    "mul": lambda t: t * t,
    "sum": lambda t: t.sum(),
    "mean": lambda t: t.mean(),
    "view": lambda t: t.reshape(-1),
    "exp": lambda t: (t * 30).exp(),
    "matmul": lambda t: t @ t.T,
}


@pytest.mark.parametrize("op", list(GRAD_OPS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_grad_fn_suffix(op, dtype):
    x = torch.from_numpy(rng.standard_normal((3, 5))).to(dtype).requires_grad_(True)
    if op == "matmul" and dtype == torch.float16:
        x = x.float().requires_grad_(True)
    y = GRAD_OPS[op](x)
    assert y.grad_fn is not None
    assert _mine(y) == repr(y)


def test_grad_fn_takes_precedence_over_requires_grad():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    mine = format_tensor(
        y.detach().numpy(), "float32", requires_grad=True, grad_fn_name=type(y.grad_fn).__name__
    )
    assert mine == repr(y)
    assert "requires_grad" not in mine


@pytest.mark.parametrize(
    "name", ["0d_float", "1d_float", "2d_float", "big_2d", "1d_float64", "empty_2d"]
)
@pytest.mark.parametrize("requires_grad", [True, False])
def test_parameter_repr(name, requires_grad):
    p = torch.nn.Parameter(torch.from_numpy(CASES[name].copy()), requires_grad=requires_grad)
    expected = repr(p)
    assert expected.startswith("Parameter containing:\n")
    assert _mine(p, is_parameter=True) == expected


def test_device_suffix(monkeypatch):
    # torch shows the device when it differs from the default device; pretend the
    # default is CUDA so that CPU tensors carry a device suffix.
    monkeypatch.setattr(torch._C, "_get_default_device", lambda: "cuda")
    for arr, rg in [
        (CASES["1d_float"], True),
        (CASES["1d_float64"], False),
        (CASES["wide_row"], True),
        (CASES["empty_3d"], False),
    ]:
        t = torch.from_numpy(arr.copy()).requires_grad_(rg)
        expected = repr(t)
        assert "device='cpu'" in expected
        assert _mine(t, device_suffix="cpu") == expected
        assert _mine(t, device_suffix="device='cpu'") == expected


def test_dtype_aliases():
    arr = np.array([1.0, 2.5])
    assert format_tensor(arr, "double") == repr(torch.from_numpy(arr))
    assert format_tensor(arr, "half") == repr(torch.from_numpy(arr).half())
    ints = np.array([3, 4], dtype=np.int64)
    assert format_tensor(ints, "long") == repr(torch.from_numpy(ints))
    assert format_tensor(ints, "int") == repr(torch.from_numpy(ints).int())


def test_data_is_cast_to_named_dtype():
    # float64 data named float32 prints like the float32 tensor it stands for
    arr = np.array([0.1, 1e-8 / 3])
    assert format_tensor(arr, "float32") == repr(torch.from_numpy(arr).float())


OPTION_SETS = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8},
    {"sci_mode": False},
    {"sci_mode": True},
    {"precision": 2, "sci_mode": True},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"edgeitems": 1},
    {"threshold": 10, "edgeitems": 0},
    {"edgeitems": 0},
    {"linewidth": 40},
    {"linewidth": 5},
    {"linewidth": 200},
    {"profile": "full"},
    {"profile": "short"},
    {"profile": "short", "precision": 6},
    {"profile": "full", "linewidth": 120},
]

OPTION_CASES = [
    "0d_float",
    "1d_float",
    "1d_int",
    "1d_bool",
    "1d_float64",
    "1d_complex64",
    "sci_small",
    "sci_huge",
    "nan_inf_mix",
    "neg_zero",
    "2d_float",
    "3d_int",
    "big_2d_wide",
    "wide_row",
    "wide_int",
    "empty_2d",
    "sin_like",
    "big_hidden_middle",
    "rounding",
]


@pytest.mark.parametrize(
    "opts", OPTION_SETS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items())
)
def test_printoptions(opts):
    with both_printoptions(**opts):
        for name in OPTION_CASES:
            check(CASES[name])
        check(CASES["1d_float"], requires_grad=True)
        check(CASES["sin_like"], requires_grad=True)


def test_set_printoptions_semantics():
    assert _printing.get_printoptions() == torch._tensor_str.get_printoptions()
    assert _printing.get_printoptions() == {
        "precision": 4,
        "threshold": 1000,
        "edgeitems": 3,
        "linewidth": 80,
        "sci_mode": None,
    }
    steps = [
        {"profile": "full"},
        {"precision": 3, "sci_mode": True},
        {"linewidth": 60},
        {"profile": "short", "edgeitems": 5},
        {"profile": "bogus"},
        {"profile": "default"},
    ]
    for step in steps:
        torch.set_printoptions(**step)
        _printing.set_printoptions(**step)
        assert _printing.get_printoptions() == torch._tensor_str.get_printoptions()
        check(CASES["big_2d_wide"])


def test_printoptions_context_restores():
    _printing.set_printoptions(precision=6, sci_mode=False)
    before = _printing.get_printoptions()
    with _printing.printoptions(precision=1, threshold=3):
        assert _printing.get_printoptions()["precision"] == 1
        assert _printing.get_printoptions()["sci_mode"] is None
    assert _printing.get_printoptions() == before
    with pytest.raises(RuntimeError), _printing.printoptions(edgeitems=1):
        raise RuntimeError
    assert _printing.get_printoptions() == before


# ---- property tests ---------------------------------------------------------

_FLOAT_DTYPES = [np.float16, np.float32, np.float64]
_INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.bool_]
_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6)


@st.composite
def _float_arrays(draw):
    dtype = np.dtype(draw(st.sampled_from(_FLOAT_DTYPES)))
    width = dtype.itemsize * 8
    # a scale exponent makes every magnitude (and sci_mode's borderlines) likely
    scale = draw(st.sampled_from([1.0, 1e-8, 1e-4, 1e-3, 1e3, 1e4, 1e8, 1e9]))
    elements = st.one_of(
        st.floats(width=width, allow_nan=True, allow_infinity=True),
        st.floats(-10, 10, width=width).map(lambda v: v * scale),
        st.integers(-1000, 1000).map(float),
        st.sampled_from([0.0, -0.0]),
    )
    arr = draw(hnp.arrays(np.float64, _shapes, elements=elements))
    with np.errstate(over="ignore"):
        return arr.astype(dtype)


@st.composite
def _int_arrays(draw):
    dtype = draw(st.sampled_from(_INT_DTYPES))
    return draw(hnp.arrays(dtype, _shapes))


@st.composite
def _complex_arrays(draw):
    dtype = draw(st.sampled_from([np.complex64, np.complex128]))
    parts = draw(_float_arrays())
    imag = draw(hnp.arrays(np.float64, parts.shape, elements=st.floats(-1e5, 1e5)))
    with np.errstate(over="ignore"):
        return (parts.astype(np.float64) + 1j * imag).astype(dtype)


_arrays = st.one_of(_float_arrays(), _int_arrays(), _complex_arrays())


@settings(max_examples=300, deadline=None)
@given(arr=_arrays, requires_grad=st.booleans())
def test_property_random_arrays(arr, requires_grad):
    check(arr, requires_grad=requires_grad and arr.dtype.kind in "fc")


@settings(max_examples=200, deadline=None)
@given(
    arr=_arrays,
    precision=st.integers(0, 8),
    sci_mode=st.sampled_from([None, True, False]),
    threshold=st.integers(1, 50),
    edgeitems=st.integers(0, 4),
    linewidth=st.integers(10, 120),
)
def test_property_random_printoptions(arr, precision, sci_mode, threshold, edgeitems, linewidth):
    opts = {
        "precision": precision,
        "sci_mode": sci_mode,
        "threshold": threshold,
        "edgeitems": edgeitems,
        "linewidth": linewidth,
    }
    with both_printoptions(**opts):
        check(arr)
