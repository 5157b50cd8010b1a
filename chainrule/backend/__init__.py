"""Backends: a device maps to an array namespace ``xp`` (NumPy now; CuPy later).

Op code receives ``xp`` and never imports NumPy, so a new backend is one new file here.
"""
from __future__ import annotations

from .numpy_backend import numpy_namespace

__all__ = ["device", "namespace_of", "cpu"]


class device:
    """torch.device look-alike: ``device('cpu')``, ``device(type='cpu')``."""

    __slots__ = ("type", "index")

    def __init__(self, type="cpu", index=None):  # noqa: A002 - torch's parameter name
        if isinstance(type, device):
            type, index = type.type, type.index
        if ":" in type:
            type, _, idx = type.partition(":")
            index = int(idx)
        if type != "cpu":
            raise RuntimeError(
                f"chainrule has no '{type}' backend yet: only device='cpu' (NumPy) is available")
        self.type = type
        self.index = index

    def __repr__(self) -> str:
        inner = f"type='{self.type}'" + ("" if self.index is None else f", index={self.index}")
        return f"device({inner})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


cpu = device("cpu")

_NAMESPACES = {numpy_namespace.ndarray: numpy_namespace}


def namespace_of(array):
    """The array namespace (``xp``) that owns ``array``."""
    return _NAMESPACES.get(type(array), numpy_namespace)
