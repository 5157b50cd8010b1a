"""distributions.transforms, constraints, biject_to/transform_to, utils and validate_args
against torch."""
import warnings

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


def _np(t):
    return np.asarray(t.detach().numpy())


def _x(m, shape=(2, 3), seed=0, grad=False):
    values = np.random.default_rng(seed).normal(size=shape)
    return m.tensor(values, dtype=m.float64, requires_grad=grad)


def _pd(m):
    return m.tensor([[2.0, 0.3, 0.1], [0.3, 1.0, -0.2], [0.1, -0.2, 1.5]], dtype=m.float64)


# name -> (builder(m) -> transform, input(m, grad) in the transform's domain)
TRANSFORMS = {
    "exp": (lambda m: m.distributions.transforms.ExpTransform(), _x),
    "affine": (lambda m: m.distributions.transforms.AffineTransform(
        m.tensor([1.0, -2.0, 0.5], dtype=m.float64), m.tensor([2.0, 0.5, -3.0],
                                                              dtype=m.float64)), _x),
    "affine_event": (lambda m: m.distributions.transforms.AffineTransform(0.5, 3.0, event_dim=1),
                     _x),
    "sigmoid": (lambda m: m.distributions.transforms.SigmoidTransform(), _x),
    "tanh": (lambda m: m.distributions.transforms.TanhTransform(), _x),
    "softplus": (lambda m: m.distributions.transforms.SoftplusTransform(), _x),
    "power": (lambda m: m.distributions.transforms.PowerTransform(m.tensor(2.5, dtype=m.float64)),
              lambda m, grad=False: (_x(m) ** 2 + 0.1).detach().requires_grad_(grad)),
    "abs": (lambda m: m.distributions.transforms.AbsTransform(), _x),
    "softmax": (lambda m: m.distributions.transforms.SoftmaxTransform(), _x),
    "stick_breaking": (lambda m: m.distributions.transforms.StickBreakingTransform(), _x),
    "lower_cholesky": (lambda m: m.distributions.transforms.LowerCholeskyTransform(),
                       lambda m, grad=False: _x(m, (2, 3, 3), grad=grad)),
    "positive_definite": (lambda m: m.distributions.transforms.PositiveDefiniteTransform(),
                          lambda m, grad=False: _x(m, (2, 3, 3), grad=grad)),
    "corr_cholesky": (lambda m: m.distributions.transforms.CorrCholeskyTransform(), _x),
    "compose": (lambda m: m.distributions.transforms.ComposeTransform([
        m.distributions.transforms.AffineTransform(1.0, 2.0),
        m.distributions.transforms.ExpTransform()]), _x),
    "independent": (lambda m: m.distributions.transforms.IndependentTransform(
        m.distributions.transforms.SigmoidTransform(), 1), _x),
    "reshape": (lambda m: m.distributions.transforms.ReshapeTransform((3,), (3, 1)), _x),
    "cat": (lambda m: m.distributions.transforms.CatTransform(
        [m.distributions.transforms.ExpTransform(), m.distributions.transforms.SigmoidTransform()],
        dim=1, lengths=[1, 2]), _x),
    "stack": (lambda m: m.distributions.transforms.StackTransform(
        [m.distributions.transforms.ExpTransform(), m.distributions.transforms.TanhTransform()],
        dim=0), _x),
    "cumulative_distribution": (lambda m: m.distributions.transforms.CumulativeDistributionTransform(
        m.distributions.Normal(m.tensor(0.5, dtype=m.float64), m.tensor(2.0, dtype=m.float64))),
        _x),
    "inverse_exp": (lambda m: m.distributions.transforms.ExpTransform().inv,
                    lambda m, grad=False: (_x(m).exp()).detach().requires_grad_(grad)),
}
NAMES = sorted(TRANSFORMS)


