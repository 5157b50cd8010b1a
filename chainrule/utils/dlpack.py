"""torch.utils.dlpack: ``from_dlpack`` and ``to_dlpack`` (see chainrule/_dlpack.py)."""
from __future__ import annotations

from chainrule._dlpack import from_dlpack, to_dlpack

__all__ = ["from_dlpack", "to_dlpack"]
