"""``torch.backends.cpu``."""
from __future__ import annotations


def get_cpu_capability() -> str:
    """'DEFAULT': chainrule dispatches to no vectorised kernels of its own (NumPy does)."""
    return "DEFAULT"
