"""torch.cpu: the CPU device module (the one device chainrule has) and ``torch.cpu.amp``."""
from __future__ import annotations

import contextlib

from . import amp  # noqa: F401

__all__ = ["amp", "current_device", "current_stream", "device_count", "is_available",
           "set_device", "stream", "synchronize", "Stream", "StreamContext", "Event"]


def is_available() -> bool:
    return True


def is_initialized() -> bool:
    return True


def device_count() -> int:
    return 1


def current_device() -> str:
    return "cpu"


def set_device(device) -> None:
    """Accepted, as torch's (a no-op: there is one CPU device)."""


def synchronize(device=None) -> None:
    """A no-op: CPU work is synchronous."""


def get_capabilities() -> dict:
    return {}


class Stream:
    """torch.cpu.Stream: CPU work runs in order, so a stream only has to exist."""

    def __init__(self, priority: int = -1):
        self.priority = priority

    def wait_stream(self, stream) -> None:
        pass

    def synchronize(self) -> None:
        pass

    def query(self) -> bool:
        return True


class Event:
    def record(self, stream=None) -> None:
        pass

    def wait(self, stream=None) -> None:
        pass

    def synchronize(self) -> None:
        pass

    def query(self) -> bool:
        return True


_default_stream = Stream()


def current_stream(device=None) -> Stream:
    return _default_stream


class StreamContext(contextlib.nullcontext):
    """``with torch.cpu.stream(s):`` — nothing to switch on the CPU."""


def stream(stream) -> StreamContext:
    return StreamContext(stream)
