"""``chainrule.save`` / ``chainrule.load`` in PyTorch's own file format (torch.serialization).

A file is the zip archive ``torch.save`` writes: ``<name>/data.pkl`` (the pickled object,
protocol 2, each tensor a ``torch._utils._rebuild_tensor_v2`` call whose storage is a
persistent id ``('storage', torch.FloatStorage, key, 'cpu', numel)``), the raw
little-endian bytes of each storage at ``<name>/data/<key>`` aligned to 64 bytes, and the
``.format_version``, ``.storage_alignment``, ``byteorder``, ``version`` and
``.data/serialization_id`` records. Views keep their storage offset and strides, so tensors
that shared memory when saved share it after loading, in both libraries. The pickle names
torch's paths, so a chainrule file loads with ``torch.load(weights_only=True)`` and a torch
file loads here without torch installed. The legacy (pre-1.6) stream format loads, and is
written with ``_use_new_zipfile_serialization=False``.

``load`` is weights-only by default, as in torch 2.6+: the restricted unpickler
(``_weights_only_unpickler``) builds tensors, containers, numbers and strings and nothing
a file names unless it was allowed with ``add_safe_globals`` / ``safe_globals``.
``weights_only=False`` unpickles anything (trusted files only), mapping ``torch.*`` paths to
``chainrule.*`` so a pickled ``torch.nn.modules.linear.Linear`` loads as chainrule's.

>>> import io, chainrule as torch
>>> buffer = io.BytesIO()
>>> torch.save({"w": torch.arange(3.0)}, buffer)
>>> _ = buffer.seek(0)
>>> torch.load(buffer)
{'w': tensor([0., 1., 2.])}
"""
from __future__ import annotations

import io
import os
import pickle
import warnings

from . import _serialization_io as _io
from . import _weights_only_unpickler
from ._weights_only_unpickler import StorageType, storage_types, torch_to_chainrule

__all__ = ["save", "load", "add_safe_globals", "safe_globals", "get_safe_globals",
           "clear_safe_globals", "get_unsafe_globals_in_checkpoint", "StorageType",
           "DEFAULT_PROTOCOL", "SourceChangeWarning", "default_restore_location"]

DEFAULT_PROTOCOL = 2

UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will "
    "likely succeed, but it can result in arbitrary code execution. Do it only if you got the "
    "file from a trusted source.")
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default "
    "with weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")
_TRUE = ("1", "y", "yes", "true")


class SourceChangeWarning(Warning):
    pass


# ------------------------------------------------------------------ safe globals
def add_safe_globals(safe_globals: list) -> None:
    """Allow these classes/functions (or ``(obj, "full.name")`` pairs) in weights-only loads."""
    _weights_only_unpickler._marked_safe_globals.update(safe_globals)


def get_safe_globals() -> list:
    return list(_weights_only_unpickler._marked_safe_globals)


def clear_safe_globals() -> None:
    _weights_only_unpickler._marked_safe_globals.clear()


class safe_globals:
    """Context manager allowing ``safe_globals`` in weights-only loads inside the block."""

    def __init__(self, safe_globals: list):
        self.safe_globals = safe_globals

    def __enter__(self):
        add_safe_globals(self.safe_globals)

    def __exit__(self, *exc):
        _weights_only_unpickler._marked_safe_globals.difference_update(self.safe_globals)


# ------------------------------------------------------------------ save
def _check_save_filelike(f) -> None:
    if not isinstance(f, (str, os.PathLike)) and not hasattr(f, "write"):
        raise AttributeError("expected 'f' to be string, path, or a file-like object with a "
                             "'write' attribute")


