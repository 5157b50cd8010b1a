"""The in-place / view / indexing / engine / Function findings of the 2026-12-02 differential
run (B12, B13, B15, B32-B39, B41-B50), each run against torch: values, gradients, grad_fn
names, exception class and message."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402


def _norm(v):
    """A library-neutral picture of a result: tensors as (values, dtype, shape,
    requires_grad, grad_fn name); nodes by name; containers element by element."""
    if isinstance(v, (torch.Tensor, cr.Tensor)):
        fn = v.grad_fn
        return ("T", np.asarray(v.detach().numpy()).tolist(), str(v.dtype), tuple(v.shape),
                v.requires_grad, None if fn is None else fn.name())
    if hasattr(v, "next_functions") and hasattr(v, "name"):
        return ("N", v.name())
    if isinstance(v, (list, tuple)):
        return type(v).__name__, [_norm(x) for x in v]
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items()}
    if isinstance(v, type):
        return v.__name__
    if type(v).__name__ == "dtype":
        return str(v)
    return v


def _run(lib, fn):
    try:
        return "ok", _norm(fn(lib))
    except Exception as e:  # noqa: BLE001 - compared below
        return "raised", e


def same(fn):
    """``fn(lib)`` gives the same result on torch and chainrule, or the same error (class,
    and torch's message at the start of chainrule's)."""
    tk, tv = _run(torch, fn)
    ck, cv = _run(cr, fn)
    if tk == "raised":
        assert ck == "raised", f"torch raised {type(tv).__name__}: {tv}; chainrule gave {cv}"
        assert type(cv).__name__ == type(tv).__name__, (
            f"torch {type(tv).__name__}: {tv}\nchainrule {type(cv).__name__}: {cv}")
        t_msg = str(tv).split(" Hint:")[0]
        assert str(cv).startswith(t_msg), f"messages differ\n torch:     {tv}\n chainrule: {cv}"
        return
    if ck == "raised":
        raise AssertionError(f"chainrule raised, torch gave {tv}") from cv
    assert cv == tv, f"\nchainrule {cv}\ntorch     {tv}"


def graph(fn, depth=6):
    """(name, [(child, output_nr) ...]) of a grad_fn, ``depth`` levels down."""
    if fn is None:
        return None
    if depth == 0:
        return fn.name()
    return fn.name(), [(graph(f, depth - 1), n) for f, n in fn.next_functions]


# ---------------------------------------------------------------------------- B12, B13
def test_b12_empty_list_index():
    same(lambda lib: [lib.arange(6.).reshape(2, 3)[[]], lib.arange(6.).reshape(2, 3)[:, []]])


def test_b12_float_list_index_is_converted():
    same(lambda lib: lib.arange(6.).reshape(2, 3)[[1.0]])


@pytest.mark.parametrize("key", [1.0, (0, 1.5), object()], ids=["float", "tuple", "object"])
def test_b13_float_index_is_index_error(key):
    same(lambda lib: lib.arange(6.).reshape(2, 3)[key])


def test_b13_float_index_in_setitem():
    def fn(lib):
        x = lib.arange(6.).reshape(2, 3)
        x[1.0] = 1
    same(fn)


def test_b13_numpy_float_index():
    same(lambda lib: lib.arange(6.)[np.float64(1)])


# ---------------------------------------------------------------------------- B15
@pytest.mark.parametrize("op", ["//=", "%=", "&=", "|=", "^="])
def test_b15_augmented_assignment_mutates(op):
    def fn(lib):
        x = lib.tensor([5, 7, -3])
        y = x
        v = x[1:]
        ns = {"x": x}
        exec(f"x {op} 3", ns)
        return [ns["x"] is y, y, v, x._version]
    same(fn)


@pytest.mark.parametrize("op", ["<<=", ">>="])
def test_b15_shift_assignments_mutate(op):
    def fn(lib):
        x = lib.tensor([5, 7, -3])
        y = x
        ns = {"x": x}
        exec(f"x {op} 1", ns)
        return [ns["x"] is y, y, x._version]
    same(fn)


def test_b15_float_floor_divide_in_place():
    def fn(lib):
        x = lib.tensor([5.5, -7.0])
        y = x
        x //= 2
        x %= 1.5
        return [x is y, y]
    same(fn)


# ---------------------------------------------------------------------------- B32
@pytest.mark.parametrize("key", ["...", ":", "0:", "0:2", "None", "0", "[0]", "[0], :",
                                 "..., 0", "[0], 1:", "0, [1]", ":, [1]"])
@pytest.mark.parametrize("value", ["t0", "num", "t1", "rg"])
def test_b32_setitem_node_names(key, value):
    def fn(lib):
        x = lib.ones(2, 3, requires_grad=True)
        y = x * 1
        v = {"t0": lambda: lib.tensor(7.), "num": lambda: 1.0, "t1": lambda: lib.ones(3),
             "rg": lambda: lib.tensor(7., requires_grad=True) * 2}[value]()
        exec(f"y[{key}] = v", {"y": y, "v": v})
        (y * y).sum().backward()
        return [graph(y.grad_fn), y, x.grad]
    same(fn)


def test_b32_setitem_value_graph():
    def fn(lib):
        out = []
        for key, shape in ((slice(0, 2), (3,)), (0, (1, 3)), (0, (1, 1)), ([0], (1, 3))):
            x = lib.ones(2, 3)
            w = lib.ones(shape, requires_grad=True)
            x[key] = w * 2
            x.sum().backward()
            out.append([graph(x.grad_fn), w.grad])
        return out
    same(fn)


@pytest.mark.parametrize("value", ["[1., 2., 3.]", "np.array([1., 2., 3.])", "'a'", "None",
                                   "True", "1+2j", "np.float32(2)", "torch_like(2.7)"])
def test_b32_setitem_value_types(value):
    def fn(lib):
        x = lib.ones(2, 3)
        xi = lib.ones(2, 3, dtype=lib.int64)
        ns = {"x": x, "np": np, "torch_like": lambda v: lib.tensor([v, 1., 1.])}
        exec(f"x[0] = {value}", ns)
        exec(f"xi[0] = {value}", dict(ns, x=xi))
        return [x, xi]
    same(fn)


@pytest.mark.parametrize("case", ["int8_overflow", "uint8_wrap", "int64_overflow",
                                  "index_put_dtype", "value_shape", "value_rank",
                                  "index_value_shape", "leading_ones"])
def test_b32_setitem_errors(case):
    def fn(lib):
        if case == "int8_overflow":
            x = lib.ones(2, 3, dtype=lib.int8)
            x[0] = 300
        elif case == "uint8_wrap":
            x = lib.ones(2, 3, dtype=lib.uint8)
            x[0] = -1
        elif case == "int64_overflow":
            x = lib.ones(2, 3, dtype=lib.int64)
            x[0] = 2 ** 70
        elif case == "index_put_dtype":
            x = lib.ones(2, 3, dtype=lib.int64)
            x[[0]] = lib.tensor([2.7, 1, 1])
        elif case == "value_shape":
            x = lib.ones(2, 3)
            x[0] = lib.ones(1, 2)
        elif case == "value_rank":
            x = lib.ones(2, 3)
            x[0] = lib.ones(2, 1, 3)
        elif case == "index_value_shape":
            x = lib.ones(2, 3)
            x[[0]] = lib.ones(2, 3)
        else:
            x = lib.ones(2, 3)
            x[0] = lib.ones(1, 1, 3) * 2
            x[[1]] = lib.ones(1, 1, 3) * 3
        return x
    same(fn)


# ---------------------------------------------------------------------------- B33
@pytest.mark.parametrize("hook", ["one", "three", "tensor", "list", "int", "size"])
def test_b33_node_hook_results_validated(hook):
    def fn(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        y = x * 2
        h = {"one": lambda gi, go: (gi[0] * 0,), "three": lambda gi, go: (gi[0], None, None),
             "tensor": lambda gi, go: gi[0], "list": lambda gi, go: [gi[0] * 0, None],
             "int": lambda gi, go: (5, None),
             "size": lambda gi, go: (lib.ones(3), None)}[hook]
        y.grad_fn.register_hook(h)
        y.sum().backward()
        return x.grad
    same(fn)


@pytest.mark.parametrize("hook", ["two", "tensor", "size"])
def test_b33_prehook_results_validated(hook):
    def fn(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        y = x * 2
        h = {"two": lambda go: (go[0], go[0]), "tensor": lambda go: go[0],
             "size": lambda go: (lib.ones(3),)}[hook]
        y.grad_fn.register_prehook(h)
        y.sum().backward()
        return x.grad
    same(fn)


@pytest.mark.parametrize("hook", ["size", "int"])
def test_b33_tensor_hook_results_validated(hook):
    def fn(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: lib.ones(3) if hook == "size" else 3)
        y.sum().backward()
        return x.grad
    same(fn)


# ---------------------------------------------------------------------------- B34
def test_b34_fill_with_tensor_keeps_the_gradient():
    def fn(lib):
        x = lib.zeros(2)
        w = lib.tensor(3., requires_grad=True)
        x.fill_(w)
        x.sum().backward()
        xd = lib.zeros(2, dtype=lib.float64)
        xd.fill_(w)
        (xd * 2).sum().backward()
        return [graph(x.grad_fn), x, w.grad]
    same(fn)


def test_b34_fill_with_1d_tensor_raises():
    same(lambda lib: lib.zeros(2).fill_(lib.tensor([3.])))


def test_b34_fill_and_zero_node_names():
    def fn(lib):
        x = lib.ones(2, requires_grad=True)
        y = x * 1
        y.fill_(3)
        a = y.grad_fn.name()
        y.zero_()
        b = y.grad_fn.name()
        y.sum().backward()
        z = lib.zeros(2, dtype=lib.int64)
        z.fill_(3.5)
        return [a, b, x.grad, z, lib.zeros(2).fill_(lib.tensor(3))]
    same(fn)


# ---------------------------------------------------------------------------- B35, B36, B48
OVERLAP_CASES = [
    "x = lib.arange(3.); x[1:] = x[:2]",
    "x = lib.arange(4.); x[1:3].add_(x[:2])",
    "x = lib.arange(4.); x[:3].copy_(x[1:])",
    "x = lib.arange(4.); x[:3].mul_(x[1:])",
    "x = lib.arange(4.); x.data[:3].copy_(x[1:])",
    "x = lib.arange(4.); d = x.detach(); x[:3].add_(d[1:])",
    "x = lib.ones(2, 2); x.add_(x.t())",
    "x = lib.arange(4.).reshape(2, 2); x[...] = x.t()",
    "x = lib.arange(4.); x[[0, 1]] = x[1:3]",
    "x = lib.arange(4.); x[[0, 1]] = x[0:2]",
    "x = lib.arange(4.); x[[0, 1]] = x",
    # allowed: full overlap, disjoint views, non-dense operands
    "x = lib.ones(2, 2); x.add_(x)",
    "x = lib.arange(4.); x[1:3] = x[1:3]",
    "x = lib.arange(4.); x[...] = x",
    "x = lib.arange(4.).reshape(2, 2); x.copy_(x)",
    "x = lib.arange(4.).reshape(2, 2); x[0] = x[0]",
    "x = lib.arange(4.).reshape(2, 2); x[1].add_(x[0])",
    "x = lib.arange(4.).reshape(2, 2); x[0].copy_(x[1])",
    "x = lib.arange(4.).reshape(2, 2); x[:, 0].copy_(x[:, 1])",
    "x = lib.arange(4.).reshape(2, 2); x[:, 0].add_(x[:, 1])",
    "x = lib.arange(4.); x[2:] += x[:2]",
    "x = lib.arange(4.); a, b = x[:2], x[2:]; b.mul_(a)",
    "x = lib.arange(4.); x[::2].add_(x[1::2])",
    "x = lib.arange(4.); x[::2].add_(x[:2])",
    "x = lib.arange(4.); x[:2].copy_(x[2:])",
    "x = lib.zeros(2); x.add_(x.expand(2, 2)[0])",
]


@pytest.mark.parametrize("code", OVERLAP_CASES)
def test_b35_b36_overlap_between_input_and_output(code):
    def fn(lib):
        ns = {"lib": lib}
        exec(code, ns)
        return [ns["x"], ns["x"]._version]
    same(fn)


def test_b36_disjoint_views_under_autograd():
    def fn(lib):
        x = lib.arange(4., requires_grad=True)
        y = (x * 1).reshape(2, 2)
        w = y[1]
        w.add_(y[0])
        (y * y).sum().backward()
        return [y, x.grad, graph(y.grad_fn)]
    same(fn)


EXPAND_CASES = [
    "g[0] = 1.0", "g.fill_(2.0)", "g.zero_()", "g[0].add_(1)", "g[1:].fill_(5)",
    "g.add_(2.0)", "g.copy_(lib.ones(3))", "g[1:] = 5", "g[...] = 5", "g[:] = 5",
    "g[0:2] = 5", "g.fill_(lib.tensor(2.))", "g[1:].fill_(lib.tensor(5.))",
    "g.mul_(lib.tensor(5.))",
]


@pytest.mark.parametrize("code", EXPAND_CASES)
def test_b35_b48_writes_into_an_expanded_tensor(code):
    def fn(lib):
        x = lib.zeros(1)
        g = x.expand(3)
        exec(code, {"g": g, "lib": lib})
        return [g, x, x._version]
    same(fn)


def test_b48_expand_of_2d_select_refuses_repeated_row():
    def fn(lib):
        x = lib.zeros(1)
        x.expand(3, 2)[0].add_(1)
    same(fn)


def test_b35_recorded_fill_of_expanded_tensor_fails_at_backward():
    def fn(lib):
        x = lib.zeros(1, requires_grad=True)
        y = x * 1
        g = y.expand(3)
        g.fill_(2.)
        out = [g, graph(g.grad_fn), graph(y.grad_fn)]
        try:
            y.sum().backward()
        except RuntimeError as e:
            out.append(str(e))
        return out
    same(fn)


# ---------------------------------------------------------------------------- B37
@pytest.mark.parametrize("create_graph", [False, True])
def test_b37_materialized_zeros_require_grad_under_create_graph(create_graph):
    def fn(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        w = lib.tensor([1., 2.], requires_grad=True)
        g = lib.autograd.grad((x * 2).sum(), [x, w], create_graph=create_graph,
                              allow_unused=True, materialize_grads=True)
        out = [g[1], g[1].is_leaf]
        if create_graph:
            out.append(lib.autograd.grad(g[1].sum(), [w], allow_unused=True))
        return out
    same(fn)


# ---------------------------------------------------------------------------- B38
def test_b38_view_grad_fn_after_in_place():
    def fn(lib):
        x = lib.ones(2, 3, requires_grad=True)
        y = x * 1
        v = y[0]
        v.mul_(2)
        t = y.t()
        y.add_(1)
        y.sum().backward()
        return [graph(v.grad_fn), graph(t.grad_fn), x.grad]
    same(fn)


# ---------------------------------------------------------------------------- B39
@pytest.mark.parametrize("element", ["4", "5", "2.0", "True", "lib.tensor([1, 2])", "'a'",
                                     "[1]"])
def test_b39_contains(element):
    same(lambda lib: eval(f"{element} in lib.tensor([[1, 2], [3, 4]])", {"lib": lib}))


# ---------------------------------------------------------------------------- B41
@pytest.mark.parametrize("case", ["index_put", "index", "copy_slices", "view_only"])
def test_b41_second_backward_through_freed_nodes(case):
    def fn(lib):
        b = lib.arange(3., requires_grad=True, dtype=lib.double)
        if case == "index_put":
            c = lib.zeros(3, dtype=lib.double)
            c[[1, 2]] = b[[1, 1]]
        elif case == "index":
            c = b[[0, 1, 2]] * 1
        elif case == "copy_slices":
            c = b * 1
            c[1:].mul_(2)
        else:  # a node that saved only shapes may run again (torch)
            c = b.view(3, 1).expand(3, 2)[:, 0] * 2
        c.backward(lib.ones(3, dtype=lib.double))
        first = b.grad.clone()
        c.backward(lib.ones(3, dtype=lib.double))
        return [first, b.grad]
    same(fn)


# ---------------------------------------------------------------------------- B42 - B44
def test_b42_data_assignment_keeps_the_version_counter():
    def fn(lib):
        x = lib.ones(1, 2)
        v = x[0]
        x.add_(1)
        x.data = lib.ones(3, dtype=lib.float64)
        a = [x._version, v._version, x.dtype]
        x.add_(1)
        return a + [x._version, v._version]
    same(fn)


def test_b42_data_assignment_needs_a_tensor():
    def fn(lib):
        x = lib.ones(1, 2)
        x.data = 3
    same(fn)


@pytest.mark.parametrize("call", ["y.requires_grad_(True)", "y.requires_grad_(False)",
                                  "setattr(y, 'requires_grad', True)",
                                  "setattr(y, 'requires_grad', False)"])
def test_b43_requires_grad_on_non_leaf(call):
    def fn(lib):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        eval(call, {"y": y})
        return y
    same(fn)


def test_b44_numpy_under_no_grad():
    def fn(lib):
        x = lib.ones(2, requires_grad=True)
        with lib.no_grad():
            a = type(x.numpy()).__name__
            b = type(np.asarray(x)).__name__
        return [a, b]
    same(fn)
    same(lambda lib: lib.ones(2, requires_grad=True).numpy())


# ---------------------------------------------------------------------------- B45
@pytest.mark.parametrize("call", ["(lib.ones(2),)", "()", "(lib.ones(2), lib.ones(2))",
                                  "(None,)", "(1,)"])
def test_b45_nodes_are_callable(call):
    def fn(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        y = x * 2
        return y.grad_fn(*eval(call, {"lib": lib}))
    same(fn)


def test_b45_called_node_records_under_grad_mode():
    def fn(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        y = x * x
        a = y.grad_fn(lib.ones(2))
        with lib.no_grad():
            b = y.grad_fn(lib.ones(2))
        acc = (x * 1).grad_fn.next_functions[0][0]
        c = acc(lib.ones(2))
        return [a, b, c, x.grad]
    same(fn)


def test_b45_called_node_after_backward_raises():
    def fn(lib):
        x = lib.tensor([1., 2.], requires_grad=True)
        y = x.exp()
        y.sum().backward()
        return y.grad_fn(lib.ones(2))
    same(fn)


# ---------------------------------------------------------------------------- B46, B47
def test_b46_in_place_on_view_of_non_leaf():
    def fn(lib):
        a = lib.tensor([[1., -2., 3.], [-4., 5., -6.], [7., -8., 9.]], requires_grad=True)
        v = a.clone().view(9)
        v.relu_()
        (v * lib.arange(9.)).sum().backward()
        return [v, a.grad, graph(v.grad_fn), graph(v._base.grad_fn)]
    same(fn)


@pytest.mark.parametrize("case", ["direct", "view_of_view", "plain_base"])
def test_b47_no_grad_view_modified_with_grad_on(case):
    def fn(lib):
        a = lib.ones(2, requires_grad=True)
        b = a * 1
        with lib.no_grad():
            vb = b.view(2)
        if case == "direct":
            vb.add_(1)
        elif case == "view_of_view":
            w = vb[None]
            w.mul_(2)
        else:
            x = lib.zeros(3)
            with lib.no_grad():
                v = x[0:2]
            v.copy_(lib.ones(3, requires_grad=True)[:2])
        return vb
    same(fn)


@pytest.mark.parametrize("under_no_grad", [False, True])
def test_b47_no_grad_view_after_its_base_changed(under_no_grad):
    # torch raises when the view's grad_fn is next read (here by vb * 2); chainrule, which
    # replays views when their memory changes, raises when the backward reaches the view
    for lib in (torch, cr):
        a = lib.ones(2, requires_grad=True)
        b = a * 1
        with lib.no_grad():
            vb = b.view(2)
        with pytest.raises(RuntimeError, match="A view was created in no_grad mode and its base "
                                               "or another view of its base has been modified "
                                               "inplace with grad mode enabled"):
            if under_no_grad:
                with lib.no_grad():
                    vb.mul_(2)
            else:
                b.mul_(2)
            (vb * 2).sum().backward()


@pytest.mark.parametrize("case", ["direct", "view_of_output", "base_modified"])
def test_multi_output_view_modified_in_place(case):
    def fn(lib):
        x = lib.ones(3, requires_grad=True)
        y = x * 1
        a = y.unbind()[0]
        if case == "direct":
            a.mul_(2)
        elif case == "view_of_output":
            a[None].mul_(2)
        else:
            y.mul_(2)
            (a * 2).backward()
    if case == "base_modified":
        for lib in (torch, cr):  # torch raises at a * 2, chainrule at backward (see B47)
            with pytest.raises(RuntimeError, match="Output 0 of Unbind is a view and its base "
                                                   "or another view of its base has been "
                                                   "modified inplace. This view is the output "
                                                   "of a function that returns multiple views."):
                fn(lib)
        return
    same(fn)


# ---------------------------------------------------------------------------- B49
def test_b49_hook_on_unused_output_sees_none():
    def fn(lib):
        x = lib.randn(5, requires_grad=True)
        a, b, c, d, e = (x * 1).unbind(0)
        seen = []
        a.register_hook(seen.append)
        a.retain_grad()
        (b + c).backward()
        return [seen, a.grad]
    same(fn)


def test_b49_hook_may_not_replace_none():
    def fn(lib):
        x = lib.randn(5, requires_grad=True)
        a, b, c, d, e = (x * 1).unbind(0)
        a.register_hook(lambda g: lib.ones(()))
        (b + c).backward()
    same(fn)


# ---------------------------------------------------------------------------- B50
def _functions(lib):
    from importlib import import_module
    once = import_module(lib.__name__ + ".autograd.function").once_differentiable

    class Sq(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    class Dirty(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            ctx.mark_dirty(y)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g, None

    class Dirty2(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            t = lib.zeros(2)
            ctx.mark_dirty(t)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g

    class Dirty3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class Ident(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class First(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x[0]

        @staticmethod
        def backward(ctx, g):
            return g.expand(2)
    return Sq, Dirty, Dirty2, Dirty3, Ident, First


@pytest.mark.parametrize("case", ["plain_upstream", "graph_upstream", "double_backward",
                                  "other_input"])
def test_b50_once_differentiable(case):
    def fn(lib):
        Sq = _functions(lib)[0]
        x = lib.tensor([1., 2.], requires_grad=True)
        y = Sq.apply(x)
        if case == "plain_upstream":
            g, = lib.autograd.grad(y.sum(), x, create_graph=True)
            return [g, g.requires_grad]
        if case == "graph_upstream":
            g, = lib.autograd.grad((y * x).sum(), x, create_graph=True)
            return [g, graph(g.grad_fn, 3)]
        if case == "other_input":
            g, = lib.autograd.grad((y * x).sum(), x, create_graph=True)
            return lib.autograd.grad(g.sum(), x)
        gy = lib.ones(2, requires_grad=True)
        g, = lib.autograd.grad(y, x, gy, create_graph=True)
        g.sum().backward()
    same(fn)


@pytest.mark.parametrize("case", ["input_not_output", "not_an_input", "leaf", "non_leaf",
                                  "view", "as_is", "view_output", "view_output_base"])
def test_b50_mark_dirty(case):
    def fn(lib):
        Sq, Dirty, Dirty2, Dirty3, Ident, First = _functions(lib)
        x = lib.tensor([1., 2.], requires_grad=True)
        if case == "input_not_output":
            return Dirty.apply(x, lib.zeros(2))
        if case == "not_an_input":
            return Dirty2.apply(x)
        if case == "leaf":
            return Dirty3.apply(x)
        y = x * 1
        if case == "non_leaf":
            z = Dirty3.apply(y)
            z.sum().backward()
            return [z is y, z, graph(z.grad_fn), y._version, x.grad]
        if case == "view":
            v = y[:1]
            z = Dirty3.apply(v)
            (y * y).sum().backward()
            return [z is v, z, graph(z.grad_fn), graph(y.grad_fn), y._version, x.grad]
        if case == "as_is":
            o = Ident.apply(y)
            return [o._base is y, o._is_view(), o.mul_(2)]
        o = First.apply(y)
        if case == "view_output":
            return [o._base is y, o.mul_(2)]
        y.mul_(2)
        (o * 2).backward()
    if case == "view_output_base":
        for lib in (torch, cr):  # torch raises at o * 2, chainrule at backward (see B47)
            with pytest.raises(RuntimeError, match="Output 0 of First is a view and its base or "
                                                   "another view of its base has been modified "
                                                   "inplace. This view was created inside a "
                                                   "custom Function"):
                fn(lib)
        return
    same(fn)


# ---------------------------------------------------------------------------- messages
SAVED_CASES = [
    "a = lib.ones(3, requires_grad=True) * 1; b = lib.zeros(3, requires_grad=True) * 1; "
    "m = lib.maximum(a, b); a[0].add_(1); m.sum().backward()",
    "a = lib.ones(3, requires_grad=True) * 1; b = lib.zeros(3, requires_grad=True) * 1; "
    "m = lib.maximum(a, b); a.add_(1); m.sum().backward()",
    "a = lib.ones(3, requires_grad=True) * 1; b = lib.zeros(3, requires_grad=True) * 1; "
    "m = lib.maximum(a, b); v = a[1:]; v.add_(1); m.sum().backward()",
    "a = lib.ones(3, requires_grad=True)\nm = a.sin()\nwith lib.no_grad(): a.add_(1)\n"
    "m.sum().backward()",
    "a = lib.ones(3, requires_grad=True) * 1; v = a[1:]; m = v.sin(); a.add_(1); "
    "m.sum().backward()",
    "a = lib.ones(3, requires_grad=True) * 1; v = a[1:]; m = v.sin(); v.add_(1); "
    "m.sum().backward()",
    "a = lib.ones(3, requires_grad=True) * 1; m = a.exp(); m.add_(1); m.sum().backward()",
    "a = lib.ones(3, requires_grad=True) * 1; m = a.exp(); m[0].add_(1); m.sum().backward()",
    "a = lib.ones(3, requires_grad=True) * 1; m = a.exp(); v = m[1:]; v.mul_(2); "
    "m.sum().backward()",
    "a = lib.ones(3, requires_grad=True) * 1; b = a.sin(); b.exp_(); c = b.sin(); b.mul_(2); "
    "c.sum().backward()",
    "a = lib.ones(3, requires_grad=True) * 1; b = a[0]; c = b.sin(); a.detach().add_(1); "
    "c.sum().backward()",
    "a = lib.ones(3, dtype=lib.float64, requires_grad=True) * 1; b = a.unsqueeze(0); "
    "c = b.sin(); b.mul_(2); c.sum().backward()",
    "x = lib.ones(3, requires_grad=True); y = x.exp(); z = y[1:]; w = z.exp(); z.mul_(2); "
    "w.sum().backward()",
    "a = lib.ones(3, requires_grad=True) * 1; m = a * 1; m.exp_(); m.add_(1); "
    "m.sum().backward()",
    "a = lib.ones(3, requires_grad=True); b = lib.ones(3); m = a * b; "
    "b.copy_(lib.ones(3, requires_grad=True)); m.sum().backward()",
    "a = lib.ones(3, requires_grad=True); b = lib.ones(3); m = a * b; "
    "b.fill_(lib.tensor(2., requires_grad=True)); m.sum().backward()",
    "a = lib.ones(3, requires_grad=True); b = lib.ones(3); m = a * b; "
    "b[[0]] = lib.tensor(2., requires_grad=True); m.sum().backward()",
    "a = lib.ones(3, requires_grad=True); b = a * 1; m = b.sin(); "
    "b.add_(lib.ones(3), alpha=2); m.sum().backward()",
]


@pytest.mark.parametrize("code", SAVED_CASES)
def test_saved_tensor_modified_message(code):
    def fn(lib):
        exec(code, {"lib": lib})
    same(fn)


def test_saved_input_of_multi_output_function_is_named_output_0():
    def fn(lib):
        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1, x * 2

            @staticmethod
            def backward(ctx, a, b):
                return a + b
        x = lib.ones(3, requires_grad=True)
        a, b = Two.apply(x)
        m = b.sin()
        with lib.no_grad():
            b.add_(1)
        m.sum().backward()
    same(fn)


# ---------------------------------------------------------------------------- Tensor bits
def test_del_grad():
    def fn(lib):
        x = lib.ones(2, requires_grad=True)
        (x * 2).sum().backward()
        del x.grad
        return x.grad
    same(fn)
