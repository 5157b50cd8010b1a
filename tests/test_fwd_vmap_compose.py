"""Forward mode and vmap nested either way, against torch: custom Functions with only a
``jvp`` (a ``vmap`` staticmethod or generate_vmap_rule), the ``*_like`` factories, in-place
ops, in-place view ops, index_select with a shared index, detach, where's backward, and
vmap's ``randomness`` for every sampling op."""
import warnings

import numpy as np
import pytest
from fwd_functions import cube_function

import chainrule as cr

torch = pytest.importorskip("torch")


def _cube_with_vmap_rule(m):
    base = cube_function(m)

    class CubeV(base):
        @staticmethod
        def vmap(info, in_dims, x):
            return CubeV.apply(x), in_dims[0]
    return CubeV


def _np(t):
    if isinstance(t, (tuple, list)):
        return [_np(x) for x in t]
    return t.detach().numpy()


_X = np.array([1.0, 2.0, 3.0])
_T = np.array([1.0, -1.0, 0.5])


def _compositions(m, fn):
    F = m.func
    x = m.tensor(_X, dtype=m.float64)
    t = m.tensor(_T, dtype=m.float64)
    eye = m.eye(3, dtype=m.float64)
    return {
        "vmap(jvp)": lambda: F.vmap(lambda tt: F.jvp(fn, (x,), (tt,))[1])(eye),
        "jvp(vmap)": lambda: F.jvp(F.vmap(fn), (x[:, None],), (t[:, None],))[1],
        "vmap(jacfwd)": lambda: F.vmap(F.jacfwd(fn))(x[:, None]),
        "jacfwd(vmap)": lambda: F.jacfwd(F.vmap(fn))(x[:, None]),
        "vmap(vmap(jvp))": lambda: F.vmap(F.vmap(lambda xx, tt: F.jvp(fn, (xx,), (tt,))[1]))(
            x.reshape(3, 1).expand(3, 2), t.reshape(3, 1).expand(3, 2)),
        "linearize(vmap)": lambda: F.linearize(F.vmap(fn), x[:, None])[1](t[:, None]),
    }


@pytest.mark.parametrize("make", [lambda m: cube_function(m, vmappable=True).apply,
                                  lambda m: _cube_with_vmap_rule(m).apply,
                                  lambda m: lambda x: x.sin() * x],
                         ids=["jvp-only Function, generated vmap rule",
                              "jvp-only Function, vmap staticmethod", "plain function"])
@pytest.mark.parametrize("how", list(_compositions(cr, None)))
def test_forward_mode_composes_with_vmap_as_torch(make, how):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = _compositions(cr, make(cr))[how]()
        theirs = _compositions(torch, make(torch))[how]()
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda m, a: m.zeros_like(a) + a, lambda m, a: m.ones_like(a),
    lambda m, a: m.full_like(a, 2.5), lambda m, a: m.empty_like(a, dtype=m.int64) * 0,
    lambda m, a: m.zeros_like(a, dtype=m.float64),
    lambda m, a: a.clone().exp_(), lambda m, a: a.clone().unsqueeze_(0).transpose_(0, -1),
    lambda m, a: a.clone().squeeze_(), lambda m, a: a.index_select(0, m.tensor([2, 0, 0])),
    lambda m, a: a.index_select(-1, m.tensor([1, 1])), lambda m, a: a.detach() * 2,
    lambda m, a: m.quantile(a, m.tensor([0.25, 0.5], dtype=a.dtype), dim=0),
])
def test_vmap_of_factories_in_place_and_views_as_torch(fn):
    data = np.random.default_rng(1).standard_normal((4, 3, 2))
    ours = cr.func.vmap(lambda a: fn(cr, a))(cr.tensor(data))
    theirs = torch.func.vmap(lambda a: fn(torch, a))(torch.tensor(data))
    assert ours.dtype == getattr(cr, str(theirs.dtype).split(".")[1])
    np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-12, atol=1e-12)


def test_vmap_of_where_backward_and_its_forward_mode():
    data = np.random.default_rng(2).standard_normal((2, 3, 4))
    results = []
    for m in (torch, cr):
        X, Y = m.tensor(data), m.tensor(data[::-1].copy())
        f = lambda x, y, m=m: x.where(x > 0, y)  # noqa: E731
        grads = m.func.vmap(m.func.grad(lambda x, y, f=f: f(x, y).sum(), argnums=(0, 1)))(X, Y)
        tang = m.func.vmap(lambda x, y, f=f: m.func.jvp(f, (x, y), (x, y))[1])(X, Y)
        results.append(_np(list(grads) + [tang]))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


_SAMPLERS = {
    "uniform_": lambda m, a: a.clone().uniform_(),
    "normal_": lambda m, a: a.clone().normal_(),
    "bernoulli_": lambda m, a: a.clone().bernoulli_(0.5),
    "random_": lambda m, a: a.clone().random_(0, 1000),
    "exponential_": lambda m, a: a.clone().exponential_(),
    "cauchy_": lambda m, a: a.clone().cauchy_(),
    "_standard_gamma": lambda m, a: m._standard_gamma(a + 0.5),
    "binomial": lambda m, a: m.binomial(a * 0 + 50, a * 0 + 0.5),
    "_sample_dirichlet": lambda m, a: m._sample_dirichlet(a + 0.5),
    "gumbel_softmax_hard": lambda m, a: m.nn.functional.gumbel_softmax(a, hard=True),
    "dropout1d": lambda m, a: m.nn.functional.dropout1d(a.unsqueeze(0) + 1.0),
    "alpha_dropout": lambda m, a: m.nn.functional.alpha_dropout(a + 1.0, training=True),
}


@pytest.mark.parametrize("name", list(_SAMPLERS))
@pytest.mark.parametrize("randomness", ["error", "same", "different"])
def test_vmap_randomness_of_every_sampler(name, randomness):
    """'error' refuses with torch's message; 'same' gives every sample the same draw where
    torch does, or torch's refusal; 'different' draws per sample."""
    fn = _SAMPLERS[name]
    outcomes = []
    for m in (torch, cr):
        x = m.zeros(8, 64, dtype=m.float64)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = m.func.vmap(lambda a, m=m: fn(m, a), randomness=randomness)(x)
            rows = r.reshape(8, -1)
            outcomes.append(("ok", bool((rows == rows[0]).all())))
        except RuntimeError as e:
            outcomes.append(("raises", str(e).split(".")[0]))
    assert outcomes[1] == outcomes[0]
