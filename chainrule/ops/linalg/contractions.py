"""Contractions beyond the matrix product: vdot, trace (TraceBackward0), linalg.cross
(LinalgCrossBackward0), and the composites torch builds from mm/dot/mul: multi_dot and
chain_matmul (in the cheapest order), tensordot, kron, inner, linalg.vecdot."""
from __future__ import annotations

from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from .products import _broadcast_shapes, _numel, dot, mm

# ---------------------------------------------------------------------------- vdot, trace
VDOT = op("vdot", lambda xp, a, b: xp.vdot(a, b), inputs=("a", "b"),
          vjps=(lambda F, g, b: F.conj_physical(g) * b, lambda F, g, a: g * a),
          holomorphic=False)  # conj(a) . b: torch's complex rules, written out
TRACE = op("trace", lambda xp, x: xp.trace(x),
           vjps=(lambda F, g, x_shape: F._linalg_diag_embed(
               F.expand(F.unsqueeze(g, 0), (min(x_shape),)), x_shape[0], x_shape[1]),))


@expose
def vdot(input, other, *, out=None):
    """The dot product of two 1-D tensors (the first conjugated) (VdotBackward0)."""
    n, m = input._data.size, other._data.size
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D "
                           "tensors")
    if n != m:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to "
                           f"have the same number of elements, but got {n} and {m} elements "
                           "respectively")
    if input._data.dtype != other._data.dtype:
        from ._util import type_word
        raise RuntimeError(f"vdot : expected both vectors to have same dtype, but found "
                           f"{type_word(input)} and {type_word(other)}")
    from ._util import write_out
    return write_out(dispatch(VDOT, (input, other)), out)


