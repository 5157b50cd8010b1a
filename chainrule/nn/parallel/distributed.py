"""``DistributedDataParallel``: needs a process group, which chainrule does not have yet
(torch.distributed over MPI is planned); constructing one raises torch's error."""
from __future__ import annotations

from ..modules.module import Module

__all__ = ["DistributedDataParallel"]


class DistributedDataParallel(Module):
    def __init__(self, module: Module, *args, **kwargs):
        raise ValueError("Default process group has not been initialized, please make sure to "
                         "call init_process_group.")
