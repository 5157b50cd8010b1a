"""chainrule.utils: data loading (``utils.data``) and DLPack interchange, as torch.utils."""
from __future__ import annotations

from . import data, dlpack, hooks  # noqa: F401 - hooks: torch.utils.hooks (nnmod)
