"""Factories' argument handling against torch: sizes (varargs, tuple, list, Size,
``size=``), dtype/device/layout/requires_grad/pin_memory, ``out=``, values and dtypes, and
torch's errors; the B18/B20/B40 findings of the differences list."""
import warnings

import numpy as np
import pytest
from expr_pairs import same

import chainrule as cr

SIZES = [
    "m.zeros(2, 3)", "m.zeros((2, 3))", "m.zeros([2, 3])", "m.zeros(m.Size([2, 3]))",
    "m.zeros(size=(2,))", "m.zeros(size=[2, 3])", "m.zeros(())", "m.ones([])",
    "m.ones(np.int64(2))", "m.ones(m.tensor(2))", "m.empty(2, 3).shape", "m.empty((2, 0))",
    "m.zeros(0)", "m.zeros(2, 0, 3)",
    # B40 and friends: torch's TypeErrors
    "m.ones(2.5)", "m.ones((2.5,))", "m.ones(True)", "m.ones(None)", "m.ones('2')",
    "m.ones(m.tensor(2.))", "m.ones((2,), (3,))", "m.ones(2, (3,))", "m.ones()",
    "m.zeros(2, size=(2,))", "m.zeros(-1)", "m.zeros(2, -3)", "m.zeros(2, names=None)",
    "m.ones(2, memory_format=m.preserve_format)",
]
OPTIONS = [
    "m.zeros(2, dtype=m.int64)", "m.zeros(2, dtype=float)", "m.zeros(2, dtype=int)",
    "m.zeros(2, dtype=bool)", "m.zeros(2, dtype=complex)", "m.zeros(2, dtype=np.float64)",
    "m.zeros(2, dtype='float32')", "m.ones(2, device='cpu')",
    "m.ones(2, device=m.device('cpu', 0))", "m.ones(2, device='cpu:0')",
    "m.ones(2, layout=m.strided)", "m.ones(2, pin_memory=False)",
    "m.ones(2, requires_grad=True)", "m.ones(2, dtype=m.int64, requires_grad=True)",
    "m.zeros(2, requires_grad=1)", "m.zeros(2, device='cuda')", "m.zeros(2, device='cuda:0')",
    "m.zeros(2, device=0)", "m.zeros(2, device='xpu')", "m.zeros(2, device='cpux')",
    "m.zeros(2, pin_memory=True)", "m.tensor([1.], pin_memory=True)",
    "m.empty(2, 3, memory_format=m.contiguous_format).shape",
    "m.empty(2, memory_format=m.preserve_format)", "m.empty(2, memory_format=m.channels_last)",
    "m.empty(1, 2, 3, 4, memory_format=m.channels_last).stride()",
    "m.empty(1, 2, 3, 4, 5, memory_format=m.channels_last_3d).stride()",
]
OUT = [
    "m.zeros(2, out=m.empty(3))", "m.zeros(2, 3, out=m.empty(6))",
    "m.zeros(2, out=m.empty(2, dtype=m.int64))",
    "m.zeros(2, dtype=m.float32, out=m.empty(2, dtype=m.int64))",
    "m.ones(2, out=m.empty(2, requires_grad=True))", "m.arange(3, out=m.empty(3))",
    "m.arange(3, out=m.empty(3, dtype=m.int32))", "m.full((2, 3), 1, out=m.empty(6))",
    "m.eye(2, out=m.empty(5))", "m.linspace(0, 1, 3, out=m.empty(3))",
]
FULL = [
    "m.full((2,), 1.5)", "m.full((2,), 1)", "m.full((2,), True)", "m.full((2,), 1j)",
    "m.full(2, 1.)", "m.full([2], 1.)", "m.full((2,), m.tensor(3.))", "m.full((2,), m.tensor(3))",
    "m.full((2,), m.tensor(True))", "m.full((2,), m.tensor([3.]))", "m.full((2,), None)",
    "m.full((2,), np.float64(1.5))", "m.full(size=(2,), fill_value=3)",
    "m.full((2,), 300, dtype=m.uint8)", "m.full((2,), 300., dtype=m.uint8)",
    "m.full((2,), -1, dtype=m.uint8)", "m.full((2,), 1.5, dtype=m.int64)",
    "m.full((2,), float('nan'), dtype=m.int64)", "m.full((2,), 1j, dtype=m.float32)",
    "m.full((2,), 2**63)", "m.full((), 2.)",
    "m.full_like(m.ones(2, dtype=m.int64), 1.5)", "m.full_like(m.ones(2), 2)",
    "m.full_like(m.zeros(2, dtype=m.uint8), 300)",
]
LIKE = [
    "m.zeros_like(m.ones(2), dtype=m.int64)", "m.zeros_like(m.ones(2, requires_grad=True))",
    "m.ones_like(m.ones(2), requires_grad=True)", "m.zeros_like([1])",
    "m.zeros_like(input=m.ones(2))", "m.empty_like(m.ones(2, 3)).shape",
    "m.ones_like(m.ones(2), device='cpu', layout=m.strided, pin_memory=False)",
    "m.zeros_like(m.zeros(3, 2).t()).stride()", "m.empty_like(m.zeros(3, 2).t()).stride()",
    "m.zeros_like(m.zeros(3, 2).t(), memory_format=m.contiguous_format).stride()",
    "m.zeros_like(m.zeros(1, 2, 3, 4), memory_format=m.channels_last).stride()",
    "m.zeros_like(m.zeros(4)[::2]).stride()", "m.zeros_like(m.zeros(1).expand(3)).stride()",
    "m.ones_like(m.ones(2), memory_format=m.preserve_format)",
]
RANGES = [
    "m.arange(5)", "m.arange(5, dtype=m.float32)", "m.arange(0, 1, 0.25)", "m.arange(1, 2.5, 0.5)",
    "m.arange(start=1, end=3)", "m.arange(end=3)", "m.arange(m.tensor(3))",
    "m.arange(m.tensor(3.))", "m.arange(np.float64(2.))", "m.arange(2, dtype=m.float16)",
    "m.arange(0.5, dtype=m.int64)", "m.arange(0, 5, 1.5, dtype=m.int64)", "m.arange(1, 0)",
    "m.arange(0, 5, -1)", "m.arange(-1.5)", "m.arange(0, 3, 0)", "m.arange(float('inf'))",
    "m.arange(float('nan'))", "m.arange(5, step=2)", "m.arange(start=1)", "m.arange()",
    "m.arange(1, 2, 3, 4)", "m.arange('a')", "m.arange(3, dtype=m.bool)",
    "m.arange(3, dtype=m.complex64)", "m.arange(3, requires_grad=True)",
    "m.arange(3.0, requires_grad=True)", "m.arange(10, 0, -3)",
    "m.linspace(0, 1, 5)", "m.linspace(0, 1, 3, dtype=m.int64)", "m.linspace(0, 1, -1)",
    "m.linspace(0, 1, 2.5)", "m.linspace(0, 1, steps=3)", "m.linspace(0, 1, np.int64(3))",
    "m.linspace(m.tensor(0.), m.tensor(1.), 3)", "m.linspace(m.tensor([0.]), 1, 3)",
    "m.linspace(0, 1, 3, dtype=m.bool)", "m.linspace(0, 1j, 3).dtype", "m.linspace(2, 2, 1)",
    "m.linspace(0, 1, 0)", "m.logspace(0, 1, 3, base=2)", "m.logspace(0, 2, 3, dtype=m.int64)",
    "m.logspace(0, 2, 3)",
    "m.eye(3)", "m.eye(2, 3, dtype=m.int64)", "m.eye(0)", "m.eye(n=2, m=3)", "m.eye(-1)",
    "m.eye(2, -1)", "m.eye(2.5)", "m.eye(np.int64(2))", "m.eye(m.tensor(2))",
    "m.eye(2, dtype=m.bool)",
    "m.scalar_tensor(3)", "m.scalar_tensor(True)", "m.scalar_tensor(3, dtype=m.int64)",
    "m.scalar_tensor(1j)", "m.scalar_tensor(True, dtype=m.bool)",
    "m.empty_strided((2, 3), (1, 2)).stride()", "m.empty_strided((2, 3), (3, 1)).shape",
]
TENSOR = [
    # B18: any sequence
    "m.tensor(range(3))", "m.tensor((1, 2.5))", "m.tensor([range(2), range(2)])",
    "m.tensor(m.Size([2, 3]))", "m.tensor([m.Size([2])])", "m.tensor([[1], (2,)])",
    "m.tensor(memoryview(b'ab'))", "m.as_tensor(range(3))",
    # B20: construction errors and dtypes
    "m.tensor([300], dtype=m.uint8)", "m.tensor(300, dtype=m.uint8)",
    "m.tensor([-1], dtype=m.uint8)", "m.tensor([-255], dtype=m.uint8)",
    "m.tensor([-256], dtype=m.uint8)", "m.tensor([2**31], dtype=m.int32)",
    "m.tensor([-129], dtype=m.int8)", "m.tensor([127.5], dtype=m.int8)",
    "m.tensor([-0.5], dtype=m.uint8)", "m.tensor([1e10], dtype=m.int32)",
    "m.tensor([1.5, float('nan')], dtype=m.int64)", "m.tensor(float('inf'), dtype=m.int64)",
    "m.tensor(2**63)", "m.tensor(-2**63)", "m.tensor([2**64])", "m.tensor(2**62 * 3)",
    "m.tensor([2**64], dtype=m.float64)", "m.tensor([2**63 - 1, 1.5])",
    "m.tensor([1, None])", "m.tensor(None)", "m.tensor([1, None], dtype=m.float32)",
    "m.tensor([1, None], dtype=m.int64)", "m.tensor([[1, 2], 3])", "m.tensor([1, [2, 3]])",
    "m.tensor([1, [2, 3]], dtype=m.float32)", "m.tensor([1, [2, 3]], dtype=m.bool)",
    "m.tensor([[1, 2], [3]])", "m.tensor([[1, 2], 3], dtype=m.float32)",
    "m.tensor([1.5, [2]])", "m.tensor([1j, [2]])",
    "m.tensor([m.tensor([1., 2.]), m.tensor([3., 4.])])",
    "m.tensor([m.tensor(1.), m.tensor(2.)])", "m.tensor([m.tensor([1.]), m.tensor([2.])])",
    "m.tensor([m.tensor(1), 2.5])", "m.tensor([m.tensor(1, dtype=m.int8), 2])",
    "m.tensor([np.float64(1.5), 2])", "m.tensor([np.float32(1.5), 2])",
    "m.tensor([np.int32(1), 2])", "m.tensor([np.float64(1.5), 2.0])",
    "m.tensor([np.float16(1.5), np.int64(2)])", "m.tensor(np.float64(1.5))",
    "m.tensor(np.int32(3))", "m.tensor([np.array([1.5]), [2]])", "m.tensor([np.array(1.5), 2])",
    "m.tensor([np.bool_(True)])", "m.tensor([np.int64(2), 1.5])",
    "m.tensor([[np.float64(1.)], [2]])", "m.tensor([np.float64(300)], dtype=m.uint8)",
    "m.tensor(np.array([300]), dtype=m.uint8)", "m.tensor([np.array([1, 2]), np.array([3, 4])])",
    "m.tensor(x for x in [1])", "m.tensor({1, 2})", "m.tensor({'a': 1})", "m.tensor('ab')",
    "m.tensor(['a'])", "m.tensor([1.5, 'a'])", "m.tensor([1, 'a'])",
    "m.tensor([[]])", "m.tensor([])", "m.tensor([[], []])", "m.tensor([1.5], dtype=m.int64)",
    "m.tensor([1, 2], dtype=m.bool)", "m.tensor(1e40, dtype=m.float32)", "m.tensor([1j, 2])",
    "m.tensor([True, 2])", "m.tensor([True, 2.5])", "m.tensor([2.5], dtype=m.bool)",
    "m.tensor([1+2j], dtype=m.float32)", "m.tensor([1+2j], dtype=m.int64)",
    "m.tensor([1.5], dtype=float)", "m.tensor([1], dtype=np.float64)",
    "m.tensor([1], dtype='float32')", "m.tensor([1, 2], requires_grad=True)",
    "m.tensor(5, device='cpu', requires_grad=False, pin_memory=False)",
    "m.tensor(np.array([1., 2.])[::2])", "m.tensor([1], dtype=None)",
    "m.tensor(3, dtype=m.float64)", "m.tensor([[1., 2.], [3., 4.]], dtype=m.float16)",
    "m.as_tensor([1, 2])", "m.as_tensor(np.array([1.]))", "m.as_tensor(3.5)",
    "m.as_tensor(m.ones(2), dtype=m.int64)", "m.as_tensor([1], device='cpu')",
    "m.as_tensor(np.array([1, 2]), dtype=m.float32)", "m.asarray([1, 2])",
    "m.asarray(np.array([1., 2.]), dtype=m.float32)",
    "m.from_numpy([1])", "m.from_numpy(np.float64(1.0))",
    "m.frombuffer(bytearray(b'ab'), dtype=m.uint8)",
]


