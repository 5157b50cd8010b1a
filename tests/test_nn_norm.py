"""nn.functional normalisation against torch: errors, running statistics (in place, no
version bump, cumulative averages), the nodes double and triple backward record, half
precision, precision at large offsets, and hypothesis sweeps of shapes and options.
Values, gradients and graphs of each option are in tests/op_db/nn_norm.py."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402


def _run(fn, m):
    try:
        return fn(m)
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return exc


def same(fn, atol=1e-6, rtol=1e-5, message=True):
    """fn(torch) and fn(chainrule) agree: the same exception (type and message), or the same
    values (a tensor or a tuple of tensors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, c = _run(fn, torch), _run(fn, cr)
    if isinstance(t, Exception):
        assert isinstance(c, Exception), f"torch raises {t!r}, chainrule returns {c!r}"
        assert type(c).__name__ == type(t).__name__, (t, c)
        if message:  # chainrule's broadcasting errors add a hint after torch's words
            assert str(c) == str(t) or (str(c).startswith(str(t)) and "broadcast" in str(c)), \
                (str(t), str(c))
        return
    assert not isinstance(c, Exception), f"chainrule raises {c!r}, torch returns {t!r}"
    for tv, cv in zip(t if isinstance(t, tuple) else (t,), c if isinstance(c, tuple) else (c,)):
        assert str(cv.dtype) == str(tv.dtype)
        assert tuple(cv.shape) == tuple(tv.shape)
        np.testing.assert_allclose(cv.detach().numpy().astype(float),
                                   tv.detach().numpy().astype(float), atol=atol, rtol=rtol,
                                   equal_nan=True)


def T(m, values, dtype="float32", rg=False):
    return m.tensor(np.asarray(values), dtype=getattr(m, dtype), requires_grad=rg)


def F(m):
    return m.nn.functional


RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 3, 5))

