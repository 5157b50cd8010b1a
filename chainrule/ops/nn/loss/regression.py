"""Regression and distribution losses: l1 (a composite in torch), smooth_l1 and huber (one
node each, with their backward ops registered for double backward), poisson_nll,
gaussian_nll and kl_div (composites, recorded as torch records them).
"""
from __future__ import annotations

import math

from ...._tensor import Tensor
from ..._registry import dispatch, expose, op
from .._compose import (
    add_scalar,
    apply_reduction,
    enum_of,
    mul_scalar,
    named,
    reduction_enum,
    type_word,
    warn,
)
from .._util import _broadcast_pair, _numel
from ._common import reduce_raw, size_warning

__all__ = ["l1_loss", "smooth_l1_loss", "huber_loss", "poisson_nll_loss",
           "gaussian_nll_loss", "kl_div"]


def _prelude(input, target, size_average, reduce, reduction):
    """torch's shared opening of the pointwise losses: the size warning, the legacy
    arguments, broadcast_tensors."""
    if target.shape != input.shape:
        size_warning(input, target)
    if size_average is not None or reduce is not None:
        red = enum_of(reduction, size_average, reduce)
    else:
        red = None
    x, t = _broadcast_pair(input, target)
    return x, t, red


def _norm(shape, reduction):
    return 1.0 / _numel(shape) if reduction == 1 else 1.0


# ---------------------------------------------------------------------------- l1
def _weighted(loss, weight, input, reduction, mean_by_weight=True):
    """The Python-level weighted form torch uses for l1/mse (mean: divided by the total
    weight) and huber (mean: the plain mean) with ``weight``."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = loss * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.sum() / weight.sum() if mean_by_weight else weighted.mean()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


@expose(method=False, internal=True)
def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """Mean absolute error, composed as torch: (input - target).abs() then the reduction."""
    x, t, red = _prelude(input, target, size_average, reduce, reduction)
    if red is not None:
        reduction = ("none", "mean", "sum")[red]
    if weight is not None:
        return _weighted((x - t).abs(), weight, input, reduction)
    return apply_reduction((x - t).abs(), reduction_enum(reduction))


# ---------------------------------------------------------------------------- smooth l1
def _smooth_l1(xp, x, target, reduction, beta):
    z = xp.abs(x - target)
    return reduce_raw(xp, xp.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta), reduction)


def _smooth_l1_bw(xp, grad_output, x, target, reduction, beta):
    d = x - target
    slope = xp.where(d <= -beta, -1.0, xp.where(d >= beta, 1.0, d / beta))
    return (slope * grad_output * _norm(x.shape, reduction)).astype(d.dtype, copy=False)


def _smooth_l1_double(F, g, grad_output, x, target, reduction, beta):
    inside = F.abs(x - target) < beta
    return F.where(inside, g * grad_output * (_norm(x.shape, reduction) / beta), 0.0)


SMOOTH_L1 = op("smooth_l1_loss", _smooth_l1, inputs=("x", "target"),
               params=("reduction", "beta"), dtype_rule="promote",
               vjps=(lambda F, g, x, target, reduction, beta:
                     F.smooth_l1_loss_backward(g, x, target, reduction, beta),
                     lambda F, g, x, target, reduction, beta:
                     F.smooth_l1_loss_backward(g, target, x, reduction, beta)))
SMOOTH_L1_BACKWARD = op(
    "smooth_l1_loss_backward", _smooth_l1_bw, inputs=("grad_output", "x", "target"),
    params=("reduction", "beta"), dtype_rule="promote", broadcasts=True,
    grad_fn="SmoothL1LossBackwardBackward0",
    vjps=(lambda F, g, x, target, reduction, beta:
          F.smooth_l1_loss_backward(g, x, target, reduction, beta),
          _smooth_l1_double,
          lambda F, g, grad_output, x, target, reduction, beta:
          -_smooth_l1_double(F, g, grad_output, x, target, reduction, beta)))


@expose(method=False, internal=True)
def smooth_l1_loss_backward(grad_output, input, target, reduction, beta):
    """d smooth_l1_loss / d input (SmoothL1LossBackwardBackward0)."""
    return dispatch(SMOOTH_L1_BACKWARD, (grad_output, input, target),
                    {"reduction": reduction, "beta": beta})


@expose(method=False, internal=True)
def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, |d| - beta / 2 elsewhere (SmoothL1LossBackward0);
    ``beta=0`` is l1_loss, as in torch."""
    x, t, red = _prelude(input, target, size_average, reduce, reduction)
    if red is None:
        red = reduction_enum(reduction)
    if beta == 0.0:
        return apply_reduction((x - t).abs(), red)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if x._data.dtype.kind not in "fcV" and t._data.dtype.kind not in "fcV":
        raise NotImplementedError(f'"smooth_l1_cpu" not implemented for \'{type_word(x)}\'')
    return dispatch(SMOOTH_L1, (x, t), {"reduction": red, "beta": beta})


# ---------------------------------------------------------------------------- huber
def _huber(xp, x, target, reduction, delta):
    z = xp.abs(x - target)
    loss = xp.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta)).astype(x.dtype,
                                                                            copy=False)
    return reduce_raw(xp, loss, reduction)


def _huber_bw(xp, grad_output, x, target, reduction, delta):
    d = x - target
    slope = xp.where(d <= -delta, -delta, xp.where(d >= delta, delta, d))
    return (slope * grad_output * _norm(x.shape, reduction)).astype(x.dtype, copy=False)


