"""The ops behind ``nn.functional``, one module per family (``linear``, ``loss``, and to
come: ``activation``, ``conv``, ``pooling``, ``normalization``, ``attention``,
``embedding``, ``dropout``, ``distance``, ``sampling``).

Each family module lists in ``__all__`` the functions ``nn.functional`` shows; a new family
is one new module added to ``FAMILIES``.
"""
from __future__ import annotations

from . import (
    activation,
    attention,
    conv,
    distance,
    dropout,
    embedding,
    grid,
    linear,
    loss,
    normalization,
    padding,
    pooling,
    pooling_adaptive,
    pooling_fractional,
    sampling,
)

FAMILIES = (
    activation,
    dropout,
    linear,
    loss,
    conv,
    padding,
    pooling,
    pooling_adaptive,
    pooling_fractional,
    sampling,
    grid,
    normalization,
    embedding,
    distance,
    attention,
)
