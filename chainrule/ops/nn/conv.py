"""Convolutions: ``convolution`` is one op (ConvolutionBackward0, edges to input, weight
and bias, as torch); its backward is the op ``convolution_backward``
(ConvolutionBackwardBackward0), whose own rules are written with ``convolution`` and
``convolution_backward`` again, so every order of derivative records torch's nodes.

conv1d/2d/3d and conv_transpose1d/2d/3d are thin faces over ``convolution``: they batch an
unbatched input (unsqueeze, then squeeze back, as torch), and resolve ``padding='same'``
(an asymmetric ``constant_pad_nd`` first for even kernels, as torch). The kernels (im2col
through a strided view, one GEMM, col2im over kernel offsets) are in ``_conv_kernels.py``.
"""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from .._dispatch import batched_function
from .._registry import dispatch, expose, op
from . import _conv_kernels as K
from ._conv_args import (
    check_conv_shapes,
    conv_dtype_check,
    conv_int_tuple,
    expand_param,
    same_padding,
    scalar_word,
)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "conv_tbc", "unfold", "fold"]


# ---------------------------------------------------------------------------- forwards
def _transposed_shape(spatial, kernel, stride, padding, dilation, output_padding):
    return tuple((n - 1) * s - 2 * p + d * (k - 1) + op_ + 1 for n, k, s, p, d, op_ in
                 zip(spatial, kernel, stride, padding, dilation, output_padding))


def _convolution(xp, input, weight, bias, stride, padding, dilation, transposed,
                 output_padding, groups):
    if transposed:
        spatial = _transposed_shape(input.shape[2:], weight.shape[2:], stride, padding,
                                    dilation, output_padding)
        out = K.conv_input_grad(xp, input, weight, spatial, stride, padding, dilation, groups)
    else:
        out = K.conv_forward(xp, input, weight, stride, padding, dilation, groups)
    if bias is not None:  # ``out`` is always a fresh array: add in place
        out += bias.reshape((1, -1) + (1,) * (out.ndim - 2))
    return out


def _convolution_backward(xp, grad_output, input, weight, bias_sizes, stride, padding,
                          dilation, transposed, output_padding, groups, output_mask):
    """(grad_input, grad_weight, grad_bias) of ``convolution``; the ones ``output_mask``
    leaves out are zero placeholders that cost nothing."""
    kernel = weight.shape[2:]
    gi = gw = gb = None
    if output_mask[0]:
        if transposed:
            gi = K.conv_forward(xp, grad_output, weight, stride, padding, dilation, groups,
                                input.shape[2:])
        else:
            gi = K.conv_input_grad(xp, grad_output, weight, input.shape[2:], stride, padding,
                                   dilation, groups)
    if output_mask[1]:
        if transposed:
            gw = K.conv_weight_grad(xp, input, grad_output, kernel, stride, padding, dilation,
                                    groups)
        else:
            gw = K.conv_weight_grad(xp, grad_output, input, kernel, stride, padding, dilation,
                                    groups)
    if output_mask[2]:
        gb = grad_output.sum(axis=(0,) + tuple(range(2, grad_output.ndim)))
    zero = xp.zeros((), dtype=grad_output.dtype)
    return (gi if gi is not None else xp.broadcast_to(zero, input.shape),
            gw if gw is not None else xp.broadcast_to(zero, weight.shape),
            gb if gb is not None else xp.broadcast_to(zero, tuple(bias_sizes or (0,))))


# ---------------------------------------------------------------------------- rules
_PARAMS = ("stride", "padding", "dilation", "transposed", "output_padding", "groups")


def _conv_rule(which: int):
    """The rule for input ``which`` of convolution: that output of convolution_backward."""
    mask = tuple(i == which for i in range(3))

    def rule(F, g, input, weight, bias_shape, stride, padding, dilation, transposed,
             output_padding, groups):
        return F.convolution_backward(g, input, weight, bias_shape, stride, padding, dilation,
                                      transposed, output_padding, groups, mask)[which]
    return rule


