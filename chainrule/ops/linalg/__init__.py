"""Linear algebra: matrix products (products.py), and torch.linalg's decompositions,
solvers and norms in the modules beside it."""
from __future__ import annotations

from . import products  # noqa: F401
from .products import addmm, bmm, dot, matmul, mm, mv, outer  # noqa: F401
