"""Movement ops that copy: flip (fliplr, flipud), roll, rot90, repeat (tile) and
repeat_interleave. Each is linear; flip, roll and rot90 are their own transposes (with the
motion undone), repeat's transpose sums the copies back."""
from __future__ import annotations

from ..._meta import is_meta, meta_array
from ..._tensor import Tensor, _wrap_dim
from .._registry import PUBLIC, dispatch, expose, op
from .views import _unique_dims, clone, expand, flatten, unsqueeze

FLIP = op("flip", lambda xp, x, dims: xp.flip(x, dims).copy() if dims and x.ndim else x.copy(),
          vjps=(lambda F, g, dims: F.flip(g, dims),), params=("dims",))
ROLL = op("roll", lambda xp, x, shifts, dims: xp.roll(x, shifts, axis=dims),
          vjps=(lambda F, g, shifts, dims: F.roll(g, tuple(-s for s in shifts), dims),),
          params=("shifts", "dims"))
ROT90 = op("rot90", lambda xp, x, k, dims: _rot90(xp, x, k, dims),
           vjps=(lambda F, g, k, dims: F.rot90(g, -k, dims),), params=("k", "dims"))
REPEAT = op("repeat", lambda xp, x, repeats: xp.tile(x, repeats),
            vjps=(lambda F, g, x_shape, repeats: _repeat_grad(F, g, x_shape, repeats),),
            params=("repeats",))


def _rot90(xp, x, k, dims):
    """torch's layout too: a flip copied, then transposed for odd k (not contiguous)."""
    d0, d1 = dims
    k %= 4  # the backward rotates by -k
    if k == 1:
        return xp.swapaxes(xp.flip(x, d1).copy(), d0, d1)
    if k == 2:
        return xp.flip(x, dims).copy()
    if k == 3:
        return xp.swapaxes(xp.flip(x, d0).copy(), d0, d1)
    return x.copy()


def _repeat_grad(F, g, x_shape, repeats):
    """The copies summed back: ``g`` reshaped to (repeat, size) pairs, summed over the
    repeats (torch's repeat_backward)."""
    if 0 in repeats:
        return F.zeros(tuple(x_shape), dtype=g.dtype)
    lead = len(repeats) - len(x_shape)
    shape, dims = [], []
    for r in repeats[:lead]:
        shape.append(r)
        dims.append(len(shape) - 1)
    for r, n in zip(repeats[lead:], x_shape):
        if r != 1:
            shape.append(r)
            dims.append(len(shape) - 1)
        shape.append(n)
    g = F.reshape(g, tuple(shape))
    return F.sum(g, tuple(dims)) if dims else g


def _int_list(args, kw=None) -> tuple:
    """Varargs, one sequence of ints or the keyword's value, as torch's IntArrayRef
    arguments take them."""
    if kw is not None:
        args = (kw,)
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(a) for a in args)


@expose
def flip(input, *args, dims=None):
    """Reverse the order of elements along ``dims`` (FlipBackward0; a copy).

    >>> import chainrule as torch
    >>> torch.arange(6).reshape(2, 3).flip(1)
    tensor([[2, 1, 0],
            [5, 4, 3]])
    """
    dims = _unique_dims(_int_list(args, dims), input.ndim)
    return dispatch(FLIP, (input,), {"dims": dims})


@expose
def fliplr(input):
    """Flip left-right: dimension 1 of a tensor of at least 2 dims."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


@expose
def flipud(input):
    """Flip up-down: dimension 0 of a tensor of at least 1 dim."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


@expose
def roll(input, shifts, dims=None):
    """Shift elements along ``dims`` cyclically; without dims, over the flattened tensor
    (RollBackward0).

    >>> import chainrule as torch
    >>> torch.arange(6).reshape(2, 3).roll(1, 1)
    tensor([[2, 0, 1],
            [5, 3, 4]])
    """
    shifts = (int(shifts),) if not isinstance(shifts, (tuple, list)) else tuple(
        int(s) for s in shifts)
    if dims is None:
        dims = ()
    dims = (dims,) if not isinstance(dims, (tuple, list)) else tuple(dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if not dims and len(shifts) == 1:
        return dispatch(ROLL, (input,), {"shifts": shifts, "dims": None})
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                           f"dims:{len(dims)}")
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    dims = tuple(_wrap_dim(d, input.ndim) for d in dims)
    return dispatch(ROLL, (input,), {"shifts": shifts, "dims": dims})


