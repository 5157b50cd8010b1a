"""The reduction family: sums and products, extremes and order statistics, moments,
cumulative ops and their composites (diff, trapezoid)."""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S, reduction_samples

NAN = float("nan")


def _ints(A, *shape, lo=0, hi=5):
    return A.rng.integers(lo, hi, shape)


def _with_zeros(A, *shape, count=1):
    x = A(*shape)
    flat = x.reshape(-1)
    flat[A.rng.choice(flat.size, count, replace=False)] = 0.0
    return x


def _row_zeros(A):
    """A (3, 4) array: row 0 one zero, row 1 two zeros, row 2 none."""
    x = A(3, 4)
    x[0, 2] = 0.0
    x[1, 0] = x[1, 3] = 0.0
    return x


def _ties(A):
    x = A(3, 4)
    x[0, 1] = x[0, 3] = x.max() + 0.5
    x[1, :2] = x[1, 2]
    x[2, 0] = x[2, 3] = x.min() - 0.5
    return x


def _f(name):
    return lambda m, x, *a, **k: getattr(m, name)(x, *a, **k)


def _method(name):
    return lambda m, x, *a, **k: getattr(x, name)(*a, **k)


def _dim_samples(A):
    return [S(A(3, 4), 1), S(A(3, 4), 0, True), S(A(2, 3, 2), -1), S(A(2, 3, 2), dim=-3),
            S(A(5), 0), S(A(), 0)]


def _tuple_dim_samples(A):
    return [S(A(2, 3, 2), (0, 2)), S(A(2, 3, 2), (-1, 0), True), S(A(3, 4), [1]),
            S(A(3, 4), (0, 1)), S(A(), ())]


