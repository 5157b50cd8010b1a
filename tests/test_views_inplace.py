"""In-place ops on every kind of view, against torch: values, gradients, grad_fn names and the
whole next_functions structure (CopySlices on the base, AsStridedBackward0 on replayed views),
version counters, storage geometry; chains of views, several in-place ops, double backward,
and a hypothesis property drawing a view chain and in-place ops."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import chainrule as cr  # noqa: E402

# -------------------------------------------------------------------------- comparisons


def signature(fn, memo=None):
    """(name, ((child signature, output_nr), ...)) of a node; shared nodes appear once."""
    memo = {} if memo is None else memo
    if fn is None:
        return None
    key = id(fn)
    if key in memo:
        return ("seen", memo[key])
    memo[key] = len(memo)
    return fn.name(), tuple((signature(f, memo), nr) for f, nr in fn.next_functions)


def _pic(v):
    if isinstance(v, (torch.Tensor, cr.Tensor)):
        return ("T", np.round(np.asarray(v.detach().numpy(), dtype=float), 10).tolist(),
                str(v.dtype), tuple(v.shape), v.requires_grad)
    if isinstance(v, (list, tuple)):
        return [_pic(x) for x in v]
    if isinstance(v, dict):
        return {k: _pic(x) for k, x in v.items()}
    return v


def _outcome(lib, fn):
    try:
        return "ok", _pic(fn(lib))
    except Exception as e:  # noqa: BLE001 - compared below
        return "raised", e


def same(fn):
    tk, tv = _outcome(torch, fn)
    ck, cv = _outcome(cr, fn)
    if tk == "raised":
        assert ck == "raised", f"torch raised {type(tv).__name__}: {tv}; chainrule gave {cv}"
        assert type(cv).__name__ == type(tv).__name__, f"torch {tv!r}; chainrule {cv!r}"
        assert str(cv).startswith(str(tv).split(" Hint:")[0]), f"torch {tv}\nchainrule {cv}"
        return
    if ck == "raised":
        raise AssertionError(f"chainrule raised; torch gave {tv}") from cv
    _assert_close(cv, tv)


def _assert_close(c, t, path="result"):
    if isinstance(t, list) and t and t[0] == "T" and len(t) == 5:
        assert c[0] == "T", f"{path}: {c} is not a tensor"
        assert c[2:] == t[2:], f"{path}: dtype/shape/requires_grad {c[2:]} != {t[2:]}"
        np.testing.assert_allclose(np.asarray(c[1], dtype=float), np.asarray(t[1], dtype=float),
                                   rtol=1e-6, atol=1e-9, err_msg=path)
        return
    if isinstance(t, list):
        assert isinstance(c, list) and len(c) == len(t), f"{path}: {c} != {t}"
        for i, (a, b) in enumerate(zip(c, t)):
            _assert_close(a, b, f"{path}[{i}]")
        return
    if isinstance(t, dict):
        assert c.keys() == t.keys(), f"{path}: keys"
        for k in t:
            _assert_close(c[k], t[k], f"{path}.{k}")
        return
    assert c == t, f"{path}: chainrule {c!r} != torch {t!r}"


def _data(shape, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-2, 2, size=shape)


# -------------------------------------------------------------------------- views, in-place ops
def _diagonal(lib, y):
    if not hasattr(lib.Tensor, "diagonal"):
        pytest.skip("Tensor.diagonal is not in chainrule yet (the shape ops add it)")
    return y.diagonal()


VIEWS = {
    "view": lambda lib, y: y.view(2, 6),
    "view_flat": lambda lib, y: y.view(12),
    "reshape": lambda lib, y: y.reshape(4, 3),
    "t": lambda lib, y: y.t(),
    "transpose": lambda lib, y: y.transpose(0, 1),
    "permute": lambda lib, y: y.permute(1, 0),
    "unsqueeze": lambda lib, y: y.unsqueeze(1),
    "squeeze": lambda lib, y: y.view(3, 1, 4).squeeze(1),
    "select_row": lambda lib, y: y[1],
    "select_col": lambda lib, y: y[:, 2],
    "narrow": lambda lib, y: y[:, 1:3],
    "slice_step": lambda lib, y: y[::2, 1::2],
    "alias": lambda lib, y: y[...],
    "as_strided": lambda lib, y: y.as_strided((2, 2), (4, 1), 1),
    "as_strided_fn": lambda lib, y: lib.as_strided(y, (3,), (5,), 0),
    "expand": lambda lib, y: y[0:1].expand(3, 4),
    "diagonal": _diagonal,
    "chain": lambda lib, y: y.t()[1:].unsqueeze(0)[0, ::2],
    "chain_view_of_t": lambda lib, y: y.t().reshape(12)[3:9].view(2, 3),
    "none_index": lambda lib, y: y[None, 1],
}


def _like(lib, v, seed, rg=True):
    return lib.tensor(_data(tuple(v.shape), seed), dtype=lib.float64, requires_grad=rg)


OPS = {
    "add_scalar": lambda lib, v: v.add_(1.5),
    "mul_tensor": lambda lib, v: v.mul_(_like(lib, v, 1)),
    "iadd_tensor": lambda lib, v: v.__iadd__(_like(lib, v, 2)),
    "sub_alpha": lambda lib, v: v.sub_(_like(lib, v, 3), alpha=2),
    "div_scalar": lambda lib, v: v.div_(4.0),
    "copy": lambda lib, v: v.copy_(_like(lib, v, 4)),
    "copy_broadcast": lambda lib, v: v.copy_(lib.tensor(0.5, dtype=lib.float64,
                                                        requires_grad=True)),
    "fill_scalar": lambda lib, v: v.fill_(2.0),
    "fill_tensor": lambda lib, v: v.fill_(lib.tensor(3.0, dtype=lib.float64,
                                                     requires_grad=True)),
    "zero": lambda lib, v: v.zero_(),
    "relu": lambda lib, v: v.relu_(),
    "exp": lambda lib, v: v.exp_(),
    "clamp": lambda lib, v: v.clamp_(-0.5, 0.5),
    "pow": lambda lib, v: v.pow_(2),
    "neg": lambda lib, v: v.neg_(),
    "setitem": lambda lib, v: v.__setitem__(0, lib.tensor(9.0, dtype=lib.float64,
                                                          requires_grad=True) * 2),
}


def _run_view_op(lib, view, opname):
    x = lib.tensor(_data((3, 4)), dtype=lib.float64, requires_grad=True)
    y = x * 1
    v = VIEWS[view](lib, y)
    before = (y._version, v._version)
    OPS[opname](lib, v)
    w = lib.tensor(_data(tuple(y.shape), 7), dtype=lib.float64)
    wv = lib.tensor(_data(tuple(v.shape), 8), dtype=lib.float64)
    out = {"y": y, "v": v, "versions": [before, y._version, v._version],
           "y_graph": signature(y.grad_fn), "v_graph": signature(v.grad_fn),
           "v_is_view": v._is_view(), "base": v._base is y}
    ((y * w).sum() + (v * wv).sum()).backward()
    out["x_grad"] = x.grad
    return out


@pytest.mark.parametrize("opname", sorted(OPS))
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_inplace_on_view(view, opname):
    same(lambda lib: _run_view_op(lib, view, opname))


# -------------------------------------------------------------------------- several views, ops
def test_several_views_and_inplace_ops():
    def fn(lib):
        x = lib.tensor(_data((4, 3)), dtype=lib.float64, requires_grad=True)
        w = lib.tensor(_data((3,), 1), dtype=lib.float64, requires_grad=True)
        y = x.exp()
        a, b, c = y[0], y[1:3].t(), y.view(12)[::5]
        k = b * 1                      # uses b before the changes
        a.mul_(w)
        b.add_(a.unsqueeze(1)[:2, :1].t())
        y.sub_(0.5)
        c.div_(w[0])
        y[3] = w * 3
        graphs = [signature(t.grad_fn) for t in (a, b, c, y, k)]
        loss = (y ** 2).sum() + (a * b[0, 0]).sum() + c.sum() + k.sum()
        loss.backward()
        return [y, a, b, c, graphs, x.grad, w.grad, y._version, a._version]
    same(fn)


def test_view_of_a_view_modified_changes_every_alias():
    def fn(lib):
        x = lib.tensor(_data((2, 3, 2)), dtype=lib.float64, requires_grad=True)
        y = x * 1
        v1 = y.permute(2, 0, 1)
        v2 = v1[1]
        v3 = v2.reshape(6)
        d = y.detach()
        v3[2:4].mul_(lib.tensor([2.0, -1.0], dtype=lib.float64))
        d.add_(1)                      # through a detach() alias: views are replayed
        out = [signature(t.grad_fn) for t in (y, v1, v2, v3)]
        (v1.sum() + (v3 * v3).sum()).backward()
        return out + [x.grad, y, d._version]
    same(fn)


def test_inplace_on_base_replays_its_views():
    def fn(lib):
        x = lib.tensor(_data((2, 3)), dtype=lib.float64, requires_grad=True)
        y = x * 2
        v = y.t()
        e = y[0].expand(4, 3)
        y.add_(1)
        y.mul_(y.detach())
        graphs = [signature(v.grad_fn), signature(e.grad_fn)]
        (v.sum() * 2 + e.sum()).backward()
        return graphs + [x.grad, v]
    same(fn)


def test_no_grad_inplace_on_view_of_leaf_is_replayed():
    def fn(lib):
        x = lib.tensor(_data((3,)), dtype=lib.float64, requires_grad=True)
        v = x[1:]
        with lib.no_grad():
            v.mul_(2)
        g = signature(v.grad_fn)
        (v * v).sum().backward()
        return [g, x.grad, x]
    same(fn)


def test_view_of_leaf_refuses_inplace():
    def fn(lib):
        x = lib.ones(3, requires_grad=True)
        x.t().add_(1)
    same(fn)


def test_view_of_tensor_outside_the_graph_gains_history():
    def fn(lib):
        z = lib.zeros(2, 3, dtype=lib.float64)
        v = z[1]
        t = z.t()
        w = lib.tensor(_data((3,)), dtype=lib.float64, requires_grad=True)
        v.copy_(w * 2)
        graphs = [signature(z.grad_fn), signature(v.grad_fn), signature(t.grad_fn)]
        (t * t).sum().backward()
        return graphs + [w.grad, z, t.requires_grad]
    same(fn)


def test_views_of_one_base_in_several_graphs_second_backward_raises():
    def fn(lib):
        x = lib.tensor(_data((3,)), dtype=lib.float64, requires_grad=True)
        y = x * 1
        y[1:].mul_(3)
        y.sum().backward(retain_graph=True)
        first = x.grad.clone()
        y.sum().backward()
        second = x.grad.clone()
        y.sum().backward()
        return [first, second]
    same(fn)


def test_create_graph_through_copy_slices():
    def fn(lib):
        x = lib.tensor(_data((2, 3)), dtype=lib.float64, requires_grad=True)
        w = lib.tensor(_data((3,), 1), dtype=lib.float64, requires_grad=True)
        y = x.sin()
        y[1].mul_(w)
        y.t()[0].mul_(x[0, 0])
        loss = (y ** 3).sum()
        gx, gw = lib.autograd.grad(loss, [x, w], create_graph=True)
        ggx, ggw = lib.autograd.grad((gx ** 2).sum() + gw.sum(), [x, w])
        return [gx, gw, ggx, ggw]
    same(fn)


def test_gradcheck_through_inplace_on_views():
    x = cr.tensor(_data((3, 4)), dtype=cr.float64, requires_grad=True)
    w = cr.tensor(_data((4,), 1), dtype=cr.float64, requires_grad=True)

    def f(x, w):
        y = x * 1
        y[1].mul_(w)
        y.t()[::2].add_(w[:2].unsqueeze(0).t() * 0 + w[3])
        y.view(12)[3:7].exp_()
        return y
    assert cr.autograd.gradcheck(f, (x, w))
    assert cr.autograd.gradgradcheck(f, (x, w))


def test_retain_grad_follows_inplace_ops():
    def fn(lib):
        x = lib.tensor(_data((2, 3)), dtype=lib.float64, requires_grad=True)
        y = x * 2
        y.retain_grad()
        v = y[0]
        v.retain_grad()
        z = y + 2
        v.mul_(3)
        (z.sum() + (y * y).sum() + v.sum()).backward()
        return [y.grad, v.grad, x.grad]
    same(fn)


def test_hooks_stay_with_the_old_node():
    def fn(lib):
        x = lib.tensor(_data((3,)), dtype=lib.float64, requires_grad=True)
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(g.clone()))
        z = y * 1
        y.add_(1)
        y.register_hook(lambda g: g * 10)
        (z.sum() + (y * 3).sum()).backward()
        return [seen, x.grad]
    same(fn)


def test_version_counters_shared_by_every_view():
    def fn(lib):
        x = lib.zeros(3, 4)
        views = [x.t(), x[1], x.view(12), x[:, ::2], x.as_strided((2,), (1,), 3), x.detach()]
        out = []
        for v in views + [x]:
            v.add_(1)
            out.append([u._version for u in views + [x]])
        return out
    same(fn)


# -------------------------------------------------------------------------- storage geometry
GEOMETRY_VIEWS = dict(VIEWS, detach=lambda lib, y: y.detach()[1:],
                      expand0=lambda lib, y: y[:, :1].expand(3, 4),
                      strided_of_strided=lambda lib, y: y[1:].as_strided((2,), (2,)))


@pytest.mark.parametrize("view", sorted(GEOMETRY_VIEWS))
def test_storage_offset_and_stride_of_views(view):
    def fn(lib):
        y = lib.arange(12.).reshape(3, 4)
        v = GEOMETRY_VIEWS[view](lib, y)
        if lib is torch:
            same_storage = v.untyped_storage().data_ptr() == y.untyped_storage().data_ptr()
        else:
            same_storage = v._storage_span() == y._storage_span()
        return [v.storage_offset(), v.stride(), same_storage, v.is_contiguous(), v]
    same(fn)


@pytest.mark.parametrize("call", [
    "x.as_strided((7,), (1,))", "x.as_strided((2,), (1,), -1)", "x.as_strided((2, 2), (1,))",
    "x.as_strided((2, 2), (-1, 1), 3)", "x.as_strided([2], [1], 1.5)",
    "x.as_strided([0, 5], [1, 1], 7)", "x.as_strided([], [], 3)", "x.as_strided((-1,), (1,))",
    "x[2:].as_strided((2,), (1,))", "x[2:].as_strided((2,), (1,), 0)",
    "x.as_strided((2, 3), (0, 1), 2)",
])
def test_as_strided_arguments_and_errors(call):
    same(lambda lib: eval(call, {"x": lib.arange(6.)}))


def test_as_strided_view_is_a_view():
    def fn(lib):
        x = lib.ones(3, requires_grad=True) * 1
        y = x.as_strided((2, 2), (1, 1), 0)
        return [y._base is x, y._is_view(), signature(y.grad_fn), y.as_strided((2,), (1,), 1)]
    same(fn)


def test_as_strided_output_with_repeats_refuses_inplace_but_fill():
    def fn(lib):
        x = lib.zeros(3)
        y = x.as_strided((2, 2), (0, 1))
        y.fill_(1)
        out = [x.tolist()]
        try:
            y.add_(1)
        except RuntimeError as e:
            out.append(str(e))
        return out
    same(fn)


# -------------------------------------------------------------------------- the property
_STEP_KINDS = ["t", "transpose", "permute", "view", "reshape", "unsqueeze", "squeeze",
               "select", "slice", "as_strided", "alias", "expand"]
_INPLACE = ["add_", "mul_", "mul_t", "copy_", "fill_", "zero_", "exp_", "setitem", "div_"]


def _apply_chain(lib, t, chain):
    for kind, p in chain:
        if kind == "t":
            t = t.t()
        elif kind == "transpose":
            t = t.transpose(*p)
        elif kind == "permute":
            t = t.permute(*p)
        elif kind == "view":
            t = t.view(*p)
        elif kind == "reshape":
            t = t.reshape(*p)
        elif kind == "unsqueeze":
            t = t.unsqueeze(p)
        elif kind == "squeeze":
            t = t.squeeze(p)
        elif kind == "select":
            t = t[(slice(None),) * p[0] + (p[1],)]
        elif kind == "slice":
            t = t[(slice(None),) * p[0] + (slice(*p[1:]),)]
        elif kind == "as_strided":
            t = t.as_strided(*p)
        elif kind == "expand":
            t = t.expand(*p)
        else:
            t = t[...]
    return t


def _draw_chain(data, shape):
    """A chain of view steps valid for ``shape``, built against torch."""
    t = torch.zeros(shape)
    chain = []
    for _ in range(data.draw(st.integers(1, 4))):
        kind = data.draw(st.sampled_from(_STEP_KINDS))
        nd = t.dim()
        p = None
        if kind == "t" and nd > 2:
            continue
        if kind in ("transpose",) and nd >= 1:
            p = (data.draw(st.integers(0, nd - 1)), data.draw(st.integers(0, nd - 1)))
        elif kind == "transpose":
            continue
        if kind == "permute":
            if nd == 0:
                continue
            p = tuple(data.draw(st.permutations(range(nd))))
        if kind == "reshape" and not t.is_contiguous():
            continue  # a known shape-op difference (ReshapeAliasBackward0; test_programs.py)
        if kind in ("view", "reshape"):
            n = t.numel()
            if n == 0:
                continue
            div = [d for d in range(1, n + 1) if n % d == 0]
            a = data.draw(st.sampled_from(div))
            p = (a, n // a)
            if kind == "view" and not _viewable(t, p):
                continue
        if kind == "unsqueeze":
            p = data.draw(st.integers(-nd - 1, nd))
        if kind == "squeeze":
            ones = [i for i, s in enumerate(t.shape) if s == 1]
            if not ones:
                continue
            p = data.draw(st.sampled_from(ones))
        if kind in ("select", "slice"):
            dims = [i for i, s in enumerate(t.shape) if s > 0]
            if not dims:
                continue
            d = data.draw(st.sampled_from(dims))
            n = t.shape[d]
            if kind == "select":
                p = (d, data.draw(st.integers(-n, n - 1)))
            else:
                start = data.draw(st.integers(0, n - 1))
                p = (d, start, data.draw(st.integers(start + 1, n)),
                     data.draw(st.integers(1, 2)))
        if kind == "as_strided":
            if t.numel() == 0:
                continue
            k = data.draw(st.integers(1, 3))
            size = (k,)
            stride = (data.draw(st.integers(0, 2)),)
            base_n = t.untyped_storage().nbytes() // t.element_size()
            off = data.draw(st.integers(0, max(0, base_n - 1 - (k - 1) * stride[0])))
            if off + (k - 1) * stride[0] >= base_n:
                continue
            p = (size, stride, off)
        if kind == "expand":
            ones = [i for i, s in enumerate(t.shape) if s == 1]
            if not ones:
                continue
            p = tuple(2 if i in ones else s for i, s in enumerate(t.shape))
        chain.append((kind, p))
        t = _apply_chain(torch, t, [(kind, p)])
    return chain


def _viewable(t, shape):
    try:
        t.view(*shape)
        return True
    except RuntimeError:
        return False


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_random_view_chains_with_inplace_ops_match_torch(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    chain = _draw_chain(data, shape)
    chain2 = _draw_chain(data, shape)
    ops = [data.draw(st.sampled_from(_INPLACE)) for _ in range(data.draw(st.integers(1, 3)))]
    targets = [data.draw(st.sampled_from(["v", "u", "y"])) for _ in ops]
    seed = data.draw(st.integers(0, 1000))

    def fn(lib):
        x = lib.tensor(_data(shape, seed), dtype=lib.float64, requires_grad=True)
        y = x.sin()
        v = _apply_chain(lib, y, chain)
        u = _apply_chain(lib, y, chain2)
        out = []
        for op, tname in zip(ops, targets):
            t = {"v": v, "u": u, "y": y}[tname]
            other = lib.tensor(_data(tuple(t.shape), seed + 1), dtype=lib.float64,
                               requires_grad=True)
            try:
                if op == "add_":
                    t.add_(0.5)
                elif op == "mul_":
                    t.mul_(1.5)
                elif op == "mul_t":
                    t.mul_(other)
                elif op == "copy_":
                    t.copy_(other * 2)
                elif op == "fill_":
                    t.fill_(0.25)
                elif op == "zero_":
                    t.zero_()
                elif op == "exp_":
                    t.exp_()
                elif op == "div_":
                    t.div_(other.detach().abs() + 1)
                elif t.dim() > 0 and t.shape[0] > 0:
                    t[0] = other.sum()
            except RuntimeError as e:
                out.append(str(e))
        out += [y, v, u, signature(y.grad_fn), signature(v.grad_fn), signature(u.grad_fn),
                y._version, v._version]
        w = lib.tensor(_data(tuple(y.shape), seed + 2), dtype=lib.float64)
        try:
            ((y * w).sum() + v.sum() * 0.5 + (u * u).sum()).backward()
            out.append(x.grad)
        except RuntimeError as e:
            out.append(str(e).split(" Hint:")[0])
        return out
    same(fn)
