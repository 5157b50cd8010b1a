"""Tensor methods beyond the ops: devices and dtype conversion (``to``, ``cpu``, ``cuda``,
``type``), storages, ``new_*`` factories, ``resize_``, formatting, element-wise Python
callbacks (``apply_``, ``map_``), and the ``is_*`` device flags. Attached to Tensor on
import, as the op modules attach theirs.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from . import _dtypes
from ._device import (
    META,
    channels_last,
    channels_last_3d,
    contiguous_format,
    device,
    memory_format,
    preserve_format,
    resolve,
    strided,
)
from ._factory import (
    check_expand,
    check_options,
    dtype_arg,
    make,
    on_device,
    parse_size,
    torch_type_name,
)
from ._legacy import dtype_from_type_name, legacy_new, type_name
from ._meta import NO_DATA, MetaArray, meta_array
from ._tensor import Tensor
from .autograd.grad_mode import _tls
from .storage import owner_of, storage_of, typed_storage_of

__all__ = ["to", "type_", "is_floating_point", "is_complex", "is_nonzero", "numel",
           "typename", "get_device"]

_TO_SIGNATURES = (
    "\n * (torch.device device = None, torch.dtype dtype = None, bool non_blocking = False, "
    "bool copy = False, *, torch.memory_format memory_format = None)"
    "\n * (torch.dtype dtype, bool non_blocking = False, bool copy = False, *, "
    "torch.memory_format memory_format = None)"
    "\n * (Tensor tensor, bool non_blocking = False, bool copy = False, *, "
    "torch.memory_format memory_format = None)\n")
_PY_TYPES = (float, int, bool, complex)


def _cast(t: Tensor, dtype) -> Tensor:
    """``t`` converted to ``dtype`` inside the graph (ToCopyBackward0), or ``t`` itself."""
    if t._data.dtype == dtype.np:
        return t
    from .ops._registry import OPS, dispatch
    return dispatch(OPS["_to_copy"], (t,), {"dtype": dtype})


def _is_device(a) -> bool:
    return isinstance(a, (str, device)) or (isinstance(a, int) and not isinstance(a, bool))


def _is_dtype(a) -> bool:
    return isinstance(a, _dtypes.dtype) or a in _PY_TYPES


def _bad_to(args, kwargs):
    got = ", ".join([torch_type_name(a) for a in args] +
                    [f"{k}={torch_type_name(v)}" for k, v in kwargs.items()])
    return TypeError(f"to() received an invalid combination of arguments - got ({got}"
                     f"{', ' if kwargs and not args else ''}), but expected one of:" +
                     _TO_SIGNATURES)


def _to_args(args, kwargs):
    """(device, dtype, copy, memory_format) from torch's three ``to`` overloads."""
    extra = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format",
                           "tensor"}
    if extra:
        raise _bad_to(args, kwargs)
    kw = dict(kwargs)
    dev = kw.pop("device", None)
    dtype = kw.pop("dtype", None)
    other = kw.pop("tensor", None)
    flags = []
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        other = rest.pop(0)
    elif rest and rest[0] is not None and _is_dtype(rest[0]):
        dtype = rest.pop(0)
    elif rest and (rest[0] is None or _is_device(rest[0])):
        dev = rest.pop(0)
        if rest and (rest[0] is None or _is_dtype(rest[0])) and not isinstance(rest[0], bool):
            dtype = rest.pop(0)
    flags = rest
    if len(flags) > 2 or not all(isinstance(f, bool) for f in flags) or (
            other is not None and (dev is not None or dtype is not None)):
        raise _bad_to(args, kwargs)
    copy = kw.pop("copy", flags[1] if len(flags) > 1 else False)
    kw.pop("non_blocking", None)
    fmt = kw.pop("memory_format", None)
    if other is not None:
        dtype = other.dtype
    if dtype is not None and not isinstance(dtype, _dtypes.dtype):
        dtype = dtype_arg("to", dtype)
    if fmt is not None and not isinstance(fmt, memory_format):
        raise _bad_to(args, kwargs)
    return dev, dtype, bool(copy), fmt


