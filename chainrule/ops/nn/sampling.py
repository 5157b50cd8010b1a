"""Resampling: pixel (un)shuffle, channel shuffle, and ``interpolate`` with the upsample
ops behind it.

* ``pixel_shuffle`` / ``pixel_unshuffle`` (PixelShuffleBackward0 / PixelUnshuffleBackward0)
  are each other's backward; ``channel_shuffle`` (ChannelShuffleBackward0) is its own with
  the complementary group count.
* ``interpolate`` chooses the op torch's F.interpolate chooses: ``upsample_nearest{1,2,3}d``,
  ``_upsample_nearest_exact{1,2,3}d``, ``upsample_linear1d``, ``upsample_bilinear2d``,
  ``upsample_bicubic2d``, ``upsample_trilinear3d`` (UpsampleNearest2DBackward0 ...), or
  adaptive average pooling for 'area'. Each backward is an op (...BackwardBackward0) whose
  derivative in ``grad_output`` is the forward again.
"""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from . import _resample_kernels as R
from ._conv_args import scalar_word

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "interpolate", "upsample",
           "upsample_nearest", "upsample_bilinear"]


# ---------------------------------------------------------------------------- shuffles
def _pixel_shuffle(xp, x, upscale_factor):
    r = upscale_factor
    *lead, c, h, w = x.shape
    oc = c // (r * r)
    y = x.reshape(tuple(lead) + (oc, r, r, h, w))
    n = len(lead)
    y = y.transpose(tuple(range(n)) + (n, n + 3, n + 1, n + 4, n + 2))
    return xp.ascontiguousarray(y).reshape(tuple(lead) + (oc, h * r, w * r))


