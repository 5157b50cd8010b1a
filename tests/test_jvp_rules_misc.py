"""The explicit forward-mode rules of chainrule/ops/_jvp_rules_misc.py.

Oracles, in float64:
* scatter_reduce ('sum', 'mean', 'amax', 'amin'), renorm and the backward ops: torch's own
  forward AD (torch.func.jvp, or a create_graph gradient inside a dual level: forward
  over reverse);
* scatter_reduce 'prod' (torch 2.13 returns no tangent, a zero: pinned below),
  index_reduce (torch raises NotImplementedError "Trying to use forward AD with
  index_reduce"): torch's reverse-mode Jacobian contracted with the tangent; chainrule
  gives the exact tangent;
* dirichlet_rsample (torch's _Dirichlet Function has no jvp: it raises): the Jacobian
  built from torch's ``_dirichlet_grad`` at chainrule's sample;
* complex 'prod': central differences.
Every real case is also tied to chainrule's backward by <J v, u> = <v, Jᵀ u>.
scatter(..., reduce=) has no derivative in torch at all: chainrule raises torch's
NotImplementedError, as torch does.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
from chainrule.autograd import forward_ad as cfw  # noqa: E402
from chainrule.ops._jvp_rules import missing  # noqa: E402
from chainrule.ops._jvp_rules_misc import RULES  # noqa: E402
from chainrule.ops._vocab import OPS  # noqa: E402

tfw = torch.autograd.forward_ad


def _fw(m):
    return tfw if m is torch else cfw


def _np(t):
    if isinstance(t, torch.Tensor):
        if t._is_zerotensor():
            return np.zeros(tuple(t.shape))
        t = t.resolve_conj().resolve_neg()
    return np.asarray(t.detach().numpy())


def _tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _jvp(m, fn, arrays, vs):
    """(outputs, tangents) of ``fn`` by forward AD in module ``m``."""
    fw = _fw(m)
    with fw.dual_level():
        duals = [fw.make_dual(m.tensor(a), m.tensor(v)) for a, v in zip(arrays, vs)]
        outs = _tuple(fn(m, *duals))
        tans = [fw.unpack_dual(o).tangent for o in outs]
        return [_np(fw.unpack_dual(o).primal) for o in outs], \
            [None if t is None else _np(t) for t in tans]


def _torch_jacobian_jv(fn, arrays, vs):
    """J v from torch's reverse-mode Jacobian (real inputs)."""
    xs = tuple(torch.tensor(a) for a in arrays)
    outs = _tuple(fn(torch, *xs))
    jac = torch.autograd.functional.jacobian(lambda *a: _tuple(fn(torch, *a)), xs)
    res = []
    for o, jo in zip(outs, jac):
        total = np.zeros(tuple(o.shape))
        for j, v in zip(jo, vs):
            total = total + (j.reshape(o.numel(), -1).numpy() @ v.reshape(-1)).reshape(o.shape)
        res.append(total)
    return res


def _central(fn, arrays, vs, eps=1e-6):
    plus = _tuple(fn(torch, *(torch.tensor(a + eps * v) for a, v in zip(arrays, vs))))
    minus = _tuple(fn(torch, *(torch.tensor(a - eps * v) for a, v in zip(arrays, vs))))
    return [(_np(p) - _np(q)) / (2 * eps) for p, q in zip(plus, minus)]


def _identity(fn, arrays, vs, tangents, seed):
    """<J v, u> = <v, Jᵀ u>, Jᵀ u by chainrule's backward."""
    rng = np.random.default_rng(seed)
    xs = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    outs = [o for o in _tuple(fn(chainrule, *xs)) if o.requires_grad]
    us = [rng.standard_normal(tuple(o.shape)) for o in outs]
    grads = chainrule.autograd.grad(outs, xs, [chainrule.tensor(u) for u in us],
                                    allow_unused=True)
    lhs = sum(float((t * u).sum()) for t, u in zip(tangents, us))
    rhs = sum(float((g.numpy() * v).sum()) for g, v in zip(grads, vs) if g is not None)
    assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9)


def _rule_used(*names):
    for name in names:
        assert OPS[name].jvp is RULES[name], name
        assert name not in missing()


