"""Storages: the memory under tensors (``t.untyped_storage()``, ``t.storage()``).

A storage is the block of memory a NumPy array owns. Every view of a tensor (and its
``detach()``, ``.data``) reports the same storage, so ``untyped_storage().data_ptr()`` is
equal across them, as in torch. Reading and writing a storage's elements reads and writes
the tensors over it.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import _dtypes

__all__ = ["UntypedStorage", "TypedStorage", "storage_of", "is_storage"]

_TYPED_WARNING = ("TypedStorage is deprecated. It will be removed in the future and "
                  "UntypedStorage will be the only storage class. This should only matter to "
                  "you if you are using storages directly.  To access UntypedStorage directly, "
                  "use tensor.untyped_storage() instead of tensor.storage()")
_warned = []


def owner_of(array):
    """The array that owns the memory under ``array`` (NumPy's base chain)."""
    owner = array
    while True:
        base = owner.base
        if not isinstance(base, np.ndarray):  # as_strided wraps its base in a DummyArray
            base = getattr(base, "base", None)
            if not isinstance(base, np.ndarray):
                return owner
        owner = base


def _bytes_of(owner):
    """A flat uint8 view of all of ``owner``'s memory (a snapshot copy only for an owner
    that is not contiguous, which NumPy makes only over foreign buffers)."""
    if owner.flags.c_contiguous:
        return owner.reshape(-1).view(np.uint8)
    if owner.flags.f_contiguous:
        return owner.T.reshape(-1).view(np.uint8)
    return np.ascontiguousarray(owner).reshape(-1).view(np.uint8)


def _span(array):
    """(lowest address, bytes spanned) of an array's elements."""
    ptr = array.__array_interface__["data"][0]
    low = high = 0
    for n, s in zip(array.shape, array.strides):
        if n == 0:
            return ptr, 0
        if s < 0:
            low += (n - 1) * s
        else:
            high += (n - 1) * s
    return ptr + low, high - low + array.itemsize


class UntypedStorage:
    """Bytes of memory: ``data_ptr()``, ``nbytes()``, ``size()``, indexing by byte."""

    __slots__ = ("_bytes", "_ptr", "_owner", "_tensor")

    def __init__(self, *args, device=None):
        size = int(args[0]) if args else 0
        data = np.zeros(size, dtype=np.uint8)
        self._set(data, None)

    @classmethod
    def _over(cls, owner, tensor=None) -> "UntypedStorage":
        s = cls.__new__(cls)
        s._set(owner, tensor)
        return s

    @classmethod
    def _of_bytes(cls, raw) -> "UntypedStorage":
        s = cls.__new__(cls)
        s._owner, s._bytes, s._tensor = raw, raw, None
        s._ptr = raw.__array_interface__["data"][0]
        return s

    def _set(self, owner, tensor) -> None:
        self._owner = owner
        self._bytes = _bytes_of(owner)
        self._ptr = _span(owner)[0] if owner.size else owner.__array_interface__["data"][0]
        self._tensor = tensor

    def data_ptr(self) -> int:
        return self._ptr

    def nbytes(self) -> int:
        return int(self._bytes.size)

    def size(self) -> int:
        return self.nbytes()

    def __len__(self) -> int:
        return self.nbytes()

    def element_size(self) -> int:
        return 1

    @property
    def device(self):
        from ._device import cpu
        return cpu

    @property
    def is_cuda(self) -> bool:
        return False

    def __getitem__(self, index):
        if isinstance(index, slice):  # a storage over those bytes (memory shared)
            return UntypedStorage._of_bytes(self._bytes[index])
        return int(self._bytes[index])

    def __setitem__(self, index, value) -> None:
        self._bytes[index] = value

    def tolist(self) -> list:
        return self._bytes.tolist()

    def fill_(self, value) -> "UntypedStorage":
        self._bytes[...] = value
        return self

    def is_shared(self) -> bool:
        return bool(self._tensor is not None and self._tensor._shared)

    def share_memory_(self) -> "UntypedStorage":
        if self._tensor is not None:
            self._tensor._shared = True
        return self

    def is_pinned(self, device=None) -> bool:
        return False

    def cpu(self) -> "UntypedStorage":
        return self

    def untyped(self) -> "UntypedStorage":
        return self

    def type(self) -> str:  # noqa: A003
        return "torch.storage.UntypedStorage"

    def __repr__(self) -> str:
        body = "\n".join(f" {v}" for v in self._bytes.tolist())
        head = f"{body}\n" if body else ""
        return f"{head}[torch.storage.UntypedStorage(device=cpu) of size {self.nbytes()}]"


class TypedStorage:
    """A storage read as elements of one dtype (deprecated in torch, kept for old code)."""

    __slots__ = ("_untyped", "dtype")

    def __init__(self, untyped: UntypedStorage, dtype):
        self._untyped = untyped
        self.dtype = dtype

    def _elements(self):
        raw = self._untyped._bytes
        return raw[: raw.size - raw.size % self.dtype.itemsize].view(self.dtype.np)

    def data_ptr(self) -> int:
        return self._untyped.data_ptr()

    def size(self) -> int:
        return self._untyped.nbytes() // self.dtype.itemsize

    def __len__(self) -> int:
        return self.size()

    def element_size(self) -> int:
        return self.dtype.itemsize

    def nbytes(self) -> int:
        return self._untyped.nbytes()

    @property
    def device(self):
        return self._untyped.device

    @property
    def is_cuda(self) -> bool:
        return False

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self.size())
            if step != 1:
                raise RuntimeError("slices with steps are not supported by storages")
            item = self.dtype.itemsize
            return TypedStorage(self._untyped[start * item: stop * item], self.dtype)
        return self._elements()[index].tolist()

    def __setitem__(self, index, value) -> None:
        self._elements()[index] = value

    def tolist(self) -> list:
        return self._elements().tolist()

    def fill_(self, value) -> "TypedStorage":
        self._elements()[...] = value
        return self

    def untyped(self) -> UntypedStorage:
        return self._untyped

    def _untyped_storage(self) -> UntypedStorage:
        return self._untyped

    def is_shared(self) -> bool:
        return self._untyped.is_shared()

    def share_memory_(self) -> "TypedStorage":
        self._untyped.share_memory_()
        return self

    def is_pinned(self, device=None) -> bool:
        return False

    def cpu(self) -> "TypedStorage":
        return self

    def type(self) -> str:  # noqa: A003
        from ._legacy import type_name
        return "torch." + type_name(self.dtype).replace("Tensor", "Storage")

    def __repr__(self) -> str:
        body = "\n".join(f" {v}" for v in self.tolist())
        head = f"{body}\n" if body else ""
        return (f"{head}[torch.storage.TypedStorage(dtype={self.dtype!r}, device=cpu) of size "
                f"{self.size()}]")


