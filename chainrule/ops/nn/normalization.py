"""Normalisation: layer_norm, batch_norm, group_norm (one node each, as torch records
them: NativeLayerNormBackward0, NativeBatchNormBackward0, NativeGroupNormBackward0, with
edges to input, weight and bias), and the composites instance_norm (batch_norm over a
(1, N*C, ...) view), rms_norm and local_response_norm.

Each forward op computes its statistics once and keeps them in a ``_Stats`` holder that
the node saves, so backward does not recompute them. The backward of layer and batch norm
is itself an op (``native_layer_norm_backward``, ``native_batch_norm_backward``), so
``create_graph=True`` records torch's NativeLayerNormBackwardBackward0 /
NativeBatchNormBackwardBackward0; their rules (``_norm_kernels.double_*``) include the
statistics' dependence on the input and are written with ``F``, so every higher order
works. Group norm's double backward is, as in torch, a composite of ordinary ops.
"""
from __future__ import annotations

from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from . import _norm_kernels as K
from ._shared import _scalar_add
from ._util import _numel

__all__ = ["layer_norm", "batch_norm", "group_norm", "instance_norm", "rms_norm",
           "local_response_norm"]

_WORDS = {"float16": "Half", "float32": "Float", "float64": "Double", "int64": "Long",
          "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool",
          "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


class _Stats:
    """The statistics a forward computed (raw arrays), saved by its node for backward:
    mean and inverse standard deviation, and the normalised (or centred) input the forward
    made anyway, so backward need not make it again."""

    __slots__ = ("mean", "rstd", "normed")

    def __init__(self):
        self.mean = self.rstd = self.normed = None


def _word(t: Tensor) -> str:
    return _WORDS.get(t.dtype.name, t.dtype.name)


def _check_float(input: Tensor, kernel: str) -> None:
    if input._data.dtype.kind not in "fV":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_word(input)}\'')


def _check_params(input: Tensor, *params) -> None:
    """torch's mixed-dtype rule on the CPU: parameters share the input's dtype, except
    float32 parameters of a half-precision input."""
    dt = input._data.dtype
    for p in params:
        if p is None or p._data.dtype == dt:
            continue
        if p._data.dtype.name == "float32" and dt.name != "float32":
            if dt.itemsize == 2:
                continue
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
        raise RuntimeError(f"mixed dtype (CPU): expect parameter to have scalar type of "
                           f"{_word(input)}")


def _raw(t):
    return None if t is None else t._data


def _as_tensor(v):
    return v if v is None or isinstance(v, Tensor) else Tensor._make(v)


def _cast_back(xp, out, dtype):
    return out if out is None or out.dtype == dtype else out.astype(dtype)


def _out(xp, grad, like):
    """One output of a backward op: the gradient in ``like``'s dtype and shape, or (when
    not computed) a zero placeholder that costs nothing."""
    if grad is None:
        shape = (0,) if like is None else like.shape
        dtype = "float32" if like is None else like.dtype
        return xp.broadcast_to(xp.zeros((), dtype=dtype), shape)
    return _cast_back(xp, grad, like.dtype).reshape(like.shape)


_MASK = (True, True, True)


# ---------------------------------------------------------------------------- layer norm
def _ln_forward(xp, x, weight, bias, normalized_shape, eps, stats):
    k = _numel(normalized_shape)
    m = x.size // k if k else _numel(x.shape[:x.ndim - len(normalized_shape)])
    wd = K.work_dtype(xp, x.dtype)
    x2 = x.reshape(m, k).astype(wd, copy=False)
    mean, rstd, xhat = K.rows_stats(xp, x2, eps)
    if weight is not None:
        y = xhat * weight.reshape(k).astype(wd, copy=False)
        if bias is not None:
            y += bias.reshape(k).astype(wd, copy=False)
    elif bias is not None:
        y = xhat + bias.reshape(k).astype(wd, copy=False)
    else:
        y = xhat.copy()  # the output may be changed in place; xhat is kept for backward
    stats.mean, stats.rstd, stats.normed = mean, rstd, xhat
    return _cast_back(xp, y, x.dtype).reshape(x.shape)


