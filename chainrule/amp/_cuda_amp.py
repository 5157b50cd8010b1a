"""torch.cuda.amp: the deprecated CUDA spellings. Without CUDA both disable themselves with
torch's warnings (a CPU-only torch does the same), so GPU training scripts still run."""
from __future__ import annotations

from ._legacy import device_spellings
from .autocast_mode import custom_bwd as _custom_bwd
from .autocast_mode import custom_fwd as _custom_fwd

__all__ = ["autocast", "GradScaler", "custom_fwd", "custom_bwd"]

autocast, GradScaler = device_spellings("cuda")


def custom_fwd(fwd=None, *, cast_inputs=None):
    return _custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd=None):
    return _custom_bwd(bwd, device_type="cuda")
