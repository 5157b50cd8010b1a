"""``autocast``: torch's context manager and decorator, its per-device state and checks.

The state (``is_autocast_enabled``, ``get_autocast_dtype``) follows torch's so code that
queries it behaves the same; the ops inside run in their inputs' dtypes.
"""
from __future__ import annotations

import functools
import threading
import warnings

from .. import _dtypes

_DEVICES = ("cpu", "cuda", "xpu", "mps", "hpu", "xla", "ipu", "mtia", "maia", "privateuseone")
_state = threading.local()


def _table():
    t = getattr(_state, "table", None)
    if t is None:
        t = _state.table = {"enabled": {}, "dtype": {"cpu": _dtypes.bfloat16,
                                                       "cuda": _dtypes.float16}}
    return t


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can be enabled for ``device_type``: only ``"cpu"`` here."""
    return device_type == "cpu"


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` (no argument: the GPU's, as torch)."""
    return bool(_table()["enabled"].get("cuda" if device_type is None else device_type, False))


def set_autocast_enabled(device_type, enabled=None) -> None:
    if enabled is None:  # torch's older one-argument form sets the GPU's flag
        device_type, enabled = "cuda", device_type
    _table()["enabled"][device_type] = bool(enabled)


def get_autocast_dtype(device_type: str):
    """The dtype autocast would use on ``device_type`` (CPU: bfloat16, as torch)."""
    return _table()["dtype"].get(device_type, _dtypes.float16)


def set_autocast_dtype(device_type: str, dtype) -> None:
    _table()["dtype"][device_type] = dtype


class autocast:
    """Mixed-precision regions, torch's API: ``with autocast("cpu", dtype=torch.float16):``.

    Checks the arguments as torch does (``device_type`` a string, a known device, a dtype the
    device supports; otherwise torch's warning and autocast disabled), sets the state that
    ``is_autocast_enabled`` reports, nests and restores it, and works as a decorator. The
    region's ops compute in their inputs' dtypes (no lower-precision casts).
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _DEVICES:
            raise RuntimeError(
                f"User specified an unsupported autocast device_type '{device_type}'")
        self.device = device_type
        self.fast_dtype = get_autocast_dtype(device_type) if dtype is None else dtype
        self._cache_enabled = True if cache_enabled is None else cache_enabled
        if enabled and device_type == "cpu":
            if self.fast_dtype is not _dtypes.float16 and self.fast_dtype is not _dtypes.bfloat16:
                warnings.warn("In CPU autocast, but the target dtype is not supported. "
                              "Disabling autocast.\nCPU Autocast only supports dtypes of "
                              "torch.bfloat16, torch.float16 currently.", stacklevel=2)
                enabled = False
        elif enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling "
                          "autocast.", stacklevel=2)
            enabled = False
        elif enabled:
            warnings.warn(f"User provided device_type of '{device_type}', but "
                          f"{device_type.upper()} is not available. Disabling", stacklevel=2)
            enabled = False
        self._enabled = enabled

    def __enter__(self):
        t = _table()
        self._prev = (t["enabled"].get(self.device, False), t["dtype"].get(self.device))
        t["enabled"][self.device] = self._enabled
        t["dtype"][self.device] = self.fast_dtype
        return self

    def __exit__(self, *exc):
        t = _table()
        t["enabled"][self.device], t["dtype"][self.device] = self._prev
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorated(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorated


def custom_fwd(fwd=None, *, device_type: str = "cpu", cast_inputs=None):
    """Decorator for a custom Function's forward (torch.amp.custom_fwd); with
    ``cast_inputs`` floating inputs are cast to it when autocast is on."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(*args, **kwargs):
        if cast_inputs is None or not is_autocast_enabled(device_type):
            return fwd(*args, **kwargs)
        from .._tensor import Tensor

        def cast(v):
            return v.to(cast_inputs) if isinstance(v, Tensor) and v.is_floating_point() else v
        with autocast(device_type, enabled=False):
            return fwd(*[cast(a) for a in args], **{k: cast(v) for k, v in kwargs.items()})
    return decorate_fwd


def custom_bwd(bwd=None, *, device_type: str = "cpu"):
    """Decorator for a custom Function's backward (torch.amp.custom_bwd): runs it with the
    autocast state of the forward (here: unchanged)."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