@expose
def trace(input):
    """The sum of the main diagonal of a matrix (TraceBackward0)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    if input._data.dtype.kind in "biu":
        from ..._creation import tensor
        return tensor(int(input._data.trace()))
    return dispatch(TRACE, (input,))


# ---------------------------------------------------------------------------- chains
@expose(method=False, internal=True)
def linalg_multi_dot(tensors, *, out=None):
    """torch.linalg.multi_dot: the product of a chain of matrices (the first and last may be
    vectors) in the cheapest order, composed of mm as torch composes it."""
    from ._util import no_grad_out, write_out
    no_grad_out(out, "linalg_multi_dot", *tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    ts = list(tensors)
    out_shape = []
    first, last = ts[0], ts[-1]
    if first.ndim == 1:
        ts[0] = first.unsqueeze(0)
    elif first.ndim == 2:
        out_shape.append(first._data.shape[0])
    else:
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got "
                           f"{first.ndim}D")
    if last.ndim == 1:
        ts[-1] = last.unsqueeze(-1)
    elif last.ndim == 2:
        out_shape.append(last._data.shape[1])
    else:
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got "
                           f"{last.ndim}D")
    for i in range(1, n - 1):
        if ts[i].ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {ts[i].ndim}D")
    for i in range(1, n):
        if ts[i]._data.dtype != ts[0]._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {ts[0].dtype} and tensor {i} {ts[i].dtype}")
        if ts[i - 1]._data.shape[-1] != ts[i]._data.shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{list(ts[i - 1].shape)} and {list(ts[i].shape)} cannot be "
                               "multiplied")
    if n == 2:
        res = mm(ts[0], ts[1])
    elif n == 3:
        a, b = ts[0]._data.shape
        c, d = ts[2]._data.shape
        if (a * c) * (b + d) > (b * d) * (a + c):
            res = mm(ts[0], mm(ts[1], ts[2]))
        else:
            res = mm(mm(ts[0], ts[1]), ts[2])
    else:
        split = _chain_order([t._data.shape for t in ts])
        res = _chain(ts, split, 0, n - 1)
    return write_out(res.view(tuple(out_shape)), out)


def _chain_order(shapes):
    """The classic matrix-chain dynamic programme: split[i][j], the best last product."""
    n = len(shapes)
    p = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] is None or q < cost[i][j]:
                    cost[i][j] = q
                    split[i][j] = k
    return split


def _chain(ts, split, i, j):
    if i == j:
        return ts[i]
    k = split[i][j]
    return mm(_chain(ts, split, i, k), _chain(ts, split, k + 1, j))


@expose(method=False)
def chain_matmul(*matrices: Tensor, out: Tensor | None = None) -> Tensor:
    """torch.chain_matmul (deprecated in torch, with its warning): linalg.multi_dot."""
    import warnings
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        from ._util import write_out
        return write_out(matrices[0].clone(), out)
    return linalg_multi_dot(matrices, out=out)


# ---------------------------------------------------------------------------- tensordot, kron
def _dims_list(d):
    if isinstance(d, Tensor):
        d = d.tolist()
    return [d] if isinstance(d, int) else list(d)


@expose(method=False)
def tensordot(a, b, dims=2, out=None):
    """Contract ``dims`` of a with those of b (composed of permute, reshape and mm, or dot for a
    full contraction, as torch)."""
    if isinstance(dims, Tensor):
        if dims.numel() > 1:
            dims_a, dims_b = dims[0].tolist(), dims[1].tolist()
        else:
            dims = int(dims.item())
    if isinstance(dims, (tuple, list)):
        dims_a, dims_b = _dims_list(dims[0]), _dims_list(dims[1])
    elif isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    elif not isinstance(dims, Tensor):
        raise RuntimeError("tensordot expects dims to be int or Tuple[List[int], List[int]] or "
                           f"List[List[int]] containing two lists, but got dims={dims}")
    from ._util import write_out
    return write_out(_tensordot(a, b, dims_a, dims_b), out)


def _tensordot(a, b, dims1, dims2):
    from ..._tensor import _wrap_dim
    if len(dims1) != len(dims2):
        raise RuntimeError("both dimension lists should have same length")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError("both inputs should have same dtype")
    csize = 1
    t1, t2 = a, b
    for d1, d2 in zip(dims1, dims2):
        s1, s2 = a._data.shape[d1], b._data.shape[d2]
        if s2 == 1:
            t1 = t1.sum(d1, True)
        elif s1 == 1:
            t2 = t2.sum(d2, True)
        else:
            if s1 != s2:
                raise RuntimeError(f"contracted dimensions need to match, but first has size {s1} "
                                   f"in dim {d1} and second has size {s2} in dim {d2}")
            csize *= s1
    c1 = {_wrap_dim(d, a.ndim) for d in dims1}
    c2 = {_wrap_dim(d, b.ndim) for d in dims2}
    p1 = [i for i in range(a.ndim) if i not in c1] + list(dims1)
    p2 = list(dims2) + [i for i in range(b.ndim) if i not in c2]
    rsizes = [t1._data.shape[i] for i in range(a.ndim) if i not in c1] + \
        [t2._data.shape[i] for i in range(b.ndim) if i not in c2]
    size1 = _numel([t1._data.shape[i] for i in range(a.ndim) if i not in c1])
    size2 = _numel([t2._data.shape[i] for i in range(b.ndim) if i not in c2])
    if size1 != 1 or size2 != 1:
        t1 = t1.permute(*p1).reshape(size1, csize)
        t2 = t2.permute(*p2).reshape(csize, size2)
        return mm(t1, t2).reshape(tuple(rsizes))
    t1, t2 = t1.permute(*p1), t2.permute(*p2)
    if t1._data.flags.c_contiguous and t2._data.flags.c_contiguous:
        return dot(t1.flatten(), t2.flatten()).reshape(tuple(rsizes))
    return (t1.squeeze() * t2.squeeze()).sum(dtype=t1.dtype).reshape(tuple(rsizes))


@expose
def kron(input, other, *, out=None):
    """The Kronecker product (composed: views and one broadcast multiply, as torch)."""
    nd = max(input.ndim, other.ndim)
    pa, pb = nd - input.ndim, nd - other.ndim
    a_shape, b_shape, r_shape = [], [], []
    for i in range(nd):
        sa = input._data.shape[i - pa] if i >= pa else 1
        sb = other._data.shape[i - pb] if i >= pb else 1
        a_shape += [sa, 1]
        b_shape += [1, sb]
        r_shape.append(sa * sb)
    res = (input._unsafe_view(tuple(a_shape)) * other._unsafe_view(tuple(b_shape)))
    from ._util import write_out
    return write_out(res._unsafe_view(tuple(r_shape)), out)


@expose
def inner(input, other, *, out=None):
    """Inner product over the last dimension (a tensordot, as torch)."""
    from ._util import write_out
    if input.ndim == 0 or other.ndim == 0:
        return write_out(input * other, out)
    if input._data.shape[-1] != other._data.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(input.shape)} and {list(other.shape)}")
    return write_out(_tensordot(input, other, [-1], [-1]), out)


@expose(method=False, internal=True)
def linalg_vecdot(x, y, *, dim=-1, out=None):
    """torch.linalg.vecdot: (x.conj() * y).sum(dim) with broadcasting."""
    from ._util import write_out
    if x.ndim == 1 and y.ndim == 1:
        return write_out(vdot(x, y), out)
    if x.is_complex():
        x = x.conj_physical()
    return write_out((x * y).sum(dim), out)


# ---------------------------------------------------------------------------- cross
def _cross_raw(xp, a, b, dim):
    return xp.cross(a, b, axis=dim)


CROSS = op("linalg_cross", lambda xp, a, b, dim: _cross_raw(xp, xp.broadcast_to(
    a, xp.broadcast_shapes(a.shape, b.shape)), xp.broadcast_to(b, xp.broadcast_shapes(
        a.shape, b.shape)), dim),
    inputs=("a", "b"), params=("dim",), broadcasts=True,
    vjps=(lambda F, g, b, dim: F.linalg_cross(b, g, dim),
          lambda F, g, a, dim: F.linalg_cross(g, a, dim)),
    grad_fn="LinalgCrossBackward0")


@expose(method=False, internal=True)
def linalg_cross(input, other, dim=-1, *, out=None):
    """torch.linalg.cross: the cross product of 3-vectors along ``dim`` (broadcasting)."""
    from ..._tensor import _wrap_dim
    from ._util import no_grad_out, write_out
    no_grad_out(out, "linalg_cross", input, other)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = _wrap_dim(dim, input.ndim)
    n, m = input._data.shape[d], other._data.shape[d]
    if n != 3 or m != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {n} "
                           f"and {m}")
    _broadcast_shapes(input._data.shape, other._data.shape)
    if input._data.dtype != other._data.dtype:
        from ..._dtypes import promote_types
        dt = promote_types(input.dtype, other.dtype)
        input, other = input.to(dt), other.to(dt)
    return write_out(dispatch(CROSS, (input, other), {"dim": d}), out)


@expose
def cross(input, other, dim=None, *, out=None):
    """torch.cross: linalg.cross; without ``dim``, the first dimension of size 3 (with torch's
    deprecation warning)."""
    if dim is None:
        import warnings
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\n"
                      "Please either pass the dim explicitly or simply use torch.linalg.cross.\n"
                      "The default value of dim will change to agree with that of linalg.cross "
                      "in a future release.", UserWarning, stacklevel=2)
        shape = _broadcast_shapes(input._data.shape, other._data.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim, out=out)