def _double_grad_output(F, g, input, weight, stride, padding, dilation, transposed,
                        output_padding, groups, grad_output_shape):
    """convolution is linear in each argument: d(grad_input, grad_weight, grad_bias)/d
    grad_output applied to (ggI, ggW, ggb) is conv(ggI, W) + conv(I, ggW) + ggb."""
    ggi, ggw, ggb = g
    params = (stride, padding, dilation, transposed, output_padding, groups)
    out = None
    if ggi is not None:
        out = F.convolution(ggi, weight, None, *params)
    if ggw is not None:
        term = F.convolution(input, ggw, None, *params)
        out = term if out is None else out + term
    if ggb is not None:
        b = F.reshape(ggb, (1, -1) + (1,) * (len(grad_output_shape) - 2))
        out = F.expand(b, tuple(grad_output_shape)) if out is None else out + b
    return out


def _double_input(F, g, grad_output, input, stride, padding, dilation, transposed,
                  output_padding, groups):
    ggw = g[1]
    if ggw is None:
        return None
    return F.convolution_backward(grad_output, input, ggw, None, stride, padding, dilation,
                                  transposed, output_padding, groups, (True, False, False))[0]


def _double_weight(F, g, grad_output, weight, stride, padding, dilation, transposed,
                   output_padding, groups):
    ggi = g[0]
    if ggi is None:
        return None
    return F.convolution_backward(grad_output, ggi, weight, None, stride, padding, dilation,
                                  transposed, output_padding, groups, (False, True, False))[1]


CONVOLUTION = op("convolution", _convolution, inputs=("input", "weight", "bias"),
                 params=_PARAMS, vjps=(_conv_rule(0), _conv_rule(1), _conv_rule(2)),
                 grad_fn="ConvolutionBackward0")
CONVOLUTION_BACKWARD = op(
    "convolution_backward", _convolution_backward,
    inputs=("grad_output", "input", "weight"),
    params=("bias_sizes",) + _PARAMS + ("output_mask",), num_outputs=3,
    vjps=(_double_grad_output, _double_input, _double_weight),
    grad_fn="ConvolutionBackwardBackward0")


# ---------------------------------------------------------------------------- public
@expose(method=False)
def convolution(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding,
                dilation, transposed: bool, output_padding, groups: int) -> Tensor:
    """torch.convolution: the one convolution op behind every conv and conv_transpose
    (ConvolutionBackward0). Parameters are lists of one int per spatial dim."""
    nd = weight.ndim - 2
    stride = expand_param(stride, nd, "stride")
    padding = expand_param(padding, nd, "padding")
    dilation = expand_param(dilation, nd, "dilation")
    output_padding = expand_param(output_padding, nd, "output_padding")
    check_conv_shapes(input, weight, bias, stride, padding, dilation, transposed,
                      output_padding, groups)
    conv_dtype_check(input, weight, bias)
    params = {"stride": stride, "padding": padding, "dilation": dilation,
              "transposed": bool(transposed), "output_padding": output_padding,
              "groups": int(groups)}
    return dispatch(CONVOLUTION, (input, weight, bias), params)


@expose(method=False, internal=True)
def convolution_backward(grad_output: Tensor, input: Tensor, weight: Tensor, bias_sizes,
                         stride, padding, dilation, transposed: bool, output_padding,
                         groups: int, output_mask) -> tuple:
    """aten::convolution_backward: (grad_input, grad_weight, grad_bias) of convolution, the
    ones ``output_mask`` leaves out as zeros (ConvolutionBackwardBackward0)."""
    params = {"bias_sizes": tuple(bias_sizes) if bias_sizes is not None else None,
              "stride": tuple(stride), "padding": tuple(padding),
              "dilation": tuple(dilation), "transposed": bool(transposed),
              "output_padding": tuple(output_padding), "groups": int(groups),
              "output_mask": tuple(bool(m) for m in output_mask)}
    return dispatch(CONVOLUTION_BACKWARD, (grad_output, input, weight), params)


_SAME_WARNED = False


def _batchify(input, nd: int, name: str):
    if not isinstance(input, Tensor):
        return input, True
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{name}, but got input of size: {list(input.shape)}")
    batched = input.ndim == nd + 2
    return (input if batched else input.unsqueeze(0)), batched


