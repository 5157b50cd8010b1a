"""The Scalar overloads of add and mul as torch's C++ composites record them
(``x.add_(eps)`` is AddBackward1, ``q * scale`` is MulBackward1; Python's ``x + 1e-5``
records AddBackward0 with a wrapped scalar instead). Private ops (``_scalar_`` names): the
normalisation and attention composites use them so their graphs carry torch's nodes.
"""
from __future__ import annotations

from ..._tensor import Tensor
from .._registry import dispatch, expose, op

ADD_SCALAR = op("_scalar_add", lambda xp, x, other: x + x.dtype.type(other),
                params=("other",), vjps=(lambda F, g: g,), grad_fn="AddBackward1")
MUL_SCALAR = op("_scalar_mul", lambda xp, x, other: x * x.dtype.type(other),
                params=("other",), vjps=(lambda F, g, other: F._scalar_mul(g, other),),
                grad_fn="MulBackward1")


@expose(method=False, internal=True)
def _scalar_add(input: Tensor, other: float) -> Tensor:
    """``input + other`` for a Python number, recorded as torch's add.Scalar
    (AddBackward1)."""
    return dispatch(ADD_SCALAR, (input,), {"other": other})


@expose(method=False, internal=True)
def _scalar_mul(input: Tensor, other: float) -> Tensor:
    """``input * other`` for a Python number, recorded as torch's mul.Scalar
    (MulBackward1)."""
    return dispatch(MUL_SCALAR, (input,), {"other": other})
