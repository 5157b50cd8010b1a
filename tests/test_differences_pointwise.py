"""The dtype / scalar / promotion / pointwise findings of the 2026-12-02 differences list
(B1-B8, B14, B16, B17, B19, B22-B31), each run against torch: values, dtypes, gradients,
grad_fn names, exception classes and messages. Plus sweeps over the same root causes: every
differentiable elementwise op's gradient at NaN/inf/0 inputs under inf/NaN upstream
gradients, and the dtype refusals of every pointwise op.
"""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch_compare import grads, same  # noqa: E402

import chainrule as cr  # noqa: E402


# ---------------------------------------------------------------------------- B1, B2: pow
def test_b1_pow_base_gradient_where_exponent_is_zero():
    same(lambda m: grads(m, lambda m, a: a ** m.tensor([0., 0.]), [0., 1.]))
    same(lambda m: grads(m, lambda m, a: a ** m.tensor(0.), [0., -1.]))
    same(lambda m: grads(m, lambda m, a, b: a ** b, [0., 1., 0.], [0., 0., 2.]))


def test_b2_scalar_base_zero_exponent_gradient():
    same(lambda m: grads(m, lambda m, x: 0.0 ** x, [0., 1., 2.]))
    same(lambda m: grads(m, lambda m, x: 0 ** x, [-1., 0., 2.]))
    same(lambda m: grads(m, lambda m, a, b: a ** b, [0., 0., 2.], [0., 1.5, 1.]))


# ---------------------------------------------------------------------------- B3: clamp
@pytest.mark.parametrize("call", [
    lambda m: m.tensor([1, 2, 3]).clamp(min=1.5),
    lambda m: m.tensor([1, 2, 3]).clamp(max=2.5),
    lambda m: m.tensor([1, 2, 3]).clamp(1.5, 2.5),
    lambda m: m.clamp_min(m.tensor([1, 2]), 1.5),
    lambda m: m.clamp_max(m.tensor([1, 2], dtype=m.int8), 1.5),
    lambda m: m.tensor([True, False]).clamp(min=0),
    lambda m: m.tensor([True, False]).clamp(min=True),
    lambda m: m.tensor([True, False]).clamp(max=True),
    lambda m: m.tensor([True, False]).clamp(True, True),
    lambda m: m.tensor([3, 2], dtype=m.uint8).clamp(min=-3),
    lambda m: m.tensor([3, 2], dtype=m.uint8).clamp(min=300),
    lambda m: m.tensor([3, 2], dtype=m.int8).clamp(max=-129),
    lambda m: m.tensor([1.], dtype=m.float16).clamp(max=70000.),
    lambda m: m.tensor([1 + 1j]).clamp(min=0),
    lambda m: m.tensor([1, 2, 3]).clamp(min=m.tensor(1.5)),
    lambda m: m.tensor([1, 2, 3], dtype=m.int8).clamp(min=m.tensor(300)),
    lambda m: m.tensor([1., 2.]).clamp(min=m.tensor([1.5], dtype=m.float64)),
    lambda m: m.tensor([1., float("nan")]).clamp(min=2.),
    lambda m: m.tensor([1., 2.]).clamp(min=2., max=1.),
    lambda m: m.tensor([1., 5.]).clamp_(min=m.tensor([2., 3.]), max=m.tensor(4.)),
    lambda m: m.tensor([1., 5.]).clamp_min_(m.tensor([2., 3.])),
    lambda m: m.tensor([1., 5.]).clamp_max_(m.tensor(4.)),
    lambda m: m.tensor([True, False]).clamp(min=m.tensor(True)),
    lambda m: m.tensor([True, False]).clamp(min=m.tensor(True), max=m.tensor(True)),
])
def test_b3_clamp_promotes_and_converts_bounds_as_torch(call):
    same(call)


def test_b3_clamp_in_place_refuses_a_float_result_for_an_int_tensor():
    same(lambda m: m.tensor([1, 2]).clamp_(min=1.5), message="result type Float can't be cast")
    same(lambda m: m.tensor([1, 2]).clamp_(min=m.tensor(1.5)), message="result type Float")


