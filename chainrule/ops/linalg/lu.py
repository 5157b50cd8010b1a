"""LU: linalg.lu_factor / lu_factor_ex (LinalgLuFactorExBackward0), linalg.lu
(LinalgLuBackward0) and linalg.lu_solve (LinalgLuSolveBackward0), on a batched LU with
LAPACK getrf's partial pivoting (ops/linalg/_util.py)."""
from __future__ import annotations

from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from . import _util as U
from ._util import colmajor, mT, shape_word

LuFactor = U.return_type("linalg_lu_factor", ("LU", "pivots"))
LuFactorEx = U.return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
Lu = U.return_type("linalg_lu", ("P", "L", "U"))


def _plain(outs, *indices):
    for i in indices:
        outs[i]._rg = False
        outs[i].grad_fn = None
    return outs


def lu_solve_raw(xp, lu, piv, B, left=True, adjoint=False):
    """Solve A X = B (or X A = B, or with A^H) from getrf's factors."""
    if not left:
        Bh = xp.swapaxes(B, -2, -1)
        return xp.swapaxes(lu_solve_raw(xp, lu, piv, Bh, True, not adjoint), -2, -1)
    n = lu.shape[-1]
    perm = U.pivots_to_perm(xp, piv, n)
    batch = U.broadcast_batch(lu.shape[:-2], B.shape[:-2])
    B = xp.broadcast_to(B, batch + B.shape[-2:])
    perm = xp.broadcast_to(perm, batch + (n,))
    if not adjoint:
        pb = xp.take_along_axis(B, perm[..., None], axis=-2)
        y = U.trisolve_raw(xp, lu, pb, upper=False, unitriangular=True)
        return U.trisolve_raw(xp, lu, y, upper=True)
    luh = xp.swapaxes(lu, -2, -1)
    y = U.trisolve_raw(xp, luh, B, upper=False)
    z = U.trisolve_raw(xp, luh, y, upper=True, unitriangular=True)
    out = xp.empty_like(z)
    xp.put_along_axis(out, perm[..., None], z, axis=-2)
    return out


# ---------------------------------------------------------------------------- lu
def _lu_backward(F, gL, gU, P, L, Uf, pivot):
    """linalg_lu_backward: gA for A = P L U (L unit lower m x k, U upper k x n). With
    X = L^-1 dA' U^-1 on the square block, dL = L tril(X, -1) and dU = triu(X) U; the
    rectangular parts follow from A2 = L U2 (wide) or A2 = L2 U (tall)."""
    if gL is None and gU is None:
        return None
    m, n = L.shape[-2], Uf.shape[-1]
    k = min(m, n)
    if m <= n:
        U1 = Uf[..., :k]
        phi = None
        if gL is not None:
            phi = F.matmul(mT(F, L), gL)
        if gU is not None:
            gU1 = gU[..., :k]
            if m < n:
                t = F.matmul(gU[..., k:], mT(F, Uf[..., k:]))
                phi = -t if phi is None else phi - t
            up = F._linalg_triu(F.matmul(gU1, mT(F, U1)))
        low = F._linalg_tril(phi, -1) if phi is not None else None
        phi = up if low is None else (low if gU is None else low + up)
        gA = F.linalg_solve_triangular(mT(F, U1), phi, False, False, False)
        if m < n:
            gA = F._linalg_embed_at(gA, (k, n), 0, 0)
            if gU is not None:
                gA = gA + F._linalg_embed_at(gU[..., k:], (k, n), 0, k)
        gA = F.linalg_solve_triangular(mT(F, L), gA, True, True, True)
    else:
        L1 = L[..., :k, :]
        phi = None
        if gU is not None:
            phi = F.matmul(gU, mT(F, Uf))
        if gL is not None:
            t = F.matmul(mT(F, L[..., k:, :]), gL[..., k:, :])
            phi = -t if phi is None else phi - t
            low = F._linalg_tril(F.matmul(mT(F, L1), gL[..., :k, :]), -1)
        up = F._linalg_triu(phi) if phi is not None else None
        phi = low if up is None else (up if gL is None else up + low)
        gA = F.linalg_solve_triangular(mT(F, L1), phi, True, True, True)
        gA = F._linalg_embed_at(gA, (m, k), 0, 0)
        if gL is not None:
            gA = gA + F._linalg_embed_at(gL[..., k:, :], (m, k), k, 0)
        gA = F.linalg_solve_triangular(mT(F, Uf), gA, False, False, False)
    return F.matmul(P, gA) if pivot else gA


