"""The restricted unpickler behind ``load(weights_only=True)`` (torch's
``torch._weights_only_unpickler``).

It interprets the pickle opcodes itself and never imports anything a file names: a GLOBAL
resolves only through a table of allowed objects (the tensor-rebuild functions, storage
types, dtypes, ``OrderedDict``, ``torch.Size``, ``torch.device``, a few builtins) and the
entries users add with ``serialization.add_safe_globals``; REDUCE calls only those, BUILD
sets state only on tensors, OrderedDicts and allowed classes. Names are the ones torch
writes (``torch._utils._rebuild_tensor_v2``); a user-allowed class matches under its own
module path and, for a file naming ``torch.nn.modules.linear.Linear``, under chainrule's.
"""
from __future__ import annotations

import _compat_pickle
import codecs
import pickle
import struct
import warnings
from collections import Counter, OrderedDict
from pickle import UnpicklingError

__all__ = ["Unpickler", "StorageType", "load", "allowed_globals", "user_allowed_globals",
           "torch_to_chainrule"]

_BLOCKLISTED_MODULES = ("sys", "os", "posix", "nt")

_marked_safe_globals: set = set()


class StorageType:
    """What a storage class named in a checkpoint (``torch.FloatStorage``) stands for: the
    dtype of the storage's elements."""

    __slots__ = ("dtype", "name")

    def __init__(self, name: str, dtype):
        self.name = name
        self.dtype = dtype

    def __repr__(self) -> str:
        return f"StorageType(dtype={self.dtype})"

    __str__ = __repr__


class _BFloat16:
    """BFloat16Storage's dtype, resolved when a storage is read: chainrule.bfloat16 with
    ml_dtypes installed (imported only then), else float32 (exactly, with a warning)."""

    name = "bfloat16"


def torch_to_chainrule(module: str) -> str:
    """``torch.nn.modules.linear`` -> ``chainrule.nn.modules.linear``."""
    if module == "torch" or module.startswith("torch."):
        return "chainrule" + module[5:]
    return module


def storage_types() -> dict:
    """torch's storage class names -> StorageType (the legacy typed ones, untyped, and the
    bfloat16 one, read as bfloat16, or float32 without ml_dtypes)."""
    from . import _dtypes
    from ._legacy import type_name
    from .storage import LEGACY_STORAGES
    out = {}
    for d in LEGACY_STORAGES:
        name = type_name(d).replace("Tensor", "Storage")
        out[name] = StorageType(name, d)
    out["BFloat16Storage"] = StorageType("BFloat16Storage", _BFloat16)
    out["UntypedStorage"] = StorageType("UntypedStorage", _dtypes.uint8)
    out["TypedStorage"] = StorageType("TypedStorage", _dtypes.uint8)
    return out


_ALLOWED: dict = {}


def allowed_globals() -> dict:
    """The objects a weights-only load may name, by the full name torch writes."""
    if _ALLOWED:
        return _ALLOWED
    from . import _dtypes, _utils
    from ._device import device
    from ._size import Size
    from ._tensor import Tensor
    from .nn.parameter import Parameter
    rc = {
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "torch.nn.parameter.Parameter": Parameter,
        "torch.serialization._get_layout": _get_layout,
        "torch.Size": Size,
        "torch.Tensor": Tensor,
        "torch.device": device,
        "_codecs.encode": codecs.encode,
        "builtins.bytearray": bytearray,
        "builtins.set": set,
        "builtins.complex": complex,
        "torch._tensor._rebuild_from_type_v2": _utils._rebuild_from_type_v2,
    }
    rc["torch.bfloat16"] = _dtypes.bfloat16
    for d in _dtypes.ALL:
        rc[f"torch.{d.name}"] = d
    for name, st in storage_types().items():
        rc[f"torch.{name}"] = st
        rc[f"torch.cuda.{name}"] = st
    rc["torch.storage.UntypedStorage"] = rc["torch.UntypedStorage"]
    rc["torch.storage.TypedStorage"] = rc["torch.TypedStorage"]
    for fn in ("_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3",
               "_rebuild_parameter", "_rebuild_parameter_with_state",
               "_rebuild_device_tensor_from_cpu_tensor"):
        rc[f"torch._utils.{fn}"] = getattr(_utils, fn)
    _ALLOWED.update(rc)
    return _ALLOWED


def _get_layout(name: str):
    from ._device import _LAYOUTS
    key = name[6:] if name.startswith("torch.") else name
    if key not in _LAYOUTS:
        raise UnpicklingError(f"unknown layout {name!r} in checkpoint")
    return _LAYOUTS[key]


