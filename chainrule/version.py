"""``torch.version``: chainrule's version and the build facts torch programs read (no
CUDA, no ROCm, no XPU)."""
from __future__ import annotations

__all__ = ["__version__", "debug", "cuda", "git_version", "hip", "rocm", "xpu",
           "torch_version"]

__version__ = "0.1.0"
torch_version = "2.13.0"  # the torch release whose behaviour chainrule follows
debug = False
cuda = None
git_version = "unknown"
hip = None
rocm = None
xpu = None
