"""Margin and embedding losses. soft_margin, multilabel_margin and multi_margin are one node
each in torch (the last two have no double backward: their backward ops record torch's
NotImplemented node); margin_ranking, hinge_embedding, cosine_embedding,
multilabel_soft_margin and the triplet losses are torch's compositions."""
from __future__ import annotations

from ...._tensor import Tensor
from ..._registry import PUBLIC, dispatch, expose, op
from .._compose import (
    _nn_norm,
    add_scalar,
    apply_reduction,
    enum_of,
    named,
    reduction_enum,
    sub_scalar,
    type_word,
)
from ._common import check_no_grad, param_tensor, raw, reduce_raw

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multilabel_margin_loss", "multi_margin_loss",
           "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss"]

_EPSILON = 1e-12


def _scalar(like: Tensor, value: float) -> Tensor:
    """A wrapped number: ``value - t`` in torch's C++ is sub(scalar tensor, t), whose node
    is SubBackward0 with no edge on the number's side."""
    return Tensor._make(like.xp.asarray(value, dtype=like._data.dtype))


def _not_implemented(name, node_op):
    def rule(F, g):
        raise RuntimeError(f"derivative for aten::{name} is not implemented")
    node_op.node_cls = type("NotImplemented", (node_op.node_cls,), {
        "__slots__": (), "name": lambda self: "torch::autograd::NotImplemented"})
    return rule


# ---------------------------------------------------------------------------- ranking/hinge
def _margin_ranking(input1, input2, target, margin, reduction):
    out = add_scalar(-target * (input1 - input2), margin).clamp_min_(0)
    return apply_reduction(out, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, -target * (input1 - input2) + margin), composed as torch composes it."""
    red = enum_of(reduction, size_average, reduce)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same "
                           f"dimension but got sizes: input1: {input1.shape}, input2: "
                           f"{input2.shape}, target: {target.shape} ")
    return _margin_ranking(input1, input2, target, margin, red)


@expose(name="margin_ranking_loss", method=False)
@named("margin_ranking_loss")
def _torch_margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor,
                               margin: float = 0.0, reduction: int = 1) -> Tensor:
    """torch.margin_ranking_loss(input1, input2, target, margin, reduction)."""
    return _margin_ranking(input1, input2, target, margin, reduction)


def _check_broadcast(a, b):
    """torch's broadcasting error for two shapes (tensor a, tensor b)."""
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    for dim in range(n - 1, -1, -1):
        if pa[dim] != pb[dim] and pa[dim] != 1 and pb[dim] != 1:
            raise RuntimeError(f"The size of tensor a ({pa[dim]}) must match the size of "
                               f"tensor b ({pb[dim]}) at non-singleton dimension {dim}")


def _hinge(input, target, margin, reduction):
    where = PUBLIC["where"]
    _check_broadcast(target.shape, input.shape)
    zeros = Tensor._make(input.xp.zeros(input.shape, dtype=input._data.dtype))
    margin_clamp = (_scalar(input, margin) - input).clamp_min_(0)
    out = where(target != 1, margin_clamp, zeros) + where(target != -1, input, zeros)
    return apply_reduction(out, reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """input where target is 1, max(0, margin - input) where it is -1 (torch's
    composition)."""
    return _hinge(input, target, margin, enum_of(reduction, size_average, reduce))


@expose(name="hinge_embedding_loss", method=False)
@named("hinge_embedding_loss")
def _torch_hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0,
                                reduction: int = 1) -> Tensor:
    """torch.hinge_embedding_loss(input, target, margin, reduction)."""
    return _hinge(input, target, margin, reduction)


# ---------------------------------------------------------------------------- soft margin
def _norm(shape, reduction):
    n = 1
    for s in shape:
        n *= s
    return 1.0 / n if reduction == 1 else 1.0


def _soft_margin_fw(xp, x, target, reduction):
    return reduce_raw(xp, xp.log1p(xp.exp(-target * x)).astype(x.dtype, copy=False),
                      reduction)


def _soft_margin_bw(xp, grad_output, x, target, reduction):
    z = xp.exp(-target * x)
    out = -_norm(x.shape, reduction) * target * z / (1 + z) * grad_output
    return out.astype(x.dtype, copy=False)


def _sm_double_grad_output(F, g, x, target, reduction):
    t = param_tensor(F, target)
    z = F.exp(-t * x)
    return g * (-_norm(x.shape, reduction)) * t * z / (1 + z)


def _sm_double_self(F, g, grad_output, x, target, reduction):
    t = param_tensor(F, target)
    z = F.exp(-t * x)
    return g * grad_output * _norm(x.shape, reduction) * t * t * z / ((1 + z) * (1 + z))