ERRORS = {
    "ln_shape": lambda m: F(m).layer_norm(T(m, X), (4,)),
    "ln_int_shape": lambda m: F(m).layer_norm(T(m, X), 5),
    "ln_weight_shape": lambda m: F(m).layer_norm(T(m, X), (3, 5), T(m, np.ones(5))),
    "ln_bias_shape": lambda m: F(m).layer_norm(T(m, X), (5,), None, T(m, np.ones(4))),
    "ln_mixed_param": lambda m: F(m).layer_norm(T(m, X), (5,), T(m, np.ones(5), "float64")),
    "ln_mixed_input": lambda m: F(m).layer_norm(T(m, X, "float64"), (5,), T(m, np.ones(5))),
    "ln_long": lambda m: F(m).layer_norm(T(m, X, "int64"), (5,)),
    "ln_empty_shape": lambda m: F(m).layer_norm(T(m, X), ()),
    "bn_eval_no_stats": lambda m: F(m).batch_norm(T(m, X), None, None, training=False),
    "bn_eval_no_var": lambda m: F(m).batch_norm(T(m, X), T(m, np.zeros(3)), None),
    "bn_one_value": lambda m: F(m).batch_norm(T(m, X[:1, :, :1]), None, None, training=True),
    "bn_stats_size": lambda m: F(m).batch_norm(T(m, X), T(m, np.zeros(4)), T(m, np.ones(3)),
                                               training=True),
    "bn_weight_size": lambda m: F(m).batch_norm(T(m, X), None, None, T(m, np.ones(4)),
                                                training=True),
    "bn_momentum_none": lambda m: F(m).batch_norm(T(m, X), T(m, np.zeros(3)),
                                                  T(m, np.ones(3)), training=True,
                                                  momentum=None),
    "bn_mixed": lambda m: F(m).batch_norm(T(m, X), T(m, np.zeros(3), "float64"),
                                          T(m, np.ones(3), "float64"), training=True),
    "bn_mixed_input": lambda m: F(m).batch_norm(T(m, X, "float64"), T(m, np.zeros(3)),
                                                T(m, np.ones(3)), training=True),
    "bn_long": lambda m: F(m).batch_norm(T(m, X, "int64"), None, None, training=True),
    "gn_groups": lambda m: F(m).group_norm(T(m, X), 2),
    "gn_weight": lambda m: F(m).group_norm(T(m, X), 3, T(m, np.ones(2))),
    "gn_1d": lambda m: F(m).group_norm(T(m, X[0, 0]), 1),
    "gn_long": lambda m: F(m).group_norm(T(m, X, "int64"), 1),
    "in_spatial": lambda m: F(m).instance_norm(T(m, X[:1, :, :1])),
    "in_2d": lambda m: F(m).instance_norm(T(m, X[0])),
    "in_no_stats": lambda m: F(m).instance_norm(T(m, X), use_input_stats=False),
    "rms_shape": lambda m: F(m).rms_norm(T(m, X), (4,)),
    "rms_long": lambda m: F(m).rms_norm(T(m, X, "int64"), (5,)),
    "lrn_2d": lambda m: F(m).local_response_norm(T(m, X[0]), 2),
    "lrn_1d": lambda m: F(m).local_response_norm(T(m, X[0, 0]), 2),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    same(ERRORS[name])


def test_running_stats_update_in_place_unbiased_without_version_bump():
    for dims in ((4, 3, 5), (6, 2), (2, 3, 2, 2)):
        x = RNG.standard_normal(dims)
        out = []
        for m in (torch, cr):
            rm, rv = T(m, np.full(dims[1], 0.5)), T(m, np.full(dims[1], 2.0))
            F(m).batch_norm(T(m, x), rm, rv, training=True, momentum=0.3)
            out.append((rm.numpy(), rv.numpy(), rm._version, rv._version))
        (tm, tv, tvm, tvv), (cm, cv, cvm, cvv) = out
        np.testing.assert_allclose(cm, tm, rtol=1e-6)
        np.testing.assert_allclose(cv, tv, rtol=1e-6)
        assert (cvm, cvv) == (tvm, tvv)


def test_cumulative_average_as_batchnorm_with_momentum_none():
    """nn.BatchNorm with momentum=None passes 1/num_batches_tracked: the running mean is
    then the plain average of the batch means."""
    batches = [RNG.standard_normal((5, 2)) for _ in range(3)]
    rm, rv = T(cr, np.zeros(2)), T(cr, np.ones(2))
    for n, b in enumerate(batches, 1):
        F(cr).batch_norm(T(cr, b), rm, rv, training=True, momentum=1.0 / n)
    np.testing.assert_allclose(rm.numpy(), np.mean([b.mean(0) for b in batches], 0), rtol=1e-5)
    np.testing.assert_allclose(rv.numpy(), np.mean([b.var(0, ddof=1) for b in batches], 0),
                               rtol=1e-5)
    bn = torch.nn.BatchNorm1d(2, momentum=None, affine=False)
    for b in batches:
        bn(torch.tensor(b, dtype=torch.float32))
    np.testing.assert_allclose(rm.numpy(), bn.running_mean.numpy(), rtol=1e-5)
    np.testing.assert_allclose(rv.numpy(), bn.running_var.numpy(), rtol=1e-5)


def test_instance_norm_running_stats_match_torch():
    x = RNG.standard_normal((3, 2, 4))
    out = []
    for m in (torch, cr):
        rm, rv = T(m, np.zeros(2)), T(m, np.ones(2))
        y = F(m).instance_norm(T(m, x), rm, rv, momentum=0.4)
        out.append((y.detach().numpy(), rm.numpy(), rv.numpy()))
    for c, t in zip(out[1], out[0]):
        np.testing.assert_allclose(c, t, rtol=1e-5, atol=1e-6)


def _grads(m, fn, arrays, order):
    """The ``order``-th derivatives (summed against fixed directions) w.r.t. each input."""
    ins = [T(m, a, "float64", rg=True) for a in arrays]
    out = fn(m, *ins)
    names = []
    for k in range(order):
        g = torch_free_direction(out.shape, k)
        gs = m.autograd.grad(out, ins, T(m, g, "float64"), create_graph=True,
                             allow_unused=True)
        names.append([None if x is None or x.grad_fn is None else x.grad_fn.name() for x in gs])
        out = sum((x * x).sum() for x in gs if x is not None)
    return [x.detach().numpy() if x is not None else None for x in gs], names


def torch_free_direction(shape, k):
    return np.random.default_rng(10 + k).standard_normal(tuple(shape))


HIGHER = {
    "layer_norm": (lambda m, x, w, b: F(m).layer_norm(x, (5,), w, b),
                   [X, RNG.standard_normal(5), RNG.standard_normal(5)]),
    "batch_norm": (lambda m, x, w, b: F(m).batch_norm(x, None, None, w, b, training=True),
                   [X, RNG.standard_normal(3), RNG.standard_normal(3)]),
    "batch_norm_eval": (lambda m, x, w, b: F(m).batch_norm(
        x, T(m, np.full(3, 0.2), "float64"), T(m, np.full(3, 1.5), "float64"), w, b),
                        [X, RNG.standard_normal(3), RNG.standard_normal(3)]),
    "group_norm": (lambda m, x, w, b: F(m).group_norm(x, 3, w, b),
                   [RNG.standard_normal((2, 6, 3)), RNG.standard_normal(6),
                    RNG.standard_normal(6)]),
}


@pytest.mark.parametrize("name", sorted(HIGHER))
@pytest.mark.parametrize("order", [2, 3])
def test_higher_order_gradients_match_torch(name, order):
    fn, arrays = HIGHER[name]
    (tg, tn), (cg, cn) = _grads(torch, fn, arrays, order), _grads(cr, fn, arrays, order)
    for t, c in zip(tg, cg):
        assert (t is None) == (c is None)
        if t is not None:
            np.testing.assert_allclose(c, t, rtol=1e-8, atol=1e-10)
    if name != "group_norm":  # torch's group norm double backward is a composite
        assert cn[0] == tn[0]


def _double_backward_node(m, fn, arrays):
    ins = [T(m, a, "float64", rg=True) for a in arrays]
    gs = m.autograd.grad(fn(m, *ins).sum(), ins, create_graph=True)
    node = gs[0].grad_fn
    return node.name(), [None if f is None else f.name() for f, _ in node.next_functions]


@pytest.mark.parametrize("name", ["layer_norm", "batch_norm", "batch_norm_eval"])
def test_double_backward_records_torch_backward_nodes(name):
    fn, arrays = HIGHER[name]
    assert _double_backward_node(cr, fn, arrays) == _double_backward_node(torch, fn, arrays)


def test_half_precision_layer_and_batch_norm():
    x = RNG.standard_normal((4, 3, 5))
    same(lambda m: F(m).layer_norm(T(m, x, "float16"), (5,)), atol=2e-3, rtol=2e-3)
    same(lambda m: F(m).layer_norm(T(m, x, "float16"), (5,), T(m, np.ones(5)),
                                   T(m, np.zeros(5))), atol=2e-3, rtol=2e-3)
    same(lambda m: F(m).batch_norm(T(m, x, "float16"), None, None, training=True),
         atol=2e-3, rtol=2e-3)
    same(lambda m: F(m).rms_norm(T(m, x, "float16"), (5,)), atol=2e-3, rtol=2e-3)


def test_large_offset_keeps_float32_precision():
    x = 1e4 + RNG.standard_normal((8, 64)) * 1e-1
    same(lambda m: F(m).layer_norm(T(m, x), (64,)), atol=2e-2, rtol=1e-3)
    same(lambda m: F(m).batch_norm(T(m, x.reshape(8, 4, 16)), None, None, training=True),
         atol=2e-2, rtol=1e-3)


# ---------------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SETTINGS = settings(max_examples=20, deadline=None)


def _values_and_grads(fn, arrays, atol=1e-10):
    results = []
    for m in (torch, cr):
        ins = [T(m, a, "float64", rg=True) for a in arrays]
        out = fn(m, *ins)
        g = np.random.default_rng(3).standard_normal(tuple(out.shape))
        out.backward(T(m, g, "float64"))
        results.append((out.detach().numpy(), [t.grad.numpy() for t in ins]))
    (to, tg), (co, cg) = results
    np.testing.assert_allclose(co, to, atol=atol, rtol=1e-8)
    for c, t in zip(cg, tg):
        np.testing.assert_allclose(c, t, atol=atol, rtol=1e-8)


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data())
def test_layer_norm_shapes(shape, data):
    k = data.draw(st.integers(1, len(shape)))
    norm = tuple(shape[len(shape) - k:])
    rng = np.random.default_rng(len(shape) * 7 + k)
    arrays = [rng.standard_normal(shape), rng.standard_normal(norm), rng.standard_normal(norm)]
    _values_and_grads(lambda m, x, w, b: F(m).layer_norm(x, norm, w, b), arrays)


