"""A context manager that sets module flags for a block and restores them after."""
from __future__ import annotations

import contextlib


@contextlib.contextmanager
def set_flags(module, **values):
    old = {k: getattr(module, k) for k in values}
    for k, v in values.items():
        if v is not None:
            setattr(module, k, v)
    try:
        yield
    finally:
        for k, v in old.items():
            setattr(module, k, v)
