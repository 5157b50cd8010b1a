"""autograd.Function extensions and errors, autograd.Variable, graph utilities, vs torch."""
import numpy as np
import pytest

import chainrule


def _two_input_fn(lib, backward, forward=None):
    class MyFn(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return forward(ctx, x, y) if forward else x * y

        @staticmethod
        def backward(ctx, g):
            return backward(ctx, g)
    return MyFn


BAD_BACKWARDS = {
    "too_many": lambda lib: lambda c, g: (g, g, g),
    "too_few": lambda lib: lambda c, g: g,
    "wrong_shape": lambda lib: lambda c, g: (g.sum(0), g),
    "unrelated_shape": lambda lib: lambda c, g: (lib.ones(4), g),
    "smaller_shape": lambda lib: lambda c, g: (lib.ones(1, 3), g),
    "not_a_tensor": lambda lib: lambda c, g: (3, g),
}


def _error(lib, case):
    x = lib.ones(2, 3, requires_grad=True)
    y = lib.ones(2, 3, requires_grad=True)
    fn = _two_input_fn(lib, BAD_BACKWARDS[case](lib))
    with pytest.raises(Exception) as err:
        fn.apply(x, y).sum().backward()
    return type(err.value), str(err.value)


@pytest.mark.parametrize("case", sorted(BAD_BACKWARDS))
def test_bad_backward_errors_name_the_function(torch, case):
    ours, theirs = _error(chainrule, case), _error(torch, case)
    assert ours[0] is theirs[0]
    assert ours[1].startswith(theirs[1])


def test_save_for_backward_rejects_non_tensors(torch):
    msgs = []
    for lib in (chainrule, torch):
        def fwd(ctx, x, y):
            ctx.save_for_backward(x, 3)
            return x * y
        fn = _two_input_fn(lib, lambda c, g: (g, g), fwd)
        with pytest.raises(TypeError) as err:
            fn.apply(lib.ones(2, requires_grad=True), lib.ones(2))
        msgs.append(str(err.value))
    assert msgs[0] == msgs[1]


def test_variable_returns_a_tensor(torch):
    for lib in (chainrule, torch):
        v = lib.autograd.Variable(lib.ones(2), requires_grad=True)
        assert type(v) is lib.Tensor and v.requires_grad
        assert isinstance(lib.zeros(1), lib.autograd.Variable)
        assert not lib.autograd.Variable(lib.ones(2)).requires_grad


def test_inplace_function_with_mark_dirty(torch):
    out = []
    for lib in (chainrule, torch):
        class Double(lib.autograd.function.InplaceFunction):
            @staticmethod
            def forward(ctx, x, inplace=False):
                if inplace:
                    ctx.mark_dirty(x)
                    return x.mul_(2)
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2, None

        leaf = lib.tensor([1.0, 3.0], requires_grad=True)
        a = leaf.clone()
        b = Double.apply(a, True)
        (b * b).sum().backward()
        out.append((b is a, b.grad_fn.name(), a._version, leaf.grad.numpy()))
        assert issubclass(Double, lib.autograd.Function)
    assert out[0][:3] == out[1][:3]
    np.testing.assert_allclose(out[0][3], out[1][3])


def test_needs_input_grad_and_materialize_grads(torch):
    out = []
    for lib in (chainrule, torch):
        seen = []

        class M(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, k):
                seen.append(ctx.needs_input_grad)
                ctx.set_materialize_grads(False)
                return a * k, b * k

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append((g1 is None, g2 is None))
                return g1, g2, None

        a = lib.ones(2, requires_grad=True)
        o1, _ = M.apply(a, lib.ones(2), 3.0)
        o1.sum().backward()
        out.append((seen, a.grad.tolist()))
    assert out[0] == out[1]


def test_once_differentiable_result_is_not_differentiable(torch):
    out = []
    for lib in (chainrule, torch):
        class Sq(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a):
                ctx.save_for_backward(a)
                return a ** 2

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, g):
                (a,) = ctx.saved_tensors
                return 2 * a * g

        a = lib.ones(2, requires_grad=True)
        (g,) = lib.autograd.grad(Sq.apply(a).sum(), a, create_graph=True)
        out.append((g.requires_grad, g.tolist()))
    assert out[0] == out[1]


