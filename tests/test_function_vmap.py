"""Custom autograd Functions under the func transforms, against torch: the vmap staticmethod
(VmapInfo, in_dims, out_dims as ints / None / pytrees), generate_vmap_rule, and torch's
errors for a Function that cannot be transformed."""
import numpy as np
import pytest
import torch

import chainrule

LIBS = (chainrule, torch)


def _sin_fn(m, log):
    class MySin(m.autograd.Function):
        @staticmethod
        def forward(x):
            return x.sin()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x.cos()

        @staticmethod
        def vmap(info, in_dims, x):
            log.append((info.batch_size, info.randomness, tuple(in_dims), tuple(x.shape)))
            return MySin.apply(x), in_dims[0]
    return MySin


def _mul_fn(m, log, out_dims_of=None):
    class Mul(m.autograd.Function):
        @staticmethod
        def forward(x, y):
            return x * y

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y, g * x

        @staticmethod
        def vmap(info, in_dims, x, y):
            log.append((info.batch_size, tuple(in_dims), tuple(x.shape), tuple(y.shape)))
            xd, yd = in_dims
            x = x if xd is None else x.movedim(xd, 0)
            y = y if yd is None else y.movedim(yd, 0)
            if xd is None:
                x = x.unsqueeze(0)
            if yd is None:
                y = y.unsqueeze(0)
            return Mul.apply(x, y), 0
    return Mul


