"""The byte-level half of serialization: the pickler that writes torch's names, the table of
storages a save collects, and the zip archive torch's reader expects (records stored, their
data aligned to 64 bytes), plus the reader for both zip and legacy files."""
from __future__ import annotations

import pickle
import struct
import types
import warnings
import zipfile
from collections import OrderedDict

import numpy as np

from . import _dtypes, _memory
from ._tensor import Tensor

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001

__all__ = ["MAGIC_NUMBER", "PROTOCOL_VERSION", "Storages", "TorchPickler", "ZipReader",
           "write_zip", "legacy_storage_keys_and_data", "fill_legacy_storages", "np_dtype_of"]


# ------------------------------------------------------------------ torch's names
_TORCH_NAMES: dict = {}


def _torch_names() -> dict:
    """id(chainrule object) -> (module, name) that torch gives the same object."""
    if _TORCH_NAMES:
        return _TORCH_NAMES
    from . import _utils
    from ._device import device
    from ._size import Size
    from ._weights_only_unpickler import _get_layout
    from .nn.parameter import Parameter
    from .storage import LEGACY_STORAGES, TypedStorage, UntypedStorage
    table = {Size: ("torch", "Size"), device: ("torch", "device"), Tensor: ("torch", "Tensor"),
             Parameter: ("torch.nn.parameter", "Parameter"),
             UntypedStorage: ("torch.storage", "UntypedStorage"),
             TypedStorage: ("torch.storage", "TypedStorage"),
             _get_layout: ("torch.serialization", "_get_layout"),
             _utils._rebuild_from_type_v2: ("torch._tensor", "_rebuild_from_type_v2")}
    for fn in ("_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3",
               "_rebuild_parameter", "_rebuild_parameter_with_state"):
        table[getattr(_utils, fn)] = ("torch._utils", fn)
    for cls in LEGACY_STORAGES.values():
        table[cls] = ("torch", cls.__name__)
    for d in (*_dtypes.ALL, _dtypes.bfloat16):
        table[d] = ("torch", d.name)
    _TORCH_NAMES.update({id(k): (k, v) for k, v in table.items()})
    return _TORCH_NAMES


class _StorageRef:
    __slots__ = ("pid",)

    def __init__(self, pid):
        self.pid = pid


def _user_state(t: Tensor) -> dict:
    """The Python attributes a user set on a tensor (torch pickles them with the tensor)."""
    d = t.__dict__
    return {k: v for k, v in d.items() if not k.startswith("_") or k == "_is_buffer"}


