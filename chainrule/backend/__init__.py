"""Backends: a device maps to an array namespace ``xp`` (NumPy now; CuPy later).

Op code receives ``xp`` and never imports NumPy, so a new backend is one new file here.
``device`` itself lives in ``chainrule._device``; it is re-exported here for old imports.
"""
from __future__ import annotations

from .._device import cpu, device
from .numpy_backend import numpy_namespace

__all__ = ["device", "namespace_of", "cpu", "numpy_namespace"]

_NAMESPACES = {numpy_namespace.ndarray: numpy_namespace}


def namespace_of(array):
    """The array namespace (``xp``) that owns ``array``."""
    return _NAMESPACES.get(type(array), numpy_namespace)
