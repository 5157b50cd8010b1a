"""torch.autograd as programs use it, against torch: tensor and node hooks (their order),
register_multi_grad_hook (any / all), saved_tensors_hooks, save_on_cpu,
disable_saved_tensors_hooks, detect_anomaly's NaN error, the errors of a second backward
and of in-place changes to saved tensors, grad's allow_unused / materialize_grads /
GradientEdge inputs / is_grads_batched, retain_grad, checkpoint and checkpoint_sequential,
custom Functions (mark_non_differentiable, set_materialize_grads, once_differentiable,
wrong gradient counts and shapes), Variable, increment_version, node names, and the
functional API. Values must agree, or both libraries raise the same exception and
message."""
import functools
import warnings

import pytest
from _compare import close as _close
from _compare import plain as _plain

import chainrule

torch = pytest.importorskip("torch")


def _cases(torch):
    # noqa: C901 - one closure per case, run on the module given
    warnings.simplefilter("ignore")
    out = {}

    def rec(k, f):
        try:
            out[k] = ("ok", _plain(f()))
        except Exception as e:  # noqa: BLE001 - compared below
            out[k] = (type(e).__name__, str(e))
    A = torch.autograd
    def x_():
        return torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    def hooks_order():
        x = x_()
        log = []
        y = x * 2
        y.register_hook(lambda g: log.append(("y", g.tolist())))
        x.register_hook(lambda g: log.append(("x", g.tolist())))
        y.grad_fn.register_prehook(lambda gs: log.append(("pre", [g.tolist() for g in gs])))
        y.grad_fn.register_hook(lambda gi, go: log.append(("post", len(gi), len(go))))
        (y * y).sum().backward()
        return log
    rec("hooks_order", hooks_order)
    def hook_modifies():
        x = x_()
        y = x.exp()
        y.register_hook(lambda g: g * 0 + 1)
        y.sum().backward()
        return x.grad
    rec("hook_modifies", hook_modifies)
    def multi_any():
        a, b = x_(), x_()
        log = []
        A.graph.register_multi_grad_hook((a, b), lambda g: log.append(g.tolist()), mode="any")
        (a * 2).sum().backward()
        return log
    rec("multi_any", multi_any)
    def multi_all():
        a, b = x_(), x_()
        log = []
        A.graph.register_multi_grad_hook((a, b), lambda gs: log.append([None if g is None else g.tolist() for g in gs]))
        (a * 2 + b).sum().backward()
        return log
    rec("multi_all", multi_all)
    def saved_hooks():
        log = []
        def pack(t):
            log.append(("pack", tuple(t.shape)))
            return t.detach() * 1
        def unpack(t):
            log.append(("unpack", tuple(t.shape)))
            return t
        x = x_()
        with A.graph.saved_tensors_hooks(pack, unpack):
            y = (x.sin() * x).sum()
        y.backward()
        return log, x.grad
    rec("saved_hooks", saved_hooks)
    def save_on_cpu():
        x = x_()
        with A.graph.save_on_cpu():
            y = (x.exp() ** 2).sum()
        y.backward()
        return x.grad
    rec("save_on_cpu", save_on_cpu)
    def disable_hooks():
        with A.graph.disable_saved_tensors_hooks("no hooks here"):
            with A.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
                pass
    rec("disable_hooks", disable_hooks)
    def anomaly_nan():
        x = x_()
        with A.detect_anomaly():
            y = (x * 0).log().sum() * 0
            y.backward()
    rec("anomaly_nan", anomaly_nan)
    def twice():
        x = x_()
        y = (x.exp()).sum()
        y.backward()
        y.backward()
    rec("backward_twice", twice)
    def inplace_err():
        x = x_()
        y = x.exp()
        z = y * 2
        y.add_(1)
        z.sum().backward()
    rec("inplace_saved", lambda: (lambda x: (lambda y: (y.add_(1), y.sum().backward()))(x.exp()))(x_()))
    rec("inplace_err2", inplace_err)
    def leaf_inplace():
        x = x_()
        x.add_(1)
    rec("leaf_inplace", leaf_inplace)
    def grad_unused():
        a, b = x_(), x_()
        return A.grad((a * 2).sum(), (a, b))
    rec("grad_unused", grad_unused)
    rec("grad_materialize", lambda: (lambda a, b: A.grad((a * 2).sum(), (a, b), materialize_grads=True))(x_(), x_()))
    rec("grad_allow_unused", lambda: (lambda a, b: A.grad((a * 2).sum(), (a, b), allow_unused=True))(x_(), x_()))
    def retain():
        x = x_()
        y = x * 3
        y.retain_grad()
        (y ** 2).sum().backward()
        return y.grad, y.is_leaf, y.retains_grad
    rec("retain_grad", retain)
    def nonleaf_grad():
        x = x_()
        y = x * 3
        (y ** 2).sum().backward()
        return y.grad
    rec("nonleaf_grad_warn", nonleaf_grad)
    def ckpt():
        import importlib
        cp = importlib.import_module(torch.__name__ + ".utils.checkpoint")
        x = x_()
        y = cp.checkpoint(lambda t: (t.sin() * t).exp(), x, use_reentrant=False).sum()
        y.backward()
        return x.grad
    rec("checkpoint", ckpt)
    def ckpt_seq():
        import importlib
        cp = importlib.import_module(torch.__name__ + ".utils.checkpoint")
        torch.manual_seed(0)
        net = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
        with torch.no_grad():
            for p in net.parameters():
                p.fill_(0.1)
        x = torch.ones(2, 3, requires_grad=True)
        cp.checkpoint_sequential(net, 2, x, use_reentrant=False).sum().backward()
        return x.grad
    rec("checkpoint_sequential", ckpt_seq)
    def edge():
        x = x_()
        y = x * 2
        e = A.graph.get_gradient_edge(y)
        z = (y * y).sum()
        return A.grad(z, e)
    rec("gradient_edge", edge)
    def mark_nd():
        class F(A.Function):
            @staticmethod
            def forward(ctx, x):
                a, b = x * 2, (x > 0).float()
                ctx.mark_non_differentiable(b)
                return a, b
            @staticmethod
            def backward(ctx, ga, gb):
                return ga * 2
        x = x_()
        a, b = F.apply(x)
        a.sum().backward()
        return x.grad, b.requires_grad
    rec("mark_non_differentiable", mark_nd)
    def materialize():
        class F(A.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(False)
                return x * 1, x * 2
            @staticmethod
            def backward(ctx, ga, gb):
                return (ga if ga is not None else 0) + (gb * 2 if gb is not None else 0)
        x = x_()
        a, b = F.apply(x)
        b.sum().backward()
        return x.grad
    rec("set_materialize_grads", materialize)
    def wrong_count():
        class F(A.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y
            @staticmethod
            def backward(ctx, g):
                return g
        x = x_()
        F.apply(x, x_()).sum().backward()
    rec("wrong_grad_count", wrong_count)
    def wrong_shape():
        class F(A.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2
            @staticmethod
            def backward(ctx, g):
                return g[:2]
        x = x_()
        F.apply(x).sum().backward()
    rec("wrong_grad_shape", wrong_shape)
    def once_square():
        from importlib import import_module
        od = import_module(torch.__name__ + ".autograd.function").once_differentiable

        class F(A.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 2

            @staticmethod
            @od
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return g * 2 * x
        x = x_()
        g, = A.grad(F.apply(x).sum(), x, create_graph=True)
        return g
    rec("once_differentiable", lambda: (lambda g: (g, g.requires_grad))(once_square()))
    rec("once_differentiable_2nd", lambda: once_square().sum().backward())
    rec("variable", lambda: (lambda v: (type(v).__name__, v.requires_grad))(A.Variable(torch.ones(2), requires_grad=True)))
    def increment():
        x = torch.ones(2)
        v0 = x._version
        A.graph.increment_version(x)
        return x._version - v0
    rec("increment_version", increment)
    def fn_names():
        x = x_()
        y = (x.exp() * 2).sum()
        return [y.grad_fn.name(), str(y.grad_fn.next_functions[0][0].name()), y.grad_fn.metadata]
    rec("node_names", fn_names)
    def functional():
        F = A.functional
        f = lambda x: (x ** 3).sum()
        x = torch.tensor([1.0, 2.0])
        return [F.jacobian(lambda x: x ** 2, x), F.hessian(f, x), F.vjp(lambda x: x ** 2, x, torch.ones(2)), F.jvp(lambda x: x ** 2, x, torch.ones(2)), F.hvp(f, x, torch.ones(2)), F.vhp(f, x, torch.ones(2)), F.jacobian(lambda x: x ** 2, x, vectorize=True, strategy="forward-mode"), F.hessian(f, x, outer_jacobian_strategy="forward-mode", vectorize=True)]
    rec("functional", functional)
    rec("functional_strict", lambda: A.functional.jacobian(lambda x: torch.ones(2), torch.tensor([1.0, 2.0]), strict=True))
    rec("is_grads_batched", lambda: (lambda x: A.grad(x * 2, x, torch.eye(3), is_grads_batched=True))(x_()))

    return out


@functools.lru_cache(maxsize=None)
def _outcomes(name):
    with warnings.catch_warnings():
        return _cases(torch if name == "torch" else chainrule)


NAMES = list(_outcomes("torch"))


@pytest.mark.parametrize("case", NAMES)
def test_autograd_pattern_matches_torch(case):
    (tk, tv), (ck, cv) = _outcomes("torch")[case], _outcomes("chainrule")[case]
    assert ck == tk, (cv, tv)
    if tk == "ok":
        assert _close(cv, tv), (cv, tv)
    else:
        assert cv.startswith(tv.split("\n")[0]), (cv, tv)  # (chainrule may add a note)
