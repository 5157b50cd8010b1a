"""Grids and products of tensors: meshgrid, cartesian_prod, combinations,
broadcast_tensors and broadcast_shapes. All are composites, recorded as the views, copies
and stacks torch composes them from."""
from __future__ import annotations

import warnings

from ..._size import Size
from ..._tensor import Tensor
from .._registry import PUBLIC, expose
from .join import stack
from .views import expand, flatten, view


def _meshgrid_list(tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    return tensors


_meshgrid_warned = False


@expose(method=False)
def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids of 0-d and 1-d tensors: each a view of its tensor, expanded
    (ExpandBackward0 of ViewBackward0). ``indexing='ij'`` gives the first tensor the first
    dimension, ``'xy'`` swaps the first two dimensions; leaving it out warns, as torch does,
    and means 'ij'.

    >>> import chainrule as torch
    >>> torch.meshgrid(torch.tensor([1, 2]), torch.tensor([3, 4, 5]), indexing="ij")[0]
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    global _meshgrid_warned
    tensors = _meshgrid_list(tensors)
    if indexing is None:
        if not _meshgrid_warned:  # torch warns once a process (TORCH_WARN_ONCE)
            _meshgrid_warned = True
            warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass "
                          "the indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f"received: {indexing}")
    return _meshgrid(tensors, indexing)


def _meshgrid(tensors, indexing):
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got: {t}")
    first = tensors[0]
    for t in tensors[1:]:
        if t.dtype != first.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    tensors = list(tensors)
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    shape = tuple(t.numel() for t in tensors)
    grids = []
    for i, t in enumerate(tensors):
        view_shape = [1] * len(tensors)
        view_shape[i] = -1
        grids.append(expand(view(t, tuple(view_shape)), shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def _check_vector(t):
    if t.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")


@expose(method=False)
def cartesian_prod(*tensors):
    """The cartesian product of 1-d tensors, one row per combination (StackBackward0 of the
    flattened meshgrid); one tensor comes back as itself."""
    for t in tensors:
        _check_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = _meshgrid(_meshgrid_list(tensors), "ij")
    return stack([flatten(g) for g in grids], 1)


@expose(method=False)
def combinations(input, r: int = 2, with_replacement: bool = False):
    """The length-``r`` combinations of a 1-d tensor's elements, in order, one per row
    (StackBackward0 of masked selections of a meshgrid)."""
    _check_vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    xp = input.xp
    if r == 0:
        return Tensor._make(xp.empty_like(input._data, shape=(0,)))  # meta stays meta
    n = input.numel()
    grids = _meshgrid([input] * r, "ij")
    index = xp.indices((n,) * r)
    keep = xp.ones((n,) * r, dtype=bool)
    for a, b in zip(index[:-1], index[1:]):
        keep &= (a <= b) if with_replacement else (a < b)
    mask = Tensor._make(keep)
    masked_select = PUBLIC.get("masked_select")
    if masked_select is None:  # the same values and gradients, through an index node
        return stack([g[mask] for g in grids], 1)
    return stack([masked_select(g, mask) for g in grids], 1)


def _broadcast_shape(shapes, words) -> tuple:
    """The common shape of ``shapes``; ``words(a, b, dim)`` gives the mismatch error."""
    out: list = []
    for index, given in enumerate(shapes):
        shape = tuple(given)
        if len(shape) > len(out):
            out = [1] * (len(shape) - len(out)) + out
        for i in range(1, len(shape) + 1):
            n, m = out[-i], shape[-i]
            if n == m or m == 1:
                continue
            if n == 1:
                if m < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                out[-i] = m
                continue
            raise words(n, m, len(out) - i, -i, index, given, out)
    return tuple(out)


def _tensors_words(n, m, dim, neg, index, shape, out):
    return RuntimeError(f"The size of tensor a ({n}) must match the size of tensor b ({m}) at "
                        f"non-singleton dimension {dim}")


@expose(method=False)
def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors expanded to their common shape (ExpandBackward0 views; a tensor that
    already has it comes back as itself)."""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    shape = _broadcast_shape([t.shape for t in tensors], _tensors_words)
    return tuple(t if tuple(t.shape) == shape else expand(t, shape) for t in tensors)


@expose(method=False)
def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of ``shapes`` broadcast to (ints count as 1-d shapes)."""
    shapes = [(s,) if isinstance(s, int) else s for s in shapes if s is not None]
    for shape in shapes:
        if not isinstance(shape, (tuple, list)):
            raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a "
                               f"list of ints, got {shape}")

    def words(n, m, dim, neg, index, shape, out):
        return RuntimeError(f"Attempting to broadcast a dimension of length {m} at {neg}! "
                            f"Mismatching argument at index {index} had {shape}; but expected "
                            f"shape should be broadcastable to {out}")
    return Size(_broadcast_shape(shapes, words))


@expose(method=False)
def unravel_index(indices, shape):
    """The coordinates, one int64 tensor a dimension, of flat ``indices`` into ``shape``
    (out-of-range indices wrap, as in torch)."""
    from ..._creation import tensor
    if not isinstance(indices, Tensor):
        raise AttributeError(f"'{type(indices).__name__}' object has no attribute 'is_complex'")
    if indices._data.dtype.kind not in "iu":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, bool) or not isinstance(shape, (int, tuple, list, Size)):
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"expected 'shape' sequence to only contain ints, but got {type(n)}")
    if any(n < 0 for n in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    if not shape:
        return ()
    coefs, step = [], 1
    for n in reversed(shape):
        coefs.insert(0, step)
        step *= n
    if 0 in shape:  # torch: integer remainder by zero (chainrule `%` gives 0 instead)
        raise RuntimeError("ZeroDivisionError")
    from ... import _dtypes
    dev = indices.device  # (a meta index gives meta coordinates)
    out = indices.unsqueeze(-1).floor_divide(tensor(coefs, dtype=_dtypes.int64, device=dev))
    return (out % tensor(list(shape), dtype=_dtypes.int64, device=dev)).unbind(-1)
