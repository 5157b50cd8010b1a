"""dtype objects with torch's names, and torch's type-promotion rules.

A ``chainrule.dtype`` wraps a NumPy dtype. Promotion follows torch, not NumPy:
categories rank bool < integer < floating < complex; a dimensioned tensor outranks a
zero-dim tensor of the same category, which outranks a Python scalar; and a Python
float meeting an integer tensor gives the *default* dtype (float32), not float64.
"""
from __future__ import annotations

import numpy as np

__all__ = ["dtype", "promote_types", "get_default_dtype", "set_default_dtype", "bfloat16"]


class dtype:
    """A tensor element type, printed as torch prints it (``torch.float32``)."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize",
                 "_category", "_rank")

    def __init__(self, name: str, np_dtype, category: int, rank: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self._category = category  # 0 bool, 1 integer, 2 floating, 3 complex
        self._rank = rank          # order inside the category
        self.is_floating_point = category == 2
        self.is_complex = category == 3
        self.is_signed = name not in ("bool", "uint8", "uint16", "uint32", "uint64")
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self) -> "dtype":
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self) -> "dtype":
        return {"float32": complex64, "float64": complex128, "float16": complex64,
                "bfloat16": complex64}.get(self.name, self)


class _LazyDtype(dtype):
    """bfloat16: NumPy's dtype comes from ml_dtypes, imported on first use (importing it
    costs more than importing chainrule's core), so ``chainrule.bfloat16`` exists without
    it; creating or casting to it without ml_dtypes raises a TypeError naming the extra."""

    __slots__ = ()

    def __init__(self, name: str, category: int, rank: int, itemsize: int):  # noqa: D107
        self.name = name
        self._category = category
        self._rank = rank
        self.is_floating_point = category == 2
        self.is_complex = False
        self.is_signed = True
        self.itemsize = itemsize

    @property
    def np(self):
        return bf16_np()


bool_ = dtype("bool", np.bool_, 0, 0)
uint8 = dtype("uint8", np.uint8, 1, 0)
int8 = dtype("int8", np.int8, 1, 0)
int16 = dtype("int16", np.int16, 1, 1)
int32 = dtype("int32", np.int32, 1, 2)
int64 = dtype("int64", np.int64, 1, 3)
float16 = dtype("float16", np.float16, 2, 0)
float32 = dtype("float32", np.float32, 2, 1)
float64 = dtype("float64", np.float64, 2, 2)
complex64 = dtype("complex64", np.complex64, 3, 1)
complex128 = dtype("complex128", np.complex128, 3, 2)
# torch's "limited" unsigned types: they hold data and convert, but promote only with floats
uint16 = dtype("uint16", np.uint16, 1, 4)
uint32 = dtype("uint32", np.uint32, 1, 5)
uint64 = dtype("uint64", np.uint64, 1, 6)
bfloat16 = _LazyDtype("bfloat16", 2, 0, 2)  # rank 0 as float16: the two promote to float32
LIMITED_UINTS = (uint16, uint32, uint64)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64, complex64, complex128,
       uint16, uint32, uint64)
_BY_NP = {d.np: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}
# NumPy scalar types and dtypes both map to our dtype (one dict lookup on the hot path).
for _d in ALL:
    _BY_NP[_d.np.type] = _d


_BY_NAME["bfloat16"] = bfloat16


class _BF16:
    """ml_dtypes' bfloat16, once loaded: ``active`` turns on dispatch's bfloat16 path (ops
    compute bfloat16 in float32 and round once, as torch's CPU kernels do)."""

    np = None
    active = False


BF16_EXTRA_MSG = ("chainrule.bfloat16 needs the ml_dtypes package (NumPy has no bfloat16): "
                  "pip install chainrule[bfloat16]")


def bf16_np():
    """NumPy's bfloat16 dtype (ml_dtypes), imported on first use; a clear TypeError when
    ml_dtypes is missing."""
    d = _BF16.np
    if d is None:
        try:
            import ml_dtypes
        except ImportError:
            raise TypeError(BF16_EXTRA_MSG) from None
        d = _BF16.np = np.dtype(ml_dtypes.bfloat16)
        _BY_NP[d] = bfloat16
        _BY_NP[d.type] = bfloat16
        _BF16.active = True
    return d


def bf16_available() -> bool:
    """Whether ml_dtypes can be imported (importing it the first time this is asked)."""
    try:
        bf16_np()
    except TypeError:
        return False
    return True


def is_bf16(np_dtype) -> bool:
    """Whether a NumPy dtype is ml_dtypes' bfloat16 (False before ml_dtypes is loaded)."""
    return _BF16.np is not None and np_dtype == _BF16.np


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """Our dtype for a NumPy dtype; raises TypeError for types torch has no name for."""
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        pass
    try:
        return _BY_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        if getattr(np_dtype, "__name__", str(np_dtype)) == "bfloat16" and _BF16.np is None:
            bf16_np()  # an ml_dtypes bfloat16 array met before chainrule.bfloat16 was used
            return from_numpy_dtype(np_dtype)
        raise TypeError(
            f"can't convert np.ndarray of type {_numpy_type_name(np_dtype)}. The only "
            "supported types are: float64, float32, float16, complex64, complex128, int64, "
            "int32, int16, int8, uint64, uint32, uint16, uint8, and bool.") from None


def _numpy_type_name(np_dtype) -> str:
    try:
        return f"numpy.{np.dtype(np_dtype).type.__name__}"
    except TypeError:
        return str(np_dtype)


def to_dtype(value) -> dtype:
    """Accept a chainrule dtype, a NumPy dtype/type, or a Python type (float, int, bool)."""
    if isinstance(value, dtype):
        return value
    if value is float:
        return _state.default
    if value is int:
        return int64
    if value is bool:
        return bool_
    if value is complex:
        return _state.default.to_complex()
    return from_numpy_dtype(value)


class _DefaultState:
    __slots__ = ("default",)

    def __init__(self):
        self.default = float32


_state = _DefaultState()


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats (float32 unless changed)."""
    return _state.default


def set_default_dtype(d) -> None:
    """Set the default floating dtype (float32 or float64, as torch allows)."""
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _state.default = d


_PROMOTE_CACHE: dict = {}


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: the smallest dtype both ``a`` and ``b`` convert to safely."""
    if a is b:
        return a
    key = (a, b)
    hit = _PROMOTE_CACHE.get(key)
    if hit is not None:
        return hit
    if (a._category == 1 and a._rank > 3) or (b._category == 1 and b._rank > 3):
        _limited_promotion(a, b)  # uint16/32/64 (ranks above int64's)
    if a._category != b._category:
        hi, lo = (a, b) if a._category > b._category else (b, a)
        if hi.is_complex and lo.is_floating_point and lo is float64:
            out = complex128
        else:
            out = hi
    elif a._rank == b._rank == 0 and a._category == 2:  # float16 with bfloat16
        out = float32
    elif a._category == 1 and (a is uint8) != (b is uint8):
        # uint8 with a signed integer: the signed type wide enough for both.
        other = b if a is uint8 else a
        out = int16 if other is int8 else other
    else:
        out = a if a._rank >= b._rank else b
    _PROMOTE_CACHE[key] = out
    return out


def _limited_promotion(a: dtype, b: dtype) -> None:
    """uint16/32/64 promote only with floating types (torch 2.13's rule)."""
    limited = [d for d in (a, b) if d in LIMITED_UINTS]
    other = b if limited[0] is a else a
    if other.is_floating_point:
        return
    raise RuntimeError("Promotion for uint16, uint32, uint64 types is not supported, attempted "
                       f"to promote {type_name(a)} and {type_name(b)}")


def scalar_dtype(value) -> dtype:
    """The dtype a Python scalar takes on its own (torch.tensor(value).dtype)."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, complex):
        return _state.default.to_complex()
    return _state.default


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """torch's combine_categories: a lower-priority class wins only by category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def result_type(dim_dtypes, zero_dim_dtypes, scalars) -> dtype:
    """torch.result_type over three priority classes: dimensioned tensors, zero-dim tensors
    and Python scalars (``scalars`` holds the scalar values themselves)."""
    dim = zero = wrapped = None
    for d in dim_dtypes:
        dim = d if dim is None else promote_types(dim, d)
    for d in zero_dim_dtypes:
        zero = d if zero is None else promote_types(zero, d)
    for s in scalars:
        d = scalar_dtype(s)
        wrapped = d if wrapped is None else promote_types(wrapped, d)
    return _combine(dim, _combine(zero, wrapped))


# ---------------------------------------------------------------------------- scalars
_PY_SCALARS = (bool, int, float, complex)
_INT64_MIN, _UINT64_MAX = -(1 << 63), (1 << 64) - 1


class OperandTypeError(TypeError):
    """An operand that is neither a tensor nor a number. Tensor operators turn it into
    ``NotImplemented`` (so ``t == None`` is False, as in torch); functions raise it."""


def as_scalar(value, where: str = ""):
    """A scalar operand as torch sees it: Python numbers as they are, NumPy scalars as the
    Python number torch converts them to (``np.bool_`` counts as a float in torch), anything
    else refused. ``where`` names the argument for the error (``"add(): argument 'other'
    (position 2)"``)."""
    c = value.__class__
    if c in _PY_SCALARS:
        return value
    if isinstance(value, np.generic):
        if isinstance(value, (np.bool_, np.floating)):
            return float(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.complexfloating):
            return complex(value)
    if isinstance(value, (bool, int, float, complex)):  # subclasses (IntEnum, ...)
        return (bool if isinstance(value, bool) else int if isinstance(value, int) else
                float if isinstance(value, float) else complex)(value)
    raise OperandTypeError(f"{where or 'argument'} must be Tensor, not {py_type_name(value)}")


def py_type_name(value) -> str:
    """A value's type as torch's argument errors name it (``list``, ``numpy.ndarray``)."""
    c = type(value)
    module = c.__module__
    if module == "builtins" or module.startswith("chainrule"):  # torch says "Tensor"
        return c.__qualname__
    return f"{module}.{c.__qualname__}"


# torch's ScalarType names (messages such as '"abs_cpu" not implemented for 'Bool'') and the
# C++ types its checked scalar conversions name.
_TYPE_NAMES = {"bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short",
               "int32": "Int", "int64": "Long", "float16": "Half", "float32": "Float",
               "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble",
               "bfloat16": "BFloat16", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64"}
_C_TYPES = {"bool": "bool", "uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t",
            "int32": "int", "int64": "int64_t", "float16": "c10::Half", "float32": "float",
            "float64": "double", "complex64": "c10::complex<float>",
            "complex128": "c10::complex<double>", "bfloat16": "c10::BFloat16",
            "uint16": "uint16_t", "uint32": "uint32_t",
            "uint64": "uint64_t"}


def type_name(d) -> str:
    """torch's name for a dtype in kernel messages: Float, Long, ComplexDouble ..."""
    return _TYPE_NAMES[(d if isinstance(d, dtype) else _BY_NP[d]).name]


def check_int_range(value: int) -> None:
    """torch reads a Python int as int64 (or uint64 when it is that large)."""
    if not _INT64_MIN <= value <= _UINT64_MAX:
        raise OverflowError("int too big to convert")


def wrap_int(value: int, np_dtype) -> int:
    """A Python int converted to an integer dtype the way torch converts a wrapped scalar:
    two's complement wrap-around (``-3`` is 253 as uint8)."""
    check_int_range(value)
    bits = np_dtype.itemsize * 8
    value &= (1 << bits) - 1
    if np_dtype.kind == "i" and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


_LIMITS: dict = {}


def _limits(np_dtype):
    lim = _LIMITS.get(np_dtype)
    if lim is None:
        if np_dtype.kind in "iu":
            info = np.iinfo(np_dtype)
            lim = (-int(info.max) if np_dtype.kind == "u" else int(info.min), int(info.max))
        else:
            lim = (None, 3.3895313892515355e38 if is_bf16(np_dtype) else
                   float(np.finfo(np_dtype).max))
        lim = _LIMITS[np_dtype] = lim
    return lim


def checked_scalar(value, np_dtype):
    """A scalar converted to ``np_dtype`` the way torch's checked conversion does (clamp
    bounds, where's scalars, pow's exponent, fill values): a value out of range raises,
    except that a negative int within range wraps into an unsigned type."""
    kind = np_dtype.kind
    c = value.__class__
    if kind in "iu" and c is int:
        check_int_range(value)
        lo, hi = _limits(np_dtype)
        if lo <= value <= hi:
            return wrap_int(value, np_dtype) if value < 0 and kind == "u" else value
    elif (kind == "f" or is_bf16(np_dtype)) and (c is float or c is int):
        v = abs(value)
        if v <= _limits(np_dtype)[1] or v != v or v == float("inf"):
            return value
    else:
        return value
    raise RuntimeError(f"value cannot be converted to type {_C_TYPES[_BY_NP[np_dtype].name]} "
                       "without overflow")
