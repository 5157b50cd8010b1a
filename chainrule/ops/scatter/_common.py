"""Argument checks with torch's words, ``out=`` handling and small shared helpers."""
from __future__ import annotations

import warnings

from ..._meta import is_meta
from ..._tensor import Tensor, _wrap_dim
from ...autograd.grad_mode import _tls

# torch's ScalarType names (messages such as "self (Float) and source (Double)").
SCALAR_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
               "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
               "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble"}
# The C++ element type names some torch messages print ("dtype long int").
CPP_NAME = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
            "uint8": "unsigned char", "bool": "bool", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>"}


def scalar_name(arr) -> str:
    return SCALAR_NAME.get(arr.dtype.name, arr.dtype.name)


def cpp_name(arr) -> str:
    return CPP_NAME.get(arr.dtype.name, arr.dtype.name)


def raw(a):
    """The array behind a Tensor; raw arrays (backward rules pass them) as they are."""
    return a._data if isinstance(a, Tensor) else a


def dim_of(dim, ndim: int) -> int:
    """``dim`` wrapped with torch's IndexError; a 0-d tensor's dim 0 or -1 is 0."""
    d = _wrap_dim(dim, ndim)
    return 0 if ndim == 0 else d


def tensor_arg(value, fn: str, name: str, position: int) -> Tensor:
    """Refuse a non-Tensor where torch's binding wants one, with its TypeError."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, "
                        f"not {type(value).__name__}")
    return value


def index_dtype(index: Tensor, message: str, kinds: str = "il"):
    """The index's array, if its dtype is one the op accepts (``l`` int64, ``i`` int32)."""
    arr = index._data
    ok = (arr.dtype.name == "int64" and "l" in kinds) or (arr.dtype.name == "int32" and
                                                           "i" in kinds)
    if not ok:
        raise RuntimeError(message.format(dtype=scalar_name(arr)))
    return arr


def first_bad(arr, size: int, negative_ok: bool = False):
    """The first entry of ``arr`` (C order) outside ``[0, size)`` (``[-size, size)`` with
    ``negative_ok``), or None."""
    if arr.size == 0:
        return None
    lo = -size if negative_ok else 0
    if arr.min() >= lo and arr.max() < size:
        return None
    flat = arr.reshape(-1)
    bad = (flat < lo) | (flat >= size)
    return int(flat[bad.argmax()])


def wrap_negative(xp, arr, size: int):
    """Negative indices counted from the end (after bounds were checked)."""
    if arr.size and arr.min() < 0:
        return xp.where(arr < 0, arr + size, arr)
    return arr


def broadcast_shapes(xp, a, b, mask_first=True):
    """The broadcast shape of two arrays, or torch's RuntimeError."""
    try:
        return tuple(xp.broadcast_shapes(a.shape, b.shape))
    except ValueError:
        from .._dispatch import _broadcast_error
        raise _broadcast_error([a, b]) from None


def as_1d(arr):
    """A 0-d array as shape (1,) (torch treats a scalar as one element along dim 0)."""
    return arr.reshape(1) if arr.ndim == 0 else arr


def needs_grad(*tensors) -> bool:
    return _tls.grad_enabled and any(isinstance(t, Tensor) and t._rg for t in tensors)


def check_out(fn: str, out, *inputs) -> None:
    """torch refuses ``out=`` when autograd would have to record the op."""
    if out is None:
        return
    if not isinstance(out, Tensor):
        raise TypeError(f"{fn}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if needs_grad(out, *inputs):
        raise RuntimeError(f"{fn}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")


def saved(arr, *tensors):
    """An index or mask array as a node keeps it: a private copy when the op will be
    recorded, so changing the user's index tensor in place later cannot change the
    gradient (torch refuses such a change at backward)."""
    return arr.copy() if needs_grad(*tensors) else arr


def write_out(fn: str, out, result: Tensor, dtype_message=None) -> Tensor:
    """Store ``result`` into ``out`` as torch's ``out=`` does (after ``check_out``): the
    dtype must match, a wrongly shaped ``out`` is resized (with torch's warning when it had
    elements)."""
    data, rd = out._data, result._data
    if data.dtype != rd.dtype:
        raise RuntimeError(dtype_message or f"Expected out tensor to have dtype {cpp_name(rd)}, "
                           f"but got {cpp_name(data)} instead")
    if data.shape != rd.shape:
        if data.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(data.shape)}, which does not match the required output shape "
                f"{list(rd.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                "with t.resize_(0).", UserWarning, stacklevel=3)
        out._data = rd.copy()
    else:
        data[...] = rd
    out._bump_version()
    return out


_WARNED: set = set()


def warn_once(key: str, message: str) -> None:
    """torch's TORCH_WARN_ONCE: a UserWarning the first time only."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, UserWarning, stacklevel=3)


def fill_scalar(xp, value, dtype):
    """A Python number (or a 0-d tensor's value) as a 0-d array of ``dtype``, converted as
    torch converts a fill value: floats truncate into integers, integers wrap, and a value
    the type cannot hold is torch's RuntimeError."""
    if isinstance(value, Tensor):  # (a meta value: its constant, as a kernel sees it)
        value = value._data.item() if is_meta(value._data) else value.item()
    kind = dtype.kind
    bad = False
    if kind == "b":
        return xp.asarray(bool(value))
    if isinstance(value, complex) and kind != "c":
        bad = value.imag != 0
        value = value.real
    if kind in "iu":
        if value != value or value in (float("inf"), float("-inf")):
            bad = True
        else:
            info = xp.iinfo(dtype)
            v = int(value)
            lo = -int(info.max) if kind == "u" else int(info.min)
            bad = bad or not lo <= v <= int(info.max)
            if not bad:
                return xp.asarray(v).astype(dtype)
    elif kind in "fV":
        big = float(xp.finfo(dtype).max)
        bad = bad or (abs(value) > big and abs(value) != float("inf"))
    if bad:
        raise RuntimeError(f"value cannot be converted to type "
                           f"{_C_TYPE.get(dtype.name, CPP_NAME.get(dtype.name))} without "
                           "overflow")
    return xp.asarray(value).astype(dtype)


_C_TYPE = {"int64": "int64_t", "int32": "int32_t", "int16": "int16_t", "int8": "int8_t",
           "uint8": "uint8_t"}
