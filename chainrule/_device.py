"""``torch.device``, the default device, layouts and memory formats.

chainrule computes on the CPU (NumPy) only. Every device torch names can be *described*
(``torch.device('cuda', 0)``), but making a tensor anywhere else than the CPU raises the
error a CPU-only torch build raises (``AssertionError: Torch not compiled with CUDA
enabled``), so programs that test ``torch.cuda.is_available()`` first run unchanged.
"""
from __future__ import annotations

import re

__all__ = ["device", "cpu", "resolve", "set_default_device", "get_default_device", "layout",
           "memory_format", "strided", "sparse_coo", "sparse_csr", "sparse_csc", "sparse_bsr",
           "sparse_bsc", "jagged", "contiguous_format", "preserve_format", "channels_last",
           "channels_last_3d"]

# torch's device types, in the order its parser lists them.
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
          "privateuseone")
_DEVICE_RE = re.compile(r"([a-zA-Z_]+)(?::(0|[1-9][0-9]*))?")
_NO_ACCELERATOR = "Cannot access accelerator device when none is available."
_SIGNATURES = ("\n * (torch.device device)\n * (str type, int index = -1)\n")


def _type_name(value) -> str:
    return type(value).__name__ if not isinstance(value, device) else "torch.device"


class device:
    """Where a tensor lives: ``device('cpu')``, ``device('cuda', 0)``, ``device('cuda:1')``.

    >>> import chainrule as torch
    >>> torch.device('cuda', 0)
    device(type='cuda', index=0)
    >>> str(torch.device('cpu:0'))
    'cpu:0'

    Used as a context manager it sets the default device for factories inside the block.
    """

    __slots__ = ("_type", "_index", "_previous")

    def __init__(self, *args, **kwargs):
        kind, index, index_by_position = _device_args(args, kwargs)
        if isinstance(kind, device):
            self._type, self._index = kind._type, kind._index
            return
        if isinstance(kind, int):  # an accelerator's index
            raise RuntimeError(_NO_ACCELERATOR)
        kind, parsed = _parse(kind)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, int):
                where = " (position 2)" if index_by_position else ""
                raise TypeError(f"device(): argument 'index'{where} must be int, not "
                                f"{_type_name(index)}")
            if parsed is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {kind}:{parsed}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
            parsed = index
        self._type = kind
        self._index = parsed

    @property
    def type(self) -> str:  # noqa: A003
        return self._type

    @property
    def index(self) -> int | None:
        return self._index

    def __repr__(self) -> str:
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other) -> bool:
        # torch compares devices with devices only: device('cpu') == 'cpu' is False.
        if not isinstance(other, device):
            return False
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash((self._type, self._index))

    def __reduce__(self):
        return (device, (self._type,) if self._index is None else (self._type, self._index))

    def __enter__(self) -> "device":
        self._previous = _state.default
        set_default_device(self)
        return self

    def __exit__(self, *exc) -> None:
        _state.default = self._previous


def _device_args(args, kwargs):
    """(type, index, index given by position) from torch's two device() overloads."""
    names = ("type", "index")
    extra = set(kwargs) - set(names)
    given = dict(zip(names, args))
    clash = set(given) & set(kwargs)
    got = ", ".join([_type_name(a) for a in args] +
                    [f"{k}={_type_name(v)}" for k, v in kwargs.items()])
    if len(args) > 2 or extra or clash or not (args or kwargs):
        raise TypeError(f"device() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:" + _SIGNATURES)
    given.update(kwargs)
    kind, index = given.get("type"), given.get("index")
    if isinstance(kind, device):
        if index is not None:
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({got}), but expected one of:" + _SIGNATURES)
        return kind, None, False
    if isinstance(kind, bool) or not isinstance(kind, (str, int)):
        if hasattr(kind, "__index__") and not isinstance(kind, bool):
            kind = kind.__index__()
        else:
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({got}), but expected one of:\n * (torch.device device)\n      "
                            f"didn't match because some of the arguments have invalid types: "
                            f"(!{_type_name(kind)}!)\n * (str type, int index = -1)\n")
    return kind, index, len(args) > 1


