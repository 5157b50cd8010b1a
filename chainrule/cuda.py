"""``torch.cuda`` as a CPU-only torch build shows it: nothing is available, queries answer
0/False/None, seeding and cache calls are harmless no-ops, and anything that needs a GPU
raises torch's ``AssertionError: Torch not compiled with CUDA enabled``.

The answers are those of torch 2.13's CPU wheel, so a program that tests
``torch.cuda.is_available()`` takes its CPU path unchanged.
"""
from __future__ import annotations

import sys as _sys
from typing import TYPE_CHECKING as _TYPE_CHECKING

from ._legacy import CUDA_LEGACY_TYPES

__all__ = ["is_available", "device_count", "is_initialized", "init", "current_device",
           "get_device_name", "get_device_properties", "get_device_capability", "synchronize",
           "empty_cache", "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed",
           "get_rng_state", "set_rng_state", "get_rng_state_all", "set_rng_state_all",
           "memory_allocated", "max_memory_allocated", "memory_reserved",
           "max_memory_reserved", "is_bf16_supported", "get_arch_list", "device", "device_of",
           "current_stream", "mem_get_info", "set_device"]

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def _unavailable():
    raise AssertionError(_NOT_COMPILED)


def is_available() -> bool:
    """False: chainrule has no CUDA backend."""
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def init() -> None:
    _unavailable()


def current_device() -> int:
    _unavailable()


def set_device(device) -> None:
    _unavailable()


def get_device_name(device=None) -> str:
    _unavailable()


def get_device_properties(device=None):
    _unavailable()


def get_device_capability(device=None):
    _unavailable()


def synchronize(device=None) -> None:
    """Raises, as torch's CPU build does (there is no GPU work to wait for)."""
    _unavailable()


def current_stream(device=None):
    _unavailable()


def mem_get_info(device=None):
    _unavailable()


def empty_cache() -> None:
    """No cached GPU memory: does nothing."""


def manual_seed(seed) -> None:
    """Seeding a GPU that is not there does nothing (torch defers it the same way)."""


def manual_seed_all(seed) -> None:
    """Does nothing (no GPUs to seed)."""


def seed() -> None:
    """Does nothing (no GPUs to seed)."""


def seed_all() -> None:
    """Does nothing (no GPUs to seed)."""


def initial_seed() -> int:
    _unavailable()


def get_rng_state(device="cuda"):
    _unavailable()


def set_rng_state(new_state, device="cuda") -> None:
    """Does nothing (torch queues it for a GPU that never initialises)."""


def get_rng_state_all() -> list:
    return []


def set_rng_state_all(new_states) -> None:
    """Does nothing."""


def memory_allocated(device=None) -> int:
    return 0


def max_memory_allocated(device=None) -> int:
    return 0


def memory_reserved(device=None) -> int:
    return 0


def max_memory_reserved(device=None) -> int:
    return 0


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def get_arch_list() -> list:
    return []


class device:
    """``with torch.cuda.device(i):`` a context that selects a GPU; with none, entering
    does nothing (as torch does for a negative index) unless a GPU would be used."""

    def __init__(self, device):
        self.idx = device if isinstance(device, int) else -1

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False


class device_of(device):
    """``torch.cuda.device_of(tensor)``: the device context of a tensor (the CPU here)."""

    def __init__(self, obj):
        super().__init__(-1)


globals().update(CUDA_LEGACY_TYPES)
__all__ += list(CUDA_LEGACY_TYPES)
if _TYPE_CHECKING:  # the names bound just above, for static tools (tools/gen_stubs.py)
    from ._cuda_names import *  # noqa: F403 - a stub-only module


# torch.cuda.amp (deprecated spellings of torch.amp), importable as a module too
from .amp import _cuda_amp as amp  # noqa: E402

_sys.modules[__name__ + ".amp"] = amp