@pytest.mark.parametrize("expr", SIZES + OPTIONS + OUT + FULL + LIKE + RANGES + TENSOR)
def test_factory_matches_torch(torch, expr):
    same(torch, expr)


def test_default_dtype_float64_changes_factories_and_promotion(torch):
    for m in (torch, cr):
        m.set_default_dtype(m.float64)
    try:
        for expr in ("(m.tensor([1, 2]) * 1.5).dtype", "m.tensor([1.5]).dtype", "m.zeros(2).dtype",
                     "m.arange(3.).dtype", "m.linspace(0, 1, 3).dtype", "m.tensor([1j]).dtype",
                     "(m.tensor([1, 2]) * 1j).dtype", "m.full((2,), 1.5).dtype", "m.rand(2).dtype",
                     "m.randn(2).dtype", "(m.tensor(2) * m.tensor(1.5)).dtype",
                     "m.tensor([1, 2]).sqrt().dtype", "(m.tensor([1, 2]) / 2).dtype",
                     "m.get_default_dtype()", "m.Tensor([1]).dtype", "m.scalar_tensor(1).dtype",
                     "m.normal(0., 1., (2,)).dtype", "m.empty(2).dtype", "m.eye(2).dtype",
                     "m.tensor([np.float32(1.)]).dtype"):
            same(torch, expr)
    finally:
        for m in (torch, cr):
            m.set_default_dtype(m.float32)


