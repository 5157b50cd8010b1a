"""Joining and splitting: stack, cat, unbind and the backward vocabulary's split_sizes."""
from __future__ import annotations

from ..._tensor import Tensor, _wrap_dim
from .._registry import dispatch, expose, op

STACK = op("stack", lambda xp, *xs, dim: xp.stack(xs, axis=dim), inputs=("tensors",),
           vjps=(lambda F, g, shapes, dim: F.unbind(g, dim),), params=("dim",),
           variadic=True, dtype_rule="promote")
CAT = op("cat", lambda xp, *xs, dim: xp.concatenate(xs, axis=dim), inputs=("tensors",),
         vjps=(lambda F, g, shapes, dim: F.split_sizes(g, [s[dim] for s in shapes], dim),),
         params=("dim",), variadic=True, dtype_rule="promote")
UNBIND = op("unbind", lambda xp, x, dim: tuple(xp.moveaxis(x, dim, 0)),
            vjps=(lambda F, g, x_shape, dim: _unbind_grad(F, g, x_shape, dim),),
            params=("dim",), num_outputs=None, view=True)


def _unbind_grad(F, grads, x_shape, dim):
    like = next(g for g in grads if g is not None)
    part_shape = x_shape[:dim] + x_shape[dim + 1:]
    parts = [g if g is not None else F.zeros(part_shape, dtype=like.dtype) for g in grads]
    return F.stack(parts, dim)


def _tensors_arg(tensors, name):
    """The tensor list of stack/cat, with torch's errors for a Tensor or an empty list."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    if not tensors:
        if name == "stack":
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError(f"torch.{name}(): expected a non-empty list of Tensors")
    return tuple(tensors)


@expose(method=False)
def stack(tensors, dim=0):
    """Join tensors of equal shape along a new dimension (StackBackward0)."""
    tensors = _tensors_arg(tensors, "stack")
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(first)} at entry 0 and {list(t._data.shape)} at entry {i}")
    return dispatch(STACK, tensors, {"dim": _wrap_dim(dim, len(first) + 1)})


@expose(method=False)
def cat(tensors, dim=0):
    """Join tensors along an existing dimension (CatBackward0)."""
    tensors = _tensors_arg(tensors, "cat")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    first = tensors[0]._data.shape
    d = _wrap_dim(dim, len(first))
    for i, t in enumerate(tensors[1:], 1):
        shape = t._data.shape
        if len(shape) != len(first):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(first)} "
                               f"and {len(shape)}")
        for axis, (n, m) in enumerate(zip(first, shape)):
            if axis != d and n != m:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {n} but got size {m} for tensor number {i} "
                                   "in the list.")
    return dispatch(CAT, tensors, {"dim": d})


concat = expose(cat, name="concat", method=False)
concatenate = expose(cat, name="concatenate", method=False)


@expose
def unbind(input, dim=0):
    """Split into a tuple of slices along ``dim`` (UnbindBackward0, one output each)."""
    d = _wrap_dim(dim, input.ndim)
    out = dispatch(UNBIND, (input,), {"dim": d})
    return tuple(out)


@expose(method=False, internal=True)
def split_sizes(g, sizes, dim):
    """Slices of ``g`` along ``dim`` with the given sizes (the transpose of cat)."""
    out, start = [], 0
    for n in sizes:
        out.append(g[(slice(None),) * dim + (slice(start, start + n),)])
        start += n
    return out