def _parse(text: str):
    match = _DEVICE_RE.fullmatch(text)
    if match is None:
        raise RuntimeError(f"Invalid device string: '{text}'")
    kind, index = match.group(1), match.group(2)
    if kind not in _TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device "
                           f"string: {text}")
    return kind, None if index is None else int(index)


cpu = device("cpu")
META = device("meta")


class _DefaultState:
    __slots__ = ("default",)

    def __init__(self):
        self.default = None  # None: the CPU, the common case checked first


_state = _DefaultState()


def _unavailable(kind: str) -> Exception:
    if kind == "cuda":
        return AssertionError("Torch not compiled with CUDA enabled")
    if kind == "xpu":
        return AssertionError("Torch not compiled with XPU enabled")
    return NotImplementedError(
        f"chainrule has no '{kind}' backend: tensors live on the CPU (NumPy) only, so "
        "device='cpu' is the one device that holds data (torch.cuda.is_available() and "
        "torch.backends.mps.is_available() are False)")


def resolve(dev=None, meta: bool = False) -> device:
    """The CPU device after checking ``dev`` (None means the default device): any other
    device raises the error a CPU-only torch raises, except ``meta`` (tensors without data,
    chainrule/_meta.py) where the caller makes tensors (``meta=True``)."""
    if dev is None:
        dev = _state.default
        if dev is None:
            return cpu
    elif dev.__class__ is str and dev == "cpu":
        return cpu
    if not isinstance(dev, device):
        dev = device(dev)
    if dev._type != "cpu":
        if meta and dev._type == "meta":
            return META
        raise _unavailable(dev._type)
    return cpu


def set_default_device(dev) -> None:
    """Set the device factories use when none is given (``None`` resets it to the CPU)."""
    if dev is None:
        _state.default = None
        return
    dev = dev if isinstance(dev, device) else device(dev)
    _state.default = None if dev == cpu else dev


def get_default_device() -> device:
    """The device factories use when none is given."""
    dev = _state.default
    if dev is None:
        return cpu
    if dev._type == "cuda":
        raise _unavailable("cuda")
    return dev


# ---------------------------------------------------------------------------- layouts
class layout:
    """A tensor layout (``torch.strided`` is the one chainrule stores)."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self):
        return (_layout_named, (self._name,))


class memory_format:
    """A memory format (``torch.contiguous_format``, ``torch.channels_last`` ...)."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return f"torch.{self._name}"

    def __reduce__(self):
        return (_format_named, (self._name,))


strided = layout("strided")
sparse_coo, sparse_csr = layout("sparse_coo"), layout("sparse_csr")
sparse_csc = layout("sparse_csc")
sparse_bsr, sparse_bsc, jagged = layout("sparse_bsr"), layout("sparse_bsc"), layout("jagged")
_mkldnn = layout("_mkldnn")
_LAYOUTS = {x._name: x for x in (strided, sparse_coo, sparse_csr, sparse_csc, sparse_bsr,
                                  sparse_bsc, jagged, _mkldnn)}
contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
_FORMATS = {x._name: x for x in (contiguous_format, preserve_format, channels_last,
                                  channels_last_3d)}


def _layout_named(name: str) -> layout:
    return _LAYOUTS[name]


def _format_named(name: str) -> memory_format:
    return _FORMATS[name]


def check_layout(value) -> None:
    """Factories take ``layout=torch.strided`` (or None); other layouts are not stored."""
    if value is None or value is strided:
        return
    if isinstance(value, layout):
        raise NotImplementedError(f"chainrule stores dense tensors only: layout={value} is not "
                                  "supported (use torch.strided)")
    raise TypeError(f"argument 'layout' must be torch.layout, not {type(value).__name__}")
