"""torch.cpu.amp: the deprecated CPU spellings of ``torch.amp`` (FutureWarning, as torch)."""
from ..amp._legacy import device_spellings

__all__ = ["autocast", "GradScaler"]

autocast, GradScaler = device_spellings("cpu")
