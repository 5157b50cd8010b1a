"""The scatter family against torch: errors (class and message), integer/bool dtypes,
deterministic accumulation on every strategy, in-place forms, out=, warnings, the graphs
recorded under create_graph, and hypothesis properties over shapes, dims and indices."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402
from chainrule.ops.scatter import _common, _kernels  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype(np.float32)
IDX = np.array([[0, 1, 2, 0], [1, 2, 0, 0]])
I1 = np.array([0, 2, 2])


def _d(m):
    """The shared operands, in module m."""
    return dict(x=m.tensor(X), i=m.tensor(IDX), i1=m.tensor(I1), src=m.tensor(X[:2] * 2),
                s3=m.tensor(X[:, :3].copy()), m=m)


def _outcome(fn, m):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fn(**_d(m))
        except Exception as exc:  # noqa: BLE001 - the exception is what is compared
            return exc


# (label, fn(x, i, i1, src, s3, m)); chainrule must raise torch's class, and its message
# must start with torch's (chainrule may add a hint after it).
ERRORS = [
    ("gather_index_float", lambda x, i, m, **k: m.gather(x, 0, i.float())),
    ("gather_oob", lambda x, i, m, **k: m.gather(x, 0, i + 3)),
    ("gather_negative", lambda x, i, m, **k: m.gather(x, 0, -i - 1)),
    ("gather_ndim", lambda x, i, m, **k: m.gather(x, 0, i[0])),
    ("gather_too_big", lambda x, m, **k: m.gather(x, 0, m.zeros(2, 5, dtype=m.long))),
    ("gather_dim", lambda x, i, m, **k: m.gather(x, 2, i)),
    ("gather_dim_before_dtype", lambda x, i, m, **k: m.gather(x, 5, i.float())),
    ("gather_empty_self", lambda m, **k: m.gather(m.zeros(0, 4), 0,
                                                  m.zeros(1, 4, dtype=m.long))),
    ("gather_out_dtype", lambda x, i, m, **k: m.gather(x, 0, i, out=m.empty(2, 4,
                                                                            dtype=m.long))),
    ("gather_out_autograd", lambda x, i, m, **k: m.gather(x.requires_grad_(), 0, i,
                                                          out=m.empty(2, 4))),
    ("scatter_dtype", lambda x, i, src, m, **k: m.scatter(x, 0, i, src.double())),
    ("scatter_index_dtype_first", lambda x, i, src, m, **k: m.scatter(x, 0, i.float(),
                                                                      src.double())),
    ("scatter_small_src", lambda x, i, src, m, **k: m.scatter(x, 0, i, src[:, :2])),
    ("scatter_oob", lambda x, i, src, m, **k: m.scatter(x, 0, i + 3, src)),
    ("scatter_ndim", lambda x, i, src, m, **k: m.scatter(x, 0, i[0], src)),
    ("scatter_src_ndim", lambda x, i, src, m, **k: m.scatter(x, 0, i, src[0])),
    ("scatter_0d_src", lambda x, i, m, **k: m.scatter(x, 0, i, m.tensor(2.5))),
    ("scatter_value_too_big", lambda x, m, **k: m.scatter(x, 0, m.zeros(2, 5, dtype=m.long),
                                                          1.0)),
    ("scatter_reduce_arg", lambda x, i, src, m, **k: m.scatter(x, 0, i, src, reduce="mean")),
    ("scatter_value_reduce_arg", lambda x, i, m, **k: m.scatter(x, 0, i, 1.0, reduce="sum")),
    ("scatter_value_complex", lambda x, i, m, **k: m.scatter(x, 0, i, 1j)),
    ("scatter_value_int_overflow", lambda m, **k: m.scatter(m.zeros(3, dtype=m.uint8), 0,
                                                            m.tensor([0]), 300)),
    ("scatter_value_nan_int", lambda m, **k: m.scatter(m.zeros(3, dtype=m.long), 0,
                                                       m.tensor([0]), float("nan"))),
    ("scatter_add_dtype", lambda x, i, src, m, **k: m.scatter_add(x, 0, i, src.double())),
    ("scatter_add_oob", lambda x, i, src, m, **k: m.scatter_add(x, 0, i + 3, src)),
    ("scatter_add_value", lambda x, i, m, **k: m.scatter_add(x, 0, i, 2.0)),
    ("scatter_reduce_bad", lambda x, i, src, m, **k: m.scatter_reduce(x, 0, i, src, "foo")),
    ("scatter_reduce_dtype", lambda x, i, src, m, **k: m.scatter_reduce(x, 0, i, src.double(),
                                                                        "amax")),
    ("scatter_reduce_mean_bool", lambda m, **k: m.scatter_reduce(
        m.ones(3, dtype=m.bool), 0, m.tensor([0, 1]), m.zeros(2, dtype=m.bool), "mean")),
    ("index_select_float", lambda x, i1, m, **k: m.index_select(x, 1, i1.float())),
    ("index_select_oob", lambda x, i1, m, **k: m.index_select(x, 1, i1 + 2)),
    ("index_select_negative", lambda x, i1, m, **k: m.index_select(x, 1, i1 - 3)),
    ("index_select_2d", lambda x, i1, m, **k: m.index_select(x, 1, i1[None])),
    ("index_select_scalar_two", lambda m, **k: m.index_select(m.tensor(2.), 0,
                                                              m.tensor([0, 0]))),
    ("index_select_scalar_oob", lambda m, **k: m.index_select(m.tensor(2.), 0, m.tensor([1]))),
    ("index_select_out_dtype", lambda x, i1, m, **k: m.index_select(
        x, 0, i1, out=m.empty(3, 4, dtype=m.long))),
    ("index_add_dtype", lambda x, i1, s3, m, **k: m.index_add(x, 1, i1, s3.double())),
    ("index_add_count", lambda x, i1, m, **k: m.index_add(x, 1, i1, m.ones(3, 2))),
    ("index_add_shape", lambda x, i1, m, **k: m.index_add(x, 1, i1, m.ones(2, 3))),
    ("index_add_oob", lambda x, i1, s3, m, **k: m.index_add(x, 1, i1 + 2, s3)),
    ("index_add_index_float", lambda x, i1, s3, m, **k: m.index_add(x, 1, i1.float(), s3)),
    ("index_add_index_2d", lambda x, i1, s3, m, **k: m.index_add(x, 1, i1[None], s3)),
    ("index_add_source_dims", lambda x, i1, m, **k: m.index_add(x, 1, i1, m.ones(3))),
    ("index_copy_index_int32", lambda x, i1, s3, m, **k: m.index_copy(x, 1, i1.int(), s3)),
    ("index_copy_dtype", lambda x, i1, s3, m, **k: m.index_copy(x, 1, i1, s3.double())),
    ("index_copy_oob", lambda x, i1, s3, m, **k: m.index_copy(x, 1, i1 + 2, s3)),
    ("index_copy_count", lambda x, i1, m, **k: m.index_copy(x, 1, i1, m.ones(3, 2))),
    ("index_copy_slices", lambda x, i1, m, **k: m.index_copy(x, 1, i1, m.ones(2, 3))),
    ("index_copy_dims", lambda x, i1, m, **k: m.index_copy(x, 1, i1, m.ones(3))),
    ("index_fill_int32", lambda x, i1, m, **k: m.index_fill(x, 1, i1.int(), 2)),
    ("index_fill_oob", lambda x, i1, m, **k: m.index_fill(x, 1, i1 + 2, 2)),
    ("index_fill_2d", lambda x, i1, m, **k: m.index_fill(x, 1, i1[None], 2)),
    ("index_fill_value_1d", lambda x, i1, m, **k: m.index_fill(x, 1, i1, m.tensor([2.]))),
    ("index_fill_value_overflow", lambda x, i1, m, **k: m.index_fill(x, 1, i1, 1e40)),
    ("index_reduce_sum", lambda x, m, **k: m.index_reduce(x, 0, m.tensor([0]), m.ones(1, 4),
                                                          "sum")),
    ("index_reduce_oob", lambda x, m, **k: m.index_reduce(x, 0, m.tensor([5]), m.ones(1, 4),
                                                          "prod")),
    ("index_reduce_dtype", lambda x, m, **k: m.index_reduce(x, 0, m.tensor([0]),
                                                            m.ones(1, 4).double(), "prod")),
    ("index_reduce_index_float", lambda x, m, **k: m.index_reduce(x, 0, m.tensor([0.]),
                                                                  m.ones(1, 4), "prod")),
    ("index_put_not_tuple", lambda x, i1, m, **k: m.index_put(x, i1, m.ones(4))),
    ("index_put_none", lambda x, i1, m, **k: m.index_put(x, (None, i1), m.ones(3))),
    ("index_put_dtype", lambda x, i1, m, **k: m.index_put(x, (i1,), m.ones(4).double())),
    ("index_put_float_index", lambda x, i1, m, **k: m.index_put(x, (i1.float(),), m.ones(4))),
    ("index_put_oob", lambda x, i1, m, **k: m.index_put(x, (i1 + 2,), m.ones(4))),
    ("index_put_oob_accumulate", lambda x, i1, m, **k: m.index_put(x, (i1 + 2,), m.ones(4),
                                                                   accumulate=True)),
    ("index_put_shape", lambda x, i1, m, **k: m.index_put(x, (i1,), m.ones(3))),
    ("index_put_too_many", lambda x, i1, m, **k: m.index_put(x, (i1, i1, i1), m.ones(3))),
    ("index_put_mask_shape", lambda x, m, **k: m.index_put(x, (m.ones(2, 4, dtype=m.bool),),
                                                           m.tensor(1.))),
    ("masked_fill_long_mask", lambda x, m, **k: m.masked_fill(x, (x > 0).long(), 1.0)),
    ("masked_fill_uint8_mask", lambda x, m, **k: m.masked_fill(x, (x > 0).to(m.uint8), 1.0)),
    ("masked_fill_value_1d", lambda x, m, **k: m.masked_fill(x, x > 0, m.tensor([1.0]))),
    ("masked_fill_broadcast", lambda x, m, **k: m.masked_fill(x, m.ones(3, dtype=m.bool), 1.)),
    ("masked_fill_value_complex", lambda x, m, **k: m.masked_fill(x, x > 0, m.tensor(1j))),
    ("masked_fill__self_too_small", lambda x, m, **k: x[:1].clone().masked_fill_(x > 0, 1.0)),
    ("masked_select_long", lambda x, m, **k: m.masked_select(x, (x > 0).long())),
    ("masked_select_broadcast", lambda x, m, **k: m.masked_select(x, m.ones(3,
                                                                           dtype=m.bool))),
    ("masked_scatter_few", lambda x, m, **k: m.masked_scatter(x, x > -100, m.arange(11.))),
    ("masked_scatter_dtype", lambda x, m, **k: m.masked_scatter(x, x > 0,
                                                                m.arange(12.).double())),
    ("masked_scatter__self_too_small", lambda x, m, **k: x[:1].clone().masked_scatter_(
        x > 0, m.arange(12.))),
    ("take_oob", lambda x, m, **k: m.take(x, m.tensor([12]))),
    ("take_oob_negative", lambda x, m, **k: m.take(x, m.tensor([-13]))),
    ("take_int32", lambda x, m, **k: m.take(x, m.tensor([1], dtype=m.int32))),
    ("take_empty", lambda m, **k: m.take(m.zeros(0), m.tensor([0]))),
    ("put_oob", lambda x, m, **k: m.put(x, m.tensor([12, 1]), m.tensor([1., 2]))),
    ("put_numel", lambda x, m, **k: m.put(x, m.tensor([0, 1]), m.tensor([1., 2, 3]))),
    ("put_dtype", lambda x, m, **k: m.put(x, m.tensor([0, 1]), m.tensor([1., 2]).double())),
    ("put__int32", lambda x, m, **k: x.clone().put_(m.tensor([0, 1]).int(),
                                                    m.tensor([1., 2]))),
    ("take_along_dim_dims", lambda x, m, **k: m.take_along_dim(x, m.tensor([0]), 1)),
    ("take_along_dim_int32", lambda x, m, **k: m.take_along_dim(x, m.tensor([[0]]).int(), 1)),
    ("take_along_dim_broadcast", lambda x, m, **k: m.take_along_dim(x, m.zeros(
        2, 2, dtype=m.long), 1)),
    ("take_along_dim_flat_negative", lambda x, m, **k: m.take_along_dim(x, m.tensor([[-1]]))),
    ("take_along_dim_0d", lambda m, **k: m.take_along_dim(m.tensor(1.), m.tensor(0), 0)),
    ("take_along_dim_noncontiguous", lambda x, m, **k: m.take_along_dim(x.t(),
                                                                        m.tensor([[1]]))),
    ("nonzero_out_dtype", lambda x, m, **k: m.nonzero(x, out=m.empty(0))),
    ("nonzero_out_as_tuple", lambda x, m, **k: m.nonzero(x, as_tuple=True,
                                                         out=m.empty(0, dtype=m.long))),
]
# torch's argument parser writes TypeErrors chainrule does not reproduce word for word
TYPE_ONLY = {"scatter_add_value", "index_put_not_tuple", "index_put_none"}


@pytest.mark.parametrize("label, fn", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_match_torch(label, fn):
    expected = _outcome(fn, torch)
    assert isinstance(expected, Exception), f"torch does not raise for {label}"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no NumPy warning leaks
        warnings.filterwarnings("ignore", message=".*(deprecated|beta).*")
        try:
            fn(**_d(cr))
        except Exception as exc:  # noqa: BLE001
            got = exc
        else:
            pytest.fail(f"chainrule does not raise for {label}; torch raises {expected!r}")
    assert type(got) is type(expected), f"{label}: {type(got).__name__}: {got}"
    if label not in TYPE_ONLY:
        assert str(got).startswith(str(expected).split(" (Triggered internally")[0]), \
            f"{label}:\n  chainrule: {got}\n  torch:     {expected}"


def test_backward_errors_match_torch():
    for m in (torch, cr):
        x = m.tensor(X, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = m.scatter(x, 0, m.tensor(IDX), m.ones(2, 4), reduce="add")
        assert y.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not "
                                               "implemented"):
            y.sum().backward()
        y = m.scatter_reduce(x, 0, m.tensor(IDX), m.ones(2, 4), "max")
        with pytest.raises(RuntimeError, match="Expected 'reduce' to be one of 'sum', 'prod', "
                                               "'mean', 'amax', 'amin' but got max."):
            y.sum().backward()


# ---------------------------------------------------------------------------- dtypes
DTYPES = ["int64", "int32", "int16", "uint8", "bool", "float16", "float64"]
INT_OPS = {
    "gather": lambda m, x, t: m.gather(x, 1, m.tensor([[2, 0], [1, 1], [0, 2]])),
    "scatter": lambda m, x, t: m.scatter(x, 0, m.tensor([[2, 0, 1]]), t[:1]),
    "scatter_value": lambda m, x, t: m.scatter(x, 1, m.tensor([[2], [0], [1]]), 1),
    "scatter_add": lambda m, x, t: m.scatter_add(x, 0, m.tensor([[2, 0, 2], [2, 2, 2]]), t),
    "scatter_reduce_sum": lambda m, x, t: m.scatter_reduce(x, 0, m.tensor([[2, 0, 2]]), t,
                                                           "sum"),
    "scatter_reduce_prod": lambda m, x, t: m.scatter_reduce(x, 0, m.tensor([[2, 0, 2]]), t,
                                                            "prod", include_self=False),
    "scatter_reduce_amax": lambda m, x, t: m.scatter_reduce(x, 0, m.tensor([[2, 0, 2]]), t,
                                                            "amax"),
    "scatter_reduce_amin": lambda m, x, t: m.scatter_reduce(x, 0, m.tensor([[2, 0, 2]]), t,
                                                            "amin", include_self=False),
    "index_select": lambda m, x, t: m.index_select(x, 1, m.tensor([2, 2, 0])),
    "index_add": lambda m, x, t: m.index_add(x, 0, m.tensor([1, 1, 0]), t),
    "index_copy": lambda m, x, t: m.index_copy(x, 0, m.tensor([1, 2, 0]), t),
    "index_fill": lambda m, x, t: m.index_fill(x, 1, m.tensor([0, -1]), 1),
    "index_reduce_amax": lambda m, x, t: m.index_reduce(x, 0, m.tensor([1, 1, 0]), t, "amax"),
    "index_put": lambda m, x, t: m.index_put(x, (m.tensor([1, 1]),), t[0], accumulate=True),
    "masked_fill": lambda m, x, t: m.masked_fill(x, x > 1, 0),
    "masked_select": lambda m, x, t: m.masked_select(x, t > 1),
    "masked_scatter": lambda m, x, t: m.masked_scatter(x, x > 1, t),
    "take": lambda m, x, t: m.take(x, m.tensor([8, -1, 0])),
    "put": lambda m, x, t: m.put(x, m.tensor([8, 0, 8]), t[0], accumulate=True),
    "take_along_dim": lambda m, x, t: m.take_along_dim(x, m.tensor([[1], [0], [2]]), 1),
    "argwhere": lambda m, x, t: m.argwhere(x),
    "nonzero": lambda m, x, t: m.nonzero(x),
}
MEAN_OPS = {
    "scatter_reduce_mean": lambda m, x, t: m.scatter_reduce(x, 0, m.tensor([[2, 0, 2]]), t,
                                                            "mean"),
    "scatter_reduce_mean_exclude": lambda m, x, t: m.scatter_reduce(
        x, 0, m.tensor([[2, 0, 2], [2, 2, 0]]), t[:2], "mean", include_self=False),
    "index_reduce_mean": lambda m, x, t: m.index_reduce(x, 0, m.tensor([1, 1, 0]), t, "mean"),
}


# torch has no mean kernel for bool (its error is in test_errors_match_torch)
DTYPE_CASES = [(n, d) for n in sorted(INT_OPS) for d in DTYPES] + [
    (n, d) for n in sorted(MEAN_OPS) for d in DTYPES if d != "bool"]


@pytest.mark.parametrize("name, dtype", DTYPE_CASES)
def test_integer_and_bool_dtypes_match_torch(name, dtype):
    fn = {**INT_OPS, **MEAN_OPS}[name]
    vals = np.array([[3, -2, 5], [0, 7, -1], [2, 2, -6]])
    tvals = np.array([[-1, 4, 3], [6, -5, 0], [1, 1, 9]])
    results = []
    for m in (torch, cr):
        dt = getattr(m, dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results.append(fn(m, m.tensor(vals).to(dt), m.tensor(tvals).to(dt)))
    t_out, c_out = results
    assert str(c_out.dtype) == str(t_out.dtype)
    assert tuple(c_out.shape) == tuple(t_out.shape)
    np.testing.assert_array_equal(c_out.numpy(), t_out.numpy())


# ---------------------------------------------------------------------------- accumulation
def _big_cases(m, x, g_rows, g_flat, idx, flat):
    """Repeated-index accumulations, all of (10000, 8)-sized data: forward and backward."""
    xt = m.tensor(x, requires_grad=True)
    out = {}
    xt.grad = None
    m.index_select(xt, 0, m.tensor(idx)).backward(m.tensor(g_rows))
    out["index_select_backward"] = xt.grad.numpy().copy()
    xt.grad = None
    xt[m.tensor(idx)].backward(m.tensor(g_rows))
    out["getitem_backward"] = xt.grad.numpy().copy()
    xt.grad = None
    m.take(xt, m.tensor(flat)).backward(m.tensor(g_flat))
    out["take_backward"] = xt.grad.numpy().copy()
    index2 = m.tensor(np.stack([idx[:x.shape[0]]] * x.shape[1], 1))
    xt.grad = None
    m.gather(xt, 0, index2).backward(m.tensor(g_rows[:x.shape[0]]))
    out["gather_backward"] = xt.grad.numpy().copy()
    with m.no_grad():
        z = m.zeros(x.shape)
        out["index_add"] = m.index_add(z, 0, m.tensor(idx), m.tensor(g_rows)).numpy()
        out["index_put_accumulate"] = m.index_put(z, (m.tensor(idx),), m.tensor(g_rows),
                                                  accumulate=True).numpy()
        out["put_accumulate"] = m.put(z, m.tensor(flat), m.tensor(g_flat),
                                      accumulate=True).numpy()
        out["scatter_add"] = m.scatter_add(z, 0, index2, m.tensor(g_rows[:x.shape[0]])).numpy()
    return out


def _big_data():
    rng = np.random.default_rng(1)
    rows, width, n = 2000, 8, 20000   # rows * width above the CSR threshold
    x = rng.standard_normal((rows, width)).astype(np.float32)
    idx = rng.integers(0, rows, n)
    return (x, rng.standard_normal((n, width)).astype(np.float32),
            rng.standard_normal(n).astype(np.float32), idx,
            rng.integers(-rows * width, rows * width, n))


def test_accumulation_is_deterministic_and_matches_torch_on_every_strategy(monkeypatch):
    data = _big_data()
    expected = _big_cases(torch, *data)
    first = _big_cases(cr, *data)
    again = _big_cases(cr, *data)
    monkeypatch.setattr(_kernels, "_sparse", False)   # as without scipy: np.add.at
    fallback = _big_cases(cr, *data)
    for name, ref in expected.items():
        np.testing.assert_array_equal(first[name], again[name], err_msg=name)
        np.testing.assert_array_equal(first[name], fallback[name], err_msg=name)
        np.testing.assert_allclose(first[name], ref, rtol=1e-5, atol=1e-5, err_msg=name)


def test_backward_of_repeated_rows_equals_torch_bit_for_bit():
    """From zeros, every strategy adds each row's contributions in index order, as torch's
    CPU kernel does, so the float32 sums are identical, not merely close."""
    x, g_rows, _, idx, _ = _big_data()
    grads = []
    for m in (torch, cr):
        xt = m.tensor(x, requires_grad=True)
        m.index_select(xt, 0, m.tensor(idx)).backward(m.tensor(g_rows))
        grads.append(xt.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


def test_add_at_key_paths_match_numpy_add_at():
    rng = np.random.default_rng(2)
    base = rng.standard_normal((5, 6, 4))
    idx = rng.integers(-6, 6, (3, 7))
    mask = rng.random((5, 6)) > 0.5
    keys = [(slice(None), idx), (idx % 5,), (slice(None), slice(None), idx[0] % 4),
            (mask,), (1, slice(2, 5)), (idx[0] % 5, idx[1]), (slice(None), None, idx)]
    for key in keys:
        values = rng.standard_normal(base[key].shape)
        want = base.copy()
        np.add.at(want, key, values)
        got = base.copy()
        _kernels.add_at_key(np, got, key, values)
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=str(key))


# ---------------------------------------------------------------------------- in place
INPLACE = {
    "scatter_": lambda m, y, s: y.scatter_(0, m.tensor([[2, 0, 1, 2]]), s[:1]),
    "scatter_add_": lambda m, y, s: y.scatter_add_(0, m.tensor([[2, 0, 1, 2]] * 3), s),
    "scatter_reduce_": lambda m, y, s: y.scatter_reduce_(0, m.tensor([[2, 0, 1, 2]] * 3), s,
                                                         "amax"),
    "index_add_": lambda m, y, s: y.index_add_(0, m.tensor([1, 1, 0]), s, alpha=3),
    "index_copy_": lambda m, y, s: y.index_copy_(0, m.tensor([1, 2, 0]), s),
    "index_fill_": lambda m, y, s: y.index_fill_(1, m.tensor([1, 3]), s[0, 0]),
    "index_put_": lambda m, y, s: y.index_put_((m.tensor([1, 1]),), s[0], accumulate=True),
    "index_reduce_": lambda m, y, s: y.index_reduce_(0, m.tensor([1, 1, 0]), s, "prod"),
    "masked_fill_": lambda m, y, s: y.masked_fill_(s > 0, s[1, 1]),
    "masked_scatter_": lambda m, y, s: y.masked_scatter_(s > 0, s),
    "put_": lambda m, y, s: y.put_(m.tensor([0, 5, 5]), s[0, :3], accumulate=True),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_leaf_requiring_grad_raises_and_leaves_data(name):
    for m in (torch, cr):
        x = m.tensor(X, requires_grad=True)
        s = m.tensor(X * 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is "
                                                   "being used in an in-place operation."):
                INPLACE[name](m, x, s)
        np.testing.assert_array_equal(x.detach().numpy(), X)


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_on_non_leaf_records_torch_node_and_gradients(name):
    results = []
    for m in (torch, cr):
        x = m.tensor(X.astype(np.float64), requires_grad=True)
        s = m.tensor((X * 2 + 0.5).astype(np.float64), requires_grad=True)
        y = x * 1
        version = y._version
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = INPLACE[name](m, y, s)
        assert out is y and y._version > version
        (y * m.tensor(X.astype(np.float64))).sum().backward()
        results.append((y.grad_fn.name(), [f[0].name() if f[0] else None
                                           for f in y.grad_fn.next_functions],
                        y.detach().numpy(), x.grad.numpy(),
                        None if s.grad is None else s.grad.numpy()))
    (tn, tnext, ty, tgx, tgs), (cn, cnext, cy, cgx, cgs) = results
    assert (cn, cnext) == (tn, tnext)
    np.testing.assert_allclose(cy, ty, rtol=1e-12)
    np.testing.assert_allclose(cgx, tgx, rtol=1e-12)
    assert (cgs is None) == (tgs is None)
    if tgs is not None:
        np.testing.assert_allclose(cgs, tgs, rtol=1e-12)


def test_inplace_under_no_grad_on_leaf_and_integer_tensors():
    for m in (torch, cr):
        w = m.tensor(X, requires_grad=True)
        with m.no_grad():
            w.index_add_(0, m.tensor([0, 0]), m.ones(2, 4))
            w.masked_fill_(w > 1.5, 1.5)
        assert w.is_leaf and w.requires_grad
    a, b = (m.arange(6).view(2, 3).index_fill_(1, m.tensor([0]), 2.7) for m in (torch, cr))
    np.testing.assert_array_equal(b.numpy(), a.numpy())
    assert str(b.dtype) == str(a.dtype)


# ---------------------------------------------------------------------------- out=
OUT = {
    "gather": lambda m, x, o: m.gather(x, 0, m.tensor(IDX), out=o),
    "scatter": lambda m, x, o: m.scatter(x, 0, m.tensor(IDX), x[:2], out=o),
    "scatter_value": lambda m, x, o: m.scatter(x, 0, m.tensor(IDX), 2.0, out=o),
    "scatter_add": lambda m, x, o: m.scatter_add(x, 0, m.tensor(IDX), x[:2], out=o),
    "scatter_reduce": lambda m, x, o: m.scatter_reduce(x, 0, m.tensor(IDX), x[:2], "mean",
                                                       out=o),
    "index_select": lambda m, x, o: m.index_select(x, 1, m.tensor(I1), out=o),
    "index_add": lambda m, x, o: m.index_add(x, 1, m.tensor(I1), x[:, :3], out=o),
    "index_copy": lambda m, x, o: m.index_copy(x, 1, m.tensor([0, 2, 1]), x[:, :3], out=o),
    "index_reduce": lambda m, x, o: m.index_reduce(x, 1, m.tensor(I1), x[:, :3], "amin",
                                                   out=o),
    "masked_select": lambda m, x, o: m.masked_select(x, x > 0, out=o),
    "take": lambda m, x, o: m.take(x, m.tensor(I1), out=o),
    "take_along_dim": lambda m, x, o: m.take_along_dim(x, m.tensor(IDX), 0, out=o),
    "nonzero": lambda m, x, o: m.nonzero(x > 0, out=o),
}


@pytest.mark.parametrize("name", sorted(OUT))
def test_out_writes_resizes_with_torch_warning(name):
    results = []
    for m in (torch, cr):
        x = m.tensor(X)
        dtype = m.long if name == "nonzero" else m.float32
        o = m.ones(5, dtype=dtype)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = OUT[name](m, x, o)
        assert r is o
        resized = [w for w in caught if "was resized" in str(w.message)]
        results.append((o.numpy().copy(), len(resized)))
        empty = m.empty(0, dtype=dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            warnings.filterwarnings("ignore", message=".*beta.*")
            OUT[name](m, x, empty)
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    assert results[1][1] == results[0][1] == 1


@pytest.mark.parametrize("name", sorted(set(OUT) - {"nonzero"}))
def test_out_refuses_autograd(name):
    for m in (torch, cr):
        x = m.tensor(X, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError, match=r"functions with out=\.\.\. arguments don't "
                                                   "support automatic differentiation"):
                OUT[name](m, x, m.empty(0))


# ---------------------------------------------------------------------------- warnings
def test_deprecation_and_beta_warnings_once_as_torch(monkeypatch):
    monkeypatch.setattr(_common, "_WARNED", set())
    x = cr.tensor(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            cr.scatter(x, 0, cr.tensor(IDX), x[:2], reduce="add")
            cr.scatter(x, 0, cr.tensor(IDX), 1.0, reduce="multiply")  # no warning: a value
            cr.index_reduce(x, 0, cr.tensor([0]), x[:1], "amax")
    messages = [str(w.message) for w in caught]
    assert messages == [
        "The reduce argument of torch.scatter with Tensor src is deprecated and will be "
        "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
        "reduction options.",
        "index_reduce() is in beta and the API may change at any time."]


# ---------------------------------------------------------------------------- graphs
def _sig(fn, depth=0):
    if fn is None:
        return None
    if depth > 2:
        return fn.name()
    return (fn.name(), tuple((_sig(f, depth + 1), nr) for f, nr in fn.next_functions))


DOUBLE = {
    "gather": lambda m, x, s, v: (m.gather(x, 0, m.tensor(IDX)), [x]),
    "scatter": lambda m, x, s, v: (m.scatter(x, 0, m.tensor(IDX), s), [x, s]),
    "scatter_add": lambda m, x, s, v: (m.scatter_add(x, 0, m.tensor(IDX), s), [x, s]),
    "scatter_reduce_sum": lambda m, x, s, v: (m.scatter_reduce(x, 0, m.tensor(IDX), s, "sum",
                                                               include_self=False), [x, s]),
    "index_select": lambda m, x, s, v: (m.index_select(x, 0, m.tensor(I1)), [x]),
    "index_add": lambda m, x, s, v: (m.index_add(x, 0, m.tensor([0, 1]), s), [x, s]),
    "index_copy": lambda m, x, s, v: (m.index_copy(x, 0, m.tensor([2, 0]), s), [x, s]),
    "index_fill": lambda m, x, s, v: (m.index_fill(x, 0, m.tensor(I1), v), [x, v]),
    "index_put": lambda m, x, s, v: (m.index_put(x, (m.tensor([1, 0]),), s), [x, s]),
    "masked_fill": lambda m, x, s, v: (m.masked_fill(x, x > 0, v), [x, v]),
    "masked_select": lambda m, x, s, v: (m.masked_select(x, x > 0), [x]),
    "masked_scatter": lambda m, x, s, v: (m.masked_scatter(x, x > 0, s), [x, s]),
    "take": lambda m, x, s, v: (m.take(x, m.tensor(I1)), [x]),
    "put": lambda m, x, s, v: (m.put(x, m.tensor([5, 0]), s[0, :2]), [x]),
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_create_graph_records_torch_backward_nodes(name):
    """gather's backward is a recorded scatter_add, scatter_add's a gather, index_select's an
    index_add...: the first-order gradients carry torch's nodes."""
    sigs = []
    for m in (torch, cr):
        x = m.tensor(X.astype(np.float64), requires_grad=True)
        s = m.tensor(X[:2].astype(np.float64) * 3, requires_grad=True)
        v = m.tensor(2.0, dtype=m.float64, requires_grad=True)
        y, inputs = DOUBLE[name](m, x, s, v)
        g = m.ones(tuple(y.shape), dtype=m.float64, requires_grad=True)
        grads = m.autograd.grad(y, inputs, g, create_graph=True, allow_unused=True)
        sigs.append([None if q is None else _sig(q.grad_fn) for q in grads])
    assert sigs[1] == sigs[0]