def _conv_nd(nd, name, input, weight, bias, stride, padding, dilation, groups):
    for value, arg in ((input, "input"), (weight, "weight")):
        if not isinstance(value, Tensor):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(weight).__name__}), but "
                            f"expected ({arg} to be a Tensor)")
    x, batched = _batchify(input, nd, name)
    stride = conv_int_tuple(stride, nd, name, "stride")
    dilation = conv_int_tuple(dilation, nd, name, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided "
                                   "convolutions")
            kernel = weight.shape[2:]
            padding, extra = same_padding(kernel, dilation, nd)
            if extra is not None:
                global _SAME_WARNED
                if not _SAME_WARNED:  # torch warns once a process (TORCH_WARN_ONCE)
                    _SAME_WARNED = True
                    warnings.warn("Using padding='same' with even kernel lengths and odd "
                                  "dilation may require a zero-padded copy of the input be "
                                  "created", stacklevel=3)
                from .padding import constant_pad_nd
                x = constant_pad_nd(x, extra, 0)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = conv_int_tuple(padding, nd, name, "padding")
    out = convolution(x, weight, bias, stride, padding, dilation, False, (0,) * nd, groups)
    return out if batched else out.squeeze(0)


def _conv_transpose_nd(nd, name, input, weight, bias, stride, padding, output_padding,
                       groups, dilation):
    x, batched = _batchify(input, nd, name)
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    params = [conv_int_tuple(v, nd, name, n) for v, n in
              ((stride, "stride"), (padding, "padding"), (dilation, "dilation"),
               (output_padding, "output_padding"))]
    stride, padding, dilation, output_padding = params
    out = convolution(x, weight, bias, stride, padding, dilation, True, output_padding, groups)
    return out if batched else out.squeeze(0)


