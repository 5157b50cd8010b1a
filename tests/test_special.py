"""Hand-written checks of ops/special.py and the torch.special namespace against torch:
errors, derivatives torch does not implement, edge values, the namespace itself, and SciPy
staying optional."""
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
from test_elementwise import both, same_error, same_tensor  # noqa: E402

F32 = [0.5, 0.25, 1.5]


@pytest.mark.parametrize("expr", [
    lambda m: m.special.erfcx(m.tensor(F32, dtype=m.float16)),
    lambda m: m.special.log_ndtr(m.tensor(F32, dtype=m.float16)),
    lambda m: m.special.ndtri(m.tensor(F32, dtype=m.float16)),
    lambda m: m.special.bessel_j0(m.tensor(F32, dtype=m.float16)),
    lambda m: m.special.modified_bessel_k1(m.tensor(F32, dtype=m.float16)),
    lambda m: m.special.airy_ai(m.tensor(F32, dtype=m.float16)),
    lambda m: m.special.zeta(m.tensor(F32, dtype=m.float16), m.tensor(F32, dtype=m.float16)),
    lambda m: m.special.chebyshev_polynomial_t(m.tensor(F32, dtype=m.float16), 2),
    lambda m: m.igamma(m.tensor([1, 2]), m.tensor([1, 2])),
    lambda m: m.igammac(m.tensor([True]), m.tensor([True])),
    lambda m: m.special.round(m.tensor([1, 2])),
])
def test_unsupported_dtypes_raise_torchs_not_implemented_error(expr):
    same_error(expr)


@pytest.mark.parametrize("expr", [
    lambda m: m.polygamma(-1, m.tensor(F32)),
    lambda m: m.tensor(F32).polygamma_(-2),
    lambda m: m.mvlgamma(m.tensor(F32), 0),
    lambda m: m.mvlgamma(m.tensor([True]), 1),
])
def test_bad_arguments_raise_torchs_runtime_error(expr):
    same_error(expr)


@pytest.mark.parametrize("expr", [
    lambda m: m.igamma(m.tensor(F32), 2.0),
    lambda m: m.special.gammaincc(1, m.tensor(F32)),
    lambda m: m.special.chebyshev_polynomial_t(0.5, 2),
    lambda m: m.xlogy(2, 3),
])
def test_numbers_where_torch_wants_tensors_raise_its_type_error(expr):
    same_error(expr, exact=False)


@pytest.mark.parametrize("expr", [
    lambda m: m.igamma(m.tensor([1.0, 2.0], requires_grad=True), m.tensor([0.5, 1.0])),
    lambda m: m.igammac(m.tensor([1.0, 2.0], requires_grad=True), m.tensor([0.5, 1.0])),
    lambda m: m.special.zeta(m.tensor([2.0, 3.0], requires_grad=True), m.tensor([0.5, 1.0])),
    lambda m: m.special.zeta(m.tensor([2.0, 3.0], requires_grad=True), 2.0),
])
def test_derivatives_torch_does_not_implement_raise_its_error(expr):
    same_error(lambda m: expr(m).sum().backward())


def test_igamma_and_zeta_differentiate_their_second_argument():
    def run(m):
        a = m.tensor([1.0, 2.5], dtype=m.float64)
        x = m.tensor([0.5, 3.0], dtype=m.float64, requires_grad=True)
        (m.igamma(a, x) + m.igammac(a, x) * 2 + m.special.zeta(a + 1, x)).sum().backward()
        return x.grad
    same_tensor(run, atol=1e-12)


