"""masked_fill, masked_select, masked_scatter, take, put, nonzero and argwhere.

The masked ops broadcast ``input`` with a boolean ``mask``; take and put index the
flattened input. masked_select's backward is a masked_scatter into zeros and take's is an
accumulating put into zeros, recorded as such under create_graph (as in torch).
"""
from __future__ import annotations

from ..._meta import meta_aware
from ..._tensor import Tensor
from ...backend import namespace_of
from .._registry import dispatch, expose, op
from . import _kernels as K
from ._common import (
    broadcast_shapes,
    check_out,
    cpp_name,
    fill_scalar,
    first_bad,
    raw,
    saved,
    scalar_name,
    tensor_arg,
    wrap_negative,
    write_out,
)


# ---------------------------------------------------------------------------- forwards
def _masked_fill(xp, x, mask, value):
    return xp.where(mask, xp.asarray(value, dtype=x.dtype), x)


def _masked_fill_tensor(xp, x, value, mask):
    return xp.where(mask, value.astype(x.dtype), x)


def _masked_select(xp, x, mask):
    if x.shape != mask.shape:
        x, mask = xp.broadcast_arrays(x, mask)
    return x[mask]


def _masked_scatter(xp, x, source, mask):
    shape = xp.broadcast_shapes(x.shape, mask.shape)
    out = xp.broadcast_to(x, shape).copy()
    mask = xp.broadcast_to(mask, shape)
    out[mask] = source.reshape(-1)[:int(mask.sum())]
    return out


def _masked_scatter_backward(xp, g, mask, sizes):
    """The gradient of masked_scatter's ``source``: the masked part of ``g`` in order,
    zero-padded to ``source``'s size."""
    picked = _masked_select(xp, g, mask)
    numel = 1
    for n in sizes:
        numel *= n
    if picked.size < numel:
        picked = xp.concatenate([picked, xp.zeros(numel - picked.size, dtype=g.dtype)])
    return picked.reshape(sizes)


def _take(xp, x, index):
    return x.reshape(-1)[index]


def _put(xp, x, source, index, accumulate=False):
    out = xp.array(x)  # a fresh array (rules may pass NumPy scalars)
    flat = out.reshape(-1)
    if accumulate:
        K.add_flat(xp, flat, index.reshape(-1), source.reshape(-1))
    else:
        flat[index.reshape(-1)] = source.reshape(-1)
    return out


# ---------------------------------------------------------------------------- backward
def _bshape(x_shape, mask):
    return tuple(namespace_of(mask).broadcast_shapes(tuple(x_shape), mask.shape))


def _select_grad(F, g, x_shape, mask):
    r = F._masked_scatter(F.zeros(_bshape(x_shape, mask), dtype=g.dtype), g, mask)
    if tuple(r.shape) != tuple(x_shape):
        r = F.sum_to_shape(r, tuple(x_shape))
    return r


MASKED_FILL = op("_masked_fill", _masked_fill, params=("mask", "value"),
                 grad_fn="MaskedFillBackward0", broadcasts=True,
                 vjps=(lambda F, g, mask: F._masked_fill(g, mask, 0),))
MASKED_FILL_TENSOR = op("_masked_fill_tensor", _masked_fill_tensor, inputs=("x", "value"),
                        params=("mask",), grad_fn="MaskedFillBackward1", broadcasts=True,
                        vjps=(lambda F, g, mask: F._masked_fill(g, mask, 0),
                              lambda F, g, mask: F._masked_select(g, mask).sum()))
MASKED_SELECT = op("_masked_select", _masked_select, params=("mask",),
                   grad_fn="MaskedSelectBackward0",
                   vjps=(lambda F, g, x_shape, mask: _select_grad(F, g, x_shape, mask),))
MASKED_SCATTER_BACKWARD = op(
    "_masked_scatter_backward", _masked_scatter_backward, params=("mask", "sizes"),
    grad_fn="MaskedScatterBackwardBackward0",
    vjps=(lambda F, g, x_shape, mask:
          F._masked_scatter(F.zeros(tuple(x_shape), dtype=g.dtype), g, mask),))
MASKED_SCATTER = op("_masked_scatter", _masked_scatter, inputs=("x", "source"),
                    params=("mask",), grad_fn="MaskedScatterBackward0", broadcasts=True,
                    vjps=(lambda F, g, mask: F._masked_fill(g, mask, 0),
                          lambda F, g, source_shape, mask:
                          F._masked_scatter_backward(g, mask, tuple(source_shape))))