def _sum_entries():
    E = [
        OpInfo("sum_uint8", lambda m, x: (x.to(m.uint8).sum(), x.to(m.uint8).sum(0)),
               lambda A: [S(_ints(A, 3, 4, hi=200))], grad=False),
        OpInfo("sum_int_dtypes", lambda m, x: tuple(x.to(getattr(m, d)).sum(1) for d in
                                                    ("bool", "uint8", "int8", "int16", "int32",
                                                     "int64")),
               lambda A: [S(_ints(A, 3, 4))], grad=False),
        OpInfo("sum_dtype_dim", lambda m, x, *a: m.sum(x, *a, dtype=m.float64),
               lambda A: [S(A(3, 4), 1), S(A(2, 3, 2), (0, 2), True)]),
        OpInfo("sum_dtype_int_to_float", lambda m, x: x.long().sum(0, dtype=m.float32),
               lambda A: [S(_ints(A, 3, 4))], grad=False),
        OpInfo("sum_keepdim_no_dim", lambda m, x: x.sum(dim=None, keepdim=True),
               lambda A: [S(A(3, 4))]),
        # chainrule's gradcheck refuses empty inputs (a zero stride)
        OpInfo("sum_empty", lambda m, x: (x.sum(), x.sum(0), x.sum(-1)),
               lambda A: [S(A(0, 3)), S(A(2, 0))], gradcheck=False),
        OpInfo("mean_dtype_dim", lambda m, x, *a: m.mean(x, *a, dtype=m.float64),
               lambda A: [S(A(3, 4), 1), S(A(2, 3, 2), (0, 2), True)]),
        OpInfo("mean_int_with_dtype", lambda m, x: x.int().mean(dtype=m.float64),
               lambda A: [S(_ints(A, 3, 4))], grad=False),
        OpInfo("mean_empty", lambda m, x: (x.mean(), x.mean(0), x.mean(-1)),
               lambda A: [S(A(0, 3)), S(A(2, 0))], gradcheck=False),
        OpInfo("mean_half", lambda m, x: x.half().mean(1), lambda A: [S(A(3, 40))],
               gradcheck=False, atol=1e-3, rtol=1e-3),
        OpInfo("prod", _f("prod"), lambda A: reduction_samples(A) + [
            S(_with_zeros(A, 3, 4)), S(_with_zeros(A, 3, 4, count=2)), S(np.zeros(3))],
            domain=(0.5, 1.5)),
        OpInfo("prod_dim", _f("prod"), lambda A: [
            S(A(3, 4), 1), S(A(3, 4), 0, True), S(A(2, 3, 2), -1), S(A(), 0),
            S(_row_zeros(A), 1), S(_row_zeros(A), 0, True), S(_row_zeros(A), -1, True)],
            domain=(0.5, 1.5)),
        OpInfo("Tensor.prod", _method("prod"), lambda A: [S(A(3, 4)), S(A(3, 4), 1)],
               domain=(0.5, 1.5)),
        OpInfo("prod_dtype", lambda m, x, *a: x.prod(*a, dtype=m.float64),
               lambda A: [S(A(3, 4)), S(A(3, 4), 1), S(_row_zeros(A), 1)], domain=(0.5, 1.5)),
        OpInfo("prod_int", lambda m, x: (x.prod(), x.prod(1), x.int().prod(0), x.bool().prod()),
               lambda A: [S(_ints(A, 3, 4, lo=1))], grad=False),
        OpInfo("prod_empty", lambda m, x: (x.prod(), x.prod(0), x.prod(1)),
               lambda A: [S(A(0, 3)), S(A(2, 0))], gradcheck=False),
        OpInfo("nansum", _f("nansum"), lambda A: [
            S(A(3, 4)), S(A(3, 4), 1), S(A(2, 3, 2), (0, 2), True), S(A())]),
        OpInfo("nansum_nan", _f("nansum"), lambda A: [  # no finite differences through NaN
            S(np.array([1.0, NAN, 2.0])), S(np.array([[1.0, NAN], [NAN, NAN]]), 0)],
            gradcheck=False),
        OpInfo("nansum_dtype", lambda m, x: (x.nansum(dtype=m.float64), x.long().nansum()),
               lambda A: [S(A(3, 4))]),
        OpInfo("nanmean", _f("nanmean"), lambda A: [
            S(A(3, 4)), S(A(3, 4), 1, True), S(np.array([1.0, NAN, 2.0])),
            S(np.array([[1.0, NAN], [NAN, NAN]]), 1)], gradcheck=False),
        OpInfo("logsumexp", _f("logsumexp"), lambda A: [
            S(A(3, 4), 1), S(A(3, 4), (0, 1)), S(A(2, 3, 2), -1, True), S(A(), 0),
            S(A(3, 4) * 1000, 1), S(-A(3, 4, lo=1, hi=2) * 1000, 0)]),
        OpInfo("logsumexp_inf", _f("logsumexp"),  # the gradient of an all -inf row is NaN
               lambda A: [S(np.array([[1.0, -np.inf], [-np.inf, -np.inf]]), 1),
                          S(np.array([[1.0, np.inf], [-np.inf, 2.0]]), 1)], gradcheck=False),
        OpInfo("Tensor.logsumexp", _method("logsumexp"), lambda A: [S(A(3, 4), 0)]),
        OpInfo("logsumexp_int", lambda m, x: x.logsumexp(1), lambda A: [S(_ints(A, 3, 4))],
               grad=False),
        OpInfo("count_nonzero", _f("count_nonzero"), lambda A: [
            S(np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])),
            S(np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]]), 1),
            S(np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]]), (0, 1)), S(A(0, 2), 0)],
            grad=False),
        OpInfo("any_all_uint8", lambda m, x: (x.to(m.uint8).any(), x.to(m.uint8).all(1),
                                              x.to(m.uint8).any(0, True), x.any(), x.all(0)),
               lambda A: [S(_ints(A, 3, 4, hi=2))], grad=False),
        OpInfo("any_all_tuple_dims", lambda m, x: (x.any((0, 1)), m.all(x, (1,), keepdim=True)),
               lambda A: [S(_ints(A, 2, 3, hi=2))], grad=False),
    ]
    return E