def _data(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def _close(a, b, tol=1e-12):
    np.testing.assert_allclose(np.asarray(a.detach().numpy() if hasattr(a, "detach") else a),
                               b.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("in_dims", [0, 1])
def test_custom_vmap_rule_sees_physical_inputs_like_torch(in_dims):
    x = _data((3, 4), 0)
    logs, outs = [], []
    for m in LIBS:
        log = []
        out = m.func.vmap(_sin_fn(m, log).apply, in_dims=in_dims)(m.tensor(x))
        logs.append(log)
        outs.append(out)
    assert logs[0] == logs[1] and len(logs[0]) == 1
    assert tuple(outs[0].shape) == tuple(outs[1].shape)
    _close(outs[0], outs[1])


def test_custom_vmap_rule_with_unbatched_input_and_randomness():
    x, y = _data((5, 3), 1), _data((3,), 2)
    logs, outs = [], []
    for m in LIBS:
        log = []
        out = m.func.vmap(_mul_fn(m, log).apply, in_dims=(0, None),
                          randomness="different")(m.tensor(x), m.tensor(y))
        logs.append(log)
        outs.append(out)
    assert logs[0] == logs[1]
    _close(outs[0], outs[1])


def test_custom_vmap_rule_nested_vmap():
    x = _data((2, 3, 4), 3)
    logs, outs = [], []
    for m in LIBS:
        log = []
        f = _sin_fn(m, log).apply
        out = m.func.vmap(m.func.vmap(f, in_dims=1), in_dims=2)(m.tensor(x))
        logs.append(log)
        outs.append(out)
    assert logs[0] == logs[1] and len(logs[0]) == 2
    _close(outs[0], outs[1])


def test_custom_vmap_rule_gradients():
    """backward after vmap, vmap(grad) and grad(vmap) all go through the Function's rule and
    its backward."""
    x = _data((3, 4), 4)
    res = []
    for m in LIBS:
        f = _sin_fn(m, []).apply
        xt = m.tensor(x, requires_grad=True)
        m.func.vmap(f, in_dims=1)(xt).pow(2).sum().backward()
        per = m.func.vmap(m.func.grad(lambda a: f(a).pow(2).sum()))(m.tensor(x))
        outer = m.func.grad(lambda a: m.func.vmap(f)(a).pow(2).sum())(m.tensor(x))
        res.append((xt.grad, per, outer))
    for a, b in zip(*res):
        _close(a, b)
    _close(res[0][0], torch.tensor(2 * np.sin(x) * np.cos(x)))


def test_custom_vmap_out_dims_none_broadcasts():
    x, y = _data((3, 2), 5), _data((2,), 6)
    outs = []
    for m in LIBS:
        class Summed(m.autograd.Function):
            @staticmethod
            def forward(x, y):
                return x * y

            @staticmethod
            def setup_context(ctx, inputs, output):
                pass

            @staticmethod
            def backward(ctx, g):
                return g, g

            @staticmethod
            def vmap(info, in_dims, x, y):
                return x.sum(0) * y, None
        outs.append(m.func.vmap(Summed.apply, in_dims=(0, None))(m.tensor(x), m.tensor(y)))
    _close(outs[0], outs[1])


def test_custom_vmap_pytree_out_dims():
    x = _data((3, 2), 7)
    outs = []
    for m in LIBS:
        class Two(m.autograd.Function):
            @staticmethod
            def forward(x):
                return x.exp(), x.sin()

            @staticmethod
            def setup_context(ctx, inputs, output):
                pass

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 + g2

            @staticmethod
            def vmap(info, in_dims, x):
                return (x.exp().movedim(0, 1), x.sin()), (1, 0)
        outs.append(m.func.vmap(Two.apply, out_dims=(0, 1))(m.tensor(x)))
    for a, b in zip(*outs):
        assert tuple(a.shape) == tuple(b.shape)
        _close(a, b)


def _errors(build, call):
    got = []
    for m in LIBS:
        cls = build(m)
        with pytest.raises(Exception) as info:
            call(m, cls)
        got.append((type(info.value), str(info.value).replace("chainrule._tensor", "torch")))
    assert got[0] == got[1], got
    return got[0]


def _plain(m, *, rule=False, gen=False, old=False, vmap_rule=None):
    if old:
        class Old(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2
        return Old
    attrs = {"forward": staticmethod(lambda x: x * 2),
             "setup_context": staticmethod(lambda ctx, inputs, output: None),
             "backward": staticmethod(lambda ctx, g: g * 2)}
    if gen:
        attrs["generate_vmap_rule"] = True
    if rule:
        attrs["vmap"] = staticmethod(vmap_rule or (lambda info, in_dims, x: (x * 2, 0)))
    return type("Twice", (m.autograd.Function,), attrs)


def test_vmap_without_vmap_support_raises_torchs_error():
    kind, msg = _errors(lambda m: _plain(m), lambda m, c: m.func.vmap(c.apply)(m.ones(3, 2)))
    assert kind is RuntimeError and "does not have vmap support" in msg and "Twice" in msg


def test_generate_vmap_rule_and_vmap_staticmethod_together_raise():
    kind, msg = _errors(lambda m: _plain(m, rule=True, gen=True),
                        lambda m, c: m.func.vmap(c.apply)(m.ones(3, 2)))
    assert "mutually exclusive" in msg or "both generate_vmap_rule=True" in msg


@pytest.mark.parametrize("transform", ["vmap", "grad", "jacrev", "jvp"])
def test_function_without_setup_context_refused_by_transforms(transform):
    def call(m, c):
        x = m.ones(3)
        if transform == "vmap":
            return m.func.vmap(c.apply)(x)
        if transform == "grad":
            return m.func.grad(lambda a: c.apply(a).sum())(x)
        if transform == "jacrev":
            return m.func.jacrev(c.apply)(x)
        return m.func.jvp(c.apply, (x,), (x,))
    kind, msg = _errors(lambda m: _plain(m, old=True), call)
    assert kind is RuntimeError and "setup_context" in msg


def test_wrong_vmap_returns_raise_torchs_errors():
    _errors(lambda m: _plain(m, rule=True, vmap_rule=lambda info, in_dims, x: x * 2),
            lambda m, c: m.func.vmap(c.apply)(m.ones(3, 2)))
    _errors(lambda m: _plain(m, rule=True, vmap_rule=lambda info, in_dims, x: (x * 2, (0,))),
            lambda m, c: m.func.vmap(c.apply)(m.ones(3, 2)))


def test_generate_vmap_rule_runs_forward_on_batches():
    x = _data((4, 3), 8)
    outs = [m.func.vmap(_plain(m, gen=True).apply)(m.tensor(x)) for m in LIBS]
    _close(outs[0], outs[1])


def test_old_style_function_outside_transforms_still_works():
    """Only the func transforms refuse a ctx-style forward: plain backward and
    forward_ad.dual_level keep working, as in torch."""
    for m in LIBS:
        c = _plain(m, old=True)
        x = m.ones(3, requires_grad=True)
        c.apply(x).sum().backward()
        assert x.grad.tolist() == [2.0, 2.0, 2.0]


# ------------------------------------------------------------ generate_vmap_rule=True
def _gen_fns(m):
    class Scale(m.autograd.Function):
        """x * w.sin() with w possibly shared by every sample; saves an input and the
        output; a second, non-differentiable output."""
        generate_vmap_rule = True

        @staticmethod
        def forward(x, w):
            out = x * w.sin()
            return out, (out > 0).to(out.dtype)

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, w = inputs
            ctx.save_for_backward(x, w, output[0])
            ctx.mark_non_differentiable(output[1])
            ctx.scale = 2.0  # a plain attribute, read in backward

        @staticmethod
        def backward(ctx, g, g_mask):
            x, w, out = ctx.saved_tensors
            return g * w.sin(), (g * x * w.cos()) * ctx.scale / 2.0
    return Scale


class _FwdScale:
    @staticmethod
    def make(m):
        class FwdScale(m.autograd.Function):
            """x * w.sin() by forward mode only (jvp, no backward), vmapped by the rule."""
            generate_vmap_rule = True

            @staticmethod
            def forward(x, w):
                return x * w.sin()

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_forward(*inputs)

            @staticmethod
            def jvp(ctx, tx, tw):
                x, w = ctx.saved_tensors
                return tx * w.sin() + x * w.cos() * tw
        return FwdScale


def _gen_cases(m, x, w, wb):
    S = _gen_fns(m)

    def loss(a, b):
        return (S.apply(a, b)[0] ** 2).sum()
    xr = x.clone().requires_grad_()
    wr = w.clone().requires_grad_()
    m.func.vmap(S.apply, in_dims=(0, None))(xr, wr)[0].pow(2).sum().backward()
    xr2 = x.clone().requires_grad_()
    wbr = wb.clone().requires_grad_()
    m.func.vmap(m.func.vmap(lambda a, b: S.apply(a, b)[0]), in_dims=(1, None))(
        xr2.unsqueeze(1).expand(-1, 2, -1), wbr).sum().backward()
    return {
        "backward_x": xr.grad, "backward_w": wr.grad,
        "nested_x": xr2.grad, "nested_w": wbr.grad,
        "vmap_grad": m.func.vmap(m.func.grad(loss, (0, 1)), in_dims=(0, None))(x, w),
        "vmap_grad_batched_w": m.func.vmap(m.func.grad(loss, (0, 1)))(x, wb),
        "grad_vmap": m.func.grad(lambda a, b: m.func.vmap(S.apply, in_dims=(0, None))(
            a, b)[0].pow(3).sum(), (0, 1))(x, w),
        "jacrev": m.func.vmap(m.func.jacrev(lambda a: S.apply(a, w)[0]))(x),
        "mask": m.func.vmap(S.apply, in_dims=(0, None))(x, w)[1],
    }


def test_generate_vmap_rule_gradients_match_torch():
    """Gradients through a generate_vmap_rule Function under vmap (backward outside,
    vmap(grad), grad(vmap), jacrev, nested vmap, an input shared by all samples) are
    torch's: the Function's backward runs vmapped on the physical tensors."""
    x, w, wb = _data((4, 3), 10), _data((3,), 11), _data((4, 3), 12)
    mine = _gen_cases(chainrule, *(chainrule.tensor(a) for a in (x, w, wb)))
    theirs = _gen_cases(torch, *(torch.tensor(a) for a in (x, w, wb)))
    for key in theirs:
        a, b = mine[key], theirs[key]
        for u, v in zip(a if isinstance(a, tuple) else (a,), b if isinstance(b, tuple)
                        else (b,)):
            assert tuple(u.shape) == tuple(v.shape), key
            _close(u, v)
    assert float(np.abs(theirs["backward_w"].numpy()).sum()) > 0  # not a vacuous case


def test_generate_vmap_rule_forward_mode_matches_torch():
    """The Function's jvp, vmapped: duals made inside vmap (chainrule; torch has no batching
    rule for make_dual, so its reference is func.jvp over vmap) and jacfwd."""
    x, w, tx, tw = (_data(s, 20 + i) for i, s in enumerate([(4, 3), (3,), (4, 3), (3,)]))
    S = _FwdScale.make(chainrule)
    fw = chainrule.autograd.forward_ad
    X, W, TX, TW = (chainrule.tensor(a) for a in (x, w, tx, tw))

    def dual(a, ta):
        with fw.dual_level():
            out = S.apply(fw.make_dual(a, ta), fw.make_dual(W, TW))
            return fw.unpack_dual(out).tangent
    mine = (chainrule.func.vmap(dual)(X, TX),
            chainrule.func.jacfwd(lambda a: S.apply(a, W))(X[0]))
    St = _FwdScale.make(torch)
    Xt, Wt, TXt, TWt = (torch.tensor(a) for a in (x, w, tx, tw))
    theirs = (torch.func.jvp(lambda a, b: torch.func.vmap(St.apply, in_dims=(0, None))(a, b),
                             (Xt, Wt), (TXt, TWt))[1],
              torch.func.jacfwd(lambda a: St.apply(a, Wt))(Xt[0]))
    for a, b in zip(mine, theirs):
        _close(a, b)


@pytest.mark.parametrize("route", ["vmap(jvp)", "jvp(vmap)", "vmap(jacfwd)"])
def test_jvp_only_function_under_vmap_never_gives_zeros(route):
    """A jvp-only Function where chainrule takes the double-vjp route raises torch's
    missing-backward error; it used to return zero tangents."""
    from fwd_functions import cube_function
    x, t = chainrule.tensor(_data((4, 3), 30)), chainrule.tensor(_data((4, 3), 31))
    C = cube_function(chainrule, True)
    F = chainrule.func
    run = {"vmap(jvp)": lambda: F.vmap(lambda a, b: F.jvp(C.apply, (a,), (b,)))(x, t)[1],
           "jvp(vmap)": lambda: F.jvp(F.vmap(C.apply), (x,), (t,))[1],
           "vmap(jacfwd)": lambda: F.vmap(F.jacfwd(C.apply))(x)}[route]
    try:
        out = run()
    except NotImplementedError as e:
        assert "backward" in str(e)
        return
    expected = 3 * x.numpy() ** 2 * t.numpy() if route != "vmap(jacfwd)" else None
    if expected is not None:
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    else:
        np.testing.assert_allclose(np.diagonal(out.numpy(), axis1=1, axis2=2),
                                   3 * x.numpy() ** 2, rtol=1e-12)
