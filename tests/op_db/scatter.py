"""The scatter family: gather/scatter, the index_* ops, masked ops, take/put/take_along_dim,
nonzero/argwhere. Integer arrays in samples become int64 index tensors, bool arrays masks.
Samples with repeated indices come first where gradients accumulate; ties and zeros (the
cases torch's formulas special-case) are later samples without gradcheck."""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S


def I(*values):  # noqa: E743 - an index array
    return np.array(values, dtype=np.int64)


def _ints(A, high, *shape):
    return A.rng.integers(0, high, shape).astype(np.int64)


def _perm_cols(A, n, k, cols):
    """A (k, cols) index whose columns hold distinct values below n (no duplicates)."""
    return np.stack([A.rng.permutation(n)[:k] for _ in range(cols)], axis=1).astype(np.int64)


# ---------------------------------------------------------------------------- gather
def _gather_samples(A):
    return [S(A(3, 4), 0, I([0, 1, 2, 0], [1, 2, 0, 0])),
            S(A(3, 4), -1, _ints(A, 4, 3, 5)),
            S(A(3, 4), 1, _ints(A, 4, 2, 2)),   # index smaller than input off dim
            S(A(), 0, np.array(0)),
            S(A(5), 0, I(4, 0, 4)),
            S(A(2, 3, 2), 1, _ints(A, 3, 2, 4, 1)),
            S(A(3, 4), 0, np.zeros((0, 4), np.int64))]


def _scatter_samples(A):
    """Distinct positions per slice (torch leaves duplicate writes unordered)."""
    return [S(A(3, 4), 0, _perm_cols(A, 3, 2, 4), A(2, 4)),
            S(A(3, 4), -1, _perm_cols(A, 4, 2, 3).T.copy(), A(3, 2)),
            S(A(), 0, np.array(0), A()),
            S(A(4), 0, I(3, 1), A(2)),
            S(A(2, 3, 2), 1, _perm_cols(A, 3, 2, 2)[None].repeat(2, 0), A(2, 2, 2))]


def _scatter_add_samples(A):
    return [S(A(3, 4), 0, I([0, 1, 2, 0], [1, 2, 0, 0], [0, 0, 0, 0]), A(3, 4)),
            S(A(3, 4), -1, _ints(A, 4, 3, 6), A(3, 6)),
            S(A(), 0, np.array(0), A()),
            S(A(5), 0, I(4, 4, 0, 4), A(4)),
            S(A(2, 3, 2), 1, _ints(A, 3, 2, 5, 2), A(2, 5, 2)),
            S(A(3, 4), 0, np.zeros((0, 4), np.int64), A(0, 4))]


def _reduce_samples(A):
    """Repeated indices; then ties / zeros (no gradcheck: kinks, or exact zeros)."""
    idx = I([0, 1, 2, 0], [1, 2, 0, 0], [0, 0, 0, 0])
    return [S(A(3, 4), 0, idx, A(3, 4)),
            S(A(3, 4), -1, _ints(A, 4, 3, 5), A(3, 5)),
            S(A(), 0, np.array(0), A()),
            S(A(5), 0, I(4, 4, 0, 4), A(4))]


def _reduce_special_samples(A):
    x = A(3, 4)
    src = A(3, 4)
    idx = I([0, 1, 2, 0], [1, 2, 0, 0], [0, 0, 0, 0])
    src[2, 0] = src[1, 3] = src[2, 3] = x[0, 3] = 2.5   # ties with each other and with x
    x[1, 1] = 0.0                                       # a zero in self
    src[0, 2] = 0.0                                     # one zero reaching x[2, 2]
    src[1, 2] = src[2, 2] = 0.0                         # two zeros reaching x[0, 2]
    return [S(x, 0, idx, src)]


