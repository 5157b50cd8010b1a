"""``torch.backends.mkl``: chainrule computes with NumPy, so this library is not used."""
from __future__ import annotations

enabled = False


def is_available() -> bool:
    return False
