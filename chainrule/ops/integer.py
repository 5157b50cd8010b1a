"""Integer elementwise ops: gcd, lcm and the bit shifts (with the ``<<``/``>>`` operators),
with torch's dtype rules: integer dtypes only, promoted as torch promotes, and no gradient.
"""
from __future__ import annotations

from .._tensor import Tensor
from . import pointwise as P
from ._inplace import inplace
from ._pointwise_util import not_implemented, require_tensor, write_out
from ._registry import binary, dispatch, expose

PROMOTE = {"dtype_rule": "promote", "broadcasts": True}

GCD = binary("gcd", "gcd", **PROMOTE)
LCM = binary("lcm", "lcm", **PROMOTE)
LSHIFT = binary("bitwise_left_shift", lambda xp, a, b: _shift(xp, a, b, True), **PROMOTE)
RSHIFT = binary("bitwise_right_shift", lambda xp, a, b: _shift(xp, a, b, False), **PROMOTE)


def _shift(xp, a, b, left):
    """torch's shifts: a shift by a negative count or by the width or more gives 0 (left,
    or right of an unsigned) or the sign (right of a signed); in-range shifts wrap."""
    dtype = a.dtype if isinstance(a, xp.ndarray) else b.dtype  # a Python int takes the other's
    a = xp.asarray(a, dtype=dtype)
    b = xp.asarray(b, dtype=dtype)
    bits = a.dtype.itemsize * 8
    ok = (b >= 0) & (b < bits)
    count = xp.where(ok, b, 0).astype(a.dtype)
    if left:
        return xp.where(ok, xp.left_shift(a, count), 0).astype(a.dtype)
    fill = xp.where(a < 0, -1, 0) if a.dtype.kind == "i" else 0
    return xp.where(ok, xp.right_shift(a, count), fill).astype(a.dtype)


def _integer_binary(op_, name, kernel, scalars):
    def fn(input, other, *, out=None):
        if not scalars:
            require_tensor(name, "input", 1, input)
            require_tensor(name, "other", 2, other)
        elif not isinstance(input, Tensor) and not isinstance(other, Tensor):
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            f"({type(input).__name__}, {type(other).__name__}), but expected "
                            "one of: (Tensor input, Tensor other), (Tensor input, Number "
                            "other), (Number self, Tensor other)")
        dtype = P._promoted_dtype(input, other)
        if dtype._category != 1:
            raise not_implemented(kernel, dtype.np)
        if out is not None:
            return write_out(name, out, (input, other), lambda: fn(input, other))
        return dispatch(op_, (input, other))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} of integer tensors (no gradient)."
    return fn


gcd = expose(_integer_binary(GCD, "gcd", "gcd_cpu", False))
lcm = expose(_integer_binary(LCM, "lcm", "lcm_cpu", False))
bitwise_left_shift = expose(_integer_binary(LSHIFT, "bitwise_left_shift", "lshift_cpu", True))
bitwise_right_shift = expose(_integer_binary(RSHIFT, "bitwise_right_shift", "rshift_cpu",
                                             True))

Tensor.__lshift__ = bitwise_left_shift
Tensor.__rshift__ = bitwise_right_shift
Tensor.__rlshift__ = lambda self, other: bitwise_left_shift(other, self)
Tensor.__rrshift__ = lambda self, other: bitwise_right_shift(other, self)

for _fn in (gcd, lcm, bitwise_left_shift, bitwise_right_shift):
    setattr(Tensor, _fn.__name__ + "_", inplace(_fn))
Tensor.__ilshift__ = Tensor.bitwise_left_shift_
Tensor.__irshift__ = Tensor.bitwise_right_shift_
expose(Tensor.gcd_, name="gcd_", method=False)
expose(Tensor.lcm_, name="lcm_", method=False)
