"""chainrule.multiprocessing: Python's ``multiprocessing`` with tensors sent through shared
memory (torch.multiprocessing).

Everything in ``multiprocessing`` is here (``Process``, ``Queue``, ``SimpleQueue``,
``Pipe``, ``Pool``, ``get_context``, ``set_start_method`` ...), plus ``spawn`` and the
sharing-strategy switches. Importing chainrule registers the tensor reducer with
``multiprocessing``'s pickler, so a tensor put on any queue, sent down a pipe or passed to
a spawned process arrives in the other process over the same memory (see ``reductions``).
"""
from __future__ import annotations

import multiprocessing
import sys
from multiprocessing import *  # noqa: F403

from . import reductions  # noqa: F401
from ._shared_memory import new_shared  # noqa: F401
from .reductions import init_reductions  # noqa: F401

_SPAWN_NAMES = ("ENV_VAR_PARALLEL_START", "ProcessContext", "ProcessException",
                "ProcessExitedException", "ProcessRaisedException", "SpawnContext", "spawn",
                "start_processes")


def __getattr__(name):
    # spawn's machinery (logging, tempfile, connection waits) loads on first use, keeping
    # `import chainrule` light; the reducers above must be registered at import.
    if name in _SPAWN_NAMES:
        from . import _spawn
        return getattr(_spawn, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies",
           *_SPAWN_NAMES]
__all__ += multiprocessing.__all__

if sys.platform in ("darwin", "win32"):
    _sharing_strategy = "file_system"
    _all_sharing_strategies = {"file_system"}
else:
    _sharing_strategy = "file_descriptor"
    _all_sharing_strategies = {"file_descriptor", "file_system"}


def set_sharing_strategy(new_strategy: str) -> None:
    """Choose how tensors are shared: torch's ``file_descriptor`` or ``file_system``.
    chainrule accepts both and sends a segment's descriptor either way (its segments have
    no name to pass), so no name is ever left behind in ``/dev/shm``."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, expected one of "
                             f"{_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_sharing_strategy() -> str:
    """The current sharing strategy's name."""
    return _sharing_strategy


def get_all_sharing_strategies() -> set:
    """The strategies this platform supports."""
    return _all_sharing_strategies


def _set_thread_name(name: str) -> None:
    """Name the calling thread (best effort: torch names its worker threads)."""
    import threading
    threading.current_thread().name = name


def _get_thread_name() -> str:
    import threading
    return threading.current_thread().name

