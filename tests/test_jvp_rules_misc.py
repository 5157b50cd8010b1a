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
        outs = [None if o is None else fw.unpack_dual(o) for o in outs]
        return [None if o is None else _np(o.primal) for o in outs], \
            [None if o is None or o.tangent is None else _np(o.tangent) for o in outs]


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


# ---------------------------------------------------------------------------- backward ops
def _fwd_over_rev(m, fn, arrays, vs):
    """The tangents of a create_graph gradient inside a dual level (the backward ops run
    on dual tensors): Hessian-vector products."""
    fw = _fw(m)
    with fw.dual_level():
        xs = [fw.make_dual(m.tensor(a).requires_grad_(), m.tensor(v))
              for a, v in zip(arrays, vs)]
        grads = m.autograd.grad(fn(m, *xs), xs, create_graph=True)
        return [_np(fw.unpack_dual(g).tangent) for g in grads]


def _loss(f):
    """A scalar whose gradient's own gradient reaches grad_output (squared) and every
    input of the backward op."""
    return lambda m, *a: (f(m, *a) ** 2).sum() + (f(m, *a) * 0.5).sum()


def _conv(fn_name, **kw):
    return _loss(lambda m, x, w, b: getattr(m.nn.functional, fn_name)(x, w, b, **kw))


def _norm_cases():
    def r(*shape):
        return lambda g: g.standard_normal(shape)
    ln = lambda m, x, w, b: m.nn.functional.layer_norm(x, (3, 4), w, b)  # noqa: E731
    ln1 = lambda m, x: m.nn.functional.layer_norm(x, (4,))  # noqa: E731
    bn = lambda m, x, w, b: m.nn.functional.batch_norm(  # noqa: E731
        x, None, None, w, b, training=True)
    bn_eval = lambda m, x, w, b: m.nn.functional.batch_norm(  # noqa: E731
        x, m.tensor([0.1, -0.2, 0.3], dtype=m.float64),
        m.tensor([1.5, 0.7, 2.0], dtype=m.float64), w, b, training=False)
    bn_now = lambda m, x: m.nn.functional.batch_norm(  # noqa: E731
        x, None, None, training=True)
    return [
        ("layer_norm_affine", _loss(ln), (r(2, 3, 4), r(3, 4), r(3, 4)),
         "native_layer_norm_backward"),
        ("layer_norm_plain", _loss(ln1), (r(2, 3, 4),), "native_layer_norm_backward"),
        ("batch_norm_train", _loss(bn), (r(4, 3, 5), r(3), r(3)),
         "native_batch_norm_backward"),
        ("batch_norm_2d", _loss(bn), (r(2, 3, 2, 2), r(3), r(3)),
         "native_batch_norm_backward"),
        ("batch_norm_eval", _loss(bn_eval), (r(4, 3, 2), r(3), r(3)),
         "native_batch_norm_backward"),
        ("batch_norm_no_weight", _loss(bn_now), (r(4, 3, 2),), "native_batch_norm_backward"),
        ("glu_dim1", _loss(lambda m, x: m.nn.functional.glu(x, 1)), (r(2, 4, 3),),
         "glu_backward"),
        ("glu_last", _loss(lambda m, x: m.nn.functional.glu(x)), (r(3, 6),), "glu_backward"),
        ("prelu_channels", _loss(lambda m, x, w: m.nn.functional.prelu(x, w)),
         (r(2, 3, 4), r(3)), "_prelu_kernel_backward"),
        ("prelu_one", _loss(lambda m, x, w: m.nn.functional.prelu(x, w)), (r(5, 2), r(1)),
         "_prelu_kernel_backward"),
        ("conv2d", _conv("conv2d"), (r(2, 3, 5, 5), r(4, 3, 3, 3), r(4)),
         "convolution_backward"),
        ("conv2d_strided_grouped", _conv("conv2d", stride=2, padding=1, dilation=2, groups=2),
         (r(2, 4, 7, 6), r(6, 2, 2, 3), r(6)), "convolution_backward"),
        ("conv1d_padded", _conv("conv1d", padding=2), (r(2, 2, 6), r(3, 2, 3), r(3)),
         "convolution_backward"),
        # (torch's double backward refuses output_padding: that is in the direct test)
        ("conv_transpose2d", _conv("conv_transpose2d", stride=2, padding=1, groups=2),
         (r(1, 4, 3, 3), r(4, 1, 3, 2), r(2)), "convolution_backward"),
        ("conv3d", _conv("conv3d", padding=1), (r(1, 2, 3, 3, 3), r(2, 2, 2, 2, 2), r(2)),
         "convolution_backward"),
    ]


