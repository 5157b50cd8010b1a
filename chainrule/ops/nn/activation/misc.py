"""prelu (a learnable slope per channel), rrelu (random slopes in training), glu (gated
halves) and normalize (x / max(||x||_p, eps), a composite in torch)."""
from __future__ import annotations

from ...._tensor import Tensor, _wrap_dim
from ..._inplace import inplace
from ..._registry import dispatch, expose, op
from .._compose import _nn_vector_norm, check_float, named, numpy_generator, type_word
from .pointwise import _vocab, _zeros_like

__all__ = ["prelu", "rrelu", "rrelu_", "glu", "normalize"]


# ---------------------------------------------------------------------------- prelu
def _prelu_fw(xp, x, weight):
    return xp.where(x > 0, x, weight * x).astype(x.dtype, copy=False)


def _prelu_bw_fw(xp, grad_output, x, weight):
    pos = x > 0
    gx = xp.where(pos, grad_output, weight * grad_output).astype(x.dtype, copy=False)
    gw = xp.where(pos, 0, x * grad_output).astype(x.dtype, copy=False)
    return gx, gw


def _prelu_bw_grad_output(F, g, x, weight):
    """d(grad_input, grad_weight)/d(grad_output) applied to their upstream gradients."""
    ggx, ggw = g
    out = None
    if ggx is not None:
        out = F.where(x > 0, ggx, ggx * weight)
    if ggw is not None:
        part = F.where(x > 0, 0.0, ggw * x)
        out = part if out is None else out + part
    return out


PRELU = op("_prelu_kernel", _prelu_fw, inputs=("x", "weight"), grad_fn="PreluKernelBackward0",
           broadcasts=True,
           vjps=(lambda F, g, x, weight: F._prelu_kernel_backward(g, x, weight)[0],
                 lambda F, g, x, weight: F._prelu_kernel_backward(g, x, weight)[1]))


def _prelu_bw_x(F, g, grad_output, x, weight):
    ggx, ggw = g
    if ggw is None:
        return _zeros_like(F, x)
    return F.where(x > 0, 0.0, ggw * grad_output)


def _prelu_bw_w(F, g, grad_output, x, weight):
    ggx, ggw = g
    if ggx is None:
        return _zeros_like(F, x)
    return F.where(x > 0, 0.0, ggx * grad_output)


PRELU_BACKWARD = op(
    "_prelu_kernel_backward", _prelu_bw_fw, inputs=("grad_output", "x", "weight"),
    num_outputs=2, broadcasts=True, grad_fn="PreluKernelBackwardBackward0",
    vjps=(_prelu_bw_grad_output, _prelu_bw_x, _prelu_bw_w))
_prelu_kernel_backward = _vocab(PRELU_BACKWARD)


@expose
def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """max(0, x) + weight * min(0, x), ``weight`` one slope or one per channel (dim 1):
    torch views the weight to broadcast, then records PreluKernelBackward0."""
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {type_word(input)} and "
                           f"{type_word(weight)}")
    nd = input.ndim
    if weight.numel() != 1:
        if nd == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if nd > 1 else 1
        if channels != weight.numel():
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {weight.numel()} and channel size = "
                               f"{channels}.")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    check_float(input, "prelu_cpu")
    if nd != weight.ndim:
        shape = [1] * nd
        if nd > 1:
            shape[1] = weight.numel()
        weight = weight.reshape(shape)
    return dispatch(PRELU, (input, weight))


# ---------------------------------------------------------------------------- rrelu
def _rrelu_fw(xp, x, noise, lower, upper, training):
    if training:
        return (x * noise).astype(x.dtype, copy=False)
    slope = (lower + upper) / 2
    return xp.where(x > 0, x, x * slope).astype(x.dtype, copy=False)


def _rrelu_bw_fw(xp, grad_output, x, noise, lower, upper, training, is_result):
    if training:
        return (grad_output * noise).astype(grad_output.dtype, copy=False)
    slope = (lower + upper) / 2
    return xp.where(x > 0, grad_output, grad_output * slope).astype(grad_output.dtype,
                                                                    copy=False)


_RRELU_PARAMS = ("noise", "lower", "upper", "training")
RRELU = op("rrelu_with_noise", _rrelu_fw, params=_RRELU_PARAMS,
           grad_fn="RreluWithNoiseBackward0",
           vjps=(lambda F, g, x, noise, lower, upper, training:
                 F.rrelu_with_noise_backward(g, x, noise, lower, upper, training, False),))
RRELU_RESULT = op("rrelu_with_noise_result", _rrelu_fw, params=_RRELU_PARAMS,
                  grad_fn="RreluWithNoiseBackward1",
                  vjps=(lambda F, g, out, noise, lower, upper, training:
                        F.rrelu_with_noise_backward(g, out, noise, lower, upper, training,
                                                    True),))
