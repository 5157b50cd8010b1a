"""Pieces the normalisation, embedding, distance and attention families share.

The Scalar overloads of add and mul as torch's C++ composites record them
(``x.add_(eps)`` is AddBackward1, ``q * scale`` is MulBackward1; Python's ``x + 1e-5``
records AddBackward0 with a wrapped scalar instead): private ops (``_scalar_`` names) so
the composites' graphs carry torch's nodes. ``dispatch_optional`` runs a two-input op whose
second input may be None (the dispatcher's two-input path takes numbers, not None).
"""
from __future__ import annotations

from ..._meta import MetaArray, meta_kernel
from ..._tensor import Tensor
from ...autograd.grad_mode import _tls
from .._registry import dispatch, expose, interceptor, op, record

ADD_SCALAR = op("_scalar_add", lambda xp, x, other: x + x.dtype.type(other),
                params=("other",), vjps=(lambda F, g: g,), grad_fn="AddBackward1")
MUL_SCALAR = op("_scalar_mul", lambda xp, x, other: x * x.dtype.type(other),
                params=("other",), vjps=(lambda F, g, other: F._scalar_mul(g, other),),
                grad_fn="MulBackward1")


@expose(method=False, internal=True)
def _scalar_add(input: Tensor, other: float) -> Tensor:
    """``input + other`` for a Python number, recorded as torch's add.Scalar
    (AddBackward1)."""
    return dispatch(ADD_SCALAR, (_promoted(input, other),), {"other": other})


@expose(method=False, internal=True)
def _scalar_mul(input: Tensor, other: float) -> Tensor:
    """``input * other`` for a Python number, recorded as torch's mul.Scalar
    (MulBackward1)."""
    return dispatch(MUL_SCALAR, (_promoted(input, other),), {"other": other})


def _promoted(input: Tensor, other) -> Tensor:
    """An integer or bool tensor with a float scalar computes in the default float dtype
    (torch's promotion for a wrapped scalar)."""
    if input._data.dtype.kind in "biu" and isinstance(other, float):
        from ..._dtypes import get_default_dtype
        return input.to(get_default_dtype())
    return input


def dispatch_optional(op_, args: tuple, params: dict):
    """``dispatch`` for an op of two tensor inputs where the second may be None: its edge
    is then None, as torch's."""
    first, second = args
    if second is not None or interceptor.current is not None:  # (forward AD's hook)
        return dispatch(op_, args, params) if second is not None else \
            interceptor.current(op_, args, params)
    xp = first.xp
    if first._data.__class__ is MetaArray:
        out = meta_kernel(op_.forward, xp, (first._data, None), params)
    else:
        out = op_.forward(xp, first._data, None, **params)
    many = op_.num_outputs != 1
    outs = tuple(Tensor._make(o if o.__class__ is MetaArray else xp.asarray(o))
                 for o in (out if many else (out,)))
    if _tls.inference:
        for t in outs:
            t._inference = True
    if first._rg and _tls.grad_enabled and outs[0]._data.dtype.kind in "fcV":
        record(op_, args, params, None if many else outs[0]._data, outs, xp)
    return outs if many else outs[0]
