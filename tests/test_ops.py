"""Table-driven op tests (tests/op_db.py) against torch, plus hypothesis properties.

For every sample of every op: (a) forward values, dtype and shape equal torch's (float32),
(b) gradients equal torch's under a random upstream gradient, (c) the grad_fn name and the
whole next_functions structure equal torch's, (d) gradcheck and (e) gradgradcheck pass in
float64.
"""
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from op_db import OP_DB, S, build, known_bug  # noqa: E402

import chainrule  # noqa: E402
from chainrule.autograd import gradcheck, gradgradcheck  # noqa: E402


def _cases(test, keep=lambda op, i: True):
    """One param per (op, sample), with a strict xfail where op_db records a known bug."""
    out = []
    for op in OP_DB:
        for i in range(len(op.samples())):
            if not keep(op, i):
                continue
            reason = known_bug(test, op, i)
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            out.append(pytest.param(op, i, id=f"{op.name}-{i}", marks=marks))
    return out


CASES = _cases("test_forward")
GRAPH_CASES = _cases("test_graph")
GRAD_CASES = _cases("test_grad", lambda op, i: op.grad)
GRADCHECK_CASES = _cases("test_gradcheck", lambda op, i: op.gradcheck)
# gradgradcheck is the slowest check: the first two samples of each op cover the
# broadcasting and 0-d cases that the sample lists put first.
GRADGRAD_CASES = _cases("test_gradgradcheck", lambda op, i: op.gradgrad and i < 2)


def _tuple(out):
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _run(m, op, i, dtype="float32", requires_grad=False):
    args, kwargs, leaves = build(m, op.samples()[i], dtype, requires_grad)
    return op.fn(m, *args, **kwargs), leaves


def _np(t):
    return np.asarray(t.detach().numpy())


def _assert_same_tensor(c, t, atol, rtol, what="output"):
    assert isinstance(c, chainrule.Tensor), f"{what}: expected a chainrule Tensor, got {type(c)}"
    assert tuple(c.shape) == tuple(t.shape), f"{what}: shape {tuple(c.shape)} != {tuple(t.shape)}"
    assert str(c.dtype) == str(t.dtype), f"{what}: dtype {c.dtype} != {t.dtype}"
    cn, tn = _np(c), _np(t)
    if tn.dtype.kind in "fc":
        np.testing.assert_allclose(cn, tn, atol=atol, rtol=rtol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(cn, tn, err_msg=what)


# ---------------------------------------------------------------------------- (a) forward
@pytest.mark.parametrize("op, i", CASES)
def test_forward(op, i):
    t_out, _ = _run(torch, op, i)
    c_out, _ = _run(chainrule, op, i)
    assert type(c_out) is not list and isinstance(c_out, tuple) == isinstance(t_out, tuple)
    t_out, c_out = _tuple(t_out), _tuple(c_out)
    assert len(c_out) == len(t_out)
    for k, (c, t) in enumerate(zip(c_out, t_out)):
        _assert_same_tensor(c, t, op.atol, op.rtol, f"output {k}")


# ---------------------------------------------------------------------------- (b) gradients
def _upstream(outs, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(o.shape)) for o in outs]


@pytest.mark.parametrize("op, i", GRAD_CASES)
def test_grad(op, i):
    t_out, t_leaves = _run(torch, op, i, requires_grad=True)
    c_out, c_leaves = _run(chainrule, op, i, requires_grad=True)
    t_out, c_out = _tuple(t_out), _tuple(c_out)
    t_pairs = [(c, t) for c, t in zip(c_out, t_out) if t.requires_grad]
    assert [c.requires_grad for c in c_out] == [t.requires_grad for t in t_out]
    assert t_pairs, "the op is marked differentiable but torch's output does not require grad"
    gs = _upstream([t for _, t in t_pairs], zlib.crc32(f"{op.name}{i}".encode()))
    torch.autograd.backward([t for _, t in t_pairs],
                            [torch.tensor(g, dtype=t.dtype) for g, (_, t) in zip(gs, t_pairs)])
    chainrule.autograd.backward([c for c, _ in t_pairs],
                                [chainrule.tensor(g, dtype=c.dtype)
                                 for g, (c, _) in zip(gs, t_pairs)])
    for k, (c, t) in enumerate(zip(c_leaves, t_leaves)):
        if t.grad is None:
            assert c.grad is None, f"input {k}: torch gives no gradient, chainrule does"
            continue
        assert c.grad is not None, f"input {k}: chainrule gives no gradient"
        _assert_same_tensor(c.grad, t.grad, op.grad_atol, op.grad_rtol, f"grad of input {k}")


