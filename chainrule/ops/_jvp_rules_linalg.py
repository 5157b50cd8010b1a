"""The explicit forward-mode rules of the linear-algebra ops (ops/_jvp_rules.py's table
names them): as derivatives.yaml's ``result:`` lines, with public ops on Tensors,
``rule(args, params, tangents, out)``."""
from __future__ import annotations

from .._creation import zeros_like
from ._jvp import _primal
from ._vocab import OPS


def _inv_ex(args, params, tangents, out):
    inv = out[0]
    t = tangents[0]
    return -(inv @ t @ inv), None


def _solve_ex(args, params, tangents, out):
    # X = A^-1 B: dX = A^-1 (dB - dA X) (left), (dB - X dA) A^-1 (right)
    from .linalg.solvers import is_vector_rhs
    a, b = args
    ta, tb = tangents
    x = out[0]
    left = (params or {}).get("left", True)
    vec = is_vector_rhs(tuple(a.shape), tuple(b.shape))
    xm = x.unsqueeze(-1) if vec else x
    rhs = None
    if tb is not None:
        rhs = tb.unsqueeze(-1) if vec else tb
    if ta is not None:
        term = -(ta @ xm) if left else -(xm @ ta)
        rhs = term if rhs is None else rhs + term
    dx = _primal(OPS["linalg_solve_ex"], (a, rhs), dict(params or {}, check=False))[0]
    return (dx.squeeze(-1) if vec else dx), None


def _cholesky_tangent(L, t, upper):
    """torch's cholesky_jvp: dL = L phi(L^-1 dA L^-H), phi the lower triangle with half
    its diagonal (U = L^H for upper)."""
    from .. import linalg
    if upper:
        L = L.mH
    y = linalg.solve_triangular(L, t, upper=False)
    m = linalg.solve_triangular(L, y.mH, upper=False).mH
    phi = m.tril() - 0.5 * m.diagonal(0, -2, -1).diag_embed()
    dl = L @ phi
    return dl.mH if upper else dl


def _cholesky_ex(args, params, tangents, out):
    return _cholesky_tangent(out[0], tangents[0], (params or {}).get("upper", False)), None


def _cholesky(args, params, tangents, out):
    return _cholesky_tangent(out, tangents[0], (params or {}).get("upper", False))


def _slogdet(args, params, tangents, out):
    from .. import linalg
    a, = args
    t = tangents[0]
    sign, logabs = out
    tr = linalg.solve_ex(a, t)[0].diagonal(0, -2, -1).sum(-1)
    if a.is_complex():
        return sign * (1j * tr.imag), tr.real
    return zeros_like(sign), tr


def _tri_part(t, upper, unitriangular):
    """The triangle a triangular solve reads (without the diagonal when unit)."""
    k = int(unitriangular)
    return t.triu(k) if upper else t.tril(-k)


def _solve_triangular(args, params, tangents, out):
    a, b = args
    ta, tb = tangents
    p = params or {}
    upper, left, unit = p["upper"], p.get("left", True), p.get("unitriangular", False)
    rhs = tb
    if ta is not None:
        dt = _tri_part(ta, upper, unit)
        term = -(dt @ out) if left else -(out @ dt)
        rhs = term if rhs is None else rhs + term
    return _primal(OPS["linalg_solve_triangular"], (a, rhs), params)


def _triangular_solve(args, params, tangents, out):
    b, a = args
    tb, ta = tangents
    x, _ = out
    p = params or {}
    upper, transpose, unit = p["upper"], p["transpose"], p["unitriangular"]
    rhs = tb
    if ta is not None:
        dt = _tri_part(ta, upper, unit)
        term = -((dt.mT if transpose else dt) @ x)
        rhs = term if rhs is None else rhs + term
    if rhs is None:
        return None, None
    dx = _primal(OPS["triangular_solve"], (rhs, a), params)[0]
    return dx, (ta.expand(tuple(out[1].shape)) if ta is not None else None)


def _gram_tangent(L, tL, upper):
    """dA of A = L L^H (lower) or U^H U (upper), as torch's cholesky_solve_jvp."""
    dk = tL.mH @ L if upper else tL @ L.mH
    return dk + dk.mH


def _cholesky_solve(args, params, tangents, out):
    b, L = args
    tb, tL = tangents
    upper = (params or {}).get("upper", False)
    rhs = tb
    if tL is not None:
        term = -(_gram_tangent(L, tL, upper) @ out)
        rhs = term if rhs is None else rhs + term
    return _primal(OPS["cholesky_solve"], (rhs, L), params)


def _cholesky_inverse(args, params, tangents, out):
    L, = args
    da = _gram_tangent(L, tangents[0], (params or {}).get("upper", False))
    return -(out @ da @ out)


def _det(args, params, tangents, out):
    from .. import linalg
    a, = args
    tr = linalg.solve_ex(a, tangents[0])[0].diagonal(0, -2, -1).sum(-1)
    return out * tr
