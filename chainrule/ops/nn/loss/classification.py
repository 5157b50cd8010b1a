"""Classification losses: nll_loss (NllLossBackward0, or NllLoss2DBackward0 for spatial
input, with their backward ops for double backward), cross_entropy (log_softmax then
nll_loss, or torch's compositions for class probabilities and label smoothing),
binary_cross_entropy and binary_cross_entropy_with_logits.

nll_loss gathers each target's log-probability (no one-hot matrix is ever made); its
backward scatters ``-weight[target]`` into zeros, which log_softmax's backward turns into
``softmax - one_hot`` without building the one-hot.
"""
from __future__ import annotations

from ...._tensor import Tensor
from ..._dispatch import batching, vmapped
from ..._registry import dispatch, expose, op
from .._compose import add_scalar, div_scalar, enum_of, mul_scalar, named, type_word
from ._common import check_no_grad, param_tensor, raw, reduce_raw

__all__ = ["nll_loss", "cross_entropy", "linear_cross_entropy", "binary_cross_entropy",
           "binary_cross_entropy_with_logits"]


# ---------------------------------------------------------------------------- nll kernels
def _picked(xp, x, safe):
    """x's entries at the (safe) target classes: class dim 1, or 0 for a 1-D input."""
    if x.ndim == 1:
        return x[safe]
    if x.ndim == 2:
        return x[xp.arange(x.shape[0]), safe]
    return xp.take_along_axis(x, xp.expand_dims(safe, 1), 1)[:, 0]


def _nll_fw(xp, x, target, weight, reduction, ignore_index, total_weight):
    valid = target != ignore_index
    safe = xp.where(valid, target, 0)
    picked = _picked(xp, x, safe)
    coeff = valid if weight is None else xp.where(valid, weight[safe], 0)
    loss = xp.where(valid, -(coeff * picked), 0).astype(x.dtype, copy=False)
    if reduction == 1:
        return xp.true_divide(xp.sum(loss), total_weight, dtype=x.dtype)
    return reduce_raw(xp, loss, reduction)


def _nll_bw(xp, grad_output, x, target, weight, reduction, ignore_index, total_weight):
    valid = target != ignore_index
    safe = xp.where(valid, target, 0)
    coeff = valid.astype(x.dtype) if weight is None else xp.where(valid, weight[safe], 0)
    coeff = -(coeff * grad_output)
    if reduction == 1:  # ignored targets stay 0 even when everything is ignored (0 / 0)
        coeff = xp.where(valid, coeff / (total_weight if xp.any(valid) else 1), 0)
    coeff = coeff.astype(x.dtype, copy=False)
    gx = xp.zeros(x.shape, dtype=x.dtype)
    if x.ndim == 1:
        gx[safe] = coeff
    elif x.ndim == 2:
        gx[xp.arange(x.shape[0]), safe] = coeff
    else:
        xp.put_along_axis(gx, xp.expand_dims(safe, 1), xp.expand_dims(coeff, 1), 1)
    return gx


_NLL_PARAMS = ("target", "weight", "reduction", "ignore_index", "total_weight")


def _nll_ops(name, grad_fn):
    def fw_rule(F, g, x, target, weight, reduction, ignore_index, total_weight):
        return getattr(F, name + "_backward")(g, x, target, weight, reduction, ignore_index,
                                              total_weight)

    def grad_output_rule(F, g, target, weight, reduction, ignore_index, total_weight):
        return getattr(F, name)(g, target, weight, reduction, ignore_index, total_weight)

    forward = op(name, _nll_fw, params=_NLL_PARAMS, grad_fn=grad_fn, vjps=(fw_rule,))
    backward = op(name + "_backward", _nll_bw, inputs=("grad_output", "x"),
                  params=_NLL_PARAMS, grad_fn=grad_fn.replace("Backward0", "BackwardBackward0"),
                  vjps=(grad_output_rule, lambda F, g: F.zeros(tuple(g.shape), dtype=g.dtype)))
    for op_ in (forward, backward):
        n = len(op_.inputs)

        def fn(*args, _op=op_, _n=n):
            return dispatch(_op, tuple(args[:_n]), dict(zip(_op.params, args[_n:])))
        fn.__name__ = fn.__qualname__ = "_" + op_.name if op_ is forward else op_.name
        expose(fn, name=op_.name, method=False, internal=True)
    return forward


