"""Global settings torch programs read and set: threads, deterministic algorithms, the
float32 matmul precision, warn-always, the default dtype / tensor type, and
``finfo``/``iinfo``.

``set_num_threads`` sets the thread count of the BLAS NumPy uses (OpenBLAS) when it can be
found, so it speeds matrix products up or down as torch's does; otherwise it is recorded
and reported back. chainrule is deterministic throughout, so the deterministic-algorithms
switches only record what was asked.
"""
from __future__ import annotations

import ctypes
import math
import os
import warnings

import numpy as np

from . import _dtypes
from ._factory import torch_type_name

__all__ = ["get_num_threads", "set_num_threads", "get_num_interop_threads",
           "set_num_interop_threads", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_deterministic_debug_mode", "get_deterministic_debug_mode",
           "get_float32_matmul_precision", "set_float32_matmul_precision", "set_warn_always",
           "is_warn_always_enabled", "set_default_dtype", "set_default_tensor_type", "finfo",
           "iinfo"]


class _Settings:
    def __init__(self):
        self.threads = None
        self.interop = None
        self.deterministic = False
        self.warn_only = False
        self.matmul_precision = "highest"
        self.warn_always = False


_settings = _Settings()


def _blas():
    """(get, set) of the loaded OpenBLAS's thread count, or None."""
    cached = getattr(_blas, "found", 0)
    if cached != 0:
        return cached
    found = None
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
        for path in sorted(paths):
            lib = ctypes.CDLL(path)
            for prefix in ("scipy_openblas", "openblas"):
                for suffix in ("64_", ""):
                    get = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                    put = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                    if get is not None and put is not None:
                        found = (get, put)
                        break
                if found:
                    break
            if found:
                break
    except (OSError, AttributeError):
        found = None
    _blas.found = found
    return found


def _thread_count(fname: str, n) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise RuntimeError(f"{fname} expects an int, but got {torch_type_name(n)}")
    if n <= 0:
        raise RuntimeError(f"{fname} expects a positive integer")
    return n


def get_num_threads() -> int:
    """The number of threads used for intra-op parallelism (NumPy's BLAS)."""
    if _settings.threads is not None:
        return _settings.threads
    blas = _blas()
    if blas is not None:
        return int(blas[0]())
    return os.cpu_count() or 1


def set_num_threads(n: int) -> None:
    """Set the number of threads NumPy's BLAS uses (recorded where it cannot be set)."""
    n = _thread_count("set_num_threads", n)
    blas = _blas()
    if blas is not None:
        blas[1](ctypes.c_int(n))
    _settings.threads = n


def get_num_interop_threads() -> int:
    """Inter-op threads: chainrule runs ops one after another; reports the setting."""
    return _settings.interop if _settings.interop is not None else (os.cpu_count() or 1)


def set_num_interop_threads(n: int) -> None:
    _settings.interop = _thread_count("set_num_interop_threads", n)


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the request; chainrule's algorithms are deterministic already."""
    if not isinstance(mode, bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must "
                        f"be bool, not {torch_type_name(mode)}")
    _settings.deterministic = mode
    _settings.warn_only = bool(warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    return _settings.deterministic


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _settings.warn_only


_DEBUG_MODES = {"default": 0, "warn": 1, "error": 2}


def set_deterministic_debug_mode(debug_mode) -> None:
    """0/'default' off, 1/'warn' deterministic with warnings, 2/'error' deterministic."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, "
                               f"`error`, but got {debug_mode}")
        debug_mode = _DEBUG_MODES[debug_mode]
    if isinstance(debug_mode, bool) or not isinstance(debug_mode, int):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got "
                           f"{debug_mode}")
    _settings.deterministic = debug_mode != 0
    _settings.warn_only = debug_mode == 1


def get_deterministic_debug_mode() -> int:
    if not _settings.deterministic:
        return 0
    return 1 if _settings.warn_only else 2


def get_float32_matmul_precision() -> str:
    return _settings.matmul_precision


def set_float32_matmul_precision(precision: str) -> None:
    """'highest', 'high' or 'medium' (recorded; NumPy computes float32 products exactly
    as 'highest')."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision {precision}, expected one of highest, high, "
                           "medium")
    _settings.matmul_precision = precision