TAKE = op("_take", _take, params=("index",), grad_fn="TakeBackward0",
          vjps=(lambda F, g, x_shape, index:
                F._put(F.zeros(tuple(x_shape), dtype=g.dtype), g, index, True),))
PUT = op("_put", _put, inputs=("x", "source"), params=("index", "accumulate"),
         grad_fn="PutBackward0",
         vjps=(lambda F, g, source_shape, index, accumulate: g if accumulate else
               F._put(g, F.zeros(tuple(source_shape), dtype=g.dtype), index, False),
               lambda F, g, source_shape, index:
               F.reshape(F._take(g, index), tuple(source_shape))))


# ---------------------------------------------------------------------------- vocabulary
@expose(name="_masked_fill", method=False, internal=True)
def _masked_fill_op(x, mask, value):
    value = fill_scalar(x.xp, value, x._data.dtype)
    return dispatch(MASKED_FILL, (x,), {"mask": raw(mask), "value": value})


@expose(name="_masked_select", method=False, internal=True)
def _masked_select_op(x, mask):
    return dispatch(MASKED_SELECT, (x,), {"mask": raw(mask)})


@expose(name="_masked_scatter", method=False, internal=True)
def _masked_scatter_op(x, source, mask):
    return dispatch(MASKED_SCATTER, (x, source), {"mask": raw(mask)})


@expose(name="_masked_scatter_backward", method=False, internal=True)
def _masked_scatter_backward_op(g, mask, sizes):
    return dispatch(MASKED_SCATTER_BACKWARD, (g,), {"mask": raw(mask), "sizes": tuple(sizes)})


@expose(name="_take", method=False, internal=True)
def _take_op(x, index):
    return dispatch(TAKE, (x,), {"index": raw(index)})


@expose(name="_put", method=False, internal=True)
def _put_op(x, source, index, accumulate=False):
    return dispatch(PUT, (x, source), {"index": raw(index), "accumulate": accumulate})


# ---------------------------------------------------------------------------- public
def _mask(fn, mask, message):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{fn}(): argument 'mask' (position 2) must be Tensor, not "
                        f"{type(mask).__name__}")
    m = mask._data
    if m.dtype.kind != "b":
        raise RuntimeError(message.format(cpp=cpp_name(m), scalar=scalar_name(m)))
    return m


@expose
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``value`` where ``mask`` (bool, broadcast with ``input``) is true, ``input`` elsewhere
    (MaskedFillBackward0; a 0-d tensor ``value`` gets a gradient: MaskedFillBackward1).

    >>> import chainrule as torch
    >>> x = torch.tensor([1., -2., 3.])
    >>> x.masked_fill(x < 0, 0.0)
    tensor([1., 0., 3.])
    """
    m = _mask("masked_fill", mask, "masked_fill_ only supports boolean masks, but got mask "
                                   "with dtype {cpp}")
    x = input._data
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s).")
        broadcast_shapes(input.xp, m, x)
        fill_scalar(input.xp, value, x.dtype)  # torch's overflow check on the value
        return dispatch(MASKED_FILL_TENSOR, (input, value), {"mask": saved(m, input, value)})
    broadcast_shapes(input.xp, m, x)
    return _masked_fill_op(input, saved(m, input), value)


@expose
def masked_select(input: Tensor, mask: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elements of ``input`` where ``mask`` (bool, broadcast with ``input``) is true, as
    a 1-D tensor in C order (MaskedSelectBackward0).

    >>> import chainrule as torch
    >>> x = torch.tensor([[1., -2.], [-3., 4.]])
    >>> torch.masked_select(x, x > 0)
    tensor([1., 4.])
    """
    m = _mask("masked_select", mask, "masked_select: expected BoolTensor for mask")
    check_out("masked_select", out, input)
    broadcast_shapes(input.xp, m, input._data)
    result = _masked_select_op(input, saved(m, input))
    return result if out is None else write_out("masked_select", out, result)


