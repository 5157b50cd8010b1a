"""torch.nn.parallel on chainrule's one CPU device: ``DataParallel`` and ``data_parallel``
run the module as it is (torch's CPU build does the same for ``DataParallel``), so programs
written for several GPUs start unchanged."""
from .data_parallel import DataParallel, data_parallel
from .distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "data_parallel"]