@expose(method=False)
@batched_function("conv1d")
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-D cross-correlation over ``(N, C, L)`` or unbatched ``(C, L)`` input
    (ConvolutionBackward0); ``padding`` may be an int, a tuple, 'valid' or 'same'."""
    return _conv_nd(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


@expose(method=False)
@batched_function("conv2d")
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-D cross-correlation over ``(N, C, H, W)`` or unbatched ``(C, H, W)`` input
    (ConvolutionBackward0); ``padding`` may be an int, a tuple, 'valid' or 'same'.

    >>> import chainrule as torch
    >>> torch.conv2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2)).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
    """
    return _conv_nd(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


@expose(method=False)
@batched_function("conv3d")
def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """3-D cross-correlation over ``(N, C, D, H, W)`` or unbatched ``(C, D, H, W)`` input
    (ConvolutionBackward0); ``padding`` may be an int, a tuple, 'valid' or 'same'."""
    return _conv_nd(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


@expose(method=False)
def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The transpose (adjoint) of conv1d; ``weight`` is ``(C_in, C_out / groups, k)``."""
    return _conv_transpose_nd(1, "conv_transpose1d", input, weight, bias, stride, padding,
                              output_padding, groups, dilation)


@expose(method=False)
def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The transpose (adjoint) of conv2d; ``weight`` is ``(C_in, C_out / groups, kH, kW)``."""
    return _conv_transpose_nd(2, "conv_transpose2d", input, weight, bias, stride, padding,
                              output_padding, groups, dilation)


@expose(method=False)
def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """The transpose (adjoint) of conv3d; ``weight`` is ``(C_in, C_out / groups, kD, kH,
    kW)``."""
    return _conv_transpose_nd(3, "conv_transpose3d", input, weight, bias, stride, padding,
                              output_padding, groups, dilation)


# ---------------------------------------------------------------------------- conv_tbc
def _conv_tbc(xp, x, weight, bias, pad):
    # (T, B, C) time-first input; weight (k, C_in, C_out): a conv1d over time.
    xb = x.transpose(1, 2, 0)
    w = weight.transpose(2, 1, 0)
    out = K.conv_forward(xp, xb, w, (1,), (pad,), (1,), 1)
    return out.transpose(2, 0, 1) + bias


def _conv_tbc_grads(F, g, x, weight, bias_shape, pad, which):
    mask = tuple(i == which for i in range(3))
    out = F.convolution_backward(F.permute(g, (1, 2, 0)), F.permute(x, (1, 2, 0)),
                                 F.permute(weight, (2, 1, 0)), bias_shape, (1,), (pad,), (1,),
                                 False, (0,), 1, mask)[which]
    if which == 0:
        return F.permute(out, (2, 0, 1))
    if which == 1:
        return F.permute(out, (2, 1, 0))
    return out


CONV_TBC = op("conv_tbc", _conv_tbc, inputs=("x", "weight", "bias"), params=("pad",),
              vjps=tuple((lambda w: lambda F, g, x, weight, bias_shape, pad:
                          _conv_tbc_grads(F, g, x, weight, bias_shape, pad, w))(i)
                         for i in range(3)),
              grad_fn="ConvTbcBackward0")


@expose(method=False)
def conv_tbc(input: Tensor, weight: Tensor, bias: Tensor, pad: int = 0) -> Tensor:
    """Time-first 1-D convolution: ``input`` ``(T, B, C_in)``, ``weight`` ``(k, C_in,
    C_out)``, ``bias`` ``(C_out,)`` (ConvTbcBackward0)."""
    if input.ndim != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.ndim != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, "
                           "out_channels.")
    if bias.ndim != 1:
        raise RuntimeError("Bias must be 1-D")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    conv_dtype_check(input, weight, bias)
    return dispatch(CONV_TBC, (input, weight, bias), {"pad": int(pad)})


# ---------------------------------------------------------------------------- fold/unfold
_FOLD_PARAMS = ("kernel_size", "dilation", "padding", "stride")


def _im2col(xp, x, kernel_size, dilation, padding, stride):
    # torch takes an unbatched (C, H, W) input directly (one node, no unsqueeze)
    batched = x.ndim == 4
    cols, _ = K.im2col(xp, x if batched else x[None], kernel_size, stride, padding, dilation)
    return xp.ascontiguousarray(cols[:, 0] if batched else cols[0, 0])


def _col2im(xp, cols, output_size, kernel_size, dilation, padding, stride):
    batched = cols.ndim == 3
    cols = cols if batched else cols[None]
    channels = cols.shape[1] // K.prod(kernel_size)
    grid = tuple(K.out_size(n, k, s, p, p, d) for n, k, s, p, d in
                 zip(output_size, kernel_size, stride, padding, dilation))
    out = K.col2im(xp, cols, channels, output_size, grid, kernel_size, stride, padding,
                   dilation)
    return xp.ascontiguousarray(out if batched else out[0])


IM2COL = op("im2col", _im2col, params=_FOLD_PARAMS,
            vjps=(lambda F, g, x_shape, kernel_size, dilation, padding, stride:
                  F.col2im(g, tuple(x_shape[-2:]), kernel_size, dilation, padding, stride),),
            grad_fn="Im2ColBackward0")
COL2IM = op("col2im", _col2im, params=("output_size",) + _FOLD_PARAMS,
            vjps=(lambda F, g, kernel_size, dilation, padding, stride:
                  F.im2col(g, kernel_size, dilation, padding, stride),),
            grad_fn="Col2ImBackward0")


def _pair_arg(value, what: str) -> tuple:
    vals = tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else \
        (int(value),) * 2
    if len(vals) == 1:
        vals *= 2
    if len(vals) != 2:
        raise RuntimeError(f"It is expected {what} equals to 2, but got size {len(vals)}")
    return vals


def _fold_checks(kernel, dilation, padding, stride):
    for vals, what, word in ((kernel, "kernel size", "kernel"), (stride, "stride", "stride"),
                             (dilation, "dilation", "dilation")):
        if any(v <= 0 for v in vals):
            raise RuntimeError(f"{what} should be greater than zero, but got {word}_height: "
                               f"{vals[0]} {word}_width: {vals[1]}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} "
                           f"pad_width: {padding[1]}")


@expose(method=False, internal=True)
def im2col(input: Tensor, kernel_size, dilation, padding, stride) -> Tensor:
    """aten::im2col on a ``(N, C, H, W)`` or ``(C, H, W)`` input (Im2ColBackward0)."""
    return dispatch(IM2COL, (input,), {"kernel_size": tuple(kernel_size),
                                       "dilation": tuple(dilation), "padding": tuple(padding),
                                       "stride": tuple(stride)})


@expose(method=False, internal=True)
def col2im(input: Tensor, output_size, kernel_size, dilation, padding, stride) -> Tensor:
    """aten::col2im on a ``(N, C * K, L)`` or ``(C * K, L)`` input (Col2ImBackward0)."""
    return dispatch(COL2IM, (input,), {"output_size": tuple(output_size),
                                       "kernel_size": tuple(kernel_size),
                                       "dilation": tuple(dilation), "padding": tuple(padding),
                                       "stride": tuple(stride)})


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding local blocks of a ``(N, C, H, W)`` or ``(C, H, W)`` input as columns
    ``(N, C * kH * kW, L)`` (im2col; Im2ColBackward0).

    >>> import chainrule as torch
    >>> torch.nn.functional.unfold(torch.arange(9.0).reshape(1, 1, 3, 3), 2)[0, :, 0].tolist()
    [0.0, 1.0, 3.0, 4.0]
    """
    kernel, dil = _pair_arg(kernel_size, "kernel_size"), _pair_arg(dilation, "dilation")
    pad, st = _pair_arg(padding, "padding"), _pair_arg(stride, "stride")
    _fold_checks(kernel, dil, pad, st)
    shape = tuple(input.shape)
    if input.ndim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-input.ndim}, {input.ndim - 1}], but got 2)")
    batched = input.ndim == 4
    if input.ndim > 4 or any(s == 0 for s in shape[1 if batched else 0:]):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: {list(shape)}")
    if input._data.dtype.kind not in "fcV":
        raise NotImplementedError(f"\"im2col_out_cpu\" not implemented for "
                                  f"'{scalar_word(input)}'")
    blocks = [K.out_size(n, k, s, p, p, d) for n, k, s, p, d in
              zip(shape[-2:], kernel, st, pad, dil)]
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size ({shape[-2]}, {shape[-1]}), "
                           f"kernel_size=({kernel[0]}, {kernel[1]}), dilation=({dil[0]}, "
                           f"{dil[1]}), padding=({pad[0]}, {pad[1]}), calculated shape of the "
                           f"array of sliding blocks as ({blocks[0]}, {blocks[1]}), but its "
                           "components must be at least one.")
    return im2col(input, kernel, dil, pad, st)


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns ``(N, C * kH * kW, L)`` (or unbatched ``(C * kH * kW, L)``) back into an
    ``(N, C, *output_size)`` image (col2im; Col2ImBackward0); the transpose of unfold."""
    size = _pair_arg(output_size, "output_size")
    kernel, dil = _pair_arg(kernel_size, "kernel_size"), _pair_arg(dilation, "dilation")
    pad, st = _pair_arg(padding, "padding"), _pair_arg(stride, "stride")
    _fold_checks(kernel, dil, pad, st)
    shape = tuple(input.shape)
    batched = input.ndim == 3
    if input.ndim not in (2, 3) or any(s == 0 for s in shape[1 if batched else 0:]):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{list(shape)}")
    rows, length = shape[-2], shape[-1]
    kprod = kernel[0] * kernel[1]
    if rows % kprod:
        raise RuntimeError(f"Expected size of input's dimension {1 if batched else 0} to be "
                           f"divisible by the product of kernel_size, but got input.size("
                           f"{1 if batched else 0})={rows} and kernel_size=({kernel[0]}, "
                           f"{kernel[1]}).")
    blocks = [K.out_size(n, k, s, p, p, d) for n, k, s, p, d in zip(size, kernel, st, pad, dil)]
    if blocks[0] * blocks[1] != length:
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({kernel[0]}, "
                           f"{kernel[1]}), dilation=({dil[0]}, {dil[1]}), padding=({pad[0]}, "
                           f"{pad[1]}), stride=({st[0]}, {st[1]}), expected size of input's "
                           f"dimension {2 if batched else 1} to match the calculated number of "
                           f"sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, "
                           f"but got input.size({2 if batched else 1})={length}.")
    if input._data.dtype.kind not in "fcV":
        raise NotImplementedError(f"\"col2im_out_cpu\" not implemented for "
                                  f"'{scalar_word(input)}'")
    return col2im(input, size, kernel, dil, pad, st)
