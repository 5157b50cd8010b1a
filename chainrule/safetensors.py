"""safetensors files for chainrule tensors: the ``safetensors.torch`` API (``save_file``,
``load_file``, ``save``, ``load``, ``safe_open``, ``save_model``, ``load_model``).

torch users write ``from safetensors.torch import save_file, load_file``, which needs real
torch; with chainrule write ``from chainrule.safetensors import save_file, load_file``. The
format is safetensors' own (an 8-byte little-endian header length, a JSON header naming
each tensor's dtype, shape and byte range, then the raw little-endian bytes), read and
written here directly, so the ``safetensors`` package is not needed; files are
interchangeable with it both ways. BF16 tensors load as bfloat16 (with ml_dtypes, the
extra ``chainrule[bfloat16]``; without it as float32, exactly, with a warning); complex128
has no safetensors dtype.

>>> import chainrule as torch
>>> from chainrule.safetensors import load, save
>>> load(save({"w": torch.ones(2)}))
{'w': tensor([1., 1.])}
"""
from __future__ import annotations

import json
import os
import struct
import warnings

import numpy as np

from . import _dtypes
from ._tensor import Tensor

__all__ = ["save", "save_file", "load", "load_file", "safe_open", "save_model", "load_model",
           "SafetensorError"]

try:  # the package's exception class when it is installed, so except clauses agree
    from safetensors import SafetensorError
except ImportError:  # pragma: no cover - the package is optional
    class SafetensorError(Exception):
        """A malformed safetensors file."""

_CODES = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "int16": "I16", "uint16": "U16",
          "int32": "I32", "uint32": "U32", "int64": "I64", "uint64": "U64", "float16": "F16",
          "float32": "F32", "float64": "F64", "complex64": "C64", "bfloat16": "BF16"}
_FROM_CODE = {code: _dtypes._BY_NAME[name] for name, code in _CODES.items() if code != "BF16"}
_MAX_HEADER = 100_000_000


# ------------------------------------------------------------------ writing
def _check_tensors(tensors) -> None:
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    owners: dict = {}
    for k, v in tensors.items():
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received "
                             f"{type(v)}")
        if v._data.size:
            from ._memory import storage_span
            owners.setdefault(storage_span(v._data), []).append(k)
    failing = [set(names) for names in owners.values() if len(names) > 1]
    if failing:
        raise RuntimeError(
            "\n            Some tensors share memory, this will lead to duplicate memory on disk "
            f"and potential differences when loading them again: {failing}.\n            A "
            "potential way to correctly save your model is to use `save_model`.\n            "
            "More information at https://huggingface.co/docs/safetensors/torch_shared_tensors"
            "\n            ")
    for k, v in tensors.items():
        if not v.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It "
                "either means you are trying to save tensors which are reference of each other in "
                "which case it's recommended to save only the full tensors, and reslice at load "
                "time, or simply call `.contiguous()` on your tensor to pack it before saving.")
        if v.dtype.name not in _CODES:
            raise ValueError(f"Key `{k}`: dtype {v.dtype} has no safetensors dtype (supported: "
                             f"{', '.join(_CODES)})")


