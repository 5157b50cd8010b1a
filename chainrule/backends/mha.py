"""``torch.backends.mha``: whether MultiheadAttention / TransformerEncoder may take torch's
fused fast path. chainrule computes the same function either way; the flag decides only
whether a TransformerEncoder reproduces the nested-tensor path's zeroed padding."""
from __future__ import annotations

_is_fastpath_enabled: bool = True


def get_fastpath_enabled() -> bool:
    """Whether the fast path is enabled (it is by default)."""
    return _is_fastpath_enabled


def set_fastpath_enabled(value: bool) -> None:
    """Enable or disable the fast path."""
    global _is_fastpath_enabled
    _is_fastpath_enabled = value
