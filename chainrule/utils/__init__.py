"""chainrule.utils: data loading (``utils.data``) and DLPack interchange, as torch.utils."""
from __future__ import annotations

from . import (  # noqa: F401
    benchmark,  # noqa: F401  (Timer, Measurement, Compare)
    data,
    dlpack,
)