# ---------------------------------------------------------------------------- differences
def test_src_larger_than_index_gets_zero_gradient_where_torch_refuses():
    """torch raises at backward ("returned an invalid gradient"); chainrule gives the src
    elements the index does not reach a zero gradient (docs/differences.md)."""
    idx = np.array([[0, 1], [1, 2]])
    src = RNG.standard_normal((2, 4))
    for op in ("scatter", "scatter_add"):
        s = cr.tensor(src, requires_grad=True)
        x = cr.tensor(X.astype(np.float64), requires_grad=True)
        getattr(cr, op)(x, 0, cr.tensor(idx), s).pow(2).sum().backward()
        st = torch.tensor(src[:, :2].copy(), requires_grad=True)
        xt = torch.tensor(X.astype(np.float64), requires_grad=True)
        getattr(torch, op)(xt, 0, torch.tensor(idx), st).pow(2).sum().backward()
        want = np.zeros((2, 4))
        want[:, :2] = st.grad.numpy()
        np.testing.assert_allclose(s.grad.numpy(), want, rtol=1e-12)
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_index_fill_tensor_value_with_negative_index_has_a_gradient():
    """torch's backward index_selects the raw (negative) index and fails; chainrule wraps
    it first, giving torch's gradient for the equivalent non-negative index."""
    grads = []
    for m, idx in ((cr, [-1, 0]), (torch, [3, 0])):
        v = m.tensor(2.0, requires_grad=True)
        x = m.tensor(X, requires_grad=True)
        (m.index_fill(x, 1, m.tensor(idx), v) * m.tensor(X)).sum().backward()
        grads.append((v.grad.item(), x.grad.numpy()))
    assert grads[0][0] == pytest.approx(grads[1][0], rel=1e-6)
    np.testing.assert_array_equal(grads[0][1], grads[1][1])


