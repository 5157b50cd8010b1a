"""torch.distributions against torch: every distribution of the table in tests/dist_cases.py
with fixed float64 parameters (values, shapes, gradients, expand, samples' moments)."""
import warnings

import numpy as np
import pytest
from dist_cases import CASES, HEAVY_TAILED

import chainrule as cr

torch = pytest.importorskip("torch")

NAMES = sorted(CASES)
_PROPERTIES = ("mean", "variance", "stddev", "mode")


def _np(value):
    return np.asarray(value.detach().numpy())


def _to_cr(value):
    return cr.tensor(_np(value))


def _outcome(fn):
    """What fn() gives: ("ok", value) or ("raise", exception class)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return "ok", fn()
        except (NotImplementedError, ValueError, RuntimeError) as exc:
            return "raise", type(exc)


def _same(ours, theirs, what, rtol=1e-6, atol=1e-8):
    assert ours[0] == theirs[0], f"{what}: chainrule {ours} vs torch {theirs}"
    if ours[0] == "raise":
        assert ours[1] is theirs[1], what
        return
    a, b = ours[1], theirs[1]
    if isinstance(b, torch.Tensor):
        assert isinstance(a, cr.Tensor), what
        assert tuple(a.shape) == tuple(b.shape), f"{what}: {a.shape} vs {b.shape}"
        assert str(a.dtype) == str(b.dtype), what
        if b.dtype == torch.float32:
            rtol, atol = max(rtol, 1e-4), max(atol, 1e-6)
        np.testing.assert_allclose(_np(a), _np(b), rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=what)
    else:
        assert a == b, what


def _pair(name, grad=False):
    return CASES[name](cr, grad), CASES[name](torch, grad)


def _values(name, dist):
    torch.manual_seed(0)
    return dist.sample((4,))


@pytest.mark.parametrize("name", NAMES)
def test_shapes_repr_support_and_constraints(name):
    (d, _), (t, _) = _pair(name)
    assert d.batch_shape == tuple(t.batch_shape) and d.event_shape == tuple(t.event_shape)
    assert str(d.batch_shape) == str(t.batch_shape)
    assert repr(d) == repr(t)
    assert repr(d.support) == repr(t.support)
    assert sorted(d.arg_constraints) == sorted(t.arg_constraints)
    assert {k: repr(v) for k, v in d.arg_constraints.items()} == \
        {k: repr(v) for k, v in t.arg_constraints.items()}
    assert d.has_rsample == t.has_rsample
    assert d.has_enumerate_support == t.has_enumerate_support


@pytest.mark.parametrize("name", NAMES)
def test_moments_entropy_and_mode(name):
    (d, _), (t, _) = _pair(name)
    for prop in _PROPERTIES:
        _same(_outcome(lambda: getattr(d, prop)), _outcome(lambda: getattr(t, prop)),
              f"{name}.{prop}")
    _same(_outcome(d.entropy), _outcome(t.entropy), f"{name}.entropy()", rtol=1e-5)
    _same(_outcome(d.perplexity), _outcome(t.perplexity), f"{name}.perplexity()", rtol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_log_prob_cdf_icdf(name):
    (d, _), (t, _) = _pair(name)
    value = _values(name, t)
    ours = _to_cr(value)
    _same(_outcome(lambda: d.log_prob(ours)), _outcome(lambda: t.log_prob(value)),
          f"{name}.log_prob", rtol=1e-5)
    _same(_outcome(lambda: d.cdf(ours)), _outcome(lambda: t.cdf(value)), f"{name}.cdf",
          rtol=1e-5)
    q = torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64).reshape(
        (3,) + (1,) * len(t.batch_shape))
    _same(_outcome(lambda: d.icdf(_to_cr(q))), _outcome(lambda: t.icdf(q)), f"{name}.icdf",
          rtol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_expand(name):
    (d, _), (t, _) = _pair(name)
    shape = (2,) + tuple(t.batch_shape)
    e, te = _outcome(lambda: d.expand(shape)), _outcome(lambda: t.expand(shape))
    assert e[0] == te[0]
    if e[0] == "raise":
        return
    e, te = e[1], te[1]
    assert e.batch_shape == tuple(te.batch_shape) and e.event_shape == tuple(te.event_shape)
    assert type(e).__name__ == type(te).__name__
    value = _values(name, te)
    _same(_outcome(lambda: e.log_prob(_to_cr(value))), _outcome(lambda: te.log_prob(value)),
          f"{name}.expand().log_prob", rtol=1e-5)
    assert tuple(e.sample((3,)).shape) == tuple(te.sample((3,)).shape)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("what", ["log_prob", "entropy"])
def test_gradients_of_log_prob_and_entropy(name, what):
    (d, ours), (t, theirs) = _pair(name, grad=True)
    if not theirs:
        return
    if what == "log_prob":
        value = _values(name, t).detach()
        o, th = _outcome(lambda: d.log_prob(_to_cr(value))), _outcome(lambda: t.log_prob(value))
    else:
        o, th = _outcome(d.entropy), _outcome(t.entropy)
    assert o[0] == th[0], f"{name}.{what}: {o} vs {th}"
    if o[0] == "raise":
        return
    assert o[1].grad_fn.name() == th[1].grad_fn.name(), f"{name}.{what} grad_fn"
    grads = cr.autograd.grad(o[1].sum(), ours, allow_unused=True)
    tgrads = torch.autograd.grad(th[1].sum(), theirs, allow_unused=True)
    for i, (a, b) in enumerate(zip(grads, tgrads)):
        assert (a is None) == (b is None), f"{name}.{what} grad {i}"
        if b is not None:
            np.testing.assert_allclose(_np(a), _np(b), rtol=1e-5, atol=1e-8,
                                       err_msg=f"{name}.{what} grad {i}")


@pytest.mark.parametrize("name", NAMES)
def test_samples_shapes_dtypes_and_moments(name):
    (d, _), (t, _) = _pair(name)
    cr.manual_seed(1)
    n = 1000 if name in HEAVY_TAILED else 20000  # only the support is checked for those
    s = d.sample((n,))
    ts = t.sample((n,))
    assert tuple(s.shape) == tuple(ts.shape) and str(s.dtype) == str(ts.dtype)
    assert not s.requires_grad
    assert tuple(d.sample().shape) == tuple(t.sample().shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        assert tuple(d.sample_n(2).shape) == (2,) + tuple(t.sample().shape)
    assert bool(d.support.check(s).all())
    if name in HEAVY_TAILED:
        return
    mean, var = _np(t.mean), _np(t.variance)
    sample = _np(s)
    se = np.sqrt(var / sample.shape[0])
    finite = np.isfinite(mean) & np.isfinite(var)
    assert (np.abs(sample.mean(0) - mean) <= 6 * se + 1e-12)[finite].all(), name
    var_se = np.sqrt(2 / sample.shape[0]) * var * 3  # loose: kurtosis differs per family
    assert (np.abs(sample.var(0) - var) <= 6 * var_se + 1e-12)[finite].all(), name


@pytest.mark.parametrize("name", [n for n in NAMES if CASES[n](torch, False)[0].has_rsample])
def test_rsample_is_differentiable(name):
    (d, ours), (t, _) = _pair(name, grad=True)
    s = d.rsample((3,))
    assert s.requires_grad == bool(ours)
    assert tuple(s.shape) == tuple(t.rsample((3,)).shape)
    if ours:
        grads = cr.autograd.grad(s.sum(), ours, allow_unused=True)
        assert all(g is None or np.isfinite(_np(g)).all() for g in grads)


@pytest.mark.parametrize("name", [n for n in NAMES
                                  if CASES[n](torch, False)[0].has_enumerate_support])
def test_enumerate_support(name):
    (d, _), (t, _) = _pair(name)
    for expand in (True, False):
        _same(_outcome(lambda: d.enumerate_support(expand)),
              _outcome(lambda: t.enumerate_support(expand)), f"{name}.enumerate_support")


def test_von_mises_samples_have_the_circular_moments():
    d, _ = CASES["von_mises"](cr, False)
    t, _ = CASES["von_mises"](torch, False)
    s = _np(d.sample((20000,)))
    resultant = np.exp(1j * s).mean(0)
    np.testing.assert_allclose(np.angle(resultant), _np(t.loc), atol=0.05)
    np.testing.assert_allclose(np.abs(resultant), 1 - _np(t.variance), atol=0.02)
    assert (np.abs(s) <= np.pi).all()