SOFT_MARGIN = op("soft_margin_loss", _soft_margin_fw, params=("target", "reduction"),
                 vjps=(lambda F, g, x, target, reduction:
                       F.soft_margin_loss_backward(g, x, target, reduction),))
SOFT_MARGIN_BACKWARD = op(
    "soft_margin_loss_backward", _soft_margin_bw, inputs=("grad_output", "x"),
    params=("target", "reduction"), broadcasts=True,
    grad_fn="SoftMarginLossBackwardBackward0",
    vjps=(_sm_double_grad_output, _sm_double_self))


@expose(method=False, internal=True)
def soft_margin_loss_backward(grad_output, input, target, reduction):
    """d soft_margin_loss / d input (SoftMarginLossBackwardBackward0)."""
    return dispatch(SOFT_MARGIN_BACKWARD, (grad_output, input),
                    {"target": target, "reduction": reduction})


@expose(method=False, internal=True)
def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input)) (SoftMarginLossBackward0)."""
    red = enum_of(reduction, size_average, reduce)
    check_no_grad("soft_margin_loss", "target", target)
    if input._data.dtype.kind not in "fV":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{type_word(input)}")
    from ...shape.combine import broadcast_shapes
    shape = tuple(broadcast_shapes(input.shape, target.shape))
    if shape != tuple(input.shape):
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the "
                           f"broadcast shape {list(shape)}")
    t = input.xp.broadcast_to(target._data.astype(input._data.dtype, copy=False), shape)
    return dispatch(SOFT_MARGIN, (input,), {"target": t, "reduction": red})


@expose(method=False, internal=True)
def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """Per-class logistic loss averaged over classes (torch's composition of logsigmoid)."""
    from ..activation.smooth import logsigmoid
    if size_average is not None or reduce is not None:
        reduction = ("none", "mean", "sum")[enum_of(reduction, size_average, reduce)]
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.ndim - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    raise ValueError(reduction + " is not valid")


# ---------------------------------------------------------------------------- multi margin
def _frames(x):
    """(N, C) view of 0-d, 1-d or 2-d input."""
    return x.reshape(1, 1) if x.ndim == 0 else x.reshape(1, -1) if x.ndim == 1 else x


def _finish(xp, per_frame, x, reduction):
    if reduction == 0:
        return per_frame.reshape(()) if x.ndim <= 1 else per_frame
    return reduce_raw(xp, per_frame, reduction)


def _mm_parts(xp, x, target, p, margin, weight):
    x2 = _frames(x)
    n = x2.shape[0]
    rows = xp.arange(n)
    t = target.reshape(-1)
    z = margin - x2[rows, t][:, None] + x2
    z[rows, t] = 0
    active = z > 0
    h = xp.where(active, z if p == 1 else z * z, 0)
    scale = 1.0 / x2.shape[1] if weight is None else weight[t][:, None] / x2.shape[1]
    return x2, rows, t, z, active, h * scale, scale


def _multi_margin_fw(xp, x, target, p, margin, weight, reduction):
    _, _, _, _, _, h, _ = _mm_parts(xp, x, target, p, margin, weight)
    return _finish(xp, h.sum(1).astype(x.dtype, copy=False), x, reduction)


def _multi_margin_bw(xp, grad_output, x, target, p, margin, weight, reduction):
    x2, rows, t, z, active, _, scale = _mm_parts(xp, x, target, p, margin, weight)
    d = xp.where(active, 1.0 if p == 1 else 2 * z, 0) * scale
    g = xp.asarray(grad_output).reshape(-1, 1) if reduction == 0 else grad_output
    if reduction == 1:
        g = g / x2.shape[0]
    gx = d * g
    gx[rows, t] = -gx.sum(1)
    return gx.reshape(x.shape).astype(x.dtype, copy=False)


_MM_PARAMS = ("target", "p", "margin", "weight", "reduction")
MULTI_MARGIN = op("multi_margin_loss", _multi_margin_fw, params=_MM_PARAMS,
                  vjps=(lambda F, g, x, target, p, margin, weight, reduction:
                        F.multi_margin_loss_backward(g, x, target, p, margin, weight,
                                                     reduction),))
MULTI_MARGIN_BACKWARD = op("multi_margin_loss_backward", _multi_margin_bw,
                           inputs=("grad_output", "x"), params=_MM_PARAMS,
                           grad_fn="NotImplemented")
MULTI_MARGIN_BACKWARD.vjps = (_not_implemented("multi_margin_loss_backward",
                                               MULTI_MARGIN_BACKWARD),) * 2
MULTI_MARGIN_BACKWARD.differentiable = True


@expose(method=False, internal=True)
def multi_margin_loss_backward(grad_output, input, target, p, margin, weight, reduction):
    """d multi_margin_loss / d input (no derivative of its own, as in torch)."""
    return dispatch(MULTI_MARGIN_BACKWARD, (grad_output, input),
                    dict(zip(_MM_PARAMS, (target, p, margin, weight, reduction))))


def _long_target(target):
    if target.dtype.name != "int64":
        raise RuntimeError(f"expected scalar type Long but found {type_word(target)}")


def _frame_check(input):
    nd = input.ndim
    if not ((nd == 2 and input.shape[1] != 0) or (nd == 1 and input.shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(input.shape)}")


@expose(method=False, internal=True)
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0,
                      weight: Tensor | None = None, size_average=None, reduce=None,
                      reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: sum over i != y of max(0, margin - x[y] + x[i])^p, weighted
    by weight[y] and divided by the class count (MultiMarginLossBackward0)."""
    red = enum_of(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    _frame_check(input)
    nd = input.ndim
    nframe = 1 if nd <= 1 else input.shape[0]
    dim = 1 if nd == 0 else input.shape[nd - 1]
    if target.ndim > 1 or target.numel() != nframe:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal "
                           f"to the number of input samples (batch size). Expected target "
                           f"size [{nframe}], but got {list(target.shape)}. Input has shape "
                           f"{list(input.shape)}.")
    if weight is not None and weight.numel() != dim:
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got "
                           f"{list(weight.shape)}")
    check_no_grad("multi_margin_loss", "weight", weight)
    _long_target(target)
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {type_word(input)} but found "
                           f"{type_word(weight)}")
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"multi_margin_loss_cpu_kernel" not implemented for '
                                  f"'{type_word(input)}'")
    t = target._data
    if ((t < 0) | (t >= dim)).any():
        raise RuntimeError("target out of range")
    return dispatch(MULTI_MARGIN, (input,), dict(zip(_MM_PARAMS, (t, p, margin, raw(weight),
                                                                  red))))


# ---------------------------------------------------------------------------- multilabel
def _mlm_parts(xp, x, target):
    x2 = _frames(x)
    t = _frames(target)
    n, c = x2.shape
    # targets run until the first -1
    valid = xp.cumprod(t >= 0, axis=1).astype(bool)
    safe = xp.where(valid, t, 0)
    rows = xp.arange(n)[:, None]
    is_target = xp.zeros((n, c), dtype=bool)
    is_target[xp.broadcast_to(rows, safe.shape)[valid], safe[valid]] = True
    z = 1 - x2[rows, safe][:, :, None] + x2[:, None, :]
    active = (z > 0) & valid[:, :, None] & ~is_target[:, None, :]
    return x2, rows, safe, z, active, c


def _mlm_fw(xp, x, target, reduction):
    _, _, _, z, active, c = _mlm_parts(xp, x, target)
    per_frame = (xp.where(active, z, 0).sum(axis=(1, 2)) / c).astype(x.dtype, copy=False)
    return _finish(xp, per_frame, x, reduction)


def _mlm_bw(xp, grad_output, x, target, reduction):
    x2, rows, safe, _, active, c = _mlm_parts(xp, x, target)
    g = xp.asarray(grad_output).reshape(-1, 1) if reduction == 0 else grad_output
    if reduction == 1:
        g = g / x2.shape[0]
    gx = (active.sum(1) / c * g).astype(x.dtype)
    per_target = (active.sum(2) / c * g).astype(x.dtype)
    xp.add.at(gx, (xp.broadcast_to(rows, safe.shape), safe), -per_target)
    return gx.reshape(x.shape)


MULTILABEL_MARGIN = op("multilabel_margin_loss", _mlm_fw, params=("target", "reduction"),
                       vjps=(lambda F, g, x, target, reduction:
                             F.multilabel_margin_loss_backward(g, x, target, reduction),))
MULTILABEL_MARGIN_BACKWARD = op("multilabel_margin_loss_backward", _mlm_bw,
                                inputs=("grad_output", "x"), params=("target", "reduction"),
                                grad_fn="NotImplemented")
MULTILABEL_MARGIN_BACKWARD.vjps = (_not_implemented("multilabel_margin_loss_backward",
                                                    MULTILABEL_MARGIN_BACKWARD),) * 2
MULTILABEL_MARGIN_BACKWARD.differentiable = True


@expose(method=False, internal=True)
def multilabel_margin_loss_backward(grad_output, input, target, reduction):
    """d multilabel_margin_loss / d input (no derivative of its own, as in torch)."""
    return dispatch(MULTILABEL_MARGIN_BACKWARD, (grad_output, input),
                    {"target": target, "reduction": reduction})


@expose(method=False, internal=True)
def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:
    """Multi-label hinge loss over the target classes listed before the first -1
    (MultilabelMarginLossBackward0)."""
    red = enum_of(reduction, size_average, reduce)
    _frame_check(input)
    nd = input.ndim
    if nd <= 1:
        dim = 1 if nd == 0 else input.shape[0]
        ok = target.ndim <= 1 and target.numel() == dim
    else:
        dim = input.shape[1]
        ok = target.ndim == 2 and tuple(target.shape) == tuple(input.shape)
    if not ok:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of "
                           f"size: {list(input.shape)}")
    _long_target(target)
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"multilabel_margin_loss_forward_out_frame" not '
                                  f"implemented for '{type_word(input)}'")
    t = target._data
    if ((t < -1) | (t >= dim)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    return dispatch(MULTILABEL_MARGIN, (input,), {"target": t, "reduction": red})


# ---------------------------------------------------------------------------- cosine
def _cosine_embedding(input1, input2, target, margin, reduction):
    where = PUBLIC["where"]
    td = target.ndim
    if td not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if td == 1 and input1.ndim != 2:
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs "
                           f"with sizes {list(input1.shape)} and {list(input2.shape)}.")
    if td == 0 and input1.ndim != 1:
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs "
                           f"with sizes {list(input1.shape)} and {list(input2.shape)}.")
    prod_sum = (input1 * input2).sum(td)
    mag1 = add_scalar((input1 * input1).sum(td), _EPSILON)
    mag2 = add_scalar((input2 * input2).sum(td), _EPSILON)
    denom = (mag1 * mag2).sqrt_()
    cos = prod_sum / denom
    _check_broadcast(target.shape, cos.shape)
    zeros = Tensor._make(cos.xp.zeros(cos.shape, dtype=cos._data.dtype))
    pos = _scalar(cos, 1.0) - cos
    neg = sub_scalar(cos, margin).clamp_min_(0)
    out = where(target == 1, pos, zeros) + where(target == -1, neg, zeros)
    return apply_reduction(out, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                          size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1."""
    return _cosine_embedding(input1, input2, target, margin,
                             enum_of(reduction, size_average, reduce))


@expose(name="cosine_embedding_loss", method=False)
@named("cosine_embedding_loss")
def _torch_cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor,
                                 margin: float = 0.0, reduction: int = 1) -> Tensor:
    """torch.cosine_embedding_loss(input1, input2, target, margin, reduction)."""
    return _cosine_embedding(input1, input2, target, margin, reduction)


# ---------------------------------------------------------------------------- triplet
def _pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """at::pairwise_distance: norm(x1 - x2 + eps, p, last dim) (NormBackward1)."""
    innermost = max(x1.ndim, x2.ndim) - 1
    return _nn_norm(add_scalar(x1 - x2, eps), p, innermost, keepdim)


def _dims_check(anchor, positive, negative):
    a, p, n = anchor.ndim, positive.ndim, negative.ndim
    if not (a == p and p == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{p}D, and negative {n}D inputs")


def _triplet(anchor, positive, negative, margin, p, eps, swap, reduction):
    minimum = PUBLIC["minimum"]
    _dims_check(anchor, positive, negative)
    dist_pos = _pairwise_distance(anchor, positive, p, eps)
    dist_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = minimum(dist_neg, _pairwise_distance(positive, negative, p, eps))
    out = (add_scalar(dist_pos, margin) - dist_neg).clamp_min(0)
    return apply_reduction(out, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, d(a, p) - d(a, n) + margin) with the p-norm pairwise distance."""
    red = enum_of(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return _triplet(anchor, positive, negative, margin, p, eps, swap, red)


@expose(name="triplet_margin_loss", method=False)
@named("triplet_margin_loss")
def _torch_triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                               margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                               swap: bool = False, reduction: int = 1) -> Tensor:
    """torch.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
    reduction)."""
    return _triplet(anchor, positive, negative, margin, p, eps, swap, reduction)


@expose(method=False, internal=True)
def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *,
                                      distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean") -> Tensor:
    """The triplet loss with any ``distance_function`` (default: pairwise_distance)."""
    minimum = PUBLIC["minimum"]
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _dims_check(anchor, positive, negative)
    if distance_function is None:
        distance_function = PUBLIC.get("pairwise_distance", _pairwise_distance)
    dist_pos = distance_function(anchor, positive)
    dist_neg = distance_function(anchor, negative)
    if swap:
        dist_neg = minimum(dist_neg, distance_function(positive, negative))
    loss = (margin + dist_pos - dist_neg).clamp_min(0)
    return apply_reduction(loss, reduction_enum(reduction))
