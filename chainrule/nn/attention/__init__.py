"""torch.nn.attention: choosing a scaled-dot-product-attention backend.

chainrule has one implementation (torch's math form, in ``F.scaled_dot_product_attention``),
so ``sdpa_kernel`` checks its arguments and records the choice, and every backend computes
the same numbers; on a CPU-only torch the flash and math kernels agree to rounding.
"""
from __future__ import annotations

import contextlib
import enum

__all__ = ["SDPBackend", "sdpa_kernel", "WARN_FOR_UNFUSED_KERNELS"]

WARN_FOR_UNFUSED_KERNELS = False


class SDPBackend(enum.IntEnum):
    """torch's backend enum (same names and values)."""
    ERROR = -1
    MATH = 0
    FLASH_ATTENTION = 1
    EFFICIENT_ATTENTION = 2
    CUDNN_ATTENTION = 3
    OVERRIDEABLE = 4


_enabled = [frozenset(SDPBackend) - {SDPBackend.ERROR}]


def _backends_enabled():
    return _enabled[0]


@contextlib.contextmanager
def sdpa_kernel(backends, set_priority: bool = False):
    """``with sdpa_kernel(SDPBackend.MATH):`` — the backends sdpa may use in the block."""
    if not isinstance(backends, (list, tuple, set, SDPBackend)):
        raise AssertionError("Backend must be an instance of SDPBackend or a list of "
                             "SDPBackend instances")
    chosen = [backends] if isinstance(backends, SDPBackend) else list(backends)
    for b in chosen:
        if not isinstance(b, SDPBackend):
            raise AssertionError("Backend must be an instance of SDPBackend or a list of "
                                 "SDPBackend instances")
    prev = _enabled[0]
    _enabled[0] = frozenset(chosen)
    try:
        yield {}
    finally:
        _enabled[0] = prev