def _max_min(name):
    return [
            OpInfo(f"{name}_dim", _f(name), _dim_samples),
            OpInfo(f"Tensor.{name}_dim", _method(name), lambda A: [S(A(3, 4), dim=1),
                                                                  S(A(3, 4), 0, keepdim=True)]),
            OpInfo(f"{name}_dim_ties", _f(name), lambda A: [S(_ties(A), 1), S(_ties(A), 0)],
                   gradcheck=False),  # finite differences are undefined at ties
            OpInfo(f"{name}_all_ties_nan", _f(name), lambda A: [
                S(np.array([1.0, NAN, 3.0])), S(np.array([[NAN, 2.0], [NAN, 0.0]])),
                S(_ties(A))], gradcheck=False),
            OpInfo(f"{name}_dim_nan", lambda m, x, d: getattr(m, name)(x, d),
                   lambda A: [S(np.array([[1.0, NAN, 3.0], [2.0, 5.0, NAN]]), 1)],
                   gradcheck=False),
            OpInfo(f"{name}_int", lambda m, x: (getattr(x, name)(), *getattr(x, name)(1)),
                   lambda A: [S(_ints(A, 3, 4))], grad=False),
            OpInfo(f"a{name}", _f(f"a{name}"), lambda A: _dim_samples(A) + _tuple_dim_samples(A)
                   + [S(A(3, 4))]),
            OpInfo(f"a{name}_ties", _f(f"a{name}"), lambda A: [
                S(_ties(A)), S(_ties(A), 1), S(_ties(A), 0, True), S(_ties(A), (0, 1))],
                gradcheck=False),
            OpInfo(f"a{name}_nan", _f(f"a{name}"),
                   lambda A: [S(np.array([[1.0, NAN, 3.0], [2.0, 5.0, 4.0]]), 1)],
                   gradcheck=False),
            OpInfo(f"arg{name}", _f(f"arg{name}"), lambda A: [
                S(A(3, 4)), S(A(3, 4), 1), S(A(3, 4), 0, True), S(A(3, 4), keepdim=True),
                S(A(), 0), S(_ties(A), 1), S(np.array([1.0, NAN, 3.0, NAN]))], grad=False),
            OpInfo(f"Tensor.arg{name}", _method(f"arg{name}"), lambda A: [S(A(3, 4), dim=-1)],
                   grad=False),
        ]


def _extreme_entries():
    E = _max_min("max") + _max_min("min")
    E += [
        OpInfo("max_min_empty_dim", lambda m, x: (*x.max(1), *x.min(-1), x.amax(1), x.argmax(1)),
               lambda A: [S(A(0, 3))], gradcheck=False),
        OpInfo("aminmax", lambda m, x, **k: m.aminmax(x, **k), lambda A: [
            S(A(3, 4)), S(A(3, 4), dim=1), S(A(2, 3, 2), dim=-1, keepdim=True), S(A()),
            S(A(3, 4), keepdim=True)]),
        OpInfo("aminmax_ties", lambda m, x, **k: m.aminmax(x, **k), lambda A: [
            S(_ties(A)), S(_ties(A), dim=1), S(_ties(A), dim=0)], gradcheck=False),
        OpInfo("aminmax_min_only", lambda m, x: m.aminmax(x, dim=0)[0], lambda A: [S(A(3, 4))]),
        OpInfo("aminmax_max_only", lambda m, x: x.aminmax().max * 2, lambda A: [S(A(3, 4))]),
        OpInfo("median", _f("median"), lambda A: reduction_samples(A) + [
            S(A(3, 5), 1), S(A(3, 4), 1), S(A(3, 4), 0, True), S(A(), 0), S(A(2, 3, 2), -2)]),
        OpInfo("median_ties_nan", _f("median"), lambda A: [
            S(_ties(A)), S(_ties(A), 1), S(_ties(A), 0), S(np.array([1.0, NAN, 3.0, NAN])),
            S(np.array([[1.0, NAN, 3.0], [2.0, 5.0, 4.0]]), 1)], gradcheck=False),
        OpInfo("nanmedian", _f("nanmedian"), lambda A: [
            S(A(3, 4)), S(A(3, 4), 1), S(A(3, 5), 0, True),
            S(np.array([1.0, NAN, 3.0, NAN, 2.0])),
            S(np.array([[1.0, NAN, 3.0], [NAN, NAN, NAN], [NAN, 2.0, 0.5]]), 1)],
            gradcheck=False),
        OpInfo("median_int", lambda m, x: (x.median(), *x.median(1), *x.nanmedian(0)),
               lambda A: [S(_ints(A, 3, 4))], grad=False),
        OpInfo("mode", _f("mode"), lambda A: [
            S(np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, 1.0, 1.0, 2.0]])),
            S(np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, 1.0, 1.0, 2.0]]), 0),
            S(np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, 1.0, 1.0, 2.0]]), 1, True),
            S(A(3, 4)), S(A(), 0), S(np.array([1.0, NAN, 3.0, NAN]))], gradcheck=False),
        OpInfo("mode_int", lambda m, x: m.mode(x, 0), lambda A: [S(_ints(A, 40, 3, hi=3))],
               grad=False),
        OpInfo("kthvalue", lambda m, x, k, *a: m.kthvalue(x, k, *a), lambda A: [
            S(A(3, 4), 2), S(A(3, 4), 1, 0), S(A(3, 4), 4, 1, True), S(A(), 1),
            S(A(2, 3, 2), 2, -2)]),
        OpInfo("kthvalue_ties", lambda m, x, k, *a: x.kthvalue(k, *a), lambda A: [
            S(np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, 1.0, 1.0, 2.0]]), 3),
            S(np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, 1.0, 1.0, 2.0]]), 2),
            S(np.array([1.0, NAN, 3.0, NAN]), 3)], gradcheck=False),
        OpInfo("kthvalue_int", lambda m, x: tuple(t for k in (1, 7, 20, 33, 40) for t in x.kthvalue(k, 0)),
               lambda A: [S(_ints(A, 40, 3, hi=3))], grad=False),
    ]
    return E