def set_warn_always(b: bool) -> None:
    _settings.warn_always = bool(b)


def is_warn_always_enabled() -> bool:
    return _settings.warn_always


def set_default_dtype(d) -> None:
    """Set the dtype of tensors made from Python floats and of every float factory
    (float32 or float64; float16 too, as torch allows)."""
    if not isinstance(d, _dtypes.dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the "
                        "default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtypes.set_default_dtype(d)


def set_default_tensor_type(t) -> None:
    """Deprecated in torch: set the default dtype from a legacy type (``torch.DoubleTensor``
    or its name)."""
    from ._legacy import dtype_from_type_name
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
                  UserWarning, stacklevel=2)
    name = t if isinstance(t, str) else getattr(t, "__name__", "")
    if getattr(t, "is_cuda", False) or (isinstance(t, str) and t.startswith("torch.cuda.")):
        raise TypeError("type torch.cuda.FloatTensor not available. Torch not compiled with "
                        "CUDA enabled.")
    dtype = dtype_from_type_name(name)
    if dtype is None:
        raise TypeError(f"invalid type: '{name}'")
    if not dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _dtypes.set_default_dtype(dtype)


# ---------------------------------------------------------------------------- finfo / iinfo
def _g(value) -> str:
    return f"{value:.6g}"


class finfo:
    """Machine limits of a floating dtype: ``bits``, ``eps``, ``max``, ``min``, ``tiny``
    (= ``smallest_normal``), ``resolution``, ``dtype`` (a name)."""

    def __init__(self, type=None):  # noqa: A002 - torch's parameter name
        if type is None:
            type = _dtypes.get_default_dtype()
        if type is float:
            type = _dtypes.float64
        if not isinstance(type, _dtypes.dtype):
            raise TypeError(f"finfo(): argument 'type' (position 1) must be torch.dtype, not "
                            f"{torch_type_name(type)}")
        if not (type.is_floating_point or type.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use "
                            "torch.iinfo to handle 'torch.finfo'")
        real = type.to_real()
        if real.name == "bfloat16":  # torch's values, without importing ml_dtypes
            self.bits, self.eps, self.max = 16, 2.0 ** -7, 3.3895313892515355e38
            self.min, self.tiny = -self.max, 2.0 ** -126
        else:
            info = np.finfo(real.np)
            self.bits = int(info.bits)
            self.eps = float(info.eps)
            self.max = float(info.max)
            self.min = float(info.min)
            self.tiny = float(info.smallest_normal)
        self.smallest_normal = self.tiny
        self.resolution = 10.0 ** -math.floor(-math.log10(self.eps))
        self.dtype = real.name

    def __eq__(self, other) -> bool:
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self) -> int:
        return hash(("finfo", self.dtype))

    def __repr__(self) -> str:
        return (f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, "
                f"max={_g(self.max)}, eps={_g(self.eps)}, "
                f"smallest_normal={_g(self.smallest_normal)}, tiny={_g(self.tiny)}, "
                f"dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype: ``bits``, ``min``, ``max``, ``dtype``."""

    def __init__(self, type):  # noqa: A002
        if not isinstance(type, _dtypes.dtype):
            raise TypeError(f"iinfo(): argument 'type' (position 1) must be torch.dtype, not "
                            f"{torch_type_name(type)}")
        if type is _dtypes.bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(type.np)
        self.bits = int(info.bits)
        self.min = int(info.min)
        self.max = int(info.max)
        self.dtype = type.name

    def __eq__(self, other) -> bool:
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self) -> int:
        return hash(("iinfo", self.dtype))

    def __repr__(self) -> str:
        return f"iinfo(min={_g(float(self.min))}, max={_g(float(self.max))}, dtype={self.dtype})"
