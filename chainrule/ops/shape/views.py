"""View ops (view, reshape, transpose, permute, expand, squeeze, ...). Each is linear, so
its rule is its transpose; most are views of their input and share its storage and version
counter (``view=True``)."""
from __future__ import annotations

from ..._tensor import Tensor, _wrap_dim
from .._registry import dispatch, expose, op

VIEW = op("view", lambda xp, x, shape: _view(xp, x, shape),
          vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),), params=("shape",), view=True)
UNSAFE_VIEW = op("_unsafe_view", lambda xp, x, shape: xp.reshape(x, shape),
                 vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),), params=("shape",),
                 grad_fn="UnsafeViewBackward0")
# reshape of a non-contiguous tensor whose layout still allows a view: torch's _reshape_alias
RESHAPE_ALIAS = op("_reshape_alias", lambda xp, x, shape: _view(xp, x, shape),
                   vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),), params=("shape",),
                   view=True)
CLONE = op("clone", lambda xp, x: x.copy(), vjps=(lambda F, g: g,))
ALIAS = op("alias", lambda xp, x: x.view(), vjps=(lambda F, g: g,), view=True)
TRANSPOSE = op("transpose", lambda xp, x, dim0, dim1: xp.swapaxes(x, dim0, dim1) if x.ndim
               else x.view(),
               vjps=(lambda F, g, dim0, dim1: F.transpose(g, dim0, dim1),),
               params=("dim0", "dim1"), view=True)
T = op("t", lambda xp, x: x.T, vjps=(lambda F, g: F.t(g),), grad_fn="TBackward0", view=True)
PERMUTE = op("permute", lambda xp, x, dims: xp.transpose(x, dims),
             vjps=(lambda F, g, dims: F.permute(g, _inverse(dims)),), params=("dims",),
             view=True)
EXPAND = op("expand", lambda xp, x, shape: xp.broadcast_to(x, shape),
            vjps=(lambda F, g, x_shape: F.sum_to_shape(g, x_shape),), params=("shape",),
            view=True)
UNSQUEEZE = op("unsqueeze", lambda xp, x, dim: xp.expand_dims(x, dim),
               vjps=(lambda F, g, dim: F.squeeze(g, dim),), params=("dim",), view=True)
SQUEEZE = op("squeeze", lambda xp, x, dims: xp.squeeze(x, dims),
             vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),), params=("dims",), view=True)
SQUEEZE_DIM = op("squeeze_dim", lambda xp, x, dims: xp.squeeze(x, dims),
                 vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),), params=("dims",),
                 grad_fn="SqueezeBackward1", view=True)
SQUEEZE_DIMS = op("squeeze_dims", lambda xp, x, dims: xp.squeeze(x, dims),
                  vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),), params=("dims",),
                  grad_fn="SqueezeBackward2", view=True)
# matmul's vector-times-matrix drops its helper dimension with torch's in-place squeeze_,
# whose node is SqueezeBackward4.
SQUEEZE_INPLACE_DIM = op("squeeze_inplace_dim", lambda xp, x, dims: xp.squeeze(x, dims),
                         vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),),
                         params=("dims",), grad_fn="SqueezeBackward4")  # not a view: in place


def _view(xp, x, shape):
    out = x.view()
    try:
        out.shape = shape
    except AttributeError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return out


