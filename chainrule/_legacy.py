"""torch's legacy tensor types: ``torch.FloatTensor(2, 3)``, ``torch.LongTensor([1, 2])``,
``isinstance(t, torch.FloatTensor)``, ``t.type()`` names, and the legacy ``torch.Tensor(...)``
constructor.

As in torch, these are not subclasses of Tensor: ``FloatTensor(...)`` returns a plain
Tensor of dtype float32, and ``isinstance(t, FloatTensor)`` asks whether ``t`` is a float32
tensor on the CPU. The ``torch.cuda.*Tensor`` types exist and hold nothing.
"""
from __future__ import annotations

from . import _dtypes
from ._factory import parse_size, torch_type_name
from ._tensor import Tensor

__all__ = ["type_name", "dtype_from_type_name", "legacy_new", "LEGACY_TYPES",
           "CUDA_LEGACY_TYPES"]

_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
          "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
          "int16": "ShortTensor",
          "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
          "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor",
          "uint16": "UInt16Tensor", "uint32": "UInt32Tensor", "uint64": "UInt64Tensor"}
_BY_TYPE_NAME = {name: _dtypes._BY_NAME[d] for d, name in _NAMES.items()}
# the C++ names torch prints in TensorOptions mismatches
_OPTION_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
                 "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
                 "int16": "short int",
                 "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
                 "complex64": "c10::complex<float>", "complex128": "c10::complex<double>",
                 "uint16": "short unsigned int", "uint32": "unsigned int",
                 "uint64": "long unsigned int"}
_NEW_SIGNATURES = (
    "\n * (*, torch.device device = None)\n * (torch.Storage storage)\n * (Tensor other)"
    "\n * (tuple of ints size, *, torch.device device = None)"
    "\n * (object data, *, torch.device device = None)\n")


def type_name(dtype) -> str:
    """'FloatTensor' for float32 ... (``t.type()`` prefixes 'torch.')."""
    return _NAMES[dtype.name]


def dtype_from_type_name(name: str):
    """The dtype of 'torch.FloatTensor' (or 'FloatTensor'); None when it names none."""
    short = name[6:] if name.startswith("torch.") else name
    return _BY_TYPE_NAME.get(short)


def _options(dtype) -> str:
    return (f"TensorOptions(dtype={_OPTION_NAMES[dtype.name]}, device=cpu, layout=Strided, "
            "requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


def legacy_new(dtype, args: tuple, kwargs: dict, any_tensor: bool = False) -> Tensor:
    """torch's legacy constructor: ``T()`` (empty), ``T(*sizes)`` / ``T(Size)``
    (uninitialised, here zeros), ``T(sequence or array)`` (data) or ``T(tensor)`` (an alias,
    which must have the type's dtype unless ``any_tensor``)."""
    from ._creation import zeros
    from ._tensor_new import tensor
    device = kwargs.pop("device", None)
    if kwargs:
        got = ", ".join([torch_type_name(a) for a in args] +
                        [f"{k}={torch_type_name(v)}" for k, v in kwargs.items()])
        first, rest = _NEW_SIGNATURES.split("\n * (torch.Storage", 1)
        raise TypeError(f"new() received an invalid combination of arguments - got ({got}), but "
                        f"expected one of:{first}\n      didn't match because some of the "
                        f"keywords were incorrect: {', '.join(kwargs)}\n * (torch.Storage{rest}")
    if device is not None:
        from ._device import resolve
        resolve(device)
    if not args:
        return zeros(0, dtype=dtype)
    first = args[0]
    if len(args) == 1 and isinstance(first, Tensor):
        if not any_tensor and first._data.dtype != dtype.np:
            raise TypeError(f"expected {_options(dtype)} (got {_options(first.dtype)})")
        out = Tensor._make(first._data)
        out._vc = first._version_counter()
        return out
    from ._size import Size
    if all(isinstance(a, int) and not isinstance(a, bool) for a in args) or (
            len(args) == 1 and isinstance(first, Size)):
        return zeros(parse_size("new", args), dtype=dtype)
    if len(args) == 1:
        if isinstance(first, (bool, int, float, complex)) or first is None:
            raise TypeError(f"new(): data must be a sequence (got {type(first).__name__})")
        return tensor(first, dtype=dtype)
    got = ", ".join(torch_type_name(a) for a in args)
    raise TypeError(f"new() received an invalid combination of arguments - got ({got}), but "
                    "expected one of:" + _NEW_SIGNATURES)


class _LegacyMeta(type):
    """``isinstance(t, FloatTensor)``: ``t`` is a CPU tensor of that dtype."""

    def __instancecheck__(cls, obj) -> bool:
        return (not cls.is_cuda and isinstance(obj, Tensor) and
                obj._data.dtype == cls.dtype.np)

    def __subclasscheck__(cls, other) -> bool:
        return other is cls


def _make_type(name: str, dtype, cuda: bool = False):
    def __new__(cls, *args, **kwargs):
        if cls.is_cuda:
            raise TypeError(f"type torch.cuda.{name} not available. Torch not compiled with CUDA "
                            "enabled.")
        return legacy_new(cls.dtype, args, kwargs)
    return _LegacyMeta(name, (), {"__new__": __new__, "dtype": dtype, "is_cuda": cuda,
                                  "is_sparse": False, "__module__": "chainrule.cuda" if cuda
                                  else "chainrule",
                                  "__doc__": f"The legacy {dtype!r} tensor type."})


_LEGACY = ("FloatTensor", "DoubleTensor", "HalfTensor", "BFloat16Tensor", "LongTensor",
           "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor")
LEGACY_TYPES = {name: _make_type(name, _BY_TYPE_NAME[name]) for name in _LEGACY}
CUDA_LEGACY_TYPES = {name: _make_type(name, _BY_TYPE_NAME[name], cuda=True)
                     for name in _LEGACY}