def _outcome(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "ok", fn()
        except (NotImplementedError, ValueError, RuntimeError) as exc:
            return "raise", type(exc)


def _same(a, b, what):
    assert a[0] == b[0], f"{what}: chainrule {a} vs torch {b}"
    if a[0] == "raise":
        assert a[1] is b[1], what
    elif isinstance(b[1], torch.Tensor):
        assert tuple(a[1].shape) == tuple(b[1].shape), what
        np.testing.assert_allclose(_np(a[1]), _np(b[1]), rtol=1e-6, atol=1e-9, err_msg=what)
    else:
        assert a[1] == b[1], what


@pytest.mark.parametrize("name", NAMES)
def test_transform_matches_torch(name):
    build, make = TRANSFORMS[name]
    t, tt = build(cr), build(torch)
    x, tx = make(cr), make(torch)
    assert repr(t) == repr(tt)
    assert repr(t.domain) == repr(tt.domain) and repr(t.codomain) == repr(tt.codomain)
    assert t.bijective == tt.bijective
    _same(_outcome(lambda: t.sign), _outcome(lambda: tt.sign), f"{name}.sign")
    y, ty = _outcome(lambda: t(x)), _outcome(lambda: tt(tx))
    _same(y, ty, f"{name}(x)")
    _same(_outcome(lambda: t.inv(y[1])), _outcome(lambda: tt.inv(ty[1])), f"{name}.inv(y)")
    _same(_outcome(lambda: t.log_abs_det_jacobian(x, y[1])),
          _outcome(lambda: tt.log_abs_det_jacobian(tx, ty[1])), f"{name}.log_abs_det_jacobian")
    shape = tuple(tx.shape)
    _same(_outcome(lambda: tuple(t.forward_shape(shape))),
          _outcome(lambda: tuple(tt.forward_shape(shape))), f"{name}.forward_shape")
    _same(_outcome(lambda: tuple(t.inverse_shape(shape))),
          _outcome(lambda: tuple(tt.inverse_shape(shape))), f"{name}.inverse_shape")


@pytest.mark.parametrize("name", NAMES)
def test_transform_gradients_match_torch(name):
    build, make = TRANSFORMS[name]

    def run(m):
        t, x = build(m), make(m, grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = t(x)
            try:
                out = y.sum() + t.log_abs_det_jacobian(x, y).sum()
            except NotImplementedError:
                out = y.sum()
        return _np(m.autograd.grad(out, [x])[0])

    np.testing.assert_allclose(run(cr), run(torch), rtol=1e-6, atol=1e-9)


def test_transform_cache_returns_the_input_object():
    t = cr.distributions.transforms.ExpTransform(cache_size=1)
    x = _x(cr)
    y = t(x)
    assert t.inv(y) is x and t(x) is y
    nocache = cr.distributions.transforms.ExpTransform()
    assert nocache.inv(nocache(x)) is not x
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        cr.distributions.transforms.ExpTransform(cache_size=2)
    assert t.inv.inv is t
    assert cr.distributions.transforms.ExpTransform() == cr.distributions.transforms.ExpTransform()


# ---------------------------------------------------------------------------- constraints
def _constraints(m):
    C = m.distributions.constraints
    return {
        "real": C.real, "positive": C.positive, "nonnegative": C.nonnegative,
        "unit_interval": C.unit_interval, "boolean": C.boolean, "simplex": C.simplex,
        "nonnegative_integer": C.nonnegative_integer, "positive_integer": C.positive_integer,
        "integer_interval": C.integer_interval(0, 3), "interval": C.interval(-1.0, 2.0),
        "half_open_interval": C.half_open_interval(0.0, 1.0), "greater_than": C.greater_than(1.0),
        "greater_than_eq": C.greater_than_eq(1.0), "less_than": C.less_than(0.5),
        "lower_cholesky": C.lower_cholesky, "lower_triangular": C.lower_triangular,
        "positive_definite": C.positive_definite, "positive_semidefinite": C.positive_semidefinite,
        "corr_cholesky": C.corr_cholesky, "symmetric": C.symmetric, "square": C.square,
        "real_vector": C.real_vector, "independent": C.independent(C.positive, 1),
        "one_hot": C.one_hot, "multinomial": C.multinomial(4),
        "cat": C.cat([C.positive, C.real], dim=0, lengths=[1, 1]),
        "stack": C.stack([C.positive, C.unit_interval], dim=0), "dependent": C.dependent,
    }


_VALUES = [
    lambda m: m.tensor([[-1.0, 0.0, 0.5], [1.0, 2.0, 3.0]], dtype=m.float64),
    lambda m: m.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], dtype=m.float64),
    lambda m: m.tensor([[1.0, 0.0], [0.5, 2.0]], dtype=m.float64),
    lambda m: m.tensor([[2.0, 0.5], [0.5, 1.0]], dtype=m.float64),
    lambda m: m.tensor([[1.0, 0.0], [0.6, 0.8]], dtype=m.float64),
]


@pytest.mark.parametrize("name", sorted(_constraints(cr)))
def test_constraint_check_and_repr_match_torch(name):
    c, tc = _constraints(cr)[name], _constraints(torch)[name]
    assert repr(c) == repr(tc)
    _same(_outcome(lambda: c.is_discrete), _outcome(lambda: tc.is_discrete), name)
    _same(_outcome(lambda: c.event_dim), _outcome(lambda: tc.event_dim), f"{name}.event_dim")
    for value in _VALUES:
        _same(_outcome(lambda: c.check(value(cr))), _outcome(lambda: tc.check(value(torch))),
              f"{name}.check")


BIJECTABLE = ["real", "positive", "nonnegative", "unit_interval", "simplex", "interval",
              "half_open_interval", "greater_than", "greater_than_eq", "less_than",
              "lower_cholesky", "positive_definite", "corr_cholesky", "real_vector",
              "independent", "cat", "stack"]


