"""kl_divergence against torch for every pair torch registers (values and gradients), and
register_kl's dispatch."""
import warnings

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")


_LEAVES = []  # the parameters made with grad=True, in order


def _p(m, g, v):
    t = m.tensor(v, dtype=m.float64, requires_grad=g)
    if g:
        _LEAVES.append(t)
    return t


# One distribution of each registered type, batch shape (2,), built from a library module.
KL_CASES = {
    "Bernoulli": lambda m, g=False: m.distributions.Bernoulli(_p(m, g, [0.2, 0.7])),
    "Beta": lambda m, g=False: m.distributions.Beta(_p(m, g, [0.5, 2.0]), _p(m, g, [1.5, 3.0])),
    "Binomial": lambda m, g=False: m.distributions.Binomial(5, _p(m, g, [0.3, 0.6])),
    "Categorical": lambda m, g=False: m.distributions.Categorical(_p(m, g, [[0.2, 0.8], [0.5, 0.5]])),
    "Cauchy": lambda m, g=False: m.distributions.Cauchy(_p(m, g, [0.0, 1.0]), _p(m, g, [1.0, 2.0])),
    "ContinuousBernoulli": lambda m, g=False: m.distributions.ContinuousBernoulli(_p(m, g, [0.3, 0.8])),
    "Dirichlet": lambda m, g=False: m.distributions.Dirichlet(_p(m, g, [[0.5, 2.0], [1.0, 3.0]])),
    "Exponential": lambda m, g=False: m.distributions.Exponential(_p(m, g, [0.5, 2.0])),
    "Gamma": lambda m, g=False: m.distributions.Gamma(_p(m, g, [2.0, 0.7]), _p(m, g, [1.0, 3.0])),
    "Gumbel": lambda m, g=False: m.distributions.Gumbel(_p(m, g, [0.0, 1.0]), _p(m, g, [1.0, 2.0])),
    "Geometric": lambda m, g=False: m.distributions.Geometric(_p(m, g, [0.2, 0.6])),
    "HalfNormal": lambda m, g=False: m.distributions.HalfNormal(_p(m, g, [1.0, 0.5])),
    "Laplace": lambda m, g=False: m.distributions.Laplace(_p(m, g, [0.0, 1.0]), _p(m, g, [1.0, 0.5])),
    "LowRankMultivariateNormal": lambda m, g=False: m.distributions.LowRankMultivariateNormal(
        _p(m, g, [[0.0, 1.0], [1.0, -1.0]]), _p(m, g, [[[1.0], [0.5]], [[0.2], [0.3]]]),
        _p(m, g, [[1.0, 2.0], [0.5, 1.0]])),
    "MultivariateNormal": lambda m, g=False: m.distributions.MultivariateNormal(
        _p(m, g, [[0.5, 0.0], [0.0, 2.0]]), _p(m, g, [[2.0, 0.3], [0.3, 1.0]])),
    "Normal": lambda m, g=False: m.distributions.Normal(_p(m, g, [0.0, 1.0]), _p(m, g, [1.0, 2.0])),
    "OneHotCategorical": lambda m, g=False: m.distributions.OneHotCategorical(
        _p(m, g, [[0.2, 0.8], [0.6, 0.4]])),
    "Pareto": lambda m, g=False: m.distributions.Pareto(_p(m, g, [1.0, 0.5]), _p(m, g, [3.0, 2.0])),
    "Poisson": lambda m, g=False: m.distributions.Poisson(_p(m, g, [0.5, 3.0])),
    "TransformedDistribution": lambda m, g=False: m.distributions.LogNormal(_p(m, g, [0.0, 1.0]),
                                                                   _p(m, g, [1.0, 0.5])),
    "Uniform": lambda m, g=False: m.distributions.Uniform(_p(m, g, [0.0, 0.2]), _p(m, g, [1.0, 3.0])),
    "Independent": lambda m, g=False: m.distributions.Independent(
        m.distributions.Normal(_p(m, g, [[0.0, 1.0], [1.0, 2.0]]), _p(m, g, [[1.0, 2.0], [1, 1]])), 1),
}
# a second member of each type, with other parameters
KL_OTHER = {
    "Bernoulli": lambda m, g=False: m.distributions.Bernoulli(_p(m, g, [0.5, 0.1])),
    "Beta": lambda m, g=False: m.distributions.Beta(_p(m, g, [1.0, 3.0]), _p(m, g, [2.0, 0.5])),
    "Binomial": lambda m, g=False: m.distributions.Binomial(5, _p(m, g, [0.5, 0.2])),
    "Categorical": lambda m, g=False: m.distributions.Categorical(_p(m, g, [[0.6, 0.4], [0.1, 0.9]])),
    "Cauchy": lambda m, g=False: m.distributions.Cauchy(_p(m, g, [1.0, -1.0]), _p(m, g, [0.5, 1.0])),
    "ContinuousBernoulli": lambda m, g=False: m.distributions.ContinuousBernoulli(_p(m, g, [0.6, 0.2])),
    "Dirichlet": lambda m, g=False: m.distributions.Dirichlet(_p(m, g, [[1.5, 1.0], [2.0, 0.5]])),
    "Exponential": lambda m, g=False: m.distributions.Exponential(_p(m, g, [1.5, 0.3])),
    "Gamma": lambda m, g=False: m.distributions.Gamma(_p(m, g, [1.0, 2.5]), _p(m, g, [0.5, 1.0])),
    "Gumbel": lambda m, g=False: m.distributions.Gumbel(_p(m, g, [1.0, 0.0]), _p(m, g, [2.0, 0.5])),
    "Geometric": lambda m, g=False: m.distributions.Geometric(_p(m, g, [0.5, 0.3])),
    "HalfNormal": lambda m, g=False: m.distributions.HalfNormal(_p(m, g, [2.0, 1.5])),
    "Laplace": lambda m, g=False: m.distributions.Laplace(_p(m, g, [1.0, -1.0]), _p(m, g, [2.0, 1.0])),
    "LowRankMultivariateNormal": lambda m, g=False: m.distributions.LowRankMultivariateNormal(
        _p(m, g, [[1.0, 0.0], [0.0, 0.0]]), _p(m, g, [[[0.5], [-0.5]], [[1.0], [0.0]]]),
        _p(m, g, [[2.0, 1.0], [1.0, 1.5]])),
    "MultivariateNormal": lambda m, g=False: m.distributions.MultivariateNormal(
        _p(m, g, [[0.0, 1.0], [1.0, 1.0]]), scale_tril=_p(m, g, [[1.5, 0.0], [0.4, 0.7]])),
    "Normal": lambda m, g=False: m.distributions.Normal(_p(m, g, [1.0, -1.0]), _p(m, g, [0.5, 1.0])),
    "OneHotCategorical": lambda m, g=False: m.distributions.OneHotCategorical(
        _p(m, g, [[0.5, 0.5], [0.3, 0.7]])),
    "Pareto": lambda m, g=False: m.distributions.Pareto(_p(m, g, [0.5, 1.0]), _p(m, g, [2.0, 4.0])),
    "Poisson": lambda m, g=False: m.distributions.Poisson(_p(m, g, [2.0, 1.0])),
    "TransformedDistribution": lambda m, g=False: m.distributions.LogNormal(_p(m, g, [1.0, 0.0]),
                                                                   _p(m, g, [0.5, 1.0])),
    "Uniform": lambda m, g=False: m.distributions.Uniform(_p(m, g, [-1.0, 0.0]), _p(m, g, [2.0, 4.0])),
    "Independent": lambda m, g=False: m.distributions.Independent(
        m.distributions.Normal(_p(m, g, [[1.0, 0.0], [0.0, 2.0]]), _p(m, g, [[2.0, 1], [1, 0.5]])), 1),
}


