"""dtype conversions: ``Tensor.to``, ``float()``, ``double()`` ..., ``type_as`` and the
backward vocabulary's ``cast`` (ToCopyBackward0)."""
from __future__ import annotations

from ... import _dtypes as _dt_mod
from ..._dtypes import to_dtype
from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from .views import clone

TO_COPY = op("_to_copy", lambda xp, x, dtype: x.astype(dtype.np), vjps=(lambda F, g: g,),
             params=("dtype",), grad_fn="ToCopyBackward0", broadcasts=True)


@expose(method=False, internal=True)
def cast(input, dtype):
    """Convert to ``dtype`` (a chainrule or NumPy dtype) inside the graph."""
    return to_dtype_op(input, to_dtype(dtype))


def to_dtype_op(input, dtype):
    if input._data.dtype == dtype.np:
        return input
    return dispatch(TO_COPY, (input,), {"dtype": dtype})


def _to(self, *args, **kwargs):
    """Tensor.to(dtype) / .to(device) / .to(other) (copy=False returns self when nothing
    changes, as torch does)."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, str) or type(a).__name__ == "device":
            device = a
        elif a is not None:
            dtype = a
    if device is not None:
        from ...backend import device as _device
        _device(device)  # validates: only 'cpu' exists
    out = self if dtype is None else to_dtype_op(self, to_dtype(dtype))
    if copy and out is self:
        out = clone(self)
    return out


def _conv(name, dtype):
    def method(self, memory_format=None):
        return to_dtype_op(self, dtype)
    method.__name__ = name
    method.__doc__ = f"A copy converted to {dtype!r} (this tensor itself if it already is)."
    return method


Tensor.to = _to
Tensor.type_as = lambda self, other: to_dtype_op(self, other.dtype)
for _name, _dt in (("float", _dt_mod.float32), ("double", _dt_mod.float64),
                   ("half", _dt_mod.float16), ("long", _dt_mod.int64), ("int", _dt_mod.int32),
                   ("short", _dt_mod.int16), ("char", _dt_mod.int8), ("byte", _dt_mod.uint8),
                   ("bool", _dt_mod.bool_), ("bfloat16", _dt_mod.bfloat16)):
    setattr(Tensor, _name, _conv(_name, _dt))


def _cpu(self, memory_format=None):
    return self


Tensor.cpu = _cpu
