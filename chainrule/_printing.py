"""Tensor printing that reproduces ``repr(torch.Tensor)`` character for character.

The module works on raw NumPy arrays so that it has no dependency on chainrule's
``Tensor`` class: ``Tensor.__repr__`` is expected to call :func:`format_tensor`
with its data, dtype name and autograd state.

The algorithm follows PyTorch's (``torch/_tensor_str.py``):

* one formatter per tensor (two for complex: real and imaginary parts) decides,
  from the non-zero finite values, whether every value is an integer
  (``int_mode``: ``1.``), whether scientific notation is needed (``sci_mode``),
  and the common width that every element is right-aligned to;
* when the tensor has more than ``threshold`` elements it is summarised: only
  ``edgeitems`` items are kept at each end of every dimension, and only those
  take part in the formatter's decisions;
* rows are wrapped at ``linewidth`` and nested dimensions get nested brackets;
* suffixes (``device=``, ``size=``, ``dtype=``, ``grad_fn=``/``requires_grad=``)
  follow the contents, on a new line when they would not fit.

Floats are formatted with Python's ``format`` on each element's float64 value,
exactly as torch does (via ``Tensor.item()`` / ``tolist()``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["PRINT_OPTS", "format_tensor", "get_printoptions", "printoptions", "set_printoptions"]


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()

# profile name -> (precision, threshold, edgeitems, linewidth)
_PROFILES: dict[str, tuple[int, float, int, int]] = {
    "default": (4, 1000, 3, 80),
    "short": (2, 1000, 2, 80),
    "full": (4, math.inf, 3, 80),
}

# torch's default dtype; with it, complex64 is the default complex dtype.
_DEFAULT_DTYPE = "float32"
# dtypes whose name is not printed for non-empty tensors.
_IMPLICIT_DTYPES = frozenset({"float32", "complex64", "int64", "bool"})

_ALIASES = {
    "float": "float32",
    "double": "float64",
    "half": "float16",
    "long": "int64",
    "int": "int32",
    "short": "int16",
    "cfloat": "complex64",
    "cdouble": "complex128",
}

_NUMPY_DTYPES = {
    name: np.dtype(name)
    for name in (
        "float16",
        "float32",
        "float64",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "bool",
        "complex64",
        "complex128",
    )
}


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set printing options, with the semantics of ``torch.set_printoptions``.

    ``profile`` ('default', 'short' or 'full') is applied first and the other
    given options override it. As in torch, ``sci_mode`` is always assigned, so
    omitting it resets it to ``None`` (automatic choice).
    """
    if profile is not None and profile in _PROFILES:
        (
            PRINT_OPTS.precision,
            PRINT_OPTS.threshold,
            PRINT_OPTS.edgeitems,
            PRINT_OPTS.linewidth,
        ) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current options as a dict accepted by :func:`set_printoptions`."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change print options (same arguments as :func:`set_printoptions`)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Decides notation and width for a set of values, then formats single values."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind in "fV"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)

        if not self.floating:
            # ints and bools: plain str(); the width over distinct values is enough.
            for value in np.unique(flat).tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return

        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero_finite.size == 0:
            return  # nothing to decide from: int_mode, no sci_mode, width 1

        abs_vals = np.abs(nonzero_finite).astype(np.float64)
        lo, hi = abs_vals.min(), abs_vals.max()
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        if PRINT_OPTS.sci_mode is None:
            with np.errstate(over="ignore"):
                self.sci_mode = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        precision = PRINT_OPTS.precision
        distinct = np.unique(nonzero_finite).tolist()
        if self.sci_mode:
            width = max(len(f"{v:.{precision}e}") for v in distinct)
        elif self.int_mode:
            # the trailing '.' marks a floating tensor, hence the + 1
            width = max(len(f"{v:.0f}") for v in distinct) + 1
        else:
            width = max(len(f"{v:.{precision}f}") for v in distinct)
        self.max_width = max(self.max_width, width)

    def format(self, value: Any) -> str:
        """Format one Python scalar, right-aligned to the common width."""
        if self.floating:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{PRINT_OPTS.precision}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _format_value(value: Any, real_fmt: _Formatter, imag_fmt: _Formatter | None) -> str:
    """Format one element; complex values use one formatter per part."""
    if imag_fmt is None:
        return real_fmt.format(value)
    real_str = real_fmt.format(value.real)
    imag_str = (imag_fmt.format(value.imag) + "j").lstrip()
    if imag_str[0] in "+-":
        return real_str + imag_str
    return real_str + "+" + imag_str


def _summarized(data: np.ndarray) -> np.ndarray:
    """The elements kept when summarising (they alone drive the formatter)."""
    edge = PRINT_OPTS.edgeitems
    if data.ndim == 0:
        return data
    if data.ndim == 1:
        # NB: with edgeitems == 0, data[-0:] is the whole vector, as in torch.
        if data.shape[0] > 2 * edge:
            return np.concatenate((data[:edge], data[-edge:]))
        return data
    if not edge:
        return np.empty((0,) * data.ndim, dtype=data.dtype)
    index = [np.r_[0:edge, n - edge : n] if n > 2 * edge else np.arange(n) for n in data.shape]
    return data[np.ix_(*index)]