NLL = _nll_ops("nll_loss_forward", "NllLossBackward0")
NLL2D = _nll_ops("nll_loss2d_forward", "NllLoss2DBackward0")


def _target_dtype(target):
    if target._data.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{type_word(target)}")


def _nll_params(input, target, weight, reduction, ignore_index, op_name, kernel):
    """Check target values and weight as torch does; (params for the op)."""
    check_no_grad(op_name, "weight", weight)
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{type_word(input)}\'')
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {type_word(input)} but found "
                           f"{type_word(weight)}")
    xp = input.xp
    t = target._data.astype(xp.int64, copy=False)
    valid = t != ignore_index
    n_classes = input.shape[0 if input.ndim == 1 else 1]
    bad = valid & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].ravel()[0])} is out of bounds.")
    w = raw(weight)
    safe = xp.where(valid, t, 0)
    if w is None:
        total = float(xp.count_nonzero(valid))
    else:
        total = xp.sum(xp.where(valid, w[safe], 0), dtype=w.dtype)
    return {"target": t, "weight": w, "reduction": reduction, "ignore_index": ignore_index,
            "total_weight": total}


def _nll_1d_2d(input, target, weight, reduction, ignore_index):
    _target_dtype(target)
    if target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    no_batch = input.ndim == 1 and target.ndim == 0
    if not no_batch and input.shape[0] != target.shape[0]:
        raise RuntimeError(f"size mismatch (got input: {list(input.shape)}, target: "
                           f"{list(target.shape)})")
    n_classes = input.shape[-1]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    params = _nll_params(input, target, weight, reduction, ignore_index, "nll_loss_forward",
                         "nll_loss_out_frame")
    return dispatch(NLL, (input,), params)


def _nll_2d(input, target, weight, reduction, ignore_index):
    _target_dtype(target)
    if target.ndim != 3:
        raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got "
                           f"targets of dimension: {target.ndim}")
    if weight is not None and weight.numel() != input.shape[1]:
        raise RuntimeError("weight tensor should be defined either for all or no classes")
    i, t = input.shape, target.shape
    if i[0] != t[0] or i[2] != t[1] or i[3] != t[2]:
        raise RuntimeError(f"size mismatch (got input: {list(i)} , target: {list(t)}")
    params = _nll_params(input, target, weight, reduction, ignore_index, "nll_loss2d_forward",
                         "nll_loss2d_out_frame")
    return dispatch(NLL2D, (input,), params)


def _nll_loss_nd(input, target, weight, reduction, ignore_index):
    """torch's nll_loss_nd: 1-D/2-D input to nll_loss, 4-D to nll_loss2d, others viewed as
    (N, C, 1, -1) for nll_loss2d (and the result viewed back when unreduced)."""
    nd = input.ndim
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd == 1 and target.ndim == 1:
        if target.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{target.shape[0]}")
        target = target.squeeze(0)
    elif nd != 1 and input.shape[0] != (target.shape[0] if target.ndim else None):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.ndim else 0}).")
    if nd <= 2:
        return _nll_1d_2d(input, target, weight, reduction, ignore_index)
    if nd == 4:
        return _nll_2d(input, target, weight, reduction, ignore_index)
    n, c = input.shape[0], input.shape[1]
    out_size = [n] + list(input.shape[2:])
    if list(target.shape[1:]) != list(input.shape[2:]):
        raise RuntimeError(f"Expected target size {out_size}, got {list(target.shape)}")
    input, target = input.contiguous(), target.contiguous()
    input = input.view(n, c, 1, -1) if input.numel() > 0 else input.view(n, c, 0, 0)
    target = target.view(n, 1, -1) if target.numel() > 0 else target.view(n, 0, 0)
    out = _nll_2d(input, target, weight, reduction, ignore_index)
    return out if reduction != 0 else out.view(out_size)


@expose(method=False, internal=True)
def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """Negative log likelihood of class indices ``target`` under log-probabilities
    ``input`` (N, C, d1, ...), (N, C) or (C,), with class weights and an ignored index
    (NllLossBackward0; NllLoss2DBackward0 for spatial input)."""
    if batching.current is not None and vmapped(input, target, weight):
        return batching.function("nll_loss", nll_loss, (input, target, weight, size_average,
                                                        ignore_index, reduce, reduction), {},
                                 False)
    red = enum_of(reduction, size_average, reduce)
    return _nll_loss_nd(input, target, weight, red, ignore_index)


