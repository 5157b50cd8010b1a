"""Diagonals and triangles: diagonal (a view, DiagonalBackward0), diag_embed, diag,
diagflat, diagonal_scatter, tril / triu (with in-place and out= forms), tril_indices /
triu_indices and block_diag."""
from __future__ import annotations

from ..._meta import is_meta
from ..._tensor import Tensor, _wrap_dim
from .._inplace import inplace
from .._registry import dispatch, expose, op
from ._out import write_out
from .views import contiguous, view


def diagonal_view(xp, x, offset, dim1, dim2):
    """The diagonal of ``x`` as a writable view (NumPy's own is read-only), its entries on
    the last dimension."""
    if offset > 0:
        x = x[(slice(None),) * dim2 + (slice(offset, None),)]
    elif offset < 0:
        x = x[(slice(None),) * dim1 + (slice(-offset, None),)]
    d = xp.diagonal(x, 0, dim1, dim2)
    if is_meta(x):  # (a write into a meta tensor's diagonal: nothing to write)
        return d
    return xp.lib.stride_tricks.as_strided(x, d.shape, d.strides,
                                           writeable=x.flags.writeable)


def _embed(xp, src, shape, offset, dim1, dim2, base=None):
    out = xp.zeros(shape, dtype=src.dtype) if base is None else base.copy()
    diagonal_view(xp, out, offset, dim1, dim2)[...] = src
    return out


def _embedded_shape(shape, offset, dim1, dim2):
    n = shape[-1] + abs(offset)
    out = list(shape[:-1])
    for d in sorted((dim1, dim2)):
        out.insert(d, n)
    return tuple(out)


DIAGONAL = op("diagonal", diagonal_view,
              vjps=(lambda F, g, x_shape, offset, dim1, dim2:
                    F.diagonal_backward(g, x_shape, offset, dim1, dim2),),
              params=("offset", "dim1", "dim2"), view=True)
# torch's backward of diagonal is an op of its own (DiagonalBackwardBackward0 under
# create_graph), whose backward is diagonal again.
DIAGONAL_BACKWARD = op("diagonal_backward", lambda xp, g, input_sizes, offset, dim1, dim2:
                       _embed(xp, g, input_sizes, offset, dim1, dim2),
                       vjps=(lambda F, g, offset, dim1, dim2: F.diagonal(g, offset, dim1,
                                                                         dim2),),
                       params=("input_sizes", "offset", "dim1", "dim2"))
DIAG_EMBED = op("diag_embed", lambda xp, x, offset, dim1, dim2: _embed(
    xp, x, _embedded_shape(x.shape, offset, dim1, dim2), offset, dim1, dim2),
    vjps=(lambda F, g, offset, dim1, dim2: F.diagonal(g, offset, dim1, dim2),),
    params=("offset", "dim1", "dim2"))
DIAGONAL_SCATTER = op(
    "diagonal_scatter", lambda xp, x, src, offset, dim1, dim2: _embed(
        xp, src, x.shape, offset, dim1, dim2, base=x), inputs=("x", "src"),
    vjps=(lambda F, g, src_shape, offset, dim1, dim2: F.diagonal_scatter(
        g, F.zeros(tuple(src_shape), dtype=g.dtype), offset, dim1, dim2),
        lambda F, g, offset, dim1, dim2: F.diagonal(g, offset, dim1, dim2)),
    params=("offset", "dim1", "dim2"), broadcasts=True)
TRIL = op("tril", lambda xp, x, diagonal: xp.tril(x, diagonal),
          vjps=(lambda F, g, diagonal: F.tril(g, diagonal),), params=("diagonal",))
TRIU = op("triu", lambda xp, x, diagonal: xp.triu(x, diagonal),
          vjps=(lambda F, g, diagonal: F.triu(g, diagonal),), params=("diagonal",))
BLOCK_DIAG = op("block_diag", lambda xp, *xs: _block_diag(xp, xs), inputs=("tensors",),
                vjps=(lambda F, g, shapes: _block_diag_grad(g, shapes),), variadic=True,
                dtype_rule="promote")


def _diag_dims(input, dim1, dim2, ndim):
    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


@expose
def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal ``offset`` of the planes (dim1, dim2), as the last dimension of a view
    (DiagonalBackward0).

    >>> import chainrule as torch
    >>> torch.arange(6).reshape(2, 3).diagonal()
    tensor([0, 4])
    """
    d1, d2 = _diag_dims(input, dim1, dim2, input.ndim)
    return dispatch(DIAGONAL, (input,), {"offset": int(offset), "dim1": d1, "dim2": d2})


@expose(method=False, internal=True)
def diagonal_backward(grad_output, input_sizes, offset, dim1, dim2):
    """Zeros of ``input_sizes`` with ``grad_output`` on the diagonal: diagonal's transpose."""
    return dispatch(DIAGONAL_BACKWARD, (grad_output,),
                    {"input_sizes": tuple(input_sizes), "offset": offset, "dim1": dim1,
                     "dim2": dim2})