def _lu_forward(xp, A, pivot):
    lu, piv, _ = U.lu_raw(xp, A)
    m, n = A.shape[-2:]
    k = min(m, n)
    L = xp.tril(lu[..., :, :k], -1) + xp.eye(m, k, dtype=A.dtype)
    Uf = xp.triu(lu[..., :k, :])
    P = U.perm_matrix(xp, U.pivots_to_perm(xp, piv, m), A.dtype)
    return L, Uf, P


def _lu_grad(F, g, out0, out1, out2, pivot):
    """Outputs (L, U, P): torch numbers only the differentiable L and U (P is plain)."""
    return _lu_backward(F, g[0], g[1], out2, out0, out1, pivot)


LU = op("linalg_lu", _lu_forward, inputs=("A",), params=("pivot",), num_outputs=3,
        vjps=(_lu_grad,), grad_fn="LinalgLuBackward0")


def _lu_factor_forward(xp, A, pivot, check, fname="torch.linalg.lu_factor"):
    lu, piv, info = U.lu_raw(xp, A)
    if check and bool((info != 0).any()):
        flat = info.reshape(-1)
        b = int(xp.nonzero(flat)[0][0])
        i = int(flat[b])
        raise RuntimeError(f"{fname}: {U.batch_prefix(b, A.ndim > 2)}U[{i},{i}] "
                           "is zero and using it on lu_solve would result in a division by "
                           "zero. If you still want to perform the factorization, consider "
                           "calling linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return lu, piv, info


def _lu_factor_grad(F, g, out0, out1, pivot):
    LUf = out0
    m, n = LUf.shape[-2:]
    k = min(m, n)
    gLU = g[0]
    if gLU is None:
        return None
    P = F._linalg_perm_from_pivots(LUf, out1, m)
    L = F._linalg_tril(LUf[..., :, :k], -1) + F._linalg_eye_like(LUf[..., :, :k])
    Uf = F._linalg_triu(LUf[..., :k, :])
    gL = F._linalg_tril(gLU[..., :, :k], -1)
    gU = F._linalg_triu(gLU[..., :k, :])
    return _lu_backward(F, gL, gU, P, L, Uf, pivot)


PERM_FROM_PIVOTS = op("_linalg_perm_from_pivots", lambda xp, like, piv, m: U.perm_matrix(
    xp, U.pivots_to_perm(xp, piv, m), like.dtype), inputs=("like",), params=("piv", "m"))


def _raw(t):
    return t._data if isinstance(t, Tensor) else t


@expose(internal=True, method=False)
def _linalg_perm_from_pivots(like, piv, m):
    """The permutation matrix P (A = P L U) of getrf's pivots, in ``like``'s dtype."""
    return dispatch(PERM_FROM_PIVOTS, (like,), {"piv": _raw(piv), "m": m})


LU_FACTOR_EX = op("linalg_lu_factor_ex", lambda xp, A, pivot=True, check=False,
                  fname="torch.linalg.lu_factor": _lu_factor_forward(xp, A, pivot, check, fname),
                  inputs=("A",), params=("pivot", "check", "fname"), num_outputs=3,
                  vjps=(_lu_factor_grad,),
                  grad_fn="LinalgLuFactorExBackward0")


def _check_pivot(pivot, fname):
    if not pivot:
        raise RuntimeError(f"{fname}: LU without pivoting is not implemented on the CPU")


@expose(method=False, internal=True)
def linalg_lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """torch.linalg.lu_factor_ex: (LU, pivots, info), LAPACK getrf's compact LU."""
    U.no_grad_out(out, "linalg_lu_factor_ex", A)
    U.check_tensor(A, "lu_factor_ex")
    U.check_matrix(A, "torch.lu_factor")
    U.check_float(A, "torch.lu_factor")
    _check_pivot(pivot, "linalg.lu_factor")
    res = dispatch(LU_FACTOR_EX, (A,), {"pivot": pivot, "check": check_errors,
                                         "fname": "torch.linalg.lu_factor_ex"})
    return U.write_out(LuFactorEx(_plain(res, 1, 2)), out)


@expose(method=False, internal=True)
def linalg_lu_factor(A, *, pivot=True, out=None):
    """torch.linalg.lu_factor: (LU, pivots); raises when a pivot is exactly zero."""
    U.no_grad_out(out, "linalg_lu_factor", A)
    U.check_tensor(A, "lu_factor")
    U.check_matrix(A, "torch.lu_factor")
    U.check_float(A, "torch.lu_factor")
    _check_pivot(pivot, "linalg.lu_factor")
    res = _plain(dispatch(LU_FACTOR_EX, (A,), {"pivot": pivot, "check": True}), 1, 2)
    return U.write_out(LuFactor(res[:2]), out)


@expose(method=False, internal=True)
def linalg_lu(A, *, pivot=True, out=None):
    """torch.linalg.lu: (P, L, U) with A = P L U."""
    U.no_grad_out(out, "linalg_lu", A)
    U.check_tensor(A, "lu")
    U.check_matrix(A, "linalg.lu")
    U.check_float(A, "linalg.lu")
    _check_pivot(pivot, "linalg.lu")
    L, Uf, P = _plain(dispatch(LU, (A,), {"pivot": pivot}), 2)
    return U.write_out(Lu((P, L, Uf)), out)


# ---------------------------------------------------------------------------- lu_solve
def _lu_solve_forward(xp, LU, B, pivots, left=True, adjoint=False):
    X = U.raising(lu_solve_raw)(xp, LU, pivots, B, left, adjoint)
    return colmajor(xp, X.astype(B.dtype, copy=False))


def _lu_solve_grad_LU(F, g, LU, out, pivots, left, adjoint):
    """Through A = P L U: gA of the solve, then gL = (P^T gA U^T) below the diagonal and
    gU = (L^T P^T gA) on and above it."""
    X = out
    if left and not adjoint:        # A X = B
        gA = -F.matmul(F._linalg_lu_solve(LU, g, pivots, True, True), mT(F, X))
    elif left:                      # A^T X = B
        gA = -F.matmul(X, mT(F, F._linalg_lu_solve(LU, g, pivots, True, False)))
    elif not adjoint:               # X A = B
        gA = -F.matmul(mT(F, X), F._linalg_lu_solve(LU, g, pivots, False, True))
    else:                           # X A^T = B
        gA = -mT(F, F.matmul(mT(F, X), F._linalg_lu_solve(LU, g, pivots, False, False)))
    n = LU.shape[-1]
    P = F._linalg_perm_from_pivots(LU, pivots, n)
    L = F._linalg_tril(LU, -1) + F._linalg_eye_like(LU)
    Uf = F._linalg_triu(LU)
    PtgA = F.matmul(mT(F, P), gA)
    return F._linalg_tril(F.matmul(PtgA, mT(F, Uf)), -1) + \
        F._linalg_triu(F.matmul(mT(F, L), PtgA))


# pivots are a parameter, not an input: torch's node has edges for LU and B only
LU_SOLVE = op("_linalg_lu_solve", _lu_solve_forward, inputs=("LU", "B"),
              params=("pivots", "left", "adjoint"), broadcasts=True,
              vjps=(_lu_solve_grad_LU,
                    lambda F, g, LU, pivots, left, adjoint:
                    F._linalg_lu_solve(LU, g, pivots, left, not adjoint)),
              grad_fn="LinalgLuSolveBackward0")


@expose(internal=True, method=False)
def _linalg_lu_solve(LU, B, pivots, left=True, adjoint=False):
    params = {"pivots": _raw(pivots), "left": bool(left), "adjoint": bool(adjoint)}
    return dispatch(LU_SOLVE, (LU, B), params)


@expose(method=False, internal=True)
def linalg_lu_solve(LU, pivots, B, left=True, adjoint=False, *, out=None):
    """torch.linalg.lu_solve: solve with the factors of linalg.lu_factor."""
    U.no_grad_out(out, "linalg_lu_solve", LU, B)
    fname = "linalg.lu_solve"
    U.check_matrix(LU, "torch.linalg.lu_solve", "LU")
    m, n = LU.shape[-2:]
    if m != n:
        raise RuntimeError(f"torch.linalg.lu_solve: A must be batches of square matrices, but "
                           f"they are {m} by {n} matrices")
    U.check_matrix(B, "torch.linalg.lu_solve", "B")
    U.check_float(LU, fname)
    U.check_same_dtype(LU, B, fname, "LU", "B")
    k = B.shape[-2] if left else B.shape[-1]
    if k != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{fname}: Incompatible shapes of A and B for the equation {eq} "
                           f"({shape_word(LU.shape)} and {shape_word(B.shape)})")
    return U.write_out(_linalg_lu_solve(LU, B, pivots, left, adjoint), out)


