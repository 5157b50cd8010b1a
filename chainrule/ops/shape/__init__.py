"""Shape and movement ops, one module a family: views (view, reshape, transpose, permute,
expand, squeeze, ...), join (stack, cat, unbind, ...) and convert (dtype conversions)."""
from __future__ import annotations

from . import convert, join, views  # noqa: F401
from .views import SQUEEZE_INPLACE_DIM, UNSQUEEZE, alias, clone  # noqa: F401