def _inverse(dims):
    inv = [0] * len(dims)
    for i, d in enumerate(dims):
        inv[d] = i
    return tuple(inv)


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel: int) -> tuple:
    """Resolve one -1 and check the element count, with torch's message."""
    known = 1
    infer = None
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s}")
        else:
            known *= s
    if infer is not None:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:infer] + (numel // known,) + shape[infer + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _viewable(arr, shape) -> bool:
    if arr.flags.c_contiguous:
        return True
    probe = arr.view()
    try:
        probe.shape = shape
    except AttributeError:
        return False
    return True


@expose
def view(input, *shape):
    """The same storage seen with another shape (ViewBackward0)."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)):
        return input.to(shape[0])
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    return dispatch(VIEW, (input,), {"shape": shape})


@expose
def reshape(input, *shape):
    """A view when the layout allows (ViewBackward0 of a contiguous tensor,
    ReshapeAliasBackward0 of another), else a copy (UnsafeViewBackward0 of CloneBackward0),
    as torch does."""
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    data = input._data
    if data.flags.c_contiguous:
        return dispatch(VIEW, (input,), {"shape": shape})
    if _viewable(data, shape):
        return dispatch(RESHAPE_ALIAS, (input,), {"shape": shape})
    return dispatch(UNSAFE_VIEW, (clone(input),), {"shape": shape})


@expose(internal=True)
def _unsafe_view(input, shape):
    return dispatch(UNSAFE_VIEW, (input,), {"shape": tuple(shape)})


def _view_as(self, other):
    return view(self, other.shape)


def _reshape_as(self, other):
    return reshape(self, other.shape)


Tensor.view_as = _view_as
Tensor.reshape_as = _reshape_as


@expose
def flatten(input, start_dim=0, end_dim=-1):
    nd = input.ndim
    if nd == 0:
        return reshape(input, (1,))
    s, e = _wrap_dim(start_dim, nd), _wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (-1,) + shape[e + 1:])


@expose
def clone(input, *, memory_format=None):
    """A copy that stays in the graph (CloneBackward0)."""
    return dispatch(CLONE, (input,))


@expose
def contiguous(input, memory_format=None):
    return input if input._data.flags.c_contiguous else clone(input)


Tensor.contiguous = contiguous


@expose(internal=True)
def alias(input):
    return dispatch(ALIAS, (input,))


@expose
def transpose(input, dim0, dim1):
    """Swap two dimensions (TransposeBackward0)."""
    nd = input.ndim
    d0, d1 = _wrap_dim(dim0, nd), _wrap_dim(dim1, nd)
    return dispatch(TRANSPOSE, (input,), {"dim0": d0, "dim1": d1})


swapaxes = expose(transpose, name="swapaxes")
swapdims = expose(transpose, name="swapdims")


@expose
def t(input):
    """Transpose a tensor of at most 2 dimensions (TBackward0)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    return dispatch(T, (input,))


@expose
def permute(input, *dims):
    """Reorder dimensions (PermuteBackward0)."""
    dims = _shape_arg(dims)
    nd = input.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return dispatch(PERMUTE, (input,), {"dims": dims})


def _T(self):
    if self.ndim != 2:
        import warnings
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or "
                      "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions "
                      "of a tensor.", UserWarning, stacklevel=2)
    return permute(self, tuple(range(self.ndim - 1, -1, -1)))


def _mT(self):
    return transpose(self, -2, -1)


Tensor.T = property(_T)
Tensor.mT = property(_mT)


@expose
def expand(input, *sizes):
    """Broadcast to ``sizes`` without copying (-1 keeps a dimension)."""
    sizes = _shape_arg(sizes)
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the "
                           "number of sizes provided ({}) must be greater or equal to the number "
                           "of dimensions in the tensor ({})".format(len(sizes), len(shape)))
    lead = len(sizes) - len(shape)
    out = list(sizes)
    for i, n in enumerate(shape):
        want = sizes[lead + i]
        if want == -1:
            out[lead + i] = n
        elif n != 1 and n != want:
            raise RuntimeError(f"The expanded size of the tensor ({want}) must match the existing "
                               f"size ({n}) at non-singleton dimension {lead + i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
    out = tuple(out)
    if out == shape:
        return dispatch(EXPAND, (input,), {"shape": out})
    return dispatch(EXPAND, (input,), {"shape": out})


def _expand_as(self, other):
    return expand(self, other.shape)


Tensor.expand_as = _expand_as


@expose
def broadcast_to(input, size):
    return expand(input, size)


@expose
def unsqueeze(input, dim):
    """Insert a size-1 dimension (UnsqueezeBackward0)."""
    return dispatch(UNSQUEEZE, (input,), {"dim": _wrap_dim(dim, input.ndim + 1)})


@expose
def squeeze(input, dim=None):
    """Drop size-1 dimensions: all (SqueezeBackward0), one (1) or several (2)."""
    shape = input._data.shape
    if dim is None:
        dims = tuple(i for i, n in enumerate(shape) if n == 1)
        return dispatch(SQUEEZE, (input,), {"dims": dims})
    if isinstance(dim, (tuple, list)):
        dims = tuple(i for i in (_wrap_dim(d, max(len(shape), 1)) for d in dim)
                     if shape and shape[i] == 1)
        return dispatch(SQUEEZE_DIMS, (input,), {"dims": dims})
    d = _wrap_dim(dim, max(len(shape), 1))
    dims = (d,) if shape and shape[d] == 1 else ()
    return dispatch(SQUEEZE_DIM, (input,), {"dims": dims})


@expose(method=False, internal=True)
def unsqueeze_dims(g, dims):
    """Insert size-1 axes at ``dims`` (sorted, of the result): the backward vocabulary's
    inverse of a reduction without keepdim."""
    shape = list(g.shape)
    for d in sorted(dims):
        shape.insert(d, 1)
    return reshape(g, tuple(shape))