@expose
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` (broadcast with ``mask``) whose elements where ``mask`` is true
    are, in C order, the leading elements of ``source`` (MaskedScatterBackward0).

    >>> import chainrule as torch
    >>> torch.zeros(4).masked_scatter(torch.tensor([True, False, True, False]),
    ...                               torch.tensor([5., 6., 7.]))
    tensor([5., 0., 6., 0.])
    """
    if isinstance(mask, Tensor) and mask._data.dtype.name == "uint8":
        import warnings
        warnings.warn("masked_scatter_ received a mask with dtype torch.uint8, this behavior "
                      "is now deprecated,please use a mask with dtype torch.bool instead.",
                      UserWarning, stacklevel=2)
    m = _mask("masked_scatter", mask, "masked_scatter_ only supports boolean masks, but got "
                                      "mask with dtype {scalar}")
    tensor_arg(source, "masked_scatter", "source", 3)
    x, s = input._data, source._data
    if x.dtype != s.dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but "
                           f"got{scalar_name(x)} and {scalar_name(s)}")
    shape = broadcast_shapes(input.xp, m, x)
    if int(input.xp.broadcast_to(m, shape).sum()) > s.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return _masked_scatter_op(input, source, saved(m, input, source))


def _flat_index(fn, input, index, position=2):
    tensor_arg(index, fn.rstrip("_"), "index", position)
    idx = index._data
    if idx.dtype.name != "int64":
        raise RuntimeError(f"{fn}(): Expected a long tensor for index, but got "
                           f"{scalar_name(idx)}")
    return idx


def _flat_bounds(xp, idx, numel):
    bad = first_bad(idx, numel, negative_ok=True)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {numel} "
                         "elements.")
    return wrap_negative(xp, idx, numel)


@expose
def take(input: Tensor, index: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The elements of the flattened ``input`` at ``index`` (negative counts from the end);
    the result has ``index``'s shape (TakeBackward0).

    >>> import chainrule as torch
    >>> torch.take(torch.tensor([[1., 2.], [3., 4.]]), torch.tensor([0, -1]))
    tensor([1., 4.])
    """
    idx = _flat_index("take", input, index)
    check_out("take", out, input)
    numel = input._data.size
    if numel == 0 and idx.size:
        raise IndexError("take(): tried to take from an empty tensor")
    idx = _flat_bounds(input.xp, idx, numel)
    result = _take_op(input, saved(idx, input))
    return result if out is None else write_out("take", out, result)


@expose
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with the flattened positions ``index`` set to (``accumulate``:
    increased by) the elements of ``source`` (PutBackward0).

    >>> import chainrule as torch
    >>> torch.zeros(2, 2).put(torch.tensor([0, 3, 0]), torch.tensor([1., 2., 3.]),
    ...                       accumulate=True)
    tensor([[4., 0.],
            [0., 2.]])
    """
    idx = _flat_index("put_", input, index)
    tensor_arg(source, "put", "source", 3)
    x, s = input._data, source._data
    if x.dtype != s.dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {scalar_name(x)} and source.dtype = {scalar_name(s)}")
    if s.size != idx.size:
        raise IndexError("put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {s.size}, index.numel() = "
                         f"{idx.size}")
    if x.size == 0 and idx.size:
        raise IndexError("put_(): Tried to put elements into an empty tensor")
    idx = _flat_bounds(input.xp, idx, x.size)
    return _put_op(input, source, saved(idx, input, source), accumulate)


@meta_aware(refuse=True)
def nonzero(input: Tensor, *, out: Tensor | None = None, as_tuple: bool = False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or with ``as_tuple`` one
    1-D tensor per dimension (a 0-d input counts as one dimension there)."""
    from ..._creation import tensor as _tensor
    x = input._data
    xp = input.xp
    if as_tuple:
        if out is not None:
            raise RuntimeError("nonzero does not support the out kwarg when as_tuple is True")
        idx = (x.reshape(1) if x.ndim == 0 else x).nonzero()
        return tuple(Tensor._make(i.astype("int64")) for i in idx)
    if x.ndim == 0:
        result = _tensor(xp.zeros((1 if x != 0 else 0, 0), dtype="int64"))
    else:
        idx = x.nonzero()
        result = _tensor(xp.stack(idx, axis=-1) if idx else xp.zeros((0, 0), "int64"),
                         dtype=int)
    if out is None:
        return result
    check_out("nonzero", out)
    return write_out("nonzero", out, result, dtype_message=(
        "nonzero: Expected out tensor to have scalar type Long but got scalar type"
        f"{scalar_name(out._data)}"))


@expose
def argwhere(input: Tensor) -> Tensor:
    """Indices of the non-zero elements as an (n, ndim) int64 tensor (``nonzero``).

    >>> import chainrule as torch
    >>> torch.argwhere(torch.tensor([[0., 1.], [2., 0.]]))
    tensor([[0, 1],
            [1, 0]])
    """
    return nonzero(input)