# ---------------------------------------------------------------------------- B4, B5, B14
@pytest.mark.parametrize("call", [
    lambda m: m.tensor([5]) % 0,
    lambda m: m.tensor([5]) // 0,
    lambda m: m.tensor([5, 3]) // m.tensor([1, 0]),
    lambda m: m.fmod(m.tensor([5]), 0),
    lambda m: m.fmod(m.tensor([5, 1]), m.tensor([0, 1])),
    lambda m: m.remainder(m.tensor([5]), 0),
    lambda m: 5 % m.tensor([0, 1]),
    lambda m: 5 // m.tensor([0, 1], dtype=m.uint8),
    lambda m: m.div(m.tensor([7, -7]), 0, rounding_mode="trunc"),
    lambda m: m.div(m.tensor([7, -7]), 0, rounding_mode="floor"),
    lambda m: m.tensor([1., -1., 0.]) // 0.,
    lambda m: m.tensor([1., -1., 0.]) % 0.,
    lambda m: m.tensor([7, -7]) / 0,
])
def test_b4_b14_integer_division_by_zero_raises_and_nothing_warns(call):
    same(call)


@pytest.mark.parametrize("call", [
    lambda m: m.div(m.tensor([2 ** 40 + 1]), 1, rounding_mode="trunc"),
    lambda m: m.div(m.tensor([2 ** 53 + 1, -(2 ** 53) - 1]), m.tensor([3, 2]),
                    rounding_mode="trunc"),
    lambda m: m.div(m.tensor([7, -7, 7, -7]), m.tensor([2, 2, -2, -2]), rounding_mode="trunc"),
    lambda m: m.div(m.tensor([7, -7, 7, -7]), m.tensor([2, 2, -2, -2]), rounding_mode="floor"),
    lambda m: m.div(m.tensor([7, -7], dtype=m.int8), 2, rounding_mode="trunc"),
    lambda m: m.div(m.tensor([3, 250], dtype=m.uint8), 2, rounding_mode="trunc"),
    lambda m: m.div(m.tensor([7, -7]), 2., rounding_mode="trunc"),
    lambda m: m.div(m.tensor([7, -7]), 2., rounding_mode="floor"),
    lambda m: m.div(m.tensor([7.5, -7.5]), m.tensor([2., 2.]), rounding_mode="trunc"),
    lambda m: m.div(m.tensor([True]), m.tensor([True]), rounding_mode="trunc"),
    lambda m: m.div(m.tensor([True]), True, rounding_mode="floor"),
    lambda m: m.div(m.tensor([1 + 1j]), 2, rounding_mode="floor"),
    lambda m: m.div(m.tensor([1.]), 2, rounding_mode="round"),
])
def test_b5_div_rounding_modes_in_integer_arithmetic(call):
    same(call)


# ---------------------------------------------------------------------------- B6, B19, B31
@pytest.mark.parametrize("call", [
    lambda m: m.tensor([1, 2, 3]) ** m.tensor([-1]),
    lambda m: m.tensor([0, -1, 2, 1]) ** m.tensor([-1]),
    lambda m: m.tensor([-1]) ** m.tensor([-2, -3]),
    lambda m: m.tensor([2], dtype=m.int8) ** m.tensor([-1, 2], dtype=m.int8),
    lambda m: 2 ** m.tensor([-1, 3]),
    lambda m: m.tensor([1, 2]) ** -1,
    lambda m: m.tensor([1, 2], dtype=m.uint8) ** -3,
    lambda m: m.tensor([True]) ** -1,
    lambda m: m.tensor([3, 2], dtype=m.uint8) ** 300,
    lambda m: m.tensor([3, -2], dtype=m.int8) ** 127,
    lambda m: m.tensor([2]) ** 1j,
    lambda m: m.tensor([2], dtype=m.uint8) ** (2 + 0j),
    lambda m: 1j ** m.tensor([2]),
    lambda m: m.tensor([True, False]) ** True,
    lambda m: m.tensor([True, False]) ** False,
    lambda m: m.tensor([True, False]) ** 2,
    lambda m: m.tensor([True, False]) ** 2.,
    lambda m: m.tensor([True, False]) ** m.tensor([True, False]),
    lambda m: True ** m.tensor([True, False]),
    lambda m: 2 ** m.tensor([True, False]),
    lambda m: m.tensor([1, 2]) ** True,
])
def test_b6_b19_b31_integer_and_bool_powers(call):
    same(call)