@expose
def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane of ``dims``, from the first towards
    the second (Rot90Backward0)."""
    dims = tuple(dims)
    nd = input.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    wrapped = (_wrap_dim(dims[0], nd), _wrap_dim(dims[1], nd))
    if wrapped[0] == wrapped[1]:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} "
                           f"and dim1 = {dims[1]}")
    return dispatch(ROT90, (input,), {"k": int(k) % 4, "dims": wrapped})


@expose(internal=True)  # a Tensor method only: torch has no torch.repeat
def repeat(input, *args, repeats=None):
    """Tile the tensor ``repeats`` times along each dimension (RepeatBackward0)."""
    repeats = _int_list(args, repeats)
    shape = input._data.shape
    if len(repeats) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(repeats) - len(shape)) + shape
    out_shape = [r * n for r, n in zip(repeats, padded)]
    for n in out_shape:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: "
                               f"{out_shape}")
    return dispatch(REPEAT, (input,), {"repeats": repeats})


@expose
def tile(input, *args, dims=None):
    """``repeat`` with missing leading repeats taken as 1 (RepeatBackward0)."""
    dims = _int_list(args, dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return repeat(input, dims)


@expose
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times along ``dim`` (the flattened tensor without
    one). An int repeats is unsqueeze/expand/clone/flatten, as torch composes it; a tensor
    of repeats is an index_select. ``repeat_interleave(repeats)`` alone gives the indices.

    >>> import chainrule as torch
    >>> torch.tensor([1, 2]).repeat_interleave(2)
    tensor([1, 1, 2, 2])
    """
    if repeats is None:
        return _repeat_indices(input, output_size)
    if isinstance(repeats, Tensor):
        return _repeat_by_tensor(input, repeats, dim, output_size)
    if isinstance(repeats, bool) or not isinstance(repeats, int):
        raise TypeError(f"repeat_interleave() received an invalid combination of arguments - "
                        f"got ({type(repeats).__name__}), but expected one of:\n"
                        " * (Tensor repeats, int dim = None, *, int output_size = None)\n"
                        " * (int repeats, int dim = None, *, int output_size = None)\n")
    x = input if dim is not None else flatten(input)
    d = _wrap_dim(0 if dim is None else dim, max(input.ndim, 1))
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    x = unsqueeze(x, d + 1)
    shape = list(x.shape)
    shape[d + 1] = repeats
    x = expand(x, tuple(shape))
    if output_size is not None and output_size != repeats * shape[d]:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected "
                           f"{repeats * shape[d]} but got {output_size}")
    return flatten(clone(x), d, d + 1)


def _repeat_indices(repeats, output_size):
    """torch.repeat_interleave(repeats): index i repeated repeats[i] times (int64)."""
    data = repeats._data
    if data.dtype.kind not in "iu":
        from ..._dtypes import _BY_NP
        from .._inplace import _type_word
        raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for '
                                  f"'{_type_word(_BY_NP[data.dtype])}'")
    if data.ndim != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if data.size and data.min() < 0:
        raise RuntimeError("repeats can not be negative")
    if is_meta(data):  # the length is the sum of the repeats: data
        if output_size is None:
            raise RuntimeError("cannot repeat_interleave a meta tensor without output_size")
        return Tensor._make(meta_array((output_size,), "int64"))
    xp = repeats.xp
    out = xp.repeat(xp.arange(data.size, dtype=xp.int64), data.astype(xp.int64))
    if output_size is not None and output_size != out.size:
        raise RuntimeError("allocated size does not match required size")
    return Tensor._make(out)


def _repeat_by_tensor(input, repeats, dim, output_size):
    x = input
    if dim is None:
        x, dim = flatten(input), 0
    d = _wrap_dim(dim, max(x.ndim, 1))
    rd = repeats._data
    if rd.ndim == 0 or (rd.ndim == 1 and rd.shape[0] == 1):
        repeats = expand(repeats.reshape(1), (x.shape[d],))
    elif rd.ndim == 1:
        if rd.shape[0] != x.shape[d]:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {rd.shape[0]} and input.size({d}) = "
                               f"{x.shape[d]}")
    else:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    index = _repeat_indices(repeats, output_size)
    index_select = PUBLIC.get("index_select")
    if index_select is None:  # the same values and gradients, through an index node
        return x[(slice(None),) * d + (index,)]
    return index_select(x, d, index)
