"""Activations and the softmax family behind ``nn.functional``, one module per kind:
``pointwise`` (piecewise elementwise), ``smooth`` (smooth elementwise), ``softmax`` and
``misc`` (prelu, rrelu, glu, normalize).
"""
from __future__ import annotations

from ...._tensor import Tensor
from . import misc as _misc
from . import pointwise as _pointwise
from . import smooth as _smooth
from . import softmax as _softmax

__all__ = (["relu", "relu_", "sigmoid", "tanh"] + _pointwise.__all__ + _smooth.__all__
           + _softmax.__all__
           + _misc.__all__)
for _module in (_pointwise, _smooth, _softmax, _misc):
    globals().update({_name: getattr(_module, _name) for _name in _module.__all__})
del _module


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(0, x) elementwise (ReluBackward0); ``inplace`` overwrites ``input``."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    """In-place relu."""
    if input._data.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    return input.relu_()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)) elementwise (SigmoidBackward0)."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """tanh(x) elementwise (TanhBackward0)."""
    return input.tanh()

