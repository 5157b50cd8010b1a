"""The samplers behind torch.distributions (_standard_gamma and its implicit
reparameterisation gradient, _sample_dirichlet, _dirichlet_grad, binomial) and the
gradients of rsample, against torch and against exact references."""
import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
special = pytest.importorskip("scipy.special")

N = 20000


def _np(t):
    return np.asarray(t.detach().numpy())


def _grid():
    alpha = np.array([0.3, 0.8, 1.0, 2.5, 6.0, 12.0, 40.0])
    u = np.array([0.05, 0.3, 0.5, 0.7, 0.95])
    a, q = np.meshgrid(alpha, u)
    return a, special.gammaincinv(a, q), q


def test_standard_gamma_grad_is_the_implicit_derivative():
    a, x, q = _grid()
    ours = _np(cr._standard_gamma_grad(cr.tensor(a), cr.tensor(x)))
    h = 1e-6 * a  # x(alpha) at a fixed quantile q: the exact reparameterisation derivative
    exact = (special.gammaincinv(a + h, q) - special.gammaincinv(a - h, q)) / (2 * h)
    np.testing.assert_allclose(ours, exact, rtol=1e-6)
    theirs = _np(torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)))
    np.testing.assert_allclose(ours, theirs, rtol=5e-3)  # torch's approximation error


def test_standard_gamma_grad_far_in_the_left_tail_stays_finite():
    a = cr.tensor([200.0, 500.0], dtype=cr.float64)
    x = cr.tensor([0.5, 1.0], dtype=cr.float64)
    ours = _np(cr._standard_gamma_grad(a, x))
    exact = -_np(x) * np.array([sum(
        xv ** n / np.prod(av + np.arange(n + 1)) * (np.log(xv) - special.digamma(av + n + 1))
        for n in range(60)) for av, xv in zip(_np(a), _np(x))])
    np.testing.assert_allclose(ours, exact, rtol=1e-10)


def test_dirichlet_grad_matches_torch():
    x = np.array([[0.2, 0.3, 0.5], [0.05, 0.9, 0.05], [0.6, 0.39, 0.01], [0.45, 0.1, 0.45]])
    alpha = np.array([[1.0, 2.0, 3.0], [0.3, 7.0, 2.0], [10.0, 8.0, 0.5], [9.0, 3.0, 8.0]])
    total = np.repeat(alpha.sum(-1, keepdims=True), 3, -1)
    ours = _np(cr._dirichlet_grad(cr.tensor(x), cr.tensor(alpha), cr.tensor(total)))
    theirs = _np(torch._dirichlet_grad(torch.tensor(x), torch.tensor(alpha),
                                       torch.tensor(total)))
    np.testing.assert_allclose(ours, theirs, rtol=2e-3)


def test_dirichlet_grad_is_the_beta_marginals_implicit_derivative():
    a, b = np.array([0.7, 2.0, 5.0]), np.array([1.5, 3.0, 9.0])
    q = np.array([0.2, 0.5, 0.9])
    x = special.betaincinv(a, b, q)
    ours = _np(cr._dirichlet_grad(cr.tensor(x), cr.tensor(a), cr.tensor(a + b)))
    h = 1e-6 * a
    exact = (special.betaincinv(a + h, b, q) - special.betaincinv(a - h, b, q)) / (2 * h)
    np.testing.assert_allclose(ours * (1 - x), exact, rtol=1e-6)


def test_standard_gamma_sample_graph_and_errors():
    alpha = cr.tensor([0.5, 2.0, 9.0], requires_grad=True)
    s = cr._standard_gamma(alpha)
    assert s.grad_fn.name() == "StandardGammaBackward0" and s.dtype == cr.float32
    (g,) = cr.autograd.grad(s.sum(), [alpha])
    np.testing.assert_allclose(_np(g), _np(torch._standard_gamma_grad(
        torch.tensor(_np(alpha)), torch.tensor(_np(s)))), rtol=5e-3)
    grad = cr._standard_gamma_grad(alpha, s)
    assert grad.grad_fn.name() == "StandardGammaGradBackward0"
    with pytest.raises(NotImplementedError, match="'_standard_gamma_grad' is not implemented"):
        grad.sum().backward()
    for m in (cr, torch):
        with pytest.raises(NotImplementedError, match="\"gamma_cpu\" not implemented for 'Long'"):
            m._standard_gamma(m.tensor([1, 2]))
    tiny = cr._standard_gamma(cr.tensor([0.0, -1.0, 1e-30]))
    np.testing.assert_array_equal(_np(tiny), _np(torch._standard_gamma(
        torch.tensor([0.0, -1.0, 1e-30]))))