def save(obj, f, pickle_module=pickle, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` to a path or a writable file object, in torch's format.

    Tensors, Parameters, state dicts, optimizer state, nested containers of Python values
    and whole modules (loaded back with ``weights_only=False``) can be saved.
    """
    _check_save_filelike(f)
    is_path = isinstance(f, (str, os.PathLike))
    if is_path:
        f = os.fspath(f)
        parent = os.path.dirname(f)
        if parent and not os.path.isdir(parent):
            raise RuntimeError(f"Parent directory {parent} does not exist.")
    elif not callable(getattr(f, "write", None)):
        raise TypeError(f"Buffer of {str(type(f)).strip('<>')} has no callable attribute "
                        "'write'")
    # pickle first: an object that cannot be saved leaves no half-written file behind
    write = _prepare(obj, os.path.basename(f) if is_path else None, pickle_protocol,
                     _use_new_zipfile_serialization, _disable_byteorder_record)
    if is_path:
        with open(f, "wb") as opened:
            write(opened)
        return
    write(f)
    if hasattr(f, "flush"):
        f.flush()


def _prepare(obj, filename, protocol, zip_format, no_byteorder):
    """Pickle ``obj``; returns the function that writes the file."""
    storages = _io.Storages()
    data = io.BytesIO()
    if not zip_format:
        for header in (_io.MAGIC_NUMBER, _io.PROTOCOL_VERSION, _legacy_sys_info()):
            pickle.dump(header, data, protocol=protocol)
        _io.TorchPickler(data, protocol, storages, legacy=True).dump(obj)
        keys = sorted(storages.keys())
        pickle.dump(keys, data, protocol=protocol)

        def write_legacy(file):
            file.write(data.getvalue())
            _io.legacy_storage_keys_and_data(storages, keys, file)
        return write_legacy
    _io.TorchPickler(data, protocol, storages).dump(obj)
    archive = "archive"
    if filename:
        stem = os.path.splitext(filename)[0]
        archive = stem or "archive"
    records = [("data.pkl", data.getvalue()), (".format_version", b"1"),
               (".storage_alignment", b"64")]
    if not no_byteorder:
        records.append(("byteorder", b"little"))
    records += [(f"data/{key}", raw) for key, raw in storages.records()]
    records.append(("version", b"3\n"))
    records.append((".data/serialization_id", _serialization_id()))
    return lambda file: _io.write_zip(file, archive, records)


def _legacy_sys_info() -> dict:
    import struct
    return {"protocol_version": _io.PROTOCOL_VERSION, "little_endian": True,
            "type_sizes": {"short": struct.calcsize("=h"), "int": struct.calcsize("=i"),
                           "long": struct.calcsize("=l")}}


def _serialization_id() -> bytes:
    import secrets
    return "".join(str(secrets.randbelow(10)) for _ in range(40)).encode()


# ------------------------------------------------------------------ locations
def _check_location(location: str) -> None:
    if location == "cpu" or location.startswith("cpu:"):
        return
    backend = location.split(":")[0]
    if backend in ("cuda", "mps", "xpu", "hpu", "mtia"):
        raise RuntimeError(
            f"Attempting to deserialize object on a {backend.upper()} device but "
            f"torch.{backend}.is_available() is False. If you are running on a CPU-only "
            "machine, please use torch.load with map_location=torch.device('cpu') to map your "
            "storages to the CPU.")
    raise RuntimeError("don't know how to restore data location of "
                       f"torch.storage.UntypedStorage (tagged with {location})")


def default_restore_location(storage, location: str):
    _check_location(location)
    return storage


def _restore_location(map_location):
    """A function (array, dtype, location) -> array applying ``map_location``."""
    from ._device import device
    if map_location is None or isinstance(map_location, (dict, str, bytes, device)):
        if isinstance(map_location, dict):
            def where(loc):
                return _location_name(map_location.get(loc, loc))
        else:
            def where(loc):
                return loc if map_location is None else _location_name(map_location)

        def restore(arr, dtype, loc):
            _check_location(where(loc))
            return arr
        return restore
    if not callable(map_location):
        raise TypeError(f"map_location should be a str, torch.device, dict or callable, but got "
                        f"{type(map_location).__name__}")

    def call(arr, dtype, loc):
        from .storage import TypedStorage, UntypedStorage
        storage = TypedStorage(UntypedStorage._over(arr), dtype)
        result = map_location(storage, loc)
        if result is None:
            _check_location(loc)
            return arr
        if isinstance(result, TypedStorage):
            result = result._untyped
        if isinstance(result, UntypedStorage):
            owner = result._owner
            return owner if owner.dtype == arr.dtype else result._bytes.view(arr.dtype)
        raise TypeError(f"map_location returned {type(result).__name__}; expected a storage or "
                        "None")
    return call


def _ascii(value) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else value


def _location_name(value) -> str:
    """'cpu' for 'cpu', b'cpu' or device('cpu')."""
    return _ascii(value) if isinstance(value, (str, bytes)) else str(value)


# ------------------------------------------------------------------ load
def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args):
    """Load an object saved by ``chainrule.save`` or ``torch.save`` from a path or file.

    ``weights_only=True`` (the default) rebuilds only tensors, containers and plain values
    (plus globals allowed with ``add_safe_globals``); ``weights_only=False`` unpickles
    anything and must only be used on trusted files. ``map_location`` (str, device, dict or
    callable) is accepted; chainrule keeps every tensor on the CPU. ``mmap=True`` maps the
    file's storages instead of reading them (copy-on-write).
    """
    weights_only_not_set = weights_only is None
    if weights_only_not_set:
        weights_only = pickle_module is None
    force_wo = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE
    force_no_wo = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in _TRUE
    if force_wo and force_no_wo:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or "
                           "`TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should be set, but both were set.")
    if force_wo:
        weights_only = True
    elif force_no_wo and weights_only_not_set:
        weights_only = False
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                               "specified")
        if pickle_load_args:
            warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    elif pickle_module is None:
        pickle_module = pickle
    pickle_load_args.setdefault("encoding", "utf-8")

    is_path = isinstance(f, (str, os.PathLike))
    name = os.fspath(f) if is_path else getattr(f, "name", None)
    shown = repr(name) if isinstance(name, str) else "the file object"
    if is_path and os.fspath(f).endswith(".safetensors"):
        from ._device import device
        from .safetensors import load_file
        for kind, test in (("dict", isinstance(map_location, dict)),
                           ("callable", callable(map_location)
                            and not isinstance(map_location, (str, bytes, device)))):
            if test:
                raise RuntimeError(f"Loading safetensors file with {kind} map_location is not "
                                   "supported. Use a device string or torch.device instead.")
        where = "cpu" if map_location is None else _location_name(map_location)
        return load_file(os.fspath(f), device=where)
    if mmap and not is_path:
        raise ValueError("f must be a file path in order to use the mmap argument")

    if is_path:
        opened = open(os.fspath(f), "rb")  # noqa: SIM115 - closed below
    else:
        if not callable(getattr(f, "read", None)):
            raise AttributeError("expected 'f' to be string, path, or a file-like object with a "
                                 "'read' attribute")
        opened = f if _seekable(f) else io.BytesIO(f.read())
    try:
        return _load_from(opened, shown, os.fspath(f) if mmap else None, map_location,
                          weights_only, pickle_module, pickle_load_args)
    finally:
        if is_path:
            opened.close()


