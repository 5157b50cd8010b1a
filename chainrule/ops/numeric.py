"""Finite differences and Vandermonde matrices, composed as torch composes them (so the
graphs are torch's): ``gradient`` (second-order central differences inside, first- or
second-order one-sided ones at the edges, over unit, scalar or coordinate spacing),
``vander`` (NumPy's decreasing powers: cumprod written into slices, then flipped) and
``linalg.vander`` (increasing powers: a row of ones before a cumprod)."""
from __future__ import annotations

from .._factory import torch_type_name
from .._tensor import Tensor, _wrap_dim
from ._registry import expose
from .reduction.cumulative import div_by_scalar, mul_by_scalar

_GRADIENT_SIGNATURES = (
    "\n * (Tensor input, *, tuple of ints dim, int edge_order = 1)\n * (Tensor input, *, Number "
    "spacing, tuple of ints dim, int edge_order = 1)\n * (Tensor input, *, tuple of Scalars "
    "spacing, tuple of ints dim, int edge_order = 1)\n * (Tensor input, *, tuple of Tensors "
    "spacing, tuple of ints dim, int edge_order = 1)\n * (Tensor input, *, Number spacing = "
    "None, int dim = None, int edge_order = 1)\n * (Tensor input, *, tuple of Scalars spacing, "
    "int dim = None, int edge_order = 1)\n * (Tensor input, *, tuple of Tensors spacing, int "
    "dim = None, int edge_order = 1)\n")


def _slice(t: Tensor, dim: int, start: int, end: int | None = None) -> Tensor:
    """at::slice(t, dim, start, end): a SliceBackward0 view."""
    return t[(slice(None),) * dim + (slice(start, end),)]


def _number(v):
    if isinstance(v, Tensor) and v.ndim == 0:
        return v.item()
    return v


@expose(method=False)
def gradient(input: Tensor, *, spacing=None, dim=None, edge_order: int = 1) -> tuple:
    """Estimates of the derivative of ``input`` along each of ``dim`` (all dims when None),
    one tensor per dim: central differences inside, one-sided ones of order ``edge_order``
    (1 or 2) at the edges. ``spacing`` is a number (the step of every dim), one number per
    dim, or one 1-D tensor of coordinates per dim.

    >>> import chainrule as torch
    >>> torch.gradient(torch.tensor([1., 2., 4., 8.]))
    (tensor([1.0000, 1.5000, 3.0000, 4.0000]),)
    """
    nd = input.ndim
    dim_list = dim is not None and not isinstance(dim, int)
    dims = list(dim) if dim_list else ([dim] if dim is not None else list(range(nd)))
    spacing = _number(spacing)
    if isinstance(spacing, Tensor):
        raise TypeError("gradient() received an invalid combination of arguments - got "
                        "(Tensor, spacing=Tensor), but expected one of:" + _GRADIENT_SIGNATURES)
    if spacing is None or isinstance(spacing, (int, float)):
        given = spacing is not None or dim is not None
        spacing = [1.0 if spacing is None else spacing] * len(dims)
    else:
        spacing = [_number(s) for s in spacing]
        given = True
    if input._data.dtype.char == "B":
        raise RuntimeError("torch.gradient does not support uint8 input.")
    if given and dim is None and len(spacing) != nd:
        raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar, or a "
                           f"list of length equal to 'self.dim() = {nd}', since dim argument was "
                           f"not given, but got a list of length {len(spacing)}")
    if given and dim is not None and len(spacing) != len(dims):
        raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar or it's "
                           "spacing and dim arguments to have the same length, but got a spacing "
                           f"argument of length {len(spacing)} and a dim argument of length "
                           f"{len(dims)}.")
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    wrapped = [_wrap_dim(d, nd) for d in dims]
    if len(set(wrapped)) != len(wrapped):
        first = next(d for i, d in enumerate(wrapped) if d in wrapped[:i])
        raise RuntimeError(f"dim {first} appears multiple times in the list of dims")
    if any(input.shape[d] < edge_order + 1 for d in wrapped):
        raise RuntimeError("torch.gradient expected each dimension size to be at least "
                           "edge_order+1")
    if spacing and isinstance(spacing[0], Tensor):
        return tuple(_gradient_coordinates(input, c, d, edge_order) for c, d in
                     zip(spacing, wrapped))
    return tuple(_gradient_uniform(input, h, d, edge_order) for h, d in zip(spacing, wrapped))