def user_allowed_globals() -> dict:
    rc = {}
    for f in _marked_safe_globals:
        if isinstance(f, tuple):
            if len(f) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full "
                                 f"path), but got tuple of length: {len(f)}")
            if type(f[1]) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full "
                                f"path, but got: {type(f[1])}")
            rc[f[1]] = f[0]
        else:
            rc[f"{f.__module__}.{f.__qualname__}"] = f
    return rc


def _read_long(data: bytes) -> int:
    return int.from_bytes(data, "little", signed=True)


class Unpickler:
    """Rebuilds the objects of a pickle stream from allowed pieces only."""

    def __init__(self, file, *, encoding: str = "bytes"):
        self.encoding = encoding
        self.readline = file.readline
        self.read = file.read
        self.memo: dict = {}
        self.proto = -1

    def persistent_load(self, pid):
        raise UnpicklingError("unsupported persistent id encountered")

    # ---------------------------------------------------------------- helpers
    def _exact(self, n: int) -> bytes:
        data = self.read(n)
        if len(data) != n:
            raise UnpicklingError("pickle data was truncated")
        return data

    def _unpack(self, fmt: str):
        return struct.unpack(fmt, self._exact(struct.calcsize(fmt)))[0]

    def _resolve(self, module: str, name: str):
        full_path = f"{module}.{name}"
        if module.split(".")[0] in _BLOCKLISTED_MODULES:
            raise UnpicklingError(f"Trying to load unsupported GLOBAL {full_path} whose module "
                                  f"{module} is blocked.")
        allowed = allowed_globals()
        if full_path in allowed:
            return allowed[full_path]
        user = user_allowed_globals()
        for key in (full_path, f"{torch_to_chainrule(module)}.{name}"):
            if key in user:
                return user[key]
        shown = full_path[len("builtins."):] if full_path.startswith("builtins.") else full_path
        raise UnpicklingError(
            f"Unsupported global: GLOBAL {shown} was not an allowed global by default. "
            f"Please use `torch.serialization.add_safe_globals([{shown}])` or the "
            f"`torch.serialization.safe_globals([{shown}])` context manager to allowlist this "
            "global if you trust this class/function.")

    def _is_allowed(self, obj) -> bool:
        allowed = allowed_globals().values()
        return any(obj is v for v in allowed) or any(
            obj is v for v in user_allowed_globals().values())

    def _pop_mark(self) -> list:
        items = self.stack
        if not self.metastack:
            raise UnpicklingError("could not find MARK")
        self.stack = self.metastack.pop()
        return items

    def _pop(self):
        if not self.stack:
            raise UnpicklingError("unpickling stack underflow")
        return self.stack.pop()

    def _top(self):
        if not self.stack:
            raise UnpicklingError("unpickling stack underflow")
        return self.stack[-1]

    def _set_item_target(self, op: str):
        target = self._top()
        if type(target) not in (dict, OrderedDict, Counter):
            raise UnpicklingError(f"Can only {op} for dict, collections.OrderedDict, "
                                  f"collections.Counter, but got {type(target)}")
        return target

    # ---------------------------------------------------------------- the loop
    def load(self):
        self.metastack: list = []
        self.stack: list = []
        while True:
            key = self.read(1)
            if not key:
                raise EOFError("Ran out of input")
            op = _OPS.get(key[0])
            if op is None:
                raise UnpicklingError(f"Unsupported operand {key[0]}")
            if op(self) is _STOP:
                return self._pop()

    # ---------------------------------------------------------------- risky operators
    def _global(self):
        module = self.readline()[:-1].decode("utf-8")
        name = self.readline()[:-1].decode("utf-8")
        # protocol 2 writes Python 2 names (__builtin__.set); pickle maps them back
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        elif module in _compat_pickle.IMPORT_MAPPING:
            module = _compat_pickle.IMPORT_MAPPING[module]
        self.stack.append(self._resolve(module, name))

    def _stack_global(self):
        name, module = self._pop(), self._pop()
        if type(name) is not str or type(module) is not str:
            raise UnpicklingError("STACK_GLOBAL requires str")
        self.stack.append(self._resolve(module, name))

    def _newobj(self):
        args = self._pop()
        cls = self._pop()
        from .nn.parameter import Parameter
        if cls is Parameter:
            self.stack.append(Parameter(*args))
        elif isinstance(cls, type) and self._is_allowed(cls):
            self.stack.append(cls.__new__(cls, *args))
        else:
            raise UnpicklingError("Can only create new object for nn.Parameter or classes "
                                  f"allowlisted via `add_safe_globals` but got {cls}")

    def _reduce(self):
        args = self._pop()
        func = self._top()
        if not self._is_allowed(func):
            raise UnpicklingError(f"Trying to call reduce for unrecognized function {func}")
        if not isinstance(args, tuple):
            raise UnpicklingError("REDUCE arguments must be a tuple")
        if not callable(func):
            raise UnpicklingError(f"Trying to call reduce for an object that is not callable: "
                                  f"{func}")
        self.stack[-1] = func(*args)

    def _build(self):
        state = self._pop()
        inst = self._top()
        from ._tensor import Tensor
        from .nn.parameter import Parameter
        if type(inst) is OrderedDict:
            inst.__dict__.update(state)
        elif type(inst) in (Tensor, Parameter):
            from ._utils import _set_obj_state
            _set_obj_state(inst, state)
        elif self._is_allowed(type(inst)):
            if hasattr(inst, "__setstate__"):
                inst.__setstate__(state)
            else:
                slotstate = None
                if isinstance(state, tuple) and len(state) == 2:
                    state, slotstate = state
                if state:
                    inst.__dict__.update(state)
                for k, v in (slotstate or {}).items():
                    setattr(inst, k, v)
        else:
            raise UnpicklingError("Can only build Tensor, Parameter, OrderedDict or types "
                                  f"allowlisted via `add_safe_globals`, but got {type(inst)}")

    def _binpersid(self):
        pid = self._pop()
        if type(pid) is not tuple and type(pid) is not int:
            raise UnpicklingError(f"persistent_load id must be tuple or int, but got {type(pid)}")
        if type(pid) is tuple and pid and _ascii(pid[0]) != "storage":
            raise UnpicklingError(f"Only persistent_load of storage is allowed, but got "
                                  f"{type(pid[0])}")
        self.stack.append(self.persistent_load(pid))

    # ---------------------------------------------------------------- containers
    def _append(self):
        item = self._pop()
        target = self._top()
        if type(target) is not list:
            raise UnpicklingError(f"Can only append to lists, but got {type(target)}")
        target.append(item)

    def _appends(self):
        items = self._pop_mark()
        target = self._top()
        if type(target) is not list:
            raise UnpicklingError(f"Can only extend lists, but got {type(target)}")
        target.extend(items)

    def _setitem(self):
        value, key = self._pop(), self._pop()
        self._set_item_target("SETITEM")[key] = value

    def _setitems(self):
        items = self._pop_mark()
        target = self._set_item_target("SETITEMS")
        for i in range(0, len(items) - 1, 2):
            target[items[i]] = items[i + 1]

    def _additems(self):
        items = self._pop_mark()
        target = self._top()
        if type(target) is not set:
            raise UnpicklingError(f"Can only add items to sets, but got {type(target)}")
        target.update(items)

    def _frozenset(self):
        items = self._pop_mark()
        self.stack.append(frozenset(items))

    def _mark(self):
        self.metastack.append(self.stack)
        self.stack = []

    def _tuple(self):
        items = self._pop_mark()
        self.stack.append(tuple(items))

    def _tuple_n(n):
        def op(self):
            if len(self.stack) < n:
                raise UnpicklingError("unpickling stack underflow")
            items = tuple(self.stack[len(self.stack) - n:])
            del self.stack[len(self.stack) - n:]
            self.stack.append(items)
        return op

    # ---------------------------------------------------------------- memo
    def _get(self, idx):
        if idx not in self.memo:
            raise UnpicklingError(f"Memo value not found at index {idx}")
        self.stack.append(self.memo[idx])

    def _put(self, idx):
        self.memo[idx] = self._top()

    # ---------------------------------------------------------------- strings and bytes
    def _string(self, data: bytes):
        if self.encoding == "bytes":
            self.stack.append(data)
        else:
            self.stack.append(data.decode(self.encoding, "strict"))

    def _proto(self):
        self.proto = self._exact(1)[0]
        if self.proto != 2:
            warnings.warn(f"Detected pickle protocol {self.proto} in the checkpoint, which was "
                          "not the default pickle protocol used by `torch.load` (2). The "
                          "weights_only Unpickler might not support all instructions "
                          "implemented by this protocol, please file an issue for adding "
                          "support if you encounter this.", stacklevel=4)