def storage_of(tensor) -> UntypedStorage:
    """The untyped storage under ``tensor`` (one per owning array)."""
    return UntypedStorage._over(owner_of(tensor._data), tensor)


def typed_storage_of(tensor, warn: bool = True) -> TypedStorage:
    if warn and not _warned:
        _warned.append(True)
        warnings.warn(_TYPED_WARNING, UserWarning, stacklevel=3)
    return TypedStorage(storage_of(tensor), _dtypes._BY_NP[tensor._data.dtype])


def is_storage(obj) -> bool:
    """True for a storage object."""
    return isinstance(obj, (UntypedStorage, TypedStorage))


def _legacy_storage(d):
    """torch's legacy typed-storage class of one dtype (``torch.FloatStorage``): what
    ``Tensor.storage_type()`` returns; ``FloatStorage(n)`` or ``FloatStorage([1, 2])`` makes
    one."""
    def __init__(self, *args, device=None):
        if len(args) == 1 and not isinstance(args[0], int):
            values = np.asarray(args[0], dtype=d.np).reshape(-1)
        else:
            values = np.zeros(int(args[0]) if args else 0, dtype=d.np)
        TypedStorage.__init__(self, UntypedStorage._over(values), d)
    from ._legacy import type_name
    name = type_name(d).replace("Tensor", "Storage")
    return type(name, (TypedStorage,), {"__slots__": (), "__init__": __init__,
                                        "__module__": "chainrule",
                                        "__doc__": f"A legacy storage of {d!r} elements."})


LEGACY_STORAGES = {d: _legacy_storage(d) for d in _dtypes.ALL if d not in _dtypes.LIMITED_UINTS}
LEGACY_STORAGES[_dtypes.bfloat16] = _legacy_storage(_dtypes.bfloat16)  # needs ml_dtypes to fill
