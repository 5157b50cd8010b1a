"""How dispatch's general path reads operands the way torch does: Python and NumPy
scalars, NumPy arrays, the dtype computed in (type promotion), scalars converted to it
(wrapped, or with torch's overflow check), and the dtypes an op refuses (its ``refuse``
table, in torch's words). Also chainrule's filter for NumPy's floating-point warnings.
"""
from __future__ import annotations

import warnings

from .._dtypes import (
    _BY_NP,
    as_scalar,
    check_int_range,
    checked_scalar,
    from_numpy_dtype,
    get_default_dtype,
    result_type,
    type_name,
    wrap_int,
)
from .._tensor import Tensor
from ..backend import numpy_namespace as _numpy

_PY_SCALAR_TYPES = frozenset((int, float, bool, complex))

_WARNINGS_SEEN = [None]


def silence_numpy_warnings() -> None:
    """torch turns overflow and 0/0 into inf and nan silently; NumPy warns. Ignore NumPy's
    floating-point warnings where chainrule's own code raises them, and nowhere else.
    Installed at import; re-installed by the general dispatch path when a
    ``warnings.catch_warnings`` block that surrounded ``import chainrule`` (pytest's
    collection does this) has dropped it."""
    filters = warnings.filters
    _WARNINGS_SEEN[0] = filters
    for f in filters:
        if f[2] is RuntimeWarning and f[0] == "ignore" and f[3] is not None and \
                getattr(f[3], "pattern", None) == _MODULES:
            return
    warnings.filterwarnings("ignore", category=RuntimeWarning, module=_MODULES,
                            message=_FP_MESSAGES)
    _WARNINGS_SEEN[0] = warnings.filters


_MODULES = r"chainrule(\.|$)"
_FP_MESSAGES = r".*(overflow|invalid value|divide by zero|underflow) encountered"


def _operand(op, value, position):
    """A non-Tensor operand of a two-input op: a number as torch reads it (NumPy scalars
    become Python numbers), or a NumPy array (computed with NumPy's promotion, as torch
    hands ``tensor + ndarray`` to NumPy); anything else is refused with torch's TypeError,
    which the Tensor operators turn into NotImplemented."""
    if isinstance(value, _numpy.ndarray):
        from_numpy_dtype(value.dtype)  # torch's TypeError for dtypes it has no name for
        return value
    name = op.name
    where = f"{name}(): argument '{'other' if position == 2 else 'input'}' (position {position})"
    return as_scalar(value, where)


def _prepare(op, args, params):
    """The general path's first step for ops that declare scalar parameters or a check:
    NumPy scalars become Python numbers (so they promote as torch's scalars do), then the
    op's own input check runs."""
    if params:
        copied = False
        for name in op.scalar_names:
            v = params.get(name)
            if v is not None and v.__class__ not in _PY_SCALAR_TYPES:
                if not copied:
                    params, copied = dict(params), True
                params[name] = as_scalar(v, f"{op.name}(): argument '{name}'")
    if op.check is not None:
        op.check(args, params)
    return params


def _finish(op, xp, arrays, params):
    """The general path's last step before the forward: refuse the dtypes torch refuses for
    this op, and convert scalar parameters to the dtype computed in (wrapping Python ints,
    or torch's overflow check for ``checked`` ones)."""
    computed = None
    for a in arrays:
        if isinstance(a, xp.ndarray):
            computed = a.dtype
            break
    if computed is None:
        return params
    refuse = op.refuse
    if refuse is not None:
        kind = computed.kind
        if kind == "V":  # bfloat16 (ml_dtypes): refused where torch refuses floats
            kind = "f"
        hit = refuse.get(kind)
        if hit is None and kind in "fV" and "c" in refuse and \
                _has_complex_scalar(op, arrays, params):
            # a float tensor with a complex number computes in complex (NumPy promotes it
            # inside the ufunc, so the arrays are still real here)
            exc, message = refuse["c"]
            raise exc(message.format(T=f"'{_COMPLEX_NAMES[computed.itemsize]}'"))
        if hit is not None:
            exc, message = hit
            raise exc(message.format(T=f"'{type_name(computed)}'"))
    if params and op.scalar_names:
        if computed.kind in "fcV":  # the common case: numbers any float dtype holds
            for name in op.scalar_names:
                v = params.get(name)
                c = v.__class__
                if not (v is None or ((c is float or c is int) and -65504 <= v <= 65504)):
                    return _convert_scalars(op, computed, params)
            return params
        return _convert_scalars(op, computed, params)
    return params


def _convert_scalars(op, computed, params):
    out = None
    for name in op.scalars:
        v = params.get(name)
        if v.__class__ is int:
            if computed.kind in "iu":
                w = wrap_int(v, computed)
                if w != v:
                    out = out or dict(params)
                    out[name] = w
            else:
                check_int_range(v)
    for name in op.checked:
        v = params.get(name)
        if v is not None:
            w = checked_scalar(v, computed)
            if w is not v:
                out = out or dict(params)
                out[name] = w
    return params if out is None else out


_COMPLEX_NAMES = {2: "ComplexHalf", 4: "ComplexFloat", 8: "ComplexDouble"}


def _has_complex_scalar(op, arrays, params):
    for a in arrays:
        if a.__class__ is complex:
            return True
    if params:
        for n in op.scalar_names:
            if params.get(n).__class__ is complex:
                return True
    return False


def _apply_dtype_rule(op, args, arrays, params):
    """Cast tensor inputs to the dtype torch would compute in (see Op.dtype_rule). An
    ndarray operand means NumPy's own promotion, which is what torch hands such an
    expression to."""
    rule = op.dtype_rule
    dims, zeros, scalars = [], [], []
    which = op.dtype_inputs if op.dtype_inputs is not None else range(len(args))
    for i in which:
        a = args[i]
        if isinstance(a, Tensor):
            (dims if a._data.ndim else zeros).append(_BY_NP[a._data.dtype])
        elif a.__class__ is _numpy.ndarray:
            return arrays
        elif a is not None:
            scalars.append(a)
    if params:
        for name in op.scalar_names:
            v = params.get(name)
            if v is not None:
                scalars.append(v)
    target = result_type(dims, zeros, scalars)
    if rule in ("float", "promote_float") and not (target.is_floating_point or
                                                   target.is_complex):
        target = get_default_dtype()
    np_target = target.np
    out = list(arrays)
    for i in which:
        a = args[i]
        if isinstance(a, Tensor) and a._data.dtype != np_target:
            out[i] = a._data.astype(np_target)
    return out


def _wrap_ints(xp, arrays, dtype):
    """Python ints wrap around into an integer dtype, as torch converts a scalar to the
    tensor's type (``uint8_tensor >= -1`` compares with 255); any dtype refuses an int that
    is not an int64 or uint64, as torch does."""
    if dtype.kind not in "iu":
        for a in arrays:
            if a.__class__ is int:
                check_int_range(a)
        return arrays
    return [wrap_int(a, dtype) if a.__class__ is int else a for a in arrays]


silence_numpy_warnings()


def _promoted_dtype(*operands):
    """The dtype torch computes ``operands`` (tensors or scalars) in: ``torch.result_type``."""
    dims, zeros, scalars = [], [], []
    for x in operands:
        if isinstance(x, Tensor):
            (dims if x._data.ndim else zeros).append(_BY_NP[x._data.dtype])
        else:
            scalars.append(as_scalar(x))
    return result_type(dims, zeros, scalars)