_STOP = object()


def _ascii(value) -> str:
    return value.decode("ascii") if isinstance(value, bytes) else value


def _u(self, fmt):
    return self._unpack(fmt)


_OPS = {
    pickle.GLOBAL[0]: Unpickler._global,
    pickle.STACK_GLOBAL[0]: Unpickler._stack_global,
    pickle.NEWOBJ[0]: Unpickler._newobj,
    pickle.REDUCE[0]: Unpickler._reduce,
    pickle.BUILD[0]: Unpickler._build,
    pickle.BINPERSID[0]: Unpickler._binpersid,
    pickle.APPEND[0]: Unpickler._append,
    pickle.APPENDS[0]: Unpickler._appends,
    pickle.SETITEM[0]: Unpickler._setitem,
    pickle.SETITEMS[0]: Unpickler._setitems,
    pickle.ADDITEMS[0]: Unpickler._additems,
    pickle.FROZENSET[0]: Unpickler._frozenset,
    pickle.MARK[0]: Unpickler._mark,
    pickle.TUPLE[0]: Unpickler._tuple,
    pickle.TUPLE1[0]: Unpickler._tuple_n(1),
    pickle.TUPLE2[0]: Unpickler._tuple_n(2),
    pickle.TUPLE3[0]: Unpickler._tuple_n(3),
    pickle.NONE[0]: lambda self: self.stack.append(None),
    pickle.NEWFALSE[0]: lambda self: self.stack.append(False),
    pickle.NEWTRUE[0]: lambda self: self.stack.append(True),
    pickle.EMPTY_TUPLE[0]: lambda self: self.stack.append(()),
    pickle.EMPTY_LIST[0]: lambda self: self.stack.append([]),
    pickle.EMPTY_DICT[0]: lambda self: self.stack.append({}),
    pickle.EMPTY_SET[0]: lambda self: self.stack.append(set()),
    pickle.BININT[0]: lambda self: self.stack.append(_u(self, "<i")),
    pickle.BININT1[0]: lambda self: self.stack.append(self._exact(1)[0]),
    pickle.BININT2[0]: lambda self: self.stack.append(_u(self, "<H")),
    pickle.BINFLOAT[0]: lambda self: self.stack.append(_u(self, ">d")),
    pickle.LONG1[0]: lambda self: self.stack.append(_read_long(self._exact(self._exact(1)[0]))),
    pickle.LONG4[0]: lambda self: self.stack.append(_read_long(self._exact(_u(self, "<i")))),
    pickle.BINUNICODE[0]: lambda self: self.stack.append(
        str(self._exact(_u(self, "<I")), "utf-8", "surrogatepass")),
    pickle.SHORT_BINUNICODE[0]: lambda self: self.stack.append(
        str(self._exact(self._exact(1)[0]), "utf-8", "surrogatepass")),
    pickle.BINUNICODE8[0]: lambda self: self.stack.append(
        str(self._exact(_u(self, "<Q")), "utf-8", "surrogatepass")),
    pickle.SHORT_BINSTRING[0]: lambda self: self._string(self._exact(self._exact(1)[0])),
    pickle.BINSTRING[0]: lambda self: self._string(self._exact(_u(self, "<i"))),
    pickle.SHORT_BINBYTES[0]: lambda self: self.stack.append(self._exact(self._exact(1)[0])),
    pickle.BINBYTES[0]: lambda self: self.stack.append(self._exact(_u(self, "<I"))),
    pickle.BINBYTES8[0]: lambda self: self.stack.append(self._exact(_u(self, "<Q"))),
    pickle.BYTEARRAY8[0]: lambda self: self.stack.append(bytearray(self._exact(_u(self, "<Q")))),
    pickle.BINGET[0]: lambda self: self._get(self._exact(1)[0]),
    pickle.LONG_BINGET[0]: lambda self: self._get(_u(self, "<I")),
    pickle.BINPUT[0]: lambda self: self._put(self._exact(1)[0]),
    pickle.LONG_BINPUT[0]: lambda self: self._put(_u(self, "<I")),
    pickle.MEMOIZE[0]: lambda self: self._put(len(self.memo)),
    pickle.FRAME[0]: lambda self: _u(self, "<Q"),
    pickle.POP[0]: lambda self: self._pop() if self.stack else self._pop_mark(),
    pickle.POP_MARK[0]: lambda self: self._pop_mark(),
    pickle.DUP[0]: lambda self: self.stack.append(self._top()),
    pickle.PROTO[0]: Unpickler._proto,
    pickle.STOP[0]: lambda self: _STOP,
}
del Unpickler._tuple_n


def load(file, *, encoding: str = "ASCII"):
    return Unpickler(file, encoding=encoding).load()
