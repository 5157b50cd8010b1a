"""``torch.accelerator``: the current accelerator, of which chainrule has none."""
from __future__ import annotations

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "synchronize", "current_stream", "device_index"]

_NONE = "Cannot access accelerator device when none is available."


def is_available() -> bool:
    """False: chainrule computes on the CPU only."""
    return False


def current_accelerator(check_available: bool = False):
    """None: there is no accelerator."""
    return None


def device_count() -> int:
    return 0


def current_device_index() -> int:
    raise RuntimeError(_NONE)


current_device_idx = current_device_index


def set_device_index(device) -> None:
    raise RuntimeError(_NONE)


set_device_idx = set_device_index


def synchronize(device=None) -> None:
    raise RuntimeError(_NONE)


def current_stream(device=None):
    raise RuntimeError(_NONE)


class device_index:
    """``with torch.accelerator.device_index(i):``; ``None`` is a no-op, an index raises."""

    def __init__(self, device):
        self.idx = device

    def __enter__(self):
        if self.idx is not None:
            raise RuntimeError(_NONE)
        return self

    def __exit__(self, *exc) -> bool:
        return False
