"""The explicit forward-mode rules of the decomposition linear-algebra ops
(chainrule/ops/_jvp_rules_decomp.py).

The oracle is torch's forward AD (``torch.func.jvp``) on the same float64 / complex128
inputs and tangents; for ormqr, which torch has no forward AD for, the same product
formed through torch's householder_product (the full Q). Singular and eigenvectors are compared after the
column phases (signs) of torch's primal are carried over to chainrule's (both come from
LAPACK, so they agree up to such a phase), which is the gauge torch's tangents follow.
The dot-product identity <J v, u> = <v, Jᵀ u> ties each real rule to chainrule's backward.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
import chainrule.func as cfunc  # noqa: E402
from chainrule.ops._jvp_rules import missing  # noqa: E402
from chainrule.ops._jvp_rules_decomp import RULES  # noqa: E402
from chainrule.ops._vocab import OPS  # noqa: E402


def _rand(r, *shape, cplx=False):
    x = r.standard_normal(shape)
    return x + 1j * r.standard_normal(shape) if cplx else x


def _herm(r, *shape, cplx=False):
    x = _rand(r, *shape, cplx=cplx)
    return x + np.conj(np.swapaxes(x, -1, -2))


def _wc(r, *shape, cplx=False):
    """Well conditioned: a random matrix plus n on the diagonal."""
    x = _rand(r, *shape, cplx=cplx)
    n = min(shape[-2:])
    x[..., range(n), range(n)] += n
    return x


def _tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _ormqr(m, a, t, c, left, transpose):
    """chainrule's ormqr; for torch (no forward AD for ormqr) the same product through the
    full Q of householder_product (a padded with zero columns, tau with zeros: H = I)."""
    if m is not torch:
        return m.ormqr(a, t, c, left, transpose)
    mn, k = a.shape[-2:]
    a = torch.cat([a, a.new_zeros(a.shape[:-1] + (mn - k,))], -1)
    t = torch.cat([t, t.new_zeros(t.shape[:-1] + (mn - t.shape[-1],))], -1)
    q = torch.linalg.householder_product(a, t)
    q = q.mH if transpose else q
    return q @ c if left else c @ q


def _prod_others_ref(m, s):
    n = s.shape[-1]
    cols = [m.cat([s[..., :i], s[..., i + 1:]], -1).prod(-1) for i in range(n)]
    return m.stack(cols, -1)


def _prod_others(m, s):
    if m is torch:
        return _prod_others_ref(m, s)
    from chainrule.ops.linalg.decompositions import _linalg_prod_others
    return _linalg_prod_others(s)


# name, fn(m, *arrays) -> tensor(s), arrays builder, ops whose rule it runs, gauge
def _cases():
    c = []
    for cplx in (False, True):
        z = "_complex" if cplx else ""
        c += [
            (f"eigh{z}", lambda m, a: m.linalg.eigh(a), lambda r, z=cplx: (_herm(r, 3, 3, cplx=z),),
             ["linalg_eigh"], "eig"),
            (f"eigh_batched_upper{z}", lambda m, a: m.linalg.eigh(a, UPLO="U"),
             lambda r, z=cplx: (_herm(r, 2, 4, 4, cplx=z),), ["linalg_eigh"], "eig"),
            (f"eigvalsh{z}", lambda m, a: m.linalg.eigvalsh(a),
             lambda r, z=cplx: (_herm(r, 2, 3, 3, cplx=z),), ["linalg_eigh"], None),
            (f"eig{z}", lambda m, a: m.linalg.eig(a), lambda r, z=cplx: (_rand(r, 3, 3, cplx=z),),
             ["linalg_eig"], "eig"),
            (f"eig_batched{z}", lambda m, a: m.linalg.eig(a),
             lambda r, z=cplx: (_rand(r, 2, 4, 4, cplx=z),), ["linalg_eig"], "eig"),
            (f"eigvals{z}", lambda m, a: m.linalg.eigvals(a),
             lambda r, z=cplx: (_rand(r, 3, 3, cplx=z),), ["linalg_eig"], None),
        ]
        for shape in ((4, 3), (3, 4), (3, 3), (2, 5, 3), (2, 3, 4)):
            s = "x".join(map(str, shape))
            c += [
                (f"svd_{s}{z}", lambda m, a: m.linalg.svd(a, full_matrices=False),
                 lambda r, sh=shape, z=cplx: (_rand(r, *sh, cplx=z),), ["linalg_svd"], "svd"),
                (f"svd_full_{s}{z}", lambda m, a: m.linalg.svd(a),
                 lambda r, sh=shape, z=cplx: (_rand(r, *sh, cplx=z),), ["linalg_svd"], "svd"),
                (f"qr_{s}{z}", lambda m, a: m.linalg.qr(a),
                 lambda r, sh=shape, z=cplx: (_rand(r, *sh, cplx=z),), ["linalg_qr"], None),
            ]
            if shape[-2] <= shape[-1]:
                c.append((f"qr_complete_{s}{z}", lambda m, a: m.linalg.qr(a, mode="complete"),
                          lambda r, sh=shape, z=cplx: (_rand(r, *sh, cplx=z),), ["linalg_qr"],
                          None))
        for shape in ((4, 3), (3, 4), (3, 3), (2, 5, 3), (2, 3, 5)):
            s = "x".join(map(str, shape))
            c.append((f"lu_{s}{z}", lambda m, a: m.linalg.lu(a)[1:],
                      lambda r, sh=shape, z=cplx: (_rand(r, *sh, cplx=z),), ["linalg_lu"], None))
        c += [
            (f"householder_product{z}", lambda m, a, t: m.linalg.householder_product(a, t),
             lambda r, z=cplx: (_rand(r, 2, 4, 3, cplx=z), _rand(r, 2, 3, cplx=z)),
             ["linalg_householder_product"], None),
            (f"householder_product_short_tau{z}",
             lambda m, a, t: m.linalg.householder_product(a, t),
             lambda r, z=cplx: (_rand(r, 5, 3, cplx=z), _rand(r, 2, cplx=z)),
             ["linalg_householder_product"], None),
        ]
        for left in (True, False):
            for tr in (False, True):
                w = f"{'left' if left else 'right'}{'_transpose' if tr else ''}"
                c.append((f"ormqr_{w}{z}", lambda m, a, t, x, le=left, tr=tr: _ormqr(
                    m, a, t, x, le, tr), lambda r, le=left, z=cplx: (
                    _rand(r, 2, 4, 3, cplx=z), _rand(r, 2, 3, cplx=z),
                    _rand(r, 2, 4, 2, cplx=z) if le else _rand(r, 2, 2, 4, cplx=z)),
                    ["ormqr"], None))
        for shape in ((4, 3), (3, 4), (2, 3, 3)):
            s = "x".join(map(str, shape))
            c.append((f"pinv_{s}{z}", lambda m, a: m.linalg.pinv(a),
                      lambda r, sh=shape, z=cplx: (_wc(r, *sh, cplx=z),), ["linalg_pinv"], None))
        c += [
            (f"lstsq{z}", lambda m, a, b: m.linalg.lstsq(a, b).solution,
             lambda r, z=cplx: (_wc(r, 5, 3, cplx=z), _rand(r, 5, 2, cplx=z)),
             ["linalg_lstsq"], None),
            (f"lstsq_residuals{z}",
             lambda m, a, b: tuple(m.linalg.lstsq(a, b, driver="gelsd")[:2]),
             lambda r, z=cplx: (_wc(r, 2, 5, 3, cplx=z), _rand(r, 2, 5, 2, cplx=z)),
             ["linalg_lstsq"], None),
            (f"svdvals{z}", lambda m, a: m.linalg.svdvals(a),
             lambda r, z=cplx: (_rand(r, 2, 4, 3, cplx=z),), ["linalg_svd"], None),
        ]
    c += [
        ("svd_compute_uv_false", lambda m, a: m.svd(a, compute_uv=False)[1],
         lambda r: (_rand(r, 4, 3),), ["linalg_svd"], None),
        ("svd_legacy_some_false", lambda m, a: m.svd(a, some=False),
         lambda r: (_rand(r, 3, 3),), ["linalg_svd"], "svd_v"),
        ("lu_factor_ex", lambda m, a: m.linalg.lu_factor_ex(a)[0],
         lambda r: (_rand(r, 2, 3, 3),), ["linalg_lu_factor_ex"], None),
        ("lu_factor_tall", lambda m, a: m.linalg.lu_factor(a)[0], lambda r: (_rand(r, 5, 3),),
         ["linalg_lu_factor_ex"], None),
        ("lu_factor_wide", lambda m, a: m.linalg.lu_factor(a)[0], lambda r: (_rand(r, 3, 5),),
         ["linalg_lu_factor_ex"], None),
        ("lu_unpack", lambda m, a: m.lu_unpack(*m.linalg.lu_factor(a))[1:],
         lambda r: (_rand(r, 2, 3, 3),), ["linalg_lu_factor_ex", "lu_unpack"], None),
        ("lu_unpack_tall", lambda m, a: m.lu_unpack(*m.linalg.lu_factor(a))[1:],
         lambda r: (_rand(r, 5, 3),), ["linalg_lu_factor_ex", "lu_unpack"], None),
        ("lu_unpack_wide", lambda m, a: m.lu_unpack(*m.linalg.lu_factor(a))[1:],
         lambda r: (_rand(r, 3, 4),), ["linalg_lu_factor_ex", "lu_unpack"], None),
    ]
    for left in (True, False):
        for adjoint in (False, True):
            w = f"{'left' if left else 'right'}{'_adjoint' if adjoint else ''}"
            c += [
                (f"lu_solve_{w}", lambda m, a, b, le=left, ad=adjoint: m.linalg.lu_solve(
                    *m.linalg.lu_factor(a), b if le else b.mT, left=le, adjoint=ad),
                 lambda r: (_wc(r, 3, 3), _rand(r, 3, 2)),
                 ["linalg_lu_factor_ex", "_linalg_lu_solve"], None),
                (f"lu_solve_broadcast_{w}", lambda m, a, b, le=left, ad=adjoint:
                 m.linalg.lu_solve(*m.linalg.lu_factor(a), b if le else b.mT, left=le,
                                   adjoint=ad),
                 lambda r: (_wc(r, 2, 3, 3), _rand(r, 3, 4)),
                 ["linalg_lu_factor_ex", "_linalg_lu_solve"], None),
            ]
    c += [
        ("lu_solve_legacy_batched_b", lambda m, a, b: m.lu_solve(b, *m.linalg.lu_factor(a)),
         lambda r: (_wc(r, 3, 3), _rand(r, 2, 3, 2)), ["linalg_lu_factor_ex", "_linalg_lu_solve"],
         None),
        ("matrix_exp", lambda m, a: m.linalg.matrix_exp(a), lambda r: (_rand(r, 3, 3),),
         ["linalg_matrix_exp"], None),
        ("matrix_exp_batched_scaled", lambda m, a: m.linalg.matrix_exp(a),
         lambda r: (3 * _rand(r, 2, 4, 4),), ["linalg_matrix_exp"], None),
        ("prod_others", _prod_others, lambda r: (_rand(r, 2, 4),), ["_linalg_prod_others"],
         None),
        ("prod_others_zero", _prod_others, lambda r: (np.array([[1.5, 0.0, -2.0, 0.5]]),),
         ["_linalg_prod_others"], None),
    ]
    return c


CASES = _cases()
IDS = [c[0] for c in CASES]


def _phase(pt, pc):
    """d with pt = pc * d (column phases: unit modulus), from matching columns."""
    d = (np.conj(pc) * pt).sum(-2)
    return d / np.abs(d)


def _align(gauge, tp, cp, ct):
    """chainrule's tangents in torch's phase convention (see the module docstring)."""
    ct = list(ct)
    if gauge == "eig":
        d = _phase(tp[1], cp[1])
        ct[1] = ct[1] * d[..., None, :]
    elif gauge in ("svd", "svd_v"):
        k = cp[1].shape[-1]
        d = _phase(tp[0][..., :, :k], cp[0][..., :, :k])
        m = cp[0].shape[-1]
        du = np.concatenate([d, np.ones(d.shape[:-1] + (m - k,))], -1)
        ct[0] = ct[0] * du[..., None, :]
        n = cp[2].shape[-1 if gauge == "svd_v" else -2]
        dv = np.conj(np.concatenate([d, np.ones(d.shape[:-1] + (n - k,))], -1))
        ct[2] = ct[2] * (np.conj(dv)[..., None, :] if gauge == "svd_v" else dv[..., :, None])
    return ct


def _torch_jvp(fn, arrays, vs):
    xs = tuple(torch.tensor(a) for a in arrays)
    ts = tuple(torch.tensor(v) for v in vs)
    out, tan = torch.func.jvp(lambda *a: _tuple(fn(torch, *a)), xs, ts)
    return [o.numpy() for o in out], [t.numpy() for t in tan]


def _chain_jvp(fn, arrays, vs):
    xs = tuple(chainrule.tensor(a) for a in arrays)
    ts = tuple(chainrule.tensor(v) for v in vs)
    out, tan = cfunc.jvp(lambda *a: _tuple(fn(chainrule, *a)), xs, ts)
    return [o.numpy() for o in out], [t.numpy() for t in tan]


def _seed(name):
    import zlib
    return zlib.crc32(name.encode())


@pytest.mark.parametrize("name,fn,build,ops,gauge", CASES, ids=IDS)
def test_tangent_matches_torch(name, fn, build, ops, gauge):
    rng = np.random.default_rng(_seed(name))
    arrays = build(rng)
    vs = tuple(_rand(rng, *a.shape, cplx=np.iscomplexobj(a)) for a in arrays)
    tp, tt = _torch_jvp(fn, arrays, vs)
    cp, ct = _chain_jvp(fn, arrays, vs)
    ct = _align(gauge, tp, cp, ct)
    for want, got in zip(tt, ct):
        assert want.shape == got.shape
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("name,fn,build,ops,gauge", CASES, ids=IDS)
def test_rule_is_used(name, fn, build, ops, gauge):
    for op_name in ops:
        assert OPS[op_name].jvp is RULES[op_name]
        assert op_name not in missing()


def _invariant(name, fn):
    """A function of the outputs whose gradient does not depend on the gauge (real case):
    eigenvectors and singular vectors enter through |.|, eig (no backward) is left out."""
    def f(m, *a):
        outs = _tuple(fn(m, *a))
        if name.startswith(("eigh", "svd")) and len(outs) > 1:
            outs = tuple(o.abs() if i != 1 else o for i, o in enumerate(outs))
        return sum((o * o.detach().sin()).sum() for o in outs)
    return f


def _has_backward(name):
    """Real cases with real outputs (eig's are complex: the real identity does not apply)."""
    return "complex" not in name and name != "eig" and not name.startswith(("eig_", "eigvals"))


TIED = [c for c in CASES if _has_backward(c[0])]


@pytest.mark.parametrize("name,fn,build,ops,gauge", TIED, ids=[c[0] for c in TIED])
def test_tied_to_the_vjp(name, fn, build, ops, gauge):
    """<J v, u> = <v, Jᵀ u> through a scalar of the outputs, with chainrule's backward."""
    rng = np.random.default_rng(_seed(name) + 1)
    arrays = build(rng)
    vs = tuple(rng.standard_normal(a.shape) for a in arrays)
    if name.startswith("eig"):  # torch's rule takes dA as given: the identity needs dA = dA^H
        vs = tuple(v + np.swapaxes(v, -1, -2) for v in vs)
    f = _invariant(name, fn)
    primals = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    _, jv = cfunc.jvp(lambda *a: f(chainrule, *a), tuple(p.detach() for p in primals),
                      tuple(chainrule.tensor(v) for v in vs))
    grads = chainrule.autograd.grad(f(chainrule, *primals), primals)
    rhs = sum(float((g.numpy() * v).sum()) for g, v in zip(grads, vs))
    assert float(jv) == pytest.approx(rhs, rel=1e-8, abs=1e-9)


@pytest.mark.parametrize("mode,shape,msg", [
    ("r", (4, 3), "depends on Q, which is not computed when mode='r'"),
    ("complete", (4, 3), "not differentiable when mode='complete' and nrows > ncols"),
])
def test_qr_refuses_as_torch(mode, shape, msg):
    a = np.random.default_rng(0).standard_normal(shape)
    for m in (torch, chainrule):
        x = m.tensor(a)
        with pytest.raises(RuntimeError, match=msg):
            m.func.jvp(lambda t: tuple(m.linalg.qr(t, mode=mode)), (x,), (m.ones_like(x),))


def test_gradcheck_forward_ad():
    rng = np.random.default_rng(7)
    gc = chainrule.autograd.gradcheck
    a = chainrule.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    assert gc(lambda t: tuple(chainrule.linalg.svd(t, full_matrices=False)[0].abs()
                              for _ in range(1)) + (chainrule.linalg.svdvals(t),),
              (a,), check_forward_ad=True)
    s = chainrule.tensor(rng.standard_normal((3, 3)), requires_grad=True)
    assert gc(lambda t: chainrule.linalg.eigvalsh(t + t.mT), (s,), check_forward_ad=True)
    assert gc(lambda t: chainrule.linalg.qr(t), (a,), check_forward_ad=True)
    assert gc(chainrule.linalg.matrix_exp, (s,), check_forward_ad=True)


def test_prod_others_grad():
    """Linear in g (its matrix is prod_others' symmetric Jacobian); a tangent in s is a
    third derivative of det at a singular matrix, refused as the backward refuses it."""
    from chainrule.ops.linalg.decompositions import _linalg_prod_others_grad
    rng = np.random.default_rng(3)
    s, g, tg = (rng.standard_normal((2, 4)) for _ in range(3))
    s[0, 1] = 0.0
    _, want = torch.func.jvp(lambda x: _prod_others_ref(torch, x), (torch.tensor(s),),
                             (torch.tensor(tg),))
    _, got = cfunc.jvp(lambda x: _linalg_prod_others_grad(chainrule.tensor(s), x),
                       (chainrule.tensor(g),), (chainrule.tensor(tg),))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    assert OPS["_linalg_prod_others_grad"].jvp is RULES["_linalg_prod_others_grad"]
    with pytest.raises(NotImplementedError, match="_linalg_prod_others_grad"):
        cfunc.jvp(lambda x: _linalg_prod_others_grad(x, chainrule.tensor(g)),
                  (chainrule.tensor(s),), (chainrule.tensor(tg),))