def to(self, *args, **kwargs) -> Tensor:
    """A tensor with the requested device/dtype/memory format: ``to(dtype)``,
    ``to(device, dtype)``, ``to(other)``; this tensor itself when nothing changes, unless
    ``copy=True``. ``meta`` moves to the meta device; other devices raise torch's CPU-build
    error."""
    dev, dtype, copy, fmt = _to_args(args, kwargs)
    if dev is not None:
        dev = resolve(dev, meta=True)
        if dev is not self.device:
            return _to_device(self, dev, dtype)
    data = self._data
    if fmt is channels_last or fmt is channels_last_3d:
        rank = 4 if fmt is channels_last else 5
        if data.ndim != rank:
            raise RuntimeError(f"required rank {rank} tensor to use {fmt._name} format")
        from ._creation import _with_format
        arranged = _with_format(data, fmt)
        if arranged.strides != data.strides:
            out = _copy(self, dtype or self.dtype)
            out._data = _with_format(out._data, fmt)
            return out
    if fmt is contiguous_format and _channels_last(data):
        out = _copy(self, dtype or self.dtype)
        out._data = np.ascontiguousarray(out._data)
        return out
    if dtype is None or dtype.np == data.dtype:
        return _copy(self, self.dtype) if copy else self
    return _cast(self, dtype)


def _channels_last(data) -> bool:
    """True for a 4-d (5-d) array laid out channels-last: the one layout torch's ``to``
    changes back for ``memory_format=torch.contiguous_format``."""
    if data.ndim not in (4, 5) or data.flags.c_contiguous:
        return False
    from ._creation import _with_format
    fmt = channels_last if data.ndim == 4 else channels_last_3d
    return _with_format(data, fmt).strides == data.strides


def _copy(t: Tensor, dtype) -> Tensor:
    """A copy converted to ``dtype``, recorded as torch records ``to(copy=True)``."""
    from .ops._registry import OPS, dispatch
    return dispatch(OPS["_to_copy"], (t,), {"dtype": dtype}) if t._rg and _tls.grad_enabled \
        else Tensor._make(t._data.astype(dtype.np, copy=True))


def _to_device(t: Tensor, dev, dtype) -> Tensor:
    """``t`` moved between the CPU and the meta device (a copy, recorded as torch's
    ``_to_copy``): to meta it keeps its shape and dtype; no data comes out of a meta tensor."""
    if t.is_meta:
        raise NotImplementedError(NO_DATA)
    dtype = dtype or t.dtype
    if not (t._rg and _tls.grad_enabled):
        return Tensor._make(meta_array(t._data.shape, dtype.np))
    out = _copy(t, dtype)
    out._data = meta_array(out._data.shape, out._data.dtype)
    return out


def cpu_(self, memory_format=preserve_format) -> Tensor:
    """This tensor (it already lives on the CPU; a meta tensor has no data to copy)."""
    if self.is_meta:
        raise NotImplementedError(NO_DATA)
    return self


def cuda(self, device=None, non_blocking=False, memory_format=preserve_format) -> Tensor:
    """Copy to a CUDA device: chainrule has none, so this raises torch's CPU-build error."""
    if isinstance(device, int) and not isinstance(device, bool):
        raise RuntimeError("Cannot access accelerator device when none is available.")
    raise AssertionError("Torch not compiled with CUDA enabled")


def xpu(self, device=None, non_blocking=False, memory_format=preserve_format) -> Tensor:
    raise AssertionError("Torch not compiled with XPU enabled")


def ipu(self, device=None, non_blocking=False, memory_format=preserve_format) -> Tensor:
    raise RuntimeError("PyTorch is not linked with support for ipu devices")


def type_(self, dtype=None, non_blocking=False, **kwargs):
    """``t.type()`` is the legacy type name ('torch.FloatTensor'); ``t.type(T)`` converts
    to the dtype of ``T`` (a dtype, a legacy type such as ``torch.DoubleTensor``, or its
    name)."""
    if dtype is None:
        return "torch." + type_name(self.dtype)
    if isinstance(dtype, str):
        if dtype.startswith("torch.cuda."):
            raise RuntimeError("Cannot initialize CUDA without ATen_cuda library. PyTorch "
                               "splits its backend into two shared libraries: a CPU library "
                               "and a CUDA library; this error has occurred because you are "
                               "trying to use some CUDA functionality, but the CUDA library "
                               "has not been loaded by the dynamic linker for some reason.")
        target = dtype_from_type_name(dtype)
        if target is None:
            raise ValueError(f"invalid type: '{dtype}'")
    elif isinstance(dtype, _dtypes.dtype):
        target = dtype
    elif isinstance(dtype, type) and hasattr(dtype, "dtype") and hasattr(dtype, "is_cuda"):
        if dtype.is_cuda:
            return type_(self, "torch.cuda." + dtype.__name__)
        target = dtype.dtype
    else:
        raise TypeError("dtype must be a type, str, or dtype object")
    return _cast(self, target)