def _vector_str(
    data: np.ndarray,
    indent: int,
    summarize: bool,
    real_fmt: _Formatter,
    imag_fmt: _Formatter | None,
) -> str:
    element_length = real_fmt.max_width + 2  # ", " between elements
    if imag_fmt is not None:
        element_length += imag_fmt.max_width + 1  # the imaginary part and its 'j'
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))

    def fmt(values: np.ndarray) -> list[str]:
        return [_format_value(v, real_fmt, imag_fmt) for v in values.tolist()]

    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        items = ["..."]
    elif summarize and data.shape[0] > 2 * edge:
        items = fmt(data[:edge]) + [" ..."] + fmt(data[-edge:])
    else:
        items = fmt(data)

    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(
    data: np.ndarray,
    indent: int,
    summarize: bool,
    real_fmt: _Formatter,
    imag_fmt: _Formatter | None,
) -> str:
    if data.ndim == 0:
        return _format_value(data.item(), real_fmt, imag_fmt)
    if data.ndim == 1:
        return _vector_str(data, indent, summarize, real_fmt, imag_fmt)

    n, edge = data.shape[0], PRINT_OPTS.edgeitems
    rows: list[int | None]
    if summarize and n > 2 * edge:
        rows = [*range(edge), None, *range(n - edge, n)]
    else:
        rows = list(range(n))
    slices = [
        "..." if i is None else _nested_str(data[i], indent + 1, summarize, real_fmt, imag_fmt)
        for i in rows
    ]
    separator = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _tensor_str(data: np.ndarray, indent: int) -> str:
    """The bracketed contents of a tensor, as torch's ``_tensor_str``."""
    if data.size == 0:
        return "[]"
    summarize = data.size > PRINT_OPTS.threshold
    source = _summarized(data) if summarize else data
    if data.dtype.kind == "c":
        real_fmt, imag_fmt = _Formatter(source.real), _Formatter(source.imag)
        return _nested_str(data, indent, summarize, real_fmt, imag_fmt)
    return _nested_str(data, indent, summarize, _Formatter(source), None)


def _add_suffixes(tensor_str: str, suffixes: list[str], indent: int) -> str:
    parts = [tensor_str]
    # (sic) torch's estimate of the last line's length is 2 more than the real one
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def format_meta(shape, dtype, *, requires_grad=False, grad_fn_name=None,
                is_parameter=False) -> str:
    """torch's ``repr`` of a meta tensor: no values, its device, size and dtype (when not
    the default dtype)."""
    from ._device import get_default_device
    from ._dtypes import get_default_dtype
    suffixes = []
    if get_default_device().type != "meta":
        suffixes.append("device='meta'")
    suffixes.append("size=" + str(tuple(int(n) for n in shape)))
    if dtype is not get_default_dtype():
        suffixes.append(f"dtype=torch.{dtype.name}")
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    text = "tensor(..., " + ", ".join(suffixes) + ")"
    return "Parameter containing:\n" + text if is_parameter else text


def format_tensor(
    data: Any,
    dtype_name: str,
    *,
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    is_parameter: bool = False,
    device_suffix: str | None = None,
    tangent_text: str | None = None,
) -> str:
    """Return exactly what torch's ``repr(tensor)`` returns for a tensor holding ``data``.

    ``dtype_name`` is the torch dtype without prefix ('float32', 'int64', ...).
    ``grad_fn_name`` (e.g. 'SinBackward0') takes precedence over ``requires_grad``
    as in torch. ``is_parameter`` prefixes ``Parameter containing:``; the
    ``requires_grad`` flag is still taken from the argument (a Parameter normally
    passes True). ``device_suffix`` is a device string such as 'cuda:0' (or an
    already formed "device='cuda:0'") shown first among the suffixes. ``tangent_text`` is a
    dual tensor's tangent, printed last.
    """
    name = _ALIASES.get(dtype_name, dtype_name)
    np_dtype = _NUMPY_DTYPES.get(name)
    arr = np.asarray(data) if np_dtype is None else np.asarray(data, dtype=np_dtype)
    if arr.dtype.kind == "V":  # ml_dtypes' bfloat16: every value is exactly a float32
        arr = arr.astype(np.float32)

    prefix = "tensor("
    indent = len(prefix)
    suffixes: list[str] = []
    if device_suffix:
        if device_suffix.startswith("device="):
            suffixes.append(device_suffix)
        else:
            suffixes.append(f"device='{device_suffix}'")

    size_suffix = "size=" + str(tuple(int(n) for n in arr.shape))
    if arr.size == 0:
        # numpy's convention: the shape is explicit unless it is (0,); the dtype
        # cannot be inferred from no elements, so only float32 omits it.
        if arr.ndim != 1:
            suffixes.append(size_suffix)
        if name != _DEFAULT_DTYPE:
            suffixes.append(f"dtype=torch.{name}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(size_suffix)
        if name not in _IMPLICIT_DTYPES:
            suffixes.append(f"dtype=torch.{name}")
        body = _tensor_str(arr, indent)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    if tangent_text is not None:  # a dual tensor (forward AD)
        suffixes.append(f"tangent={tangent_text}")

    text = _add_suffixes(prefix + body, suffixes, indent)
    if is_parameter:
        text = "Parameter containing:\n" + text
    return text