def _seekable(f) -> bool:
    try:
        f.seek(f.tell())
        return True
    except (AttributeError, OSError, io.UnsupportedOperation):
        return False


def _is_zipfile(f) -> bool:
    start = f.tell()
    magic = f.read(4)
    f.seek(start)
    return magic == b"PK\x03\x04"


def _wo_message(message: str) -> str:
    if "was not an allowed global by default" in message:
        updated = (
            "Weights only load failed. This file can still be loaded, to do so you have two "
            "options, \033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
            f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` "
            "please check the recommended steps in the following error message.\n\t"
            "WeightsUnpickler error: " + message)
    else:
        updated = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
        if "is blocked" not in message:
            updated += ("Please file an issue with the following so that we can make "
                        "`weights_only=True` compatible with your use case: WeightsUnpickler "
                        "error: ")
        updated += "\n\n" + message
    return updated + _DOCS_MESSAGE


_CORRUPT = (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError,
            UnicodeDecodeError, RecursionError, MemoryError)
_DAMAGED = (ValueError, OverflowError, UnicodeDecodeError, IndexError, KeyError)


def _load_from(opened, shown, mmap_path, map_location, weights_only, pickle_module, args):
    restore = _restore_location(map_location)
    zipped = _is_zipfile(opened)
    if mmap_path and not zipped:
        raise RuntimeError("mmap can only be used with files saved with "
                           f"`torch.save({mmap_path}, _use_new_zipfile_serialization=True), "
                           "please torch.save your checkpoint with this option in order to use "
                           "mmap.")
    try:
        if zipped:
            reader = _io.ZipReader(opened, shown, mmap_path)
            return _load_zip(reader, restore, weights_only, pickle_module, args)
        return _load_legacy(opened, shown, restore, weights_only, pickle_module, args)
    except pickle.UnpicklingError as e:
        if weights_only:
            raise pickle.UnpicklingError(_wo_message(f"{e} (while loading {shown})")) from None
        raise
    except EOFError as e:
        raise EOFError(f"Ran out of input while loading {shown}: the file is empty or "
                       f"truncated ({e})") from None
    except _CORRUPT as e:
        # with weights_only=False a missing class stays the ImportError/AttributeError pickle
        # raises; damaged bytes become one error naming the file
        if not weights_only and not isinstance(e, _DAMAGED):
            raise
        raise pickle.UnpicklingError(f"{shown} is corrupt or not a checkpoint: "
                                     f"{type(e).__name__}: {e}") from None


class _Loader:
    """Turns persistent ids into storage arrays (each storage read once) and picks the
    unpickler."""

    def __init__(self, read_storage, restore, weights_only, pickle_module, args):
        self.read_storage = read_storage
        self.restore = restore
        self.weights_only = weights_only
        self.pickle_module = pickle_module
        self.args = args
        self.loaded: dict = {}

    def storage(self, storage_type, key, location, numel):
        if not isinstance(storage_type, StorageType):
            raise pickle.UnpicklingError(f"persistent id names {storage_type!r}, not a storage "
                                         "type")
        if key not in self.loaded:
            arr = self.read_storage(storage_type, str(key), int(numel))
            self.loaded[key] = self.restore(arr, storage_type.dtype, _ascii(location))
        return _io.storage_object(self.loaded[key], storage_type)

    def unpickler(self, file, persistent_load):
        if self.weights_only:
            up = _weights_only_unpickler.Unpickler(file, encoding=self.args.get("encoding",
                                                                                "bytes"))
            up.persistent_load = persistent_load
            return up
        return _full_unpickler(self.pickle_module, file, persistent_load, self.args)