def __format__(self, spec: str) -> str:
    """torch's: a 0-d tensor formats as its Python number (``f"{loss:.3f}"``); any other
    tensor only with an empty format spec."""
    if self._data.ndim == 0 and type(self) is Tensor:
        return format(self._data.item(), spec)
    return object.__format__(self, spec)


# ---------------------------------------------------------------------------- storage
def untyped_storage(self):
    """The bytes under this tensor; equal ``data_ptr()`` across views of one tensor."""
    return storage_of(self)


def storage(self):
    """The typed storage under this tensor (deprecated in torch; warns once)."""
    return typed_storage_of(self)


def _typed_storage(self):
    return typed_storage_of(self, warn=False)


def storage_offset(self) -> int:
    """Elements from the start of the storage to this tensor's first element."""
    return (self.data_ptr() - storage_of(self).data_ptr()) // self._data.itemsize


def is_set_to(self, tensor) -> bool:
    """True when both tensors view the same memory with the same shape and strides."""
    a, b = self._data.__array_interface__, tensor._data.__array_interface__
    return (a["data"][0] == b["data"][0] and self._data.shape == tensor._data.shape and
            self._data.strides == tensor._data.strides and self._data.dtype ==
            tensor._data.dtype)


def resize_(self, *sizes, memory_format=None) -> Tensor:
    """Give this tensor a new shape over its storage (contiguous strides); elements past
    the storage's end come from new memory (zeros), as torch grows a storage."""
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    if any(isinstance(s, int) and not isinstance(s, bool) and s < 0 for s in sizes):
        raise RuntimeError("numel: integer multiplication overflow")
    shape = parse_size("resize_", sizes)
    n = math.prod(shape)
    data = self._data
    if data.__class__ is MetaArray:
        self._data = meta_array(shape, data.dtype)
        return _apply_format(self, memory_format)
    flat = owner_of(data)
    if flat.flags.c_contiguous and flat.dtype == data.dtype:
        elements = flat.reshape(-1)
        offset = (self.data_ptr() - elements.__array_interface__["data"][0]) // data.itemsize
        if 0 <= offset and offset + n <= elements.size:
            self._data = elements[offset: offset + n].reshape(shape)
            return _apply_format(self, memory_format)
        old = elements[max(offset, 0):]
    else:
        old = np.ascontiguousarray(data).reshape(-1)
    grown = np.zeros(n, dtype=data.dtype)
    keep = min(n, old.size)
    grown[:keep] = old[:keep]
    self._data = grown.reshape(shape)
    return _apply_format(self, memory_format)


def _apply_format(t: Tensor, fmt) -> Tensor:
    if fmt is channels_last or fmt is channels_last_3d:
        from ._creation import _with_format
        t._data = _with_format(t._data, fmt, "resize_")
    return t


def resize_as_(self, the_template, memory_format=None) -> Tensor:
    """``resize_`` to the shape of ``the_template``."""
    return resize_(self, tuple(the_template._data.shape), memory_format=memory_format)


def is_same_size(self, other) -> bool:
    return self._data.shape == other._data.shape


def dim_order(self, *, ambiguity_check=False) -> tuple:
    """The dims from the outermost to the innermost in memory (by stride)."""
    if not isinstance(ambiguity_check, (bool, list)):
        raise TypeError("The ambiguity_check argument must be a bool or a list of memory "
                        "formats.")
    strides = self.stride()
    order = tuple(sorted(range(len(strides)), key=lambda d: -strides[d]))
    if ambiguity_check:
        sizes = self._data.shape
        relevant = [strides[d] for d in range(len(strides)) if sizes[d] != 1]
        if len(set(relevant)) != len(relevant):
            raise RuntimeError("The tensor does not have unique dim order, or cannot map to "
                               "exact one of the given memory formats.")
    return order


