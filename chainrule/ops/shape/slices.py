"""Slices along one dimension: narrow and select (views: SliceBackward0, SelectBackward0,
the nodes x[...] records), narrow_copy, select_scatter / slice_scatter (a copy with a
slice replaced) and Tensor.unfold (sliding windows, a view: UnfoldBackward0)."""
from __future__ import annotations

from ..._tensor import Tensor, _wrap_dim
from .._registry import dispatch, expose, op
from ..indexing import SELECT, SLICE
from ._out import write_out


def _key(dim, k):
    # The trailing Ellipsis keeps a 0-d selection an array view (NumPy gives a scalar).
    return (slice(None),) * dim + (k, Ellipsis)


def _put(x, src, key):
    out = x.copy()
    out[key] = src
    return out


def _unfold(xp, x, dimension, size, step):
    if x.ndim == 0:
        return xp.lib.stride_tricks.as_strided(x, (size,), (x.itemsize,),
                                               writeable=x.flags.writeable)
    n = x.shape[dimension]
    windows = (n - size) // step + 1
    shape = x.shape[:dimension] + (windows,) + x.shape[dimension + 1:] + (size,)
    strides = (x.strides[:dimension] + (x.strides[dimension] * step,) +
               x.strides[dimension + 1:] + (x.strides[dimension],))
    # Overlapping windows share memory: torch refuses in-place writes to them.
    overlap = step < size and windows > 1
    return xp.lib.stride_tricks.as_strided(x, shape, strides,
                                           writeable=x.flags.writeable and not overlap)


def _unfold_backward(xp, g, input_sizes, dim, size, step):
    """The windows' gradients summed back onto the input's positions."""
    out = xp.zeros(input_sizes, dtype=g.dtype)
    if not input_sizes:
        return g.reshape(()) if size == 1 else out
    windows = g.shape[dim]
    lead = (slice(None),) * dim
    for j in range(size):  # within one window position j, the targets are distinct
        out[lead + (slice(j, j + step * (windows - 1) + 1, step),)] += g[..., j]
    return out


NARROW_COPY = op("narrow_copy", lambda xp, x, dim, start, length:
                 x[_key(dim, slice(start, start + length))].copy(),
                 vjps=(lambda F, g, x_shape, dim, start, length: F.slice_backward(
                     g, x_shape, dim, start, start + length, 1),),
                 params=("dim", "start", "length"))
# torch's backward of a slice is an op of its own (SliceBackwardBackward0 under
# create_graph), whose backward takes the slice again.
SLICE_BACKWARD = op("slice_backward", lambda xp, g, input_sizes, dim, start, end, step: _put(
    xp.zeros(input_sizes, dtype=g.dtype), g, _key(dim, slice(start, end, step))),
    vjps=(lambda F, g, dim, start, end, step: g[_key(dim, slice(start, end, step))],),
    params=("input_sizes", "dim", "start", "end", "step"))
SELECT_SCATTER = op("select_scatter", lambda xp, x, src, dim, index: _put(
    x, src, _key(dim, index)), inputs=("x", "src"),
    vjps=(lambda F, g, src_shape, dim, index: F.select_scatter(
        g, F.zeros(tuple(src_shape), dtype=g.dtype), dim, index),
        lambda F, g, dim, index: g[_key(dim, index)]),
    params=("dim", "index"), broadcasts=True)
SLICE_SCATTER = op("slice_scatter", lambda xp, x, src, dim, start, end, step: _put(
    x, src, _key(dim, slice(start, end, step))), inputs=("x", "src"),
    vjps=(lambda F, g, src_shape, dim, start, end, step: F.slice_scatter(
        g, F.zeros(tuple(src_shape), dtype=g.dtype), dim, start, end, step),
        lambda F, g, dim, start, end, step: g[_key(dim, slice(start, end, step))]),
    params=("dim", "start", "end", "step"), broadcasts=True)
UNFOLD = op("unfold", _unfold,
            vjps=(lambda F, g, x_shape, dimension, size, step:
                  F.unfold_backward(g, x_shape, dimension, size, step),),
            params=("dimension", "size", "step"), view=True)
UNFOLD_BACKWARD = op("unfold_backward", _unfold_backward,
                     vjps=(lambda F, g, dim, size, step: F.unfold(g, dim, size, step),),
                     params=("input_sizes", "dim", "size", "step"))