def _gradient_uniform(x: Tensor, h, d: int, edge_order: int) -> Tensor:
    from .shape.join import cat
    center = div_by_scalar(_slice(x, d, 2) - _slice(x, d, 0, -2), h)
    if edge_order == 1:
        first = div_by_scalar(_slice(x, d, 1, 2) - _slice(x, d, 0, 1), h)
        last = div_by_scalar(_slice(x, d, -1) - _slice(x, d, -2, -1), h)
    else:
        first = div_by_scalar(mul_by_scalar(_slice(x, d, 0, 1), -1.5) +
                              mul_by_scalar(_slice(x, d, 1, 2), 2) -
                              mul_by_scalar(_slice(x, d, 2, 3), 0.5), h)
        last = div_by_scalar(mul_by_scalar(_slice(x, d, -3, -2), 0.5) -
                             mul_by_scalar(_slice(x, d, -2, -1), 2) +
                             mul_by_scalar(_slice(x, d, -1), 1.5), h)
    return cat([first, div_by_scalar(center, 2), last], d)


def _gradient_coordinates(x: Tensor, coords: Tensor, d: int, edge_order: int) -> Tensor:
    from .shape.join import cat
    if coords.ndim != 1:
        raise RuntimeError("torch.gradient expected each element of spacing to have one "
                           f"dimension, but got an element with {coords.ndim} dimensions!")
    shape = [1] * x.ndim
    shape[d] = -1
    dx = coords.diff(1, 0)
    dx1, dx2 = _slice(dx, 0, 0, -1), _slice(dx, 0, 1)
    a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
    b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
    c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
    center = a * _slice(x, d, 0, -2) + b * _slice(x, d, 1, -1) + c * _slice(x, d, 2)
    if edge_order == 1:
        first = (_slice(x, d, 1, 2) - _slice(x, d, 0, 1)) / dx[0]
        last = (_slice(x, d, -1) - _slice(x, d, -2, -1)) / dx[-1]
    else:
        a = -(mul_by_scalar(dx[0], 2.0) + dx[1]) / (dx[0] * (dx[0] + dx[1]))
        b = (dx[0] + dx[1]) / (dx[0] * dx[1])
        c = (-dx[0]) / (dx[1] * (dx[0] + dx[1]))
        first = a * _slice(x, d, 0, 1) + b * _slice(x, d, 1, 2) + c * _slice(x, d, 2, 3)
        a = dx[-1] / (dx[-2] * (dx[-1] + dx[-2]))
        b = -(dx[-1] + dx[-2]) / (dx[-1] * dx[-2])
        c = (mul_by_scalar(dx[-1], 2) + dx[-2]) / (dx[-1] * (dx[-1] + dx[-2]))
        last = a * _slice(x, d, -3, -2) + b * _slice(x, d, -2, -1) + c * _slice(x, d, -1)
    return cat([first, center, last], d)


# ---------------------------------------------------------------------------- vander
@expose(method=False)
def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:  # noqa: N803
    """The Vandermonde matrix of a 1-D ``x``: columns ``x ** (N - 1)`` down to ``x ** 0``
    (up, with ``increasing``); integer inputs give int64, as cumprod does.

    >>> import chainrule as torch
    >>> torch.vander(torch.tensor([1, 2, 3]))
    tensor([[1, 1, 1],
            [4, 2, 1],
            [9, 3, 1]])
    """
    from .._creation import empty
    from .._dtypes import _BY_NP, int64, promote_types
    if not isinstance(x, Tensor):
        raise TypeError(f"vander(): argument 'x' (position 1) must be Tensor, not "
                        f"{torch_type_name(x)}")
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0]
    if N is not None:
        n = N
        if n < 0:
            raise RuntimeError("N must be non-negative.")
    result = empty((x.shape[0], n), dtype=promote_types(_BY_NP[x._data.dtype], int64),
                   device=x.device)
    if n > 0:
        result.fill_(1)
        if n > 1:
            result[:, 1:].copy_(x.unsqueeze(1))
            result[:, 1:].copy_(result[:, 1:].cumprod(1))
    if not increasing:
        return result.flip([1])
    return result


def linalg_vander(x: Tensor, *, N: int | None = None) -> Tensor:  # noqa: N803
    """torch.linalg.vander: the powers ``x ** 0`` to ``x ** (N - 1)`` of each element, along a
    new last dim (a batch of any shape; integer inputs give int64)."""
    from .._dtypes import type_name
    kind, char = x._data.dtype.kind, x._data.dtype.char
    if not (char in "fdFD" or kind in "iu"):
        raise RuntimeError("linalg.vander supports floating point, complex, and integer "
                           f"tensors, but got {type_name(x._data.dtype)}")
    x_ = x.unsqueeze(-1) if x.ndim == 0 else x
    shape = list(x_.shape)
    n = shape[-1] if N is None else N
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    shape.append(n - 1)
    result = x_.unsqueeze(-1).expand(shape).cumprod(-1)
    shape[-1] = 1
    from .shape.join import cat
    return cat([result.new_ones(shape), result], -1)
