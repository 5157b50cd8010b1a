"""Pooling against torch: errors (class and message), ties, NaN and -inf windows, integer
dtypes, double-backward nodes, and hypothesis-drawn configurations (values, indices,
grads)."""
from __future__ import annotations

import numpy as np
import pytest
from nn_pairs import (
    assert_same_error,
    compare_values_and_grads,
    double_backward_nodes,
    outcome,
    tensor,
    torch,
)

import chainrule

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

R = np.random.default_rng(0)


def A(*shape):
    return R.standard_normal(shape)


def T(m, a, rg=False):
    return m.tensor(np.asarray(a, dtype=np.float32), requires_grad=rg)


X = A(2, 3, 7, 7)
ERRORS = {
    "max pad too big": lambda m, F: F.max_pool2d(T(m, X), 3, padding=2),
    "max kernel 0": lambda m, F: F.max_pool2d(T(m, X), 0),
    "max kernel 0 stride 1": lambda m, F: F.max_pool2d(T(m, X), 0, stride=1),
    "max stride 0": lambda m, F: F.max_pool2d(T(m, X), 2, stride=0),
    "max dilation 0": lambda m, F: F.max_pool2d(T(m, X), 2, dilation=0),
    "max negative pad": lambda m, F: F.max_pool2d(T(m, X), 2, padding=-1),
    "max output too small": lambda m, F: F.max_pool2d(T(m, A(1, 1, 2, 2)), 3),
    "max rank 2": lambda m, F: F.max_pool2d(T(m, A(7, 7)), 2),
    "max rank 5": lambda m, F: F.max_pool2d(T(m, A(1, 1, 1, 7, 7)), 2),
    "max empty channels": lambda m, F: F.max_pool2d(T(m, A(1, 0, 7, 7)), 2),
    "max kernel length": lambda m, F: F.max_pool2d(T(m, X), (2, 2, 2)),
    "max1d rank": lambda m, F: F.max_pool1d(T(m, A(7)), 3),
    "max1d rank with indices": lambda m, F: F.max_pool1d(T(m, A(7)), 3, return_indices=True),
    "max1d pad": lambda m, F: F.max_pool1d(T(m, A(2, 3, 7), True), 3, padding=2),
    "max1d pad with indices": lambda m, F: F.max_pool1d(T(m, A(2, 3, 7)), 3, padding=2,
                                                        return_indices=True),
    "max1d too small": lambda m, F: F.max_pool1d(T(m, A(2, 3, 2)), 3),
    "max1d too small with indices": lambda m, F: F.max_pool1d(T(m, A(2, 3, 2)), 3,
                                                              return_indices=True),
    "max1d kernel 0": lambda m, F: F.max_pool1d(T(m, A(2, 3, 7)), 0),
    "max3d rank": lambda m, F: F.max_pool3d(T(m, A(3, 3)), 2),
    "max3d pad": lambda m, F: F.max_pool3d(T(m, A(1, 1, 4, 4, 4)), 2, padding=2),
    "max3d too small": lambda m, F: F.max_pool3d(T(m, A(1, 1, 1, 4, 4)), 2),
    "max3d dilation": lambda m, F: F.max_pool3d(T(m, A(1, 1, 4, 4, 4)), 2, dilation=0),
    "max3d empty": lambda m, F: F.max_pool3d(T(m, A(1, 0, 4, 4, 4)), 2),
    "avg pad too big": lambda m, F: F.avg_pool2d(T(m, X), 3, padding=2),
    "avg kernel 0": lambda m, F: F.avg_pool2d(T(m, X), 0),
    "avg kernel 0 stride 1": lambda m, F: F.avg_pool2d(T(m, X), 0, stride=1),
    "avg rank 2": lambda m, F: F.avg_pool2d(T(m, A(7, 7)), 2),
    "avg rank 5": lambda m, F: F.avg_pool2d(T(m, A(1, 1, 1, 4, 4)), 2),
    "avg too small": lambda m, F: F.avg_pool2d(T(m, A(1, 1, 2, 2)), 3),
    "avg divisor 0": lambda m, F: F.avg_pool2d(T(m, X), 2, divisor_override=0),
    "avg negative pad": lambda m, F: F.avg_pool2d(T(m, X), 2, padding=-1),
    "avg empty channels": lambda m, F: F.avg_pool2d(T(m, A(1, 0, 4, 4)), 2),
    "avg1d rank": lambda m, F: F.avg_pool1d(T(m, A(7)), 2),
    "avg1d rank 4": lambda m, F: F.avg_pool1d(T(m, A(1, 1, 4, 4)), 2),
    "avg1d pad": lambda m, F: F.avg_pool1d(T(m, A(1, 2, 7)), 3, padding=2),
    "avg1d too small": lambda m, F: F.avg_pool1d(T(m, A(1, 4, 1)), 2),
    "avg3d rank": lambda m, F: F.avg_pool3d(T(m, A(4, 4)), 2),
    "avg3d stride 0": lambda m, F: F.avg_pool3d(T(m, A(1, 1, 4, 4, 4)), 2, stride=0),
    "adaptive avg negative": lambda m, F: F.adaptive_avg_pool2d(T(m, X), -1),
    "adaptive avg rank": lambda m, F: F.adaptive_avg_pool2d(T(m, A(3, 3)), 2),
    "adaptive avg length": lambda m, F: F.adaptive_avg_pool2d(T(m, X), (2, 2, 2)),
    "adaptive avg int": lambda m, F: F.adaptive_avg_pool2d(m.ones(1, 2, 3, 3,
                                                                  dtype=m.int64), 2),
    "adaptive avg1d rank": lambda m, F: F.adaptive_avg_pool1d(T(m, A(3)), 2),
    "adaptive avg1d two sizes": lambda m, F: F.adaptive_avg_pool1d(T(m, A(1, 2, 3)), (2, 2)),
    "adaptive avg3d rank": lambda m, F: F.adaptive_avg_pool3d(T(m, A(3, 3)), 2),
    "adaptive max rank": lambda m, F: F.adaptive_max_pool2d(T(m, A(3, 3)), 2),
    "adaptive max int": lambda m, F: F.adaptive_max_pool2d(m.ones(1, 2, 3, 3,
                                                                  dtype=m.int64), 2),
    "adaptive max1d rank": lambda m, F: F.adaptive_max_pool1d(T(m, A(3)), 2),
    "adaptive max3d rank": lambda m, F: F.adaptive_max_pool3d(T(m, A(3, 3)), 2),
    "unpool invalid index": lambda m, F: F.max_unpool2d(
        T(m, A(1, 1, 2, 2)), m.tensor([[[[0, 5], [10, 100]]]]), 2),
    "unpool float indices": lambda m, F: F.max_unpool2d(T(m, A(1, 1, 2, 2)),
                                                        m.zeros(1, 1, 2, 2), 2),
    "unpool index shape": lambda m, F: F.max_unpool2d(
        T(m, A(1, 1, 2, 2)), m.zeros(1, 1, 2, 3, dtype=m.int64), 2),
    "unpool output size": lambda m, F: F.max_unpool2d(
        T(m, A(1, 1, 2, 2)), m.zeros(1, 1, 2, 2, dtype=m.int64), 2, output_size=(9, 9)),
    "unpool output size length": lambda m, F: F.max_unpool2d(
        T(m, A(1, 1, 2, 2)), m.zeros(1, 1, 2, 2, dtype=m.int64), 2, output_size=(4,)),
    "unpool3d invalid index": lambda m, F: F.max_unpool3d(
        T(m, A(1, 1, 2, 2, 2)), m.tensor([0, 1, 2, 3, 4, 5, 6, 700]).reshape(1, 1, 2, 2, 2),
        2),
    "unpool1d invalid index": lambda m, F: F.max_unpool1d(T(m, A(1, 1, 2)),
                                                          m.tensor([[[0, 50]]]), 2),
    "unpool rank": lambda m, F: F.max_unpool2d(T(m, A(2, 2)), m.zeros(2, 2, dtype=m.int64),
                                               2),
    "fractional too big h": lambda m, F: F.fractional_max_pool2d(
        T(m, X), (3, 2), output_size=(6, 3), _random_samples=m.rand(2, 3, 2)),
    "fractional too big w": lambda m, F: F.fractional_max_pool2d(
        T(m, X), (2, 3), output_size=(3, 6), _random_samples=m.rand(2, 3, 2)),
    "fractional 3d too big": lambda m, F: F.fractional_max_pool3d(
        T(m, A(1, 1, 4, 4, 4)), 2, output_size=(4, 2, 2), _random_samples=m.rand(1, 1, 3)),
    "fractional rank": lambda m, F: F.fractional_max_pool2d(T(m, A(7, 7)), 2, output_size=3),
    "fractional 3d rank": lambda m, F: F.fractional_max_pool3d(T(m, A(7, 7)), 2,
                                                               output_size=3),
    "fractional no size": lambda m, F: F.fractional_max_pool2d(T(m, X), 2),
    "fractional samples": lambda m, F: F.fractional_max_pool2d(
        T(m, X), 2, output_size=3, _random_samples=m.rand(2, 4, 2)),
    "fractional float ratio": lambda m, F: F.fractional_max_pool2d(T(m, X), 2,
                                                                   output_ratio=0.5),
    "fractional empty": lambda m, F: F.fractional_max_pool2d(T(m, A(1, 0, 7, 7)), 2,
                                                             output_size=3),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_pool_errors_match_torch(name):
    assert_same_error(ERRORS[name])


def _same(fn):
    t, c = outcome(torch, fn), outcome(chainrule, fn)
    t = t if isinstance(t, tuple) else (t,)
    c = c if isinstance(c, tuple) else (c,)
    assert len(t) == len(c)
    for a, b in zip(c, t):
        assert str(a.dtype) == str(b.dtype)
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


NAN = [[[[1.0, np.nan, 3.0, np.nan], [-np.inf] * 4, [2.0, 2.0, 1.0, 1.0]]]]


@pytest.mark.parametrize("expr", [
    lambda m, F: F.max_pool2d(T(m, NAN), (1, 2), return_indices=True),
    lambda m, F: F.max_pool2d(T(m, NAN), (3, 2), stride=1, padding=(1, 0),
                              return_indices=True),
    lambda m, F: F.max_pool2d(m.full((1, 1, 3, 3), float("-inf")), 3, 1, 1, return_indices=True),
    lambda m, F: F.max_pool2d(m.ones(1, 1, 4, 4), 2, 1, return_indices=True),
    lambda m, F: F.max_pool2d(m.tensor([[[[1, 5, 3], [7, 2, 7]]]]), 2, 1, (0, 1),
                              return_indices=True),
    lambda m, F: F.adaptive_max_pool2d(T(m, NAN), (2, 3), return_indices=True),
    lambda m, F: F.max_pool1d(m.tensor([[[3, 1, 4, 1, 5, 9, 2, 6]]]), 3, 2, 1,
                              return_indices=True),
    lambda m, F: F.avg_pool2d(m.tensor([[[[-3, 0, 5], [7, -8, 1]]]]), 2, 1, ceil_mode=True),
    lambda m, F: F.avg_pool1d(m.tensor([[[-3, 0, 5, 2]]]), 2, 1, 1, False, False),
])
def test_pool_ties_nan_inf_and_integers_match_torch(expr):
    _same(expr)


DOUBLE = {
    "max_pool2d": (lambda m, F, x: F.max_pool2d(x, 2, 1), [A(1, 2, 4, 4)]),
    "max_pool3d": (lambda m, F, x: F.max_pool3d(x, 2), [A(1, 1, 4, 4, 4)]),
    "max_pool1d": (lambda m, F, x: F.max_pool1d(x, 2), [A(1, 2, 6)]),
    "avg_pool2d": (lambda m, F, x: F.avg_pool2d(x, 3, 2, 1), [A(1, 2, 5, 5)]),
    "avg_pool3d": (lambda m, F, x: F.avg_pool3d(x, 2), [A(1, 1, 4, 4, 4)]),
    "adaptive_avg_pool2d": (lambda m, F, x: F.adaptive_avg_pool2d(x, 3), [A(1, 2, 5, 5)]),
    "adaptive_avg_pool3d": (lambda m, F, x: F.adaptive_avg_pool3d(x, 2), [A(1, 1, 3, 3, 3)]),
    "adaptive_max_pool2d": (lambda m, F, x: F.adaptive_max_pool2d(x, 3), [A(1, 2, 5, 5)]),
    "adaptive_max_pool3d": (lambda m, F, x: F.adaptive_max_pool3d(x, 2), [A(1, 1, 3, 3, 3)]),
    "lp_pool2d": (lambda m, F, x: F.lp_pool2d(x.abs() + 1, 2, 2), [A(1, 2, 4, 4)]),
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_double_backward_records_torchs_nodes(name):
    fn, arrays = DOUBLE[name]
    t, c = double_backward_nodes(fn, arrays)
    assert c == t


def test_unpool_backward_is_torchs_gather_composite():
    seen = []
    for m in (torch, chainrule):
        _, idx = m.nn.functional.max_pool2d(m.tensor(A(1, 1, 4, 4)), 2, return_indices=True)
        x = tensor(m, A(1, 1, 2, 2), True)
        y = m.nn.functional.max_unpool2d(x, idx, 2)
        up = m.ones(1, 1, 4, 4, dtype=m.float64, requires_grad=True)
        g, = m.autograd.grad((y * up).sum(), (x,), create_graph=True)
        names = [g.grad_fn.name(), g.grad_fn.next_functions[0][0].name(),
                 g.grad_fn.next_functions[0][0].next_functions[0][0].name()]
        seen.append(names)
    assert seen[0] == seen[1] == ["ViewBackward0", "GatherBackward0", "ViewBackward0"]


@settings(max_examples=40, deadline=None)
@given(nd=st.integers(1, 3), kernel=st.integers(1, 3), stride=st.integers(1, 3),
       padding=st.integers(0, 1), dilation=st.integers(1, 2), ceil_mode=st.booleans(),
       batched=st.booleans(), avg=st.booleans(), count_include_pad=st.booleans(),
       seed=st.integers(0, 100))
def test_pool_configurations_match_torch(nd, kernel, stride, padding, dilation, ceil_mode,
                                         batched, avg, count_include_pad, seed):
    shape = ((2,) if batched else ()) + (3,) + (6, 5, 4)[:nd]
    a = np.random.default_rng(seed).standard_normal(shape)
    if avg:
        def fn(m, F, x):
            f = getattr(F, f"avg_pool{nd}d")
            return f(x, kernel, stride, padding, ceil_mode, count_include_pad)
    else:
        def fn(m, F, x):
            return getattr(F, f"max_pool{nd}d")(x, kernel, stride, padding, dilation,
                                                ceil_mode, True)
    t = outcome(torch, lambda m, F: fn(m, F, tensor(m, a)))
    c = outcome(chainrule, lambda m, F: fn(m, F, tensor(m, a)))
    if isinstance(t, Exception):
        assert type(c).__name__ == type(t).__name__, f"{c!r} vs {t!r}"
        assert str(c) == str(t)
        return
    if not avg:
        np.testing.assert_array_equal(c[1].numpy(), t[1].numpy())
    compare_values_and_grads(fn, [a], seed=seed)


@settings(max_examples=30, deadline=None)
@given(nd=st.integers(1, 3), out=st.lists(st.integers(1, 7), min_size=3, max_size=3),
       batched=st.booleans(), use_max=st.booleans(), seed=st.integers(0, 100))
def test_adaptive_configurations_match_torch(nd, out, batched, use_max, seed):
    shape = ((2,) if batched else ()) + (2,) + (5, 6, 4)[:nd]
    size = tuple(out[:nd]) if nd > 1 else out[0]
    a = np.random.default_rng(seed).standard_normal(shape)
    name = f"adaptive_{'max' if use_max else 'avg'}_pool{nd}d"
    compare_values_and_grads(lambda m, F, x: getattr(F, name)(x, size), [a], seed=seed)


def test_fractional_without_samples_draws_from_chainrules_generator():
    x = chainrule.tensor(A(2, 3, 9, 9), requires_grad=True)
    chainrule.manual_seed(0)
    out, idx = chainrule.nn.functional.fractional_max_pool2d(x, 2, output_size=4,
                                                             return_indices=True)
    chainrule.manual_seed(0)
    again = chainrule.nn.functional.fractional_max_pool2d(x, 2, output_size=4)
    assert tuple(out.shape) == (2, 3, 4, 4) and out.grad_fn.name() == \
        "FractionalMaxPool2DBackward0"
    np.testing.assert_array_equal(out.detach().numpy(), again.detach().numpy())
    flat = x.detach().numpy().reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx.numpy().reshape(2, 3, -1), 2),
                                  out.detach().numpy().reshape(2, 3, -1))
