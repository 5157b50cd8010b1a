"""``DataParallel``: with no accelerator it wraps the module and calls it (torch's CPU
behaviour); its state_dict keys carry the ``module.`` prefix, as in torch."""
from __future__ import annotations

from typing import Any

from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    """Wraps ``module``; ``forward`` calls it on the CPU (there are no devices to split the
    batch over, so ``device_ids`` is ``[]``).

    >>> import chainrule as torch
    >>> torch.nn.DataParallel(torch.nn.Linear(2, 1))
    DataParallel(
      (module): Linear(in_features=2, out_features=1, bias=True)
    )
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        self.module = module
        self.device_ids: list = []

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)


def data_parallel(module: Module, inputs: Any, device_ids=None, output_device=None,
                  dim: int = 0, module_kwargs: Any | None = None):
    """``module(*inputs, **module_kwargs)`` on the CPU. (torch's CPU build raises "device type
    could not be determined" here; chainrule runs the module, see docs/differences.md.)"""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    return module(*inputs, **(module_kwargs or {}))
