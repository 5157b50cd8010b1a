"""torch.func.linearize by true forward mode (one dual pass per jvp_fn call), against
torch: values and tangents in float64 and float32, a jvp-only custom Function, the
<J v, u> = <v, J^T u> tie to the VJP, and jvp_fn under vmap."""
import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")
from fwd_functions import cube_function  # noqa: E402


def _pair(shape, seed, dtype="float64"):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return chainrule.tensor(a), torch.tensor(a)


def _close(a, b, tol):
    assert tuple(a.shape) == tuple(b.shape)
    assert str(a.dtype) == str(b.dtype)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


def _f(m, x):
    return m.tanh(x) * x.sum() + x.exp().sin()


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-10), ("float32", 1e-5)])
@pytest.mark.parametrize("shape", [(3,), (2, 4), (2, 3, 2)])
def test_linearize_matches_torch(dtype, tol, shape):
    cx, tx = _pair(shape, 0, dtype)
    oc, jc = chainrule.func.linearize(lambda a: _f(chainrule, a), cx)
    ot, jt = torch.func.linearize(lambda a: _f(torch, a), tx)
    _close(oc, ot, tol)
    for seed in (1, 2):
        cv, tv = _pair(shape, seed, dtype)
        _close(jc(cv), jt(tv), tol)


def test_linearize_is_forward_mode():
    """A Function with only a jvp (no backward) works under linearize, as in torch."""
    cx, tx = _pair((5,), 3)
    cv, tv = _pair((5,), 4)
    oc, jc = chainrule.func.linearize(cube_function(chainrule).apply, cx)
    ot, jt = torch.func.linearize(cube_function(torch).apply, tx)
    _close(oc, ot, 1e-12)
    _close(jc(cv), jt(tv), 1e-12)


def test_linearize_jvp_ties_to_vjp():
    cx, _ = _pair((2, 3), 5)
    cv, _ = _pair((2, 3), 6)
    cu, _ = _pair((2, 3), 7)
    _, jvp_fn = chainrule.func.linearize(lambda a: _f(chainrule, a), cx)
    _, vjp_fn = chainrule.func.vjp(lambda a: _f(chainrule, a), cx)
    lhs = float((jvp_fn(cv) * cu).sum())
    rhs = float((cv * vjp_fn(cu)[0]).sum())
    assert abs(lhs - rhs) < 1e-10


def test_linearize_tuple_outputs_and_vmap():
    cx, tx = _pair((3,), 8)
    cv, tv = _pair((4, 3), 9)

    def g(m, a, b):
        return a * b.cos(), (a @ b).exp()
    cb, tb = _pair((3,), 10)
    oc, jc = chainrule.func.linearize(lambda a, b: g(chainrule, a, b), cx, cb)
    ot, jt = torch.func.linearize(lambda a, b: g(torch, a, b), tx, tb)
    for a, b in zip(oc, ot):
        _close(a, b, 1e-12)
    for a, b in zip(jc(cv[0], cv[1]), jt(tv[0], tv[1])):
        _close(a, b, 1e-12)
    mine = chainrule.vmap(lambda v: jc(v, v))(cv)
    theirs = torch.vmap(lambda v: jt(v, v))(tv)
    for a, b in zip(mine, theirs):
        _close(a, b, 1e-12)


def test_linearize_errors_as_torch():
    cx, tx = _pair((3,), 11)
    _, jc = chainrule.func.linearize(lambda a: a.sin(), cx)
    _, jt = torch.func.linearize(lambda a: a.sin(), tx)
    with pytest.raises(RuntimeError) as te:
        jt(torch.ones(2, dtype=torch.float64))
    with pytest.raises(RuntimeError) as ce:
        jc(chainrule.ones(2, dtype=chainrule.float64))
    assert str(ce.value) == str(te.value)


def test_linearize_dtype_and_structure_errors_as_torch():
    cx, tx = _pair((3,), 12)
    _, jc = chainrule.func.linearize(lambda a: a.sin(), cx)
    _, jt = torch.func.linearize(lambda a: a.sin(), tx)
    with pytest.raises(RuntimeError) as te:
        jt(torch.ones(3))
    with pytest.raises(RuntimeError) as ce:
        jc(chainrule.ones(3))
    assert str(ce.value) == str(te.value)
    with pytest.raises(RuntimeError, match="to have the same argspec as the primals"):
        jt(torch.ones(3), torch.ones(3))
    with pytest.raises(RuntimeError, match="to have the same argspec as the primals"):
        jc(chainrule.ones(3), chainrule.ones(3))


def test_jacfwd_is_forward_mode():
    """A Function with only a jvp (and generate_vmap_rule) works under jacfwd by the dual
    route, as in torch."""
    cx, tx = _pair((4,), 13)
    _close(chainrule.func.jacfwd(cube_function(chainrule, True).apply)(cx),
           torch.func.jacfwd(cube_function(torch, True).apply)(tx), 1e-12)