def _narrow_args(input, dim, start, length):
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if isinstance(start, Tensor):
        if start._data.ndim != 0 or start._data.dtype.kind not in "iu":
            raise RuntimeError("start must be an 0-dim integral Tensor.")
        start = int(start._data)
    start, length = int(start), int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = _wrap_dim(dim, input.ndim)
    n = input._data.shape[d]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return d, start, length


def _view_piece(op_, input, key):
    out = dispatch(op_, (input,), {"key": key})
    out._view_of = (input, key)  # in-place ops on the piece write through to input
    return out


@expose
def narrow(input, dim, start, length):
    """``length`` elements of ``dim`` from ``start`` (a tensor start too): a view
    (SliceBackward0)."""
    d, start, length = _narrow_args(input, dim, start, length)
    return _view_piece(SLICE, input, (slice(None),) * d + (slice(start, start + length),))


@expose
def narrow_copy(input, dim, start, length, *, out=None):
    """narrow as a new tensor (NarrowCopyBackward0)."""
    d, start, length = _narrow_args(input, dim, start, length)
    if out is not None:
        return write_out("narrow_copy", out, narrow_copy(input.detach(), d, start, length),
                         (input,), dtype_rule="same", warn_resize=False)
    return dispatch(NARROW_COPY, (input,), {"dim": d, "start": start, "length": length})


@expose(method=False, internal=True)
def slice_backward(grad_output, input_sizes, dim, start, end, step):
    """Zeros of ``input_sizes`` with ``grad_output`` at the slice: a slice's transpose."""
    return dispatch(SLICE_BACKWARD, (grad_output,), {
        "input_sizes": tuple(input_sizes), "dim": dim, "start": start, "end": end,
        "step": step})


def _select_args(input, dim, index):
    if input.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, input.ndim)
    index = index.__index__()
    n = input._data.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {d}")
    return d, index + n if index < 0 else index


@expose
def select(input, dim, index):
    """The slice at ``index`` of ``dim``, that dimension removed: a view (SelectBackward0)."""
    d, index = _select_args(input, dim, index)
    return _view_piece(SELECT, input, _key(d, index))


def _check_src(input, src, key):
    want = input._data[key].shape
    if tuple(src.shape) != want:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size "
                           f"= {list(src.shape)}, slice size = {list(want)}")


@expose
def select_scatter(input, src, dim, index):
    """A copy of ``input`` with ``src`` at ``index`` of ``dim`` (SelectScatterBackward0)."""
    d, index = _select_args(input, dim, index)
    _check_src(input, src, _key(d, index))
    return dispatch(SELECT_SCATTER, (input, src), {"dim": d, "index": index})


@expose
def slice_scatter(input, src, dim=0, start=None, end=None, step=1, *, out=None):
    """A copy of ``input`` with ``src`` at ``start:end:step`` of ``dim``
    (SliceScatterBackward0)."""
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    d = _wrap_dim(dim, max(input.ndim, 1))
    if out is not None:
        return write_out("aten::slice_scatter", out, slice_scatter(
            input.detach(), src.detach(), d, start, end, step), (input, src))
    n = input._data.shape[d]
    start, end, _ = slice(start, end, step).indices(n)
    _check_src(input, src, _key(d, slice(start, end, step)))
    return dispatch(SLICE_SCATTER, (input, src), {"dim": d, "start": start, "end": end,
                                                  "step": step})


def _unfold_args(input, dimension, size, step):
    nd = input.ndim
    d = _wrap_dim(dimension, max(nd, 1))
    most = input._data.shape[d] if nd else 1
    if size > most:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {most} but size is "
                           f"{size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return {"dimension": d, "size": int(size), "step": int(step)}


@expose(internal=True)  # a Tensor method only: torch.unfold does not exist
def unfold(input, dimension, size, step):
    """Sliding windows of ``size`` elements every ``step`` along ``dimension``, as a new
    last dimension: a view (UnfoldBackward0)."""
    return dispatch(UNFOLD, (input,), _unfold_args(input, dimension, size, step))


@expose(method=False, internal=True)
def unfold_backward(grad_in, input_sizes, dim, size, step):
    """The windows' gradients summed back onto the input (unfold's transpose)."""
    return dispatch(UNFOLD_BACKWARD, (grad_in,), {"input_sizes": tuple(input_sizes),
                                                  "dim": dim, "size": size, "step": step})