@pytest.mark.parametrize("expr", [
    "m.set_default_dtype(m.int64)", "m.set_default_dtype(m.complex64)",
    "m.set_default_dtype('float')", "m.set_default_dtype(float)", "m.set_default_dtype(None)",
])
def test_set_default_dtype_errors_match_torch(torch, expr):
    same(torch, expr)


def test_set_default_dtype_float16_is_allowed(torch):
    for m in (torch, cr):
        m.set_default_dtype(m.float16)
    try:
        same(torch, "m.tensor([1.5]).dtype")
        same(torch, "m.zeros(1).dtype")
    finally:
        for m in (torch, cr):
            m.set_default_dtype(m.float32)


def test_set_default_tensor_type_sets_the_default_dtype(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for m in (torch, cr):
            m.set_default_tensor_type(m.DoubleTensor)
        same(torch, "m.get_default_dtype()")
        for m in (torch, cr):
            m.set_default_tensor_type("torch.FloatTensor")
        same(torch, "m.get_default_dtype()")


@pytest.mark.parametrize("make", [lambda m, a: m.from_numpy(a), lambda m, a: m.tensor(a),
                                  lambda m, a: m.as_tensor(a)])
def test_unsupported_numpy_dtype_is_torchs_type_error(torch, make):
    a = np.array(["a"])
    with pytest.raises(TypeError) as ref:
        make(torch, a)
    with pytest.raises(TypeError) as mine:
        make(cr, a)
    # the same sentence; torch's list of supported types also names uint16/32/64
    head = "can't convert np.ndarray of type numpy.str_. The only supported types are: "
    assert str(ref.value).startswith(head) and str(mine.value).startswith(head)


def test_tensor_copy_construct_warns_like_torch(torch):
    for m in (torch, cr):
        with pytest.warns(UserWarning, match="sourceTensor.detach"):
            m.tensor(m.ones(2))


def test_out_is_written_in_place_and_resized():
    out = cr.empty(3)
    before = out._version
    r = cr.zeros(2, out=out)
    assert r is out and tuple(out.shape) == (2,) and out._version == before + 1
    same_storage = cr.empty(2)
    ptr = same_storage.data_ptr()
    cr.ones(2, out=same_storage)
    assert same_storage.data_ptr() == ptr and same_storage.tolist() == [1.0, 1.0]


def test_tensor_from_large_list_is_fast_enough():
    data = [float(i) for i in range(200_000)]
    t = cr.tensor(data)
    assert t.dtype is cr.float32 and t.shape == (200_000,)
    nested = [[1, 2, 3]] * 50_000
    assert cr.tensor(nested).shape == (50_000, 3)


def test_tensor_keeps_values_exactly(torch):
    big = [2**62 + 1, -(2**62) - 3]
    assert cr.tensor(big).tolist() == torch.tensor(big).tolist()
    assert cr.tensor(np.array([1, 2], dtype=np.int8)).dtype is cr.int8


# ---------------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

VARARG_FACTORIES = ["m.zeros({})", "m.ones({}, dtype=m.int32)", "m.empty({}).shape",
                    "m.rand({}).shape", "m.randn({}, dtype=m.float64).shape",
                    "m.zeros(1).new_ones({})"]
TUPLE_FACTORIES = ["m.full({}, 2.5)", "m.randint(3, {}).shape", "m.normal(0., 1., {}).shape",
                   "m.zeros(1).new_full({}, 1)"]


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(-1, 3), min_size=0, max_size=4),
       form=st.sampled_from(["varargs", "tuple", "list", "size", "numpy"]),
       factory=st.sampled_from(VARARG_FACTORIES + TUPLE_FACTORIES))
def test_factory_sizes_property(shape, form, factory):
    torch = pytest.importorskip("torch")
    if factory in TUPLE_FACTORIES and form == "varargs":
        form = "tuple"
    text = {"varargs": ", ".join(map(str, shape)) or "()", "tuple": f"tuple({shape})",
            "list": str(shape), "size": f"m.Size({shape})",
            "numpy": f"tuple(np.array({shape}, dtype=np.int64))"}[form]
    same(torch, factory.format(text))


@settings(max_examples=40, deadline=None)
@given(data=st.recursive(st.one_of(st.integers(-300, 300), st.floats(-1e3, 1e3),
                                   st.booleans()),
                         lambda inner: st.lists(inner, min_size=0, max_size=3), max_leaves=12),
       dtype=st.sampled_from([None, "m.float64", "m.int32", "m.uint8", "m.bool", "m.int8"]))
def test_tensor_from_nested_data_property(data, dtype):
    torch = pytest.importorskip("torch")
    expr = "m.tensor(data)" if dtype is None else f"m.tensor(data, dtype={dtype})"
    same(torch, expr, data=data)