# ---------------------------------------------------------------------------- new_*
def _new_dtype(self, fname, dtype):
    dtype = dtype_arg(fname, dtype)
    return self.dtype if dtype is None else dtype


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False) -> Tensor:
    """A new leaf tensor from ``data`` with this tensor's dtype (unless ``dtype``)."""
    from ._tensor_new import tensor
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        data = data.detach().numpy().copy()
    return tensor(data, dtype=_new_dtype(self, "new_tensor", dtype),
                  device=self.device if device is None else device,
                  requires_grad=requires_grad, pin_memory=pin_memory)


def _new_filled(fname, fill):
    def method(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False, **kw):
        size_kw = kw.pop("size", None)
        if kw:
            raise TypeError(f"{fname}() got an unexpected keyword argument '{next(iter(kw))}'")
        dtype = _new_dtype(self, fname, dtype)
        # torch's new_* make the tensor on this tensor's device unless ``device`` is given
        dev = check_options(fname, device if device is not None else self.device,
                            requires_grad, pin_memory, layout)
        shape = parse_size(fname, size, size_kw)
        maker = np.ones if fill and dev is not META else np.zeros
        return make(on_device(maker(shape, dtype=dtype.np), dev), requires_grad)
    method.__name__ = fname
    method.__doc__ = (f"A tensor of {'ones' if fill else 'zeros'} with this tensor's dtype "
                      "(unless ``dtype``).")
    return method


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False) -> Tensor:
    """``full(size, fill_value)`` with this tensor's dtype (unless ``dtype``)."""
    from ._creation import full
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{torch_type_name(size)}")
    return full(size, fill_value, dtype=_new_dtype(self, "new_full", dtype),
                device=self.device if device is None else device,
                requires_grad=requires_grad, layout=layout, pin_memory=pin_memory)


def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False,
                      layout=None, pin_memory=False) -> Tensor:
    from ._creation import empty_strided
    return empty_strided(size, stride, dtype=_new_dtype(self, "new_empty_strided", dtype),
                         device=device, requires_grad=requires_grad, layout=layout,
                         pin_memory=pin_memory)


def new(self, *args, **kwargs) -> Tensor:
    """The legacy constructor with this tensor's dtype: ``x.new(2, 3)``, ``x.new(data)``."""
    return legacy_new(self.dtype, args, kwargs)


# ---------------------------------------------------------------------------- python callbacks
def _no_grad_callback(t: Tensor, name: str) -> None:
    if t._rg:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use "
                           f"var.detach().{name}() instead.")


def _store_elementwise(self, values) -> Tensor:
    data = self._data
    cast = float if data.dtype.kind in "fV" else (bool if data.dtype.kind == "b" else (
        complex if data.dtype.kind == "c" else int))
    out = np.array([cast(v) for v in values], dtype=data.dtype).reshape(data.shape)
    data[...] = out
    self._bump_version()
    return self


def apply_(self, callable) -> Tensor:  # noqa: A002 - torch's parameter name
    """Replace each element ``v`` with ``callable(v)`` (Python numbers; slow, CPU only)."""
    _no_grad_callback(self, "apply_")
    return _store_elementwise(self, [callable(v) for v in self._data.reshape(-1).tolist()])


def map_(self, tensor, callable) -> Tensor:  # noqa: A002
    """Replace each element ``a`` with ``callable(a, b)``, ``b`` from ``tensor`` broadcast
    to this tensor's shape."""
    _no_grad_callback(self, "map_")
    check_expand(tensor, self._data.shape)
    other = np.broadcast_to(tensor._data, self._data.shape).reshape(-1).tolist()
    return _store_elementwise(self, [callable(a, b) for a, b in
                                     zip(self._data.reshape(-1).tolist(), other)])


def map2_(self, x, y, callable) -> Tensor:  # noqa: A002
    """``map_`` with two tensors: ``callable(a, b, c)``."""
    _no_grad_callback(self, "map2_")
    shape = self._data.shape
    check_expand(x, shape)
    check_expand(y, shape)
    xs = np.broadcast_to(x._data, shape).reshape(-1).tolist()
    ys = np.broadcast_to(y._data, shape).reshape(-1).tolist()
    return _store_elementwise(self, [callable(a, b, c) for a, b, c in
                                     zip(self._data.reshape(-1).tolist(), xs, ys)])


