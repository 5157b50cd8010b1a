"""Connectionist temporal classification loss (CtcLossBackward0).

torch's CPU algorithm in log space (Graves et al. 2006, eqs. 6-16), vectorised over the
batch and the extended label positions with NumPy: one step per time frame for the forward
variables alpha, one per frame for the backward variables beta, then the gradient
``exp(log_probs) - occupancy`` scattered onto the classes, exactly the quantity torch
returns (the gradient with respect to the logits under a log_softmax, which is what
``CtcLossBackward0`` gives). Its backward has no derivative in torch, nor here.
"""
from __future__ import annotations

from ...._tensor import Tensor
from ..._registry import PUBLIC, dispatch, expose, op
from .._compose import named, reduction_enum, type_word

__all__ = ["ctc_loss"]

_WHERE = "(while checking arguments for ctc_loss_allocate_outputs)"


def _lengths(value, name):
    if isinstance(value, Tensor):
        if value._data.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        return [int(v) for v in value._data.reshape(-1)]
    if isinstance(value, int):
        return [value]
    return [int(v) for v in value]


def _extended(xp, targets, offsets, target_lengths, blank, n, width):
    """(labels, allowed skip from s-2, valid) over the extended label sequence
    blank, l1, blank, l2, ..., blank of every batch item."""
    labels = xp.full((n, width), blank, dtype=xp.int64)
    for b in range(n):
        tl = target_lengths[b]
        if tl:
            labels[b, 1:2 * tl:2] = targets[b][offsets[b]:offsets[b] + tl]
    s = xp.arange(width)
    valid = s[None, :] <= 2 * xp.asarray(target_lengths)[:, None]
    skip = xp.zeros((n, width), dtype=bool)
    skip[:, 2:] = labels[:, 2:] != labels[:, :-2]
    return labels, skip, valid


def _lse3(xp, a, b, c):
    m = xp.maximum(xp.maximum(a, b), c)
    m = xp.where(m == -xp.inf, 0.0, m)
    return xp.log(xp.exp(a - m) + xp.exp(b - m) + xp.exp(c - m)) + m


def _alpha(xp, lpe, skip, valid, input_lengths, target_lengths):
    """log alpha (T, N, L) and the negative log likelihoods (N,)."""
    t_max, n, width = lpe.shape
    ninf = -xp.inf
    alpha = xp.full((t_max, n, width), ninf)
    tl = xp.asarray(target_lengths)
    if t_max:
        alpha[0, :, 0] = lpe[0, :, 0]
        if width > 1:
            alpha[0, :, 1] = xp.where(tl > 0, lpe[0, :, 1], ninf)
    for t in range(1, t_max):
        prev = alpha[t - 1]
        a2 = xp.full_like(prev, ninf)
        a2[:, 1:] = prev[:, :-1]
        a3 = xp.full_like(prev, ninf)
        a3[:, 2:] = xp.where(skip[:, 2:], prev[:, :-2], ninf)
        alpha[t] = xp.where(valid, _lse3(xp, prev, a2, a3) + lpe[t], ninf)
    nll = xp.empty(n)
    for b in range(n):
        il, tlb = input_lengths[b], target_lengths[b]
        if il == 0:
            nll[b] = -0.0 if tlb == 0 else xp.inf
            continue
        last = alpha[il - 1, b]
        nll[b] = -last[0] if tlb == 0 else -xp.logaddexp(last[2 * tlb], last[2 * tlb - 1])
    return alpha, nll


