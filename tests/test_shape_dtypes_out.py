"""The shape family against torch: integer and bool dtypes, view(dtype), out=, gradients
torch gets wrong, backward ops under create_graph, and hypothesis properties over shapes
and dims (split/chunk/tensor_split, movedim/flip/roll, repeat/tile/repeat_interleave,
rot90/diagonal/tril/unfold)."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402

LIBS = (torch, chainrule)


def _pieces(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _trimmed(message: str) -> str:
    for cut in ("\nException raised from", " (Triggered internally"):
        message = message.split(cut)[0]
    return message


# ---------------------------------------------------------------------------- dtypes
DTYPE_CASES = {
    "flip": lambda m, x: x.flip(0), "roll": lambda m, x: x.roll(1, 1),
    "rot90": lambda m, x: x.rot90(), "repeat": lambda m, x: x.repeat(2, 1),
    "tile": lambda m, x: x.tile((2,)), "repeat_interleave": lambda m, x: x.repeat_interleave(2),
    "repeat_interleave_t": lambda m, x: x.repeat_interleave(m.tensor([1, 0, 2]), dim=0),
    "split": lambda m, x: x.split(3, 1), "chunk": lambda m, x: x.chunk(3),
    "tensor_split": lambda m, x: x.tensor_split([1], 1),
    "hstack": lambda m, x: m.hstack([x, x]), "vstack": lambda m, x: m.vstack([x, x[0]]),
    "dstack": lambda m, x: m.dstack([x, x]), "column_stack": lambda m, x: m.column_stack([x[0]]),
    "atleast_3d": lambda m, x: m.atleast_3d(x), "diag": lambda m, x: m.diag(x),
    "diag_vector": lambda m, x: m.diag(x[0], 1), "diagonal": lambda m, x: x.diagonal(-1),
    "diag_embed": lambda m, x: m.diag_embed(x), "diagflat": lambda m, x: m.diagflat(x[0]),
    "tril": lambda m, x: x.tril(), "triu": lambda m, x: x.triu(1),
    "tril_": lambda m, x: x.clone().tril_(-1),
    "block_diag": lambda m, x: m.block_diag(x, x[0]),
    "block_diag_mixed": lambda m, x: m.block_diag(x, m.ones(2)),
    "cartesian_prod": lambda m, x: m.cartesian_prod(x[0], x[1]),
    "combinations": lambda m, x: m.combinations(x[0], 2),
    "meshgrid": lambda m, x: m.meshgrid(x[0], x[1], indexing="xy"),
    "narrow": lambda m, x: x.narrow(1, 1, 2), "select": lambda m, x: x.select(0, 1),
    "select_scatter": lambda m, x: x.select_scatter(x[1], 0, 0),
    "slice_scatter": lambda m, x: x.slice_scatter(x[:, :1], 1, 3),
    "diagonal_scatter": lambda m, x: x.diagonal_scatter(x[0, :3]),
    "unfold": lambda m, x: x.unfold(1, 2, 1), "movedim": lambda m, x: x.movedim(0, 1),
    "unflatten": lambda m, x: x.unflatten(1, (2, 2)), "ravel": lambda m, x: x.t().ravel(),
    "expand_copy": lambda m, x: m.expand_copy(x, (2, 3, 4)),
    "narrow_copy": lambda m, x: x.narrow_copy(0, 1, 1),
    "broadcast_tensors": lambda m, x: m.broadcast_tensors(x, x[0]),
}


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool", "float16"])
@pytest.mark.parametrize("name", sorted(DTYPE_CASES))
def test_integer_and_bool_dtypes_like_torch(name, dtype):
    outs = []
    for m in LIBS:
        x = (m.arange(12).reshape(3, 4) % 3).to(getattr(m, dtype))
        outs.append(_pieces(DTYPE_CASES[name](m, x)))
    t_out, c_out = outs
    assert len(c_out) == len(t_out)
    for c, t in zip(c_out, t_out):
        assert str(c.dtype) == str(t.dtype)
        assert c.tolist() == t.tolist()
        assert not c.requires_grad


def test_index_helpers_take_int32_like_torch():
    for m in LIBS:
        out = m.triu_indices(3, 4, 1, dtype=m.int32)
        assert str(out.dtype) == "torch.int32"
    assert (chainrule.tril_indices(4, 3, 1).tolist() == torch.tril_indices(4, 3, 1).tolist())


def test_view_dtype_reinterprets_bytes_like_torch():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    for dt in ("int32", "float16", "float64", "uint8", "int64", "bool"):
        results = []
        for m in LIBS:
            x = m.tensor(a, requires_grad=True)
            y = x.view(getattr(m, dt)) if dt != "bool" else m.tensor(
                a > 3).view(m.uint8)
            results.append((tuple(y.shape), str(y.dtype), y.requires_grad, y.grad_fn is None,
                            np.asarray(y.detach().numpy()).tobytes()))
        assert results[0] == results[1], dt


# ---------------------------------------------------------------------------- out=
OUT_CASES = {
    "cat": lambda m, x, o: m.cat([x, x], 1, out=o), "stack": lambda m, x, o: m.stack([x, x], out=o),
    "hstack": lambda m, x, o: m.hstack([x, x], out=o),
    "vstack": lambda m, x, o: m.vstack([x, x], out=o),
    "row_stack": lambda m, x, o: m.row_stack([x, x], out=o),
    "dstack": lambda m, x, o: m.dstack([x, x], out=o),
    "column_stack": lambda m, x, o: m.column_stack([x, x], out=o),
    "tril": lambda m, x, o: m.tril(x, out=o), "triu": lambda m, x, o: m.triu(x, -1, out=o),
    "diag": lambda m, x, o: m.diag(x, 1, out=o),
    "narrow_copy": lambda m, x, o: m.narrow_copy(x, 1, 1, 2, out=o),
    "slice_scatter": lambda m, x, o: m.slice_scatter(x, x[:1], out=o, end=1),
    "expand_copy": lambda m, x, o: m.expand_copy(x, (2, 3, 4), out=o),
    "permute_copy": lambda m, x, o: m.permute_copy(x, (1, 0), out=o),
    "unsqueeze_copy": lambda m, x, o: m.unsqueeze_copy(x, 0, out=o),
    "view_copy": lambda m, x, o: m.view_copy(x, (-1,), out=o),
    "diagonal_copy": lambda m, x, o: m.diagonal_copy(x, out=o),
}
OUT_KINDS = {
    "empty": lambda m: m.empty(0), "right": lambda m: m.empty(1).expand(0).clone(),
    "resized": lambda m: m.zeros(2), "double": lambda m: m.empty(0, dtype=m.float64),
    "long": lambda m: m.empty(0, dtype=m.int64), "half": lambda m: m.empty(0, dtype=m.float16),
    "leaf": lambda m: m.empty(0, requires_grad=True),
}


def _out_outcome(m, name, kind, input_grad):
    x = m.arange(12.0).reshape(3, 4).requires_grad_(input_grad)
    out = OUT_KINDS[kind](m)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = OUT_CASES[name](m, x, out)
        except Exception as exc:  # noqa: BLE001 - the exception is what we compare
            return ("raises", type(exc).__name__, _trimmed(str(exc)))
    messages = [_trimmed(str(w.message)) for w in caught]
    return (result is out, tuple(out.shape), str(out.dtype), out.tolist(), out._version > 0,
            out.requires_grad, messages)


@pytest.mark.parametrize("kind", sorted(OUT_KINDS))
@pytest.mark.parametrize("name", sorted(OUT_CASES))
def test_out_like_torch(name, kind):
    assert _out_outcome(chainrule, name, kind, False) == _out_outcome(torch, name, kind, False)


# torch gives these out= results a NotImplemented node (backward through them fails);
# chainrule refuses them up front, as torch refuses the others (docs/differences.md).
_OUT_NOT_IMPLEMENTED = {"diag", "slice_scatter", "expand_copy", "permute_copy",
                        "unsqueeze_copy", "view_copy", "diagonal_copy"}


@pytest.mark.parametrize("name", sorted(OUT_CASES))
def test_out_refuses_inputs_that_require_grad(name):
    mine = _out_outcome(chainrule, name, "empty", True)
    assert mine[:2] == ("raises", "RuntimeError")
    assert mine[2].endswith("(): functions with out=... arguments don't support automatic "
                            "differentiation, but one of the arguments requires grad.")
    theirs = _out_outcome(torch, name, "empty", True)
    if name in _OUT_NOT_IMPLEMENTED:
        assert theirs[0] is True and theirs[5] is True  # out requires grad, NotImplemented
    else:
        assert mine == theirs


# ---------------------------------------------------------------------------- gradients
def test_narrow_copy_with_a_negative_start_gives_the_true_gradient():
    # torch's NarrowCopyBackward0 keeps the unwrapped start and gives zeros here (its
    # forward is right); chainrule's gradient is narrow's. See docs/differences.md.
    grads = []
    for f in (lambda x: x.narrow_copy(0, -1, 1), lambda x: x.narrow(0, -1, 1)):
        x = chainrule.arange(6.0).reshape(3, 2).requires_grad_()
        f(x).sum().backward()
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1] == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]
    x = torch.arange(6.0).reshape(3, 2).requires_grad_()
    x.narrow_copy(0, -1, 1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0]] * 3  # torch's, for the record


def test_double_backward_records_torch_backward_ops():
    for f, names in ((lambda x: x.diagonal(), ("DiagonalBackwardBackward0",)),
                     (lambda x: x.unfold(1, 2, 1), ("UnfoldBackwardBackward0",)),
                     (lambda x: x.narrow_copy(1, 1, 2), ("SliceBackwardBackward0",)),
                     (lambda x: x.diag_embed(), ("DiagonalBackward0",))):
        for m in LIBS:
            x = m.ones(3, 4, dtype=m.float64, requires_grad=True)
            y = f(x)
            g, = m.autograd.grad(y, x, m.ones_like(y, requires_grad=True), create_graph=True)
            assert g.grad_fn.name() in names, (m, g.grad_fn.name())


# ---------------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

SETTINGS = settings(max_examples=30, deadline=None)


def _both(a, fn, g_seed=0):
    """fn applied in both libraries to float64 leaves of ``a``: values, grads, names."""
    results = []
    for m in LIBS:
        x = m.tensor(a, dtype=m.float64, requires_grad=True)
        try:
            out = _pieces(fn(m, x))
        except Exception as exc:  # noqa: BLE001 - the exception class is compared
            results.append(type(exc).__name__)
            continue
        rng = np.random.default_rng(g_seed)
        diff = [o for o in out if o.requires_grad]
        grads = [m.tensor(rng.standard_normal(tuple(o.shape)), dtype=m.float64) for o in diff]
        x_grad = None
        if diff:
            x_grad, = m.autograd.grad(diff, [x], grads, allow_unused=True)
        results.append(([(tuple(o.shape), str(o.dtype), o.grad_fn.name() if o.grad_fn else None)
                         for o in out], [np.asarray(o.detach().numpy()) for o in out],
                        None if x_grad is None else np.asarray(x_grad.numpy())))
    t_res, c_res = results
    if isinstance(t_res, str) or isinstance(c_res, str):
        assert t_res == c_res
        return
    assert c_res[0] == t_res[0]
    for c, t in zip(c_res[1], t_res[1]):
        np.testing.assert_array_equal(c, t)
    if t_res[2] is None:
        assert c_res[2] is None
    else:
        np.testing.assert_allclose(c_res[2], t_res[2], rtol=1e-12, atol=1e-12)


def _dim(data, nd):
    return data.draw(st.integers(-nd, nd - 1)) if nd else data.draw(st.sampled_from([0, -1]))


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=5), data=st.data())
def test_split_chunk_tensor_split_over_random_shapes(shape, data):
    nd = len(shape)
    dim = _dim(data, nd)
    n = shape[dim]
    kind = data.draw(st.sampled_from(["split", "sizes", "chunk", "sections", "indices"]))
    if kind == "split":
        arg = data.draw(st.integers(1 if n else 0, max(n, 1) + 1))
        fn = lambda m, x: x.split(arg, dim)  # noqa: E731
    elif kind == "sizes":
        cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
        sizes = [b - a for a, b in zip([0] + cuts, cuts + [n])]
        fn = lambda m, x: x.split(sizes, dim)  # noqa: E731
    elif kind == "chunk":
        arg = data.draw(st.integers(1, 6))
        fn = lambda m, x: x.chunk(arg, dim)  # noqa: E731
    elif kind == "sections":
        arg = data.draw(st.integers(1, 6))
        fn = lambda m, x: x.tensor_split(arg, dim)  # noqa: E731
    else:
        idx = data.draw(st.lists(st.integers(-n - 2, n + 2), max_size=3))
        fn = lambda m, x: x.tensor_split(idx, dim)  # noqa: E731
    _both(np.random.default_rng(1).standard_normal(shape), fn)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4), data=st.data())
def test_movedim_flip_roll_over_random_shapes(shape, data):
    nd = len(shape)
    kind = data.draw(st.sampled_from(["movedim", "flip", "roll", "roll_flat"]))
    dims = (data.draw(st.lists(st.integers(0, nd - 1), unique=True, max_size=nd))
            if nd else [])
    dims = [d - nd if data.draw(st.booleans()) else d for d in dims]
    if kind == "movedim":
        dest = data.draw(st.permutations(range(nd)))[:len(dims)] if nd else []
        fn = lambda m, x: x.movedim(tuple(dims), tuple(dest))  # noqa: E731
    elif kind == "flip":
        fn = lambda m, x: x.flip(dims)  # noqa: E731
    elif kind == "roll":
        if not dims:
            return
        shifts = [data.draw(st.integers(-6, 6)) for _ in dims]
        fn = lambda m, x: x.roll(shifts, dims)  # noqa: E731
    else:
        shift = data.draw(st.integers(-6, 6))
        fn = lambda m, x: x.roll(shift)  # noqa: E731
    _both(np.random.default_rng(2).standard_normal(shape), fn)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), data=st.data())
def test_repeat_tile_repeat_interleave_over_random_shapes(shape, data):
    nd = len(shape)
    kind = data.draw(st.sampled_from(["repeat", "tile", "interleave", "interleave_dim"]))
    if kind == "repeat":
        reps = data.draw(st.lists(st.integers(0, 3), min_size=nd, max_size=nd + 2))
        fn = lambda m, x: x.repeat(reps)  # noqa: E731
    elif kind == "tile":
        reps = data.draw(st.lists(st.integers(0, 3), max_size=nd + 2))
        fn = lambda m, x: x.tile(reps)  # noqa: E731
    elif kind == "interleave":
        r = data.draw(st.integers(0, 3))
        fn = lambda m, x: x.repeat_interleave(r)  # noqa: E731
    else:
        if not nd:
            return
        dim = _dim(data, nd)
        r = data.draw(st.integers(0, 3))
        fn = lambda m, x: x.repeat_interleave(r, dim)  # noqa: E731
    _both(np.random.default_rng(3).standard_normal(shape), fn)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_rot90_diagonal_tril_over_random_shapes(shape, data):
    nd = len(shape)
    kind = data.draw(st.sampled_from(["rot90", "diagonal", "tril", "triu", "unfold"]))
    if kind == "rot90":
        d0, d1 = data.draw(st.permutations(range(nd)))[:2]
        k = data.draw(st.integers(-5, 5))
        fn = lambda m, x: x.rot90(k, (d0, d1))  # noqa: E731
    elif kind == "diagonal":
        d0, d1 = data.draw(st.permutations(range(nd)))[:2]
        off = data.draw(st.integers(-5, 5))
        fn = lambda m, x: x.diagonal(off, d0 - nd, d1)  # noqa: E731
    elif kind in ("tril", "triu"):
        off = data.draw(st.integers(-5, 5))
        fn = lambda m, x: getattr(x, kind)(off)  # noqa: E731
    else:
        dim = _dim(data, nd)
        size = data.draw(st.integers(0, shape[dim]))
        step = data.draw(st.integers(1, 3))
        fn = lambda m, x: x.unfold(dim, size, step)  # noqa: E731
    _both(np.random.default_rng(4).standard_normal(shape), fn)