def _var_std(name, with_mean):
    return [
            OpInfo(name, _f(name), lambda A: reduction_samples(A)[:2] + _dim_samples(A)[:4]
                   + _tuple_dim_samples(A)[:4]),
            OpInfo(f"Tensor.{name}", _method(name), lambda A: [S(A(3, 4), 1), S(A(3, 4))]),
            OpInfo(f"{name}_correction", lambda m, x, *a, **k: getattr(m, name)(x, *a, **k),
                   lambda A: [S(A(3, 4), correction=0), S(A(3, 4), 1, correction=2),
                              S(A(3, 4), (0, 1), correction=0.5, keepdim=True),
                              S(A(3, 4), dim=None, correction=0)]),
            OpInfo(f"{name}_unbiased", lambda m, x, *a, **k: getattr(x, name)(*a, **k),
                   lambda A: [S(A(3, 4), False), S(A(3, 4), 1, False), S(A(3, 4), 0, True, True),
                              S(A(3, 4), unbiased=False)]),
            OpInfo(f"{name}_mean", lambda m, x, *a, **k: with_mean(m)(x, *a, **k),
                   lambda A: [S(A(3, 4)), S(A(3, 4), 1), S(A(2, 3, 2), (0, 2), keepdim=True),
                              S(A(3, 4), 0, correction=0), S(A(3, 4), 1, False)]),
            OpInfo(f"{name}_mean_first", lambda m, x: with_mean(m)(x, 1)[0] * 2,
                   lambda A: [S(A(3, 4))]),
            OpInfo(f"{name}_mean_second", lambda m, x: with_mean(m)(x)[1] * 2,
                   lambda A: [S(A(3, 4))]),
        ]


def _moment_entries():
    E = _var_std("var", lambda m: m.var_mean) + _var_std("std", lambda m: m.std_mean)
    E += [
        OpInfo("std_zero", lambda m, x: x.std(1), lambda A: [S(np.array([[1.0, 1.0], [1.0, 2.0]]))],
               gradcheck=False),  # std is not differentiable where it is zero
        OpInfo("var_half", lambda m, x: x.half().var(1), lambda A: [S(A(3, 8))], gradcheck=False,
               atol=1e-3, rtol=1e-3),
    ]
    return E


def _cumsum_cumprod(name):
    return [
            OpInfo(name, _f(name), lambda A: [S(A(3, 4), 1), S(A(3, 4), 0), S(A(2, 3, 2), -1),
                                              S(A(5), 0), S(A(), 0), S(A(3, 1), 1)],
                   domain=(0.5, 1.5)),
            OpInfo(f"{name}_empty", _f(name), lambda A: [S(A(0, 3), 1), S(A(2, 0), 1)],
                   gradcheck=False),
            OpInfo(f"Tensor.{name}", _method(name), lambda A: [S(A(3, 4), dim=-1)],
                   domain=(0.5, 1.5)),
            OpInfo(f"{name}_dtype", lambda m, x, d: getattr(x, name)(d, dtype=m.float64),
                   lambda A: [S(A(3, 4), 1)], domain=(0.5, 1.5)),
            OpInfo(f"{name}_int", lambda m, x: tuple(getattr(x.to(getattr(m, d)), name)(1) for d
                                                     in ("bool", "uint8", "int32", "int64")),
                   lambda A: [S(_ints(A, 3, 4))], grad=False),
        ]