@expose
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """A tensor whose diagonals (dim1, dim2) hold the last dimension of ``input``
    (DiagEmbedBackward0)."""
    d1, d2 = _diag_dims(input, dim1, dim2, input.ndim + 1)
    return dispatch(DIAG_EMBED, (input,), {"offset": int(offset), "dim1": d1, "dim2": d2})


@expose
def diag(input, diagonal=0, *, out=None):
    """A 1-d tensor's square matrix (DiagEmbedBackward0), or a matrix's diagonal as a copy
    (DiagonalBackward0_copy)."""
    nd = input.ndim
    if nd not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")
    if out is not None:
        name = "aten::diagonal_copy" if nd == 2 else "aten::diag_embed"
        return write_out(name, out, diag(input.detach(), diagonal), (input,))
    if nd == 1:
        return diag_embed(input, diagonal)
    from .copies import diagonal_copy
    return diagonal_copy(input, diagonal)


@expose
def diagflat(input, offset=0):
    """The flattened input on diagonal ``offset`` of a square matrix (DiagEmbedBackward0 of
    the flattened view)."""
    return diag_embed(view(contiguous(input), -1), offset)


@expose
def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of ``input`` with ``src`` on its diagonal (DiagonalScatterBackward0)."""
    d1, d2 = _diag_dims(input, dim1, dim2, input.ndim)
    _check_src(input, src, diagonal_view(input.xp, input._data, int(offset), d1, d2).shape)
    return dispatch(DIAGONAL_SCATTER, (input, src), {"offset": int(offset), "dim1": d1,
                                                     "dim2": d2})


def _check_src(input, src, slice_shape):
    if tuple(src.shape) != tuple(slice_shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size "
                           f"= {list(src.shape)}, slice size = {list(slice_shape)}")


def _triangle(name, op_):
    def fn(input, diagonal=0, *, out=None):
        if input.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
        if out is not None:
            return write_out(name, out, fn(input.detach(), diagonal), (input,))
        return dispatch(op_, (input,), {"diagonal": int(diagonal)})
    fn.__name__ = name
    fn.__doc__ = (f"The {'lower' if name == 'tril' else 'upper'} triangle on and "
                  f"{'below' if name == 'tril' else 'above'} diagonal ``diagonal``, zeros "
                  f"elsewhere ({name.capitalize()}Backward0).")
    return fn


tril = expose(_triangle("tril", TRIL), name="tril")
triu = expose(_triangle("triu", TRIU), name="triu")
Tensor.tril_ = inplace(tril)
Tensor.triu_ = inplace(triu)


def _indices(name, lower):
    def fn(row, col, offset=0, *, dtype=None, device=None, layout=None, pin_memory=False,
           requires_grad=False):
        from ... import _dtypes
        from ...backend import numpy_namespace as xp
        dtype = dtype or _dtypes.int64
        if dtype.name not in ("int32", "int64"):
            from .._inplace import _type_word
            raise NotImplementedError(f'"{name}" not implemented for \'{_type_word(dtype)}\'')
        for word, n in (("row", row), ("col", col)):
            if n < 0:
                raise RuntimeError(f"{word} must be non-negative, got{n}")
        make = xp.tril_indices if lower else xp.triu_indices
        rows, cols = make(row, offset, col)
        return Tensor._make(xp.stack([rows, cols]).astype(dtype.np))
    fn.__name__ = name
    fn.__doc__ = (f"The (2, N) row and column indices of the {'lower' if lower else 'upper'} "
                  "triangle of a row x col matrix, row by row.")
    return fn


tril_indices = expose(_indices("tril_indices", True), name="tril_indices", method=False)
triu_indices = expose(_indices("triu_indices", False), name="triu_indices", method=False)


def _as_matrix(shape):
    return (1, 1) if len(shape) == 0 else (1, shape[0]) if len(shape) == 1 else shape


def _block_diag(xp, xs):
    shapes = [_as_matrix(x.shape) for x in xs]
    out = xp.zeros((sum(s[0] for s in shapes), sum(s[1] for s in shapes)),
                   dtype=xs[0].dtype if xs else xp.float32)
    r = c = 0
    for x, (n, m) in zip(xs, shapes):
        out[r:r + n, c:c + m] = x.reshape(n, m)
        r, c = r + n, c + m
    return out


def _block_diag_grad(g, shapes):
    grads, r, c = [], 0, 0
    for shape in shapes:
        n, m = _as_matrix(shape)
        part = g[r:r + n, c:c + m]
        grads.append(part.reshape(shape) if len(shape) < 2 else part)
        r, c = r + n, c + m
    return grads


@expose(method=False)
def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-d, 1-d as a row, or 2-d) as blocks down the diagonal of one matrix
    (BlockDiagBackward0)."""
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t.ndim} dimensions")
    if not tensors:
        from ..._creation import empty
        return empty(1, 0)
    return dispatch(BLOCK_DIAG, tensors)
