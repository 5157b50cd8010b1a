"""torch.linalg: ``chainrule.linalg.inv``, ``.solve``, ``.svd`` ... with torch's signatures.

The functions live in chainrule/ops/linalg/ (one op each where torch records one node);
this module is the namespace, keeping torch's keyword-only arguments.
"""
from __future__ import annotations

from .ops.linalg import contractions as _c
from .ops.linalg import decompositions as _d
from .ops.linalg import einsum as _e
from .ops.linalg import functions as _f
from .ops.linalg import lu as _lu
from .ops.linalg import norms as _n
from .ops.linalg import products as _p
from .ops.linalg import solvers as _s
from .ops.linalg import spectral as _sp
from .ops.linalg._util import LinAlgError
from .ops.numeric import linalg_vander as vander

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig",
    "eigh", "eigvals", "eigvalsh", "householder_product", "inv", "inv_ex", "lstsq", "lu",
    "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp", "matrix_norm",
    "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
    "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vander",
    "vecdot", "vector_norm",
]

inv = _d.linalg_inv
det = _d.linalg_det
slogdet = _d.linalg_slogdet
cholesky = _d.linalg_cholesky
qr = _d.linalg_qr
eigh = _sp.linalg_eigh
eigvalsh = _sp.linalg_eigvalsh
eig = _sp.linalg_eig
eigvals = _sp.linalg_eigvals
svd = _sp.linalg_svd
svdvals = _sp.linalg_svdvals
lu = _lu.linalg_lu
lu_factor = _lu.linalg_lu_factor
lu_factor_ex = _lu.linalg_lu_factor_ex
solve = _s.linalg_solve
pinv = _s.linalg_pinv
lstsq = _s.linalg_lstsq
tensorinv = _s.linalg_tensorinv
tensorsolve = _s.linalg_tensorsolve
matrix_exp = _f.linalg_matrix_exp
matrix_power = _f.linalg_matrix_power
householder_product = _f.linalg_householder_product
vector_norm = _n.linalg_vector_norm
matrix_norm = _n.linalg_matrix_norm
norm = _n.linalg_norm
cond = _n.linalg_cond
matrix_rank = _n.linalg_matrix_rank
multi_dot = _c.linalg_multi_dot
vecdot = _c.linalg_vecdot
diagonal = _e.linalg_diagonal
matmul = _p.matmul


def inv_ex(A, *, check_errors=False, out=None):
    """torch.linalg.inv_ex: (inverse, info); with check_errors, raise for a singular A."""
    return _d._inv_ex(A, check_errors=check_errors, out=out)


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """torch.linalg.cholesky_ex: (L, info); info > 0 where A is not positive-definite."""
    return _d.linalg_cholesky_ex(A, upper=upper, check_errors=check_errors, out=out)


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """torch.linalg.solve_ex: (result, info) of A X = B."""
    return _s.linalg_solve_ex(A, B, left, check_errors, out=out)


_REQUIRED = object()


def solve_triangular(A, B, *, upper=_REQUIRED, left=True, unitriangular=False, out=None):
    """torch.linalg.solve_triangular: solve with the upper (or lower) triangle of A."""
    if upper is _REQUIRED:
        raise TypeError('linalg_solve_triangular() missing 1 required positional arguments: '
                        '"upper"')
    return _s.linalg_solve_triangular(A, B, upper, left, unitriangular, out=out)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """torch.linalg.lu_solve: solve A X = B from linalg.lu_factor's (LU, pivots)."""
    return _lu.linalg_lu_solve(LU, pivots, B, left, adjoint, out=out)


def cross(input, other, *, dim=-1, out=None):
    """torch.linalg.cross: the cross product of 3-vectors along ``dim``."""
    return _c.linalg_cross(input, other, dim, out=out)
