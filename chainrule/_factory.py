"""What every factory shares: reading ``size``/``dtype``/``device``/``layout``/
``requires_grad``/``pin_memory`` as torch's argument parser reads them, and writing into
``out=``. Errors are torch's (``ones(2.5)`` is a TypeError naming the argument)."""
from __future__ import annotations

import numpy as np

from . import _dtypes
from ._device import META, check_layout, resolve
from ._dtypes import get_default_dtype
from ._tensor import Tensor, _float_required_error
from .autograd.grad_mode import _tls

__all__ = ["parse_size", "dtype_arg", "make", "write_out", "torch_type_name", "c_type_name",
           "scalar_type_name", "check_fits"]

_PY_DTYPES = {float: _dtypes.float64, int: _dtypes.int64, bool: _dtypes.bool_,
              complex: _dtypes.complex128}
# torch's ScalarType names (errors such as '"arange_cpu" not implemented for 'Long'')
_SCALAR_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
                 "int32": "Int", "int64": "Long", "float16": "Half", "float32": "Float",
                 "float64": "Double", "complex64": "ComplexFloat",
                 "complex128": "ComplexDouble", "uint16": "UInt16", "uint32": "UInt32",
                 "uint64": "UInt64"}
# the C++ type names torch's range checks print ("to - 1 is out of bounds for unsigned char")
_C_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short",
            "int32": "int", "int64": "long int", "float16": "c10::Half", "float32": "float",
            "float64": "double", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>", "uint16": "unsigned short",
            "uint32": "unsigned int", "uint64": "unsigned long"}


def scalar_type_name(d) -> str:
    """torch's ScalarType name of a dtype ('Float', 'Long' ...)."""
    return _SCALAR_NAMES[d.name]


def c_type_name(d) -> str:
    return _C_NAMES[d.name]


def torch_type_name(value) -> str:
    """How torch's argument parser names the type of ``value`` in its errors."""
    if isinstance(value, Tensor):
        return "Tensor"
    if isinstance(value, _dtypes.dtype):
        return "torch.dtype"
    cls = type(value)
    if cls.__name__ in ("device", "layout", "memory_format", "Generator") and \
            cls.__module__.startswith("chainrule"):
        return f"torch.{cls.__name__}"
    if cls.__module__ == "numpy":
        return f"numpy.{cls.__name__}"
    return cls.__name__


def dtype_arg(fname: str, value):
    """A ``dtype=`` argument: a chainrule dtype, or a Python type (``float`` is float64, as
    in torch). None stays None."""
    if value is None or isinstance(value, _dtypes.dtype):
        return value
    py = _PY_DTYPES.get(value) if isinstance(value, type) else None
    if py is not None:
        return py
    if isinstance(value, np.dtype):  # lenient: internal callers may hold a NumPy dtype
        return _dtypes.from_numpy_dtype(value)
    raise TypeError(f"{fname}(): argument 'dtype' must be torch.dtype, not "
                    f"{torch_type_name(value)}")


def _int_arg(value):
    """``value`` as an int when torch's parser takes it as one (ints, NumPy integers,
    one-element integer tensors), else None."""
    if value.__class__ is int:
        return value
    if isinstance(value, bool) or isinstance(value, float):
        return None
    if isinstance(value, Tensor):
        if value._data.dtype.kind not in "iu" or value._data.size != 1:
            return None
        return int(value._data.reshape(()).item())
    index = getattr(value, "__index__", None)
    if index is None:
        return None
    try:
        return int(index())
    except TypeError:
        return None


def parse_size(fname: str, args: tuple, size=None, negative: str | None = None,
               position: int = 1) -> tuple:
    """The ``*size`` of a factory: ints as varargs, one tuple/list/Size, or ``size=``
    (``negative``: the factory's own message for a negative size, if torch has one)."""
    if size is not None:
        if args:
            raise TypeError(f"{fname}() got multiple values for argument 'size'")
        args = (size,)
    if not args:
        raise TypeError(f'{fname}() missing 1 required positional arguments: "size"')
    if all(a.__class__ is int for a in args):
        shape = args
    elif len(args) == 1 and isinstance(args[0], (tuple, list)):
        shape = []
        for pos, s in enumerate(args[0]):
            v = _int_arg(s)
            if v is None:
                raise TypeError(f"{fname}(): argument 'size' (position {position}) must be tuple "
                                f"of ints, but found element of type {torch_type_name(s)} at "
                                f"pos {pos}")
            shape.append(v)
        shape = tuple(shape)
    else:
        shape = []
        for pos, s in enumerate(args):
            v = _int_arg(s)
            if v is None:
                if len(args) == 1:
                    raise TypeError(f"{fname}(): argument 'size' (position {position}) must be "
                                    f"tuple of ints, not {torch_type_name(s)}")
                if isinstance(s, (tuple, list)) and pos == 0:
                    raise TypeError(f"{fname}() takes 1 positional argument but {len(args)} "
                                    "were given")
                raise TypeError(f"{fname}(): argument 'size' failed to unpack the object at pos "
                                f"{pos + 1} with error \"type must be tuple of ints,but got "
                                f"{torch_type_name(s)}\"")
            shape.append(v)
        shape = tuple(shape)
    for s in shape:
        if s < 0:
            if negative is not None:
                raise RuntimeError(negative)
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(shape)}")
    return shape


