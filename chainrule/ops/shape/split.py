"""Splitting: split (SplitBackward0), split_with_sizes (SplitWithSizesBackward0), chunk,
their unsafe_ forms (UnsafeSplit...Backward0: the pieces share the input's memory
but, as in torch, are not tracked as its views), tensor_split and hsplit / vsplit /
dsplit (one SliceBackward0 a piece, as torch records them). The split ops are views with
one output a piece; their transpose concatenates the pieces' gradients, zeros standing in
for the pieces that got none."""
from __future__ import annotations

from ..._tensor import Tensor, _wrap_dim
from .._registry import dispatch, expose, op
from ..indexing import SLICE


def _pieces(x, sizes, dim):
    out, start = [], 0
    lead = (slice(None),) * dim
    for n in sizes:
        out.append(x[lead + (slice(start, start + n),)])
        start += n
    return tuple(out)


def _split_sizes(n: int, split_size: int) -> list:
    """The piece sizes of split(split_size) over a dimension of size n."""
    if n == 0:
        return [0]
    sizes = [split_size] * (n // split_size)
    if n % split_size:
        sizes.append(n % split_size)
    return sizes


def _split_grad(F, grads, x_shape, sizes, dim):
    like = next(g for g in grads if g is not None)
    parts = []
    for g, n in zip(grads, sizes):
        if g is None:
            shape = tuple(x_shape[:dim]) + (n,) + tuple(x_shape[dim + 1:])
            g = F.zeros(shape, dtype=like.dtype)
        parts.append(g)
    return F.cat(parts, dim)


_BY_SIZE = (lambda F, g, x_shape, split_size, dim:
            _split_grad(F, g, x_shape, _split_sizes(x_shape[dim], split_size), dim),)
_BY_SIZES = (lambda F, g, x_shape, split_sizes, dim: _split_grad(F, g, x_shape, split_sizes,
                                                                dim),)
SPLIT = op("split", lambda xp, x, split_size, dim: _pieces(
    x, _split_sizes(x.shape[dim], split_size), dim), vjps=_BY_SIZE,
    params=("split_size", "dim"), num_outputs=None, view=True)
SPLIT_WITH_SIZES = op("split_with_sizes", lambda xp, x, split_sizes, dim: _pieces(
    x, split_sizes, dim), vjps=_BY_SIZES, params=("split_sizes", "dim"), num_outputs=None,
    view=True)
UNSAFE_SPLIT = op("unsafe_split", lambda xp, x, split_size, dim: _pieces(
    x, _split_sizes(x.shape[dim], split_size), dim), vjps=_BY_SIZE,
    params=("split_size", "dim"), num_outputs=None)
UNSAFE_SPLIT_WITH_SIZES = op("unsafe_split_with_sizes", lambda xp, x, split_sizes, dim:
                             _pieces(x, split_sizes, dim), vjps=_BY_SIZES,
                             params=("split_sizes", "dim"), num_outputs=None)


def _split_args(input, split_size, dim):
    if input.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    split_size = int(split_size)
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got "
                           f"split_size={split_size}")
    d = _wrap_dim(dim, input.ndim)
    n = input._data.shape[d]
    if split_size == 0 and n != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                           f"dimension size of {n}")
    return {"split_size": split_size, "dim": d}


def _sizes_args(input, split_sizes, dim):
    if input.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    sizes = [int(s) for s in split_sizes]
    d = _wrap_dim(dim, input.ndim)
    n = input._data.shape[d]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                           f"entries, but got split_sizes={sizes}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={sizes}")
    return {"split_sizes": tuple(sizes), "dim": d}


