"""``torch.backends.cudnn``: not available; ``enabled``/``benchmark``/``deterministic``/
``allow_tf32`` are plain settable flags with torch's defaults."""
from __future__ import annotations

import sys

from ._flags import set_flags

enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    return False


def version():
    """None: no cuDNN library."""
    return None


def is_acceptable(tensor) -> bool:
    return False


def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
          allow_tf32=True):
    """``with torch.backends.cudnn.flags(...):`` the flags for a block."""
    return set_flags(sys.modules[__name__], enabled=enabled, benchmark=benchmark,
                     benchmark_limit=benchmark_limit, deterministic=deterministic,
                     allow_tf32=allow_tf32)
