"""``skip_init``: build a module without running its parameter initialisation (torch
builds it on the meta device and then allocates; chainrule allocates and skips nothing
but the random draws' cost)."""
from __future__ import annotations

import inspect
from typing import Any

__all__ = ["skip_init"]


def skip_init(module_cls: type, *args: Any, **kwargs: Any):
    """An instance of ``module_cls(*args, **kwargs)`` whose parameters are left
    uninitialised (their values are whatever ``empty`` gives)."""
    from ..modules.module import Module
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    final_device = kwargs.pop("device", "cpu")
    kwargs["device"] = final_device
    return module_cls(*args, **kwargs)