def _serialize(tensors, metadata) -> tuple[bytes, list]:
    _check_tensors(tensors)
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("metadata must be a dict of str to str")
    # safetensors' order: larger alignment first, then by name
    order = sorted(tensors, key=lambda k: (-tensors[k]._data.itemsize, k))
    header: dict = {}
    if metadata:
        header["__metadata__"] = dict(metadata)
    chunks, offset = [], 0
    for k in order:
        data = tensors[k]._data
        if data.dtype.kind == "V":  # bfloat16 (ml_dtypes): its bits as little-endian uint16
            data = data.view(np.uint16)
        raw = np.ascontiguousarray(data).astype(data.dtype.newbyteorder("<"), copy=False)
        nbytes = raw.nbytes
        header[k] = {"dtype": _CODES[tensors[k].dtype.name], "shape": list(data.shape),
                     "data_offsets": [offset, offset + nbytes]}
        chunks.append(raw.reshape(-1).view(np.uint8) if nbytes else b"")
        offset += nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text, chunks


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """The tensors (a dict of name -> contiguous tensor) as safetensors bytes."""
    head, chunks = _serialize(tensors, metadata)
    return head + b"".join(bytes(c) for c in chunks)


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write the tensors to ``filename`` in the safetensors format."""
    head, chunks = _serialize(tensors, metadata)
    with open(os.fspath(filename), "wb") as fh:
        fh.write(head)
        for c in chunks:
            fh.write(c)


# ------------------------------------------------------------------ reading
def _parse(buffer, where: str):
    """(header dict, metadata, data start) of safetensors bytes, validated."""
    if len(buffer) < 8:
        raise SafetensorError("Error while deserializing header: header too small")
    (n,) = struct.unpack("<Q", bytes(buffer[:8]))
    if n > _MAX_HEADER:
        raise SafetensorError("Error while deserializing header: header too large")
    if 8 + n > len(buffer):
        raise SafetensorError(f"Error while deserializing header: invalid header length {n} "
                              f"({where} is truncated)")
    try:
        header = json.loads(bytes(buffer[8: 8 + n]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SafetensorError(f"Error while deserializing: invalid JSON in header: {e}") from None
    if not isinstance(header, dict):
        raise SafetensorError("Error while deserializing header: the header is not a JSON object")
    metadata = header.pop("__metadata__", None)
    start = 8 + n
    size = len(buffer) - start
    spans = []
    for name, info in header.items():
        try:
            code, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        except (KeyError, TypeError, ValueError):
            raise SafetensorError(f"Error while deserializing header: bad entry for tensor "
                                  f"{name!r}") from None
        itemsize = 2 if code == "BF16" else (_FROM_CODE[code].itemsize if code in _FROM_CODE
                                              else None)
        if itemsize is None:
            raise SafetensorError(f"tensor {name!r} has dtype {code}, which chainrule cannot hold")
        if not all(isinstance(s, int) and s >= 0 for s in shape):
            raise SafetensorError(f"Error while deserializing header: bad shape for {name!r}")
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= size
                and end - begin == int(np.prod(shape, dtype=np.int64)) * itemsize):
            raise SafetensorError(f"Error while deserializing header: invalid offset for tensor "
                                  f"{name!r}")
        spans.append((begin, end))
    covered = 0
    for begin, end in sorted(spans):
        if begin != covered:
            raise SafetensorError("Error while deserializing header: invalid offsets (tensors "
                                  "overlap or leave gaps)")
        covered = end
    if covered != size:
        raise SafetensorError("Error while deserializing header: metadata incomplete buffer")
    return header, metadata, start


def _tensor(buffer, info, start, copy=True) -> Tensor:
    code, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
    raw = np.frombuffer(buffer, dtype=np.uint8, count=end - begin, offset=start + begin)
    if code == "BF16" and _dtypes.bf16_available():
        arr = raw.view("<u2").astype(np.uint16).view(_dtypes.bf16_np())
    elif code == "BF16":  # no ml_dtypes: float32, exactly
        bits = raw.view("<u2").astype(np.uint32) << 16
        arr = bits.view(np.float32)
    else:
        arr = raw.view(_FROM_CODE[code].np.newbyteorder("<"))
        arr = arr.astype(_FROM_CODE[code].np) if copy or not arr.dtype.isnative else arr
    return Tensor._make(arr.reshape(shape))


def _warn_bf16(header, where) -> None:
    if any(info["dtype"] == "BF16" for info in header.values()) and \
            not _dtypes.bf16_available():
        warnings.warn(f"ml_dtypes is not installed: the BF16 tensors of {where} were loaded as "
                      "torch.float32 (every bfloat16 value is exactly a float32); pip install "
                      "chainrule[bfloat16] to load them as bfloat16",
                      UserWarning, stacklevel=3)


def load(data: bytes) -> dict:
    """The tensors of safetensors bytes, by name."""
    header, _, start = _parse(data, "the data")
    _warn_bf16(header, "the data")
    return {name: _tensor(data, info, start) for name, info in header.items()}


def load_file(filename, device="cpu") -> dict:
    """The tensors of a safetensors file, by name (in the file's order)."""
    with safe_open(filename, framework="pt", device=device) as f:
        return {name: f.get_tensor(name) for name in f.keys()}


class _Slice:
    """A tensor of the file not yet read: ``get_shape()``, ``get_dtype()``, indexing."""

    def __init__(self, owner, name):
        self._owner, self._name = owner, name

    def get_shape(self) -> list:
        return list(self._owner._header[self._name]["shape"])

    def get_dtype(self) -> str:
        return self._owner._header[self._name]["dtype"]

    def __getitem__(self, index) -> Tensor:
        return self._owner.get_tensor(self._name)[index]


class safe_open:
    """Open a safetensors file for reading tensor by tensor (memory-mapped)::

        with safe_open("model.safetensors", framework="pt") as f:
            for name in f.keys():
                weight = f.get_tensor(name)
    """

    def __init__(self, filename, framework: str = "pt", device="cpu"):
        from .serialization import _check_location
        _check_location(str(device) if not isinstance(device, int) else f"cuda:{device}")
        self._path = os.fspath(filename)
        self._framework = framework
        if not os.path.exists(self._path):
            raise FileNotFoundError(f"No such file or directory: {self._path}")
        import mmap
        with open(self._path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            self._buffer = (mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size
                            else b"")
        self._header, self._metadata, self._start = _parse(self._buffer, repr(self._path))
        self._order = sorted(self._header, key=lambda k: self._header[k]["data_offsets"][0])
        self._warned = False

    def __enter__(self) -> "safe_open":
        return self

    def __exit__(self, *exc) -> None:
        if not isinstance(self._buffer, bytes):
            try:
                self._buffer.close()
            except BufferError:  # an array still views it; the map closes when it dies
                pass

    def keys(self) -> list:
        return list(self._order)

    def offset_keys(self) -> list:
        return self.keys()

    def metadata(self) -> dict | None:
        return self._metadata

    def get_tensor(self, name: str) -> Tensor:
        if name not in self._header:
            raise SafetensorError(f"File does not contain tensor {name}")
        if not self._warned and self._header[name]["dtype"] == "BF16":
            self._warned = True
            _warn_bf16({name: self._header[name]}, repr(self._path))
        out = _tensor(self._buffer, self._header[name], self._start)
        return out.numpy() if self._framework in ("np", "numpy") else out

    def get_slice(self, name: str) -> _Slice:
        if name not in self._header:
            raise SafetensorError(f"File does not contain tensor {name}")
        return _Slice(self, name)


# ------------------------------------------------------------------ models
def save_model(model, filename, metadata: dict | None = None,
               force_contiguous: bool = True) -> None:
    """Save a module's state_dict, keeping one name for parameters that share memory."""
    from ._memory import storage_span
    state = model.state_dict()
    seen: dict = {}
    for name in sorted(state):
        if state[name]._data.size == 0:
            continue
        span = storage_span(state[name]._data)
        if span in seen:
            metadata = {} if metadata is None else metadata
            metadata.setdefault(name, seen[span])
            del state[name]
        else:
            seen[span] = name
    if force_contiguous:
        state = {k: v.contiguous() for k, v in state.items()}
    save_file(dict(state), filename, metadata=metadata)


def load_model(model, filename, strict: bool = True, device="cpu") -> tuple[list, list]:
    """Load a safetensors file into a module; returns (missing, unexpected) names."""
    state = load_file(filename, device=device)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if strict and (missing or unexpected):
        error = f"Error(s) in loading state_dict for {model.__class__.__name__}:"
        if missing:
            error += "\n    Missing key(s) in state_dict: " + ", ".join(
                f'"{k}"' for k in sorted(missing))
        if unexpected:
            error += "\n    Unexpected key(s) in state_dict: " + ", ".join(
                f'"{k}"' for k in sorted(unexpected))
        raise RuntimeError(error)
    return list(missing), list(unexpected)
