"""Losses torch records as one node.

``mse_loss`` is one op (MseLossBackward0); its backward is itself an op,
``mse_loss_backward`` (MseLossBackwardBackward0), so a double backward records the same
node torch does.
"""
from __future__ import annotations

import warnings

from ...._tensor import Tensor
from ..._dispatch import batching, vmapped
from ..._registry import dispatch, expose, op
from ...reduction import _mean
from .._util import _broadcast_pair, _legacy_reduction, _numel, _type_word

__all__ = ["mse_loss"]

_REDUCTIONS = ("none", "mean", "sum")


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


@expose(method=False, internal=True)
def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean squared error (MseLossBackward0); ``reduction`` is 'mean', 'sum' or 'none'."""
    if batching.current is not None and vmapped(input, target, weight):
        return batching.function("mse_loss", mse_loss, (input, target, size_average, reduce,
                                                        reduction, weight), {}, False)
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
    if x._data.dtype.kind not in "fcV" and t._data.dtype.kind not in "fcV":
        raise NotImplementedError(f'"mse_cpu" not implemented for \'{_type_word(x)}\'')
    return dispatch(MSE_LOSS, (x, t), {"reduction": reduction})


@expose(method=False, internal=True)
def mse_loss_backward(grad_output: Tensor, input: Tensor, target: Tensor,
                      reduction: str = "mean") -> Tensor:
    """The gradient of mse_loss w.r.t. ``input`` (MseLossBackwardBackward0)."""
    return dispatch(MSE_LOSS_BACKWARD, (grad_output, input, target), {"reduction": reduction})
