"""chainrule.utils: data loading (``utils.data``) and DLPack interchange, as torch.utils."""
from __future__ import annotations

from . import data, dlpack, hooks  # noqa: F401 - hooks: torch.utils.hooks (nnmod)
from . import checkpoint  # noqa: F401, E402 - torch.utils.checkpoint (autotools)
