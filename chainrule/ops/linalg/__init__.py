"""Linear algebra: matrix products (products.py, contractions.py, einsum.py), and
torch.linalg's decompositions, solvers, matrix functions and norms in the modules beside
them. chainrule/linalg.py is the ``torch.linalg`` namespace over these."""
from __future__ import annotations

from . import (  # noqa: F401
    _util,
    contractions,
    decompositions,
    einsum,
    functions,
    householder,
    lu,
    norms,
    products,
    solvers,
    spectral,
)
from .products import addmm, bmm, dot, matmul, mm, mv, outer  # noqa: F401
