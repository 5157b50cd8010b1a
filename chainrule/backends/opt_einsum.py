"""``torch.backends.opt_einsum``: chainrule's einsum does not use opt_einsum."""
from __future__ import annotations

enabled = False
strategy = None


def is_available() -> bool:
    return False


def get_opt_einsum():
    return None