# ---------------------------------------------------------------------------- cross entropy
def _weight_view(weight, nd, class_dim):
    shape = [1] * nd
    shape[class_dim] = weight.shape[0]
    return weight.view(shape)


def _ce_probabilities(input, target, weight, reduction, label_smoothing):
    class_dim = 0 if input.ndim == 1 else 1
    n = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all "
                           f"{n} classes or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    logp = _log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing:g}")
        target = add_scalar(mul_scalar(target, 1 - label_smoothing), label_smoothing / n)
    prod = logp * target
    if weight is not None:
        prod = prod * _weight_view(weight, input.ndim, class_dim)
    if reduction == 1:
        if logp.numel() == 0:
            return (-prod.sum()).fill_(float("nan"))
        return div_scalar(-prod.sum(), logp.numel() // n)
    if reduction == 2:
        return -prod.sum()
    return -prod.sum(class_dim)


def _ce_label_smoothing(input, target, weight, reduction, ignore_index, label_smoothing):
    class_dim = 0 if input.ndim == 1 else 1
    logp = _log_softmax(input, class_dim)
    nll = _nll_loss_nd(logp, target, weight, reduction, ignore_index)
    ignore_mask = target == ignore_index
    n = input.shape[class_dim]
    if weight is not None:
        smooth = -(logp * _weight_view(weight, input.ndim, class_dim)).sum(class_dim)
    else:
        smooth = -logp.sum(class_dim)
    smooth = smooth.masked_fill_(ignore_mask, 0.0)
    if reduction == 1:
        xp = input.xp
        keep = ~ignore_mask._data
        if weight is not None:
            denom = xp.sum(weight._data[target._data[keep].ravel()])
        else:
            denom = xp.count_nonzero(keep)
        ret = smooth.sum() / Tensor._make(xp.asarray(denom))
    elif reduction == 2:
        ret = smooth.sum()
    else:
        ret = smooth
    return mul_scalar(nll, 1 - label_smoothing) + mul_scalar(ret, label_smoothing / n)


def _log_softmax(input, dim):
    from ..activation.softmax import _torch_log_softmax
    return _torch_log_softmax(input, dim)


def _cross_entropy(input, target, weight, reduction, ignore_index, label_smoothing):
    if input.shape == target.shape:
        if target._data.dtype.kind not in "fV":
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {type_word(target)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _ce_probabilities(input, target, weight, reduction, label_smoothing)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing:g}")
        return _ce_label_smoothing(input, target, weight, reduction, ignore_index,
                                   label_smoothing)
    class_dim = 0 if input.ndim == 1 else 1
    return _nll_loss_nd(_log_softmax(input, class_dim), target, weight, reduction,
                        ignore_index)


@expose(method=False, internal=True)
def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy between logits ``input`` and class indices or class probabilities
    ``target``: log_softmax then nll_loss (as torch records it), with class weights, an
    ignored index, label smoothing, K-dimensional and unbatched inputs."""
    if batching.current is not None and vmapped(input, target, weight):
        return batching.function("cross_entropy", cross_entropy,
                                 (input, target, weight, size_average, ignore_index, reduce,
                                  reduction, label_smoothing), {}, False)
    red = enum_of(reduction, size_average, reduce)
    return _cross_entropy(input, target, weight, red, ignore_index, label_smoothing)


def linear_cross_entropy(input: Tensor, linear_weight: Tensor, target: Tensor, *,
                         linear_bias: Tensor | None = None, weight: Tensor | None = None,
                         reduction: str = "mean", ignore_index: int | None = None,
                         label_smoothing: float = 0.0, options=None) -> Tensor:
    """cross_entropy(linear(input, linear_weight, linear_bias), target, ...), composed as
    torch composes it without ``options`` (torch's chunked path is not implemented)."""
    from ..linear import linear
    if input.ndim < 1 or input.ndim > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.ndim}")
    if linear_weight.ndim < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got "
                           f"{linear_weight.ndim}")
    batches, in_features = tuple(input.shape[:-1]), input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions "
                           f"(in_features), got {input.shape[-1]} and "
                           f"{linear_weight.shape[-1]}, respectively")
    classes, out_features = linear_weight.shape[0], tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    if out_features and not batches:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape "
                           f"{tuple(linear_weight.shape)} requires batched input, (N, "
                           f"{in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    logits_shape = (*batches, classes, *out_features)
    if tuple(target.shape) == logits_shape and ignore_index is not None:
        raise RuntimeError("ignore_index cannot be specified when target contains "
                           "probabilities")
    if options is not None:
        raise NotImplementedError("linear_cross_entropy(options=...): torch's chunked "
                                  "implementation is not available in chainrule; call it "
                                  "without options")
    if out_features:
        n = classes
        for s in out_features:
            n *= s
        linear_weight = linear_weight.reshape(n, in_features)
        if linear_bias is not None:
            linear_bias = linear_bias.reshape(n)
    logits = linear(input, linear_weight, linear_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight=weight, reduction=reduction,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         label_smoothing=label_smoothing)


