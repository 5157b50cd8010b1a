"""``as_strided``: a view of a tensor's storage with any sizes, strides and offset.

It is the basis of view replay: after an in-place change, torch regenerates a view's
grad_fn as ``base.as_strided(view.size(), view.stride(), view.storage_offset())``
(AsStridedBackward0), and CopySlices writes a gradient into the view's place in its base's
with the same geometry. Geometry is counted in elements from the start of the storage
(``chainrule._memory``).

The backward follows torch's ``as_strided_backward``: the gradient is scattered (summed,
where the output's elements repeat) into a zero "storage" at the output's positions, then
read back at the input's positions, divided by how often each position occurs when the
input's own elements repeat.
"""
from __future__ import annotations

from .. import _memory
from .._tensor import Tensor
from ._registry import dispatch, expose, op


def _forward(xp, x, size, stride, storage_offset, geometry):
    # An output whose elements repeat is read-only, as NumPy's broadcast views are: the
    # in-place ops refuse to write through it, as torch refuses (fill_ excepted).
    repeats = any(st == 0 and n > 1 for n, st in zip(size, stride))
    return _memory.window(x, size, stride, storage_offset,
                          writeable=False if repeats else None)


AS_STRIDED = op("as_strided", _forward,
                vjps=(lambda F, g, geometry, size, stride, storage_offset:
                      F.strided_move(g, *_backward_plan(geometry, size, stride,
                                                        storage_offset)),),
                params=("size", "stride", "storage_offset", "geometry"), view=True,
                grad_fn="AsStridedBackward0")


def _positions(xp, shape, strides, offset):
    """The storage position of every element of a geometry, as an int64 array of ``shape``."""
    pos = xp.asarray(offset, dtype=xp.int64)
    for n, st in zip(shape, strides):
        pos = pos[..., None] + xp.arange(n, dtype=xp.int64) * st
    return pos


def _move(xp, g, src, dst, count, n):
    """Scatter ``g`` (laid out as geometry ``src``) into a zero storage of ``n`` elements,
    divide by how often ``count``'s geometry covers each position, and read the result at
    geometry ``dst``."""
    g = xp.asarray(g)
    storage = xp.zeros(n, dtype=g.dtype)
    xp.add.at(storage, _positions(xp, *src), g)
    if count is not None:
        times = xp.bincount(_positions(xp, *count).reshape(-1), minlength=n)
        storage = storage / xp.maximum(times, 1).astype(storage.real.dtype)
        storage = storage.astype(g.dtype, copy=False)
    return storage[_positions(xp, *dst)]


# The linear map behind as_strided's backward; its transpose is the same move with source
# and destination exchanged (the division is diagonal), so double backward comes for free.
STRIDED_MOVE = op("strided_move", _move,
                  vjps=(lambda F, g, src, dst, count, n: F.strided_move(g, dst, src, count, n),),
                  params=("src", "dst", "count", "n"), grad_fn="AsStridedBackwardBackward0")


@expose(method=False, internal=True)
def strided_move(g, src, dst, count, n):
    """The scatter-then-gather of as_strided's backward (see ``_move``)."""
    return dispatch(STRIDED_MOVE, (g,), {"src": src, "dst": dst, "count": count, "n": n})


def _min_storage(geometry) -> int:
    shape, strides, offset = geometry
    size = 1
    for n, st in zip(shape, strides):
        if n == 0:
            return offset
        size += (n - 1) * st
    return offset + size


def _maybe_overlapping(shape, strides) -> bool:
    """torch's _maybe_overlapping_memory: can two elements of the geometry share a position."""
    dims = sorted((st, n) for n, st in zip(shape, strides) if n > 1)
    reach = 0
    for st, n in dims:
        if st <= reach:
            return True
        reach += st * (n - 1)
    return False