# ---------------------------------------------------------------------------- forward ops
_IDX2 = np.array([[0, 1, 2], [1, 1, 0], [3, 0, 1], [0, 2, 2], [1, 3, 3]])
_IDX3 = np.array([[[0, 1], [2, 2], [1, 0]], [[1, 1], [0, 2], [2, 1]]])  # dim 1 of (2, 3, 2)
_VEC = np.array([0, 2, 1, 0, 3])
_REDUCES = ["sum", "prod", "mean", "amax", "amin"]


def _scatter_build(reduce, batched):
    def build(r):
        if batched:
            x, s = r.standard_normal((2, 3, 2)), r.standard_normal((2, 3, 2))
        else:
            x, s = r.standard_normal((4, 3)), r.standard_normal((5, 3))
        if reduce in ("amax", "amin") and not batched:
            # a three-way tie at (1, 0): two sources and self
            s[1, 0] = s[4, 0] = x[1, 0] = 5.0 if reduce == "amax" else -5.0
        if reduce == "prod" and not batched:
            s[1, 1] = 0.0  # one zero among the factors of out[1, 1]
            s[0, 2] = s[3, 2] = 0.0  # two among those of out[2, 2]
        return x, s
    return build


def _scatter_fn(reduce, include_self, batched):
    dim, idx = (1, _IDX3) if batched else (0, _IDX2)
    return lambda m, x, s: x.scatter_reduce(dim, m.tensor(idx), s, reduce,
                                            include_self=include_self)


def _index_fn(reduce, include_self, batched):
    dim = 1 if batched else 0
    idx = np.array([2, 0, 2]) if batched else _VEC
    return lambda m, x, s: x.index_reduce(dim, m.tensor(idx), s, reduce,
                                          include_self=include_self)


def _index_build(reduce, batched):
    def build(r):
        if batched:
            x, s = r.standard_normal((2, 4, 3)), r.standard_normal((2, 3, 3))
        else:
            x, s = r.standard_normal((4, 3)), r.standard_normal((5, 3))
            if reduce in ("amax", "amin"):
                s[3, 1] = s[0, 1]  # rows 0 and 3 of source both go to row 0: a tie
            if reduce == "prod":
                s[0, 2] = 0.0
        return x, s
    return build


def _forward_cases():
    cases = []
    for reduce in _REDUCES:
        for inc in (True, False):
            for batched in (False, True):
                name = f"scatter_reduce_{reduce}_{'self' if inc else 'noself'}" + \
                    ("_batched" if batched else "")
                oracle = "jacobian" if reduce == "prod" else "torch"
                cases.append((name, _scatter_fn(reduce, inc, batched),
                              _scatter_build(reduce, batched), "_scatter_reduce", oracle))
                if reduce == "sum":
                    continue
                name = name.replace("scatter_reduce", "index_reduce")
                cases.append((name, _index_fn(reduce, inc, batched),
                              _index_build(reduce, batched), "_index_reduce", "jacobian"))
    for p in (2.0, 1.0, 3.0, 0.5, float("inf")):
        for dim in (0, 1):
            cases.append((f"renorm_p{p}_dim{dim}",
                          (lambda p, dim: lambda m, x: x.renorm(p, dim, 1.0))(p, dim),
                          lambda r: (r.standard_normal((3, 4)),), "renorm", "torch"))
    cases.append(("renorm_3d_some_below", lambda m, x: m.renorm(x, 2, 1, 1.5),
                  lambda r: (r.standard_normal((2, 3, 2)) * [[[1.0], [0.1], [2.0]]],),
                  "renorm", "torch"))
    return cases


FORWARD = _forward_cases()


@pytest.mark.parametrize("name,fn,build,op_name,oracle", FORWARD, ids=[c[0] for c in FORWARD])
def test_forward_op_tangent(name, fn, build, op_name, oracle):
    _rule_used(op_name)
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    arrays = build(rng)
    vs = [rng.standard_normal(a.shape) for a in arrays]
    outs, tans = _jvp(chainrule, fn, arrays, vs)
    want_out = _np(fn(torch, *map(torch.tensor, arrays)))
    np.testing.assert_allclose(outs[0], want_out, rtol=1e-12, atol=1e-12)
    if oracle == "torch":
        want = _jvp(torch, fn, arrays, vs)[1]
    else:
        want = _torch_jacobian_jv(fn, arrays, vs)
    np.testing.assert_allclose(tans[0], want[0], rtol=1e-9, atol=1e-10)
    if name not in _SELF_TIES:
        _identity(fn, arrays, vs, tans, abs(hash(name) + 1) % 2**32)