# ---------------------------------------------------------------------------- bce
_EPSILON = 1e-12


def _bce_fw(xp, x, target, weight, reduction):
    log_x = xp.maximum(xp.log(x), -100.0)
    log_1mx = xp.maximum(xp.log(1 - x), -100.0)
    loss = ((target - 1) * log_1mx - target * log_x).astype(x.dtype, copy=False)
    if weight is not None:
        loss = loss * weight
    return reduce_raw(xp, loss, reduction)


def _bce_norm(shape, reduction):
    n = 1
    for s in shape:
        n *= s
    return n if reduction == 1 else 1


def _bce_bw(xp, grad_output, x, target, weight, reduction):
    out = grad_output * (x - target) / xp.maximum((1 - x) * x, _EPSILON)
    if weight is not None:
        out = out * weight
    if reduction == 1:
        out = out / _bce_norm(x.shape, reduction)
    return out.astype(x.dtype, copy=False)


def _bce_target(F, g, x, target, weight, reduction):
    """binary_cross_entropy_target_backward: -logit(x), weighted and scaled."""
    out = (F.log(1 - x) - F.log(x)) * g
    w = param_tensor(F, weight)
    if w is not None:
        out = out * w
    return out / _bce_norm(x.shape, reduction) if reduction == 1 else out


def _bce_double_self(F, g, grad_output, x, target, weight, reduction):
    gi = (x * x - 2 * x * target + target) / ((x + _EPSILON) ** 2 * (1 - x + _EPSILON) ** 2)
    gi = gi * (g * grad_output)
    w = param_tensor(F, weight)
    if w is not None:
        gi = gi * w
    return gi / _bce_norm(x.shape, reduction) if reduction == 1 else gi


def _bce_double_target(F, g, grad_output, x, target, weight, reduction):
    res = -(g * grad_output)
    w = param_tensor(F, weight)
    if w is not None:
        res = res * w
    res = res / F.clamp_min((1 - x) * x, _EPSILON)
    return res / _bce_norm(x.shape, reduction) if reduction == 1 else res


def _bce_double_grad_output(F, g, x, target, weight, reduction):
    ggo = (x - target) / ((x + _EPSILON) * (1 - x + _EPSILON)) * g
    w = param_tensor(F, weight)
    if w is not None:
        ggo = ggo * w
    return ggo / _bce_norm(x.shape, reduction) if reduction == 1 else ggo


BCE = op("binary_cross_entropy", _bce_fw, inputs=("x", "target"),
         params=("weight", "reduction"),
         vjps=(lambda F, g, x, target, weight, reduction:
               F.binary_cross_entropy_backward(g, x, target, weight, reduction),
               _bce_target))
BCE_BACKWARD = op(
    "binary_cross_entropy_backward", _bce_bw, inputs=("grad_output", "x", "target"),
    params=("weight", "reduction"), broadcasts=True,
    grad_fn="BinaryCrossEntropyBackwardBackward0",
    vjps=(_bce_double_grad_output, _bce_double_self, _bce_double_target))


@expose(method=False, internal=True)
def binary_cross_entropy_backward(grad_output, input, target, weight, reduction):
    """d binary_cross_entropy / d input (BinaryCrossEntropyBackwardBackward0)."""
    return dispatch(BCE_BACKWARD, (grad_output, input, target),
                    {"weight": weight, "reduction": reduction})


