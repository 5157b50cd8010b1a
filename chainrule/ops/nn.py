"""Neural-network ops: the losses that torch records as one node, and ``linear``, which
torch composes from matrix ops (so its graph is addmm/mm/view nodes, not a node of its own).

``mse_loss`` is one op (MseLossBackward0); its backward is itself an op,
``mse_loss_backward`` (MseLossBackwardBackward0), so a double backward records the same
node torch does.
"""
from __future__ import annotations

import warnings

from .._tensor import Tensor
from ._registry import dispatch, expose, op
from .linalg import addmm
from .reduction import _mean

__all__ = ["linear", "mse_loss", "mse_loss_backward"]

_REDUCTIONS = ("none", "mean", "sum")


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _mse_forward(xp, x, target, reduction="mean"):
    diff = x - target
    sq = diff * diff
    if reduction == "none":
        return sq
    if reduction == "sum":
        return xp.sum(sq)
    if sq.size == 0:  # torch gives nan without NumPy's "mean of empty slice" warning
        return xp.full((), float("nan"), dtype=sq.dtype)
    return _mean(xp, sq, None, False)


def _mse_norm(shape, reduction) -> float:
    return 2.0 / _numel(shape) if reduction == "mean" else 2.0


def _mse_backward_forward(xp, grad_output, x, target, reduction="mean"):
    return (x - target) * grad_output * _mse_norm(x.shape, reduction)


MSE_LOSS = op("mse_loss", _mse_forward, inputs=("x", "target"), params=("reduction",),
              vjps=(lambda F, g, x, target, reduction:
                    F.mse_loss_backward(g, x, target, reduction),
                    lambda F, g, x, target, reduction:
                    F.mse_loss_backward(g, target, x, reduction)),
              dtype_rule="promote", broadcasts=True, grad_fn="MseLossBackward0")

# d/d(grad_output), d/dx and d/dtarget of  norm * (x - target) * grad_output; the registry
# sums the first back to grad_output's (0-d, when reduced) shape.
MSE_LOSS_BACKWARD = op(
    "mse_loss_backward", _mse_backward_forward, inputs=("grad_output", "x", "target"),
    params=("reduction",),
    vjps=(lambda F, g, x, target, reduction: g * (x - target) * _mse_norm(x.shape, reduction),
          lambda F, g, grad_output, x_shape, reduction:
          g * grad_output * _mse_norm(x_shape, reduction),
          lambda F, g, grad_output, x_shape, reduction:
          -(g * grad_output) * _mse_norm(x_shape, reduction)),
    dtype_rule="promote", broadcasts=True, grad_fn="MseLossBackwardBackward0")


def _type_word(t: Tensor) -> str:
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(t.dtype.name, t.dtype.name)


def _broadcast_pair(a: Tensor, b: Tensor) -> tuple:
    """torch.broadcast_tensors for two tensors: only a tensor whose shape changes is
    expanded (ExpandBackward0)."""
    sa, sb = a._data.shape, b._data.shape
    if sa == sb:
        return a, b
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + sa, (1,) * (n - len(sb)) + sb
    shape = []
    for dim, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {dim}")
        shape.append(y if x == 1 else x)
    shape = tuple(shape)
    return (a if sa == shape else a.expand(shape)), (b if sb == shape else b.expand(shape))


def _legacy_reduction(size_average, reduce) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{ret}' instead.", stacklevel=3)
    return ret


@expose(method=False)
def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error (MseLossBackward0); ``reduction`` is 'mean', 'sum' or 'none'."""
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=2)
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    x, t = _broadcast_pair(input, target)
    if weight is not None:
        if weight.shape != input.shape:
            raise ValueError("Weights and input must have the same size.")
        err = (x - t).pow(2) * weight
        if reduction == "none":
            return err
        if reduction == "sum":
            return err.sum()
        if reduction == "mean":
            return err.sum() / weight.sum()
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', "
                         "'mean', 'sum'.")
    if reduction not in _REDUCTIONS:
        if reduction == "elementwise_mean":
            warnings.warn("reduction='elementwise_mean' is deprecated. Please use "
                          "reduction='mean' instead.", stacklevel=2)
            reduction = "mean"
        else:
            raise ValueError(f"{reduction} is not a valid value for reduction")
    if x._data.dtype.kind not in "fc" and t._data.dtype.kind not in "fc":
        raise NotImplementedError(f'"mse_cpu" not implemented for \'{_type_word(x)}\'')
    return dispatch(MSE_LOSS, (x, t), {"reduction": reduction})


@expose(method=False)
def mse_loss_backward(grad_output: Tensor, input: Tensor, target: Tensor,
                      reduction: str = "mean") -> Tensor:
    """The gradient of mse_loss w.r.t. ``input`` (MseLossBackwardBackward0)."""
    return dispatch(MSE_LOSS_BACKWARD, (grad_output, input, target), {"reduction": reduction})


@expose(method=False)
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, composed exactly as torch's F.linear: addmm for 2-D input
    with bias; flatten to 2-D, addmm and view back for other contiguous input with a 1-D
    bias; otherwise matmul, then add the bias."""
    nd = input.ndim
    if nd == 0 or weight.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{nd}D and {weight.ndim}D")
    if bias is not None:
        if nd == 2:
            return addmm(bias, input, weight.t())
        if bias.ndim == 1 and input.is_contiguous():
            sizes = input._data.shape
            flat = input.reshape(_numel(sizes[:-1]), sizes[-1])
            out = addmm(bias, flat, weight.t())
            return out.view(sizes[:-1] + (out._data.shape[1],))
    out = input.matmul(weight.t())
    if bias is not None:
        out = out.add(bias)  # torch adds in place; the recorded node is AddBackward0 either way
    return out