@pytest.mark.parametrize("dtype,tol", [("float64", 1e-10), ("float32", 1e-5)])
@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_jacfwd_argnums_aux_match_torch(dtype, tol, shape):
    (cx, tx), (cy, ty) = _pair(shape, 14, dtype), _pair(shape, 15, dtype)

    def g(m, a, b):
        out = m.tanh(a) * b.exp() + a.sum()
        return out, out.sum()
    for argnums in (0, 1, (0, 1)):
        jc, ac = chainrule.func.jacfwd(lambda a, b: g(chainrule, a, b), argnums,
                                       has_aux=True)(cx, cy)
        jt, at = torch.func.jacfwd(lambda a, b: g(torch, a, b), argnums, has_aux=True)(tx, ty)
        _close(ac, at, tol)
        for a, b in zip(jc if isinstance(argnums, tuple) else (jc,),
                        jt if isinstance(argnums, tuple) else (jt,)):
            _close(a, b, tol)


def test_hessian_still_matches_torch():
    cx, tx = _pair((3,), 16)
    _close(chainrule.func.hessian(lambda a: (a.sin() * a).sum())(cx),
           torch.func.hessian(lambda a: (a.sin() * a).sum())(tx), 1e-10)


def test_jacfwd_errors_as_torch():
    cx, tx = _pair((3,), 17)
    for argnums in (2, (0, 0)):
        with pytest.raises(RuntimeError) as te:
            torch.func.jacfwd(lambda a: a.sin(), argnums)(tx)
        with pytest.raises(type(te.value)):
            chainrule.func.jacfwd(lambda a: a.sin(), argnums)(cx)


def test_jacfwd_nestings_match_torch():
    cx, tx = _pair((2, 3), 18)

    def f(m, a):
        return m.tanh(a).sin() * a.sum()
    for wrap in (lambda m, g: m.func.jacrev(m.func.jacfwd(g)),
                 lambda m, g: m.func.jacfwd(m.func.jacfwd(g)),
                 lambda m, g: m.func.jacfwd(m.vmap(g)),
                 lambda m, g: m.vmap(m.func.jacfwd(g))):
        _close(wrap(chainrule, lambda a: f(chainrule, a))(cx),
               wrap(torch, lambda a: f(torch, a))(tx), 1e-10)


def test_jvp_and_linearize_of_vmap_match_torch():
    """A vmap inside a dual pass hands over to the double-vjp route (its batching rules
    would drop the tangents): jvp(vmap(f)) and linearize(vmap(f)) equal torch's."""
    (cx, tx), (cv, tv) = _pair((2, 3), 19), _pair((2, 3), 20)

    def f(m, a):
        return m.tanh(a).sin() * a.sum()
    _close(chainrule.func.jvp(chainrule.vmap(lambda a: f(chainrule, a)), (cx,), (cv,))[1],
           torch.func.jvp(torch.vmap(lambda a: f(torch, a)), (tx,), (tv,))[1], 1e-10)
    _, jc = chainrule.func.linearize(chainrule.vmap(lambda a: f(chainrule, a)), cx)
    _, jt = torch.func.linearize(torch.vmap(lambda a: f(torch, a)), tx)
    _close(jc(cv), jt(tv), 1e-10)


@pytest.mark.parametrize("chunk_size", [1, 2, 5, 100])
def test_jacfwd_chunk_size_gives_the_full_jacobian(chunk_size):
    """jacfwd's chunk_size (beyond torch's jacfwd; jacrev's option) splits the basis into
    passes of that many columns: the same Jacobian as torch's unchunked one, on both routes
    (dual, and double-vjp under hessian-style nesting)."""
    (cx, tx), (cy, ty) = _pair((5,), 20), _pair((5,), 21)
    jc = chainrule.func.jacfwd(lambda a, b: _f(chainrule, a) * b, (0, 1),
                               chunk_size=chunk_size)(cx, cy)
    jt = torch.func.jacfwd(lambda a, b: _f(torch, a) * b, (0, 1))(tx, ty)
    for a, b in zip(jc, jt):
        _close(a, b, 1e-10)
    hc = chainrule.func.jacfwd(chainrule.func.jacrev(lambda a: _f(chainrule, a).sum()),
                               chunk_size=chunk_size)(cx)
    _close(hc, torch.func.hessian(lambda a: _f(torch, a).sum())(tx), 1e-10)


def test_jacfwd_chunk_size_must_be_positive():
    with pytest.raises(ValueError, match="chunk_size"):
        chainrule.func.jacfwd(lambda a: a, chunk_size=0)