@expose
def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along ``dim`` (SplitBackward0), or of the given sizes
    (SplitWithSizesBackward0); views of the tensor.

    >>> import chainrule as torch
    >>> torch.arange(6).reshape(2, 3).split(2, 1)
    (tensor([[0, 1],
            [3, 4]]), tensor([[2],
            [5]]))
    """
    if isinstance(split_size_or_sections, (tuple, list)):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    return dispatch(SPLIT, (tensor,), _split_args(tensor, split_size_or_sections, dim))


@expose
def split_with_sizes(input, split_sizes, dim=0):
    """Pieces of the given sizes along ``dim`` (SplitWithSizesBackward0)."""
    return dispatch(SPLIT_WITH_SIZES, (input,), _sizes_args(input, split_sizes, dim))


@expose
def unsafe_split(input, split_size, dim=0):
    """split, its pieces untracked as views (UnsafeSplitBackward0)."""
    return dispatch(UNSAFE_SPLIT, (input,), _split_args(input, split_size, dim))


@expose
def unsafe_split_with_sizes(input, split_sizes, dim=0):
    """split_with_sizes, its pieces untracked as views (UnsafeSplitWithSizesBackward0)."""
    return dispatch(UNSAFE_SPLIT_WITH_SIZES, (input,), _sizes_args(input, split_sizes, dim))


def _chunk(input, chunks, dim, by_size, by_sizes):
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input._data.shape[_wrap_dim(dim, input.ndim)]
    size = (n + chunks - 1) // chunks
    if size == 0 and n == 0:  # split would lose the number of (empty) chunks
        return by_sizes(input, [0] * chunks, dim)
    return by_size(input, size, dim)


@expose
def chunk(input, chunks, dim=0):
    """At most ``chunks`` views of equal size along ``dim`` (the last may be smaller)."""
    return _chunk(input, int(chunks), dim, split, split_with_sizes)


@expose
def unsafe_chunk(input, chunks, dim=0):
    """chunk, its pieces untracked as views (UnsafeSplitBackward0)."""
    return _chunk(input, int(chunks), dim, unsafe_split, unsafe_split_with_sizes)


def _slice(input, dim, start, stop):
    key = (slice(None),) * dim + (slice(start, stop),)
    out = dispatch(SLICE, (input,), {"key": key})
    out._view_of = (input, key)  # in-place ops on the piece write through to input
    return out


@expose
def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None,
                 tensor_indices_or_sections=None):
    """Split into ``sections`` near-equal pieces, or at ``indices``, along ``dim``: each
    piece a view (SliceBackward0).

    >>> import chainrule as torch
    >>> torch.arange(5).tensor_split(3)
    (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    arg = next(a for a in (indices_or_sections, sections, indices, tensor_indices_or_sections)
               if a is not None)
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    if isinstance(arg, Tensor):
        data = arg._data
        if data.dtype.kind not in "iu" or data.dtype.itemsize != 8:
            from ..._dtypes import _BY_NP
            from .._inplace import _type_word
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have "
                               f"dtype of long, but got {_type_word(_BY_NP[data.dtype])}")
        if data.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {data.ndim} dims")
        arg = int(data) if data.ndim == 0 else [int(i) for i in data.tolist()]
    d = _wrap_dim(dim, input.ndim)
    if isinstance(arg, (tuple, list)):
        bounds = [0] + [int(i) for i in arg] + [None]
        return tuple(_slice(input, d, a, b) for a, b in zip(bounds, bounds[1:]))
    sections = int(arg)
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    n = input._data.shape[d]
    small, extra = divmod(n, sections)
    out, start = [], 0
    for i in range(sections):
        stop = start + small + (1 if i < extra else 0)
        out.append(_slice(input, d, start, stop))
        start = stop
    return tuple(out)


def _directional_split(name, dim, min_dims):
    def fn(input, indices_or_sections):
        nd = input.ndim
        if nd < min_dims:
            raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} "
                               f"dimension, but got a tensor with {nd} dimensions!")
        d = dim if nd > 1 else 0
        if isinstance(indices_or_sections, int):
            size = input._data.shape[d]
            if indices_or_sections == 0 or size % indices_or_sections:
                raise RuntimeError(f"torch.{name} attempted to split along dimension {d}, but "
                                   f"the size of the dimension {size} is not divisible by the "
                                   f"split_size {indices_or_sections}!")
        return tensor_split(input, indices_or_sections, d)
    fn.__name__ = name
    fn.__doc__ = f"tensor_split along dimension {dim} ({name})."
    return fn


hsplit = expose(_directional_split("hsplit", 1, 1), name="hsplit")
vsplit = expose(_directional_split("vsplit", 0, 2), name="vsplit")
dsplit = expose(_directional_split("dsplit", 2, 3), name="dsplit")
