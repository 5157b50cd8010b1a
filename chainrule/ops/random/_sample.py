"""Sampling kernels on a NumPy generator, and the argument checks torch's samplers make.

Every kernel draws in the target dtype's precision: float32 uniforms have 24 random bits
and float16 ones 11, so they lie in [0, 1) after the cast, as torch's do.
"""
from __future__ import annotations

import math
import warnings

from ... import _dtypes
from ..._factory import c_type_name, scalar_type_name
from ...backend import numpy_namespace as xp

_HALF = xp.dtype(xp.float16)
_F32 = xp.dtype(xp.float32)
_F64 = xp.dtype(xp.float64)
# mantissa digits + 1: the integers a float type holds exactly, torch's random_ bound
_DIGITS = {"float16": 11, "float32": 24, "float64": 53}
_SQRT_HALF = math.sqrt(0.5)


def real_dtype(np_dtype):
    return xp.dtype(xp.float32) if np_dtype == xp.complex64 else (
        xp.dtype(xp.float64) if np_dtype == xp.complex128 else np_dtype)


def uniform01(gen, shape, np_dtype):
    """Uniform samples in [0, 1) of a float or complex dtype (each part, for complex)."""
    if np_dtype.kind == "c":
        part = real_dtype(np_dtype)
        return (uniform01(gen, shape, part) + 1j * uniform01(gen, shape, part)).astype(np_dtype)
    if np_dtype == _F64:
        return xp.asarray(gen.random(shape))
    if np_dtype == _F32:
        return xp.asarray(gen.random(shape, dtype=xp.float32))
    return xp.asarray(gen.integers(0, 1 << 11, shape) * 2.0 ** -11).astype(np_dtype)


def normal01(gen, shape, np_dtype):
    """Standard normal samples; complex ones have variance 1/2 in each part, as torch's."""
    if np_dtype.kind == "c":
        part = real_dtype(np_dtype)
        z = normal01(gen, shape, part) + 1j * normal01(gen, shape, part)
        return (z * _SQRT_HALF).astype(np_dtype)
    if np_dtype == _F64:
        return xp.asarray(gen.standard_normal(shape))
    return xp.asarray(gen.standard_normal(shape, dtype=xp.float32)).astype(np_dtype,
                                                                            copy=False)


def uniform(gen, shape, np_dtype, low, high):
    """Uniform samples in [low, high), computed in the dtype as torch computes them."""
    u = uniform01(gen, shape, np_dtype)
    if np_dtype.kind == "c":
        part = real_dtype(np_dtype)
        lo, span = part.type(low), part.type(high - low)
        return (u.real * span + lo + 1j * (u.imag * span + lo)).astype(np_dtype)
    return u * np_dtype.type(high - low) + np_dtype.type(low)


def integers(gen, shape, low, high, np_dtype):
    """Integers in [low, high) (``high`` may be 2**63: int64's whole range)."""
    return xp.asarray(gen.integers(low, high - 1, size=shape, dtype=xp.int64,
                                   endpoint=True)).astype(np_dtype, copy=False)


# ---------------------------------------------------------------------------- checks
def not_implemented(kernel: str, dtype) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for '
                               f"'{scalar_type_name(dtype)}'")


def require_float(kernel: str, dtype, complex_ok: bool = True) -> None:
    """torch's dtype dispatch of a sampler: floating (and complex) dtypes only."""
    kind = dtype.np.kind
    if kind in "fV" or (complex_ok and kind == "c"):
        return
    raise not_implemented(kernel, dtype)


def fmt(value) -> str:
    """A number as torch's C++ messages print it (``-1``, ``1.5``, ``nan``, ``3e+38``)."""
    if isinstance(value, float):
        if value != value:
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:g}"
    return str(value)


def check_from_to(dtype, low: int, high_inclusive: int, check_from: bool = True) -> None:
    """torch's range check for integer samples written into ``dtype``."""
    name = dtype.name
    if name in _DIGITS:
        digits = _DIGITS[name]
        bound = 1 << digits
        tag = {"float16": "c10::Half", "float32": "float", "float64": "double"}[name]
        for what, v in (("from", low), ("to - 1", high_inclusive)):
            if (what == "from" and not check_from) or -bound <= v <= bound:
                continue
            warnings.warn(f"{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to "
                          f"precision limitations {tag} can support discrete uniform "
                          "distribution only within this range. This warning will become an "
                          "error in version 1.7 release, please fix the code in advance",
                          UserWarning, stacklevel=4)
        return
    if dtype.np.kind == "c":
        raise RuntimeError("check_random_bounds handles only integral, floating-point and "
                           "boolean types")
    lo, hi = int_range(dtype)
    if check_from and not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {c_type_name(dtype)}")
    if not lo <= high_inclusive <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {c_type_name(dtype)}")


def int_range(dtype) -> tuple:
    if dtype is _dtypes.bool_:
        return 0, 1
    info = xp.iinfo(dtype.np)
    return int(info.min), int(info.max)


def random_bound(dtype) -> int:
    """The largest value ``random_()`` draws for ``dtype`` (inclusive)."""
    if dtype.name in _DIGITS:
        return 1 << _DIGITS[dtype.name]
    return int_range(dtype)[1]


def int64_arg(value) -> int:
    if not -(1 << 63) <= value < (1 << 63):
        raise ValueError("Overflow when unpacking long long")
    return value


def broadcast_shape(a: tuple, b: tuple) -> tuple:
    """The broadcast of two shapes, with torch's error."""
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for dim in range(n - 1, -1, -1):  # torch reports the innermost mismatch
        x, y = pa[dim], pb[dim]
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {dim}")
        out.append(y if x == 1 else x)
    return tuple(out[::-1])