@pytest.mark.parametrize("name", BIJECTABLE)
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_biject_to_and_transform_to_match_torch(name, registry):
    found = _outcome(lambda: getattr(cr.distributions, registry)(_constraints(cr)[name]))
    tfound = _outcome(lambda: getattr(torch.distributions, registry)(_constraints(torch)[name]))
    assert found[0] == tfound[0]
    if found[0] == "raise":
        assert found[1] is tfound[1]
        return
    t, tt = found[1], tfound[1]
    assert repr(t) == repr(tt)
    shape = (2, 3) if name not in ("lower_cholesky", "positive_definite") else (2, 3, 3)
    if name == "stack":
        shape = (2, 3)
    y, ty = _outcome(lambda: t(_x(cr, shape))), _outcome(lambda: tt(_x(torch, shape)))
    _same(y, ty, f"{registry}({name})")
    if y[0] == "ok":
        assert bool(_constraints(cr)[name].check(y[1]).all())


def test_biject_to_unknown_constraint_raises_not_implemented():
    for m in (cr, torch):
        with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
            m.distributions.biject_to(m.distributions.constraints.boolean)


# ---------------------------------------------------------------------------- validate_args
def _message(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - comparing what each library raises
        return type(exc).__name__, str(exc)
    return None


@pytest.mark.parametrize("case", [
    lambda m: m.distributions.Normal(m.tensor([0.0]), m.tensor([-1.0])),
    lambda m: m.distributions.Normal(m.tensor([0.0]), m.tensor([1.0])).log_prob(
        m.tensor([float("nan")])),
    lambda m: m.distributions.Beta(m.tensor([1.0]), m.tensor([1.0])).log_prob(m.tensor([2.0])),
    lambda m: m.distributions.Bernoulli(probs=m.tensor([0.2]), logits=m.tensor([0.1])),
    lambda m: m.distributions.Categorical(probs=m.tensor([[0.5, 0.5]])).log_prob(
        m.tensor([3])),
    lambda m: m.distributions.Normal(m.tensor([0.0, 1.0]), m.tensor([1.0, 1.0])).log_prob(
        m.tensor([[1.0, 2.0, 3.0]])),
    lambda m: m.distributions.MultivariateNormal(m.zeros(2)),
    lambda m: m.distributions.Dirichlet(m.tensor(1.0)),
    lambda m: m.distributions.Uniform(m.tensor([1.0]), m.tensor([0.0])),
    lambda m: m.distributions.Normal(0.0, 1.0).expand((2, 3)).log_prob(m.tensor([1.0, 2.0])),
    lambda m: m.distributions.Independent(m.distributions.Normal(m.zeros(2), m.ones(2)), 2),
], ids=["bad_param", "nan_value", "outside_support", "both_probs_and_logits",
        "categorical_out_of_range", "unbroadcastable_value", "mvn_no_matrix",
        "dirichlet_scalar", "uniform_low_gt_high", "expanded_value_shape",
        "independent_too_many_dims"])
def test_validation_errors_match_torch(case):
    ours, theirs = _message(lambda: case(cr)), _message(lambda: case(torch))
    assert theirs is not None
    assert ours == theirs


def test_validate_args_default_and_switch():
    D = cr.distributions
    assert D.Distribution._validate_args == torch.distributions.Distribution._validate_args
    D.Distribution.set_default_validate_args(False)
    try:
        d = D.Normal(cr.tensor([0.0]), cr.tensor([-1.0]))  # no error now
        assert d.scale.item() == -1.0
        assert D.Normal(0.0, 1.0).log_prob(cr.tensor(float("nan"))).isnan()
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(cr.tensor([0.0]), cr.tensor([-1.0]))
    D.Normal(cr.tensor([0.0]), cr.tensor([-1.0]), validate_args=False)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("yes")


# ---------------------------------------------------------------------------- utils
def test_utils_match_torch():
    U, TU = cr.distributions.utils, torch.distributions.utils
    a, b = U.broadcast_all(cr.tensor([1.0, 2.0]), 3.0)
    ta, tb = TU.broadcast_all(torch.tensor([1.0, 2.0]), 3.0)
    assert a.shape == tuple(ta.shape) and str(b.dtype) == str(tb.dtype)
    np.testing.assert_allclose(_np(b), _np(tb))
    lg = [[0.1, -2.0, 1.0]]
    for fn in ("logits_to_probs", "probs_to_logits", "clamp_probs"):
        for binary in (False, True):
            args = (cr.tensor(lg).sigmoid(),) if fn != "logits_to_probs" else (cr.tensor(lg),)
            targs = (torch.tensor(lg).sigmoid(),) if fn != "logits_to_probs" else (
                torch.tensor(lg),)
            kw = {"is_binary": binary} if fn != "clamp_probs" else {}
            np.testing.assert_allclose(_np(getattr(U, fn)(*args, **kw)),
                                       _np(getattr(TU, fn)(*targs, **kw)), rtol=1e-6)
    with pytest.raises(ValueError, match="Input arguments must all be instances"):
        U.broadcast_all("a")
    assert U.euler_constant == TU.euler_constant
    calls = []

    class Lazy:
        @U.lazy_property
        def value(self):
            calls.append(1)
            return 5

    obj = Lazy()
    assert obj.value == 5 and obj.value == 5 and calls == [1]
    np.testing.assert_allclose(_np(U.tril_matrix_to_vec(U.vec_to_tril_matrix(cr.arange(6.0)))),
                               np.arange(6.0))