def _huber_double(F, g, grad_output, x, target, reduction, delta):
    inside = F.abs(x - target) < delta
    return F.where(inside, g * grad_output * _norm(x.shape, reduction), 0.0)


HUBER = op("huber_loss", _huber, inputs=("x", "target"), params=("reduction", "delta"),
           vjps=(lambda F, g, x, target, reduction, delta:
                 F.huber_loss_backward(g, x, target, reduction, delta),
                 lambda F, g, x, target, reduction, delta:
                 F.huber_loss_backward(g, target, x, reduction, delta)))
HUBER_BACKWARD = op(
    "huber_loss_backward", _huber_bw, inputs=("grad_output", "x", "target"),
    params=("reduction", "delta"), broadcasts=True, grad_fn="HuberLossBackwardBackward0",
    vjps=(lambda F, g, x, target, reduction, delta:
          F.huber_loss_backward(g, x, target, reduction, delta),
          _huber_double,
          lambda F, g, grad_output, x, target, reduction, delta:
          -_huber_double(F, g, grad_output, x, target, reduction, delta)))


@expose(method=False, internal=True)
def huber_loss_backward(grad_output, input, target, reduction, delta):
    """d huber_loss / d input (HuberLossBackwardBackward0)."""
    return dispatch(HUBER_BACKWARD, (grad_output, input, target),
                    {"reduction": reduction, "delta": delta})


@expose(method=False, internal=True)
def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    """0.5 d^2 where |d| < delta, delta (|d| - delta / 2) elsewhere (HuberLossBackward0)."""
    x, t, _ = _prelude(input, target, None, None, reduction)
    if weight is None:
        red = reduction_enum(reduction)
    else:
        red = 0
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if x._data.dtype.kind not in "fcV":
        raise NotImplementedError(f'"huber_cpu" not implemented for \'{type_word(x)}\'')
    loss = dispatch(HUBER, (x, t), {"reduction": red, "delta": delta})
    return loss if weight is None else _weighted(loss, weight, input, reduction, False)


# ---------------------------------------------------------------------------- poisson nll
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True,
                     full: bool = False, size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Negative log likelihood of a Poisson target: exp(input) - target * input (or
    input - target * log(input + eps)), plus Stirling's term where target > 1 if ``full``."""
    if size_average is not None or reduce is not None:
        red = enum_of(reduction, size_average, reduce)
    else:
        if reduction not in ("none", "mean", "sum"):
            raise ValueError(reduction + " is not a valid value for reduction")
        red = reduction_enum(reduction)
    return _poisson(input, target, log_input, full, eps, red)


def _poisson(input, target, log_input, full, eps, reduction):
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * add_scalar(input, eps).log()
    if full:
        stirling = (target * target.log() - target
                    + mul_scalar(mul_scalar(target, 2 * math.pi).log(), 0.5))
        loss = loss.add_(stirling.masked_fill(target <= 1, 0))
    return apply_reduction(loss, reduction)


@expose(name="poisson_nll_loss", method=False)
@named("poisson_nll_loss")
def _torch_poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool,
                            eps: float, reduction: int) -> Tensor:
    """torch.poisson_nll_loss(input, target, log_input, full, eps, reduction)."""
    return _poisson(input, target, log_input, full, eps, reduction)


# ---------------------------------------------------------------------------- gaussian nll
@expose(method=False, internal=True)
def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """Gaussian negative log likelihood, 0.5 (log var + (input - target)^2 / var), composed
    as torch composes it (var clamped at ``eps`` without a gradient through the clamp)."""
    from ...._creation import ones_like
    from ....autograd.grad_mode import no_grad
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ones_like(input)
    elif not isinstance(var, Tensor):
        raise TypeError(f"any() received an invalid combination of arguments - got "
                        f"({type(var < 0).__name__}), but expected a Tensor")
    elif (var < 0).any():
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(
                y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# ---------------------------------------------------------------------------- kl div
def _kl(input, target, reduction, log_target):
    if input._data.dtype.kind == "c" or target._data.dtype.kind == "c":
        raise RuntimeError("kl_div: Complex inputs not supported.")
    if input._data.dtype.kind not in "fV" or target._data.dtype.kind not in "fV":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    from .._compose import _nn_xlogy
    if log_target:
        out = target.exp() * (target - input)
    else:
        out = _nn_xlogy(target, target) - target * input
    return apply_reduction(out, reduction)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence of ``target`` from the log-probabilities ``input``
    (pointwise target * (log target - input)); 'batchmean' divides the sum by the batch
    size, as the definition does."""
    if size_average is not None or reduce is not None:
        red = enum_of(reduction, size_average, reduce)
    else:
        if reduction == "mean":
            warn("reduction: 'mean' divides the total loss by both the batch size "
                 "and the support size.'batchmean' divides only by the batch size, "
                 "and aligns with the KL div math definition.'mean' will be changed "
                 "to behave the same as 'batchmean' in the next major release.")
        red = reduction_enum("sum" if reduction == "batchmean" else reduction)
    out = _kl(input, target, red, log_target)
    if reduction == "batchmean" and input.ndim != 0:
        out = out / input.shape[0]
    return out


@expose(name="kl_div", method=False)
@named("kl_div")
def _torch_kl_div(input: Tensor, target: Tensor, reduction: int = 1,
                  log_target: bool = False) -> Tensor:
    """torch.kl_div(input, target, reduction=1, log_target=False)."""
    return _kl(input, target, reduction, log_target)