def _ln_rule(F, g, x, weight, bias, stats, normalized_shape):
    return F.native_layer_norm_backward(g, x, stats.mean, stats.rstd, weight, bias,
                                        normalized_shape, _MASK, stats.normed)


NATIVE_LAYER_NORM = op("native_layer_norm", _ln_forward, inputs=("x", "weight", "bias"),
                       params=("normalized_shape", "eps", "stats"), vjps=(_ln_rule,),
                       variadic=True, grad_fn="NativeLayerNormBackward0")


def _ln_backward_forward(xp, grad_out, x, mean, rstd, weight, bias, normalized_shape,
                         output_mask, normed=None):
    k = _numel(normalized_shape)
    m = mean.shape[0]
    wd = K.work_dtype(xp, x.dtype)
    mean, rstd = mean.reshape(m), rstd.reshape(m)
    if normed is None:
        normed = x.reshape(m, k).astype(wd) - mean[:, None]
        normed *= rstd[:, None]
    g2 = grad_out.reshape(m, k).astype(wd, copy=False)
    w = None if weight is None else weight.reshape(k).astype(wd, copy=False)
    gx, gw, gb = K.rows_backward(xp, g2, normed, rstd, w,
                                 output_mask[0], output_mask[1] and weight is not None,
                                 output_mask[2] and bias is not None)
    return (_out(xp, gx, x), _out(xp, gw, weight), _out(xp, gb, bias))


def _ln_layout(F, x, mean, rstd, normalized_shape):
    """x as rows (M, K), its normalised form and the statistics as (M, 1)."""
    k = _numel(normalized_shape)
    m = _numel(x.shape) // k if k else 0
    x2 = F.reshape(x, (m, k))
    mean2, rstd2 = F.reshape(mean, (m, 1)), F.reshape(rstd, (m, 1))
    return x2, (x2 - mean2) * rstd2, rstd2, m, k


def _ln_dd(which):
    """The rule for input ``which`` (grad_out, x, weight) of native_layer_norm_backward."""
    def rule(F, g, grad_out, x, mean, rstd, weight, normalized_shape):
        ggx, ggw, ggb = g
        x2, xhat, rstd2, m, k = _ln_layout(F, x, mean, rstd, normalized_shape)
        go = F.reshape(grad_out, (m, k))
        ggx = None if ggx is None else F.reshape(ggx, (m, k))
        wb = None if weight is None else F.reshape(weight, (k,))
        ggw = None if ggw is None else F.reshape(ggw, (k,))
        ggb = None if ggb is None else F.reshape(ggb, (k,))
        if which == 0:
            out = K.double_grad_out(F, ggx, ggw, ggb, xhat, rstd2, wb, (1,), k, True)
            return None if out is None else F.reshape(out, tuple(grad_out.shape))
        if which == 1:
            out = K.double_grad_input(F, ggx, ggw, go, xhat, rstd2, wb, (1,), k, True)
            return None if out is None else F.reshape(out, tuple(x.shape))
        out = K.double_grad_weight(F, ggx, go, xhat, rstd2, (1,), k, True)
        return None if out is None else F.reshape(F.sum(out, (0,), False),
                                                  tuple(weight.shape))
    return rule


NATIVE_LAYER_NORM_BACKWARD = op(
    "native_layer_norm_backward", _ln_backward_forward,
    inputs=("grad_out", "x", "mean", "rstd", "weight", "bias"),
    params=("normalized_shape", "output_mask", "normed"), num_outputs=3,
    vjps=(_ln_dd(0), _ln_dd(1), None, None, _ln_dd(2), None),
    grad_fn="NativeLayerNormBackwardBackward0")


@expose(method=False, internal=True)
def native_layer_norm_backward(grad_out: Tensor, input: Tensor, mean, rstd,
                               weight: Tensor | None, bias: Tensor | None, normalized_shape,
                               output_mask, normed=None) -> tuple:
    """The gradients (input, weight, bias) of layer_norm
    (NativeLayerNormBackwardBackward0); ``normed`` is the forward's normalised input, when
    kept (it spares recomputing it)."""
    return dispatch(NATIVE_LAYER_NORM_BACKWARD,
                    (grad_out, input, _as_tensor(mean), _as_tensor(rstd), weight, bias),
                    {"normalized_shape": tuple(normalized_shape),
                     "output_mask": tuple(output_mask), "normed": normed})


