"""The DataLoader's machinery: collation, fetching, worker processes, pinning
(torch.utils.data._utils)."""
from __future__ import annotations

import atexit
import sys

IS_WINDOWS = sys.platform == "win32"
HAS_NUMPY = True

MP_STATUS_CHECK_INTERVAL = 5.0
"""Seconds between checks that the process at the other end of a queue is alive."""

python_exit_status = False
"""True once the interpreter is shutting down: iterators then leave their workers to the
daemon-process cleanup instead of talking to them."""


def _set_python_exit_flag() -> None:
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)

from . import collate, fetch, pin_memory, worker  # noqa: E402, F401
