"""Reductions, sorting and cumulative ops against torch, beyond the op table: return types
(printing, pickling, tuple behaviour), errors and warnings (class and message), every
dtype, out=, in-place forms, tie orders of torch's unstable algorithms, double backward
through zeros, and no NumPy warning leaking out."""
import math
import pickle
import subprocess
import sys
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck

torch = pytest.importorskip("torch")

NAN = float("nan")


def _np(t):
    return np.asarray(t.detach().numpy())


def _same(c, t, atol=1e-6, rtol=1e-5):
    """A chainrule result equals a torch result: tensors, or (named) tuples of them."""
    if isinstance(t, tuple):
        assert isinstance(c, tuple) and len(c) == len(t)
        assert type(c).__name__ == type(t).__name__
        for a, b in zip(c, t):
            _same(a, b, atol, rtol)
        return
    if isinstance(t, torch.Tensor):
        assert isinstance(c, cr.Tensor), f"expected a Tensor, got {type(c)}"
        assert tuple(c.shape) == tuple(t.shape) and str(c.dtype) == str(t.dtype), \
            f"{tuple(c.shape)} {c.dtype} != {tuple(t.shape)} {t.dtype}"
        if t.dtype.is_floating_point:
            np.testing.assert_allclose(_np(c), _np(t), atol=atol, rtol=rtol, equal_nan=True)
        else:
            np.testing.assert_array_equal(_np(c), _np(t))
        return
    assert c == t


def _outcome(m, fn):
    try:
        return fn(m)
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return exc


def _both(fn, atol=1e-6):
    """Run ``fn(module)`` with torch and chainrule; same value, or same exception (class
    and message)."""
    t, c = _outcome(torch, fn), _outcome(cr, fn)
    if isinstance(t, Exception):
        assert isinstance(c, Exception), f"torch raises {t!r}, chainrule gives {c!r}"
        assert type(c).__name__ == type(t).__name__, f"{c!r} is not {t!r}"
        assert str(c) == str(t), f"\nchainrule: {c}\ntorch:     {t}"
        return
    assert not isinstance(c, Exception), f"chainrule raises {c!r}; torch gives {t!r}"
    _same(c, t, atol)


# ---------------------------------------------------------------------------- return types
def _pair(m):
    return m.tensor([[1.0, 3.0], [2.0, 0.0]], requires_grad=True)


@pytest.mark.parametrize("make", [
    lambda m: _pair(m).max(1), lambda m: _pair(m).min(0, keepdim=True), lambda m: _pair(m).sort(),
    lambda m: _pair(m).topk(1), lambda m: _pair(m).median(1), lambda m: _pair(m).nanmedian(0),
    lambda m: _pair(m).mode(1), lambda m: _pair(m).kthvalue(1), lambda m: _pair(m).cummax(1),
    lambda m: _pair(m).cummin(0), lambda m: m.aminmax(_pair(m)), lambda m: m.aminmax(_pair(m), dim=0),
    lambda m: m.histogram(m.tensor([1.0, 2.0, 1.0]), bins=2),
    lambda m: m.return_types.max((m.tensor(1.0), m.tensor(0))),
    lambda m: m.return_types.max([1, 2]),
])
def test_return_types_print_like_torch(make):
    t, c = make(torch), make(cr)
    assert repr(c) == repr(t)
    assert str(c) == str(t)
    assert type(c).__name__ == type(t).__name__


def test_return_type_is_a_tuple_with_named_fields():
    for m in (torch, cr):
        r = _pair(m).max(1)
        values, indices = r
        assert r.values is values and r.indices is indices and r[0] is values and r[-1] is indices
        assert isinstance(r, tuple) and len(r) == 2 and r[:1] == (values,)
        assert r == (values, indices) and hash(r) == hash((values, indices))
        assert (r.n_fields, r.n_sequence_fields, r.n_unnamed_fields) == (2, 2, 0)
        with pytest.raises(AttributeError, match="readonly attribute"):
            r.values = 3
        mn, mx = m.aminmax(_pair(m))
        assert m.aminmax(_pair(m)).max.item() == mx.item() == 3.0


def test_return_type_constructor_errors_like_torch():
    _both(lambda m: m.return_types.max(m.tensor(1.0), m.tensor(0)))
    _both(lambda m: m.return_types.max((1, 2, 3)))
    _both(lambda m: m.return_types.sort(5))