def test_setup_context_form(torch):
    grads = []
    for lib in (chainrule, torch):
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(a, k):
                return a * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.k = inputs[1]
                ctx.save_for_backward(inputs[0])

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k, None

        a = lib.ones(2, requires_grad=True)
        Scale.apply(a, 3.0).sum().backward()
        grads.append(a.grad.tolist())
        if lib is chainrule:
            t = chainrule.tensor([0.5, -2.0], dtype=chainrule.float64, requires_grad=True)
            assert chainrule.autograd.gradcheck(lambda u: Scale.apply(u, 2.5), (t,))
    assert grads[0] == grads[1]


def _multi_hook_log(lib):
    G = lib.autograd.graph
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0], requires_grad=True)
    c = lib.tensor([5.0], requires_grad=True)
    m = a * 2
    log = []

    def as_list(g):
        return None if g is None else g.tolist()

    h = G.register_multi_grad_hook((m, b, c), lambda gs: log.append(["all"] + [as_list(g)
                                                                             for g in gs]))
    h2 = G.register_multi_grad_hook((m,), lambda g: log.append(["any", g.tolist()]),
                                    mode="any")
    (m.sum() * b.sum()).backward(retain_graph=True)
    (m.sum() * 3).backward(retain_graph=True)
    h.remove()
    h2.remove()
    (m.sum() * b.sum()).backward()
    return log


def test_register_multi_grad_hook_matches_torch(torch):
    assert sorted(map(str, _multi_hook_log(chainrule))) == \
        sorted(map(str, _multi_hook_log(torch)))
    for lib in (chainrule, torch):
        with pytest.raises(ValueError, match="Expects mode to be one of"):
            lib.autograd.graph.register_multi_grad_hook((lib.ones(1),), print, mode="bad")


def test_gradient_edge_and_increment_version(torch):
    for lib in (chainrule, torch):
        G = lib.autograd.graph
        a = lib.ones(2, requires_grad=True)
        m = a * 2
        e = G.get_gradient_edge(m)
        assert isinstance(e, tuple) and e.node is m.grad_fn and e.output_nr == 0
        assert G.get_gradient_edge(a).node.name() == "torch::autograd::AccumulateGrad"
        assert G.GradientEdge._fields == ("node", "output_nr", "ownership_token")
        with pytest.raises(RuntimeError, match="not possible to get the gradient edge"):
            G.get_gradient_edge(lib.ones(2))
        t = lib.ones(2)
        v = t._version
        G.increment_version(t)
        G.increment_version([t, t])
        assert t._version - v == 3


def test_increment_version_invalidates_saved_tensor(torch):
    msgs = []
    for lib in (chainrule, torch):
        a = lib.ones(2, requires_grad=True)
        b = a * 1
        y = (b * b).sum()
        lib.autograd.graph.increment_version(b)
        with pytest.raises(RuntimeError) as err:
            y.backward()
        msgs.append(str(err.value).split(". Hint")[0])
    assert msgs[0] == msgs[1]


def test_node_hook_handles(torch):
    for lib in (chainrule, torch):
        calls = []
        a = lib.ones(2, requires_grad=True)
        m = a * 2
        h = m.grad_fn.register_hook(lambda gi, go: calls.append("post"))
        h2 = m.grad_fn.register_prehook(lambda go: calls.append("pre"))
        assert type(h).__name__ == "RemovableHandle"
        m.sum().backward(retain_graph=True)
        h.remove()
        h2.remove()
        m.sum().backward()
        assert calls == ["pre", "post"]


@pytest.mark.parametrize("fast_mode", [False, True])
def test_gradcheck_options_and_wrong_backward(torch, fast_mode):
    verdicts = []
    for lib in (chainrule, torch):
        class WrongSquare(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g * 3 * x  # wrong: should be 2x

        x = lib.tensor([0.5, -1.5, 2.0], dtype=lib.float64, requires_grad=True)
        good = lib.autograd.gradcheck(lambda t: (t.sin() * t), (x,), fast_mode=fast_mode,
                                      nondet_tol=0.0, check_undefined_grad=False,
                                      masked=None)
        bad = lib.autograd.gradcheck(WrongSquare.apply, (x,), fast_mode=fast_mode,
                                     raise_exception=False)
        gg = lib.autograd.gradgradcheck(lambda t: t.exp() * t, (x,), fast_mode=fast_mode)
        verdicts.append((good, bad, gg))
        with pytest.raises(RuntimeError, match="Jacobian mismatch"):  # GradcheckError
            lib.autograd.gradcheck(WrongSquare.apply, (x,), fast_mode=fast_mode)
    assert verdicts[0] == verdicts[1] == (True, False, True)
