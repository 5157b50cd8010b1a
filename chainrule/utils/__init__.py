"""chainrule.utils: data loading (``utils.data``) and DLPack interchange, as torch.utils."""
from __future__ import annotations

from . import benchmark, data, dlpack, hooks  # noqa: F401 - hooks (nnmod), benchmark (func)