# ---------------------------------------------------------------------------- (c) graph
def _signature(fn, memo):
    """(name, ((next signature, output_nr) | None, ...)) of a graph node, recursively."""
    if fn is None:
        return None
    key = id(fn)
    if key not in memo:
        memo[key] = None  # a DAG has no cycles; this only guards pathological input
        memo[key] = (fn.name(), tuple((_signature(f, memo), nr) for f, nr in fn.next_functions))
    return memo[key]


@pytest.mark.parametrize("op, i", GRAPH_CASES)
def test_graph(op, i):
    t_out, _ = _run(torch, op, i, requires_grad=True)
    c_out, _ = _run(chainrule, op, i, requires_grad=True)
    for k, (c, t) in enumerate(zip(_tuple(c_out), _tuple(t_out))):
        assert c.requires_grad == t.requires_grad, f"output {k}: requires_grad"
        assert c.is_leaf == t.is_leaf, f"output {k}: is_leaf"
        if t.grad_fn is None:
            assert c.grad_fn is None, f"output {k}: torch has no grad_fn, chainrule has " \
                                      f"{c.grad_fn.name()}"
            continue
        assert c.grad_fn is not None, f"output {k}: chainrule has no grad_fn, torch has " \
                                      f"{t.grad_fn.name()}"
        assert type(c.grad_fn).__name__ == t.grad_fn.name().split("::")[-1]
        assert c.grad_fn.name() == t.grad_fn.name()
        assert c.output_nr == t.output_nr, f"output {k}: output_nr"
        assert _signature(c.grad_fn, {}) == _signature(t.grad_fn, {}), f"output {k}: graph"


# ---------------------------------------------------------------------------- (d), (e)
def _checked(op, i):
    args, kwargs, leaves = build(chainrule, op.samples()[i], "float64", True)
    # gradcheck perturbs the leaves in place, so the closure sees the perturbed values
    return (lambda *_: op.fn(chainrule, *args, **kwargs)), tuple(leaves)


@pytest.mark.parametrize("op, i", GRADCHECK_CASES)
def test_gradcheck(op, i):
    fn, leaves = _checked(op, i)
    assert gradcheck(fn, leaves)


@pytest.mark.parametrize("op, i", GRADGRAD_CASES)
def test_gradgradcheck(op, i):
    fn, leaves = _checked(op, i)
    assert gradgradcheck(fn, leaves)


# ---------------------------------------------------------------------------- the table
# not tensor-valued ops, in-place (tests/test_inplace.py), or not in torch's namespace
# (chainrule exposes torch.alias; torch has no such public function)
_NOT_OPS = {"allclose", "equal", "relu_", "alias"}


def _names_used(fn, seen=None):
    names = set(fn.__code__.co_names)
    for cell in fn.__closure__ or ():
        v = cell.cell_contents
        if isinstance(v, str):
            names.add(v)
        elif callable(v) and hasattr(v, "__code__"):
            names |= _names_used(v)
    for const in fn.__code__.co_consts:
        if hasattr(const, "co_names"):
            names |= set(const.co_names)
    return names


def test_op_db_covers_every_public_op():
    used = set()
    for op in OP_DB:
        used |= _names_used(op.fn)
    missing = sorted(set(chainrule.ops.public_functions) - used - _NOT_OPS)
    assert not missing, f"public ops without an op_db entry: {missing}"


# ---------------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

SETTINGS = settings(max_examples=25, deadline=None)
BINARY = {
    "add": lambda m, x, y: m.add(x, y), "sub": lambda m, x, y: x - y,
    "mul": lambda m, x, y: x * y, "div": lambda m, x, y: x / y,
    "maximum": lambda m, x, y: m.maximum(x, y), "pow": lambda m, x, y: x.abs() ** y,
    "where": lambda m, x, y: m.where(x > y, x, y),
}


@SETTINGS
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4,
                                                max_side=3),
       name=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2 ** 16))
def test_broadcasting_binary_values_and_grads(shapes, name, seed):
    rng = np.random.default_rng(seed)
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    a = rng.uniform(0.5, 2.0, sa) * rng.choice([-1.0, 1.0], sa)
    b = rng.uniform(0.5, 2.0, sb) * rng.choice([-1.0, 1.0], sb)
    g = rng.standard_normal(out_shape)
    results = []
    for m in (torch, chainrule):
        x = m.tensor(a, dtype=m.float64, requires_grad=True)
        y = m.tensor(b, dtype=m.float64, requires_grad=True)
        out = BINARY[name](m, x, y)
        out.backward(m.tensor(g, dtype=m.float64))
        results.append((out, x.grad, y.grad))
    (to, tx, ty), (co, cx, cy) = results
    _assert_same_tensor(co, to, 1e-12, 1e-10)
    _assert_same_tensor(cx, tx, 1e-12, 1e-10, "grad of x")
    _assert_same_tensor(cy, ty, 1e-12, 1e-10, "grad of y")
    assert co.grad_fn.name() == to.grad_fn.name()


DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]
PROMOTE_OPS = {
    "add": lambda m, x, y: m.add(x, y), "sub": lambda m, x, y: x - y,
    "mul": lambda m, x, y: x * y, "div": lambda m, x, y: x / y,
    "radd": lambda m, x, y: y + x, "rmul": lambda m, x, y: y * x,
    "eq": lambda m, x, y: x == y, "lt": lambda m, x, y: m.lt(x, y),
    "ge": lambda m, x, y: x >= y,
}


def _operand(m, kind, dtype, zero_d, rng):
    if kind == "tensor":
        vals = rng.integers(1, 4, () if zero_d else (2, 3))
        return m.tensor(vals).to(getattr(m, dtype))
    return kind  # a Python scalar


def _outcome(m, op, a_dt, a0, b, b_dt, b0, seed):
    rng = np.random.default_rng(seed)
    x = _operand(m, "tensor", a_dt, a0, rng)
    y = _operand(m, "tensor", b_dt, b0, rng) if b is None else b
    try:
        return PROMOTE_OPS[op](m, x, y)
    except Exception as exc:  # noqa: BLE001 - the exception type is what we compare
        return exc


@SETTINGS
@given(op=st.sampled_from(sorted(PROMOTE_OPS)), a_dt=st.sampled_from(DTYPES),
       a0=st.booleans(),
       other=st.one_of(
           st.tuples(st.sampled_from(DTYPES), st.booleans()),
           st.sampled_from([2, -1, 0.5, 2.0, True, False])),
       seed=st.integers(0, 100))
def test_type_promotion(op, a_dt, a0, other, seed):
    if isinstance(other, tuple):
        b, b_dt, b0 = None, other[0], other[1]
    else:
        b, b_dt, b0 = other, None, False
    t = _outcome(torch, op, a_dt, a0, b, b_dt, b0, seed)
    c = _outcome(chainrule, op, a_dt, a0, b, b_dt, b0, seed)
    if isinstance(t, Exception):
        assert isinstance(c, Exception), f"torch raises {t!r}, chainrule gives {c!r}"
        assert type(c).__name__ == type(t).__name__
        return
    assert not isinstance(c, Exception), f"chainrule raises {c!r}, torch gives {t.dtype}"
    atol = 1e-3 if "float16" in (a_dt, b_dt) else 1e-6
    _assert_same_tensor(c, t, atol, 1e-3)


def test_uint8_plus_negative_int_wraps_like_torch():
    for m in (torch, chainrule):
        out = m.tensor([1, 2], dtype=m.uint8) + (-1)
        assert str(out.dtype) == "torch.uint8" and out.tolist() == [0, 1]


def test_integer_tensor_minus_python_bool_raises_like_torch():
    for m in (torch, chainrule):
        with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool "
                                               "tensor is not supported"):
            m.tensor([1, 2], dtype=m.uint8) - True


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, max_side=3), data=st.data(),
       reduce=st.sampled_from(["sum", "mean"]), keepdim=st.booleans())
def test_reductions_over_random_dims(shape, data, reduce, keepdim):
    nd = len(shape)
    if nd:
        dims = data.draw(st.lists(st.integers(0, nd - 1), unique=True, max_size=nd))
        dims = [d - nd if data.draw(st.booleans()) else d for d in dims]
        dim = data.draw(st.sampled_from([None, tuple(dims)] + ([dims[0]] if dims else [])))
    else:
        dim = data.draw(st.sampled_from([None, 0, -1, (0,)]))
    if dim == ():
        dim = None
    rng = np.random.default_rng(len(shape))
    a = rng.standard_normal(shape)
    results = []
    for m in (torch, chainrule):
        x = m.tensor(a, dtype=m.float64, requires_grad=True)
        f = getattr(x, reduce)
        out = f() if dim is None else f(dim, keepdim=keepdim)
        g = np.random.default_rng(1).standard_normal(tuple(out.shape))
        out.backward(m.tensor(g, dtype=m.float64))
        results.append((out, x.grad))
    (to, tg), (co, cg) = results
    _assert_same_tensor(co, to, 1e-12, 1e-10)
    _assert_same_tensor(cg, tg, 1e-12, 1e-10, "grad")
    assert co.grad_fn.name() == to.grad_fn.name()


def test_sample_repr():
    # the sample description used in failure messages stays readable
    assert repr(S(np.zeros((2, 3)), 1.5, dim=0)) == "(float64[2, 3], 1.5, dim=0)"
