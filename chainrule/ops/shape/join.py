"""Joining and splitting: stack, cat, unbind and the backward vocabulary's split_sizes."""
from __future__ import annotations

from ..._tensor import Tensor, _wrap_dim
from .._registry import dispatch, expose, op
from ._out import write_out

STACK = op("stack", lambda xp, *xs, dim: xp.stack(xs, axis=dim), inputs=("tensors",),
           vjps=(lambda F, g, shapes, dim: F.unbind(g, dim),), params=("dim",),
           variadic=True, dtype_rule="promote")
CAT = op("cat", lambda xp, *xs, dim: xp.concatenate(xs, axis=dim), inputs=("tensors",),
         vjps=(lambda F, g, shapes, dim: F.split_sizes(g, [s[dim] for s in shapes], dim),),
         params=("dim",), variadic=True, dtype_rule="promote")


def _unbind(xp, x, dim):
    m = xp.moveaxis(x, dim, 0)
    return tuple(m[i, ...] for i in range(len(m)))  # [i, ...]: a 0-d view, not a scalar copy


UNBIND = op("unbind", _unbind,
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
def stack(tensors, dim=0, *, out=None):
    """Join tensors of equal shape along a new dimension (StackBackward0)."""
    tensors = _tensors_arg(tensors, "stack")
    if out is not None:
        return write_out("stack", out, stack(_detached(tensors), dim), tensors,
                         dtype_rule="cast", cast_name="cat")
    first = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(first)} at entry 0 and {list(t._data.shape)} at entry {i}")
    return dispatch(STACK, tensors, {"dim": _wrap_dim(dim, len(first) + 1)})


def _detached(tensors):
    """The tensors outside the graph: an out= result is computed without recording (the
    refusal to differentiate comes from write_out, with torch's message)."""
    return [t.detach() if isinstance(t, Tensor) else t for t in tensors]


@expose(method=False)
def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dimension (CatBackward0)."""
    tensors = _tensors_arg(tensors, "cat")
    if out is not None:
        return write_out("cat", out, cat(_detached(tensors), dim), tensors, dtype_rule="cast")
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


# ---------------------------------------------------------------------------- atleast_nd
def _atleast(name, fix):
    def fn(*tensors):
        if len(tensors) == 1 and isinstance(tensors[0], Tensor):
            return fix(tensors[0])
        if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
            tensors = tensors[0]
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"{name}() received an invalid combination of arguments - got "
                                f"({type(t).__name__}), but expected one of:\n"
                                " * (Tensor input)\n * (tuple of Tensors tensors)\n")
        return tuple(fix(t) for t in tensors)
    fn.__name__ = name
    return fn


def _fix_1d(t):
    return t.reshape(1) if t.ndim == 0 else t


def _fix_2d(t):
    nd = t.ndim
    return t.reshape(1, 1) if nd == 0 else t.unsqueeze(0) if nd == 1 else t


def _fix_3d(t):
    nd = t.ndim
    if nd == 0:
        return t.reshape(1, 1, 1)
    if nd == 1:
        return t.unsqueeze(0).unsqueeze(-1)
    return t.unsqueeze(-1) if nd == 2 else t


atleast_1d = expose(_atleast("atleast_1d", _fix_1d), name="atleast_1d", method=False)
atleast_2d = expose(_atleast("atleast_2d", _fix_2d), name="atleast_2d", method=False)
atleast_3d = expose(_atleast("atleast_3d", _fix_3d), name="atleast_3d", method=False)
atleast_1d.__doc__ = "The tensor(s) with at least one dimension (a view of a 0-d one)."
atleast_2d.__doc__ = "The tensor(s) with at least two dimensions (views where they have fewer)."
atleast_3d.__doc__ = "The tensor(s) with at least three dimensions (views where they have fewer)."


# ---------------------------------------------------------------------------- stacks
def _stack_list(tensors, name):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        "not Tensor")
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tuple(tensors)


@expose(method=False)
def hstack(tensors, *, out=None):
    """Concatenate column-wise: along dim 1, or dim 0 for 1-d tensors (CatBackward0)."""
    tensors = atleast_1d(_stack_list(tensors, "hstack"))
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1, out=out)


@expose(method=False)
def vstack(tensors, *, out=None):
    """Concatenate row-wise: 1-d tensors become rows first (CatBackward0)."""
    return cat(atleast_2d(_stack_list(tensors, "vstack")), 0, out=out)


@expose(method=False)
def row_stack(tensors, *, out=None):
    """vstack."""
    return cat(atleast_2d(_stack_list(tensors, "vstack")), 0, out=out)


@expose(method=False)
def dstack(tensors, *, out=None):
    """Concatenate depth-wise, along dim 2 of the tensors made at least 3-d (CatBackward0)."""
    return cat(atleast_3d(_stack_list(tensors, "dstack")), 2, out=out)


@expose(method=False)
def column_stack(tensors, *, out=None):
    """Stack 0-d and 1-d tensors as columns, with 2-d ones (CatBackward0 via hstack)."""
    tensors = _stack_list(tensors, "column_stack")
    return hstack([t.reshape(t.numel(), 1) if t.ndim <= 1 else t for t in tensors], out=out)