def _beta(xp, lpe, skip, valid, input_lengths, target_lengths):
    t_max, n, width = lpe.shape
    ninf = -xp.inf
    beta = xp.full((t_max, n, width), ninf)
    il = xp.asarray(input_lengths)
    tl = xp.asarray(target_lengths)
    rows = xp.arange(n)
    end = 2 * tl
    skip_next = xp.zeros_like(skip)
    skip_next[:, :-2] = skip[:, 2:]
    for t in range(t_max - 1, -1, -1):
        if t < t_max - 1:
            nxt = beta[t + 1]
            b2 = xp.full_like(nxt, ninf)
            b2[:, :-1] = nxt[:, 1:]
            b3 = xp.full_like(nxt, ninf)
            b3[:, :-2] = xp.where(skip_next[:, :-2], nxt[:, 2:], ninf)
            step = xp.where(valid, _lse3(xp, nxt, b2, b3) + lpe[t], ninf)
            beta[t] = xp.where((t < il - 1)[:, None], step, ninf)
        start = il - 1 == t
        if start.any():
            init = xp.full((n, width), ninf)
            init[rows, end] = lpe[t, rows, end]
            has = tl > 0
            init[rows[has], end[has] - 1] = lpe[t, rows[has], end[has] - 1]
            beta[t] = xp.where(start[:, None], init, beta[t])
    return beta


def _ctc_grad(xp, grad_output, lp, labels, alpha, beta, lpe, nll, input_lengths,
              target_lengths, zero_infinity):
    t_max, n, c = lp.shape
    occupancy = xp.exp(alpha + beta + nll[None, :, None] - lpe)
    per_class = xp.zeros((t_max, n, c))
    rows = xp.arange(n)
    for s in range(labels.shape[1]):
        per_class[:, rows, labels[:, s]] += occupancy[:, :, s]
    # torch sets (not adds) the last frame's two entries, so a target equal to the blank
    # (an invalid input) keeps only the second one's share: do the same
    for b in range(n):
        il, tl = input_lengths[b], target_lengths[b]
        if il and tl and labels[b, 2 * tl - 1] == labels[b, 0]:
            per_class[il - 1, b, labels[b, 0]] -= occupancy[il - 1, b, 2 * tl]
    grad = (xp.exp(lp) - per_class) * xp.asarray(grad_output, dtype=xp.float64)[None, :, None]
    frames = xp.arange(t_max)[:, None] < xp.asarray(input_lengths)[None, :]
    impossible = xp.isinf(nll)
    grad = xp.where(impossible[None, :, None], 0.0 if zero_infinity else xp.nan, grad)
    return xp.where(frames[:, :, None], grad, 0.0)


def _ctc_fw(xp, log_probs, nll, **unused):
    return nll.astype(log_probs.dtype)


def _ctc_bw_fw(xp, grad_output, log_probs, nll, labels, skip, valid, alpha, lpe, input_lengths,
               target_lengths, zero_infinity):
    beta = _beta(xp, lpe, skip, valid, input_lengths, target_lengths)
    return _ctc_grad(xp, grad_output, log_probs.astype(xp.float64), labels, alpha, beta,
                     lpe, nll, input_lengths, target_lengths,
                     zero_infinity).astype(log_probs.dtype)


def _no_derivative(F, g):
    raise RuntimeError("derivative for aten::_ctc_loss_backward is not implemented")


_PARAMS = ("nll", "labels", "skip", "valid", "alpha", "lpe", "input_lengths",
           "target_lengths", "zero_infinity")


def _ctc_rule(F, g, log_probs, nll, labels, skip, valid, alpha, lpe, input_lengths,
              target_lengths, zero_infinity):
    return F._ctc_loss_backward(g, log_probs, nll, labels, skip, valid, alpha, lpe,
                                input_lengths, target_lengths, zero_infinity)


CTC = op("_ctc_loss", _ctc_fw, inputs=("log_probs",), params=_PARAMS,
         grad_fn="CtcLossBackward0", vjps=(_ctc_rule,))
CTC_BACKWARD = op("_ctc_loss_backward", _ctc_bw_fw, inputs=("grad_output", "log_probs"),
                  params=_PARAMS, grad_fn="NotImplemented",
                  vjps=(_no_derivative, _no_derivative))
CTC_BACKWARD.node_cls = type("NotImplemented", (CTC_BACKWARD.node_cls,), {
    "__slots__": (), "name": lambda self: "torch::autograd::NotImplemented"})


@expose(method=False, internal=True)
def _ctc_loss_backward(grad_output, log_probs, *params):
    """CTC's gradient with respect to ``log_probs`` (no derivative of its own)."""
    return dispatch(CTC_BACKWARD, (grad_output, log_probs), dict(zip(_PARAMS, params)))