def test_take_along_dim_out_of_range_raises():
    """torch reads out of bounds (no check after broadcasting); chainrule raises gather's
    error."""
    with pytest.raises(RuntimeError, match="index 5 is out of bounds for dimension 1 with "
                                           "size 4"):
        cr.take_along_dim(cr.tensor(X), cr.tensor([[5]]), 1)


def test_index_changed_in_place_after_the_op_does_not_change_the_gradient():
    x = cr.tensor(X, requires_grad=True)
    idx = cr.tensor([0, 2, 2])
    mask = cr.tensor(X > 0)
    y = cr.index_select(x, 0, idx).sum() + cr.masked_select(x, mask).sum()
    idx.fill_(1)
    mask.fill_(False)
    y.backward()
    want = np.zeros((3, 4), np.float32)
    np.add.at(want, [0, 2, 2], 1.0)
    np.testing.assert_array_equal(x.grad.numpy(), want + (X > 0))


def test_gather_sparse_grad_gives_torch_values_densely():
    grads = []
    for m in (torch, cr):
        x = m.tensor(X, requires_grad=True)
        m.gather(x, 0, m.tensor(IDX), sparse_grad=True).sum().backward()
        grads.append(x.grad.to_dense().numpy() if m is torch else x.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])


# ---------------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def _case(draw):
    op = draw(st.sampled_from(["gather", "scatter_add", "index_select", "index_add"]))
    ndim = draw(st.integers(0, 3))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
    dim = draw(st.integers(-max(ndim, 1), max(ndim, 1) - 1))
    d = dim % max(ndim, 1)
    size = shape[d] if ndim else 1
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    if op in ("gather", "scatter_add"):
        ishape = tuple(draw(st.integers(0 if k != d else 0, shape[k] if k != d else 5))
                       for k in range(ndim))
        index = rng.integers(0, size, ishape)
        other = rng.standard_normal(ishape)
    else:
        n = draw(st.integers(0, 6))
        index = rng.integers(0, size, n)
        sshape = list(shape)
        if ndim:
            sshape[d] = n
        elif n != 1:
            index = rng.integers(0, 1, 1)
        other = rng.standard_normal(tuple(sshape))
    return op, rng.standard_normal(shape), dim, index, other, rng


def _apply(m, op, x, dim, index, other):
    if op == "gather":
        return m.gather(x, dim, index)
    if op == "index_select":
        return m.index_select(x, dim, index)
    return getattr(m, op)(x, dim, index, other)


@SETTINGS
@given(case=_case())
def test_property_values_and_grads_match_torch(case):
    op, x, dim, index, other, rng = case
    results = []
    for m in (torch, cr):
        xt = m.tensor(x, requires_grad=True)
        ot = m.tensor(other, requires_grad=True)
        out = _apply(m, op, xt, dim, m.tensor(index), ot)
        g = np.random.default_rng(0).standard_normal(tuple(out.shape))
        out.backward(m.tensor(g))
        results.append((out.detach().numpy(), xt.grad.numpy(),
                        None if ot.grad is None else ot.grad.numpy(), out.grad_fn.name()))
    (to, tx, tg, tn), (co, cx, cg, cn) = results
    assert cn == tn
    np.testing.assert_allclose(co, to, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cx, tx, rtol=1e-12, atol=1e-12)
    assert (cg is None) == (tg is None)
    if tg is not None:
        np.testing.assert_allclose(cg, tg, rtol=1e-12, atol=1e-12)