def test_return_types_pickle():
    x = cr.tensor([[1.0, 3.0], [2.0, 0.0]])
    for r in (x.max(1), x.sort(), cr.aminmax(x), x.topk(1, 0), cr.histogram(x, 2)):
        back = pickle.loads(pickle.dumps(r))
        assert type(back) is type(r)
        assert all(np.array_equal(_np(a), _np(b)) for a, b in zip(back, r))
        assert back._fields == r._fields


def test_return_types_names_match_torch():
    names = {n for n in dir(torch.return_types) if not n.startswith("_")}
    for name in ("max", "min", "sort", "topk", "kthvalue", "mode", "median", "nanmedian",
                 "cummax", "cummin", "aminmax", "histogram", "max_out", "sort_out",
                 "linalg_eigh", "linalg_slogdet", "qr", "svd", "slogdet"):
        assert name in names
        t, c = getattr(torch.return_types, name), getattr(cr.return_types, name)
        args = tuple(range(t.n_fields))
        assert repr(c(args)) == repr(t(args))


def test_out_returns_out_named_tuples():
    for m in (torch, cr):
        x = m.tensor([[1.0, 3.0], [2.0, 0.0]])
        v, i = m.empty(0), m.empty(0, dtype=m.int64)
        r = m.max(x, 1, out=(v, i))
        assert type(r).__name__ == "max_out" and r.values is v and r.indices is i
        assert v.tolist() == [3.0, 2.0] and i.tolist() == [1, 0]


# ---------------------------------------------------------------------------- errors
E0, E2, E3 = (lambda m: m.zeros(0)), (lambda m: m.zeros(2, 0)), (lambda m: m.zeros(0, 3))
X = lambda m: m.tensor([[1.0, 3.0, 2.0], [0.5, 0.0, 4.0]])  # noqa: E731
I = lambda m: m.tensor([[1, 3, 2], [5, 0, 4]])  # noqa: E731, E741