def _registered_pairs():
    pairs = []
    for p_cls, q_cls in torch.distributions.kl._KL_REGISTRY:
        p, q = p_cls.__name__, q_cls.__name__
        if p in KL_CASES and q in KL_CASES:
            pairs.append((p, q))
    return sorted(pairs)


PAIRS = _registered_pairs()


def test_every_registered_pair_is_covered():
    ours = {(p.__name__, q.__name__) for p, q in cr.distributions.kl._KL_REGISTRY}
    theirs = {(p.__name__, q.__name__) for p, q in torch.distributions.kl._KL_REGISTRY}
    assert ours == theirs
    missing = theirs - set(PAIRS) - {("ExponentialFamily", "ExponentialFamily")}
    assert not missing


@pytest.mark.parametrize("p,q", PAIRS, ids=[f"{p}-{q}" for p, q in PAIRS])
def test_kl_divergence_matches_torch(p, q):
    second = KL_OTHER if p == q else KL_CASES
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = cr.distributions.kl_divergence(KL_CASES[p](cr), second[q](cr))
        theirs = torch.distributions.kl_divergence(KL_CASES[p](torch), second[q](torch))
    assert tuple(ours.shape) == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("name", ["Normal", "Gamma", "Beta", "Dirichlet", "MultivariateNormal",
                                  "Categorical", "Laplace", "LowRankMultivariateNormal"])
def test_kl_gradients_match_torch(name):
    def run(m):
        _LEAVES.clear()
        kl = m.distributions.kl_divergence(KL_CASES[name](m, True), KL_OTHER[name](m, True))
        leaves = list(_LEAVES)
        return [g.numpy() for g in m.autograd.grad(kl.sum(), leaves)]

    ours, theirs = run(cr), run(torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-10)


def test_kl_of_unregistered_pair_raises_not_implemented():
    for m in (cr, torch):
        with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented"):
            m.distributions.kl_divergence(m.distributions.Cauchy(0.0, 1.0),
                                          m.distributions.Normal(0.0, 1.0))


def test_register_kl_dispatches_to_the_most_specific_rule():
    D = cr.distributions

    class MyNormal(D.Normal):
        pass

    @D.register_kl(MyNormal, D.Normal)
    def _kl(p, q):
        return cr.tensor(42.0)

    assert D.kl_divergence(MyNormal(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 42.0
    assert D.kl_divergence(D.Normal(0.0, 1.0), MyNormal(1.0, 1.0)).item() == pytest.approx(0.5)
