"""``pin_memory``: on a machine without an accelerator (chainrule's CPU) there is no
pinned memory; the DataLoader warns as torch does and hands batches over unchanged."""
from __future__ import annotations


def pin_memory(data, device=None):
    """``data`` itself: CPU tensors need no pinning here."""
    return data