def _pixel_unshuffle(xp, x, downscale_factor):
    r = downscale_factor
    *lead, c, h, w = x.shape
    y = x.reshape(tuple(lead) + (c, h // r, r, w // r, r))
    n = len(lead)
    y = y.transpose(tuple(range(n)) + (n, n + 2, n + 4, n + 1, n + 3))
    return xp.ascontiguousarray(y).reshape(tuple(lead) + (c * r * r, h // r, w // r))


def _channel_shuffle(xp, x, groups):
    n, c = x.shape[:2]
    y = x.reshape((n, groups, c // groups) + x.shape[2:]).swapaxes(1, 2)
    return xp.ascontiguousarray(y).reshape(x.shape)


PIXEL_SHUFFLE = op("pixel_shuffle", _pixel_shuffle, params=("upscale_factor",),
                   vjps=(lambda F, g, upscale_factor: F.pixel_unshuffle(g, upscale_factor),),
                   grad_fn="PixelShuffleBackward0")
PIXEL_UNSHUFFLE = op("pixel_unshuffle", _pixel_unshuffle, params=("downscale_factor",),
                     vjps=(lambda F, g, downscale_factor: F.pixel_shuffle(g, downscale_factor),),
                     grad_fn="PixelUnshuffleBackward0")
CHANNEL_SHUFFLE = op("channel_shuffle", _channel_shuffle, params=("groups",),
                     vjps=(lambda F, g, x_shape, groups:
                           F.channel_shuffle(g, x_shape[1] // groups),),
                     grad_fn="ChannelShuffleBackward0")
NATIVE_CHANNEL_SHUFFLE = op("native_channel_shuffle", _channel_shuffle, params=("groups",),
                            vjps=(lambda F, g: _no_derivative("native_channel_shuffle"),),
                            grad_fn="NotImplemented")
NATIVE_CHANNEL_SHUFFLE.node_cls = type("NotImplemented", (NATIVE_CHANNEL_SHUFFLE.node_cls,), {
    "__slots__": (), "name": lambda self: "torch::autograd::NotImplemented"})


def _no_derivative(name):
    raise RuntimeError(f"derivative for aten::{name} is not implemented")


def _factor(value, fn, what):
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{fn}(): argument '{what}' (position 2) must be int, not "
                        f"{type(value).__name__}")
    return value


@expose(method=False)
def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange ``(*, C * r * r, H, W)`` into ``(*, C, H * r, W * r)``
    (PixelShuffleBackward0)."""
    r = _factor(upscale_factor, "pixel_shuffle", "upscale_factor")
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    return dispatch(PIXEL_SHUFFLE, (input,), {"upscale_factor": r})


@expose(method=False)
def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """Rearrange ``(*, C, H * r, W * r)`` into ``(*, C * r * r, H, W)``
    (PixelUnshuffleBackward0)."""
    r = _factor(downscale_factor, "pixel_unshuffle", "downscale_factor")
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    h, w = input.shape[-2:]
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    return dispatch(PIXEL_UNSHUFFLE, (input,), {"downscale_factor": r})


def _check_shuffle(input, groups, op_name):
    if input.ndim <= 2:
        raise RuntimeError(f"{op_name} expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    c = input.shape[1]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")


@expose(method=False)
def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Interleave ``groups`` groups of channels of ``(N, C, *)`` (ChannelShuffleBackward0)."""
    _check_shuffle(input, groups, "channel_shuffle")
    return dispatch(CHANNEL_SHUFFLE, (input,), {"groups": int(groups)})


@expose(method=False)
def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """channel_shuffle's kernel, which torch gives no derivative (NotImplemented)."""
    _check_shuffle(input, groups, "channel_shuffle")
    return dispatch(NATIVE_CHANNEL_SHUFFLE, (input,), {"groups": int(groups)})


# ---------------------------------------------------------------------------- upsample ops
_KERNEL_MODE = {"nearest": "nearest", "nearest-exact": "nearest-exact", "linear": "linear",
                "bilinear": "linear", "trilinear": "linear", "bicubic": "cubic"}
_TITLE = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear",
          "bilinear": "Bilinear", "bicubic": "Bicubic", "trilinear": "Trilinear"}


def _dim_taps(xp, in_shape, output_size, mode, align_corners, scales, dtype, backward=False):
    # torch's nearest kernels copy an unchanged dim and halve indices for a doubling in the
    # 2-d forward and in every backward, but not in the 1-d and 3-d forwards (so torch's
    # gradient there is not the forward's transpose when a scale_factor is given: matched)
    shortcuts = mode == "nearest" and (len(in_shape) == 2 or backward)
    return [R.taps(xp, n, o, _KERNEL_MODE[mode], align_corners, s, dtype, shortcuts)
            for n, o, s in zip(in_shape, output_size, scales)]


def _upsample_ops(mode: str, nd: int):
    base = ("_upsample_nearest_exact" if mode == "nearest-exact" else f"upsample_{mode}")
    name = f"{base}{nd}d"
    title = f"Upsample{_TITLE[mode]}{nd}D"

    def forward(xp, x, output_size, align_corners, scales):
        taps = _dim_taps(xp, x.shape[x.ndim - nd:], output_size, mode, align_corners, scales,
                         x.dtype)
        return R.resample(xp, x, taps)

    def backward(xp, grad_output, output_size, input_size, align_corners, scales):
        in_shape = tuple(input_size[-nd:])
        taps = _dim_taps(xp, in_shape, output_size, mode, align_corners, scales,
                         grad_output.dtype, backward=True)
        return R.resample_transpose(xp, grad_output, in_shape, taps)

    backward_op = op(f"{name}_backward", backward, inputs=("grad_output",),
                     params=("output_size", "input_size", "align_corners", "scales"),
                     vjps=(lambda F, g, output_size, align_corners, scales:
                           getattr(F, name)(g, output_size, align_corners, scales),),
                     grad_fn=f"{title}BackwardBackward0")
    forward_op = op(name, forward, params=("output_size", "align_corners", "scales"),
                    vjps=(lambda F, g, x_shape, output_size, align_corners, scales:
                          getattr(F, f"{name}_backward")(g, output_size, tuple(x_shape),
                                                         align_corners, scales),),
                    grad_fn=f"{title}Backward0")

    def public_forward(input: Tensor, output_size, align_corners, scales) -> Tensor:
        return dispatch(forward_op, (input,), {"output_size": tuple(output_size),
                                               "align_corners": bool(align_corners),
                                               "scales": tuple(scales)})

    def public_backward(grad_output: Tensor, output_size, input_size, align_corners,
                        scales) -> Tensor:
        return dispatch(backward_op, (grad_output,), {
            "output_size": tuple(output_size), "input_size": tuple(input_size),
            "align_corners": bool(align_corners), "scales": tuple(scales)})

    public_forward.__name__ = public_forward.__qualname__ = name
    public_forward.__doc__ = f"aten::{name} ({forward_op.grad_fn})."
    public_backward.__name__ = public_backward.__qualname__ = f"{name}_backward"
    public_backward.__doc__ = f"aten::{name}_backward ({backward_op.grad_fn})."
    expose(public_forward, method=False, internal=True)
    expose(public_backward, method=False, internal=True)
    return public_forward


_UPSAMPLE = {(mode, nd): _upsample_ops(mode, nd)
             for mode, dims in (("nearest", (1, 2, 3)), ("nearest-exact", (1, 2, 3)),
                                ("linear", (1,)), ("bilinear", (2,)), ("bicubic", (2,)),
                                ("trilinear", (3,)))
             for nd in dims}


# ---------------------------------------------------------------------------- interpolate
def _is_integer(x) -> bool:
    if isinstance(x, bool):
        return False
    if isinstance(x, int):
        return True
    if isinstance(x, Tensor):
        return x._data.dtype.kind in "iu"
    return hasattr(x, "__index__")


_MODES_WORD = ("nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
               "nearest-exact")
_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5}


def _check_sizes(input, output_size):
    labels = {1: "W", 2: "HW", 3: "DHW"}[len(output_size)]
    spatial = input.shape[2:]
    if any(s <= 0 for s in spatial) or any(o <= 0 for o in output_size):
        words = ", ".join(f"{c}: {v}" for c, v in zip(labels, spatial))
        outs = ", ".join(f"{c}: {v}" for c, v in zip(labels, output_size))
        joint = " and" if len(output_size) == 1 else ""
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({words}){joint} output ({outs})")


@expose(method=False, internal=True)
def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resample the spatial dims of ``(N, C, *spatial)`` to ``size`` or by
    ``scale_factor``, with torch's modes ('nearest', 'nearest-exact', 'linear',
    'bilinear', 'bicubic', 'trilinear', 'area') and coordinate rules.

    >>> import chainrule as torch
    >>> F = torch.nn.functional
    >>> F.interpolate(torch.tensor([[[1.0, 2.0]]]), scale_factor=2, mode="linear").tolist()
    [[[1.0, 1.25, 1.75, 2.0]]]
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    f"Input and output must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(input.shape[2:])} and output "
                    f"size of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                    "format and output size in (o1, o2, ...,oK) format.")
            if not all(_is_integer(x) for x in size):
                raise TypeError(f"expected size to be one of int or Tuple[int] or Tuple[int, "
                                f"int] or Tuple[int, int, int], but got size with types "
                                f"{[type(x) for x in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    f"Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, "
                    "C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [int(input.shape[i + 2] * scale_factors[i] // 1) for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos "
                         "modes and requires a 4-D tensor as input")
    if antialias:
        raise NotImplementedError("chainrule: interpolate(antialias=True) is not implemented "
                                  "yet; use antialias=False")
    if mode == "area" and input.ndim in (3, 4, 5):
        from . import pooling_adaptive as P
        fn = {3: P.adaptive_avg_pool1d, 4: P.adaptive_avg_pool2d,
              5: P.adaptive_avg_pool3d}[input.ndim]
        return fn(input, output_size if dim > 1 else output_size[0])
    if mode == "lanczos" and input.ndim == 4:
        raise ValueError("Lanczos mode requires antialias=True")
    key = (mode, dim)
    if key not in _UPSAMPLE:
        need = _NEEDS.get(mode)
        if need is not None and input.ndim in (3, 4, 5):
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {need}D "
                                      "input")
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported "
                                  f"(got {input.ndim}D) for the modes: {_MODES_WORD} (got "
                                  f"{mode})")
    if output_size is None:
        output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
    _check_sizes(input, output_size)
    kind = input._data.dtype.kind
    if kind not in "fcV" and not (kind == "u" and input._data.dtype.itemsize == 1 and
                                 mode in ("nearest", "nearest-exact")):
        name = {"nearest": f"upsample_nearest{dim}d", "nearest-exact":
                f"_upsample_nearest_exact{dim}d"}.get(mode, f"upsample_{mode}{dim}d")
        raise NotImplementedError(f"\"{name}_channels_last\" not implemented for "
                                  f"'{scalar_word(input)}'")
    scales = tuple(scale_factors) if scale_factors is not None else (None,) * dim
    return _UPSAMPLE[key](input, output_size, bool(align_corners), scales)


@expose(method=False, internal=True)
def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of interpolate (warns, as torch)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


@expose(method=False, internal=True)
def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(..., mode='nearest') (warns, as torch)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


@expose(method=False, internal=True)
def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(..., mode='bilinear', align_corners=True) (warns)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