@pytest.mark.parametrize("alpha", [0.2, 1.0, 4.0, 50.0])
def test_standard_gamma_moments(alpha):
    cr.manual_seed(3)
    s = _np(cr._standard_gamma(cr.full((N,), alpha, dtype=cr.float64)))
    assert abs(s.mean() - alpha) < 6 * np.sqrt(alpha / N)
    assert abs(s.var() - alpha) < 6 * alpha * np.sqrt((2 + 6 / alpha) / N)


def test_gamma_rsample_gradient_has_the_right_expectation():
    # E[x] = concentration / rate, so E[dx/dconcentration] = 1 / rate and
    # E[dx/drate] = -concentration / rate**2
    conc = cr.tensor([0.4, 3.0], dtype=cr.float64, requires_grad=True)
    rate = cr.tensor([2.0, 0.5], dtype=cr.float64, requires_grad=True)
    cr.manual_seed(0)
    x = cr.distributions.Gamma(conc, rate).rsample((N,))
    gc, gr = cr.autograd.grad(x.sum(), [conc, rate])
    np.testing.assert_allclose(_np(gc) / N, 1 / _np(rate), rtol=0.03)
    np.testing.assert_allclose(_np(gr) / N, -_np(conc) / _np(rate) ** 2, rtol=0.03)


def test_beta_and_dirichlet_rsample_gradients_have_the_right_expectation():
    a = cr.tensor([0.5, 2.0], dtype=cr.float64, requires_grad=True)
    b = cr.tensor([1.5, 3.0], dtype=cr.float64, requires_grad=True)
    cr.manual_seed(0)
    x = cr.distributions.Beta(a, b).rsample((N,))
    ga, gb = cr.autograd.grad(x.sum(), [a, b])
    av, bv = _np(a), _np(b)
    np.testing.assert_allclose(_np(ga) / N, bv / (av + bv) ** 2, rtol=0.05)
    np.testing.assert_allclose(_np(gb) / N, -av / (av + bv) ** 2, rtol=0.05)
    conc = cr.tensor([0.5, 2.0, 3.0], dtype=cr.float64, requires_grad=True)
    x = cr.distributions.Dirichlet(conc).rsample((N,))
    assert x.grad_fn.name() == "_DirichletBackward"
    np.testing.assert_allclose(_np(x.sum(-1)), 1.0)
    (g,) = cr.autograd.grad(x[:, 0].sum(), [conc])  # E[x0] = c0 / sum(c)
    c = _np(conc)
    expected = (np.eye(3)[0] * c.sum() - c[0]) / c.sum() ** 2
    np.testing.assert_allclose(_np(g) / N, expected, rtol=0.05, atol=2e-3)


def test_sample_dirichlet_and_its_not_implemented_node():
    conc = cr.tensor([[0.05, 0.05], [2.0, 5.0]], dtype=cr.float64, requires_grad=True)
    cr.manual_seed(0)
    s = cr._sample_dirichlet(conc.expand(N, 2, 2))
    assert s.grad_fn.name() == "torch::autograd::NotImplemented"
    values = _np(s)
    np.testing.assert_allclose(values.sum(-1), 1.0)
    assert (values > 0).all()
    np.testing.assert_allclose(values.mean(0)[:, 0], [0.5, 2 / 7], atol=0.02)
    with pytest.raises(RuntimeError, match="derivative for aten::_sample_dirichlet is not "
                                           "implemented"):
        s.sum().backward()
    for m in (cr, torch):
        with pytest.raises(NotImplementedError, match="\"dirichlet\" not implemented for 'Long'"):
            m._sample_dirichlet(m.tensor([1, 2]))


