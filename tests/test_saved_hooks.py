"""autograd.graph.saved_tensors_hooks / save_on_cpu / disable_saved_tensors_hooks vs torch."""
import numpy as np
import pytest

import chainrule


def _trace(lib, hooks_cls=None):
    log = []

    def pack(t):
        log.append(("pack", tuple(t.shape), lib.is_grad_enabled(),
                    None if t.grad_fn is None else t.grad_fn.name()))
        return t * 1

    def unpack(t):
        log.append(("unpack", tuple(t.shape)))
        return t

    x = lib.tensor([0.5, 1.0, 2.0], requires_grad=True)
    w = lib.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    with lib.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = ((x.exp() * x) @ w).sin().sum()
    packs = [e for e in log if e[0] == "pack"]
    y.backward()
    return packs, len(log) - len(packs), x.grad.numpy(), w.grad.numpy()


def test_pack_and_unpack_called_like_torch(torch):
    ours, theirs = _trace(chainrule), _trace(torch)
    assert sorted(map(str, ours[0])) == sorted(map(str, theirs[0]))
    assert ours[1] == theirs[1]
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5)
    np.testing.assert_allclose(ours[3], theirs[3], rtol=1e-5)


def test_unpack_must_return_tensor(torch):
    for lib in (chainrule, torch):
        x = lib.ones(3, requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: 3, lambda t: 3):
            y = (x * x).sum()
        with pytest.raises(TypeError, match="unpack_hook expected to be a Tensor"):
            y.backward()


def test_disable_saved_tensors_hooks(torch):
    for lib in (chainrule, torch):
        with lib.autograd.graph.disable_saved_tensors_hooks("no hooks here"):
            with pytest.raises(RuntimeError, match="no hooks here"):
                with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                    pass
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass


def test_save_on_cpu_gradients(torch):
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.save_on_cpu():
            y = (x.tanh() * x.cos()).sum()
        y.backward()
        res.append(x.grad.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-6)


def test_custom_function_saved_tensors_go_through_hooks(torch):
    out = []
    for lib in (chainrule, torch):
        class Sq(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * g * x

        seen = []
        x = lib.tensor([1.0, 3.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: (seen.append(1), t * 2)[1],
                                                    lambda t: t):
            y = Sq.apply(x).sum()
        y.backward()
        out.append((len(seen), x.grad.numpy()))
    assert out[0][0] == out[1][0]
    np.testing.assert_allclose(out[0][1], out[1][1])


def test_double_backward_through_hooks(torch):
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor([0.3, 0.7], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            y = (x.sin() * x).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        res.append(gg.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5)


def test_second_backward_without_retain_graph_raises():
    x = chainrule.ones(2, requires_grad=True)
    with chainrule.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        y.backward()


def test_no_hook_no_cost_flag():
    from chainrule.autograd._saved_hooks import NodeHooks
    assert NodeHooks.active is False
    with chainrule.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        assert NodeHooks.active is True
    assert NodeHooks.active is False


def test_custom_function_saved_output_is_packed_as_the_output(torch):
    logs = []
    for lib in (chainrule, torch):
        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(x, y)
                return y

            @staticmethod
            def backward(ctx, g):
                _, y = ctx.saved_tensors
                return g * y

        log = []

        def pack(t):
            log.append((None if t.grad_fn is None else t.grad_fn.name(), t.requires_grad))
            return t

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with lib.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            y = Exp.apply(x)
        y.sum().backward()
        logs.append((log, x.grad.numpy()))
    assert logs[0][0] == logs[1][0]
    np.testing.assert_allclose(logs[0][1], logs[1][1], rtol=1e-6)