@SETTINGS
@given(n=st.integers(2, 4), c=st.integers(1, 3), spatial=st.lists(st.integers(1, 3),
                                                                  max_size=2),
       training=st.booleans())
def test_batch_norm_shapes(n, c, spatial, training):
    shape = (n, c, *spatial)
    rng = np.random.default_rng(n * 11 + c)
    arrays = [rng.standard_normal(shape), rng.standard_normal(c), rng.standard_normal(c)]

    def fn(m, x, w, b):
        rm = T(m, np.full(c, 0.1), "float64")
        rv = T(m, np.full(c, 1.3), "float64")
        return F(m).batch_norm(x, rm, rv, w, b, training=training)
    _values_and_grads(fn, arrays)


@SETTINGS
@given(n=st.integers(1, 3), groups=st.integers(1, 3), per=st.integers(1, 2),
       spatial=st.lists(st.integers(1, 3), max_size=2))
def test_group_norm_shapes(n, groups, per, spatial):
    c = groups * per
    shape = (n, c, *spatial)
    if c * int(np.prod(spatial)) // groups < 2:
        return  # one element a group: torch's variance is 0, the gradient degenerate
    rng = np.random.default_rng(n * 13 + c)
    arrays = [rng.standard_normal(shape), rng.standard_normal(c), rng.standard_normal(c)]
    _values_and_grads(lambda m, x, w, b: F(m).group_norm(x, groups, w, b), arrays)