class Storages:
    """The storages met while pickling, each once: key -> bytes, in first-seen order."""

    def __init__(self):
        self._by_owner: dict = {}   # id(owner) -> (key, owner, dtype, ref)
        self._records: list = []    # (key, flat bytes)

    def keys(self) -> list:
        return [key for key, _ in self._records]

    def records(self) -> list:
        return list(self._records)

    def add(self, arr, legacy: bool):
        """(storage ref, storage offset, size, stride) of ``arr`` in torch's terms."""
        item = arr.itemsize
        owner = _memory.storage_owner(arr)
        start, nbytes = _memory.storage_span(arr)
        ptr = arr.__array_interface__["data"][0]
        expressible = (
            (owner.flags.c_contiguous or owner.flags.f_contiguous)
            and all(s >= 0 and s % item == 0 for s in arr.strides)
            and (ptr - start) % item == 0 and nbytes % item == 0 and owner.nbytes == nbytes)
        if not expressible:
            arr = np.ascontiguousarray(arr)
            owner, start, nbytes, ptr = arr, *_memory.storage_span(arr), \
                arr.__array_interface__["data"][0]
        entry = self._by_owner.get(id(owner))
        if entry is None:
            key = str(len(self._by_owner))
            d = _dtypes._BY_NP[arr.dtype]
            limited = d in _dtypes.LIMITED_UINTS
            numel = nbytes if limited else nbytes // item
            pid = ("storage", _storage_class(d, limited), key, "cpu", numel)
            if legacy:
                pid = (*pid, None)
            entry = (key, owner, arr.dtype, _StorageRef(pid))
            self._by_owner[id(owner)] = entry
            flat = owner.reshape(-1) if owner.flags.c_contiguous else owner.T.reshape(-1)
            self._records.append((key, flat.view(np.uint8) if flat.size else b""))
        elif entry[2] != arr.dtype:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data "
                               "as different types")
        offset = (ptr - start) // item if arr.size else 0
        strides = tuple(s // item for s in arr.strides)
        return entry[3], offset, tuple(arr.shape), strides

    def add_storage(self, storage, legacy: bool):
        """The persistent id of a storage object saved on its own (``t.untyped_storage()``,
        ``t.storage()``)."""
        from .storage import TypedStorage
        typed = isinstance(storage, TypedStorage)
        untyped = storage._untyped if typed else storage
        raw = untyped._bytes
        d = storage.dtype if typed else _dtypes.uint8
        flat = raw[: raw.size - raw.size % d.itemsize].view(d.np)
        ref = self.add(flat, legacy)[0] if flat.size else self.add(flat.copy(), legacy)[0]
        key = ref.pid[2]
        if typed and d not in _dtypes.LIMITED_UINTS:
            return ref.pid
        from .storage import UntypedStorage
        pid = ("storage", UntypedStorage, key, "cpu", raw.size)
        return (*pid, None) if legacy else pid


def _storage_class(d, limited: bool):
    from .storage import LEGACY_STORAGES, UntypedStorage
    return UntypedStorage if limited else LEGACY_STORAGES[d]


class TorchPickler(pickle._Pickler):
    """A pickler writing tensors as torch's rebuild calls over persistent storages, and
    chainrule's dtypes, Size, device and storage classes under torch's names."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol, storages: Storages, legacy: bool = False):
        super().__init__(file, protocol)
        self._storages = storages
        self._legacy = legacy
        self._names = _torch_names()

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            return obj.pid
        from .storage import TypedStorage, UntypedStorage
        if isinstance(obj, (TypedStorage, UntypedStorage)):
            return self._storages.add_storage(obj, self._legacy)
        return None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        from ._device import layout
        if isinstance(obj, layout):
            from ._weights_only_unpickler import _get_layout
            return (_get_layout, (repr(obj),))
        return NotImplemented

    def _reduce_tensor(self, t: Tensor):
        from . import _utils
        from .nn.parameter import Parameter
        hooks = OrderedDict()
        if isinstance(t, Parameter):
            inner = Tensor._make(t._data)
            state = _user_state(t)
            if state:
                return (_utils._rebuild_parameter_with_state, (inner, t._rg, hooks, state))
            return (_utils._rebuild_parameter, (inner, t._rg, hooks))
        ref, offset, size, stride = self._storages.add(t._data, self._legacy)
        d = t.dtype
        if d in _dtypes.LIMITED_UINTS:
            func, args = _utils._rebuild_tensor_v3, (ref, offset, size, stride, t._rg, hooks, d)
        else:
            func, args = _utils._rebuild_tensor_v2, (ref, offset, size, stride, t._rg, hooks)
        state = _user_state(t)
        if state or type(t) is not Tensor:
            return (_utils._rebuild_from_type_v2, (func, type(t), args, state))
        return (func, args)

    def save_global(self, obj, name=None):
        entry = self._names.get(id(obj))
        if entry is None or entry[0] is not obj:
            return super().save_global(obj, name)
        module, qualname = entry[1]
        if self.proto >= 4:
            self.save(module)
            self.save(qualname)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + module.encode() + b"\n" + qualname.encode() + b"\n")
        self.memoize(obj)

    dispatch[_dtypes.dtype] = save_global
    dispatch[type(_dtypes.bfloat16)] = save_global
    dispatch[types.FunctionType] = save_global


# ------------------------------------------------------------------ zip writing
def write_zip(file, archive: str, records) -> None:
    """The records as torch's writer lays out an archive (see ``_zip_writer``)."""
    from ._zip_writer import write_records
    write_records(file, archive, records)


def legacy_storage_keys_and_data(storages: Storages, keys, file) -> None:
    """The legacy format's storage section: per key, its element count then its bytes."""
    records = dict(storages.records())
    for key in keys:
        _key, owner, dtype, ref = next(e for e in storages._by_owner.values() if e[0] == key)
        raw = records[key]
        itemsize = 1 if ref.pid[1].__name__ == "UntypedStorage" else dtype.itemsize
        file.write(struct.pack("<q", len(raw) // itemsize))
        file.write(bytes(raw) if not isinstance(raw, bytes) else raw)


# ------------------------------------------------------------------ reading
def storage_object(arr, storage_type):
    """What a persistent id loads as: torch's TypedStorage over ``arr`` (UntypedStorage for
    an untyped one); tensor rebuilds take the array back out."""
    from .storage import TypedStorage, UntypedStorage
    untyped = UntypedStorage._over(arr)
    if storage_type.name == "UntypedStorage":
        return untyped
    return TypedStorage(untyped, _dtypes._BY_NP[arr.dtype])


def np_dtype_of(storage_type):
    d = storage_type.dtype
    if d.name == "bfloat16" and not isinstance(d, _dtypes.dtype):  # BFloat16Storage
        return _dtypes.bf16_np() if _dtypes.bf16_available() else np.dtype(np.uint16)
    return d.np


def _bfloat16_to_float32(raw):
    return (raw.astype(np.uint32) << 16).view(np.float32)


def _warn_bfloat16(shown: str) -> None:
    warnings.warn(f"ml_dtypes is not installed: the torch.bfloat16 tensors in {shown} were "
                  "loaded as torch.float32 (every bfloat16 value is exactly a float32); "
                  "pip install chainrule[bfloat16] to load them as bfloat16",
                  UserWarning, stacklevel=5)


def _is_bf16(storage_type) -> bool:
    """A BFloat16Storage read as float32 (ml_dtypes is missing)."""
    d = storage_type.dtype
    return (d.name == "bfloat16" and not isinstance(d, _dtypes.dtype) and
            not _dtypes.bf16_available())


class ZipReader:
    """The records of a torch zip checkpoint."""

    def __init__(self, file, shown: str, mmap_path):
        self.shown = shown
        self._file = file
        self._warned = False
        try:
            self.zf = zipfile.ZipFile(file)
            names = self.zf.namelist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
            raise RuntimeError(f"PytorchStreamReader failed reading zip archive: failed finding "
                               f"central directory: {shown} is truncated or corrupt "
                               f"({e})") from None
        pkl = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if not pkl:
            if any(n.endswith("constants.pkl") for n in names):
                raise RuntimeError(f"{shown} is a TorchScript archive (torch.jit.save); chainrule "
                                   "cannot load TorchScript programs")
            raise RuntimeError(f"{shown} is a zip archive but not a checkpoint: it has no "
                               "data.pkl record")
        self.prefix = pkl[0][: -len("data.pkl")]
        if f"{self.prefix}constants.pkl" in names:
            raise RuntimeError(f"{shown} is a TorchScript archive (torch.jit.save); chainrule "
                               "cannot load TorchScript programs")
        order = self._optional("byteorder")
        if order not in (None, b"little", b"big"):
            raise ValueError("Unknown endianness type: " + order.decode(errors="replace"))
        self.big_endian = order == b"big"
        self._mm = None
        if mmap_path is not None:
            import mmap
            with open(mmap_path, "rb") as fh:
                self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)

    def _record(self, name: str) -> bytes:
        try:
            return self.zf.read(self.prefix + name)
        except KeyError:
            raise RuntimeError(f"{self.shown} is corrupt: it has no record {name!r}") from None
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as e:
            raise RuntimeError(f"{self.shown} is corrupt: record {name!r} cannot be read "
                               f"({e})") from None

    def _optional(self, name: str):
        if self.prefix + name not in self.zf.NameToInfo:
            return None
        return self._record(name)

    def data_pkl(self) -> bytes:
        return self._record("data.pkl")

    def read_storage(self, storage_type, key: str, numel: int):
        dtype = np_dtype_of(storage_type)
        name = f"data/{key}"
        try:
            info = self.zf.getinfo(self.prefix + name)
        except KeyError:
            raise RuntimeError(f"{self.shown} is corrupt: it has no record {name!r}") from None
        if numel < 0 or info.file_size != numel * dtype.itemsize:
            raise RuntimeError(f"{self.shown} is corrupt: record {name!r} holds "
                               f"{info.file_size} bytes, its storage needs "
                               f"{numel * dtype.itemsize}")
        if self._mm is not None and info.compress_type == zipfile.ZIP_STORED:
            arr = np.frombuffer(self._mm, dtype=dtype, count=numel, offset=self._data_offset(info))
        else:
            arr = np.empty(numel, dtype=dtype)
            self._read_into(info, name, arr.view(np.uint8) if arr.size else arr)
        if self.big_endian and dtype.itemsize > 1:
            arr = arr.byteswap()
        if _is_bf16(storage_type):
            if not self._warned:
                self._warned = True
                _warn_bfloat16(self.shown)
            arr = _bfloat16_to_float32(arr)
        return arr

    def _data_offset(self, info) -> int:
        head = self._mm[info.header_offset: info.header_offset + 30]
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise RuntimeError(f"{self.shown} is corrupt: bad local header for "
                               f"{info.filename!r}")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        return info.header_offset + 30 + name_len + extra_len

    def _read_into(self, info, name, out) -> None:
        if out.size == 0:
            return
        view = memoryview(out)
        done = 0
        try:
            with self.zf.open(info) as src:
                while done < len(view):
                    n = src.readinto(view[done:])
                    if not n:
                        break
                    done += n
                src.read(1)  # reach the end, so the CRC is checked
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as e:
            raise RuntimeError(f"{self.shown} is corrupt: record {name!r} cannot be read "
                               f"({e})") from None
        if done != len(view):
            raise RuntimeError(f"{self.shown} is truncated: record {name!r} is short")

    def finish(self) -> None:
        self.zf.close()


def fill_legacy_storages(f, shown: str, keys, pending: dict, loaded: dict) -> None:
    """Read the legacy format's storage section into the arrays the pickle referenced."""
    if not isinstance(keys, list):
        raise pickle.UnpicklingError(f"{shown} is corrupt: bad storage key list")
    for key in keys:
        if key not in pending:
            raise pickle.UnpicklingError(f"{shown} is corrupt: storage {key!r} is not used")
        arr, storage_type = pending[key]
        head = f.read(8)
        if len(head) != 8:
            raise EOFError(f"storage {key!r} is missing")
        (numel,) = struct.unpack("<q", head)
        if numel != arr.size:
            raise pickle.UnpicklingError(f"{shown} is corrupt: storage {key!r} holds {numel} "
                                         f"elements, its tensors need {arr.size}")
        raw = f.read(arr.nbytes)
        if len(raw) != arr.nbytes:
            raise EOFError(f"storage {key!r} is truncated")
        if arr.size:
            arr.view(np.uint8)[:] = np.frombuffer(raw, dtype=np.uint8)
        target = loaded.get(key)
        if target is not None and target is not arr and _is_bf16(storage_type):
            target[:] = _bfloat16_to_float32(arr)
