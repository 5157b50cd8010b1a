"""bfloat16 arithmetic as torch's CPU kernels do it: inputs upcast to float32, the op
computed (and reduced, accumulated) in float32, the result rounded to bfloat16 once.

NumPy's bfloat16 (ml_dtypes) has ufunc loops that round after every step, and reductions
that accumulate in bfloat16; torch never does either. Dispatch and the op nodes call these
helpers only once ml_dtypes is loaded (``_dtypes._BF16.active``), so programs without
bfloat16 never pay for them. View ops keep their bfloat16 arrays (they share memory).
"""
from __future__ import annotations

from .._dtypes import _BF16

__all__ = ["upcast", "downcast", "upcast_values", "downcast_results"]


def upcast(xp, arrays):
    """``arrays`` with every bfloat16 array as float32, or None when none is bfloat16."""
    bnp = _BF16.np
    out = None
    for i, a in enumerate(arrays):
        if getattr(a, "dtype", None) == bnp and isinstance(a, xp.ndarray):
            if out is None:
                out = list(arrays)
            out[i] = a.astype(xp.float32)
        elif a.__class__ in (list, tuple) and a and isinstance(a[0], xp.ndarray):
            inner = upcast(xp, a)  # a list of tensors' arrays (cat, stack, ...)
            if inner is not None:
                if out is None:
                    out = list(arrays)
                out[i] = a.__class__(inner)
    return out


def downcast(xp, out):
    """A forward's float32 result(s) rounded to bfloat16 (other dtypes kept)."""
    bnp = _BF16.np
    if isinstance(out, xp.ndarray) or out.__class__ is xp.float32:
        return out.astype(bnp) if out.dtype == xp.float32 else out
    if out.__class__ in (tuple, list):
        return out.__class__(downcast(xp, o) for o in out)
    return out


def upcast_values(xp, values):
    """Backward: the incoming gradients and saved values with bfloat16 arrays as float32,
    or None when none is bfloat16."""
    if values is None:
        return None
    return upcast(xp, values)


def downcast_results(xp, results):
    """Backward: float32 gradients rounded back to bfloat16 (the inputs' dtype)."""
    bnp = _BF16.np
    return [r.astype(bnp) if r is not None and getattr(r, "dtype", None) == xp.float32 and
            isinstance(r, xp.ndarray) else r for r in results]
