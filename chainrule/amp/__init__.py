"""torch.amp: ``GradScaler`` (loss scaling, complete on the CPU) and ``autocast``.

chainrule computes in the dtypes it is given: ``autocast`` runs disabled where torch
disables it (a CUDA device on a CPU-only build, ``enabled=False``) and refuses to enable
mixed precision on the CPU (docs/differences.md)."""
from .autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from .grad_scaler import GradScaler, OptState

__all__ = ["GradScaler", "OptState", "autocast", "custom_bwd", "custom_fwd",
           "is_autocast_available"]