def _normalized_shape(normalized_shape, name="layer_norm") -> tuple:
    if isinstance(normalized_shape, int) or not hasattr(normalized_shape, "__iter__"):
        raise TypeError(f"{name}(): argument 'normalized_shape' (position 2) must be tuple of "
                        f"ints, not {type(normalized_shape).__name__}")
    return tuple(int(s) for s in normalized_shape)


def _check_normalized(input, shape, weight, bias, sep=", "):
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for p, what in ((weight, "weight"), (bias, "bias")):
        if p is not None and tuple(p.shape) != shape:
            raise RuntimeError(f"Expected {what} to be of same shape as normalized_shape, but "
                               f"got {what} of shape {list(p.shape)} and normalized_shape = "
                               f"{list(shape)}")
    ishape = tuple(input.shape)
    if len(ishape) < len(shape) or ishape[len(ishape) - len(shape):] != shape:
        star = "*" + sep if sep else "*"
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[{star}{', '.join(map(str, shape))}], but got input of size"
                           f"{list(ishape)}")


@expose(method=False)
def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims (biased variance), then scale
    by ``weight`` and shift by ``bias`` (NativeLayerNormBackward0).

    >>> import chainrule as torch
    >>> torch.nn.functional.layer_norm(torch.tensor([[1.0, 3.0]]), (2,))
    tensor([[-1.0000,  1.0000]])
    """
    shape = _normalized_shape(normalized_shape)
    _check_normalized(input, shape, weight, bias)
    _check_float(input, "LayerNormKernelImpl")
    _check_params(input, weight, bias)
    return dispatch(NATIVE_LAYER_NORM, (input, weight, bias),
                    {"normalized_shape": shape, "eps": float(eps), "stats": _Stats()})


# ---------------------------------------------------------------------------- batch norm
def _bn_layout(shape) -> tuple:
    n = shape[0]
    c = shape[1] if len(shape) > 1 else 1
    return n, c, _numel(shape[2:])


def _bn_forward(xp, x, weight, bias, running_mean, running_var, training, momentum, eps,
                stats):
    n, c, length = _bn_layout(x.shape)
    wd = K.work_dtype(xp, x.dtype)
    x3 = x.reshape(n, c, length).astype(wd, copy=False)
    if training:
        mean, invstd, unbiased, xc = K.channel_stats(xp, x3, eps)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += (mean * momentum).astype(running_mean.dtype, copy=False)
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += (unbiased * momentum).astype(running_var.dtype, copy=False)
    else:
        mean = running_mean.astype(wd, copy=True)
        invstd = K._inv_std(xp, running_var.astype(wd, copy=False), eps)
        xc = x3 - mean[None, :, None]
    scale = invstd if weight is None else invstd * weight.astype(wd, copy=False)
    y = xc * scale[None, :, None]
    if bias is not None:
        y += bias.astype(wd, copy=False)[None, :, None]
    stats.mean, stats.rstd, stats.normed = mean, invstd, xc
    return _cast_back(xp, y, x.dtype).reshape(x.shape)


def _bn_rule(F, g, x, weight, stats, training, eps):
    return F.native_batch_norm_backward(g, x, weight, stats.mean, stats.rstd, training, eps,
                                        _MASK, stats.normed)


NATIVE_BATCH_NORM = op("native_batch_norm", _bn_forward, inputs=("x", "weight", "bias"),
                       params=("running_mean", "running_var", "training", "momentum", "eps",
                               "stats"),
                       vjps=(_bn_rule,), variadic=True, grad_fn="NativeBatchNormBackward0")


def _bn_backward_forward(xp, grad_out, x, weight, save_mean, save_invstd, train, eps,
                         output_mask, normed=None):
    n, c, length = _bn_layout(x.shape)
    wd = K.work_dtype(xp, x.dtype)
    if normed is None:
        normed = x.reshape(n, c, length).astype(wd) - save_mean.astype(wd)[None, :, None]
    g3 = grad_out.reshape(n, c, length).astype(wd, copy=False)
    w = None if weight is None else weight.astype(wd, copy=False)
    gx, gw, gb = K.channel_backward(xp, g3, normed, save_invstd, w, train,
                                    output_mask[0], output_mask[1] and weight is not None,
                                    output_mask[2])
    bias_like = weight if weight is not None else xp.empty(c, dtype=x.dtype)
    return (_out(xp, gx, x), _out(xp, gw, weight), _out(xp, gb, bias_like))


def _bn_dd(which):
    """The rule for input ``which`` (grad_out, x, weight) of native_batch_norm_backward."""
    def rule(F, g, grad_out, x, weight, save_mean, save_invstd, train):
        ggx, ggw, ggb = g
        n, c, length = _bn_layout(tuple(x.shape))
        x3 = F.reshape(x, (n, c, length))
        mean, rstd = F.reshape(save_mean, (1, c, 1)), F.reshape(save_invstd, (1, c, 1))
        xhat = (x3 - mean) * rstd
        go = F.reshape(grad_out, (n, c, length))
        ggx = None if ggx is None else F.reshape(ggx, (n, c, length))
        wb = None if weight is None else F.reshape(weight, (1, c, 1))
        ggw = None if ggw is None else F.reshape(ggw, (1, c, 1))
        ggb = None if ggb is None else F.reshape(ggb, (1, c, 1))
        m = n * length
        if which == 0:
            out = K.double_grad_out(F, ggx, ggw, ggb, xhat, rstd, wb, (0, 2), m, train)
            return None if out is None else F.reshape(out, tuple(grad_out.shape))
        if which == 1:
            out = K.double_grad_input(F, ggx, ggw, go, xhat, rstd, wb, (0, 2), m, train)
            return None if out is None else F.reshape(out, tuple(x.shape))
        out = K.double_grad_weight(F, ggx, go, xhat, rstd, (0, 2), m, train)
        return None if out is None else F.sum(out, (0, 2), False)
    return rule


NATIVE_BATCH_NORM_BACKWARD = op(
    "native_batch_norm_backward", _bn_backward_forward,
    inputs=("grad_out", "x", "weight", "save_mean", "save_invstd"),
    params=("train", "eps", "output_mask", "normed"), num_outputs=3,
    vjps=(_bn_dd(0), _bn_dd(1), _bn_dd(2), None, None),
    grad_fn="NativeBatchNormBackwardBackward0")


@expose(method=False, internal=True)
def native_batch_norm_backward(grad_out: Tensor, input: Tensor, weight: Tensor | None,
                               save_mean, save_invstd, train: bool, eps: float,
                               output_mask, normed=None) -> tuple:
    """The gradients (input, weight, bias) of batch_norm
    (NativeBatchNormBackwardBackward0); ``normed`` is the forward's centred input, when kept."""
    return dispatch(NATIVE_BATCH_NORM_BACKWARD,
                    (grad_out, input, weight, _as_tensor(save_mean), _as_tensor(save_invstd)),
                    {"train": bool(train), "eps": float(eps),
                     "output_mask": tuple(output_mask), "normed": normed})