def _gather_entries():
    E = [
        OpInfo("gather", lambda m, x, d, i: m.gather(x, d, i), _gather_samples),
        OpInfo("Tensor.gather", lambda m, x, d, i: x.gather(d, i),
               lambda A: _gather_samples(A)[:1]),
        OpInfo("gather_kwargs", lambda m, x, d, i: m.gather(x, dim=d, index=i),
               lambda A: _gather_samples(A)[1:2]),
        # torch's gradient is then a sparse tensor; chainrule's is dense (docs/differences.md)
        OpInfo("gather_sparse_grad", lambda m, x, d, i: m.gather(x, d, i, sparse_grad=True),
               lambda A: _gather_samples(A)[:1], grad=False),
        OpInfo("scatter", lambda m, x, d, i, s: m.scatter(x, d, i, s), _scatter_samples),
        OpInfo("Tensor.scatter", lambda m, x, d, i, s: x.scatter(d, i, src=s),
               lambda A: _scatter_samples(A)[:1]),
        OpInfo("scatter_value", lambda m, x, d, i: m.scatter(x, d, i, 2.5),
               lambda A: [S(*s.args[:3]) for s in _scatter_samples(A)]),
        OpInfo("Tensor.scatter_value", lambda m, x, d, i: x.scatter(d, i, value=-1),
               lambda A: [S(*_scatter_samples(A)[0].args[:3])]),
        # the deprecated reduce= forms: forward only (torch has no derivative for them)
        OpInfo("scatter_reduce_arg_add", lambda m, x, d, i, s: m.scatter(x, d, i, s,
                                                                         reduce="add"),
               _scatter_add_samples, grad=False),
        OpInfo("scatter_reduce_arg_multiply",
               lambda m, x, d, i, s: m.scatter(x, d, i, s, reduce="multiply"),
               lambda A: _scatter_add_samples(A)[:2], grad=False),
        OpInfo("scatter_value_reduce_arg", lambda m, x, d, i: m.scatter(x, d, i, 1.5,
                                                                        reduce="add"),
               lambda A: [S(*s.args[:3]) for s in _scatter_add_samples(A)[:2]], grad=False),
        OpInfo("scatter_add", lambda m, x, d, i, s: m.scatter_add(x, d, i, s),
               _scatter_add_samples),
        OpInfo("Tensor.scatter_add", lambda m, x, d, i, s: x.scatter_add(d, i, s),
               lambda A: _scatter_add_samples(A)[:1]),
    ]
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            name = f"scatter_reduce_{reduce}" + ("" if include_self else "_exclude_self")
            fn = (lambda r, inc: lambda m, x, d, i, s: m.scatter_reduce(
                x, d, i, s, r, include_self=inc))(reduce, include_self)
            E.append(OpInfo(name, fn, _reduce_samples))
            E.append(OpInfo(name + "_ties_zeros", fn, _reduce_special_samples,
                            gradcheck=False))
    E.append(OpInfo("Tensor.scatter_reduce", lambda m, x, d, i, s: x.scatter_reduce(
        d, i, s, reduce="mean", include_self=False), lambda A: _reduce_samples(A)[:1]))
    E += [
        OpInfo("take_along_dim", lambda m, x, i, d: m.take_along_dim(x, i, d),
               lambda A: [S(A(3, 4), _ints(A, 4, 3, 2), 1),
                          S(A(3, 4), _ints(A, 3, 2, 4), -2),
                          S(A(3, 4), _ints(A, 4, 1, 5), 1),     # broadcast indices
                          S(A(1, 4), _ints(A, 4, 3, 2), 1)]),   # broadcast input
        OpInfo("take_along_dim_flat", lambda m, x, i: m.take_along_dim(x, i),
               lambda A: [S(A(3, 4), I([0, 11], [5, 5])), S(A(5), I(4, 4))]),
        OpInfo("Tensor.take_along_dim", lambda m, x, i: x.take_along_dim(i, dim=0),
               lambda A: [S(A(3, 4), _ints(A, 3, 2, 4))]),
    ]
    return E


# ---------------------------------------------------------------------------- index_*
def _select_samples(A):
    return [S(A(3, 4), 0, I(0, 2, 2)),
            S(A(3, 4), -1, I(3, 0, 3, 3)),
            S(A(), 0, I(0)),
            S(A(5), 0, np.array(1)),          # a 0-d index selects one slice
            S(A(2, 3, 2), 1, I(2, 2)),
            S(A(3, 4), 0, np.zeros(0, np.int64))]


def _add_samples(A):
    return [S(A(3, 4), 0, I(0, 2, 2), A(3, 4)),
            S(A(3, 4), -1, I(3, 0, 3, 3, 1), A(3, 5)),
            S(A(), 0, I(0), A()),
            S(A(2, 3, 2), 1, I(2, 2), A(2, 2, 2))]