@expose
def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor, *,
             out: Tensor | None = None) -> Tensor:
    """torch.lu_solve (deprecated form): linalg.lu_solve(LU_data, LU_pivots, b)."""
    return linalg_lu_solve(LU_data, LU_pivots, b, out=out)


LuWithInfo = U.return_type("_lu_with_info", ("LU", "pivots", "info"))
LuUnpack = U.return_type("lu_unpack", ("P", "L", "U"))


@expose
def lu(A: Tensor, pivot: bool = True, get_infos: bool = False,
       out: tuple[Tensor, ...] | None = None) -> tuple[Tensor, ...]:
    """torch.lu (deprecated in torch, with its warning): linalg.lu_factor_ex's (LU, pivots),
    plus info with ``get_infos``; it never raises for a singular A."""
    import warnings
    warnings.warn(
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex "
        "and will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, "
        "compute_pivots)\nshould be replaced with\nLU, pivots = torch.linalg.lu_factor(A, "
        "compute_pivots)\nand\nLU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)"
        "\nshould be replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, "
        "compute_pivots)", UserWarning, stacklevel=2)
    res = linalg_lu_factor_ex(A, pivot=pivot)
    res = LuWithInfo(res) if get_infos else (res[0], res[1])
    return U.write_out(res, out) if out is not None else res


