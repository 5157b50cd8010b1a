"""``torch.backends``: the flags torch programs read and set. chainrule runs on NumPy, so
every GPU backend reports itself unavailable; the flags hold what is assigned to them
(``torch.backends.cudnn.benchmark = True`` is harmless) and change nothing."""
from __future__ import annotations

from . import cpu, cuda, cudnn, mha, mkl, mkldnn, mps, openmp, opt_einsum  # noqa: F401

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp", "opt_einsum"]
__all__ += ["mha"]