@expose(method=False, internal=True)
def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """-w (t log x + (1 - t) log(1 - x)) with each log clamped at -100, as torch
    (BinaryCrossEntropyBackward0)."""
    red = enum_of(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the "
                         f"input size ({input.shape}) is deprecated. Please ensure they have "
                         "the same size.")
    if weight is not None:
        from ...shape.combine import broadcast_shapes
        weight = weight.expand(broadcast_shapes(target.shape, weight.shape))
    check_no_grad("binary_cross_entropy", "weight", weight)
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {type_word(target)} but expected {type_word(input)}")
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"binary_cross_entropy" not implemented for '
                                  f"'{type_word(input)}'")
    x = input._data
    if not ((x >= 0) & (x <= 1)).all():
        raise RuntimeError("all elements of input should be between 0 and 1")
    return dispatch(BCE, (input, target), {"weight": raw(weight), "reduction": red})


# ---------------------------------------------------------------------------- bce logits
def _logsigmoid(xp, x):
    return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))


def _bcel_fw(xp, x, target, weight, pos_weight, reduction):
    ls = _logsigmoid(xp, x)
    if pos_weight is not None:
        ls = ls * ((pos_weight - 1) * target + 1)
    loss = (1 - target) * x - ls
    if weight is not None:
        loss = loss * weight
    return reduce_raw(xp, loss.astype(xp.result_type(x, target), copy=False), reduction)


def _bcel_scale(F, out, weight, x_shape, reduction):
    w = param_tensor(F, weight)
    if w is not None:
        out = out * w
    return F._nn_div_scalar(out, _bce_norm(x_shape, reduction)) if reduction == 1 else out


def _bcel_x(F, g, x, target, weight, pos_weight, reduction):
    pw = param_tensor(F, pos_weight)
    if pw is None:
        out = (F.sigmoid(x) - target) * g
    else:
        t = pw * target
        out = ((t + 1 - target) * F.sigmoid(x) - t) * g
    return _bcel_scale(F, out, weight, x.shape, reduction)


def _bcel_target(F, g, x, target, weight, pos_weight, reduction):
    pw = param_tensor(F, pos_weight)
    if pw is None:
        out = -x * g
    else:
        out = (F.log_sigmoid(-x) - F.log_sigmoid(x) * pw) * g
    return _bcel_scale(F, out, weight, x.shape, reduction)


BCEL = op("binary_cross_entropy_with_logits", _bcel_fw, inputs=("x", "target"),
          params=("weight", "pos_weight", "reduction"), dtype_rule="promote",
          vjps=(_bcel_x, _bcel_target))


def _check_broadcast(small, shape):
    n = max(len(small), len(shape))
    a, b = (1,) * (n - len(small)) + tuple(small), (1,) * (n - len(shape)) + tuple(shape)
    for dim in range(n - 1, -1, -1):
        if a[dim] != b[dim] and a[dim] != 1 and b[dim] != 1:
            raise RuntimeError(f"The size of tensor a ({a[dim]}) must match the size of "
                               f"tensor b ({b[dim]}) at non-singleton dimension {dim}")


@expose(name="binary_cross_entropy_with_logits", method=False)
@named("binary_cross_entropy_with_logits")
def _torch_bce_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                           pos_weight: Tensor | None = None, reduction: int = 1) -> Tensor:
    """torch.binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction):
    sigmoid and binary cross entropy in one stable step (log_sigmoid of the logits)."""
    check_no_grad("binary_cross_entropy_with_logits", "weight", weight)
    check_no_grad("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"log_sigmoid_cpu" not implemented for '
                                  f"'{type_word(input)}'")
    if pos_weight is not None:
        _check_broadcast(pos_weight.shape, target.shape)
    if weight is not None:
        _check_broadcast(weight.shape, input.shape)
    return dispatch(BCEL, (input, target), {"weight": raw(weight),
                                            "pos_weight": raw(pos_weight),
                                            "reduction": reduction})


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross entropy of sigmoid(input), stable at any logit
    (BinaryCrossEntropyWithLogitsBackward0); ``pos_weight`` weighs the positive term."""
    red = enum_of(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    return _torch_bce_with_logits(input, target, weight, pos_weight, red)
