"""torch.amp: automatic mixed precision on the CPU.

``GradScaler`` is torch's (dynamic loss scaling with inf checks, skipped steps, growth and
backoff, state dicts). ``autocast`` keeps torch's state and its checks of device and dtype,
but runs the region in the inputs' own dtypes: it does not cast to bfloat16 (CPU
autocast's default) or float16 (docs/differences.md).
"""
from .autocast_mode import (
    autocast,
    custom_bwd,
    custom_fwd,
    get_autocast_dtype,
    is_autocast_available,
    is_autocast_enabled,
    set_autocast_dtype,
    set_autocast_enabled,
)
from .grad_scaler import GradScaler, OptState

__all__ = ["GradScaler", "OptState", "autocast", "custom_bwd", "custom_fwd",
           "get_autocast_dtype", "is_autocast_available", "is_autocast_enabled",
           "set_autocast_dtype", "set_autocast_enabled"]