def _backward_plan(geometry, size, stride, storage_offset):
    """(src, dst, count, n) of the move that is the gradient of ``input.as_strided(size,
    stride, storage_offset)`` w.r.t. an input of ``geometry`` (sizes, strides, offset)."""
    in_shape, in_strides, in_offset = geometry
    shared = min(in_offset, storage_offset)
    inp = (tuple(in_shape), tuple(in_strides), in_offset - shared)
    out = (tuple(size), tuple(stride), storage_offset - shared)
    n = max(_min_storage(inp), _min_storage(out))
    count = inp if _maybe_overlapping(inp[0], inp[1]) else None
    return out, inp, count, n


def _int_list(value, what: str) -> tuple:
    if isinstance(value, int):
        value = (value,)
    try:
        out = tuple(value)
    except TypeError:
        raise TypeError(f"as_strided(): argument '{what}' must be tuple of ints, not "
                        f"{type(value).__name__}") from None
    for v in out:
        if isinstance(v, bool) or not isinstance(v, int) and not hasattr(v, "__index__"):
            raise TypeError(f"as_strided(): argument '{what}' must be tuple of ints, but found "
                            f"element of type {type(v).__name__}")
    return tuple(int(v) for v in out)


# as_strided_: the same view taken in place (torch numbers its node apart: AsStridedBackward1).
AS_STRIDED_INPLACE = op("as_strided_inplace", _forward, vjps=AS_STRIDED.vjps,
                        params=("size", "stride", "storage_offset", "geometry"),
                        grad_fn="AsStridedBackward1")


@expose
def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view of ``input``'s storage with the given sizes, strides and offset, all in
    elements (AsStridedBackward0).

    >>> import chainrule as torch
    >>> torch.arange(6.).as_strided((2, 2), (1, 2), 1)
    tensor([[1., 3.],
            [2., 4.]])
    """
    return dispatch(AS_STRIDED, (input,), _params(input, size, stride, storage_offset))


def _params(input: Tensor, size, stride, storage_offset) -> dict:
    """as_strided's checked parameters, with the input's own geometry for the backward."""
    size, stride = _int_list(size, "size"), _int_list(stride, "stride")
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    data = input._data
    if storage_offset is None:
        storage_offset = _memory.storage_offset(data)
    elif isinstance(storage_offset, bool) or not isinstance(storage_offset, int):
        raise TypeError("as_strided(): argument 'storage_offset' (position 3) must be int, "
                        f"not {type(storage_offset).__name__}")
    if any(st < 0 for st in stride):
        raise RuntimeError("as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    if storage_offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {storage_offset}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and "
                           f"strides={list(stride)}")
    item = data.itemsize
    need = 0 if any(n <= 0 for n in size) else item * (
        1 + sum((n - 1) * st for n, st in zip(size, stride)) + storage_offset)
    have = _memory.storage_span(data)[1]
    if need > have:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {storage_offset}, and itemsize {item} requiring a storage "
                           f"size of {need} are out of bounds for storage of size {have}")
    geometry = (data.shape, _memory.element_strides(data), _memory.storage_offset(data))
    return {"size": size, "stride": stride, "storage_offset": storage_offset,
            "geometry": geometry}


def as_strided_(self: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """In-place as_strided: this tensor takes the new sizes, strides and offset over its
    storage (AsStridedBackward1)."""
    from .shape.inplace_views import _apply
    return _apply(self, AS_STRIDED_INPLACE, _params(self, size, stride, storage_offset))


Tensor.as_strided_ = as_strided_


def _replay_plan(arrays):
    """The backward move of a replayed view: ``arrays`` is [view, base] (raw arrays), and
    the view is ``base.as_strided(view.size(), view.stride(), view.storage_offset())``. A view
    is replayed at every change of its memory (an optimizer step included), so the geometry
    is worked out here, only if the backward runs."""
    vd, bd = arrays
    return _backward_plan((bd.shape, _memory.element_strides(bd), _memory.storage_offset(bd)),
                          vd.shape, _memory.element_strides(vd), _memory.storage_offset(vd))


# The node of a replayed view (torch's AsStridedBackward0 made by view replay).
AS_STRIDED_REPLAY = op("as_strided_replay", lambda xp, x, replay: replay[0],
                       vjps=(lambda F, g, replay: F.strided_move(g, *_replay_plan(replay)),),
                       params=("replay",), grad_fn="AsStridedBackward0")
