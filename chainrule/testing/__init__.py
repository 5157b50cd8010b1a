"""``torch.testing``: ``assert_close`` (torch's tolerances and messages) and
``make_tensor``."""
from __future__ import annotations

from ._comparison import assert_allclose, assert_close, default_tolerances
from ._creation import make_tensor

__all__ = ["assert_close", "assert_allclose", "make_tensor", "default_tolerances"]