def check_options(fname: str, device=None, requires_grad=False, pin_memory=False,
                  layout=None):
    """The options every factory takes: the device exists, the layout is strided, memory
    is not pinned, ``requires_grad`` is a bool. Returns the device: the CPU or ``meta``."""
    dev = resolve(device, meta=True)
    if layout is not None:
        check_layout(layout)
    if requires_grad.__class__ is not bool:
        raise TypeError(f"{fname}(): argument 'requires_grad' must be bool, not "
                        f"{torch_type_name(requires_grad)}")
    if pin_memory:
        raise RuntimeError("pin_memory=True requires a CUDA or other accelerator backend; no "
                           "pinned memory allocator is available on this system.")
    return dev


def on_device(data, dev):
    """``data`` for a tensor on ``dev``: a meta device's array keeps its shape and dtype."""
    if dev is META:
        from ._meta import meta_array
        return meta_array(data.shape, data.dtype)
    return data


def make(data, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor over ``data`` (``requires_grad`` only for float/complex)."""
    t = Tensor._make(data)
    if requires_grad:
        if data.dtype.kind not in "fcV":
            raise _float_required_error()
        t._rg = True
    return t


def out_dtype(fname: str, dtype, out, default=None):
    """The dtype a factory with ``out=`` makes: ``dtype``, else out's, else the default."""
    if out is None:
        return dtype if dtype is not None else (default or get_default_dtype())
    if not isinstance(out, Tensor):
        raise TypeError(f"{fname}(): argument 'out' must be Tensor, not {torch_type_name(out)}")
    if dtype is not None and dtype.np != out._data.dtype:
        raise RuntimeError(f"dtype {scalar_type_name(dtype)} does not match dtype of out "
                           f"parameter ({scalar_type_name(out.dtype)})")
    return out.dtype if dtype is None else dtype


def write_out(fname: str, out: Tensor, data, warn_resize: bool = False) -> Tensor:
    """Store ``data`` into ``out`` (resized when its shape differs) and return ``out``."""
    if out._rg and _tls.grad_enabled:
        raise RuntimeError(f"aten::{fname}(): functions with out=... arguments don't support "
                           "automatic differentiation, but one of the arguments requires grad.")
    current = out._data
    if current.shape == data.shape and current.flags.writeable:
        current[...] = data
    else:
        if warn_resize and current.size:
            import warnings
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(current.shape)}, which does not match the required output "
                          f"shape {list(data.shape)}. This behavior is deprecated, and in a "
                          "future PyTorch release outputs will not be resized unless they have "
                          "zero elements. You can explicitly reuse an out tensor t by resizing "
                          "it, inplace, to zero elements with t.resize_(0).", UserWarning,
                          stacklevel=3)
        out._data = np.ascontiguousarray(data, dtype=current.dtype)
    out._bump_version()
    return out


# the names torch's scalar-fill checks print (full, fill_value of *_like)
_FILL_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int32_t",
               "int64": "int64_t", "float16": "c10::Half", "float32": "float",
               "float64": "double", "uint16": "uint16_t", "uint32": "uint32_t",
               "uint64": "uint64_t"}


def check_fits(value, dtype, fill: bool = True):
    """torch's overflow check when a Python number becomes one element of ``dtype``: the
    value must lie in the dtype's range (unsigned types also take negative ints down to
    -max, which wrap). Raises torch's RuntimeError naming the type as ``full`` does
    (``fill``) or as ``tensor`` does; returns the value to store."""
    kind = dtype.np.kind
    if kind == "b":
        return bool(value)
    if kind == "c":
        return value
    name = _FILL_NAMES.get(dtype.name, dtype.name) if fill else dtype.name
    if isinstance(value, complex):
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    if kind in "fV":
        return value
    info = np.iinfo(dtype.np)
    if isinstance(value, float):
        if not info.min <= value <= info.max:  # NaN fails too
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")
        return int(value)
    value = int(value)
    lo = -int(info.max) if kind == "u" else int(info.min)
    if not lo <= value <= int(info.max):
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    return value + int(info.max) + 1 if value < 0 and kind == "u" else value


def check_expand(p, target) -> None:
    """torch's expand check: ``p`` must broadcast to the shape ``target``."""
    shape = p._data.shape
    if len(shape) > len(target):
        from ._legacy import type_name
        raise RuntimeError(f"expand(torch.{type_name(p.dtype)}{{{list(shape)}}}, "
                           f"size={list(target)}): the number of sizes provided "
                           f"({len(target)}) must be greater or equal to the number of "
                           f"dimensions in the tensor ({len(shape)})")
    for i in range(1, len(shape) + 1):
        if shape[-i] != 1 and shape[-i] != target[-i]:
            raise RuntimeError(f"The expanded size of the tensor ({target[-i]}) must match the "
                               f"existing size ({shape[-i]}) at non-singleton dimension "
                               f"{len(target) - i}.  Target sizes: {list(target)}.  Tensor "
                               f"sizes: {list(shape)}")
