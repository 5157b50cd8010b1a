"""``make_tensor``: a tensor of a given shape, dtype and device filled with values drawn
uniformly from [low, high) (torch.testing's defaults and checks)."""
from __future__ import annotations

import collections.abc
import math
import warnings

from .. import _dtypes

__all__ = ["make_tensor"]

_INTEGRAL = ("uint8", "int8", "int16", "int32", "int64")
_FLOATING = ("float16", "float32", "float64")
_COMPLEX = ("complex64", "complex128")


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False,
                memory_format=None):
    """A tensor of ``shape`` filled with uniform values in [low, high): by default [0, 2)
    for bool, [0, 10) unsigned, [-9, 10) signed integers and [-9, 9) floating/complex.

    >>> import chainrule as torch
    >>> torch.testing.make_tensor(2, 3, dtype=torch.float32, device='cpu').shape
    torch.Size([2, 3])
    """
    from .. import _config
    from .._creation import empty
    from ..ops.random import randint

    def modify(low, high, lowest, highest, default_low, default_high):
        low = default_low if low is None else low
        high = default_high if high is None else high
        if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
            raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and "
                             f"high={high}")
        if low == high and dtype.name in _FLOATING + _COMPLEX:
            warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or "
                          "complex types is deprecated since 2.1 and will be removed in 2.3. "
                          "Use `torch.full(...)` instead.", FutureWarning, stacklevel=3)
        elif low >= high:
            raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
        elif high < lowest or low >= highest:
            raise ValueError(f"The value interval specified by `low` and `high` is [{low}, "
                             f"{high}), but {dtype} only supports [{lowest}, {highest})")
        low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
        if dtype.name in _INTEGRAL or dtype is _dtypes.bool_:
            return math.ceil(low), math.ceil(high)
        return low, high

    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got noncontiguous={noncontiguous} and "
                         f"memory_format={memory_format}")
    if requires_grad and (dtype is _dtypes.bool_ or dtype.name in _INTEGRAL):
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dtype}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:
        shape = shape[:-1] + (2 * shape[-1],)
    if dtype is _dtypes.bool_:
        low, high = modify(low, high, 0, 2, 0, 2)
        result = randint(low, high, shape, device=device, dtype=dtype)
    elif dtype.name in _INTEGRAL:
        info = _config.iinfo(dtype)
        low, high = modify(low, high, info.min, info.max + (dtype.name != "int64"), -9, 10)
        result = randint(low, high, shape, device=device, dtype=dtype)
    elif dtype.name in _FLOATING + _COMPLEX:
        info = _config.finfo(dtype)
        low, high = modify(low, high, info.min, info.max, -9, 9)
        result = empty(shape, device=device, dtype=dtype)
        if high - low >= info.max:
            result.uniform_(low / 2, high / 2).mul_(2)
        else:
            result.uniform_(low, high)
    else:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        "torch.testing.make_tensor(). To request support, file an issue at: "
                        "https://github.com/pytorch/pytorch/issues")
    if noncontiguous:
        result = result[..., 1::2]
    elif memory_format is not None:
        result = result.to(memory_format=memory_format, copy=True)
    if exclude_zero:
        tiny = 1 if dtype is _dtypes.bool_ or dtype.name in _INTEGRAL else \
            _config.finfo(dtype).tiny
        result[result == 0] = tiny
    if dtype.name in _FLOATING + _COMPLEX:
        result.requires_grad = requires_grad
    return result