def _cumulative_entries():
    E = _cumsum_cumprod("cumsum") + _cumsum_cumprod("cumprod")
    E += [
        OpInfo("cumprod_zeros", _f("cumprod"), lambda A: [
            S(_row_zeros(A), 1), S(_row_zeros(A), 0), S(np.array([2.0, 0.0, 3.0, 0.0, 4.0]), 0),
            S(np.array([0.0, 1.5, 2.0]), 0), S(np.array([1.5, 2.0, 0.0]), 0)],
            domain=(0.5, 1.5)),
        OpInfo("cummax", _f("cummax"), lambda A: [S(A(3, 4), 1), S(A(3, 4), 0), S(A(5), -1),
                                                  S(A(), 0)]),
        OpInfo("cummin", _f("cummin"), lambda A: [S(A(3, 4), 1), S(A(2, 3, 2), -2), S(A(), 0)]),
        OpInfo("cummax_ties_nan", lambda m, x, d: (*m.cummax(x, d), *m.cummin(x, d)), lambda A: [
            S(np.array([[1.0, 3.0, 3.0, 2.0, 3.0], [2.0, 2.0, 1.0, 1.0, 2.0]]), 1),
            S(np.array([1.0, NAN, 3.0, NAN, 0.0]), 0)], gradcheck=False),
        OpInfo("cummax_int", lambda m, x: (*x.cummax(1), *x.cummin(0)),
               lambda A: [S(_ints(A, 3, 4))], grad=False),
        OpInfo("logcumsumexp", _f("logcumsumexp"), lambda A: [
            S(A(3, 4), 1), S(A(3, 4), 0), S(A(5), 0), S(A(), 0), S(A(3, 4) * 1000, 1)]),
        OpInfo("logcumsumexp_inf", _f("logcumsumexp"),
               lambda A: [S(np.array([-np.inf, 0.0, 1.0]), 0)], gradcheck=False),
        OpInfo("diff", lambda m, x, *a, **k: m.diff(x, *a, **k), lambda A: [
            S(A(3, 4)), S(A(3, 4), 2), S(A(3, 4), 1, 0), S(A(5), 3), S(A(3, 4), 0),
            S(A(4), 6), S(A(3, 4), dim=0, prepend=A(1, 4)),
            S(A(3, 4), append=A(3, 2)), S(A(3, 4), 2, -1, A(3, 1), A(3, 1))]),
        OpInfo("Tensor.diff", lambda m, x: x.diff(dim=0), lambda A: [S(A(3, 4))]),
        OpInfo("diff_bool_int", lambda m, x: (x.bool().diff(), x.long().diff(2)),
               lambda A: [S(_ints(A, 3, 5, hi=3))], grad=False),
        OpInfo("trapezoid", lambda m, y, *a, **k: m.trapezoid(y, *a, **k), lambda A: [
            S(A(3, 4)), S(A(3, 4), dx=2.5), S(A(3, 4), dim=0), S(A(3, 4), A(4)),
            S(A(3, 4), A(3, 4), dim=0), S(A(2, 3, 4), A(3, 4), dim=1), S(A(5), np.arange(5.0))]),
        OpInfo("trapezoid_empty", lambda m, y, **k: m.trapezoid(y, **k),
               lambda A: [S(A(0, 3), dim=0), S(A(2, 0))], grad=False),
        OpInfo("trapz", lambda m, y, *a, **k: m.trapz(y, *a, **k),
               lambda A: [S(A(3, 4)), S(A(3, 4), A(4)), S(A(3, 4), dx=0.5, dim=0)]),
        OpInfo("cumulative_trapezoid", lambda m, y, *a, **k: m.cumulative_trapezoid(y, *a, **k),
               lambda A: [S(A(3, 4)), S(A(3, 4), dx=2.0), S(A(3, 4), A(4)),
                          S(A(3, 4), A(3, 4), dim=0), S(A(5))]),
        OpInfo("trapezoid_int", lambda m, y: (m.trapezoid(y), m.trapezoid(y, dx=2),
                                              m.cumulative_trapezoid(y)),
               lambda A: [S(_ints(A, 3, 4))], grad=False),
    ]
    return E


KNOWN_BUGS: dict = {}

ENTRIES = _sum_entries() + _extreme_entries() + _moment_entries() + _cumulative_entries()
