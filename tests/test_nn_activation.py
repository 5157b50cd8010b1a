"""nn.functional activations and softmax family against torch: errors and dtypes, the
nodes double backward records, stability at extreme inputs, random forms (rrelu in
training, gumbel_softmax), in-place semantics and implicit-dim warnings. Values, gradients
and graphs of ordinary inputs are in tests/op_db/nn_activation.py."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402

TF, CF = torch.nn.functional, cr.nn.functional


def lib_F(m):
    return m.nn.functional


def same(fn, atol=1e-6, rtol=1e-5):
    """fn(torch) and fn(chainrule) agree: the same exception (type and message), or the
    same values, dtype and shape."""
    outs = []
    for m in (torch, cr):
        try:
            outs.append(fn(m))
        except Exception as exc:  # noqa: BLE001 - the exception is what is compared
            outs.append(exc)
    t, c = outs
    if isinstance(t, Exception):
        assert isinstance(c, Exception), f"torch raises {t!r}, chainrule returns {c!r}"
        assert type(c).__name__ == type(t).__name__, (t, c)
        assert str(c) == str(t)
        return
    assert not isinstance(c, Exception), f"chainrule raises {c!r}"
    assert str(c.dtype) == str(t.dtype)
    assert tuple(c.shape) == tuple(t.shape)
    np.testing.assert_allclose(c.detach().numpy().astype(np.float64),
                               t.detach().numpy().astype(np.float64), atol=atol, rtol=rtol,
                               equal_nan=True)


# ---------------------------------------------------------------------------- dtypes
DTYPE_FNS = {
    "relu": lambda F, x: F.relu(x), "relu6": lambda F, x: F.relu6(x),
    "hardtanh": lambda F, x: F.hardtanh(x), "hardtanh_f": lambda F, x: F.hardtanh(x, 0.5, 2.5),
    "leaky_relu": lambda F, x: F.leaky_relu(x), "elu": lambda F, x: F.elu(x),
    "selu": lambda F, x: F.selu(x), "celu": lambda F, x: F.celu(x),
    "gelu": lambda F, x: F.gelu(x), "silu": lambda F, x: F.silu(x),
    "mish": lambda F, x: F.mish(x), "softplus": lambda F, x: F.softplus(x),
    "softsign": lambda F, x: F.softsign(x), "hardsigmoid": lambda F, x: F.hardsigmoid(x),
    "hardswish": lambda F, x: F.hardswish(x), "hardshrink": lambda F, x: F.hardshrink(x),
    "softshrink": lambda F, x: F.softshrink(x), "tanhshrink": lambda F, x: F.tanhshrink(x),
    "threshold": lambda F, x: F.threshold(x, 1, 5),
    "threshold_f": lambda F, x: F.threshold(x, 0.5, 2.5),
    "logsigmoid": lambda F, x: F.logsigmoid(x), "rrelu": lambda F, x: F.rrelu(x),
    "glu": lambda F, x: F.glu(x), "softmax": lambda F, x: F.softmax(x, 0),
    "log_softmax": lambda F, x: F.log_softmax(x, 0), "softmin": lambda F, x: F.softmin(x, 0),
    "normalize": lambda F, x: F.normalize(x, dim=0),
    "softmax_dtype": lambda F, x: F.softmax(x, 0, dtype=x.new_ones(1).float().dtype),
}
DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", sorted(DTYPE_FNS))
def test_dtypes_and_dtype_errors_match_torch(name, dtype):
    if name == "softmax_dtype":  # x.new_ones is not the point here
        fn = (lambda m: lib_F(m).softmax(m.tensor([1, 0, 2, 3]).to(getattr(m, dtype)), 0,
                                        dtype=m.float32))
    else:
        fn = (lambda m: DTYPE_FNS[name](lib_F(m), m.tensor([1, 0, 2, 3]).to(getattr(m, dtype))))
    same(fn, atol=2e-3, rtol=2e-3)


def test_prelu_dtype_errors():
    for dt in ("int64", "float64"):
        same(lambda m: lib_F(m).prelu(m.tensor([1, -2]).to(getattr(m, dt)),
                                      m.tensor([1]).to(getattr(m, dt))))
    same(lambda m: lib_F(m).prelu(m.randn(3), m.ones(1, dtype=m.float64)))


# ---------------------------------------------------------------------------- errors
ERROR_CASES = {
    "gelu_approximate": lambda F, m: F.gelu(m.randn(3), approximate="foo"),
    "softshrink_negative": lambda F, m: F.softshrink(m.randn(3), -1.0),
    "softshrink_negative_double": lambda F, m: F.softshrink(m.randn(3).double(), -0.5),
    "softshrink_huge": lambda F, m: F.softshrink(m.randn(3), 1e39),
    "hardtanh_bounds": lambda F, m: F.hardtanh(m.randn(3), 2.0, 1.0),
    "hardtanh_uint8": lambda F, m: F.hardtanh(m.tensor([1, 2], dtype=m.uint8)),
    "glu_scalar": lambda F, m: F.glu(m.tensor(1.0)),
    "glu_odd": lambda F, m: F.glu(m.randn(3, 5)),
    "glu_odd_dim0": lambda F, m: F.glu(m.randn(3, 4), 0),
    "glu_dim_range": lambda F, m: F.glu(m.randn(3, 4), 2),
    "prelu_channels": lambda F, m: F.prelu(m.randn(2, 4, 3), m.rand(3)),
    "prelu_1d": lambda F, m: F.prelu(m.randn(4), m.rand(4)),
    "prelu_0d": lambda F, m: F.prelu(m.tensor(1.0), m.rand(3)),
    "prelu_2d_weight": lambda F, m: F.prelu(m.randn(2, 4), m.rand(4, 1)),
    "rrelu_bounds_train": lambda F, m: F.rrelu(m.randn(3), 0.5, 0.1, training=True),
    "rrelu_bounds_eval": lambda F, m: F.rrelu(m.randn(3), 0.5, 0.1),
    "softmax_dim": lambda F, m: F.softmax(m.randn(2, 3), 2),
    "log_softmax_dim": lambda F, m: F.log_softmax(m.randn(2, 3), -3),
    "softmax_0d_dim": lambda F, m: F.softmax(m.tensor(1.0), 1),
    "celu_zero": lambda F, m: F.celu(m.randn(3), 0.0),
    "normalize_int": lambda F, m: F.normalize(m.tensor([[1, 2]])),
    "normalize_out_grad": lambda F, m: F.normalize(m.randn(3, 2, requires_grad=True),
                                                   out=m.empty(3, 2)),
}


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_errors_match_torch(name):
    same(lambda m: ERROR_CASES[name](lib_F(m), m))


@pytest.mark.parametrize("fn", [
    lambda F, x: F.leaky_relu(x, -0.1, inplace=True),
    lambda F, x: F.leaky_relu_(x, -0.2),
    lambda F, x: F.elu(x, -0.5, inplace=True),
    lambda F, x: F.elu_(x, -1.0),
])
def test_inplace_negative_slope_backward_raises_like_torch(fn):
    def run(m):
        x = m.randn(5, requires_grad=True)
        fn(lib_F(m), x.clone()).sum().backward()
    same(run)


def test_hardsigmoid_has_no_double_backward_as_torch():
    for m in (torch, cr):
        x = m.randn(4, dtype=m.float64, requires_grad=True)
        (g,) = m.autograd.grad(lib_F(m).hardsigmoid(x).sum(), x, create_graph=True)
        assert g.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::hardsigmoid_backward is "
                                               "not implemented"):
            g.sum().backward()


def test_normalize_out_without_grad():
    xt = torch.randn(3, 4)
    xm = cr.tensor(xt.numpy())
    ot, om = torch.empty(3, 4), cr.empty(3, 4)
    rt, rm = TF.normalize(xt, out=ot), CF.normalize(xm, out=om)
    assert rm is om
    np.testing.assert_allclose(om.numpy(), ot.numpy(), rtol=1e-6)
    np.testing.assert_allclose(rm.numpy(), rt.numpy(), rtol=1e-6)


# ---------------------------------------------------------------------------- double backward
def _names(fn, depth=2):
    if fn is None:
        return None
    if depth == 0:
        return fn.name()
    return (fn.name(), tuple(_names(f, depth - 1) for f, _ in fn.next_functions))


DOUBLE = {
    "relu": lambda F, x: F.relu(x), "relu6": lambda F, x: F.relu6(x),
    "hardtanh": lambda F, x: F.hardtanh(x, -0.5, 0.5),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.2), "elu": lambda F, x: F.elu(x),
    "selu": lambda F, x: F.selu(x), "celu": lambda F, x: F.celu(x, 0.5),
    "gelu": lambda F, x: F.gelu(x), "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "softplus": lambda F, x: F.softplus(x, 2.0), "hardswish": lambda F, x: F.hardswish(x),
    "hardshrink": lambda F, x: F.hardshrink(x), "softshrink": lambda F, x: F.softshrink(x),
    "threshold": lambda F, x: F.threshold(x, 0.1, 2.0),
    "logsigmoid": lambda F, x: F.logsigmoid(x), "rrelu": lambda F, x: F.rrelu(x),
    "glu": lambda F, x: F.glu(x), "softmax": lambda F, x: F.softmax(x, 1),
    "log_softmax": lambda F, x: F.log_softmax(x, 0),
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_double_backward_records_torch_nodes(name):
    rng = np.random.default_rng(0)
    xs = rng.uniform(-2, 2, (3, 4))
    gs = rng.standard_normal((3, 2) if name == "glu" else (3, 4))
    results = []
    for m in (torch, cr):
        x = m.tensor(xs, requires_grad=True)
        g = m.tensor(gs, requires_grad=True)
        y = DOUBLE[name](lib_F(m), x)
        (gx,) = m.autograd.grad(y, x, g, create_graph=True)
        results.append((_names(gx.grad_fn, 1), gx))
        (gx * gx).sum().backward()
        results.append((x.grad, g.grad))
    (tn, tgx), (tx, tg), (cn, cgx), (cx, cg) = results
    assert cn == tn
    np.testing.assert_allclose(cgx.detach().numpy(), tgx.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(cx.numpy(), tx.numpy(), atol=1e-10)
    np.testing.assert_allclose(cg.numpy(), tg.numpy(), atol=1e-10)


def test_prelu_double_backward_matches_torch():
    rng = np.random.default_rng(1)
    xs, ws, gs = rng.uniform(-2, 2, (2, 3, 4)), rng.uniform(0.1, 0.5, 3), rng.normal(size=(2, 3, 4))
    out = []
    for m in (torch, cr):
        x, w = m.tensor(xs, requires_grad=True), m.tensor(ws, requires_grad=True)
        g = m.tensor(gs, requires_grad=True)
        gx, gw = m.autograd.grad(lib_F(m).prelu(x, w), (x, w), g, create_graph=True)
        assert gx.grad_fn.name() == "PreluKernelBackwardBackward0"
        ((gx * gx).sum() + (gw * gw).sum()).backward()
        out.append([gx, gw, x.grad, w.grad, g.grad])
    for c, t in zip(out[1], out[0]):
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), atol=1e-10)


# ---------------------------------------------------------------------------- stability
EXTREME = np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0])
STABLE = {
    "log_softmax": lambda F, x: F.log_softmax(x, 0),
    "softmax": lambda F, x: F.softmax(x, 0),
    "softplus": lambda F, x: F.softplus(x),
    "softplus_beta": lambda F, x: F.softplus(x, 0.5, 1000.0),
    "logsigmoid": lambda F, x: F.logsigmoid(x),
    "silu": lambda F, x: F.silu(x), "mish": lambda F, x: F.mish(x),
    "elu": lambda F, x: F.elu(x), "gelu": lambda F, x: F.gelu(x),
    "sigmoid": lambda F, x: F.sigmoid(x),
}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(STABLE))
def test_extreme_inputs_match_torch(name, dtype):
    grads = []
    for m in (torch, cr):
        x = m.tensor(EXTREME, dtype=getattr(m, dtype), requires_grad=True)
        y = STABLE[name](lib_F(m), x)
        y.backward(m.ones_like(y))
        grads.append((y.detach().numpy(), x.grad.numpy()))
    (ty, tg), (cy, cg) = grads
    np.testing.assert_allclose(cy, ty, rtol=1e-6, atol=1e-6, equal_nan=True)
    np.testing.assert_allclose(cg, tg, rtol=1e-6, atol=1e-6, equal_nan=True)


def test_log_softmax_keeps_float32_precision():
    # rows far from zero and with tiny spreads: the shifted formula keeps every digit
    xs = (np.array([[1000.0, 1000.001, 999.999], [-1000.0, -1000.5, -999.5]]))
    t = TF.log_softmax(torch.tensor(xs, dtype=torch.float32), 1)
    c = CF.log_softmax(cr.tensor(xs, dtype=cr.float32), 1)
    np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)
    assert c.dtype is cr.float32


def test_softmax_rows_of_infinities_give_nan_as_torch():
    inf = float("inf")
    rows = [[-inf, -inf, -inf], [1.0, inf, 2.0], [0.0, -inf, 1.0]]
    for name in ("softmax", "log_softmax"):
        same(lambda m: getattr(lib_F(m), name)(m.tensor(rows), 1))


# ---------------------------------------------------------------------------- warnings
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4), (2, 3, 4, 2)])
def test_implicit_dim_warns_and_picks_torch_dim(name, shape):
    rng = np.random.default_rng(0)
    xs = rng.standard_normal(shape)
    outs = []
    for m in (torch, cr):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            outs.append(getattr(lib_F(m), name)(m.tensor(xs)))
        msgs = [str(x.message) for x in w]
        assert msgs == [f"Implicit dimension choice for {name} has been deprecated. Change "
                        "the call to include dim=X as an argument."]
        assert w[0].filename == __file__
    np.testing.assert_allclose(outs[1].numpy(), outs[0].numpy(), rtol=1e-6)


def test_gumbel_eps_warns():
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        CF.gumbel_softmax(cr.randn(2, 3), eps=1e-5)


# ---------------------------------------------------------------------------- random forms
def test_rrelu_training_draws_slopes_in_bounds_from_the_generator():
    x = cr.randn(2000, requires_grad=True)
    cr.manual_seed(3)
    y = CF.rrelu(x, 0.1, 0.3, training=True)
    neg = x.detach().numpy() <= 0
    slopes = (y.detach().numpy()[neg] / x.detach().numpy()[neg])
    assert slopes.min() >= 0.1 - 1e-6 and slopes.max() <= 0.3 + 1e-6
    assert slopes.std() > 0.03  # really random, not the eval slope
    np.testing.assert_array_equal(y.detach().numpy()[~neg], x.detach().numpy()[~neg])
    assert y.grad_fn.name() == "RreluWithNoiseBackward0"
    y.sum().backward()
    expected = np.where(neg, y.detach().numpy() / np.where(neg, x.detach().numpy(), 1), 1)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5)
    cr.manual_seed(3)
    again = CF.rrelu(x, 0.1, 0.3, training=True)
    np.testing.assert_array_equal(again.detach().numpy(), y.detach().numpy())
    gen = cr.manual_seed(5)
    del gen


def test_rrelu_inplace_training_records_backward1():
    x = cr.randn(50, requires_grad=True)
    y = CF.rrelu(x.clone(), training=True, inplace=True)
    assert y.grad_fn.name() == "RreluWithNoiseBackward1"
    z = cr.rrelu_(x.clone(), 0.2, 0.2, True)
    z.sum().backward()
    neg = x.detach().numpy() <= 0
    np.testing.assert_allclose(x.grad.numpy(), np.where(neg, 0.2, 1.0), rtol=1e-6)


def test_torch_rrelu_eval_is_leaky_relu_with_the_mean_slope():
    x = torch.randn(10)
    np.testing.assert_allclose(cr.rrelu(cr.tensor(x.numpy()), 0.1, 0.5).numpy(),
                               torch.rrelu(x, 0.1, 0.5).numpy(), rtol=1e-6)


@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_gumbel_softmax_soft_samples(dim):
    x = cr.randn(3, 5, requires_grad=True)
    y = CF.gumbel_softmax(x, tau=0.5, dim=dim)
    assert y.shape == x.shape and y.grad_fn.name() == "SoftmaxBackward0"
    np.testing.assert_allclose(y.detach().numpy().sum(dim), 1.0, rtol=1e-5)
    assert (y.detach().numpy() > 0).all()
    nxt = y.grad_fn.next_functions[0][0]
    assert nxt.name() == "DivBackward0"
    assert nxt.next_functions[0][0].name() == "AddBackward0"


def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient():
    x = cr.randn(4, 6, requires_grad=True)
    cr.manual_seed(11)
    y = CF.gumbel_softmax(x, hard=True)
    cr.manual_seed(11)
    soft = CF.gumbel_softmax(x)
    yv = y.detach().numpy()
    assert set(np.unique(yv)) <= {0.0, 1.0}
    np.testing.assert_array_equal(yv.sum(-1), 1.0)
    np.testing.assert_array_equal(yv.argmax(-1), soft.detach().numpy().argmax(-1))
    assert y.grad_fn.name() == "AddBackward0"
    assert [f is None for f, _ in y.grad_fn.next_functions] == [True, False]
    w = cr.randn(4, 6)
    (gh,) = cr.autograd.grad((y * w).sum(), x)
    (gs,) = cr.autograd.grad((soft * w).sum(), x)
    np.testing.assert_allclose(gh.numpy(), gs.numpy(), rtol=1e-6)


def test_gumbel_softmax_matches_torch_in_distribution():
    # the noise cannot match torch's stream; the sampling distribution must: argmax
    # frequencies follow softmax(logits)
    logits = np.array([0.0, 1.0, 2.0])
    x = cr.tensor(np.tile(logits, (20000, 1)))
    freq = np.bincount(CF.gumbel_softmax(x, hard=True).numpy().argmax(-1), minlength=3) / 20000
    np.testing.assert_allclose(freq, TF.softmax(torch.tensor(logits), 0).numpy(), atol=0.02)


# ---------------------------------------------------------------------------- in place
INPLACE = {
    "relu": lambda F, x: F.relu(x, inplace=True), "relu_": lambda F, x: F.relu_(x),
    "hardtanh_": lambda F, x: F.hardtanh_(x), "relu6": lambda F, x: F.relu6(x, inplace=True),
    "leaky_relu_": lambda F, x: F.leaky_relu_(x), "elu_": lambda F, x: F.elu_(x),
    "selu_": lambda F, x: F.selu_(x), "celu_": lambda F, x: F.celu_(x),
    "threshold_": lambda F, x: F.threshold_(x, 0.0, 1.0),
    "rrelu_": lambda F, x: F.rrelu_(x), "silu": lambda F, x: F.silu(x, inplace=True),
    "mish": lambda F, x: F.mish(x, inplace=True),
    "hardswish": lambda F, x: F.hardswish(x, inplace=True),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x, inplace=True),
}


@pytest.mark.parametrize("name", sorted(INPLACE))
def test_inplace_forms_write_into_the_input(name):
    xs = np.linspace(-2, 2, 7)
    res = []
    for m in (torch, cr):
        x = m.tensor(xs)
        v = x._version
        out = INPLACE[name](lib_F(m), x)
        assert out is x and x._version == v + 1
        res.append(x.numpy().copy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-6)


def test_inplace_on_a_leaf_requiring_grad_raises_like_torch():
    same(lambda m: lib_F(m).elu_(m.randn(3, requires_grad=True)))
    same(lambda m: lib_F(m).relu(m.randn(3, requires_grad=True), inplace=True))


# ---------------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4), data=st.data(),
       name=st.sampled_from(["softmax", "log_softmax", "softmin"]))
def test_softmax_family_over_shapes_and_dims(shape, data, name):
    nd = len(shape)
    dim = data.draw(st.integers(-max(nd, 1), max(nd, 1) - 1))
    xs = np.random.default_rng(nd).uniform(-5, 5, shape)
    gs = np.random.default_rng(7).standard_normal(shape)
    res = []
    for m in (torch, cr):
        x = m.tensor(xs, requires_grad=True)
        y = getattr(lib_F(m), name)(x, dim)
        y.backward(m.tensor(gs))
        res.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-9, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(sorted(DOUBLE)), scale=st.floats(0.1, 30.0),
       seed=st.integers(0, 1000))
def test_activations_over_scales(name, scale, seed):
    xs = np.random.default_rng(seed).standard_normal((3, 4)) * scale
    res = []
    for m in (torch, cr):
        x = m.tensor(xs, requires_grad=True)
        y = DOUBLE[name](lib_F(m), x)
        y.sum().backward()
        res.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------- dropout
def test_dropout_training_zeroes_with_probability_p_and_scales_the_rest():
    x = cr.ones(200, 100, requires_grad=True)
    y = CF.dropout(x, 0.3)
    v = y.detach().numpy()
    kept = v != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(v[kept], np.float32(1) / np.float32(0.7), rtol=1e-6)
    assert y.grad_fn.name() == "MulBackward0" and y.dtype is cr.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), v)  # the gradient is the scaled mask


def test_dropout_follows_manual_seed():
    x = cr.randn(50)
    cr.manual_seed(7)
    a = CF.dropout(x, 0.5).numpy()
    cr.manual_seed(7)
    b = CF.dropout(x, 0.5).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, CF.dropout(x, 0.5).numpy())


@pytest.mark.parametrize("name,shape", [("dropout1d", (4, 6, 50)), ("dropout1d", (6, 50)),
                                        ("dropout2d", (4, 6, 5, 10)),
                                        ("dropout3d", (4, 6, 2, 5, 5)),
                                        ("dropout3d", (6, 2, 5, 5))])
def test_channel_dropout_masks_whole_channels(name, shape):
    x = cr.ones(*shape)
    v = getattr(CF, name)(x, 0.4).numpy()
    flat = v.reshape(v.shape[0], -1) if len(shape) in (2, 4) and name != "dropout2d" else \
        v.reshape(v.shape[0] * v.shape[1], -1)
    assert all(len(np.unique(row)) == 1 for row in flat)
    assert set(np.unique(v)) <= {0.0, np.float32(1) / np.float32(0.6)}


def test_alpha_dropout_keeps_mean_and_variance():
    x = cr.randn(400, 250)
    y = CF.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert CF.alpha_dropout(x, 0.2) is x  # training defaults to False
    z = CF.feature_alpha_dropout(cr.randn(300, 40, 3), 0.3, training=True).numpy()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    ch = CF.feature_alpha_dropout(cr.ones(5, 8, 3), 0.5, training=True).numpy()
    assert all(len(np.unique(c)) == 1 for c in ch.reshape(40, 3))


def test_dropout_inplace_and_identity_cases_match_torch():
    for m in (torch, cr):
        x = m.ones(10, 10)
        assert lib_F(m).dropout(x, 0.5, training=False) is x
        assert lib_F(m).dropout(x, 0.0) is x
        assert lib_F(m).dropout(x, 0.5, inplace=True) is x
        assert set(np.unique(x.numpy())) <= {0.0, 2.0}
        e = m.ones(0, 3)
        assert lib_F(m).dropout(e, 0.5) is e
        assert m.dropout(x, 0.5, False) is x


DROPOUT_ERRORS = {
    "p_high": lambda F, m: F.dropout(m.ones(3), 1.5),
    "p_low": lambda F, m: F.dropout(m.ones(3), -0.1),
    "torch_p": lambda F, m: m.dropout(m.ones(3), 1.5, True),
    "torch_feature_p": lambda F, m: m.feature_alpha_dropout(m.ones(3, 2), -1.0, True),
    "feature_1d": lambda F, m: F.feature_alpha_dropout(m.ones(4), training=True),
    "torch_feature_1d": lambda F, m: m.feature_dropout(m.ones(4), 0.5, True),
    "dropout1d_dims": lambda F, m: F.dropout1d(m.ones(2, 3, 4, 5)),
    "dropout1d_p": lambda F, m: F.dropout1d(m.ones(2, 3), 2.0),
    "alpha_p": lambda F, m: F.alpha_dropout(m.ones(3), 1.1),
    "int_training": lambda F, m: F.dropout(m.ones(3, dtype=m.long), 0.3),
    "bool_training": lambda F, m: F.dropout(m.ones(3, dtype=m.bool), 0.3),
    "int_p1": lambda F, m: F.dropout(m.ones(3, dtype=m.long), 1.0),
    "int_eval": lambda F, m: F.dropout(m.ones(3, dtype=m.long), 0.3, False),
    "inplace_leaf": lambda F, m: F.dropout(m.ones(3, requires_grad=True), 0.3, inplace=True),
}


@pytest.mark.parametrize("name", sorted(DROPOUT_ERRORS))
def test_dropout_errors_match_torch(name):
    same(lambda m: DROPOUT_ERRORS[name](lib_F(m), m) * 0)


@pytest.mark.parametrize("call", [
    lambda F, m: F.dropout2d(m.ones(3)),
    lambda F, m: F.dropout2d(m.ones(2, 3, 4)),
    lambda F, m: F.dropout3d(m.ones(3, 4)),
])
def test_dropout_dimension_warnings_match_torch(call):
    msgs = []
    for m in (torch, cr):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                call(lib_F(m), m)
            except RuntimeError as exc:
                msgs.append(str(exc))
        msgs.append([str(x.message) for x in w])
        if m is cr:
            assert all(x.filename == __file__ for x in w)
    assert msgs[len(msgs) // 2:] == msgs[:len(msgs) // 2]


def test_log_softmax_keeps_absolute_precision_near_zero():
    # a confident row: the top log-probability is ~-1e-7; torch's shifted form keeps it to
    # float32 rounding, an unshifted x - logsumexp(x) would lose it to eps * |x|
    x = np.array([[40.0, 24.0, 23.5, 22.0]], dtype=np.float32)
    t = torch.log_softmax(torch.tensor(x), 1).numpy()
    c = cr.log_softmax(cr.tensor(x), 1).numpy()
    np.testing.assert_allclose(c, t, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_relu_backward_keeps_nonfinite_gradients_bit_exact(dtype, shape):
    """relu's backward masks by bits (not where/multiply): inf and NaN gradients pass where
    the output is positive or NaN, and exact +0 elsewhere, as torch's threshold_backward."""
    n = int(np.prod(shape))
    x = np.array([-1.0, 0.0, 2.0, np.nan, 3.0, -4.0][:n]).reshape(shape)
    g = np.array([np.inf, np.nan, -np.inf, 5.0, np.nan, np.inf][:n]).reshape(shape)
    xt = torch.tensor(x).to(getattr(torch, dtype)).requires_grad_()
    torch.relu(xt).backward(torch.tensor(g).to(getattr(torch, dtype)))
    xc = cr.tensor(x).to(getattr(cr, dtype)).requires_grad_()
    cr.relu(xc).backward(cr.tensor(g).to(getattr(cr, dtype)))
    want, got = xt.grad.float().numpy(), xc.grad.float().numpy()
    assert xc.grad.dtype == getattr(cr, dtype)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_abs_double_backward_records_sgn_as_torch():
    names = []
    for m in (torch, cr):
        x = m.tensor([-1.5, 2.0], dtype=m.float64, requires_grad=True)
        g, = m.autograd.grad(m.abs(x).sum(), x, create_graph=True)
        names.append([g.grad_fn.name()] + [f.name() for f, _ in g.grad_fn.next_functions if f])
    assert names[0] == names[1]
