"""torch.func transforms (grad, grad_and_value, vjp, jvp, linearize, jacrev, jacfwd,
hessian, functional_call, stack_module_state, the functorch-era helpers) against
torch.func, run on the same numbers."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.func as crf
from chainrule.autograd import gradcheck

rng = np.random.default_rng(0)


def both(a):
    import torch
    return cr.tensor(a), torch.tensor(a)


def close(c, t, tol=1e-10):
    if isinstance(c, (tuple, list)):
        assert isinstance(t, (tuple, list)) and len(c) == len(t)
        for a, b in zip(c, t):
            close(a, b, tol)
        return
    if isinstance(c, dict):
        assert set(c) == set(t)
        for k in c:
            close(c[k], t[k], tol)
        return
    assert tuple(c.shape) == tuple(t.shape), (c.shape, t.shape)
    assert str(c.dtype) == str(t.dtype)
    np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


# Functions written once, run with chainrule as ``m`` or with torch.
FUNCS = {
    "sin_sum": lambda m, x: (m.sin(x) * x).sum(),
    "tanh_mm": lambda m, x: m.tanh(x.reshape(2, 3) @ x.reshape(3, 2)).sum(),
    "softmax": lambda m, x: (m.softmax(x, 0) * x.exp()).sum(),
    "norm": lambda m, x: x.norm() ** 2 + x.max(),
    "pow": lambda m, x: (x ** 3).mean(),
}


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_grad_matches_torch(torch, name):
    x = rng.standard_normal(6)
    c, t = both(x)
    f = FUNCS[name]
    close(crf.grad(lambda a: f(cr, a))(c), torch.func.grad(lambda a: f(torch, a))(t))


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_hessian_matches_torch(torch, name):
    x = rng.standard_normal(6)
    c, t = both(x)
    f = FUNCS[name]
    close(crf.hessian(lambda a: f(cr, a))(c), torch.func.hessian(lambda a: f(torch, a))(t))


def test_grad_argnums_tuple_and_has_aux(torch):
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    (cx, tx), (cy, ty) = both(x), both(y)

    def f(m, a, b):
        out = (a * b.sin()).sum()
        return out, {"aux": a * 2}
    gc, auxc = crf.grad(lambda a, b: f(cr, a, b), argnums=(0, 1), has_aux=True)(cx, cy)
    gt, auxt = torch.func.grad(lambda a, b: f(torch, a, b), argnums=(0, 1), has_aux=True)(tx, ty)
    close(gc, gt)
    close(auxc, auxt)
    assert not auxc["aux"].requires_grad


def test_grad_and_value(torch):
    x = rng.standard_normal(4)
    c, t = both(x)
    gc, vc = crf.grad_and_value(lambda a: (a ** 2).sum())(c)
    gt, vt = torch.func.grad_and_value(lambda a: (a ** 2).sum())(t)
    close(gc, gt)
    close(vc, vt)
    assert not vc.requires_grad and not gc.requires_grad


def test_grad_over_pytree_argument(torch):
    w, b = rng.standard_normal((2, 3)), rng.standard_normal(2)
    x = rng.standard_normal(3)
    pc = {"w": cr.tensor(w), "b": cr.tensor(b)}
    pt = {"w": torch.tensor(w), "b": torch.tensor(b)}
    gc = crf.grad(lambda p, v: cr.tanh(p["w"] @ v + p["b"]).sum())(pc, cr.tensor(x))
    gt = torch.func.grad(lambda p, v: torch.tanh(p["w"] @ v + p["b"]).sum())(pt, torch.tensor(x))
    close(gc, gt)


def test_grad_of_unused_input_is_zeros(torch):
    c, t = both(rng.standard_normal(3))
    close(crf.grad(lambda a: (a * 0).sum())(c), torch.func.grad(lambda a: (a * 0).sum())(t))
    close(crf.grad(lambda a: cr.tensor(1.0, dtype=cr.float64))(c),
          torch.func.grad(lambda a: torch.tensor(1.0, dtype=torch.float64))(t))


def test_closure_over_the_input_is_a_constant(torch):
    c, t = both(rng.standard_normal(3))
    close(crf.grad(lambda a: (a * c).sum())(c), torch.func.grad(lambda a: (a * t).sum())(t))


def test_nested_grad_third_derivative(torch):
    c, t = both(np.array(0.7))
    fc = crf.grad(crf.grad(crf.grad(cr.sin)))
    ft = torch.func.grad(torch.func.grad(torch.func.grad(torch.sin)))
    close(fc(c), ft(t))


def test_grad_composes_with_outer_autograd(torch):
    x = rng.standard_normal(3)
    c = cr.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    crf.grad(lambda a: (a ** 3).sum())(c).sum().backward()
    torch.func.grad(lambda a: (a ** 3).sum())(t).sum().backward()
    close(c.grad, t.grad)


@pytest.mark.parametrize("call,message", [
    (lambda f: f.grad(lambda a: a)(cr.ones(2)), "Expected f(*args) to return a scalar"),
    (lambda f: f.grad(lambda a: 3.0)(cr.ones(2)), "Expected f(*args) to return a Tensor"),
    (lambda f: f.grad(lambda a: a.sum(), has_aux=True)(cr.ones(2)), "(output, aux)"),
    (lambda f: f.grad(lambda a: a.sum(), argnums=2)(cr.ones(2)), "Got argnum=2"),
    (lambda f: f.grad(lambda a: a.sum(), argnums=(0, 0))(cr.ones(2)), "must be unique"),
    (lambda f: f.grad(lambda a: a.sum(), argnums=[0])(cr.ones(2)), "argnums must be int"),
])
def test_grad_errors_as_torch(torch, call, message):
    with pytest.raises(RuntimeError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("*", r"\*")) as ce:
        call(crf)
    with pytest.raises(RuntimeError) as te:
        _torch_call(torch, call)
    assert str(ce.value) == str(te.value)


def _torch_call(torch, call):
    """The same lambda run on torch: its ``cr`` names torch."""
    import types
    types.FunctionType(call.__code__, {**call.__globals__, "cr": torch})(torch.func)


def test_non_tensor_input_refused(torch):
    with pytest.raises(ValueError) as ce:
        crf.grad(lambda a: a)(3.0)
    with pytest.raises(ValueError) as te:
        torch.func.grad(lambda a: a)(3.0)
    assert str(ce.value) == str(te.value)


def test_vjp_matches_torch(torch):
    x = rng.standard_normal((2, 3))
    c, t = both(x)
    oc, fc = crf.vjp(lambda a: (a.sin(), a.sum(0)), c)
    ot, ft = torch.func.vjp(lambda a: (a.sin(), a.sum(0)), t)
    close(oc, ot)
    u1, u2 = rng.standard_normal((2, 3)), rng.standard_normal(3)
    close(fc((cr.tensor(u1), cr.tensor(u2))), ft((torch.tensor(u1), torch.tensor(u2))))
    # callable again: the graph is kept
    close(fc((cr.tensor(u1), cr.tensor(u2))), ft((torch.tensor(u1), torch.tensor(u2))))


def test_vjp_has_aux_and_errors(torch):
    c, t = both(rng.standard_normal(3))
    oc, fc, ac = crf.vjp(lambda a: (a * 2, a.sum()), c, has_aux=True)
    ot, ft, at = torch.func.vjp(lambda a: (a * 2, a.sum()), t, has_aux=True)
    close(ac, at)
    close(fc(cr.ones(3, dtype=cr.float64)), ft(torch.ones(3, dtype=torch.float64)))
    with pytest.raises(RuntimeError) as ce:
        fc((cr.ones(3),))
    with pytest.raises(RuntimeError) as te:
        ft((torch.ones(3),))
    assert str(ce.value) == str(te.value)


def test_jvp_and_linearize_match_torch(torch):
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    (cx, tx), (cv, tv) = both(x), both(v)

    def f(m, a):
        return m.tanh(a) * a.sum(), a.exp()
    close(crf.jvp(lambda a: f(cr, a), (cx,), (cv,)), torch.func.jvp(lambda a: f(torch, a), (tx,), (tv,)))
    oc, jc = crf.linearize(lambda a: f(cr, a)[0], cx)
    ot, jt = torch.func.linearize(lambda a: f(torch, a)[0], tx)
    close(oc, ot)
    close(jc(cv), jt(tv))
    close(jc(cx), jt(tx))


def test_jvp_errors_as_torch(torch):
    for args in [(cr.ones(3), cr.ones(3)), ((cr.ones(3),), (cr.ones(2),))]:
        targs = tuple(torch.ones(3) if not isinstance(a, tuple) else
                      tuple(torch.ones(tuple(b.shape)) for b in a) for a in args)
        with pytest.raises(RuntimeError) as ce:
            crf.jvp(lambda a: a, *args)
        with pytest.raises(RuntimeError) as te:
            torch.func.jvp(lambda a: a, *targs)
        assert str(ce.value) == str(te.value)


@pytest.mark.parametrize("chunk_size", [None, 1, 2])
def test_jacrev_multiple_outputs_and_argnums(torch, chunk_size):
    x, y = rng.standard_normal(3), rng.standard_normal((2, 3))
    (cx, tx), (cy, ty) = both(x), both(y)

    def f(m, a, b):
        return {"p": b @ a, "q": (a.sin() * b).sum()}
    jc = crf.jacrev(lambda a, b: f(cr, a, b), argnums=(0, 1), chunk_size=chunk_size)(cx, cy)
    jt = torch.func.jacrev(lambda a, b: f(torch, a, b), argnums=(0, 1),
                           chunk_size=chunk_size)(tx, ty)
    close(jc, jt)


def test_jacfwd_matches_torch(torch):
    c, t = both(rng.standard_normal(3))
    close(crf.jacfwd(lambda a: a.sin() * a.sum())(c),
          torch.func.jacfwd(lambda a: a.sin() * a.sum())(t))
    jc, ac = crf.jacfwd(lambda a: (a ** 2, a.cos()), has_aux=True)(c)
    jt, at = torch.func.jacfwd(lambda a: (a ** 2, a.cos()), has_aux=True)(t)
    close(jc, jt)
    close(ac, at)


def test_jacrev_of_a_wide_layer_is_fast():
    """Vectorised through vmap over the vjp: one batched product, not a loop of 1024."""
    import time
    w = cr.randn(1024, 1024) / 30
    x = cr.randn(1024)
    start = time.perf_counter()
    j = crf.jacrev(lambda v: cr.tanh(w @ v))(x)
    elapsed = time.perf_counter() - start
    expected = (1 - cr.tanh(w @ x) ** 2).unsqueeze(1) * w
    np.testing.assert_allclose(j.numpy(), expected.numpy(), rtol=1e-4, atol=1e-6)
    assert elapsed < 3.0


def test_hessian_argnums_and_gradcheck():
    x = cr.tensor(rng.standard_normal(3), requires_grad=True)
    assert gradcheck(lambda a: crf.grad(lambda b: (b.sin() * b).sum())(a), (x,))
    h = crf.hessian(lambda a, b: (a * b * b).sum(), argnums=1)(x.detach(), x.detach())
    np.testing.assert_allclose(h.numpy(), np.diag(2 * x.detach().numpy()))


# ---------------------------------------------------------------------------- modules
def _pair_modules(torch):
    cr.manual_seed(0)
    cm = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.Tanh(), cr.nn.Linear(4, 2))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    tm.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in cm.state_dict().items()})
    return cm, tm


def test_functional_call_matches_torch(torch):
    cm, tm = _pair_modules(torch)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    pc = {k: v * 2 for k, v in cm.named_parameters()}
    pt = {k: v * 2 for k, v in tm.named_parameters()}
    close(crf.functional_call(cm, pc, (cr.tensor(x),)),
          torch.func.functional_call(tm, pt, (torch.tensor(x),)), 1e-6)
    # the module is untouched afterwards
    close(cm(cr.tensor(x)), tm(torch.tensor(x)), 1e-6)
    # a single tensor for args, a tuple of dicts
    half = dict(list(pc.items())[:2]), dict(list(pc.items())[2:])
    close(crf.functional_call(cm, half, cr.tensor(x)),
          torch.func.functional_call(tm, pt, torch.tensor(x)), 1e-6)


def test_functional_call_grads_match_torch(torch):
    cm, tm = _pair_modules(torch)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    gc = crf.grad(lambda p: crf.functional_call(cm, p, (cr.tensor(x),)).pow(2).sum())(
        {k: v.detach() for k, v in cm.named_parameters()})
    gt = torch.func.grad(lambda p: torch.func.functional_call(tm, p, (torch.tensor(x),))
                         .pow(2).sum())({k: v.detach() for k, v in tm.named_parameters()})
    close(gc, gt, 1e-5)


def test_functional_call_strict_and_duplicate_errors(torch):
    cm, tm = _pair_modules(torch)
    lin_c, lin_t = cm[0], tm[0]
    for kwargs, dicts, exc in [
        ({"strict": True}, lambda m: {"weight": m.zeros(4, 3), "foo": m.zeros(1)}, RuntimeError),
        ({"strict": True}, lambda m: {"weight": m.zeros(4, 3)}, RuntimeError),
        ({}, lambda m: ({"weight": m.zeros(4, 3)}, {"weight": m.zeros(4, 3)}), ValueError),
    ]:
        with pytest.raises(exc) as ce:
            crf.functional_call(lin_c, dicts(cr), (cr.ones(3),), **kwargs)
        with pytest.raises(exc) as te:
            torch.func.functional_call(lin_t, dicts(torch), (torch.ones(3),), **kwargs)
        assert str(ce.value) == str(te.value)


def test_functional_call_tied_weights(torch):
    def tied(m):
        class T(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.a = m.nn.Linear(2, 2)
                self.b = m.nn.Linear(2, 2)
                self.b.weight = self.a.weight

            def forward(self, x):
                return self.b(self.a(x))
        return T()
    cr.manual_seed(0)
    cm, tm = tied(cr), tied(torch)
    tm.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in cm.state_dict().items()})
    for tie in (True, False):
        oc = crf.functional_call(cm, {"a.weight": cr.zeros(2, 2)}, (cr.ones(2),),
                                 tie_weights=tie)
        ot = torch.func.functional_call(tm, {"a.weight": torch.zeros(2, 2)},
                                        (torch.ones(2),), tie_weights=tie)
        close(oc, ot, 1e-6)
    with pytest.raises(ValueError) as ce:
        crf.functional_call(cm, {"a.weight": cr.zeros(2, 2), "b.weight": cr.ones(2, 2)},
                            (cr.ones(2),))
    with pytest.raises(ValueError) as te:
        torch.func.functional_call(tm, {"a.weight": torch.zeros(2, 2),
                                        "b.weight": torch.ones(2, 2)}, (torch.ones(2),))
    assert str(ce.value) == str(te.value)


def test_stack_module_state_matches_torch(torch):
    cr.manual_seed(0)
    cms = [cr.nn.Linear(3, 2) for _ in range(3)]
    tms = [torch.nn.Linear(3, 2) for _ in range(3)]
    for c, t in zip(cms, tms):
        t.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in c.state_dict().items()})
    pc, bc = crf.stack_module_state(cms)
    pt, bt = torch.func.stack_module_state(tms)
    close(pc, pt)
    assert bc == bt == {}
    assert all(v.requires_grad and v.is_leaf for v in pc.values())
    with pytest.raises(RuntimeError) as ce:
        crf.stack_module_state([])
    with pytest.raises(RuntimeError) as te:
        torch.func.stack_module_state([])
    assert str(ce.value) == str(te.value)
    cms[1].eval()
    with pytest.raises(RuntimeError, match="same training/eval mode"):
        crf.stack_module_state(cms)


def test_make_functional_and_ensemble():
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.ReLU(), cr.nn.Linear(4, 2))
    fmodel, params = crf.make_functional(model)
    x = cr.randn(5, 3)
    np.testing.assert_allclose(fmodel(params, x).detach().numpy(), model(x).detach().numpy())
    doubled = tuple(p * 2 for p in params)
    ref = crf.functional_call(model, dict(zip([n for n, _ in model.named_parameters()],
                                              doubled)), (x,))
    np.testing.assert_allclose(fmodel(doubled, x).detach().numpy(), ref.detach().numpy())
    fmodel_b, params_b, buffers = crf.make_functional_with_buffers(model)
    np.testing.assert_allclose(fmodel_b(params_b, buffers, x).detach().numpy(),
                               model(x).detach().numpy())
    models = [cr.nn.Linear(3, 2) for _ in range(4)]
    fm, ps, bs = crf.combine_state_for_ensemble(models)
    out = crf.vmap(fm, in_dims=(0, 0, None))(ps, bs, x)
    ref = cr.stack([m(x) for m in models])
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-6)
    fm_frozen, ps_frozen = crf.make_functional(model, disable_autograd_tracking=True)
    assert not any(p.requires_grad for p in ps_frozen)


def test_torch_func_importable():
    import importlib
    mod = importlib.import_module("chainrule.func")
    assert cr.func is mod
    assert cr.vmap(cr.sin)(cr.ones(2)).shape == (2,)