# ---------------------------------------------------------------------------- memory
def pin_memory(self, device=None) -> Tensor:
    raise RuntimeError("Cannot access accelerator device when none is available.")


def is_pinned(self, device=None) -> bool:
    return False


def share_memory_(self) -> Tensor:
    """Mark the tensor shared (chainrule has one process's memory: a placeholder that makes
    ``is_shared()`` answer as torch's does)."""
    self._shared = True
    return self


def is_shared(self) -> bool:
    return self._shared


def _get_device(self) -> int:
    """-1: the CPU (a CUDA tensor would give its index)."""
    return -1


_FALSE_FLAGS = ("is_mps", "is_xpu", "is_sparse", "is_sparse_csr", "is_quantized",
                "is_mkldnn", "is_vulkan", "is_nested", "is_ipu", "is_maia", "is_mtia",
                "is_xla")


def _attach() -> None:
    methods = {
        "to": to, "cpu": cpu_, "cuda": cuda, "xpu": xpu, "ipu": ipu, "type": type_,
        "__format__": __format__, "untyped_storage": untyped_storage, "storage": storage,
        "_typed_storage": _typed_storage, "is_set_to": is_set_to, "resize_": resize_,
        "resize_as_": resize_as_, "is_same_size": is_same_size, "dim_order": dim_order,
        "new_tensor": new_tensor, "new_full": new_full, "new_empty_strided": new_empty_strided,
        "new": new, "apply_": apply_, "map_": map_, "map2_": map2_, "pin_memory": pin_memory,
        "is_pinned": is_pinned, "share_memory_": share_memory_, "is_shared": is_shared,
        "get_device": _get_device,
    }
    for name, fill in (("new_zeros", 0), ("new_ones", 1), ("new_empty", 0)):
        methods[name] = _new_filled(name, fill)
    if "storage_offset" not in Tensor.__dict__:  # another module may already define it
        methods["storage_offset"] = storage_offset
    for name, fn in methods.items():
        setattr(Tensor, name, fn)
    Tensor._shared = False
    for flag in _FALSE_FLAGS:
        setattr(Tensor, flag, property(lambda self: False))
    Tensor.layout = property(lambda self: strided, doc="torch.strided: dense tensors only.")
    Tensor.nbytes = property(lambda self: self._data.size * self._data.itemsize,
                             doc="Bytes of this tensor's elements.")
    Tensor.itemsize = property(lambda self: self._data.itemsize,
                               doc="Bytes of one element.")
    Tensor.__new__ = staticmethod(_tensor_new)


def _tensor_new(cls, *args, **kwargs):
    """``torch.Tensor(...)``: the legacy constructor of the default dtype (a tensor passed
    in is returned as an alias, whatever its dtype, as torch does)."""
    out = legacy_new(_dtypes.get_default_dtype(), args, kwargs, any_tensor=True)
    if cls is not Tensor:
        out.__class__ = cls
    return out


# ---------------------------------------------------------------------------- torch.*
def _tensor_arg(fname, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, not "
                        f"{torch_type_name(value)}")


def is_floating_point(input) -> bool:
    """True for a tensor of a floating dtype."""
    _tensor_arg("is_floating_point", input)
    return input._data.dtype.kind in "fV"


def is_complex(input) -> bool:
    """True for a tensor of a complex dtype."""
    _tensor_arg("is_complex", input)
    return input._data.dtype.kind == "c"


def is_nonzero(input) -> bool:
    """The truth of a one-element tensor."""
    _tensor_arg("is_nonzero", input)
    n = input._data.size
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._data.reshape(()).item())


def numel(input) -> int:
    """The number of elements of a tensor."""
    _tensor_arg("numel", input)
    return input._data.size


def get_device(input) -> int:
    """-1 for a CPU tensor."""
    _tensor_arg("get_device", input)
    return -1


def typename(obj) -> str:
    """'torch.FloatTensor' for a tensor, else the object's qualified type name."""
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    qualname = ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = obj.__class__.__module__ or ""
        qualname = obj.__class__.__qualname__
    return qualname if module in ("", "builtins") else f"{module}.{qualname}"


_attach()
