"""The ``*_copy`` forms of the view ops (torch.expand_copy, torch.permute_copy, ...): the
same values and gradients as the view, in a new contiguous tensor, recorded as torch
records them: the view's node name with ``_copy`` (ExpandBackward0_copy). Each takes
``out=``."""
from __future__ import annotations

from ..._tensor import _wrap_dim
from .._registry import dispatch, expose, op
from ..indexing import SELECT, SLICE
from . import diag, slices, split, views
from ._out import write_out
from .join import UNBIND


def _copy_of(base, forward=None):
    """The copying twin of view op ``base``."""
    fwd = forward or base.forward

    def forward_copy(xp, *args, **kwargs):
        out = fwd(xp, *args, **kwargs)
        return tuple(o.copy() for o in out) if isinstance(out, tuple) else out.copy()
    return op(base.name + "_copy", forward_copy, inputs=base.inputs, params=base.params,
              vjps=base.vjps, grad_fn=base.grad_fn + "_copy", num_outputs=base.num_outputs)


ALIAS_COPY = _copy_of(views.ALIAS)
DIAGONAL_COPY = _copy_of(diag.DIAGONAL)
EXPAND_COPY = _copy_of(views.EXPAND)
PERMUTE_COPY = _copy_of(views.PERMUTE)
SELECT_COPY = _copy_of(SELECT)
SLICE_COPY = _copy_of(SLICE)
SPLIT_COPY = _copy_of(split.SPLIT)
SPLIT_WITH_SIZES_COPY = _copy_of(split.SPLIT_WITH_SIZES)
SQUEEZE_COPIES = (_copy_of(views.SQUEEZE), _copy_of(views.SQUEEZE_DIM),
                  _copy_of(views.SQUEEZE_DIMS))
T_COPY = _copy_of(views.T)
TRANSPOSE_COPY = _copy_of(views.TRANSPOSE)
UNBIND_COPY = _copy_of(UNBIND)
UNFOLD_COPY = _copy_of(slices.UNFOLD)
UNSQUEEZE_COPY = _copy_of(views.UNSQUEEZE)
# view_copy reshapes any layout: the copy is made whether or not a view could be
VIEW_COPY = _copy_of(views.VIEW, forward=lambda xp, x, shape: xp.reshape(x, shape))


def _run(name, op_, input, params, out):
    if out is not None:
        return write_out(f"aten::{name}", out, dispatch(op_, (input.detach(),), params),
                         (input,))
    return dispatch(op_, (input,), params)


@expose(method=False)
def alias_copy(input, *, out=None):
    """A copy of the tensor (AliasBackward0_copy)."""
    return _run("alias_copy", ALIAS_COPY, input, None, out)


@expose(method=False)
def diagonal_copy(input, offset=0, dim1=0, dim2=1, *, out=None):
    """diagonal as a new tensor (DiagonalBackward0_copy)."""
    d1, d2 = diag._diag_dims(input, dim1, dim2, input.ndim)
    return _run("diagonal_copy", DIAGONAL_COPY, input,
                {"offset": int(offset), "dim1": d1, "dim2": d2}, out)


@expose(method=False)
def expand_copy(input, size, *, implicit=False, out=None):
    """expand as a new tensor (ExpandBackward0_copy)."""
    return _run("expand_copy", EXPAND_COPY, input,
                {"shape": views._expand_shape(input, tuple(size))}, out)


@expose(method=False)
def permute_copy(input, dims, *, out=None):
    """permute as a new tensor (PermuteBackward0_copy)."""
    return _run("permute_copy", PERMUTE_COPY, input,
                {"dims": views._permute_dims(input, tuple(dims))}, out)


@expose(method=False)
def select_copy(input, dim, index, *, out=None):
    """select as a new tensor (SelectBackward0_copy)."""
    d, index = slices._select_args(input, dim, index)
    return _run("select_copy", SELECT_COPY, input, {"key": slices._key(d, index)}, out)


@expose(method=False)
def slice_copy(input, dim=0, start=None, end=None, step=1, *, out=None):
    """input[start:end:step] along ``dim`` as a new tensor (SliceBackward0_copy)."""
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    d = _wrap_dim(dim, max(input.ndim, 1))
    return _run("slice_copy", SLICE_COPY, input,
                {"key": (slice(None),) * d + (slice(start, end, step),)}, out)


@expose(method=False)
def split_copy(input, split_size, dim=0):
    """split as new tensors (SplitBackward0_copy)."""
    return dispatch(SPLIT_COPY, (input,), split._split_args(input, split_size, dim))


@expose(method=False)
def split_with_sizes_copy(input, split_sizes, dim=0):
    """split_with_sizes as new tensors (SplitWithSizesBackward0_copy)."""
    return dispatch(SPLIT_WITH_SIZES_COPY, (input,), split._sizes_args(input, split_sizes, dim))


@expose(method=False)
def squeeze_copy(input, dim=None, *, out=None):
    """squeeze as a new tensor (SqueezeBackward0_copy, 1_copy, 2_copy)."""
    op_, _, params = views._squeeze_call(input, dim, SQUEEZE_COPIES)
    return _run("squeeze_copy", op_, input, params, out)


@expose(method=False)
def t_copy(input, *, out=None):
    """t as a new tensor (TBackward0_copy)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    return _run("t_copy", T_COPY, input, None, out)


@expose(method=False)
def transpose_copy(input, dim0, dim1, *, out=None):
    """transpose as a new tensor (TransposeBackward0_copy)."""
    nd = input.ndim
    return _run("transpose_copy", TRANSPOSE_COPY, input,
                {"dim0": _wrap_dim(dim0, nd), "dim1": _wrap_dim(dim1, nd)}, out)


@expose(method=False)
def unbind_copy(input, dim=0):
    """unbind as new tensors (UnbindBackward0_copy)."""
    return tuple(dispatch(UNBIND_COPY, (input,), {"dim": _wrap_dim(dim, input.ndim)}))


@expose(method=False)
def unfold_copy(input, dimension, size, step, *, out=None):
    """Tensor.unfold as a new tensor (UnfoldBackward0_copy)."""
    return _run("unfold_copy", UNFOLD_COPY, input,
                slices._unfold_args(input, dimension, size, step), out)


@expose(method=False)
def unsqueeze_copy(input, dim, *, out=None):
    """unsqueeze as a new tensor (UnsqueezeBackward0_copy)."""
    return _run("unsqueeze_copy", UNSQUEEZE_COPY, input,
                {"dim": _wrap_dim(dim, input.ndim + 1)}, out)


@expose(method=False)
def view_copy(input, size, *, out=None):
    """view as a new tensor, for any layout (ViewBackward0_copy)."""
    shape = views._infer_shape(views._shape_arg((size,)), input._data.size)
    return _run("view_copy", VIEW_COPY, input, {"shape": shape}, out)
