"""Dropout in its six forms, composed as torch composes them on the CPU: a noise tensor
(Bernoulli(1 - p) from chainrule's generator, scaled by 1 / (1 - p), or alpha dropout's
affine noise), then ``input * noise`` (MulBackward0; alpha dropout adds its shift in place:
AddBackward0). ``p == 0``, eval mode and empty input return ``input`` itself; ``p == 1``
multiplies by a zero. The random stream is chainrule's (seeded by ``manual_seed``), not
torch's: the masks differ, their law and scaling do not.
"""
from __future__ import annotations

import math

from ..._tensor import Tensor
from .._dispatch import batched_function
from .._registry import expose
from ._compose import numpy_generator, type_word, warn

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766


def _noise(input: Tensor, p: float, feature: bool, alpha: bool):
    """(multiplier, shift or None) as raw arrays of ``input``'s dtype."""
    xp = input.xp
    data = input._data
    if feature:
        if data.ndim < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = data.shape[:2] + (1,) * (data.ndim - 2)
    else:
        shape = data.shape
    if data.dtype.kind not in "fcV":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{type_word(input)}")
    keep = (numpy_generator(None).random(shape, dtype=xp.float64) < 1 - p).astype(data.dtype)
    if not alpha:
        keep /= data.dtype.type(1 - p)
        return keep, None
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    shift = ((keep - 1) * (_ALPHA * a) + _ALPHA * a * p).astype(data.dtype, copy=False)
    keep *= data.dtype.type(a)
    return keep, shift


def _dropout_impl(input: Tensor, p: float, train: bool, feature: bool, alpha: bool,
                  inplace: bool) -> Tensor:
    """torch's _dropout_impl."""
    if not 0 <= p <= 1:  # torch's C++ message prints the number as C++ streams do
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p:g}")
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:
        zero = Tensor._make(input.xp.zeros((), dtype=input._data.dtype))
        return input.mul_(zero) if inplace else input.mul(zero)
    noise, shift = _noise(input, p, feature, alpha)
    noise = Tensor._make(noise)
    out = input.mul_(noise) if inplace else input.mul(noise)
    if shift is not None:
        out = out.add_(Tensor._make(shift))
    return out


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


@batched_function("dropout", random=True)
def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p) in
    training; ``input`` itself otherwise."""
    _check_p(p)
    return _dropout_impl(input, p, training, False, False, inplace)


@batched_function("alpha_dropout", random=True)
def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's zero mean and unit variance (training only)."""
    _check_p(p)
    return _dropout_impl(input, p, training, False, True, inplace)


@batched_function("feature_alpha_dropout", random=True)
def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,
                          inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels (dim 1) at once."""
    _check_p(p)
    return _dropout_impl(input, p, training, True, True, inplace)


def _feature(input, p, training, inplace, batched):
    if not batched:
        input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = _dropout_impl(input, p, training, True, False, inplace)
    if not batched:
        result = result.squeeze_(0) if inplace else result.squeeze(0)
    return result


@batched_function("dropout1d", random=True)
def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) input."""
    _check_p(p)
    nd = input.ndim
    if nd not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. "
                           "Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    return _feature(input, p, training, inplace, nd == 3)


@batched_function("dropout2d", random=True)
def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) input (3-D input: channel-wise 1-D dropout, with
    torch's warning)."""
    _check_p(p)
    nd = input.ndim
    if nd not in (3, 4):
        warn(f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated "
             "and will result in an error in a future release. To retain the "
             "behavior and silence this warning, please use dropout instead. Note "
             "that dropout2d exists to provide channel-wise dropout on inputs with 2 "
             "spatial dimensions, a channel dimension, and an optional batch "
             "dimension (i.e. 3D or 4D inputs).")
    if nd == 3:
        warn("dropout2d: Received a 3D input to dropout2d and assuming that "
             "channel-wise 1D dropout behavior is desired - input is interpreted as "
             "shape (N, C, L), where C is the channel dim. This behavior will change "
             "in a future release to interpret the input as one without a batch "
             "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
             "dropout behavior, please switch to using dropout1d instead.")
    return _feature(input, p, training, inplace, True)


@batched_function("dropout3d", random=True)
def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input."""
    _check_p(p)
    nd = input.ndim
    if nd not in (4, 5):
        warn(f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated "
             "and will result in an error in a future release. To retain the "
             "behavior and silence this warning, please use dropout instead. Note "
             "that dropout3d exists to provide channel-wise dropout on inputs with 3 "
             "spatial dimensions, a channel dimension, and an optional batch "
             "dimension (i.e. 4D or 5D inputs).")
    return _feature(input, p, training, inplace, nd == 5)


# ---------------------------------------------------------------------------- torch.*
def _torch_form(name, feature, alpha, inplace):
    def fn(input: Tensor, p: float, train: bool) -> Tensor:
        return _dropout_impl(input, p, train, feature, alpha, inplace)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"torch.{name}(input, p, train): "
                  f"{'alpha ' if alpha else ''}{'feature ' if feature else ''}dropout"
                  f"{' in place' if inplace else ''}.")
    return expose(fn, method=False)


for _name, _feat, _alpha in (("dropout", False, False), ("feature_dropout", True, False),
                             ("alpha_dropout", False, True),
                             ("feature_alpha_dropout", True, True)):
    _torch_form(_name, _feat, _alpha, False)
    _torch_form(_name + "_", _feat, _alpha, True)
del _name, _feat, _alpha