RRELU_BACKWARD = op(
    "rrelu_with_noise_backward", _rrelu_bw_fw, inputs=("grad_output", "x"),
    params=_RRELU_PARAMS + ("is_result",), grad_fn="RreluWithNoiseBackwardBackward0",
    vjps=(lambda F, g, x, noise, lower, upper, training:
          F.rrelu_with_noise_backward(g, x, noise, lower, upper, training, False),
          lambda F, g: _zeros_like(F, g)))
rrelu_with_noise_backward = _vocab(RRELU_BACKWARD)


def _rrelu_params(input, lower, upper, training, generator):
    if not lower <= upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    check_float(input, "leaky_relu_cpu")
    noise = None
    if training:
        data = input._data
        draws = numpy_generator(generator).uniform(lower, upper, data.shape)
        noise = input.xp.where(data <= 0, draws, 1.0).astype(data.dtype)
    return {"noise": noise, "lower": lower, "upper": upper, "training": training}


def _rrelu_result(input, lower, upper, training, generator):
    return dispatch(RRELU_RESULT, (input,),
                    _rrelu_params(input, lower, upper, training, generator))


_rrelu_result.__name__ = "rrelu"
_rrelu_inplace = inplace(_rrelu_result)


@expose(name="rrelu", method=False)
@named("rrelu")
def _torch_rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 training: bool = False, generator=None) -> Tensor:
    """Leaky relu with a random slope in [lower, upper] per negative element in training
    (drawn from ``generator``, else chainrule's default one); the mean slope in eval
    (RreluWithNoiseBackward0)."""
    return dispatch(RRELU, (input,), _rrelu_params(input, lower, upper, training, generator))


@expose(name="rrelu_", method=False)
@named("rrelu_")
def _torch_rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                  training: bool = False, generator=None) -> Tensor:
    """In-place rrelu (RreluWithNoiseBackward1)."""
    return _rrelu_inplace(input, lower, upper, training, generator)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
          training: bool = False, inplace: bool = False) -> Tensor:
    """Randomized leaky relu (see torch.rrelu); ``inplace`` overwrites ``input``."""
    if inplace:
        return _torch_rrelu_(input, lower, upper, training)
    return _torch_rrelu(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
           training: bool = False) -> Tensor:
    """In-place rrelu."""
    return _torch_rrelu_(input, lower, upper, training)


# ---------------------------------------------------------------------------- glu
def _halves(xp, x, dim):
    n = x.shape[dim] // 2
    index = [slice(None)] * x.ndim
    index[dim] = slice(0, n)
    a = x[tuple(index)]
    index[dim] = slice(n, 2 * n)
    return a, x[tuple(index)]


def _sigmoid(xp, x):
    z = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


def _glu_fw(xp, x, dim):
    a, b = _halves(xp, x, dim)
    return (a * _sigmoid(xp, b)).astype(x.dtype, copy=False)


def _glu_bw_fw(xp, grad_output, x, dim):
    a, b = _halves(xp, x, dim)
    s = _sigmoid(xp, b)
    ga = grad_output * s
    gb = ga * a * (1 - s)
    return xp.concatenate([ga, gb], axis=dim).astype(x.dtype, copy=False)


def _split(F, x, dim):
    n = x.shape[dim] // 2
    return F.split_sizes(x, [n, n], dim)


def _glu_bw_grad_output(F, g, x, dim):
    gga, ggb = _split(F, g, dim)
    a, b = _split(F, x, dim)
    s = F.sigmoid(b)
    return gga * s + ggb * a * s * (1 - s)


def _glu_bw_self(F, g, grad_output, x, dim):
    gga, ggb = _split(F, g, dim)
    a, b = _split(F, x, dim)
    s = F.sigmoid(b)
    ds = s * (1 - s)
    ga = ggb * grad_output * ds
    gb = (gga + ggb * a * (1 - 2 * s)) * grad_output * ds
    return F.cat([ga, gb], dim)


GLU = op("glu", _glu_fw, params=("dim",),
         vjps=(lambda F, g, x, dim: F.glu_backward(g, x, dim),))
GLU_BACKWARD = op("glu_backward", _glu_bw_fw, inputs=("grad_output", "x"), params=("dim",),
                  grad_fn="GluBackwardBackward0",
                  vjps=(_glu_bw_grad_output, _glu_bw_self))
glu_backward = _vocab(GLU_BACKWARD)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b), where a and b are the two halves of ``input`` along ``dim``
    (GluBackward0)."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    check_float(input, "glu_cpu")
    d = _wrap_dim(dim, input.ndim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size "
                           f"{input.shape[d]}")
    return dispatch(GLU, (input,), {"dim": d})


# ---------------------------------------------------------------------------- normalize
def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Tensor | None = None) -> Tensor:
    """input / max(||input||_p, eps) along ``dim``, composed as torch composes it
    (LinalgVectorNormBackward0, ClampMinBackward0, ExpandBackward0, DivBackward0)."""
    denom = _nn_vector_norm(input, p, dim, True).clamp_min(eps).expand(input.shape)
    if out is None:
        return input / denom
    from ....autograd.grad_mode import is_grad_enabled
    if is_grad_enabled() and (input.requires_grad or denom.requires_grad):
        raise RuntimeError("div(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    return out.copy_(input / denom)