def _ctc_core(log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
    """torch's _ctc_loss on (T, N, C) log-probabilities: the per-item negative log
    likelihoods (CtcLossBackward0)."""
    xp = log_probs.xp
    if log_probs._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"ctc_loss_cpu" not implemented for '
                                  f"'{type_word(log_probs)}'")
    if targets.ndim not in (1, 2):
        raise RuntimeError(f"Expected 1 to 2 dimensions, but got {targets.ndim}-dimensional "
                           f"tensor for argument #2 'targets' {_WHERE}")
    t_max, n, c = log_probs.shape
    if not 0 <= blank < c:
        raise RuntimeError("blank must be in label range")
    if len(input_lengths) != n:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(target_lengths) != n:
        raise RuntimeError("target_lengths must be of size batch_size")
    tg = targets._data.astype(xp.int64)
    for tl in target_lengths:
        if tl < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got "
                               f"value {tl} {_WHERE}")
    if tg.ndim == 1:
        total = sum(target_lengths)
        if tg.shape[0] != total:
            raise RuntimeError(f"Expected tensor to have size {total} at dimension 0, but got "
                               f"size {tg.shape[0]} for argument #2 'targets' {_WHERE}")
        offsets, rows = [], []
        pos = 0
        for tl in target_lengths:
            offsets.append(pos)
            pos += tl
        rows = [tg] * n
    else:
        longest = max(target_lengths, default=0)
        if tg.shape[0] != n:
            raise RuntimeError(f"Expected tensor to have size {n} at dimension 0, but got size "
                               f"{tg.shape[0]} for argument #2 'targets' {_WHERE}")
        if tg.shape[1] < longest:
            raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension "
                               f"1, but got size {tg.shape[1]} for argument #2 'targets' "
                               f"{_WHERE}")
        offsets, rows = [0] * n, list(tg)
    for il in input_lengths:
        if il < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got "
                               f"value {il} {_WHERE}")
        if il > t_max:
            raise RuntimeError(f"Expected input_lengths to have value at most {t_max}, but got "
                               f"value {il} {_WHERE}")
    width = 2 * max(target_lengths, default=0) + 1
    labels, skip, valid = _extended(xp, rows, offsets, target_lengths, blank, n, width)
    lp = log_probs._data.astype(xp.float64)
    lpe = xp.take_along_axis(lp, xp.broadcast_to(labels[None], (t_max, n, width)), 2)
    alpha, nll = _alpha(xp, lpe, skip, valid, input_lengths, target_lengths)
    params = dict(zip(_PARAMS, (nll, labels, skip, valid, alpha, lpe, tuple(input_lengths),
                                tuple(target_lengths), zero_infinity)))
    return dispatch(CTC, (log_probs,), params)


def _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction,
              zero_infinity):
    where = PUBLIC["where"]
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    batched = log_probs.ndim == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    tg = targets if batched or targets.ndim != 1 else targets.unsqueeze(0)
    res = _ctc_core(lp, tg, il, tl, blank, zero_infinity)
    if zero_infinity:
        xp = res.xp
        zero = Tensor._make(xp.zeros((), dtype=res._data.dtype))
        res = where(res == float("inf"), zero, res)
    if reduction == 1:
        xp = res.xp
        lengths = Tensor._make(xp.maximum(xp.asarray(tl, dtype=res._data.dtype), 1))
        return (res / lengths).mean()
    if reduction == 2:
        return res.sum()
    return res if batched else res.squeeze(0)


@expose(name="ctc_loss", method=False)
@named("ctc_loss")
def _torch_ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths,
                    blank: int = 0, reduction: int = 1, zero_infinity: bool = False) -> Tensor:
    """torch.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction,
    zero_infinity)."""
    return _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank, reduction,
                     zero_infinity)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """CTC loss of (T, N, C) (or unbatched (T, C)) log-probabilities against targets padded
    (N, S) or concatenated; lengths as tensors or sequences; 'mean' divides each loss by its
    target length before averaging, as torch."""
    return _ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                     reduction_enum(reduction), zero_infinity)
