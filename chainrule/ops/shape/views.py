"""View ops (view, reshape, transpose, permute, expand, squeeze, ...). Each is linear, so
its rule is its transpose; most are views of their input and share its storage and version
counter (``view=True``)."""
from __future__ import annotations

from ... import _dtypes as _dt_mod
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
def _unsqueeze(xp, x, dim):
    # A reshape inserting a size-1 dim never copies; expand_dims's axis handling costs ~3 us.
    # Formulas pass negative dims (-1 appends): count them from the result's end.
    if dim < 0:
        dim += x.ndim + 1
    return x.reshape(x.shape[:dim] + (1,) + x.shape[dim:])


UNSQUEEZE = op("unsqueeze", _unsqueeze,
               vjps=(lambda F, g, dim: F.squeeze(g, dim),), params=("dim",), view=True)
SQUEEZE = op("squeeze", lambda xp, x, dims: xp.squeeze(x, dims),
             vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),), params=("dims",), view=True)
SQUEEZE_DIM = op("squeeze_dim", lambda xp, x, dims: xp.squeeze(x, dims),
                 # dims rides along for grad_fn._saved_dim (torch's SqueezeBackward1 saves it)
                 vjps=(lambda F, g, x_shape, dims: F.reshape(g, x_shape),), params=("dims",),
                 grad_fn="SqueezeBackward1", view=True)
SQUEEZE_DIMS = op("squeeze_dims", lambda xp, x, dims: xp.squeeze(x, dims),
                  vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),), params=("dims",),
                  grad_fn="SqueezeBackward2", view=True)
# matmul's vector-times-matrix drops its helper dimension with torch's in-place squeeze_,
# whose node is SqueezeBackward4.
SQUEEZE_INPLACE_DIM = op("squeeze_inplace_dim", lambda xp, x, dims: xp.squeeze(x, dims),
                         vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),),
                         params=("dims",), grad_fn="SqueezeBackward4",  # not a view: in place
                         jvp="linear")


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
    """The same storage seen with another shape (ViewBackward0), or, given a dtype, its
    bytes reinterpreted as that dtype (outside the graph, as in torch)."""
    if len(shape) == 1 and isinstance(shape[0], _dt_mod.dtype):
        return _view_dtype(input, shape[0])
    shape = _infer_shape(_shape_arg(shape), input._data.size)
    return dispatch(VIEW, (input,), {"shape": shape})


def _view_dtype(input, dtype):
    data = input._data
    old = _dt_mod._BY_NP[data.dtype]
    if dtype.itemsize != old.itemsize:
        what = (f"to view {_type_name(old)} as {_type_name(dtype)} (different element "
                "sizes)")
        if data.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        if data.shape[-1] != 1 and data.strides[-1] != data.itemsize:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got "
                               f"{data.strides[-1] // data.itemsize}")
        if dtype.itemsize > old.itemsize:
            ratio = dtype.itemsize // old.itemsize
            if data.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but "
                                   f"got {data.shape[-1]}")
    out = input.__class__._make(data.view(dtype.np))
    out._vc = input._version_counter()
    return out


def _type_name(dtype) -> str:
    from .._inplace import _type_word
    return _type_word(dtype)


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
    n = 1
    for k in shape[s:e + 1]:  # the product, not -1: an empty tensor has no inferable size
        n *= k
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


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
    return dispatch(PERMUTE, (input,), {"dims": _permute_dims(input, _shape_arg(dims))})


def _permute_dims(input, dims) -> tuple:
    nd = input.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return dims


def _T(self):
    if self.ndim != 2:
        import warnings
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or "
                      "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions "
                      "of a tensor.", UserWarning, stacklevel=2)
    return permute(self, tuple(range(self.ndim - 1, -1, -1)))


def _matrix_transpose(name, warning, matrices_only=False):
    """x.mT, x.mH, x.H, x.adjoint(): the last two dimensions swapped (TransposeBackward0;
    real tensors, so no conjugation). torch keeps the identity on 0-d tensors, with a
    deprecation warning."""
    def get(self):
        nd = self.ndim
        if nd == 0:
            import warnings
            warnings.warn(warning, UserWarning, stacklevel=2)
            return self
        if matrices_only and nd != 2:
            hint = " For batches of matrices, consider using tensor.mH" if nd > 2 else ""
            raise RuntimeError(f"tensor.{name} is only supported on matrices (2-D tensors). "
                               f"Got {nd}-D tensor.{hint}")
        if nd < 2:
            raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of "
                               f"matrices. Got {nd}-D tensor.")
        out = transpose(self, -2, -1)
        if self._data.dtype.kind == "c" and name != "mT":
            if not hasattr(out, "conj"):
                raise NotImplementedError(f"tensor.{name} of a complex tensor needs conj(), "
                                          "which chainrule does not have yet")
            return out.conj()
        return out
    get.__name__ = name.replace("()", "")
    return get


_mT = _matrix_transpose("mT", "Tensor.mT is deprecated on 0-D tensors. This function is the "
                        "identity in these cases.")