# A tie between an excluded self and two sources: torch's forward AD splits the tangent
# between the two sources, its backward (and chainrule's, which is torch's) counts the
# excluded self too (a third each): JVP and VJP disagree there, in torch as in chainrule.
_SELF_TIES = {"scatter_reduce_amax_noself", "scatter_reduce_amin_noself"}


@pytest.mark.parametrize("name", sorted(_SELF_TIES))
def test_excluded_self_tie_torch_disagrees_with_itself(name):
    fn, build = next((c[1], c[2]) for c in FORWARD if c[0] == name)
    arrays = build(np.random.default_rng(0))
    v = [np.zeros(arrays[0].shape), np.ones(arrays[1].shape)]
    fwd = _jvp(torch, fn, arrays, v)[1][0]
    assert fwd[1, 0] == pytest.approx(1.0)  # the two sources' tangents, averaged
    assert _torch_jacobian_jv(fn, arrays, v)[0][1, 0] == pytest.approx(2 / 3)
    assert _jvp(chainrule, fn, arrays, v)[1][0][1, 0] == pytest.approx(1.0)


def test_torch_oracles_are_as_the_docstring_says():
    """torch's scatter_reduce 'prod' has no tangent (so its Jacobian is the oracle), and
    index_reduce has no forward AD: chainrule's tangent there is exact, not torch's."""
    x, s = torch.rand(4, 3, dtype=torch.float64) + 1, torch.rand(5, 3, dtype=torch.float64) + 1
    idx = torch.tensor(_IDX2)
    with tfw.dual_level():
        y = fw_x = tfw.make_dual(x, torch.ones_like(x))
        y = fw_x.scatter_reduce(0, idx, s, "prod")
        t = tfw.unpack_dual(y).tangent
        assert t is None or not t.any()
        with pytest.raises(NotImplementedError, match="forward AD with index_reduce"):
            fw_x.index_reduce(0, torch.tensor(_VEC), s, "prod")


@pytest.mark.parametrize("reduce", ["sum", "mean", "prod"])
def test_scatter_reduce_complex(reduce):
    """Complex inputs: 'sum' and 'mean' against torch's forward AD, 'prod' (holomorphic)
    against central differences (chainrule's backward refuses complex here, so the generic
    rule could not give these)."""
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal((4, 3)) + 1j * rng.standard_normal((4, 3)),
              rng.standard_normal((5, 3)) + 1j * rng.standard_normal((5, 3))]
    vs = [rng.standard_normal(a.shape) + 1j * rng.standard_normal(a.shape) for a in arrays]
    fn = _scatter_fn(reduce, True, False)
    tans = _jvp(chainrule, fn, arrays, vs)[1]
    want = _central(fn, arrays, vs) if reduce == "prod" else _jvp(torch, fn, arrays, vs)[1]
    np.testing.assert_allclose(tans[0], want[0], rtol=1e-7, atol=1e-8)


def test_renorm_complex():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    v = rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))
    for p in (2.0, 1.0, 3.0):
        fn = (lambda p: lambda m, a: a.renorm(p, 0, 1.0))(p)
        np.testing.assert_allclose(_jvp(chainrule, fn, [x], [v])[1][0],
                                   _jvp(torch, fn, [x], [v])[1][0], rtol=1e-9, atol=1e-10)


def test_only_one_tangent_and_source_larger_than_index():
    """A tangent on one side only, and a src larger than the index (its unused part has
    no effect; torch's backward refuses such a src), against central differences."""
    rng = np.random.default_rng(9)
    idx = np.array([[0, 1], [2, 0]])
    x, s = rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    for reduce in _REDUCES:
        fn = (lambda r: lambda m, a, b: a.scatter_reduce(0, m.tensor(idx), b, r))(reduce)
        for vs in ([rng.standard_normal(x.shape), np.zeros(s.shape)],
                   [np.zeros(x.shape), rng.standard_normal(s.shape)]):
            got = _jvp(chainrule, fn, [x, s], vs)[1][0]
            want = _central(fn, [x, s], vs)[0]
            np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-8, err_msg=reduce)


