"""chainrule.utils: data loading (``utils.data``) and DLPack interchange, as torch.utils."""
from __future__ import annotations  # noqa: I001 - one import line per helper, for merges

from . import benchmark, data, dlpack, hooks  # noqa: F401 - hooks (nnmod), benchmark (func)
from . import checkpoint  # noqa: F401 - torch.utils.checkpoint (autotools)
