"""torch.func.jvp by true forward mode (dual tensors), against torch."""
import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")
from fwd_functions import cube_function  # noqa: E402


def _pair(shape, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    return chainrule.tensor(a, dtype=chainrule.float64), torch.tensor(a, dtype=torch.float64)


def _close(a, b):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)


def _f(m, x):
    return (x.sin() * x).softmax(-1).log1p().sum(0)


@pytest.mark.parametrize("name", ["plain", "hvp_grad", "hvp_jacrev", "aux"])
def test_jvp_matches_torch(name):
    cx, tx = _pair((3, 4), 0)
    ct, tt = _pair((3, 4), 1)

    def run(m, x, t):
        F = m.func
        if name == "plain":
            return F.jvp(lambda x: _f(m, x), (x,), (t,))
        if name == "hvp_grad":
            return F.jvp(F.grad(lambda x: _f(m, x).sum()), (x,), (t,))
        if name == "hvp_jacrev":
            return F.jvp(F.jacrev(lambda x: _f(m, x)), (x,), (t,))
        return F.jvp(lambda x: (_f(m, x), x.cos()), (x,), (t,), has_aux=True)
    mine, theirs = run(chainrule, cx, ct), run(torch, tx, tt)
    for a, b in zip(mine, theirs):
        _close(a, b)


def test_jvp_is_forward_mode():
    """A custom Function with a jvp and no backward works under func.jvp, as in torch: the
    tangent comes from forward mode, not from a double backward."""
    cx, tx = _pair((5,), 2)
    ct, tt = _pair((5,), 3)
    mine = chainrule.func.jvp(cube_function(chainrule).apply, (cx,), (ct,))
    theirs = torch.func.jvp(cube_function(torch).apply, (tx,), (tt,))
    for a, b in zip(mine, theirs):
        _close(a, b)


def test_jvp_keeps_graph_for_reverse_over_forward():
    cx, tx = _pair((4,), 4)
    ct, tt = _pair((4,), 5)
    out = []
    for m, x, t in ((chainrule, cx, ct), (torch, tx, tt)):
        x = x.clone().requires_grad_()
        _, jv = m.func.jvp(lambda x: x.tanh() * x, (x,), (t,))
        g, = m.autograd.grad(jv.sum(), x)
        out.append(g)
    _close(*out)