# ---------------------------------------------------------------------------- dirichlet
@pytest.mark.parametrize("shape", [(4,), (3, 5)])
def test_dirichlet_rsample(shape):
    """torch has no forward AD here (its _Dirichlet Function has no jvp): the oracle is
    d out_j / d alpha_i = D_i (δ_ij - out_j), D = torch._dirichlet_grad at our sample."""
    _rule_used("dirichlet_rsample")
    rng = np.random.default_rng(11)
    alpha = rng.uniform(0.5, 3.0, shape)
    v = rng.standard_normal(shape)
    Dirichlet = chainrule.distributions.Dirichlet
    chainrule.manual_seed(3)
    with cfw.dual_level():
        y = Dirichlet(cfw.make_dual(chainrule.tensor(alpha), chainrule.tensor(v))).rsample()
        out, tan = (_np(u) for u in cfw.unpack_dual(y))
    a, o = torch.tensor(alpha), torch.tensor(out)
    d = torch._dirichlet_grad(o, a, a.sum(-1, keepdim=True).expand_as(a)).numpy()
    want = d * v - out * (d * v).sum(-1, keepdims=True)
    # torch's _dirichlet_grad is an approximation (chainrule's is exact to ~1e-10:
    # tests/test_distributions_sampling.py)
    np.testing.assert_allclose(tan, want, rtol=2e-3, atol=1e-6)
    # tied to chainrule's backward at the same sample
    chainrule.manual_seed(3)
    x = chainrule.tensor(alpha, requires_grad=True)
    y = Dirichlet(x).rsample()
    np.testing.assert_array_equal(y.detach().numpy(), out)
    u = rng.standard_normal(shape)
    g, = chainrule.autograd.grad(y, x, chainrule.tensor(u))
    assert float((tan * u).sum()) == pytest.approx(float((g.numpy() * v).sum()), rel=1e-9)
    with tfw.dual_level():
        with pytest.raises(NotImplementedError, match="must implement the jvp function"):
            torch.distributions.Dirichlet(tfw.make_dual(a, torch.tensor(v))).rsample()


# ---------------------------------------------------------------------------- legacy scatter
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_legacy_scatter_raises_as_torch(reduce):
    """scatter(..., reduce=) has no derivative in torch (a NotImplemented node): forward AD
    raises torch's NotImplementedError, with a tensor or a scalar src."""
    _rule_used("_scatter_legacy", "_scatter_legacy_value")
    rng = np.random.default_rng(1)
    x, s = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    for m in (torch, chainrule):
        fw = _fw(m)
        idx = m.tensor(_IDX2[:4])
        with fw.dual_level():
            dx = fw.make_dual(m.tensor(x), m.tensor(s))
            with pytest.raises(NotImplementedError, match="^Trying to use forward AD with "
                               "aten::scatter that does not support it.$"):
                dx.scatter(0, idx, m.tensor(s), reduce=reduce)
            with pytest.raises(NotImplementedError, match="aten::scatter"):
                m.tensor(x).scatter(0, idx, fw.make_dual(m.tensor(s), m.tensor(x)),
                                    reduce=reduce)
            with pytest.raises(NotImplementedError, match="aten::scatter"):
                dx.scatter(0, idx, 2.0, reduce=reduce)
        # without tangents it runs
        m.tensor(x).scatter(0, idx, 2.0, reduce=reduce)


def test_gradcheck_forward_ad():
    rng = np.random.default_rng(3)
    x = chainrule.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    s = chainrule.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    idx = chainrule.tensor(_IDX2)
    for reduce in ("prod", "mean", "amax"):
        assert chainrule.autograd.gradcheck(
            lambda a, b: a.scatter_reduce(0, idx, b, reduce, include_self=False), (x, s),
            check_forward_ad=True)
    assert chainrule.autograd.gradcheck(
        lambda a, b: a.index_reduce(0, chainrule.tensor(_VEC), b, "prod"), (x, s),
        check_forward_ad=True)
    assert chainrule.autograd.gradcheck(lambda a: a.renorm(3, 1, 0.5), (x,),
                                        check_forward_ad=True)