def _load_zip(reader, restore, weights_only, pickle_module, args):
    loader = _Loader(reader.read_storage, restore, weights_only, pickle_module, args)

    def persistent_load(pid):
        if not isinstance(pid, tuple) or len(pid) != 5 or _ascii(pid[0]) != "storage":
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r} in {reader.shown}")
        return loader.storage(*pid[1:])

    result = loader.unpickler(io.BytesIO(reader.data_pkl()), persistent_load).load()
    reader.finish()
    return result


def _load_legacy(f, shown, restore, weights_only, pickle_module, args):
    import numpy as np
    pending: dict = {}
    views: dict = {}

    def read_storage(storage_type, key, numel):
        raw = np.zeros(numel, dtype=_io.np_dtype_of(storage_type))
        pending[key] = (raw, storage_type)
        if _io._is_bf16(storage_type):
            _io._warn_bfloat16(shown)
            return np.zeros(numel, dtype=np.float32)  # filled from raw once it is read
        return raw

    loader = _Loader(read_storage, restore, weights_only, pickle_module, args)

    def persistent_load(pid):
        if not isinstance(pid, tuple) or not pid:
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r} in {shown}")
        kind = _ascii(pid[0])
        if kind == "module" and not weights_only:
            return pid[1]
        if kind != "storage" or len(pid) != 6:
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r} in {shown}")
        storage_type, root_key, location, numel, view = pid[1:]
        root = loader.storage(storage_type, root_key, location, numel)
        if view is None:
            return root
        view_key, offset, size = view
        if view_key not in views:
            flat = loader.loaded[root_key]
            views[view_key] = _io.storage_object(flat[offset: offset + size], storage_type)
        return views[view_key]

    def header():
        return loader.unpickler(f, None).load()

    magic = header()
    if magic != _io.MAGIC_NUMBER:
        raise pickle.UnpicklingError(f"{shown} is not a checkpoint: invalid magic number; "
                                     "corrupt file?")
    version = header()
    if version != _io.PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version}")
    header()  # sys_info
    result = loader.unpickler(f, persistent_load).load()
    keys = header()
    _io.fill_legacy_storages(f, shown, keys, pending, loader.loaded)
    return result


# ------------------------------------------------------------------ the full unpickler
_NAME_MAP = {
    ("torch._tensor", "_rebuild_from_type_v2"): ("chainrule._utils", "_rebuild_from_type_v2"),
    ("torch.tensor", "_rebuild_from_type_v2"): ("chainrule._utils", "_rebuild_from_type_v2"),
    ("torch.serialization", "_get_layout"): ("chainrule._weights_only_unpickler", "_get_layout"),
}


def _full_unpickler(pickle_module, file, persistent_load, args):
    types = storage_types()

    class UnpicklerWrapper(pickle_module.Unpickler):
        def find_class(self, mod_name, name):
            if type(name) is str and "Storage" in name and name in types:
                return types[name]
            mod_name, name = _NAME_MAP.get((mod_name, name), (mod_name, name))
            target = torch_to_chainrule(mod_name)
            if target != mod_name:
                try:
                    return super().find_class(target, name)
                except (ImportError, AttributeError) as e:
                    raise type(e)(f"cannot load {mod_name}.{name}: chainrule has no "
                                  f"{target}.{name} ({e})") from None
            return super().find_class(mod_name, name)

    up = UnpicklerWrapper(file, **args)
    if persistent_load is not None:
        up.persistent_load = persistent_load
    return up


def get_unsafe_globals_in_checkpoint(f) -> list:
    """The globals a checkpoint names that a weights-only load would refuse."""
    import _compat_pickle
    import pickletools
    opened = open(os.fspath(f), "rb") if isinstance(f, (str, os.PathLike)) else f  # noqa: SIM115
    try:
        if not _is_zipfile(opened):
            raise ValueError("Expected input to be a checkpoint returned by torch.save")
        data = _io.ZipReader(opened, "checkpoint", None).data_pkl()
    finally:
        if opened is not f:
            opened.close()
    allowed = set(_weights_only_unpickler.allowed_globals())
    user = set(_weights_only_unpickler.user_allowed_globals())
    found = []
    for op, arg, _ in pickletools.genops(data):
        if op.name == "GLOBAL":
            module, name = arg.split(" ", 1)
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            module = _compat_pickle.IMPORT_MAPPING.get(module, module)
            full = f"{module}.{name}"
            if full not in allowed and full not in user and full not in found:
                found.append(full)
    return found