def _check_bn(input, weight, bias, running_mean, running_var, training):
    if not training and (running_mean is None or running_var is None):
        which = "running_mean" if running_mean is None else "running_var"
        raise RuntimeError(f"{which} must be defined in evaluation mode")
    c = input.shape[1] if input.ndim > 1 else 0
    for t, what in ((running_mean, "running_mean"), (running_var, "running_var"),
                    (weight, "weight"), (bias, "bias")):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{what} should contain {c} elements not {t.numel()}")
    _check_float(input, "batch_norm")
    _check_params(input, weight, bias, running_mean, running_var)


@expose(name="batch_norm", method=False)
def _torch_batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                      running_mean: Tensor | None, running_var: Tensor | None, training: bool,
                      momentum: float, eps: float, cudnn_enabled: bool = True) -> Tensor:
    """torch.batch_norm: normalise each channel (dim 1) by the batch's statistics
    (``training``, updating the running ones in place) or the running ones
    (NativeBatchNormBackward0)."""
    _check_bn(input, weight, bias, running_mean, running_var, training)
    if not isinstance(momentum, (int, float)) or isinstance(momentum, bool):
        raise TypeError(f"batch_norm(): argument 'momentum' (position 7) must be float, not "
                        f"{type(momentum).__name__}")
    params = {"running_mean": _raw(running_mean), "running_var": _raw(running_var),
              "training": bool(training), "momentum": float(momentum), "eps": float(eps),
              "stats": _Stats()}
    return dispatch(NATIVE_BATCH_NORM, (input, weight, bias), params)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over dim 1: the batch's statistics when ``training`` (the
    running ones are updated in place: ``(1 - momentum) * old + momentum * new``, the new
    variance unbiased), the running statistics otherwise.

    >>> import chainrule as torch
    >>> x = torch.tensor([[1.0], [3.0]])
    >>> torch.nn.functional.batch_norm(x, None, None, training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    """
    if training:
        _verify_batch_size(tuple(input.shape))
    return _torch_batch_norm(input, weight, bias, running_mean, running_var, training,
                             momentum, eps)


def _verify_batch_size(size) -> None:
    prod = size[0] if size else 1
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size torch.Size({list(size)})")


# ---------------------------------------------------------------------------- group norm
def _gn_forward(xp, x, weight, bias, N, C, HxW, group, eps, stats):
    wd = K.work_dtype(xp, x.dtype)
    d = (C // group) * HxW
    x2 = x.reshape(N * group, d).astype(wd, copy=False)
    mean, rstd, xhat = K.rows_stats(xp, x2, eps)
    y = xhat.reshape(N, C, HxW)
    y = y * weight.astype(wd, copy=False)[None, :, None] if weight is not None else y.copy()
    if bias is not None:
        y += bias.astype(wd, copy=False)[None, :, None]
    stats.mean, stats.rstd, stats.normed = mean, rstd, xhat
    return _cast_back(xp, y, x.dtype).reshape(x.shape)


def _gn_rule(F, g, x, weight, stats, N, C, HxW, group, eps):
    if isinstance(x, Tensor):  # create_graph: torch's composite, differentiable again
        return _gn_backward_graph(g, x, weight, N, C, HxW, group, eps)
    from ...backend import namespace_of
    xp = namespace_of(x)
    wd = K.work_dtype(xp, x.dtype)
    gx, gw, gb = K.group_backward(
        xp, g.reshape(N, C, HxW).astype(wd, copy=False), stats.normed, stats.rstd,
        None if weight is None else weight.astype(wd, copy=False), N, C, HxW, group, True,
        weight is not None, True)
    return (_cast_back(xp, gx, x.dtype).reshape(x.shape),
            None if gw is None else _cast_back(xp, gw, weight.dtype),
            _cast_back(xp, gb, x.dtype))


def _gn_backward_graph(g, x, weight, N, C, HxW, group, eps):
    """Group norm's gradients as a composite of differentiable ops (the statistics
    recomputed from ``x``, so the composite differentiates through them)."""
    d = (C // group) * HxW
    x2 = x.reshape(N * group, d)
    mean = x2.mean((1,), True)
    xc = x2 - mean
    rstd = ((xc * xc).mean((1,), True) + eps).rsqrt()
    xhat = xc * rstd
    g3 = g.reshape(N, C, HxW)
    gxh = g3 * weight.reshape(1, C, 1) if weight is not None else g3
    gxh = gxh.reshape(N * group, d)
    gx = rstd * (gxh - gxh.mean((1,), True) - xhat * (gxh * xhat).mean((1,), True))
    gx = gx.reshape(tuple(x.shape))
    gw = None if weight is None else (g3 * xhat.reshape(N, C, HxW)).sum((0, 2))
    return gx, gw, g3.sum((0, 2))


NATIVE_GROUP_NORM = op("native_group_norm", _gn_forward, inputs=("x", "weight", "bias"),
                       params=("N", "C", "HxW", "group", "eps", "stats"), vjps=(_gn_rule,),
                       variadic=True, grad_fn="NativeGroupNormBackward0")


@expose(method=False)
def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enabled: bool = True) -> Tensor:
    """Normalise each of ``num_groups`` groups of channels (dim 1) of every sample, then
    scale and shift per channel (NativeGroupNormBackward0)."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.ndim}")
    shape = tuple(input.shape)
    n, c = shape[0], shape[1]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(shape)} and "
                           f"num_groups={num_groups}")
    for p, what in ((weight, "weight"), (bias, "bias")):
        if p is not None and (p.ndim != 1 or p.numel() != c):
            raise RuntimeError(f"Expected {what} to be a vector of size equal to the number "
                               f"of channels in input, but got {what} of shape "
                               f"{list(p.shape)} and input of shape {list(shape)}")
    _check_float(input, "GroupNormKernelImpl")
    _check_params(input, weight, bias)
    params = {"N": n, "C": c, "HxW": _numel(shape[2:]), "group": int(num_groups),
              "eps": float(eps), "stats": _Stats()}
    return dispatch(NATIVE_GROUP_NORM, (input, weight, bias), params)


