"""torch.nn.utils: helpers for modules (the rnn packing utilities)."""
from __future__ import annotations

from . import rnn

__all__ = ["rnn"]
