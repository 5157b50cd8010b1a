"""clamp, clamp_min, clamp_max (and clip): number bounds (ClampBackward1,
ClampMinBackward0, ClampMaxBackward0) and tensor bounds (ClampBackward0 with an edge and a
gradient per bound, ClampMinBackward1, ClampMaxBackward1), with torch's type promotion,
its checked conversion of number bounds and its refusals (bool, complex)."""
from __future__ import annotations

from .._dtypes import py_type_name, type_name
from .._tensor import Tensor
from ._registry import binary, dispatch, expose, op, unary
from .arithmetic import BCAST, not_implemented, refused


# torch's clamp_backward: the gradient passes where min <= x <= max (no tie-splitting), and
# a bound's gradient where it is the value taken (min's only where min < max).
def _clamp_x_grad(F, g, x, min, max):  # noqa: A002 - torch's names
    if min is None:
        return F.where(x <= max, g, 0)
    if max is None:
        return F.where(x >= min, g, 0)
    return F.where((x >= min) & (x <= max), g, 0)


def _clamp_min_grad(F, g, x, min, max):  # noqa: A002
    if max is None:
        return F.where(x < min, g, 0)
    return F.where((x < min) & (min < max), g, 0)


def _clamp_max_grad(F, g, x, min, max):  # noqa: A002
    if min is None:
        return F.where(x > max, g, 0)
    return F.where((x > max) | (max < min), g, 0)


def _clip(xp, x, lo, hi):
    if x.dtype.kind == "b":
        kernel = "clamp_scalar_cpu" if lo is not None and hi is not None else \
            "clamp_min_scalar_cpu" if lo is not None else "clamp_max_scalar_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")
    if lo is not None:
        x = xp.maximum(x, xp.asarray(lo, dtype=x.dtype))
    if hi is not None:
        x = xp.minimum(x, xp.asarray(hi, dtype=x.dtype))
    return x


def _clip_tensors(xp, x, lo, hi):
    kind = x.dtype.kind
    if (kind == "b" and lo is not None and hi is not None) or kind == "c":
        kernel = "clamp_cpu" if lo is not None and hi is not None else \
            "maximum_cpu" if lo is not None else "minimum_cpu"
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(x.dtype)}'")
    if lo is not None:
        x = xp.maximum(x, lo)
    if hi is not None:
        x = xp.minimum(x, hi)
    return x


NO_COMPLEX_CLAMP = refused(NotImplementedError, "clamp is not supported for complex types", "c")
CLAMP = unary("clamp", lambda xp, x, min=None, max=None: _clip(xp, x, min, max),
              vjp=_clamp_x_grad, params=("min", "max"), checked=("min", "max"),
              dtype_rule="promote", grad_fn="ClampBackward1", refuse=NO_COMPLEX_CLAMP)
CLAMP_MIN = unary("clamp_min", lambda xp, x, min: _clip(xp, x, min, None),
                  vjp=lambda F, g, x, min: F.where(x >= min, g, 0), params=("min",),
                  checked=("min",), dtype_rule="promote", refuse=NO_COMPLEX_CLAMP)
CLAMP_MAX = unary("clamp_max", lambda xp, x, max: _clip(xp, x, None, max),
                  vjp=lambda F, g, x, max: F.where(x <= max, g, 0), params=("max",),
                  checked=("max",), dtype_rule="promote", refuse=NO_COMPLEX_CLAMP)
# Tensor bounds: one node with an edge per bound (None for an absent one), as torch.
CLAMP_T = op("clamp_tensor", _clip_tensors, inputs=("x", "min", "max"),
             vjps=(_clamp_x_grad, _clamp_min_grad, _clamp_max_grad), grad_fn="ClampBackward0",
             **BCAST)
CLAMP_MIN_T = binary("clamp_min_tensor", lambda xp, a, b: xp.maximum(a, b),
                     da=lambda F, g, a, b: F.where(a >= b, g, 0),
                     db=lambda F, g, a, b: F.where(a < b, g, 0), grad_fn="ClampMinBackward1",
                     refuse=not_implemented("maximum_cpu", "c"), **BCAST)
CLAMP_MAX_T = binary("clamp_max_tensor", lambda xp, a, b: xp.minimum(a, b),
                     da=lambda F, g, a, b: F.where(a <= b, g, 0),
                     db=lambda F, g, a, b: F.where(a > b, g, 0), grad_fn="ClampMaxBackward1",
                     refuse=not_implemented("minimum_cpu", "c"), **BCAST)


def _clamp_arg_error(min, max):  # noqa: A002
    got = ", ".join(f"{k}={py_type_name(v)}" for k, v in (("max", max), ("min", min))
                    if v is not None)
    return TypeError(f"clamp() received an invalid combination of arguments - got ({got}, ), "
                     "but expected one of:\n * (Tensor input, Tensor min = None, Tensor max = "
                     "None)\n * (Tensor input, Number min = None, Number max = None)")


@expose
def clamp(input, min=None, max=None):  # noqa: A002 - torch's parameter names
    """Clamp every element into [min, max]: ClampBackward1 for number bounds, ClampBackward0
    (with a gradient for each bound) for tensor bounds."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(input, Tensor) and input._data.dtype.kind == "c":
        raise NotImplementedError("clamp is not supported for complex types")
    lo_t, hi_t = isinstance(min, Tensor), isinstance(max, Tensor)
    if lo_t or hi_t:
        if (min is not None and not lo_t) or (max is not None and not hi_t):
            # torch reads a 0-d tensor beside a number bound as a number
            if lo_t and min.ndim == 0 and not hi_t:
                min = min.item()  # noqa: A001
            elif hi_t and max.ndim == 0 and not lo_t:
                max = max.item()  # noqa: A001
            else:
                raise _clamp_arg_error(min, max)
        else:
            return dispatch(CLAMP_T, (input, min, max))
    if min.__class__ is complex or max.__class__ is complex:
        min, max = _real_bounds(input, min, max)  # noqa: A001
    return dispatch(CLAMP, (input,), {"min": min, "max": max})


def _real_bounds(input, min, max):  # noqa: A002
    """Complex number bounds: an integer tensor would compute in complex, which clamp
    refuses; a floating one reads them as doubles (torch's checked conversion)."""
    if not isinstance(input, Tensor) or input._data.dtype.kind not in "fV":
        raise NotImplementedError("clamp is not supported for complex types")
    out = []
    for v in (min, max):
        if v.__class__ is complex:
            if v.imag != 0:
                raise RuntimeError("value cannot be converted to type double without overflow")
            v = v.real
        out.append(v)
    return out


clip = expose(clamp, name="clip")


@expose
def clamp_min(input, min):  # noqa: A002
    """max(input, min) elementwise (ClampMinBackward0, or ClampMinBackward1 for a tensor)."""
    if isinstance(min, Tensor):
        return dispatch(CLAMP_MIN_T, (input, min))
    return dispatch(CLAMP_MIN, (input,), {"min": min})


@expose
def clamp_max(input, max):  # noqa: A002
    """min(input, max) elementwise (ClampMaxBackward0, or ClampMaxBackward1 for a tensor)."""
    if isinstance(max, Tensor):
        return dispatch(CLAMP_MAX_T, (input, max))
    return dispatch(CLAMP_MAX, (input,), {"max": max})