_mH = _matrix_transpose("mH", "Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().")
_H = _matrix_transpose("H", "Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                       matrices_only=True)
Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.mH = property(_mH)
Tensor.H = property(_H)
adjoint = expose(_matrix_transpose("adjoint()", "adjoint() is deprecated on 0-D tensors. "
                                   "Consider using x.conj()."), name="adjoint")


@expose
def movedim(input, source, destination):
    """Move dimensions ``source`` to positions ``destination`` (PermuteBackward0; a 0-d
    tensor gives AliasBackward0).

    >>> import chainrule as torch
    >>> torch.zeros(2, 3, 4).movedim(0, -1).shape
    torch.Size([3, 4, 2])
    """
    nd = input.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} "
                           "dims)")
    wsrc = [_wrap_dim(d, max(nd, 1)) for d in src]
    wdst = [_wrap_dim(d, max(nd, 1)) for d in dst]
    for word, given, wrapped in (("source", src, wsrc), ("destination", dst, wdst)):
        if len(set(wrapped)) != len(wrapped):
            raise RuntimeError(f"movedim: repeated dim in `{word}` ({given})")
    if nd == 0:
        return alias(input)
    order = [-1] * nd
    for s, d in zip(wsrc, wdst):
        order[d] = s
    rest = iter(i for i in range(nd) if i not in wsrc)
    order = [o if o != -1 else next(rest) for o in order]
    return dispatch(PERMUTE, (input,), {"dims": tuple(order)})


moveaxis = expose(movedim, name="moveaxis")


@expose
def unflatten(input, dim, sizes):
    """Split dimension ``dim`` into ``sizes`` (one may be -1): a view (ViewBackward0)."""
    shape = input._data.shape
    if not shape:
        raise RuntimeError("unflatten got an unexpected error:\nDimension specified as 0 but "
                           "tensor has no dimensions")
    d = _wrap_dim(dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if sizes.count(-1) > 1:
        raise RuntimeError("unflatten got an unexpected error:\nonly one dimension can be "
                           "inferred")
    known = 1
    for s in sizes:
        known *= s if s != -1 else 1
    n = shape[d]
    if -1 in sizes:
        if known == 0 or n % known:
            raise RuntimeError(f"unflatten got an unexpected error:\nshape '{list(sizes)}' is "
                               f"invalid for input of size {n}")
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    elif known != n:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {d} ({n}) in the input tensor")
    return view(input, shape[:d] + sizes + shape[d + 1:])


@expose
def ravel(input):
    """The elements as one dimension: ``contiguous().view(-1)`` (ViewBackward0)."""
    return view(contiguous(input), -1)


@expose
def resolve_conj(input):
    """The tensor itself: chainrule has no lazy conjugate bit to resolve."""
    return input


@expose
def resolve_neg(input):
    """The tensor itself: chainrule has no lazy negative bit to resolve."""
    return input


@expose
def expand(input, *sizes):
    """Broadcast to ``sizes`` without copying (-1 keeps a dimension)."""
    return dispatch(EXPAND, (input,), {"shape": _expand_shape(input, _shape_arg(sizes))})


def _expand_shape(input, sizes) -> tuple:
    """The shape ``expand(sizes)`` gives, with torch's errors."""
    shape = input._data.shape
    if len(sizes) < len(shape):
        raise RuntimeError(f"expand({_legacy_type(input)}{{{list(shape)}}}, size={list(sizes)}): "
                           f"the number of sizes provided ({len(sizes)}) must be greater or "
                           f"equal to the number of dimensions in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    for i in range(lead):
        if sizes[i] == -1:
            raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                               f"leading, non-existing dimension {i}")
    out = list(sizes)
    for i, n in enumerate(shape):
        want = sizes[lead + i]
        if want == -1:
            out[lead + i] = n
        elif n != 1 and n != want:
            raise RuntimeError(f"The expanded size of the tensor ({want}) must match the existing "
                               f"size ({n}) at non-singleton dimension {lead + i}.  Target sizes: "
                               f"{list(sizes)}.  Tensor sizes: {list(shape)}")
    if any(n < 0 for n in out):
        raise RuntimeError("numel: integer multiplication overflow")
    return tuple(out)


def _legacy_type(input) -> str:
    """torch.FloatTensor, torch.LongTensor ...: the names torch's older messages use."""
    return f"torch.{_type_name(input.dtype)}Tensor"


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
    return dispatch(*_squeeze_call(input, dim))


def _squeeze_call(input, dim, ops=None):
    """(op, (input,), params) of squeeze(dim): ``ops`` are the (all, one, several) ops."""
    all_op, one_op, several_op = ops or (SQUEEZE, SQUEEZE_DIM, SQUEEZE_DIMS)
    shape = input._data.shape
    if dim is None:
        dims = tuple(i for i, n in enumerate(shape) if n == 1)
        return all_op, (input,), {"dims": dims}
    if isinstance(dim, (tuple, list)):
        wrapped = _unique_dims(dim, len(shape))
        return several_op, (input,), {"dims": tuple(i for i in wrapped if shape and
                                                    shape[i] == 1)}
    d = _wrap_dim(dim, max(len(shape), 1))
    return one_op, (input,), {"dims": (d,) if shape and shape[d] == 1 else ()}


def _unique_dims(dims, ndim: int) -> tuple:
    """Wrapped dims, refusing a repeat with torch's message (squeeze, flip)."""
    out = tuple(_wrap_dim(d, max(ndim, 1)) for d in dims)
    seen = set()
    for d in out:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return out


@expose(method=False, internal=True)
def unsqueeze_dims(g, dims):
    """Insert size-1 axes at ``dims`` (sorted, of the result): the backward vocabulary's
    inverse of a reduction without keepdim."""
    shape = list(g.shape)
    for d in sorted(dims):
        shape.insert(d, 1)
    return reshape(g, tuple(shape))