def _lu_unpack_forward(xp, LU, pivots, unpack_data, unpack_pivots):
    m, n = LU.shape[-2:]
    k = min(m, n)
    empty = xp.zeros((0,), dtype=LU.dtype)
    if unpack_data:
        L = xp.tril(LU[..., :, :k], -1) + xp.eye(m, k, dtype=LU.dtype)
        Uf = xp.triu(LU[..., :k, :])
    else:
        L = Uf = empty
    P = U.perm_matrix(xp, U.pivots_to_perm(xp, pivots, m), LU.dtype) if unpack_pivots else empty
    return L, Uf, P


def _lu_unpack_grad(F, g, LU_shape):
    """lu_unpack_backward: the strict lower triangle of gL and the upper triangle of gU,
    placed back where they were read from."""
    gL, gU = g[0], g[1]
    m, n = LU_shape[-2:]
    res = None
    if gL is not None and len(gL.shape) >= 2:
        res = F._linalg_embed_at(F._linalg_tril(gL, -1), (m, n), 0, 0)
    if gU is not None and len(gU.shape) >= 2:
        t = F._linalg_embed_at(F._linalg_triu(gU), (m, n), 0, 0)
        res = t if res is None else res + t
    return res


LU_UNPACK = op("lu_unpack", _lu_unpack_forward, inputs=("LU",),
               params=("pivots", "unpack_data", "unpack_pivots"), num_outputs=3,
               vjps=(lambda F, g, LU_shape: _lu_unpack_grad(F, g, LU_shape),),
               grad_fn="LuUnpackBackward0")


@expose(method=False)
def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """torch.lu_unpack: (P, L, U) from linalg.lu_factor's compact form (LuUnpackBackward0
    for L and U)."""
    U.no_grad_out(out, "lu_unpack", LU_data)
    U.check_matrix(LU_data, "torch.lu_unpack", "LU_data")
    params = {"pivots": _raw(LU_pivots), "unpack_data": bool(unpack_data),
              "unpack_pivots": bool(unpack_pivots)}
    L, Uf, P = dispatch(LU_UNPACK, (LU_data,), params)
    _plain((L, Uf, P), 2)
    if not unpack_data:
        _plain((L, Uf), 0, 1)
    return U.write_out(LuUnpack((P, L, Uf)), out)
