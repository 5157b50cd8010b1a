"""In-place view ops: ``t_``, ``transpose_`` (``swapaxes_``, ``swapdims_``), ``squeeze_``,
``unsqueeze_``. Each changes the tensor's shape and strides, not its data: the tensor keeps
its storage, its version counter goes up, and under grad mode it takes the op's node, which
torch numbers apart from the out-of-place op's (TBackward1, TransposeBackward1,
SqueezeBackward3/4/5, UnsqueezeBackward1)."""
from __future__ import annotations

from ..._tensor import Tensor, _wrap_dim
from ...autograd.forward_ad import _STATE as _FW_STATE
from .._registry import LINEAR, dispatch, op
from .views import SQUEEZE_INPLACE_DIM, _squeeze_call

T_INPLACE = op("t_inplace", lambda xp, x: x.T, vjps=(lambda F, g: F.t(g),),
               grad_fn="TBackward1", jvp=LINEAR)
TRANSPOSE_INPLACE = op("transpose_inplace",
                       lambda xp, x, dim0, dim1: xp.swapaxes(x, dim0, dim1) if x.ndim
                       else x.view(),
                       vjps=(lambda F, g, dim0, dim1: F.transpose(g, dim0, dim1),),
                       params=("dim0", "dim1"), grad_fn="TransposeBackward1", jvp=LINEAR)
SQUEEZE_INPLACE = op("squeeze_inplace", lambda xp, x, dims: xp.squeeze(x, dims),
                     vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),), params=("dims",),
                     grad_fn="SqueezeBackward3", jvp=LINEAR)
SQUEEZE_INPLACE_DIMS = op("squeeze_inplace_dims", lambda xp, x, dims: xp.squeeze(x, dims),
                          vjps=(lambda F, g, x_shape: F.reshape(g, x_shape),),
                          params=("dims",), grad_fn="SqueezeBackward5", jvp=LINEAR)
UNSQUEEZE_INPLACE = op("unsqueeze_inplace", lambda xp, x, dim: xp.expand_dims(x, dim),
                       vjps=(lambda F, g, dim: F.squeeze(g, dim),), params=("dim",),
                       grad_fn="UnsqueezeBackward1", jvp=LINEAR)


def _apply(self: Tensor, op_, params=None) -> Tensor:
    """Run ``op_`` on ``self`` and make ``self`` its result: same storage, new shape."""
    from .._inplace import check_inplace
    check_inplace(self)
    result = dispatch(op_, (self,), params)
    if result.__class__ is not Tensor and self.__class__ is result.__class__:
        self._become(result)  # inside vmap: a batched tensor takes the new batch
    else:
        self._data = result._data
    # Bump first: a version bump regenerates the grad_fn of every live view of the storage
    # (ops/_views.py), and this tensor's own node is the op's, as in torch.
    self._bump_version()
    if result.grad_fn is not None:
        self.grad_fn, self._output_nr, self._rg = result.grad_fn, 0, True
    if _FW_STATE.level >= 0:  # forward AD: the tangent takes the new shape too
        from ...autograd.forward_ad import set_tangent, tangent_of
        tangent = tangent_of(result)
        if tangent is not None:
            set_tangent(self, tangent)
    return self


def t_(self: Tensor) -> Tensor:
    """In-place t() (TBackward1)."""
    if self.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is "
                           f"{self.ndim}D")
    return _apply(self, T_INPLACE)


def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    """In-place transpose (TransposeBackward1)."""
    nd = self.ndim
    return _apply(self, TRANSPOSE_INPLACE, {"dim0": _wrap_dim(dim0, nd),
                                            "dim1": _wrap_dim(dim1, nd)})


def squeeze_(self: Tensor, dim=None) -> Tensor:
    """In-place squeeze: all size-1 dims (SqueezeBackward3), one (4) or several (5)."""
    op_, _, params = _squeeze_call(self, dim, (SQUEEZE_INPLACE, SQUEEZE_INPLACE_DIM,
                                               SQUEEZE_INPLACE_DIMS))
    return _apply(self, op_, params)


def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    """In-place unsqueeze (UnsqueezeBackward1)."""
    return _apply(self, UNSQUEEZE_INPLACE, {"dim": _wrap_dim(dim, self.ndim + 1)})


Tensor.t_ = t_
Tensor.transpose_ = transpose_
Tensor.swapaxes_ = transpose_
Tensor.swapdims_ = transpose_
Tensor.squeeze_ = squeeze_
Tensor.unsqueeze_ = unsqueeze_
