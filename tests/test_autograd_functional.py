"""torch.autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp) and
autograd.grad(is_grads_batched=True), against torch: values, the tuple/list nesting of
the results, requires_grad under create_graph, and the errors of strict mode and bad
arguments."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402


def _inputs(m, shapes, seed=0):
    rng = np.random.default_rng(seed)
    return tuple(m.tensor(rng.uniform(0.5, 1.5, s), dtype=m.float64) for s in shapes)


def _same(c, t, path="result"):
    """Same nesting (tuple vs list vs tensor), shapes, values and requires_grad."""
    if isinstance(t, torch.Tensor):
        assert isinstance(c, chainrule.Tensor), f"{path}: {type(c)} is not a Tensor"
        assert tuple(c.shape) == tuple(t.shape), f"{path}: shape"
        assert c.requires_grad == t.requires_grad, f"{path}: requires_grad"
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-10,
                                   atol=1e-12, err_msg=path)
        return
    assert type(c) is type(t), f"{path}: {type(c).__name__} != {type(t).__name__}"
    if t is None:
        return
    assert len(c) == len(t), f"{path}: length"
    for k, (a, b) in enumerate(zip(c, t)):
        _same(a, b, f"{path}[{k}]")


def _both(call):
    return call(chainrule), call(torch)


def _raises_same(call):
    with pytest.raises(Exception) as t_exc:
        call(torch)
    with pytest.raises(type(t_exc.value)) as c_exc:
        call(chainrule)
    assert str(c_exc.value) == str(t_exc.value)


# ---------------------------------------------------------------------------- functions
FUNCS = {
    # name: (function of (module, *inputs), input shapes)
    "one_to_one": (lambda m, x: x.sin() * x, [(3,)]),
    "scalar": (lambda m, x: (x.exp() * x).sum(), [(2, 2)]),
    "two_to_one": (lambda m, x, y: x.sin() * y, [(3,), (3,)]),
    "two_to_two": (lambda m, x, y: (x @ y, (x * 2).sum()), [(2, 3), (3,)]),
    "unused_input": (lambda m, x, y: x.exp(), [(2,), (2,)]),
    "linear": (lambda m, x: 3 * x, [(3,)]),
}
SCALAR_FUNCS = {
    "poly": (lambda m, x: (x ** 3).sum(), [(3,)]),
    "two": (lambda m, x, y: (x.sin() * y.exp()).sum(), [(2,), (2,)]),
    "matrix": (lambda m, x: (x @ x).tanh().sum(), [(2, 2)]),
}


def _call_fn(fn, m):
    return lambda *a: fn(m, *a)


def _args(m, shapes, single):
    xs = _inputs(m, shapes)
    return xs[0] if single and len(xs) == 1 else xs


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("single", [True, False])
def test_vjp_jvp(name, create_graph, single):
    fn, shapes = FUNCS[name]

    def vjp(m):
        inputs = _args(m, shapes, single)
        out = fn(m, *_inputs(m, shapes))
        v = tuple(o.detach() * 0 + 1.5 for o in out) if isinstance(out, tuple) \
            else out.detach() * 0 + 1.5
        return m.autograd.functional.vjp(_call_fn(fn, m), inputs, v, create_graph=create_graph)

    def jvp(m):
        inputs = _args(m, shapes, single)
        v = tuple(x * 0 + 0.5 for x in inputs) if isinstance(inputs, tuple) else inputs * 0 + 0.5
        return m.autograd.functional.jvp(_call_fn(fn, m), inputs, v, create_graph=create_graph)

    for call in (vjp, jvp):
        c, t = _both(call)
        _same(c, t)


@pytest.mark.parametrize("name", sorted(FUNCS))
@pytest.mark.parametrize("vectorize, strategy", [(False, "reverse-mode"),
                                                 (True, "reverse-mode"),
                                                 (True, "forward-mode")])
@pytest.mark.parametrize("single", [True, False])
def test_jacobian(name, vectorize, strategy, single):
    fn, shapes = FUNCS[name]
    c, t = _both(lambda m: m.autograd.functional.jacobian(
        _call_fn(fn, m), _args(m, shapes, single), vectorize=vectorize, strategy=strategy))
    _same(c, t)


@pytest.mark.parametrize("name", sorted(FUNCS))
def test_jacobian_create_graph(name):
    fn, shapes = FUNCS[name]
    c, t = _both(lambda m: m.autograd.functional.jacobian(
        _call_fn(fn, m), _inputs(m, shapes), create_graph=True))
    _same(c, t)


@pytest.mark.parametrize("name", sorted(SCALAR_FUNCS))
@pytest.mark.parametrize("vectorize, strategy", [(False, "reverse-mode"),
                                                 (True, "reverse-mode"),
                                                 (True, "forward-mode")])
@pytest.mark.parametrize("create_graph", [False, True])
def test_hessian(name, vectorize, strategy, create_graph):
    fn, shapes = SCALAR_FUNCS[name]
    if create_graph and strategy == "forward-mode":
        pytest.skip("torch: create_graph with forward-mode is not supported")
    c, t = _both(lambda m: m.autograd.functional.hessian(
        _call_fn(fn, m), _args(m, shapes, True), create_graph=create_graph,
        vectorize=vectorize, outer_jacobian_strategy=strategy))
    _same(c, t)


@pytest.mark.parametrize("name", sorted(SCALAR_FUNCS))
@pytest.mark.parametrize("api", ["hvp", "vhp"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_hvp_vhp(name, api, create_graph):
    fn, shapes = SCALAR_FUNCS[name]

    def call(m):
        inputs = _args(m, shapes, True)
        v = tuple(x * 0 + 0.25 for x in inputs) if isinstance(inputs, tuple) else inputs * 0 + 0.25
        return getattr(m.autograd.functional, api)(_call_fn(fn, m), inputs, v,
                                                   create_graph=create_graph)
    c, t = _both(call)
    _same(c, t)


# ---------------------------------------------------------------------------- errors
def test_strict_mode_errors_match_torch():
    F = "autograd.functional"

    def api(m, name):
        mod = m
        for part in F.split("."):
            mod = getattr(mod, part)
        return getattr(mod, name)

    x = lambda m: m.ones(2, dtype=m.float64)  # noqa: E731
    cases = [
        lambda m: api(m, "vjp")(lambda a, b: a * 2, (x(m), x(m)), x(m), strict=True),
        lambda m: api(m, "vjp")(lambda a: m.ones(2, dtype=m.float64), x(m), x(m), strict=True),
        lambda m: api(m, "jvp")(lambda a, b: (a * 2, b.detach()), (x(m), x(m)), (x(m), x(m)),
                                strict=True),
        lambda m: api(m, "jvp")(lambda a, b: (a * 2, b * 3), (x(m), x(m)), (x(m), x(m), x(m))),
        lambda m: api(m, "jacobian")(lambda a, b: a * 2, (x(m), x(m)), strict=True),
        lambda m: api(m, "jacobian")(lambda a: a * 2, x(m), strict=True, vectorize=True),
        lambda m: api(m, "jacobian")(lambda a: a * 2, x(m), strict=True, vectorize=True,
                                     strategy="forward-mode"),
        lambda m: api(m, "jacobian")(lambda a: a * 2, x(m), create_graph=True,
                                     vectorize=True, strategy="forward-mode"),
        lambda m: api(m, "jacobian")(lambda a: a * 2, x(m), strategy="forward-mode"),
        lambda m: api(m, "jacobian")(lambda a: a * 2, x(m), strategy="sideways"),
        lambda m: api(m, "hessian")(lambda a: (a * 2).sum(), x(m), strict=True),
        lambda m: api(m, "hessian")(lambda a: a * 2, x(m)),
        lambda m: api(m, "hessian")(lambda a: (a, a), x(m)),
        lambda m: api(m, "hvp")(lambda a: (a ** 2).sum(), x(m), strict=True),
        lambda m: api(m, "hvp")(lambda a: a ** 2, x(m), x(m)),
        lambda m: api(m, "vhp")(lambda a: (a ** 2).sum(), x(m), m.ones(3, dtype=m.float64)),
        lambda m: api(m, "vhp")(lambda a, b: (a * b).sum(), (x(m), x(m)), (x(m),)),
        lambda m: api(m, "vjp")(lambda a: a * 2, x(m)),
        lambda m: api(m, "jvp")(lambda a: a * 2, x(m)),
        lambda m: api(m, "vjp")(lambda a: a * 2, [1.0, 2.0], x(m)),
        lambda m: api(m, "vjp")(lambda a: 3.0, x(m), x(m)),
    ]
    for call in cases:
        _raises_same(call)


def test_vjp_without_v_for_a_scalar_output():
    c, t = _both(lambda m: m.autograd.functional.vjp(lambda a: (a ** 2).sum(),
                                                     _inputs(m, [(3,)])[0]))
    _same(c, t)


# ---------------------------------------------------------------------------- grads batched
@pytest.mark.parametrize("create_graph", [False, True])
def test_grad_is_grads_batched(create_graph):
    def call(m):
        x, w = _inputs(m, [(3,), (2, 3)])
        x.requires_grad_()
        w.requires_grad_()
        out = (w @ x.sin()).tanh()
        basis = m.eye(2, dtype=m.float64)
        return m.autograd.grad(out, (x, w), basis, is_grads_batched=True,
                               create_graph=create_graph)
    c, t = _both(call)
    _same(c, t)


def test_grad_is_grads_batched_unused_and_errors():
    def unused(m):
        x, y = _inputs(m, [(3,), (3,)])
        x.requires_grad_()
        y.requires_grad_()
        return m.autograd.grad(x * 2, (x, y), m.ones(4, 3, dtype=m.float64),
                               is_grads_batched=True, allow_unused=True)
    c, t = _both(unused)
    _same(c, t)

    def mismatch(m):
        x = _inputs(m, [(3,)])[0].requires_grad_()
        return m.autograd.grad(x * 2, x, m.ones(4, 2, dtype=m.float64), is_grads_batched=True)
    with pytest.raises(RuntimeError, match="is_grads_batched=True"):
        mismatch(chainrule)


# ---------------------------------------------------------------------------- memory
def test_backward_create_graph_in_a_loop_does_not_grow_memory():
    """x -> x.grad -> grad_fn -> x is a reference cycle (torch leaks here, pytorch#7343);
    chainrule's nodes have no __del__, so the collector frees each iteration's graph."""
    import gc
    import tracemalloc
    import warnings

    w = chainrule.randn(16, 16, dtype=chainrule.float64) * 0.1
    x = chainrule.randn(16, dtype=chainrule.float64, requires_grad=True)

    def step():
        x.grad = None
        loss = (w @ x).tanh().pow(2).sum()
        loss.backward(create_graph=True)
        x.grad.sum().backward()  # a second-order step through the recorded backward

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's create_graph reference-cycle warning
        for _ in range(20):
            step()
        gc.collect()
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            for _ in range(200):
                step()
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - base
        finally:
            tracemalloc.stop()
    # an iteration makes ~40 tensors and nodes (some KB of Python objects): 200 kept
    # iterations would be megabytes
    assert grown < 256 * 1024, f"memory grew by {grown} bytes over 200 iterations"


def test_is_grads_batched_batches_and_falls_back_to_rows():
    """One vmapped backward where vmap can batch it; a backward that reads its gradient's
    data (``.item()``) runs per row instead: both equal the per-row loop."""
    class ReadsItem(chainrule.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3

        @staticmethod
        def backward(ctx, g):
            return g * (g.sum().item() * 0 + 3)
    x = chainrule.randn(4, 3, dtype=chainrule.float64, requires_grad=True)
    w = chainrule.randn(3, 3, dtype=chainrule.float64, requires_grad=True)
    basis = chainrule.randn(5, 4, 3, dtype=chainrule.float64)
    for out in ((x @ w).tanh(), ReadsItem.apply(x @ w)):
        got = chainrule.autograd.grad(out, (x, w), basis, retain_graph=True,
                                      is_grads_batched=True)
        for k, t in enumerate((x, w)):
            rows = chainrule.stack([chainrule.autograd.grad(out, t, basis[i],
                                                            retain_graph=True)[0]
                                    for i in range(5)])
            np.testing.assert_allclose(got[k].numpy(), rows.numpy(), rtol=1e-12, atol=1e-12)
            assert not got[k].requires_grad