# ---------------------------------------------------------------------------- composites
@expose(name="instance_norm", method=False)
def _torch_instance_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
                         running_mean: Tensor | None, running_var: Tensor | None,
                         use_input_stats: bool, momentum: float, eps: float,
                         cudnn_enabled: bool = True) -> Tensor:
    """torch.instance_norm: batch_norm of the (1, N*C, ...) view, as torch composes it
    (the running statistics are the mean over the batch of the per-sample ones)."""
    shape = tuple(input.shape)
    b, c = shape[0], shape[1]
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    weight_ = weight.repeat(b) if weight is not None else None
    bias_ = bias.repeat(b) if bias is not None else None
    rm_ = running_mean.repeat(b) if running_mean is not None else None
    rv_ = running_var.repeat(b) if running_var is not None else None
    x = input if input.is_contiguous() else input.contiguous()
    out = _torch_batch_norm(x.view((1, b * c) + shape[2:]), weight_, bias_, rm_, rv_,
                            use_input_stats, momentum, eps)
    if running_mean is not None and use_input_stats:
        running_mean._data[...] = rm_._data.reshape(b, c).mean(0)
    if running_var is not None and use_input_stats:
        running_var._data[...] = rv_._data.reshape(b, c).mean(0)
    return out.view(shape)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel of each sample over its spatial dims."""
    if use_input_stats:
        size = tuple(input.shape)
        if _numel(size[2:]) == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size torch.Size({list(size)})")
    return _torch_instance_norm(input, weight, bias, running_mean, running_var,
                                use_input_stats, momentum, eps)


@expose(method=False)
def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
             eps: float | None = None) -> Tensor:
    """``x * rsqrt(mean(x**2) + eps)`` over the trailing ``normalized_shape`` dims, times
    ``weight``; ``eps=None`` is the dtype's machine epsilon. A composite, as in torch."""
    shape = _normalized_shape(normalized_shape, "rms_norm")
    _check_normalized(input, shape, weight, None, sep="")
    if input._data.dtype.kind != "c":  # complex: the same composite (x ** 2, not |x| ** 2)
        _check_float(input, "rms_norm")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    x = input
    half = input._data.dtype.itemsize == 2
    if half:
        x = input.float()
    if eps is None:
        eps = float(x.xp.finfo(x._data.dtype).eps)
    rstd = _scalar_add(x.pow(2).mean(dims, keepdim=True), eps).rsqrt()
    out = x.mul(rstd)
    if half:
        out = out.to(input.dtype)
    if weight is not None:
        out = out.mul(weight)
    return out


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,
                        k: float = 1.0) -> Tensor:
    """Normalise each element by the sum of squares over ``size`` neighbouring channels,
    composed as torch composes it (avg_pool over a padded channel axis)."""
    from .. import PUBLIC
    dim = input.ndim
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          "
                         f"input (got {dim} dimensions)")
    if input.numel() == 0:
        return input
    div = input.mul(input)
    pad, avg2, avg3 = PUBLIC["constant_pad_nd"], PUBLIC["avg_pool2d"], PUBLIC["avg_pool3d"]
    if dim == 3:
        div = div.unsqueeze(1)
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg2(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = tuple(input.shape)
        div = div.view(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg3(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.view(sizes)
    div = div.mul(alpha).add(k).pow(beta)
    return input / div