def test_binomial_samples_moments_and_errors():
    count = cr.tensor([5.0, 20.0, 8.0], requires_grad=True)
    prob = cr.tensor([0.3, 0.9, 1.0])
    cr.manual_seed(0)
    s = cr.binomial(count.expand(N, 3), prob.expand(N, 3))
    assert s.dtype == cr.float32 and s.grad_fn.name() == "torch::autograd::NotImplemented"
    values = _np(s)
    mean, var = _np(count) * _np(prob), _np(count) * _np(prob) * (1 - _np(prob))
    assert (np.abs(values.mean(0) - mean) <= 6 * np.sqrt(var / N) + 1e-9).all()
    assert (values[:, 2] == 8).all()
    for m in (cr, torch):
        with pytest.raises(ValueError, match="binomial only supports floating-point dtypes "
                                             "for count, got: Long"):
            m.binomial(m.tensor([5, 3]), m.tensor([0.5, 0.2]))
        with pytest.raises(RuntimeError, match="The size of tensor a \\(2\\) must match"):
            m.binomial(m.tensor([5.0, 2.0]), m.tensor([0.5, 0.2, 0.1]))


def test_normal_rsample_is_differentiable_given_the_noise():
    loc = cr.tensor([0.5, -1.0], dtype=cr.float64, requires_grad=True)
    scale = cr.tensor([1.0, 2.0], dtype=cr.float64, requires_grad=True)

    def draw(loc, scale):
        cr.manual_seed(7)
        return cr.distributions.Normal(loc, scale).rsample((3,))

    assert cr.autograd.gradcheck(draw, (loc, scale))
    x = draw(loc, scale)
    gl, gs = cr.autograd.grad(x.sum(), [loc, scale])
    np.testing.assert_allclose(_np(gl), [3.0, 3.0])
    np.testing.assert_allclose(_np(gs), ((_np(x) - _np(loc)) / _np(scale)).sum(0))


@pytest.mark.parametrize("name", ["LogNormal", "Laplace", "Gumbel", "Cauchy", "Uniform",
                                  "Exponential", "Weibull", "Pareto"])
def test_location_scale_rsample_passes_gradcheck_given_the_noise(name):
    D = cr.distributions
    params = {
        "LogNormal": [[0.1, 0.5], [1.0, 0.3]], "Laplace": [[0.0, 1.0], [1.0, 0.3]],
        "Gumbel": [[0.0, 1.0], [1.0, 2.0]], "Cauchy": [[0.0, 1.0], [1.0, 0.3]],
        "Uniform": [[0.0, -1.0], [1.0, 3.0]], "Exponential": [[0.5, 2.0]],
        "Weibull": [[1.0, 2.0], [1.5, 0.8]], "Pareto": [[1.0, 2.0], [3.0, 4.5]]}[name]
    args = tuple(cr.tensor(p, dtype=cr.float64, requires_grad=True) for p in params)

    def draw(*a):
        cr.manual_seed(11)
        return getattr(D, name)(*a).rsample((2,))

    assert cr.autograd.gradcheck(draw, args)


def test_second_derivatives_of_reparameterised_samples_behave_as_torch():
    for m in (cr, torch):
        a = m.tensor([0.5, 2.0], requires_grad=True)
        (g,) = m.autograd.grad(m.distributions.Gamma(a, 1.0).rsample().sum(), [a],
                               create_graph=True)
        assert g.requires_grad
        with pytest.raises(NotImplementedError, match="'_standard_gamma_grad' is not"):
            g.sum().backward()
        c = m.tensor([0.5, 2.0, 1.0], requires_grad=True)
        x = m.distributions.Dirichlet(c).rsample()
        (g,) = m.autograd.grad((x * m.tensor([1.0, 2.0, 3.0])).sum(), [c], create_graph=True)
        assert not g.requires_grad  # torch's _Dirichlet is once_differentiable