BACKWARD = _norm_cases()


@pytest.mark.parametrize("name,fn,builds,op_name", BACKWARD, ids=[c[0] for c in BACKWARD])
def test_backward_op_forward_over_reverse(name, fn, builds, op_name):
    """Against torch's forward over reverse (torch has forward AD for each of these
    backward ops), and torch's double backward (the Hessian-vector product)."""
    _rule_used(op_name)
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    arrays = [b(rng) for b in builds]
    vs = [rng.standard_normal(a.shape) for a in arrays]
    got = _fwd_over_rev(chainrule, fn, arrays, vs)
    want = _fwd_over_rev(torch, fn, arrays, vs)
    _, hvp = torch.autograd.functional.hvp(lambda *a: fn(torch, *a),
                                           tuple(torch.tensor(a) for a in arrays),
                                           tuple(torch.tensor(v) for v in vs))
    for g, w, h in zip(got, want, hvp):
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(g, h.numpy(), rtol=1e-9, atol=1e-9)


def _aten_conv_bw(m, mask, params):
    def fn(_, go, x, w):
        if m is torch:
            return torch.ops.aten.convolution_backward(go, x, w, [w.shape[0]], *params, mask)
        from chainrule.ops.nn.conv import convolution_backward
        return convolution_backward(go, x, w, (w.shape[0],), *params, mask)
    return fn


@pytest.mark.parametrize("mask", [(True, True, True), (True, False, False),
                                  (False, True, True), (False, False, True)])