ERRORS = {
    "max_empty": lambda m: m.max(E0(m)), "min_empty": lambda m: E0(m).min(),
    "amax_empty": lambda m: m.amax(E0(m)), "amin_empty": lambda m: m.amin(E3(m), ()),
    "argmax_empty": lambda m: m.argmax(E0(m)), "argmin_empty": lambda m: E3(m).argmin(),
    "max_empty_dim": lambda m: m.max(E2(m), 1), "min_empty_dim": lambda m: m.min(E3(m), 0),
    "amax_empty_dim": lambda m: E2(m).amax(1), "argmax_empty_dim": lambda m: E3(m).argmax(0),
    "median_empty_dim": lambda m: E2(m).median(1),
    "nanmedian_empty_dim": lambda m: E3(m).nanmedian(0),
    "mode_empty": lambda m: m.mode(E0(m)), "kthvalue_empty": lambda m: m.kthvalue(E0(m), 1),
    "kthvalue_k_large": lambda m: X(m).kthvalue(4), "kthvalue_k_zero": lambda m: X(m).kthvalue(0),
    "topk_empty": lambda m: m.topk(E0(m), 1), "topk_k_large": lambda m: X(m).topk(4),
    "topk_k_negative": lambda m: X(m).topk(-1),
    "aminmax_empty": lambda m: m.aminmax(E0(m)), "aminmax_empty_dim": lambda m: m.aminmax(
        E3(m), dim=0),
    "mean_int": lambda m: I(m).mean(), "mean_int_dim": lambda m: I(m).mean(1),
    "mean_int_dtype": lambda m: X(m).mean(dtype=m.int64),
    "var_int": lambda m: I(m).var(), "std_int": lambda m: m.std(I(m), 1),
    "var_mean_int": lambda m: m.var_mean(I(m)), "nanmean_int": lambda m: I(m).nanmean(),
    "sum_repeated_dim": lambda m: X(m).sum((0, 0)), "sum_dim_range": lambda m: X(m).sum(2),
    "prod_dim_range": lambda m: X(m).prod(-3), "max_dim_range": lambda m: X(m).max(2),
    "cumsum_dim_range": lambda m: X(m).cumsum(2), "sort_dim_range": lambda m: X(m).sort(3),
    "logsumexp_no_dim": lambda m: m.logsumexp(X(m)),
    "logcumsumexp_int": lambda m: I(m).logcumsumexp(0),
    "histc_int": lambda m: m.histc(I(m)), "histc_min_max": lambda m: m.histc(X(m), min=3, max=2),
    "histogram_int": lambda m: m.histogram(I(m), 2),
    "histc_nan": lambda m: m.histc(m.tensor([1.0, NAN])),
    "histc_inf": lambda m: m.histc(m.tensor([1.0, -math.inf]), 4),
    "histogram_nan": lambda m: m.histogram(m.tensor([1.0, NAN]), 4),
    "histogram_inf": lambda m: m.histogram(m.tensor([0.0, math.inf]), 4),
    "bincount_negative": lambda m: m.bincount(m.tensor([-1, 1])),
    "bincount_2d": lambda m: m.bincount(I(m)), "bincount_float": lambda m: m.bincount(X(m)[0]),
    "bincount_minlength": lambda m: m.bincount(m.tensor([1]), minlength=-1),
    "bincount_weights": lambda m: m.bincount(m.tensor([1, 2]), m.tensor([1.0])),
    "searchsorted_sides": lambda m: m.searchsorted(m.tensor([1.0, 3.0]), m.tensor([2.0]),
                                                   right=True, side="left"),
    "searchsorted_shapes": lambda m: m.searchsorted(m.tensor([[1.0, 3.0]]),
                                                    m.tensor([2.0, 3.0])),
    "diff_0d": lambda m: m.diff(m.tensor(1.0)), "diff_negative_n": lambda m: X(m).diff(-1),
    "diff_prepend_ndim": lambda m: X(m).diff(prepend=m.ones(3)),
    "diff_prepend_shape": lambda m: X(m).diff(dim=0, prepend=m.ones(1, 2)),
    "trapezoid_bool": lambda m: m.trapezoid(X(m) > 1),
    "trapezoid_x_size": lambda m: m.trapezoid(X(m), m.ones(2)),
    "cumulative_trapezoid_x_size": lambda m: m.cumulative_trapezoid(X(m), m.ones(4)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_like_torch(name):
    fn = ERRORS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _both(fn)


@pytest.mark.parametrize("make", [
    lambda m: m.unique(m.randn(4, requires_grad=True)),
    lambda m: m.unique(m.randn(2, 3, requires_grad=True), dim=1),
    lambda m: m.unique_consecutive(m.randn(4, requires_grad=True)),
    lambda m: m.histogram(m.randn(5, requires_grad=True), 3)[0],
    lambda m: m.histogram(m.randn(5, requires_grad=True), 3)[1],
    lambda m: m.bincount(m.tensor([0, 1, 1]), m.rand(3, requires_grad=True)),
])
def test_ops_without_derivative_record_torch_node_that_refuses(make):
    t, c = make(torch), make(cr)
    assert c.requires_grad == t.requires_grad and c.grad_fn.name() == t.grad_fn.name()
    _both(lambda m: make(m).sum().backward())


def test_out_with_grad_refused_like_torch():
    def fn(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        return m.sum(x, 0, out=m.empty(0))
    _both(fn)
    _both(lambda m: m.max(X(m), 1, out=(m.empty(0, dtype=m.float64), m.empty(0, dtype=m.int64))))


# ---------------------------------------------------------------------------- warnings
def _warnings(fn):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"chainrule(\.|$)")
        fn()
    return [(w.category.__name__, str(w.message).split(" (Triggered internally")[0])
            for w in seen]


@pytest.mark.parametrize("fn", [
    lambda m: m.var(m.ones(1)), lambda m: m.std(m.ones(2, 1), 1),
    lambda m: m.var(m.tensor([1.0, 2.0, 3.0]), correction=5), lambda m: m.var_mean(m.zeros(0)),
    lambda m: m.std_mean(m.ones(3), correction=3),
    lambda m: m.max(X(m), 1, out=(m.empty(5), m.empty(0, dtype=m.int64))),
    lambda m: m.mean(X(m), out=m.empty(3)), lambda m: m.cumsum(X(m), 0, out=m.empty(2)),
    lambda m: m.zeros(0).mean(), lambda m: m.zeros(2, 0).mean(1), lambda m: m.zeros(0).median(),
    lambda m: m.zeros(2, 0).var(1, correction=0),
])
def test_warnings_like_torch(fn):
    assert _warnings(lambda: fn(cr)) == _warnings(lambda: fn(torch))


def test_no_numpy_warning_leaks_from_reductions():
    code = """
import chainrule as cr
nan, inf = float("nan"), float("inf")
for x in (cr.zeros(0), cr.zeros(2, 0), cr.tensor([[1.0, nan], [nan, nan]]),
          cr.tensor([[1.0, -inf], [-inf, -inf]]), cr.tensor([[0.0, 0.0], [0.0, 1.0]])):
    x.mean(); x.mean(-1); x.nanmean(-1); x.nansum(); x.prod(-1); x.cumprod(-1); x.sum(-1)
    x.logsumexp(-1); x.logcumsumexp(-1); x.std(-1, correction=0); x.var(-1, correction=0)
    if x.numel():
        x.amax(-1); x.median(); x.nanmedian(); x.max(); x.sort(); x.unique()
        x.histc(4, -1, 1)
for x in (cr.tensor([[1.0, nan, 3.0], [0.0, 0.0, 2.0]], requires_grad=True),
          cr.tensor([[1.0, -inf], [-inf, -inf]], requires_grad=True),
          cr.tensor([[0.0, 0.0], [1.0, 1.0]], requires_grad=True)):
    for f in (lambda t: t.max(), lambda t: t.amax(-1), lambda t: t.std(-1),
              lambda t: t.logsumexp(-1), lambda t: t.logcumsumexp(-1), lambda t: t.prod(),
              lambda t: t.cumprod(-1), lambda t: t.nanmean(-1), lambda t: t.median()):
        f(x).sum().backward(create_graph=True)
print("ok")
"""
    proc = subprocess.run([sys.executable, "-W", "ignore::UserWarning", "-c", code],
                          capture_output=True, text=True)
    assert proc.stderr == "" and proc.stdout.strip() == "ok"


# ---------------------------------------------------------------------------- dtypes
DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
          "float64"]
DTYPE_OPS = {
    "sum": lambda x: x.sum(), "sum_dim": lambda x: x.sum(1), "prod": lambda x: x.prod(),
    "prod_dim": lambda x: x.prod(0), "nansum": lambda x: x.nansum(), "mean": lambda x: x.mean(),
    "max": lambda x: x.max(), "max_dim": lambda x: x.max(1), "min_dim": lambda x: x.min(0),
    "amax": lambda x: x.amax(1), "amin": lambda x: x.amin(), "aminmax": lambda x: x.aminmax(),
    "argmax": lambda x: x.argmax(), "argmin": lambda x: x.argmin(1),
    "median": lambda x: x.median(), "median_dim": lambda x: x.median(1),
    "nanmedian": lambda x: x.nanmedian(), "mode": lambda x: x.mode(1),
    "kthvalue": lambda x: x.kthvalue(2, 1), "sort": lambda x: x.sort(1),
    "argsort": lambda x: x.argsort(0), "msort": lambda x: x.msort(), "topk": lambda x: x.topk(2),
    "cumsum": lambda x: x.cumsum(1), "cumprod": lambda x: x.cumprod(0),
    "cummax": lambda x: x.cummax(1), "cummin": lambda x: x.cummin(0),
    "logsumexp": lambda x: x.logsumexp(1), "logcumsumexp": lambda x: x.logcumsumexp(1),
    "count_nonzero": lambda x: x.count_nonzero(1), "any": lambda x: x.any(1),
    "all": lambda x: x.all(), "var": lambda x: x.var(), "std": lambda x: x.std(1),
    "unique": lambda x: x.unique(return_counts=True), "diff": lambda x: x.diff(),
    "unique_consecutive": lambda x: x.unique_consecutive(), "histc": lambda x: x.histc(4),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", sorted(DTYPE_OPS))
def test_every_dtype_like_torch(op, dtype):
    values = [[1, 0, 2, 2], [3, 1, 0, 1], [2, 2, 1, 0]]

    def fn(m):
        return DTYPE_OPS[op](m.tensor(values).to(getattr(m, dtype)))
    t, c = _outcome(torch, fn), _outcome(cr, fn)
    if isinstance(t, Exception):
        assert isinstance(c, Exception), f"torch raises {t!r}, chainrule gives {c!r}"
        assert type(c).__name__ == type(t).__name__, f"{c!r} is not {t!r}"
        return
    assert not isinstance(c, Exception), f"chainrule raises {c!r}; torch gives {t!r}"
    _same(c, t, atol=1e-3 if dtype == "float16" else 1e-6, rtol=1e-3)


# ---------------------------------------------------------------------------- out= and in place
OUT_CASES = {
    "sum": lambda m, o: m.sum(X(m), 1, out=o), "mean": lambda m, o: m.mean(X(m), 0, out=o),
    "prod": lambda m, o: m.prod(X(m), 1, out=o), "nansum": lambda m, o: m.nansum(X(m), out=o),
    "nanmean": lambda m, o: m.nanmean(X(m), 1, out=o), "amax": lambda m, o: m.amax(X(m), out=o),
    "max": lambda m, o: m.max(X(m), out=o), "median": lambda m, o: m.median(X(m), out=o),
    "var": lambda m, o: m.var(X(m), 1, out=o), "std": lambda m, o: m.std(X(m), out=o),
    "logsumexp": lambda m, o: m.logsumexp(X(m), 1, out=o),
    "cumsum": lambda m, o: m.cumsum(X(m), 1, out=o),
    "cumprod": lambda m, o: m.cumprod(X(m), 0, out=o),
    "logcumsumexp": lambda m, o: m.logcumsumexp(X(m), 0, out=o),
    "msort": lambda m, o: m.msort(X(m), out=o), "diff": lambda m, o: m.diff(X(m), out=o),
    "histc": lambda m, o: m.histc(X(m), 3, out=o),
    "cumsum_float64_out": lambda m, o: m.cumsum(X(m), 1, out=o.double()),
}


@pytest.mark.parametrize("name", sorted(OUT_CASES))
def test_out_like_torch(name):
    def fn(m):
        out = m.empty(0)
        result = OUT_CASES[name](m, out)
        return result
    _both(fn)


def test_out_tuples_and_indices_like_torch():
    cases = [lambda m, o: m.max(X(m), 1, out=o), lambda m, o: m.sort(X(m), 0, out=o),
             lambda m, o: m.topk(X(m), 2, out=o), lambda m, o: m.kthvalue(X(m), 1, out=o),
             lambda m, o: m.mode(X(m), out=o), lambda m, o: m.cummin(X(m), 1, out=o),
             lambda m, o: m.median(X(m), 1, out=o), lambda m, o: m.nanmedian(X(m), 0, out=o)]
    for case in cases:
        _both(lambda m: tuple(case(m, (m.empty(0), m.empty(0, dtype=m.int64)))))
    _both(lambda m: tuple(m.aminmax(X(m), out=(m.empty(0), m.empty(0)))))
    _both(lambda m: m.argmax(X(m), 1, out=m.empty(0, dtype=m.int64)))
    _both(lambda m: m.searchsorted(m.tensor([1.0, 2.0]), X(m), out=m.empty(0, dtype=m.int64)))
    _both(lambda m: m.any(X(m), 1, out=m.empty(0, dtype=m.bool)))


@pytest.mark.parametrize("name, args", [("cumsum_", (1,)), ("cumprod_", (0,)),
                                        ("cumsum_", (0,)), ("cumprod_", (-1,))])
def test_inplace_cumulative_like_torch(name, args):
    def fn(m):
        x = m.tensor([[1.0, 2.0, 0.5], [3.0, 0.0, 2.0]], requires_grad=True)
        y = x * 1
        out = getattr(y, name)(*args)
        assert out is y and y._version == 1
        (y * m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
        return y, x.grad
    t, c = fn(torch), fn(cr)
    _same(c[0], t[0])
    _same(c[1], t[1])
    assert c[0].grad_fn.name() == t[0].grad_fn.name()

    def ints(m):
        x = m.tensor([[1, 2, 3], [4, 5, 6]], dtype=m.int32)
        return getattr(x, name)(*args)
    _both(ints)


# ---------------------------------------------------------------------------- tie orders
def _ties(rng, shape, nan=False):
    x = rng.integers(0, int(rng.integers(1, 5)), shape).astype(float)
    if nan:
        x[rng.random(shape) < 0.2] = NAN
    return x


@pytest.mark.parametrize("seed", range(12))
def test_tie_orders_match_torch(seed):
    """sort (stable and not), argsort, topk (sorted or not), mode, kthvalue and median
    choose among equal values exactly as torch's CPU kernels do."""
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(1, 4)), int(rng.integers(2, 90)))
    x = _ties(rng, shape, nan=seed % 3 == 0)
    k = int(rng.integers(1, shape[1] + 1))

    def fn(m):
        t = m.tensor(x)
        return (*t.sort(), *t.sort(descending=True), *t.sort(stable=True),
                *t.sort(dim=0, descending=True, stable=True), t.argsort(1), t.argsort(0, True),
                *t.topk(k), *t.topk(k, largest=False), *t.topk(k, sorted=False),
                *t.topk(1, 0), *t.mode(1), *t.mode(0), *t.kthvalue(k, 1), *t.median(1),
                *t.nanmedian(1), *t.cummax(1), *t.cummin(1), *t.max(1), *t.min(0),
                t.argmax(1), t.argmin())
    _same(fn(cr), fn(torch))


def test_large_integer_sort_is_stable_like_torch():
    x = np.random.default_rng(0).integers(0, 10, 40000)
    _same(cr.tensor(x).sort(), torch.tensor(x).sort())


@pytest.mark.parametrize("seed", range(3))
def test_unique_variants_like_torch(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, (5, 3))

    def fn(m):
        t = m.tensor(x)
        out = []
        for kw in ({}, {"return_inverse": True}, {"return_counts": True},
                   {"return_inverse": True, "return_counts": True}):
            for dim in (None, 0, 1, -1):
                r = m.unique(t, dim=dim, **kw)
                out += list(r) if isinstance(r, tuple) else [r]
                r = m.unique_consecutive(t, dim=dim, **kw)
                out += list(r) if isinstance(r, tuple) else [r]
        return tuple(out)
    _same(fn(cr), fn(torch))


# ---------------------------------------------------------------------------- higher order
ZERO_CASES = {
    "prod_one_zero": (lambda m, x: x.prod(), [[1.5, 0.0], [2.0, 0.5]]),
    "prod_two_zeros": (lambda m, x: x.prod(), [[1.5, 0.0], [0.0, 0.5]]),
    "prod_dim_zeros": (lambda m, x: x.prod(1), [[1.5, 0.0, 2.0], [0.0, 0.0, 0.5],
                                                [1.0, 2.0, 3.0]]),
    "prod_dim_keepdim_zeros": (lambda m, x: x.prod(0, keepdim=True), [[1.5, 0.0], [0.0, 2.0]]),
    "cumprod_zeros": (lambda m, x: x.cumprod(1), [[2.0, 0.0, 3.0, 0.0, 4.0],
                                                  [0.0, 1.5, 2.0, 0.5, 1.0],
                                                  [1.5, 2.0, 0.5, 3.0, 0.0]]),
    "cumprod_zeros_dim0": (lambda m, x: x.cumprod(0), [[2.0, 0.0], [0.0, 1.5], [3.0, 2.0]]),
}


@pytest.mark.parametrize("name", sorted(ZERO_CASES))
def test_double_backward_through_zeros(name):
    fn, values = ZERO_CASES[name]
    x = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    assert gradcheck(lambda t: fn(cr, t), (x,))
    assert gradgradcheck(lambda t: fn(cr, t), (x,))
    results = []
    for m in (torch, cr):
        t = m.tensor(values, dtype=m.float64, requires_grad=True)
        y = fn(m, t)
        w = m.tensor(np.linspace(0.5, 1.5, int(np.prod(y.shape))).reshape(tuple(y.shape)),
                     dtype=m.float64)
        (g,) = m.autograd.grad((y * w).sum(), t, create_graph=True)
        (gg,) = m.autograd.grad((g * g).sum(), t)
        results.append((g, gg))
    _same(results[1][0], results[0][0], atol=1e-12)
    _same(results[1][1], results[0][1], atol=1e-10)


def test_plain_backward_of_prod_with_two_zeros_is_zero_like_torch():
    for m in (torch, cr):
        x = m.tensor([0.0, 2.0, 0.0], requires_grad=True)
        x.prod().backward(m.tensor(math.inf))
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_logsumexp_is_stable_at_large_magnitudes():
    for v in (1000.0, -1000.0):
        _both(lambda m: m.tensor([[v, v], [v, v - 1]]).logsumexp(1))
        _both(lambda m: m.tensor([v, v + 1, v - 3]).logcumsumexp(0))

    def grads(m):
        x = m.tensor([[1000.0, 999.0], [-1000.0, -1001.0]], requires_grad=True)
        x.logcumsumexp(1).sum().backward()
        return x.grad
    _both(grads)


# ---------------------------------------------------------------------------- empty tensors
EMPTY_OPS = {
    "sum": lambda x, d: x.sum() if d is None else x.sum(d),
    "prod": lambda x, d: x.prod() if d is None else x.prod(d),
    "mean": lambda x, d: x.mean() if d is None else x.mean(d),
    "nansum": lambda x, d: x.nansum() if d is None else x.nansum(d),
    "nanmean": lambda x, d: x.nanmean() if d is None else x.nanmean(d),
    "max": lambda x, d: x.max() if d is None else x.max(d),
    "min": lambda x, d: x.min() if d is None else x.min(d),
    "amax": lambda x, d: x.amax() if d is None else x.amax(d),
    "amin": lambda x, d: x.amin() if d is None else x.amin(d),
    "aminmax": lambda x, d: x.aminmax() if d is None else x.aminmax(dim=d),
    "argmax": lambda x, d: x.argmax() if d is None else x.argmax(d),
    "argmin": lambda x, d: x.argmin() if d is None else x.argmin(d),
    "median": lambda x, d: x.median() if d is None else x.median(d),
    "nanmedian": lambda x, d: x.nanmedian() if d is None else x.nanmedian(d),
    "mode": lambda x, d: x.mode() if d is None else x.mode(d),
    "kthvalue": lambda x, d: x.kthvalue(1) if d is None else x.kthvalue(1, d),
    "var": lambda x, d: x.var() if d is None else x.var(d),
    "std_mean": lambda x, d: cr_or_torch(x).std_mean(x, d),
    "logsumexp": lambda x, d: x.logsumexp(0 if d is None else d),
    "count_nonzero": lambda x, d: x.count_nonzero(d),
    "any": lambda x, d: x.any() if d is None else x.any(d),
    "all": lambda x, d: x.all() if d is None else x.all(d),
    "sort": lambda x, d: x.sort() if d is None else x.sort(d),
    "argsort": lambda x, d: x.argsort() if d is None else x.argsort(d),
    "msort": lambda x, d: x.msort(),
    "topk0": lambda x, d: x.topk(0) if d is None else x.topk(0, d),
    "topk1": lambda x, d: x.topk(1) if d is None else x.topk(1, d),
    "cumsum": lambda x, d: x.cumsum(0 if d is None else d),
    "cumprod": lambda x, d: x.cumprod(0 if d is None else d),
    "cummax": lambda x, d: x.cummax(0 if d is None else d),
    "cummin": lambda x, d: x.cummin(0 if d is None else d),
    "logcumsumexp": lambda x, d: x.logcumsumexp(0 if d is None else d),
    "unique": lambda x, d: x.unique(return_inverse=True, return_counts=True, dim=d),
    "unique_consecutive": lambda x, d: x.unique_consecutive(return_counts=True, dim=d),
    "diff": lambda x, d: x.diff() if d is None else x.diff(dim=d),
    "trapezoid": lambda x, d: cr_or_torch(x).trapezoid(x) if d is None else
    cr_or_torch(x).trapezoid(x, dim=d),
    "cumulative_trapezoid": lambda x, d: cr_or_torch(x).cumulative_trapezoid(
        x, dim=-1 if d is None else d),
    "histc": lambda x, d: x.histc(5),
}


def cr_or_torch(x):
    return cr if isinstance(x, cr.Tensor) else torch


@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3)])
@pytest.mark.parametrize("name", sorted(EMPTY_OPS))
def test_empty_tensors_like_torch(name, shape):
    """Every reduction on empty tensors: torch's values, or torch's exact error."""
    dims = [None] + list(range(len(shape)))
    for dim in dims:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _both(lambda m: EMPTY_OPS[name](m.zeros(shape), dim))
