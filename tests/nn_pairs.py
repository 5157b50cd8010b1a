"""Helpers the nn conv/pool/sampling tests share: run one expression in torch and in
chainrule, and compare outcomes (values, gradients, errors, warnings, double-backward
nodes)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")


def outcome(m, fn):
    """``fn(m, F)``'s result, or the exception it raised."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(m, m.nn.functional)
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return exc


def assert_same_error(fn, exact=True):
    """torch and chainrule raise the same exception class (and message, when ``exact``)."""
    t, c = outcome(torch, fn), outcome(chainrule, fn)
    assert isinstance(t, Exception), f"torch raised nothing (got {t!r})"
    assert isinstance(c, Exception), f"chainrule raised nothing, torch raised {t!r}"
    assert type(c).__name__ == type(t).__name__, f"{c!r} vs torch's {t!r}"
    if exact:
        assert str(c) == str(t)


def tensor(m, a, rg=False):
    """A float64 tensor of ``a`` in module ``m``."""
    return m.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


def compare_values_and_grads(fn, arrays, atol=1e-10, seed=0):
    """``fn(m, F, *tensors)`` on float64 leaves: outputs, grads under a random upstream
    gradient, and the grad_fn name agree with torch."""
    results = []
    for m in (torch, chainrule):
        leaves = [tensor(m, a, True) for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = fn(m, m.nn.functional, *leaves)
        out = out[0] if isinstance(out, tuple) else out
        g = np.random.default_rng(seed).standard_normal(tuple(out.shape))
        out.backward(m.tensor(g, dtype=m.float64))
        results.append((out.detach().numpy(), [leaf.grad for leaf in leaves],
                        out.grad_fn.name() if out.grad_fn is not None else None))
    (to, tg, tn), (co, cg, cn) = results
    assert co.shape == to.shape
    np.testing.assert_allclose(co, to, atol=atol, rtol=1e-7)
    assert cn == tn
    for a, b in zip(cg, tg):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=atol, rtol=1e-7)


def double_backward_nodes(fn, arrays):
    """The grad_fn names and output numbers of the create_graph gradients, with the names
    of their next functions, in both libraries."""
    out = []
    for m in (torch, chainrule):
        leaves = [tensor(m, a, True) for a in arrays]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = fn(m, m.nn.functional, *leaves)
        y = y[0] if isinstance(y, tuple) else y
        up = m.tensor(np.random.default_rng(1).standard_normal(tuple(y.shape)),
                      requires_grad=True)
        grads = m.autograd.grad((y * up).sum(), leaves, create_graph=True, allow_unused=True)
        desc = []
        for g in grads:
            if g is None or g.grad_fn is None:
                desc.append(None)
                continue
            nexts = tuple(None if f is None else f.name() for f, _ in g.grad_fn.next_functions)
            desc.append((g.grad_fn.name(), g.output_nr, nexts))
        out.append(desc)
    return out