@pytest.mark.parametrize("transposed", [False, True])
def test_convolution_backward_output_mask(mask, transposed):
    """The op itself with each output_mask, against torch's forward AD of
    aten::convolution_backward (the outputs left out have a zero tangent)."""
    rng = np.random.default_rng(4)
    if transposed:
        params = ([2, 1], [1, 0], [1, 1], True, [1, 0], 1)
        x, w, go = (rng.standard_normal(s) for s in ((2, 3, 3, 4), (3, 2, 3, 2), (2, 2, 6, 5)))
    else:
        params = ([1, 2], [1, 0], [1, 2], False, [0, 0], 1)
        x, w, go = (rng.standard_normal(s) for s in ((2, 3, 5, 6), (4, 3, 3, 2), (2, 4, 5, 2)))
    arrays = [go, x, w]
    vs = [rng.standard_normal(a.shape) for a in arrays]
    got_out, got = _jvp(chainrule, _aten_conv_bw(chainrule, mask, params), arrays, vs)
    want_out, want = _jvp(torch, _aten_conv_bw(torch, list(mask), params), arrays, vs)
    for k in range(3):
        if not mask[k]:
            assert got[k] is None or not got[k].any()
            continue
        np.testing.assert_allclose(got_out[k], want_out[k], rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(got[k], want[k], rtol=1e-9, atol=1e-9, err_msg=str(k))


@pytest.mark.parametrize("mask", [(True, True, True), (True, False, True),
                                  (False, True, False)])
@pytest.mark.parametrize("kind", ["layer", "batch"])
def test_norm_backward_ops_called_directly(mask, kind):
    """native_layer_norm_backward / native_batch_norm_backward called as ops, with torch's
    saved statistics, against torch's forward AD of the aten ops."""
    from chainrule.ops.nn.normalization import (
        native_batch_norm_backward,
        native_layer_norm_backward,
    )
    A = torch.ops.aten
    rng = np.random.default_rng(6)
    x, go = rng.standard_normal((3, 2, 4)), rng.standard_normal((3, 2, 4))
    n = 4 if kind == "layer" else 2
    w, b = rng.standard_normal(n), rng.standard_normal(n)
    tx = torch.tensor(x)
    if kind == "layer":
        _, mean, rstd = A.native_layer_norm(tx, [4], torch.tensor(w), torch.tensor(b), 1e-5)

        def fn(m, g, xx, ww):
            if m is torch:
                return A.native_layer_norm_backward(g, xx, [4], mean, rstd, ww,
                                                    torch.tensor(b), list(mask))
            # chainrule's op takes the statistics flat, one per row
            return native_layer_norm_backward(g, xx, m.tensor(mean.numpy().reshape(-1)),
                                              m.tensor(rstd.numpy().reshape(-1)), ww,
                                              m.tensor(b),
                                              (4,), mask)
    else:
        _, mean, rstd = A.native_batch_norm(tx, torch.tensor(w), None, None, None, True,
                                            0.1, 1e-5)

        def fn(m, g, xx, ww):
            if m is torch:
                return A.native_batch_norm_backward(g, xx, ww, None, None, mean, rstd, True,
                                                    1e-5, list(mask))
            return native_batch_norm_backward(g, xx, ww, m.tensor(mean.numpy()),
                                              m.tensor(rstd.numpy()), True, 1e-5, mask)
    arrays = [go, x, w]
    vs = [rng.standard_normal(a.shape) for a in arrays]
    got = _jvp(chainrule, fn, arrays, vs)[1]
    want = _jvp(torch, fn, arrays, vs)[1]
    for k in range(3):
        if not mask[k]:
            assert got[k] is None or not got[k].any()
            continue
        np.testing.assert_allclose(got[k], want[k], rtol=1e-9, atol=1e-9, err_msg=str(k))


def test_glu_prelu_backward_ops_called_directly():
    from chainrule.ops.nn.activation.misc import _prelu_kernel_backward, glu_backward
    rng = np.random.default_rng(12)
    arrays = [rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 4, 3))]
    vs = [rng.standard_normal(a.shape) for a in arrays]
    fn = lambda m, g, x: (glu_backward(g, x, 1) if m is chainrule  # noqa: E731
                          else torch.ops.aten.glu_backward(g, x, 1))
    np.testing.assert_allclose(_jvp(chainrule, fn, arrays, vs)[1][0],
                               _jvp(torch, fn, arrays, vs)[1][0], rtol=1e-10, atol=1e-12)
    arrays = [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4)),
              rng.standard_normal((3, 1))]
    vs = [rng.standard_normal(a.shape) for a in arrays]
    fn = lambda m, g, x, w: (_prelu_kernel_backward(g, x, w) if m is chainrule  # noqa: E731
                             else torch.ops.aten._prelu_kernel_backward(g, x, w))
    got, want = _jvp(chainrule, fn, arrays, vs)[1], _jvp(torch, fn, arrays, vs)[1]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_gradcheck_forward_ad_over_backward():
    """gradcheck(check_forward_ad=True) of first gradients (their JVPs are the rules of
    the backward ops)."""
    rng = np.random.default_rng(13)
    F = chainrule.nn.functional
    x = chainrule.tensor(rng.standard_normal((2, 2, 4, 4)), requires_grad=True)
    w = chainrule.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)

    def conv_grad(a, b):
        return chainrule.autograd.grad((F.conv2d(a, b, padding=1) ** 2).sum(), (a, b),
                                       create_graph=True)
    assert chainrule.autograd.gradcheck(conv_grad, (x, w), check_forward_ad=True)
    y = chainrule.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    g = chainrule.tensor(rng.standard_normal(4), requires_grad=True)

    def ln_grad(a, b):
        return chainrule.autograd.grad((F.layer_norm(a, (4,), b) ** 2).sum(), (a, b),
                                       create_graph=True)
    assert chainrule.autograd.gradcheck(ln_grad, (y, g), check_forward_ad=True)
