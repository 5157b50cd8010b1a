"""torch.utils.checkpoint: gradients equal to the plain run, RNG restored, memory saved."""
import tracemalloc
import warnings

import numpy as np
import pytest

import chainrule
from chainrule.utils.checkpoint import CheckpointError, checkpoint


def _program(lib, use_reentrant, ckpt):
    lib.manual_seed(0)
    w = lib.tensor(np.linspace(-1, 1, 12).reshape(4, 3), requires_grad=True)
    x = lib.tensor(np.linspace(0.5, 2, 8).reshape(2, 4), requires_grad=True)

    def block(t, scale=1.0):
        return (t @ w).tanh().exp() * scale

    if ckpt:
        y = lib.utils.checkpoint.checkpoint(block, x, use_reentrant=use_reentrant)
    else:
        y = block(x)
    loss = (y * y).sum()
    loss.backward()
    return loss.detach().numpy(), x.grad.numpy(), w.grad.numpy(), y.grad_fn.name()


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_gradients_equal_plain_run_and_torch(torch, use_reentrant):
    ours = _program(chainrule, use_reentrant, True)
    plain = _program(chainrule, use_reentrant, False)
    theirs = _program(torch, use_reentrant, True)
    for a, b, c in zip(ours[:3], plain[:3], theirs[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
        np.testing.assert_allclose(a, c, rtol=1e-5)
    assert ours[3] == theirs[3]


def test_missing_use_reentrant_warns_like_torch(torch):
    x = chainrule.ones(2, requires_grad=True)
    tx = torch.ones(2, requires_grad=True)
    with warnings.catch_warnings(record=True) as ours:
        warnings.simplefilter("always")
        checkpoint(lambda t: t * 2, x)
    with warnings.catch_warnings(record=True) as theirs:
        warnings.simplefilter("always")
        torch.utils.checkpoint.checkpoint(lambda t: t * 2, tx)
    assert [str(w.message) for w in ours] == [str(w.message) for w in theirs]


def test_kwargs_and_errors_match_torch(torch):
    for lib in (chainrule, torch):
        x = lib.ones(2, requires_grad=True)
        y = lib.utils.checkpoint.checkpoint(lambda t, k=1: t * k, x, use_reentrant=False, k=3)
        y.sum().backward()
        assert x.grad.tolist() == [3.0, 3.0]
        with pytest.raises(ValueError, match="Unexpected keyword arguments: k"):
            lib.utils.checkpoint.checkpoint(lambda t, k=1: t * k, x, use_reentrant=True, k=3)
        with pytest.raises(ValueError, match="context_fn"):
            lib.utils.checkpoint.checkpoint(lambda t: t, x, use_reentrant=True, debug=True)


def test_non_reentrant_works_with_autograd_grad(torch):
    res = []
    for lib in (chainrule, torch):
        x = lib.tensor([0.3, -1.2, 2.0], requires_grad=True)
        y = lib.utils.checkpoint.checkpoint(lambda t: (t.sin() * t.exp()).sum(), x,
                                            use_reentrant=False)
        res.append(lib.autograd.grad(y, x)[0].numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-5)


@pytest.mark.parametrize("use_reentrant", [False, True])
def test_rng_state_restored_for_dropout(use_reentrant):
    F = chainrule.nn.functional
    x = chainrule.randn(50, requires_grad=True)

    def fn(t):
        return F.dropout(t.exp(), 0.5) * 3

    chainrule.manual_seed(5)
    y = checkpoint(fn, x, use_reentrant=use_reentrant)
    y.sum().backward()
    g_ckpt = x.grad.clone()
    x.grad = None
    chainrule.manual_seed(5)
    fn(x).sum().backward()
    np.testing.assert_array_equal(g_ckpt.numpy(), x.grad.numpy())
    assert (g_ckpt.numpy() == 0).any()  # dropout really dropped


def test_checkpoint_sequential_matches_torch(torch):
    out = []
    for lib in (chainrule, torch):
        lib.manual_seed(0)
        layers = [lib.nn.Linear(3, 3, dtype=lib.float64) for _ in range(4)]
        with lib.no_grad():
            for i, layer in enumerate(layers):
                layer.weight.copy_(lib.tensor(np.eye(3) * (i + 1) * 0.3 + 0.1,
                                              dtype=lib.float64))
                layer.bias.fill_(0.1 * i)
        model = lib.nn.Sequential(*[m for layer in layers for m in (layer, lib.nn.Tanh())])
        x = lib.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
        y = lib.utils.checkpoint.checkpoint_sequential(model, 2, x, use_reentrant=False)
        y.sum().backward()
        out.append((y.detach().numpy(), x.grad.numpy(), layers[0].weight.grad.numpy()))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-10)


def _retained_after_forward(use_ckpt):
    chainrule.manual_seed(3)
    x = chainrule.randn(100_000, requires_grad=True)

    def block(t):
        for _ in range(6):
            t = t.sin() * 1.5
        return t

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    y = checkpoint(block, x, use_reentrant=False) if use_ckpt else block(x)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    y.sum().backward()
    return held, x.grad.numpy()


def test_saved_memory_shrinks():
    held_plain, g_plain = _retained_after_forward(False)
    held_ckpt, g_ckpt = _retained_after_forward(True)
    assert held_ckpt < held_plain / 4
    np.testing.assert_allclose(g_ckpt, g_plain, rtol=1e-6)


def test_determinism_check_raises_checkpoint_error():
    x = chainrule.ones(3, requires_grad=True)
    calls = []

    def fn(t):
        calls.append(1)
        return (t * t).sum() if len(calls) == 1 else (t[:2] * t[:2]).sum()

    y = checkpoint(fn, x, use_reentrant=False)
    with pytest.raises(CheckpointError, match="Recomputed values"):
        y.backward()
    assert issubclass(CheckpointError, RuntimeError)


def test_retain_graph_recomputes_again():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = checkpoint(lambda t: (t.exp() * t).sum(), x, use_reentrant=False)
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first.numpy())


def _nested(lib):
    ck = lib.utils.checkpoint.checkpoint
    x = lib.tensor([0.5, 1.0, 1.5], requires_grad=True)

    def inner(t):
        return (t.sin() * t).exp()

    def outer(t):
        return ck(inner, t.cos() * 2, use_reentrant=False).tanh() * t

    ck(outer, x, use_reentrant=False).sum().backward()
    return x.grad.numpy()


def test_nested_checkpoints_match_torch(torch):
    np.testing.assert_allclose(_nested(chainrule), _nested(torch), rtol=1e-5)


def test_reentrant_refuses_autograd_grad(torch):
    msgs = []
    for lib in (chainrule, torch):
        x = lib.ones(2, requires_grad=True)
        y = lib.utils.checkpoint.checkpoint(lambda t: t.exp().sum(), x, use_reentrant=True)
        with pytest.raises(RuntimeError) as err:
            lib.autograd.grad(y, x)
        msgs.append(str(err.value))
    assert msgs[0] == msgs[1]
