"""torch.amp.autocast: accepted where torch runs it disabled; no mixed precision on NumPy."""
from __future__ import annotations

import functools
import warnings


def is_autocast_available(device_type: str) -> bool:
    """Whether autocast can cast on ``device_type``: never in chainrule (torch: cpu, cuda)."""
    return False


class autocast:  # noqa: N801 - torch's name
    """``with torch.amp.autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``.

    Disabled contexts (``enabled=False``, or ``"cuda"`` without CUDA, as torch's CPU build
    warns) run their body unchanged; enabling mixed precision on the CPU raises
    ``NotImplementedError`` rather than computing in a dtype torch would not use."""

    def __init__(self, device_type: str, dtype=None, enabled: bool = True,
                 cache_enabled: bool | None = None):
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        self.device = device_type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)
        if self._enabled and device_type == "cuda":
            warnings.warn("CUDA is not available or torch_xla is imported. Disabling autocast.",
                          stacklevel=2)
            self._enabled = False
        if self._enabled:
            raise NotImplementedError(
                f"chainrule has no autocast on '{device_type}': it computes in the dtypes of "
                "its inputs. Convert the model and inputs (e.g. model.to(torch.bfloat16)) or "
                "pass enabled=False.")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return run


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """Decorator for a custom Function's forward under autocast: a pass-through here."""
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd=None, *, device_type: str):
    """Decorator for a custom Function's backward under autocast: a pass-through here."""
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