# ---------------------------------------------------------------------------- B7
@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_b7_div_rounding_mode_records_divbackward2_with_zero_gradients(mode):
    def fn(m):
        x = m.tensor([1.5, -2.5], requires_grad=True)
        y = m.tensor([2., 3.], requires_grad=True)
        outs = [x.div(y, rounding_mode=mode), x.div(2., rounding_mode=mode),
                m.div(x, m.tensor([2., 0.]), rounding_mode=mode)]
        shape = [len(o.grad_fn.next_functions) for o in outs]
        g = m.autograd.grad(outs[0].sum() + outs[1].sum(), (x, y))
        gg = m.autograd.grad(outs[2].sum(), (x,), m.tensor(float("inf")), create_graph=True)
        return outs, shape, g, gg
    same(fn)
    same(lambda m: [m.autograd.grad(y, x) for x in [m.tensor([1.5], requires_grad=True)]
                    for y in [x.div(2., rounding_mode=mode).sum()] for _ in range(2)])


def test_b7_floor_divide_records_torchs_not_implemented_node():
    def fn(m):
        x = m.tensor([1.5, -2.5], requires_grad=True)
        y = m.tensor([2., 3.], requires_grad=True)
        outs = [x // y, x // 2, 2 // x, x // m.tensor([2., 3.]), m.floor_divide(x, 0.), 2 % x]
        return outs, [[f is None for f, _ in o.grad_fn.next_functions] for o in outs]
    same(fn)
    same(lambda m: (m.tensor([1.5], requires_grad=True) // 2).sum().backward())
    same(lambda m: (2 % m.tensor([1.5], requires_grad=True)).sum().backward())


# ---------------------------------------------------------------------------- B8, B28
@pytest.mark.parametrize("call", [
    lambda m: -m.tensor([True, False]),
    lambda m: m.neg(m.tensor([True])),
    lambda m: +m.tensor([True, False]),
    lambda m: +m.tensor([1, 2]),
    lambda m: m.tensor([True, False]).sign(),
    lambda m: m.tensor([True]).relu(),
    lambda m: m.tensor([True]).abs(),
    lambda m: m.tensor([True]).floor(),
    lambda m: m.tensor([True]).ceil(),
    lambda m: m.tensor([True]).round(),
    lambda m: m.tensor([True]).trunc(),
    lambda m: m.tensor([1 + 1j]).floor(),
    lambda m: m.tensor([1 + 1j]).sign(),
    lambda m: m.tensor([1 + 1j]).relu(),
    lambda m: m.tensor([1.5]).bitwise_not(),
    lambda m: ~m.tensor([1.5]),
    lambda m: m.where(m.tensor([1, 5]), 1, 0),
    lambda m: m.where(m.tensor([1., 5.]), 1, 0),
    lambda m: m.where(m.tensor([True, False]), 1, 0),
    lambda m: m.where(m.tensor([True, False]), 1., 0),
    lambda m: m.where(m.tensor([True, False]), m.tensor([1], dtype=m.int8), 300),
    lambda m: m.where(m.tensor([True, False]), m.tensor([1], dtype=m.uint8), -1),
    lambda m: m.where(m.tensor([True, False]), 1.5, m.tensor([2], dtype=m.int8)),
    lambda m: m.where(m.tensor([True, False]), np.float64(1.), np.float64(2.)),
])
def test_b8_b28_bool_and_complex_unary_refusals(call):
    same(call)


# ---------------------------------------------------------------------------- B16
@pytest.mark.parametrize("expr", [
    "x * np.float64(2)", "i * np.int64(2)", "i * np.float64(2)", "u * np.int64(2)",
    "np.float64(2) * x", "np.float32(2) * i", "np.int64(3) + u", "np.bool_(True) + u",
    "i * np.bool_(True)", "i * np.int32(2)", "u * np.int32(-3)", "u + np.int64(-3)",
    "b + np.int64(2)", "b * np.float64(2)", "b & np.bool_(True)", "i & np.int64(1)",
    "i8z * np.int64(3)", "i8z * np.float64(3)", "x.add(np.float64(2))",
    "i ** np.int64(2)", "i ** np.float64(2)", "np.int64(2) ** i", "np.float64(2) ** i",
    "i / np.int64(2)", "np.int64(2) / i", "i // np.int64(2)", "np.int64(7) // i",
    "i % np.int64(2)", "np.int64(7) % i", "np.int64(7) - i", "np.float64(7) - x",
    "i == np.int64(1)", "np.int64(1) == i", "np.int64(1) < i", "x.clamp(min=np.float64(1.5))",
    "i.clamp(min=np.int64(1), max=np.float64(1.5))", "m.where(b, np.float64(1.), x)",
    "x.pow(np.float64(2))", "m.pow(np.float64(2), x)", "m.remainder(np.float64(2), x)",
    "m.fmod(x, np.float64(2))", "x.div(np.int64(2), rounding_mode='floor')",
    "x.detach() * np.array(2.)", "i * np.array(2)", "u * np.array(2)", "x + np.array([1, 2])",
    "x == np.array([1., 3.])", "np.array(1.) == x", "x * np.uint64(3)",
])
def test_b16_numpy_scalars_promote_like_torchs_scalars(expr):
    def fn(m):
        env = {"m": m, "np": np, "x": m.tensor([1., 2.]), "i": m.tensor([1, 2]),
               "u": m.tensor([1, 2], dtype=m.uint8), "b": m.tensor([True, False]),
               "i8z": m.tensor(2, dtype=m.int8)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch's __array_wrap__
            return eval(expr, env)
    same(fn)


def test_b16_numpy_scalar_times_tensor_is_a_tensor_with_gradient():
    same(lambda m: grads(m, lambda m, x: np.float64(3) * x - np.float32(1) / x, [1., 2.]))


def test_b16_ndarray_times_tensor_is_a_tensor():
    # torch raises TypeError here (docs/differences.md); chainrule computes as NumPy would
    out = np.array([1., 3.]) * cr.tensor([2., 2.])
    assert isinstance(out, cr.Tensor) and out.dtype == cr.float64
    assert out.tolist() == [2., 6.]


# ---------------------------------------------------------------------------- B17
@pytest.mark.parametrize("call", [
    lambda m: m.tensor([1, 2]) == None,  # noqa: E711 - the comparison is the test
    lambda m: m.tensor([1, 2]) != None,  # noqa: E711
    lambda m: m.tensor([1, 2]) == [1, 3],
    lambda m: m.tensor([1, 2]) != [1, 2],
    lambda m: m.tensor([1, 2]) == "a",
    lambda m: m.tensor([1, 2]) + [1, 3],
    lambda m: [1, 3] + m.tensor([1, 2]),
    lambda m: m.tensor([1, 2]) * None,
    lambda m: None * m.tensor([1, 2]),
    lambda m: m.tensor([1, 2]) < None,
    lambda m: m.tensor([1, 2]) & [1],
    lambda m: m.tensor([1, 2]) ** [1],
    lambda m: m.tensor([1, 2]) // (1, 2),
    lambda m: m.tensor([1, 2]) - "a",
    lambda m: "a" - m.tensor([1, 2]),
    lambda m: m.add(m.tensor([1, 2]), [1, 3]),
    lambda m: m.maximum(m.tensor([1, 2]), 1),
    lambda m: m.atan2(m.tensor([1., 2.]), 1.),
    lambda m: m.fmod(2, m.tensor([3])),
])
def test_b17_non_numbers_are_not_operands(call):
    same(call, message="argument" if "m.add" in str(call) else True)


def test_b17_operators_defer_to_the_other_operand():
    class Other:
        def __radd__(self, t):
            return "radd"

        def __eq__(self, t):
            return "eq"
    assert cr.tensor([1.]) + Other() == "radd"
    assert (cr.tensor([1.]) == Other()) == "eq"


# ---------------------------------------------------------------------------- B22, B31
@pytest.mark.parametrize("call", [
    lambda m: m.tensor([1.5]) & 1,
    lambda m: m.tensor([1.5]) | True,
    lambda m: m.tensor([1.5]) ^ m.tensor([1]),
    lambda m: m.bitwise_and(m.tensor([1.5]), m.tensor([1])),
    lambda m: m.tensor([1]) & 1.5,
    lambda m: m.tensor([True]) % m.tensor([True]),
    lambda m: m.tensor([True]) // m.tensor([True]),
    lambda m: m.fmod(m.tensor([True]), m.tensor([True])),
    lambda m: m.tensor([True, False]) % 2,
    lambda m: m.tensor([True, False]) // 2,
    lambda m: m.fmod(m.tensor([True, False]), 2),
    lambda m: m.tensor([1.5]) // m.tensor([1 + 1j]),
    lambda m: m.tensor([1.5]) % 1j,
    lambda m: m.fmod(m.tensor([1.5]), 1j),
    lambda m: m.atan2(m.tensor([1 + 1j]), m.tensor([1.])),
    lambda m: m.tensor([1 + 1j]) < m.tensor([1 + 0j]),
    lambda m: m.tensor([1 + 1j]) >= 1,
    lambda m: m.tensor([1 + 1j]) == m.tensor([1 + 0j]),
    lambda m: m.maximum(m.tensor([1 + 1j]), m.tensor([1 + 0j])),
    lambda m: m.minimum(m.tensor([1 + 1j]), m.tensor([1 + 0j])),
    lambda m: True - m.tensor([3, -7]),
    lambda m: m.tensor([3, -7]) - True,
    lambda m: m.tensor([True]) - 1,
    lambda m: 1 - m.tensor([True]),
    lambda m: m.tensor([True]) - m.tensor([True]),
    lambda m: m.tensor([True]) - m.tensor([1]),
    lambda m: m.rsub(m.tensor([True]), m.tensor([1])),
    lambda m: m.tensor([1, 2]).add(m.tensor([1, 2]), alpha=1.5),
    lambda m: m.tensor([1, 2]).sub(1, alpha=0.5),
    lambda m: m.tensor([1., 2.]).add(m.tensor([1, 2]), alpha=1.5),
])
def test_b22_b31_dtypes_torch_refuses(call):
    same(call)


# ---------------------------------------------------------------------------- B23
@pytest.mark.parametrize("name", ["floor", "ceil", "round", "trunc", "sign"])
@pytest.mark.parametrize("upstream", [float("inf"), float("nan")])
def test_b23_piecewise_constant_ops_give_zeros_for_any_upstream(name, upstream):
    same(lambda m: grads(m, lambda m, x: getattr(x, name)(), [1., -0.5], upstream=upstream))


@pytest.mark.parametrize("upstream", [float("inf"), float("nan")])
def test_b23_pow_zero_and_relu_gradient_for_any_upstream(upstream):
    same(lambda m: grads(m, lambda m, x: x ** 0, [1., 0.], upstream=upstream))
    same(lambda m: grads(m, lambda m, x: x ** 0., [1., 0.], upstream=upstream))
    same(lambda m: grads(m, lambda m, x: x.relu(), [1., -1.], upstream=upstream))


def test_b23_floor_then_asin_gives_zero():
    same(lambda m: grads(m, lambda m, x: x.floor().asin(), [1.]))


def test_b23_zero_gradients_under_create_graph_are_constants():
    def fn(m):
        x = m.tensor([1.5, -2.5], requires_grad=True)
        return [m.autograd.grad(f(x).sum(), x, create_graph=True)[0]
                for f in (m.floor, m.sign, m.round, lambda t: t ** 0)]
    same(fn)


# ---------------------------------------------------------------------------- B24
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64"])
def test_b24_round_keeps_integer_dtypes(dtype):
    same(lambda m: m.tensor([1, 2, 0], dtype=getattr(m, dtype)).round())


# ---------------------------------------------------------------------------- B25
def test_b25_atan2_gradient_at_origin():
    same(lambda m: grads(m, lambda m, a, b: m.atan2(a, b), [0., 0., 1., -0.], [0., -0., 0., 2.]))


# ---------------------------------------------------------------------------- B26
def test_b26_nan_gradients_of_maximum_minimum_relu_abs():
    nan = float("nan")
    same(lambda m: grads(m, lambda m, x: m.maximum(x, m.tensor([2., nan])), [1., 2.]))
    same(lambda m: grads(m, lambda m, x: m.minimum(x, m.tensor([2., nan])), [1., 2.]))
    same(lambda m: grads(m, lambda m, a, b: m.maximum(a, b), [nan, nan, 1., 2.],
                         [nan, 1., 1., 3.]))
    same(lambda m: grads(m, lambda m, a, b: m.minimum(a, b), [nan, nan, 1., 2.],
                         [nan, 1., 1., 3.]))
    same(lambda m: grads(m, lambda m, x: x.relu(), [nan, 2.]))
    same(lambda m: grads(m, lambda m, x: x.abs(), [nan, -2., 0.]))
    same(lambda m: m.tensor([nan, 0., -0., -2.]).sign())


# ---------------------------------------------------------------------------- B27
def test_b27_clamp_with_tensor_bounds_is_one_node_without_tie_splitting():
    def fn(m):
        x = m.tensor([1., 5., 3., 0.], requires_grad=True)
        lo = m.tensor([1., 3., 4., 2.], requires_grad=True)
        hi = m.tensor(5., requires_grad=True)
        y = x.clamp(min=lo, max=hi)
        return y, [f is None for f, _ in y.grad_fn.next_functions], \
            m.autograd.grad(y.sum(), (x, lo, hi))
    same(fn)


@pytest.mark.parametrize("call", [
    lambda m, x, lo: x.clamp(min=lo),
    lambda m, x, lo: x.clamp(max=lo),
    lambda m, x, lo: x.clamp(min=lo, max=m.tensor(0.)),          # min > max
    lambda m, x, lo: x.clamp(min=m.tensor(10.), max=lo),
    lambda m, x, lo: m.clamp_min(x, lo),
    lambda m, x, lo: m.clamp_max(x, lo),
    lambda m, x, lo: m.clip(x, lo),
    lambda m, x, lo: x.clamp(min=lo.detach()),
    lambda m, x, lo: x.clamp(min=1., max=1.5),
    lambda m, x, lo: x.clamp(min=1.),
    lambda m, x, lo: m.clamp_min(x, 1.),
    lambda m, x, lo: m.clamp_max(x, 1.),
])
def test_b27_clamp_graphs_and_gradients(call):
    def fn(m):
        x = m.tensor([1., 5., 3., float("nan")], requires_grad=True)
        lo = m.tensor([1., 3., 4., 2.], requires_grad=True)
        y = call(m, x, lo)
        return y, [None if f is None else f.name() for f, _ in y.grad_fn.next_functions], \
            m.autograd.grad(y, (x, lo), m.tensor([1., float("inf"), 2., 3.]), allow_unused=True)
    same(fn)


def test_b27_clamp_mixing_a_tensor_and_a_number_bound_is_a_type_error():
    same(lambda m: m.tensor([1.]).clamp(min=m.tensor([0.]), max=3.), message="clamp()")
    same(lambda m: m.tensor([1.]).clamp(min=0., max=m.tensor([3.])), message="clamp()")
    same(lambda m: m.tensor([1., 4.]).clamp(min=m.tensor(2.), max=3.))  # 0-d: a number
    same(lambda m: m.tensor([1., 4.]).clamp(min=2., max=m.tensor(3.)))
    same(lambda m: m.tensor([1.]).clamp())


# ---------------------------------------------------------------------------- B29, B30
@pytest.mark.parametrize("call", [
    lambda m: 2 % m.tensor(3, dtype=m.int8),
    lambda m: 2.5 % m.tensor(2.5, dtype=m.float16),
    lambda m: m.remainder(2, m.tensor(3, dtype=m.int8)),
    lambda m: 2 // m.tensor(3, dtype=m.int8),
    lambda m: 2 % m.tensor(3, dtype=m.uint8),
    lambda m: 2 % m.tensor([3, 4], dtype=m.int16),
    lambda m: 2.5 % m.tensor([3, 4], dtype=m.int32),
    lambda m: -3 - m.tensor([3, 250], dtype=m.uint8),
    lambda m: m.tensor([3, 250], dtype=m.uint8) % -3,
    lambda m: m.fmod(m.tensor([3, 250], dtype=m.uint8), -3),
    lambda m: m.remainder(m.tensor([3, 250], dtype=m.uint8), -3),
    lambda m: (-3) ** m.tensor([3, 2], dtype=m.uint8),
    lambda m: 300 ** m.tensor([3, 2], dtype=m.uint8),
    lambda m: 300 % m.tensor([3, 2], dtype=m.uint8),
    lambda m: 300 // m.tensor([3, 2], dtype=m.uint8),
    lambda m: -3 // m.tensor([3, 2], dtype=m.uint8),
    lambda m: m.tensor([3, 2], dtype=m.uint8) // -3,
    lambda m: m.tensor([3, 250], dtype=m.uint8) - (-3),
    lambda m: m.tensor([3, 250], dtype=m.uint8).add(1, alpha=-1),
    lambda m: m.rsub(m.tensor([3, 250], dtype=m.uint8), 1, alpha=-1),
    lambda m: m.tensor([253, 2], dtype=m.uint8) == -3,
    lambda m: m.tensor([44], dtype=m.int8) == 300,
    lambda m: m.tensor([1], dtype=m.uint8) + (1 << 40),
    lambda m: m.tensor([1]) + 2 ** 63,
    lambda m: m.tensor([1]) + (1 << 70),
    lambda m: m.tensor([1.]) + (1 << 70),
    lambda m: m.bitwise_and(m.tensor([3, 2], dtype=m.uint8), 300),
])
def test_b29_b30_scalars_wrap_into_the_tensor_dtype(call):
    same(call)


# ---------------------------------------------------------------------------- sweeps
NAN, INF = float("nan"), float("inf")
SPECIAL = [0., -0., 1., -1., 0.5, 2., NAN, INF, -INF]

UNARY_GRAD = ["neg", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos",
              "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "relu", "sqrt",
              "rsqrt", "reciprocal", "abs", "sign", "floor", "ceil", "round", "trunc", "square"]


@pytest.mark.parametrize("name", UNARY_GRAD)
@pytest.mark.parametrize("upstream", [1., INF, NAN])
def test_unary_gradients_at_special_values(name, upstream):
    same(lambda m: grads(m, lambda m, x: getattr(m, name)(x), SPECIAL, upstream=upstream,
                         dtype="float64"))


BINARY_GRAD = {
    "add": lambda m, a, b: a + b, "sub": lambda m, a, b: a - b, "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b, "pow": lambda m, a, b: a ** b,
    "maximum": lambda m, a, b: m.maximum(a, b), "minimum": lambda m, a, b: m.minimum(a, b),
    "atan2": lambda m, a, b: m.atan2(a, b), "remainder": lambda m, a, b: a % b,
    "fmod": lambda m, a, b: m.fmod(a, b), "clamp_min": lambda m, a, b: m.clamp_min(a, b),
    "clamp_max": lambda m, a, b: m.clamp_max(a, b),
    "div_floor": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
    "where": lambda m, a, b: m.where(a > b, a, b),
}
PAIRS = [(a, b) for a in (0., -0., 1., -2., NAN, INF) for b in (0., 1., -0.5, 2., NAN, -INF)]


@pytest.mark.parametrize("name", sorted(BINARY_GRAD))
@pytest.mark.parametrize("upstream", [1., INF])
def test_binary_gradients_at_special_values(name, upstream):
    a, b = zip(*PAIRS)
    same(lambda m: grads(m, BINARY_GRAD[name], list(a), list(b), upstream=upstream,
                         dtype="float64"))


@pytest.mark.parametrize("base", [0., 2., -2., 0.5])
@pytest.mark.parametrize("upstream", [1., INF])
def test_scalar_base_pow_gradients_at_special_values(base, upstream):
    same(lambda m: grads(m, lambda m, x: base ** x, SPECIAL, upstream=upstream, dtype="float64"))


@pytest.mark.parametrize("exponent", [0, 1, 2, -1, 0.5, 3.5, -2.5])
def test_scalar_exponent_pow_gradients_at_special_values(exponent):
    same(lambda m: grads(m, lambda m, x: x ** exponent, SPECIAL, dtype="float64"))


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128"]
UNARY_ALL = UNARY_GRAD + ["logical_not", "bitwise_not", "isnan", "isinf", "isfinite"]


def _sample(m, dtype):
    values = {"bool": [True, False, True], "uint8": [3, 250, 0], "complex64": [1 + 1j, -2.5, 0],
              "complex128": [1 + 1j, -2.5, 0]}
    default = [1.5, -2.5, 0.] if dtype.startswith("float") else [3, -2, 0]
    return m.tensor(values.get(dtype, default), dtype=getattr(m, dtype))


@pytest.mark.parametrize("name", UNARY_ALL)
def test_unary_ops_accept_and_refuse_the_dtypes_torch_does(name):
    for dtype in DTYPES:
        same(lambda m: getattr(m, name)(_sample(m, dtype)))


def test_tanh_backward_is_torchs_named_op_under_create_graph():
    def fn(m):
        x = m.tensor([0.5, -1., 0.], requires_grad=True)
        g, = m.autograd.grad(m.tanh(x).sum(), x, create_graph=True)
        names = [None if f is None else f.name() for f, _ in g.grad_fn.next_functions]
        return g, names, m.autograd.grad(g.sum(), x)
    same(fn)
    same(lambda m: grads(m, lambda m, x: x.tanh(), [0., 30., -30.], upstream=float("inf")))
