"""chainrule.testing against torch.testing: assert_close's outcomes and messages, and
make_tensor's ranges, dtypes, layouts and errors."""
import pytest
from expr_pairs import same

import chainrule as cr

CLOSE = [
    "m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 2.]))",
    "m.testing.assert_close(m.tensor([1., 2., 3.]), m.tensor([1., 2.5, 3.1]))",
    "m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 2.], dtype=m.float64))",
    "m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 2.], dtype=m.float64), "
    "check_dtype=False)",
    "m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 2., 3.]))",
    "m.testing.assert_close(m.tensor([1, 2]), m.tensor([1, 3]))",
    "m.testing.assert_close(1., 1.0000001)", "m.testing.assert_close(1., 1.1)",
    "m.testing.assert_close({'a': m.tensor(1.)}, {'a': m.tensor(1.1)})",
    "m.testing.assert_close({'a': 1}, {'b': 1})",
    "m.testing.assert_close(m.tensor([float('nan')]), m.tensor([float('nan')]))",
    "m.testing.assert_close(m.tensor([float('nan')]), m.tensor([float('nan')]), "
    "equal_nan=True)",
    "m.testing.assert_close(m.tensor([1.]), m.tensor([1.1]), rtol=0.2, atol=0)",
    "m.testing.assert_close(m.tensor([1.]), m.tensor([1.1]), rtol=0.2)",
    "m.testing.assert_close(m.tensor([1.]), m.tensor([1.1]), msg='custom')",
    "m.testing.assert_close(m.tensor([1.], requires_grad=True), m.tensor([1.]))",
    "m.testing.assert_close(m.tensor([1.]), m.tensor([[1.]]))",
    "m.testing.assert_close(m.tensor([1.+1j]), m.tensor([1.+2j]))",
    "m.testing.assert_close(m.tensor([True]), m.tensor([False]))",
    "m.testing.assert_close(m.arange(6.).reshape(2, 3), m.arange(6.).reshape(2, 3) + "
    "m.tensor([[0., 0, 0], [0, 1e-3, 0]]))",
    "m.testing.assert_close(m.tensor([1., 2., 3., 4.]), m.tensor([1.5, 2., 3.5, 4.]))",
    "m.testing.assert_close(m.tensor([1., float('inf')]), m.tensor([1., float('inf')]))",
    "m.testing.assert_close(m.tensor([1., float('inf')]), m.tensor([1., -float('inf')]))",
    "m.testing.assert_close(1, 1.0)", "m.testing.assert_close(1, 2)",
    "m.testing.assert_close(True, False)", "m.testing.assert_close(None, 1)",
    "m.testing.assert_close(None, None)",
    "m.testing.assert_close(m.tensor([1.], dtype=m.float16), m.tensor([1.001], "
    "dtype=m.float16))",
    "m.testing.assert_close(m.tensor([0.]), m.tensor([1e-6]))",
    "m.testing.assert_close(m.tensor([0.]), m.tensor([1e-4]))",
    "m.testing.assert_close((1, 2), (1, 2, 3))",
    "m.testing.assert_close([m.tensor(1.), m.tensor(2.)], [m.tensor(1.), m.tensor(2.5)])",
    "m.testing.assert_close(m.tensor(1.), m.tensor(1.5))",
    "m.testing.assert_close(m.tensor(2), m.tensor(3))",
    "m.testing.assert_close(m.tensor([1, 2], dtype=m.uint8), m.tensor([1, 4], dtype=m.uint8))",
    "m.testing.assert_close(m.zeros(2, 3).t(), m.zeros(3, 2), check_stride=True)",
    "m.testing.assert_close(m.zeros(2, 3).t(), m.zeros(3, 2))",
    "m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 3.]), "
    "msg=lambda s: 'Header\\n\\n' + s)",
    "m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1., 3.]), rtol=0, atol=0)",
    "m.testing.assert_close(m.Size([2, 3]), m.Size([2, 4]))",
    "m.testing.assert_close(m.tensor([[1., 2.], [3., 4.]]), m.tensor([[1., 2.], [3., 5.]]))",
    "m.testing.assert_close(m.tensor([1., 2.]), m.tensor([1, 2]), check_dtype=False)",
    "m.testing.assert_close(m.tensor([0, 5]), m.tensor([0, 0]))",
]


@pytest.mark.parametrize("expr", CLOSE)
def test_assert_close_matches_torch(torch, expr):
    same(torch, expr)


@pytest.mark.parametrize("expr", [
    "m.testing.assert_close(m.tensor(1.), 1.)", "m.testing.assert_close(m.tensor([1.]), [1.])",
    "m.testing.assert_close('a', 'a')",
])
def test_assert_close_type_errors_match_torch(torch, expr):
    # the message names the types, which differ between the libraries
    same(torch, expr, message=False)


MAKE = [
    "m.testing.make_tensor((2, 3), dtype=m.float32, device='cpu')",
    "m.testing.make_tensor(2, 3, dtype=m.int64, device='cpu', low=0, high=5)",
    "m.testing.make_tensor((2,), dtype=m.bool, device='cpu')",
    "m.testing.make_tensor((2,), dtype=m.float32, device='cpu', requires_grad=True)",
    "m.testing.make_tensor((2,), dtype=m.complex64, device='cpu')",
    "m.testing.make_tensor([2, 2], dtype=m.float64, device='cpu', exclude_zero=True)",
    "m.testing.make_tensor((3, 4), dtype=m.float32, device='cpu', noncontiguous=True)",
    "m.testing.make_tensor((2,), dtype=m.int64, device='cpu', low=1.5, high=3.7)",
    "m.testing.make_tensor((2,), dtype=m.uint8, device='cpu', low=-5, high=3)",
    "m.testing.make_tensor((), dtype=m.float16, device='cpu')",
]
MAKE_ERRORS = [
    "m.testing.make_tensor((2,), dtype=m.float32, device='cpu', low=3, high=2)",
    "m.testing.make_tensor((2,), dtype=m.float32)", "m.testing.make_tensor((2,), device='cpu')",
    "m.testing.make_tensor((2,), dtype=m.float32, device='cpu', low=float('nan'))",
    "m.testing.make_tensor((2,), dtype=m.int64, device='cpu', requires_grad=True)",
    "m.testing.make_tensor((2,), dtype=m.uint8, device='cpu', low=300, high=400)",
    "m.testing.make_tensor((2,), dtype=m.float32, device='cpu', noncontiguous=True, "
    "memory_format=m.contiguous_format)",
]


@pytest.mark.parametrize("expr", MAKE)
def test_make_tensor_shapes_match_torch(torch, expr):
    same(torch, expr, values=False)
    same(torch, f"({expr}).is_contiguous()")


@pytest.mark.parametrize("expr", MAKE_ERRORS)
def test_make_tensor_errors_match_torch(torch, expr):
    same(torch, expr)


@pytest.mark.parametrize("dtype, lo, hi", [("float32", -9, 9), ("int64", -9, 9),
                                           ("uint8", 0, 9), ("int8", -9, 9),
                                           ("float64", -9, 9)])
def test_make_tensor_default_ranges(dtype, lo, hi):
    t = cr.testing.make_tensor(4000, dtype=getattr(cr, dtype), device="cpu")
    v = t.double()
    assert float(v.min()) >= lo and float(v.max()) <= hi
    assert float(v.max()) - float(v.min()) > (hi - lo) * 0.8


def test_make_tensor_exclude_zero_has_no_zeros():
    t = cr.testing.make_tensor(5000, dtype=cr.int8, device="cpu", low=-1, high=2,
                               exclude_zero=True)
    assert not bool((t == 0).any())