def _copy_samples(A):
    return [S(A(3, 4), 0, I(2, 0), A(2, 4)),
            S(A(3, 4), -1, I(3, 1, 0), A(3, 3)),
            S(A(), 0, I(0), A()),
            S(A(2, 3, 2), 1, I(1,), A(2, 1, 2))]


def _index_reduce_samples(A):
    return [S(A(3, 4), 0, I(0, 2, 2, 0), A(4, 4)),
            S(A(3, 4), -1, I(3, 0, 3), A(3, 3)),
            S(A(), 0, I(0), A())]


def _index_reduce_special(A):
    x = A(3, 4)
    src = A(4, 4)
    src[1, 0] = src[3, 0] = x[0, 0] = 1.5   # ties (index 0 gets rows 0 and 3)
    x[1, 2] = 0.0
    src[0, 1] = 0.0                         # one zero into row 0
    src[1, 3] = src[2, 3] = 0.0             # two zeros into row 2
    return [S(x, 0, I(0, 2, 2, 0), src)]


def _index_entries():
    E = [
        OpInfo("index_select", lambda m, x, d, i: m.index_select(x, d, i), _select_samples),
        OpInfo("Tensor.index_select", lambda m, x, d, i: x.index_select(d, i),
               lambda A: _select_samples(A)[:1]),
        OpInfo("index_add", lambda m, x, d, i, s: m.index_add(x, d, i, s), _add_samples),
        OpInfo("index_add_alpha", lambda m, x, d, i, s: m.index_add(x, d, i, s, alpha=-2.5),
               lambda A: _add_samples(A)[:2]),
        OpInfo("Tensor.index_add", lambda m, x, d, i, s: x.index_add(d, i, s, alpha=2),
               lambda A: _add_samples(A)[:1]),
        OpInfo("index_copy", lambda m, x, d, i, s: m.index_copy(x, d, i, s), _copy_samples),
        OpInfo("Tensor.index_copy", lambda m, x, d, i, s: x.index_copy(d, i, s),
               lambda A: _copy_samples(A)[:1]),
        OpInfo("index_fill", lambda m, x, d, i: m.index_fill(x, d, i, -1.5),
               lambda A: [S(A(3, 4), 0, I(0, 2, 2)), S(A(3, 4), -1, I(-1, 0)),
                          S(A(), 0, I(0)), S(A(5), 0, np.array(3))]),
        OpInfo("index_fill_tensor", lambda m, x, d, i, v: m.index_fill(x, d, i, v),
               lambda A: [S(A(3, 4), 1, I(0, 2, 2), A()), S(A(3, 4), -2, I(1,), A()),
                          S(A(), 0, I(0), A())]),
        OpInfo("Tensor.index_fill", lambda m, x, d, i: x.index_fill(d, i, 3),
               lambda A: [S(A(3, 4), 1, I(0, 2))]),
    ]
    for reduce in ("prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            name = f"index_reduce_{reduce}" + ("" if include_self else "_exclude_self")
            fn = (lambda r, inc: lambda m, x, d, i, s: m.index_reduce(
                x, d, i, s, r, include_self=inc))(reduce, include_self)
            E.append(OpInfo(name, fn, _index_reduce_samples))
            E.append(OpInfo(name + "_ties_zeros", fn, _index_reduce_special, gradcheck=False))
    E.append(OpInfo("Tensor.index_reduce", lambda m, x, d, i, s: x.index_reduce(
        d, i, s, "amax"), lambda A: _index_reduce_samples(A)[:1]))
    E += [
        OpInfo("index_put", lambda m, x, i, v: m.index_put(x, (i,), v),
               lambda A: [S(A(3, 4), I(2, 0), A(2, 4)), S(A(3, 4), I(1, -1), A(4)),
                          S(A(5), I(4, 0), A())]),
        OpInfo("index_put_accumulate", lambda m, x, i, v: m.index_put(x, [i], v,
                                                                      accumulate=True),
               lambda A: [S(A(3, 4), I(2, 0, 2, 2), A(4, 4)), S(A(3, 4), I(1, -2, 1), A(4)),
                          S(A(5), I(4, 0, 4), A())]),
        OpInfo("index_put_two", lambda m, x, i, j, v: m.index_put(x, (i, j), v),
               lambda A: [S(A(3, 4), I(2, 0), I(1, 3), A(2)),
                          S(A(2, 3, 2), I(1, 0), I(2, 2), A(2, 2))]),
        OpInfo("index_put_two_accumulate",
               lambda m, x, i, j, v: m.index_put(x, (i, j), v, accumulate=True),
               lambda A: [S(A(3, 4), I(2, 0, 2), I(1, 3, 1), A(3)),
                          S(A(2, 3, 2), I(1, 1), I(2, 2), A(2))]),
        OpInfo("index_put_mask", lambda m, x, mk, v: m.index_put(x, (mk,), v),
               lambda A: [S(A(3, 4), A.rng.random((3, 4)) > 0.5, A()),
                          S(A(3, 4), np.array([True, False, True]), A(4))]),
        OpInfo("index_put_mask_accumulate", lambda m, x, mk, v: m.index_put(x, (mk,), v,
                                                                            accumulate=True),
               lambda A: [S(A(3, 4), A.rng.random((3, 4)) > 0.5, A())]),
        OpInfo("Tensor.index_put", lambda m, x, i, v: x.index_put((i,), v, accumulate=True),
               lambda A: [S(A(3, 4), I(2, 0, 2), A(4))]),
    ]
    return E


# ---------------------------------------------------------------------------- masked, take
def _mask(A, *shape):
    return A.rng.random(shape) > 0.5


def _masked_entries():
    return [
        OpInfo("masked_fill", lambda m, x, mk: m.masked_fill(x, mk, -2.5),
               lambda A: [S(A(3, 4), _mask(A, 3, 4)), S(A(3, 4), np.array([True, False] * 2)),
                          S(A(1, 4), _mask(A, 3, 4)), S(A(), np.array(True)),
                          S(A(2, 3), np.array(False))]),
        OpInfo("masked_fill_tensor", lambda m, x, mk, v: m.masked_fill(x, mk, v),
               lambda A: [S(A(3, 4), _mask(A, 3, 4), A()), S(A(1, 4), _mask(A, 3, 4), A()),
                          S(A(), np.array(True), A())]),
        OpInfo("Tensor.masked_fill", lambda m, x, mk: x.masked_fill(mk, value=1),
               lambda A: [S(A(3, 4), _mask(A, 4))]),
        OpInfo("masked_select", lambda m, x, mk: m.masked_select(x, mk),
               lambda A: [S(A(3, 4), _mask(A, 3, 4)), S(A(3, 4), np.array([True, False] * 2)),
                          S(A(1, 4), _mask(A, 3, 4)), S(A(), np.array(True)),
                          S(A(4), _mask(A, 3, 4))]),
        OpInfo("Tensor.masked_select", lambda m, x, mk: x.masked_select(mk),
               lambda A: [S(A(2, 3), _mask(A, 2, 3))]),
        OpInfo("masked_scatter", lambda m, x, mk, s: m.masked_scatter(x, mk, s),
               lambda A: [S(A(3, 4), _mask(A, 3, 4), A(3, 4)),
                          S(A(3, 4), np.array([True, False, False, True]), A(7)),
                          S(A(1, 4), _mask(A, 3, 4), A(2, 6)),
                          S(A(), np.array(True), A())]),
        OpInfo("Tensor.masked_scatter", lambda m, x, mk, s: x.masked_scatter(mk, s),
               lambda A: [S(A(2, 3), _mask(A, 2, 3), A(6))]),
        OpInfo("take", lambda m, x, i: m.take(x, i),
               lambda A: [S(A(3, 4), I([0, 11], [-1, 5], [5, 5])), S(A(5), I(4, -5, 4)),
                          S(A(), np.array(0)), S(A(3, 4), np.zeros(0, np.int64))]),
        OpInfo("Tensor.take", lambda m, x, i: x.take(i), lambda A: [S(A(2, 3), I(5, 0))]),
        OpInfo("put", lambda m, x, i, s: m.put(x, i, s),
               lambda A: [S(A(3, 4), I([0, 11], [-2, 5]), A(2, 2)), S(A(5), I(4, 0), A(2)),
                          S(A(), np.array(0), A())]),
        OpInfo("put_accumulate", lambda m, x, i, s: m.put(x, i, s, accumulate=True),
               lambda A: [S(A(3, 4), I(0, 11, 0, -1), A(4)), S(A(5), I([4, 4], [0, 4]),
                                                                A(2, 2))]),
        OpInfo("Tensor.put", lambda m, x, i, s: x.put(i, s, True),
               lambda A: [S(A(2, 3), I(5, 5), A(2))]),
        OpInfo("argwhere", lambda m, x: m.argwhere(x > 0),
               lambda A: [S(A(3, 4)), S(A(5)), S(A()), S(A(0, 3))], grad=False),
        OpInfo("Tensor.argwhere", lambda m, x: (x > 0).argwhere(), lambda A: [S(A(2, 3))],
               grad=False),
        OpInfo("nonzero_0d", lambda m, x: m.nonzero(x > 0),
               lambda A: [S(np.array(1.0)), S(np.array(-1.0)), S(A(0, 2))], grad=False),
        OpInfo("nonzero_as_tuple", lambda m, x: m.nonzero(x > 0, as_tuple=True),
               lambda A: [S(A(3, 4)), S(np.array(1.0)), S(np.array(-1.0))], grad=False),
    ]


# ---------------------------------------------------------------------------- in place
def _inplace_entries():
    """In-place forms on a non-leaf: the op's node is recorded on top of the clone."""
    g = _gather_samples
    return [
        OpInfo("Tensor.scatter_", lambda m, x, d, i, s: x.clone().scatter_(d, i, s),
               lambda A: _scatter_samples(A)[:2]),
        OpInfo("Tensor.scatter__value", lambda m, x, d, i: x.clone().scatter_(d, i, 0.5),
               lambda A: [S(*_scatter_samples(A)[0].args[:3])]),
        OpInfo("Tensor.scatter_add_", lambda m, x, d, i, s: x.clone().scatter_add_(d, i, s),
               lambda A: _scatter_add_samples(A)[:2]),
        OpInfo("Tensor.scatter_reduce_", lambda m, x, d, i, s: x.clone().scatter_reduce_(
            d, i, s, "prod"), lambda A: _reduce_samples(A)[:1]),
        OpInfo("Tensor.index_add_", lambda m, x, d, i, s: x.clone().index_add_(d, i, s),
               lambda A: _add_samples(A)[:1]),
        OpInfo("Tensor.index_copy_", lambda m, x, d, i, s: x.clone().index_copy_(d, i, s),
               lambda A: _copy_samples(A)[:1]),
        OpInfo("Tensor.index_fill_", lambda m, x, d, i: x.clone().index_fill_(d, i, 2),
               lambda A: [S(*g(A)[0].args[:2], I(0, 2))]),
        OpInfo("Tensor.index_put_", lambda m, x, i, v: x.clone().index_put_(
            (i,), v, accumulate=True), lambda A: [S(A(3, 4), I(2, 0, 2), A(4))]),
        OpInfo("Tensor.index_reduce_", lambda m, x, d, i, s: x.clone().index_reduce_(
            d, i, s, "mean", include_self=False), lambda A: _index_reduce_samples(A)[:1]),
        OpInfo("Tensor.masked_fill_", lambda m, x, mk: x.clone().masked_fill_(mk, 0.0),
               lambda A: [S(A(3, 4), _mask(A, 4))]),
        OpInfo("Tensor.masked_fill__tensor", lambda m, x, mk, v: x.clone().masked_fill_(mk, v),
               lambda A: [S(A(3, 4), _mask(A, 3, 4), A())]),
        OpInfo("Tensor.masked_scatter_", lambda m, x, mk, s: x.clone().masked_scatter_(mk, s),
               lambda A: [S(A(3, 4), _mask(A, 4), A(12))]),
        OpInfo("Tensor.put_", lambda m, x, i, s: x.clone().put_(i, s, accumulate=True),
               lambda A: [S(A(3, 4), I(0, 11, 0), A(3))]),
        OpInfo("Tensor.index_fill_view", lambda m, x: _on_view(m, x), lambda A: [S(A(3, 4))]),
    ]


def _on_view(m, x):
    """An in-place index op on a view of a non-leaf: CopySlices on the base."""
    y = x.clone()
    y[1:].index_fill_(1, m.tensor([0, 2]), 1.0)
    return y


KNOWN_BUGS = {
    "scatter_add": {"test_gradcheck": ([5], "Tensor.stride() of an empty tensor is NumPy's "
                                            "(0, 0), not torch's (4, 1), so gradcheck "
                                            "refuses the empty src as overlapping")},
}

ENTRIES = _gather_entries() + _index_entries() + _masked_entries() + _inplace_entries()