@pytest.mark.parametrize("expr", [
    lambda m: m.special.zeta(m.tensor([1.0, 0.5, 2.0, -1.0, 2.0]),
                             m.tensor([1.0, 1.0, -1.5, 2.0, 0.5])),
    lambda m: m.igamma(m.tensor([0.0, 1.0, 0.0, -1.0, 2.0]), m.tensor([0.0, 0.0, 1.0, 1.0, -1.0])),
    lambda m: m.igammac(m.tensor([0.0, 1.0, 0.0, -1.0, 2.0]),
                        m.tensor([0.0, 0.0, 1.0, 1.0, -1.0])),
    lambda m: m.special.entr(m.tensor([0.0, -1.0, float("nan"), float("inf"), 1.0])),
    lambda m: m.logit(m.tensor([0.0, 1.0, 0.5, -1.0]), eps=0.1),
    lambda m: m.digamma(m.tensor([0.0, -0.0, -1.0, -2.5, float("inf"), float("-inf")])),
    lambda m: m.polygamma(0, m.tensor([0.0, -2.5, 3.0])),
    lambda m: m.polygamma(2, m.tensor([0.0, 0.5, 3.0])),
    lambda m: m.special.i0e(m.tensor([0.0, 1.0, -700.0])),
    lambda m: m.special.xlog1py(m.tensor([0.0, 0.0, 0.0, 1.0, 2.0]),
                                m.tensor([float("nan"), -1.0, -2.0, -1.0, float("inf")])),
    lambda m: m.xlogy(m.tensor([0.0, 0.0, 0.0, 1.0, 2.0]),
                      m.tensor([float("nan"), 0.0, -1.0, 0.0, float("inf")])),
    lambda m: m.special.multigammaln(m.tensor([0.4, 3.0]), 2),
    lambda m: m.special.spherical_bessel_j0(m.tensor([0.0, 1e-9, 3.0, -7.0])),
    lambda m: m.special.bessel_y0(m.tensor([0.0, -1.0, 2.0])),
    lambda m: m.special.modified_bessel_k0(m.tensor([0.0, 1.0])),
    lambda m: m.special.chebyshev_polynomial_t(m.tensor([0.3, -0.6, 1.0, 2.0, -1.0]),
                                               m.tensor([3.0, 2.5, -1.0, 0.0, 10.0])),
    lambda m: m.special.legendre_polynomial_p(m.tensor([-1.0, 1.0, 0.25]), 5),
    lambda m: m.special.round(m.tensor([0.5, 1.5, -2.5, 0.125]), decimals=2),
    lambda m: m.special.ndtr(m.tensor([1, 2])),
])
def test_edge_values_match_torch(expr):
    same_tensor(expr, atol=1e-5)


def test_out_and_in_place():
    same_tensor(lambda m: m.special.ndtr(m.tensor(F32), out=m.empty(3, dtype=m.float64)))
    same_tensor(lambda m: m.lgamma(m.tensor(F32), out=m.empty(3)))
    same_tensor(lambda m: m.polygamma(1, m.tensor(F32), out=m.empty(3)), atol=1e-5)
    same_tensor(lambda m: m.tensor(F32).lgamma_())
    same_tensor(lambda m: m.tensor(F32).polygamma_(1), atol=1e-5)
    same_tensor(lambda m: m.tensor(F32).mvlgamma_(1))
    same_tensor(lambda m: m.tensor(F32).xlogy_(2.0))
    same_error(lambda m: m.special.erfcx(m.tensor(F32, requires_grad=True), out=m.empty(3)))


def test_ndtr_records_torchs_composite_graph_but_keeps_the_accurate_value():
    def sig(fn):
        return None if fn is None else (fn.name(), tuple(sig(f) for f, _ in fn.next_functions))
    t, c = both(lambda m: m.special.ndtr(m.tensor([-30.0, 0.5], dtype=m.float64,
                                                  requires_grad=True)))
    assert sig(c.grad_fn) == sig(t.grad_fn)
    assert c[0].item() == pytest.approx(4.906713927148187e-198, rel=1e-15)  # torch: 0
    assert t[0].item() == 0.0


def test_expit_psi_gammaln_and_friends_are_torchs_functions():
    for alias, target in (("expit", "sigmoid"), ("psi", "digamma"), ("gammaln", "lgamma"),
                          ("multigammaln", "mvlgamma"), ("gammainc", "igamma"),
                          ("gammaincc", "igammac"), ("erf", "erf"), ("xlogy", "xlogy")):
        assert getattr(cr.special, alias) is getattr(cr, target)


def test_special_namespace_has_torchs_names():
    mine, theirs = set(dir(cr.special)), set(n for n in dir(torch.special) if n[0] != "_")
    assert theirs - mine - {"torch", "logsumexp", "softmax", "log_softmax"} == set()


@pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax"])
def test_reduction_and_nn_aliases_resolve_once_their_families_exist(name):
    target = getattr(cr, name, None)
    if target is None:
        from chainrule.nn import functional
        target = getattr(functional, name, None)
    if target is None:
        with pytest.raises(AttributeError, match="not available yet"):
            getattr(cr.special, name)
    else:
        assert getattr(cr.special, name) is target


def test_importing_chainrule_does_not_import_scipy():
    code = "import sys, chainrule; chainrule.special.erf; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=str(__import__("pathlib").Path(__file__).parents[1]), check=True)
    assert out.stdout.strip() == "False"


def test_functions_needing_scipy_name_the_extra_when_it_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.special", None)
    monkeypatch.setitem(sys.modules, "scipy", None)
    with pytest.raises(ImportError, match=r"pip install chainrule\[scipy\]"):
        cr.special.i1(cr.tensor([1.0]))
    # the NumPy-only ones keep working, gradients included
    x = cr.tensor([0.5, 2.0], requires_grad=True)
    (cr.lgamma(x) + cr.special.ndtri(x / 3) + cr.erfinv(x / 3)).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
