"""torch.jit / torch.compiler run eagerly (script, trace and their helpers return what they
are given; results equal torch's), torch.nn.attention.sdpa_kernel, and torch.nn.grad's
convolution gradients against torch (values, gradcheck)."""
import typing

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402


class Net:
    """Built for both libraries: a module with control flow and a TorchScript annotation."""

    @staticmethod
    def make(m):
        class N(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.lin = m.nn.Linear(3, 2)

            @m.jit.ignore
            def helper(self, x):
                return x * 2

            def forward(self, x):
                y = m.jit.annotate(typing.List[int], [])
                if bool(x.sum() > 0):
                    return self.lin(x) + len(y)
                return self.helper(self.lin(x))
        return N()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_script_and_trace_run_the_module_as_torch():
    outs = []
    for m in (torch, cr):
        m.manual_seed(0)
        net = Net.make(m)
        with m.no_grad():
            net.lin.weight.copy_(m.tensor(np.arange(6.0).reshape(2, 3) / 10, dtype=m.float32))
            net.lin.bias.fill_(0.5)
        x = m.tensor([[1.0, -2.0, 0.5]])
        s = m.jit.script(net)
        t = m.jit.trace(net, (x,))
        outs.append([s(x).detach().numpy(), s(-x).detach().numpy(), t(x).detach().numpy(),
                     m.jit.is_scripting(), m.jit.is_tracing()])
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_jit_helpers_as_in_eager_torch():
    for m in (torch, cr):
        assert m.jit.isinstance([1, 2], typing.List[int])
        assert not m.jit.isinstance([1, "a"], typing.List[int])
        assert m.jit.isinstance({"a": (1, 2.0)}, typing.Dict[str, typing.Tuple[int, float]])
        assert m.jit.isinstance(None, typing.Optional[int])
        fut = m.jit.fork(lambda a, b: a + b, 2, b=3)
        assert m.jit.wait(fut) == 5
        def inc(v):
            return v + 1
        assert m.jit.script(inc)(m.tensor(1.0)).item() == 2.0
        def g(v):
            return v
        assert m.jit.unused(g)(3) == 3 and m.jit.export(g)(4) == 4


def test_jit_deprecation_warnings_as_torch():
    import warnings
    seen = []
    for m in (torch, cr):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            m.jit.script(m.nn.Linear(2, 2))
            m.jit.wait(m.jit.fork(len, [1]))
        seen.append(sorted({(w.category.__name__, str(w.message)) for w in rec}))
    assert seen[0] == seen[1]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_jit_save_load_round_trip(tmp_path):
    net = cr.nn.Linear(2, 2)
    cr.jit.save(cr.jit.script(net), tmp_path / "m.pt")
    back = cr.jit.load(tmp_path / "m.pt")
    x = cr.ones(1, 2)
    assert cr.equal(back(x), net(x))


def test_compiler_is_eager():
    for m in (torch, cr):
        assert m.compiler.is_compiling() is False

        @m.compiler.disable
        def f(x):
            return x + 1
        assert f(1) == 2


def test_sdpa_kernel_selects_and_restores():
    q = np.random.default_rng(0).standard_normal((1, 2, 4, 8)).astype(np.float32)
    outs = []
    for m in (torch, cr):
        from importlib import import_module
        att = import_module(f"{m.__name__}.nn.attention")
        t = m.tensor(q)
        with att.sdpa_kernel([att.SDPBackend.MATH]):
            a = m.nn.functional.scaled_dot_product_attention(t, t, t, is_causal=True)
        with att.sdpa_kernel(att.SDPBackend.FLASH_ATTENTION):
            b = m.nn.functional.scaled_dot_product_attention(t, t, t)
        with pytest.raises(AssertionError):
            with att.sdpa_kernel("math"):
                pass
        names = ["ERROR", "MATH", "FLASH_ATTENTION", "EFFICIENT_ATTENTION", "CUDNN_ATTENTION",
                 "OVERRIDEABLE"]
        outs.append((a.numpy(), b.numpy(), [int(getattr(att.SDPBackend, n)) for n in names]))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-5, atol=1e-6)
    assert outs[0][2] == outs[1][2]


CONV = [(1, (2, 4, 9), (6, 2, 3), dict(stride=2, padding=1, groups=2)),
        (2, (2, 3, 7, 6), (4, 3, 3, 2), dict(stride=(2, 1), padding=1, dilation=(1, 2))),
        (3, (1, 2, 5, 4, 4), (3, 2, 2, 3, 2), dict(padding=(0, 1, 1)))]


@pytest.mark.parametrize("dim,xs,ws,kw", CONV)
def test_nn_grad_conv_input_and_weight_match_torch(dim, xs, ws, kw):
    rng = np.random.default_rng(dim)
    x, w = rng.standard_normal(xs), rng.standard_normal(ws)
    res = []
    for m in (torch, cr):
        conv = getattr(m.nn.functional, f"conv{dim}d")
        go_shape = conv(m.tensor(x), m.tensor(w), **kw).shape
        go = m.tensor(np.random.default_rng(9).standard_normal(tuple(go_shape)))
        gi = getattr(m.nn.grad, f"conv{dim}d_input")(xs, m.tensor(w), go, **kw)
        gw = getattr(m.nn.grad, f"conv{dim}d_weight")(m.tensor(x), ws, go, **kw)
        res.append((gi.numpy(), gw.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-10, atol=1e-10)


def test_nn_grad_is_differentiable():
    xs, ws = (1, 2, 5, 5), (3, 2, 3, 3)
    rng = np.random.default_rng(0)
    w = cr.tensor(rng.standard_normal(ws), requires_grad=True)
    go = cr.tensor(rng.standard_normal((1, 3, 3, 3)), requires_grad=True)
    assert cr.autograd.gradcheck(lambda a, b: cr.nn.grad.conv2d_input(xs, a, b), (w, go))
    x = cr.tensor(rng.standard_normal(xs), requires_grad=True)
    assert cr.autograd.gradcheck(lambda a, b: cr.nn.grad.conv2d_weight(a, ws, b), (x, go))
