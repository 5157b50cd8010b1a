"""``as_strided_scatter``: a copy of the input (laid out as torch's ``clone`` lays it out)
whose ``as_strided(size, stride, storage_offset)`` window holds ``src``
(AsStridedScatterBackward0).

Its gradient is the upstream gradient, laid out as the output, with the window zeroed for
the input and read from the window for ``src``. torch 2.13's formula for the input is
wrong (it keeps the window and zeroes the rest; torch's own gradcheck fails on it, see
docs/differences.md): chainrule gives the true gradient.
"""
from __future__ import annotations

from .. import _memory
from .._tensor import Tensor
from ._registry import dispatch, expose, op
from .strided import _int_list


def clone_strides(shape, strides) -> tuple:
    """The strides (in elements) torch's ``clone`` gives a tensor of this geometry: its own
    when it is non-overlapping and dense, else ``infer_dense_strides`` (its dims' stride
    order, a stride of 0 keeping the contiguous order)."""
    nd = len(shape)
    perm = list(range(nd - 1, -1, -1))

    def should_swap(d0, d1):
        s0, s1 = strides[d0], strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return -1 if s0 < s1 else 1
        return 1 if shape[d0] > shape[d1] else 0

    for i in range(1, nd):
        d1 = i
        for j in range(1, i + 1):
            d0 = i - j
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    out = [0] * nd
    step = 1
    for idx in perm:
        out[idx] = step
        if shape[idx] > 1:
            step *= shape[idx]
    return tuple(out)


def _laid_out(xp, x, layout):
    """A fresh array with ``x``'s values, shape and dtype and the element strides ``layout``."""
    n = 1
    for s in x.shape:
        n *= s
    buf = xp.empty(n, dtype=x.dtype)
    out = _memory.window(buf, x.shape, layout, 0, True)
    out[...] = x
    return out


def _forward(xp, x, src, size, stride, storage_offset, layout):
    out = _laid_out(xp, x, layout)
    _memory.window(out, size, stride, storage_offset, True)[...] = src
    return out


def _window(xp, g, size, stride, storage_offset, layout):
    """The window's values of ``g`` laid out as the output: the gradient of ``src``."""
    return xp.array(_memory.window(_laid_out(xp, g, layout), size, stride, storage_offset))


AS_STRIDED_SCATTER = op(
    "as_strided_scatter_laid_out", _forward, inputs=("x", "src"),
    params=("size", "stride", "storage_offset", "layout"),
    vjps=(lambda F, g, src_shape, size, stride, storage_offset, layout:
          F.as_strided_scatter_laid_out(g, F.zeros(src_shape, dtype=g.dtype), size, stride,
                                        storage_offset, layout),
          lambda F, g, size, stride, storage_offset, layout:
          F.as_strided_window(g, size, stride, storage_offset, layout)),
    grad_fn="AsStridedScatterBackward0", broadcasts=True)
# The src gradient's own derivative is the scatter of the gradient into zeros.
AS_STRIDED_WINDOW = op(
    "as_strided_window", _window, params=("size", "stride", "storage_offset", "layout"),
    vjps=(lambda F, g, x_shape, size, stride, storage_offset, layout:
          F.as_strided_scatter_laid_out(F.zeros(x_shape, dtype=g.dtype), g, size, stride,
                                        storage_offset, layout),),
    grad_fn="AsStridedBackward0")


@expose(method=False, internal=True)
def as_strided_scatter_laid_out(input, src, size, stride, storage_offset, layout):
    """as_strided_scatter with the output's layout given (its backward's vocabulary)."""
    return dispatch(AS_STRIDED_SCATTER, (input, src), {
        "size": size, "stride": stride, "storage_offset": storage_offset, "layout": layout})


@expose(method=False, internal=True)
def as_strided_window(g, size, stride, storage_offset, layout):
    """The values of ``g`` (laid out as ``layout``) in an as_strided window."""
    return dispatch(AS_STRIDED_WINDOW, (g,), {
        "size": size, "stride": stride, "storage_offset": storage_offset, "layout": layout})


@expose
def as_strided_scatter(input: Tensor, src: Tensor, size, stride,
                       storage_offset: int | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` written into its ``as_strided(size, stride,
    storage_offset)`` window (AsStridedScatterBackward0).

    >>> import chainrule as torch
    >>> torch.as_strided_scatter(torch.zeros(4), torch.ones(2), (2,), (2,))
    tensor([1., 0., 1., 0.])
    """
    size, stride = _int_list(size, "size"), _int_list(stride, "stride")
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    data = input._data
    if storage_offset is None:
        storage_offset = 0  # the offset of the clone the window is taken of
    elif isinstance(storage_offset, bool) or not isinstance(storage_offset, int):
        raise TypeError("as_strided_scatter(): argument 'storage_offset' (position 5) must be "
                        f"int, not {type(storage_offset).__name__}")
    if input._rg and not data.flags.c_contiguous:
        raise RuntimeError("!self.requires_grad() || self.is_contiguous() INTERNAL ASSERT "
                           "FAILED: as_strided_scatter is currently only supported for "
                           "contiguous inputs")
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
    if need > data.size * item:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {storage_offset}, and itemsize {item} requiring a storage "
                           f"size of {need} are out of bounds for storage of size "
                           f"{data.size * item}")
    if tuple(src._data.shape) != size:
        raise RuntimeError("expected src to have a size equal to the slice of self. src size = "
                           f"{list(src._data.shape)}, slice size = {list(size)}")
    estrides = _memory.element_strides(data)
    layout = estrides if _memory.is_dense(data) else clone_strides(data.shape, estrides)
    return as_strided_scatter_laid_out(input, src, size, stride, storage_offset, layout)
