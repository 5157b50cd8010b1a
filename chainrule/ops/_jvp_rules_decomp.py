"""The explicit forward-mode rules of the decomposition linear-algebra ops (ops/_jvp_rules.py
merges ``RULES`` into its table): as derivatives.yaml's ``result:`` lines and
FunctionsManual.cpp's ``*_jvp`` functions, with public ops on Tensors,
``rule(args, params, tangents, out)``.

Spectral ones follow torch's gauge: eigenvector tangents with no component along their own
eigenvector (eigh; eig: no real one, as the vectors have unit norm), singular vector
tangents ``U Ω_U`` / ``V Ω_V`` with Ω skew-Hermitian and zero (real) diagonal, and the
columns of a full ``U`` / rows of a full ``Vh`` past ``min(m, n)`` with a zero tangent.
"""
from __future__ import annotations

__all__ = ["RULES"]


def _zeros(like):
    from .. import zeros_like
    return zeros_like(like)


def _offdiag_zero(x):
    """x with its diagonal set to zero."""
    return x - x.diagonal(0, -2, -1).diag_embed()


def _safe_ratio(num, den):
    """num / den off the diagonal, 0 on it (den's diagonal is replaced by 1 first)."""
    from .linalg._util import _linalg_eye_like
    eye = _linalg_eye_like(den)
    return _offdiag_zero(num / (den + eye))


# ---------------------------------------------------------------------------- eigh / eig
def _eigh(args, params, tangents, out):
    """A = V diag(L) V^H: dL = re diag(V^H dA V), dV = V (V^H dA V / (L_j - L_i))."""
    L, V = out
    dA = tangents[0]
    dP = V.mH @ dA.to(V.dtype) @ V
    dL = dP.diagonal(0, -2, -1)
    if dL.is_complex():
        dL = dL.real
    E = L.unsqueeze(-2) - L.unsqueeze(-1)
    dV = V @ _safe_ratio(dP, E.to(dP.dtype))
    return dL, dV


def _eig(args, params, tangents, out):
    """A V = V diag(L): dP = V^-1 dA V, dL = diag(dP), dV = V (dP / (L_j - L_i)) less
    V re(diag(V^H dV)) (the unit-norm gauge of torch's linalg_eig_jvp)."""
    from .. import linalg
    L, V = out
    dA = tangents[0].to(V.dtype)
    dP = linalg.solve(V, dA @ V)
    dL = dP.diagonal(0, -2, -1)
    E = L.unsqueeze(-2) - L.unsqueeze(-1)
    dV = V @ _safe_ratio(dP, E)
    dV = dV - V * (V.conj() * dV).sum(-2, keepdim=True).real
    return dL, dV


# ---------------------------------------------------------------------------- svd
def _svd(args, params, tangents, out):
    """A = U S Vh (reduced to k = min(m, n)): dP = U^H dA V, dS = re diag(dP),
    dU = U (sym(dP S) / E) [+ (I - U U^H) dA V S^-1 when m > n],
    dV = V (sym(S dP) / E) [+ (I - V V^H) dA^H U S^-1 when m < n], E_ij = s_j^2 - s_i^2,
    sym(X) = X + X^H; the complex diagonal i im(dP_ii) / s_i split half to Ω_U and minus
    half to Ω_V (torch's gauge)."""
    U, S, Vh = out
    dA = tangents[0]
    full = (params or {}).get("full_matrices", False)
    m, n = dA.shape[-2], dA.shape[-1]
    k = S.shape[-1]
    if full:
        U, Vh = U[..., :, :k], Vh[..., :k, :]
    V = Vh.mH
    dAV = dA @ V
    dP = U.mH @ dAV
    diag = dP.diagonal(0, -2, -1)
    dS = diag.real if diag.is_complex() else diag
    Sc = S.to(dP.dtype)
    S2 = S * S
    E = (S2.unsqueeze(-2) - S2.unsqueeze(-1)).to(dP.dtype)
    dPS = dP * Sc.unsqueeze(-2)
    SdP = Sc.unsqueeze(-1) * dP
    omega_u = _safe_ratio(dPS + dPS.mH, E)
    omega_v = _safe_ratio(SdP + SdP.mH, E)
    if dP.is_complex():  # the phase: half to each side, as torch
        half = (0.5j * diag.imag / S).to(dP.dtype).diag_embed()
        omega_u = omega_u + half
        omega_v = omega_v - half
    dU = U @ omega_u
    dV = V @ omega_v
    if m > n:
        dU = dU + (dAV - U @ dP) / Sc.unsqueeze(-2)
    elif m < n:
        dAhU = dA.mH @ U
        dV = dV + (dAhU - V @ dP.mH) / Sc.unsqueeze(-2)
    dVh = dV.mH
    if full:
        from .linalg._util import _linalg_embed_at
        if m > k:
            dU = _linalg_embed_at(dU, (m, m), 0, 0)
        if n > k:
            dVh = _linalg_embed_at(dVh, (n, n), 0, 0)
    return dU, dS, dVh


# ---------------------------------------------------------------------------- qr
_QR_R = ("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
         "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
         "linalg.qr.")


def _qr_square_block(Q, R, dA):
    """A = Q R with R square (k x k): C = Q^H dA R^-1, Ω = Q^H dQ skew-Hermitian from the
    strict lower triangle of C (and i im diag(C), R's diagonal being real),
    dR = (C - Ω) R, dQ = dA R^-1 - Q (C - Ω)."""
    from .. import linalg
    dAR = linalg.solve_triangular(R, dA, upper=True, left=False)
    C = Q.mH @ dAR
    low = C.tril(-1)
    omega = low - low.mH
    if C.is_complex():
        omega = omega + (1j * C.diagonal(0, -2, -1).imag).to(C.dtype).diag_embed()
    CmO = C - omega
    return dAR - Q @ CmO, CmO @ R


def _qr(args, params, tangents, out):
    """linalg_qr_jvp: reduced A = Q R when m >= n; A = Q [R1 R2] when m < n, the square
    block as above and dR2 = Q^H (dA2 - dQ R2)."""
    from .. import cat
    mode = (params or {}).get("mode", "reduced")
    if mode == "r":
        raise RuntimeError(_QR_R)
    Q, R = out
    dA = tangents[0]
    m, n = dA.shape[-2], dA.shape[-1]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                           "and nrows > ncols.")
    if m >= n:
        return _qr_square_block(Q, R, dA)
    R1, R2 = R[..., :, :m], R[..., :, m:]
    dQ, dR1 = _qr_square_block(Q, R1, dA[..., :, :m])
    dR2 = Q.mH @ (dA[..., :, m:] - dQ @ R2)
    return dQ, cat([dR1, dR2], -1)


# ---------------------------------------------------------------------------- lu
def _lu_parts(LU, pivots):
    """(P, L, U) of getrf's compact LU (m x n, k = min(m, n))."""
    from .linalg._util import _linalg_eye_like
    from .linalg.lu import _linalg_perm_from_pivots
    m, n = LU.shape[-2], LU.shape[-1]
    k = min(m, n)
    low = LU[..., :, :k]
    L = low.tril(-1) + _linalg_eye_like(low)
    return _linalg_perm_from_pivots(LU, pivots, m), L, LU[..., :k, :].triu()


def _lu_tangent(P, L, U, dA):
    """linalg_lu_jvp: A = P L U. On the square block X = L^-1 P^T dA U^-1,
    dL = L tril(X, -1), dU = triu(X) U; a wide U's right part from L dU2 = P^T dA2 - dL U2,
    a tall L's lower part from dL2 U = (P^T dA)_2 - L2 dU."""
    from .. import cat, linalg
    m, n = dA.shape[-2], dA.shape[-1]
    k = min(m, n)
    PdA = P.mT @ dA
    L1, U1 = L[..., :k, :], U[..., :, :k]
    X = linalg.solve_triangular(L1, PdA[..., :k, :k], upper=False, unitriangular=True)
    X = linalg.solve_triangular(U1, X, upper=True, left=False)
    dL1 = L1 @ X.tril(-1)
    dU1 = X.triu() @ U1
    if m < n:
        rest = PdA[..., :, k:] - dL1 @ U[..., :, k:]
        dU2 = linalg.solve_triangular(L1, rest, upper=False, unitriangular=True)
        return dL1, cat([dU1, dU2], -1)
    if m > n:
        rest = PdA[..., k:, :] - L[..., k:, :] @ dU1
        dL2 = linalg.solve_triangular(U1, rest, upper=True, left=False)
        return cat([dL1, dL2], -2), dU1
    return dL1, dU1


def _lu(args, params, tangents, out):
    L, U, P = out
    dL, dU = _lu_tangent(P, L, U, tangents[0])
    return dL, dU, None


def _lu_factor_ex(args, params, tangents, out):
    """lu_factor_ex_jvp: the tangents of L and U packed as getrf packs L and U."""
    from .linalg._util import _linalg_embed_at
    LU, pivots = out[0], out[1]
    P, L, U = _lu_parts(LU, pivots)
    dL, dU = _lu_tangent(P, L, U, tangents[0])
    m, n = LU.shape[-2], LU.shape[-1]
    low = dL.tril(-1)
    if m < n:
        low = _linalg_embed_at(low, (m, n), 0, 0)
    elif m > n:
        dU = _linalg_embed_at(dU, (m, n), 0, 0)
    return low + dU, None, None


def _lu_unpack(args, params, tangents, out):
    """Linear in LU: its strict lower triangle to L, its upper one to U (P has none)."""
    if not (params or {}).get("unpack_data", True):
        return None, None, None
    dLU = tangents[0]
    k = min(dLU.shape[-2], dLU.shape[-1])
    return dLU[..., :, :k].tril(-1), dLU[..., :k, :].triu(), None


def _lu_solve(args, params, tangents, out):
    """linalg_lu_solve_jvp: dA = P (dL U + L dU) from the LU tangent, then the solve's
    tangent A^-1 (dB - dA X) (or with A^H, or from the right), through the same factors."""
    from .linalg.lu import _linalg_lu_solve
    LU, _ = args
    dLU, dB = tangents
    p = params or {}
    pivots, left, adjoint = p["pivots"], p.get("left", True), p.get("adjoint", False)
    X = out
    rhs = dB
    if dLU is not None:
        P, L, U = _lu_parts(LU, pivots)
        dA = P @ (dLU.tril(-1) @ U + L @ dLU.triu())
        if adjoint:
            dA = dA.mH
        term = -(dA @ X) if left else -(X @ dA)
        rhs = term if rhs is None else rhs + term
    return _linalg_lu_solve(LU, rhs, pivots, left, adjoint)


# ---------------------------------------------------------------------------- pinv / lstsq
def _pinv_tangent(A, X, dA):
    """pinv_jvp (constant rank): dX = -X dA X + X X^H dA^H (I - A X) + (I - X A) dA^H X^H X
    with X = pinv(A)."""
    dAh = dA.mH
    t = -(X @ dA @ X)
    t = t + (X @ X.mH) @ (dAh - (dAh @ A) @ X)
    return t + (dAh - X @ (A @ dAh)) @ (X.mH @ X)


def _pinv(args, params, tangents, out):
    return _pinv_tangent(args[0], out, tangents[0])


def _lstsq(args, params, tangents, out):
    """linalg_lstsq's solution: X = pinv(A) B, dX = dpinv(A) B + pinv(A) dB; its residuals
    (when computed) ||A X - B||^2 per column: 2 sum(r (dA X + A dX - dB)), r = A X - B;
    rank and singular values have none."""
    from .. import linalg
    A, B = args
    dA, dB = tangents
    X, res = out[0], out[1]
    vec = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vec else B
    Xm = X.unsqueeze(-1) if vec else X
    pinvA = linalg.pinv(A)
    dX = None
    if dA is not None:
        dX = _pinv_tangent(A, pinvA, dA) @ Bm
    if dB is not None:
        term = pinvA @ (dB.unsqueeze(-1) if vec else dB)
        dX = term if dX is None else dX + term
    dres = None
    if res.numel():
        r = A @ Xm - Bm
        dr = A @ dX
        if dA is not None:
            dr = dr + dA @ Xm
        if dB is not None:
            dr = dr - (dB.unsqueeze(-1) if vec else dB)
        dres = 2 * ((r.conj() * dr).real if r.is_complex() else r * dr).sum(-2)
    return (dX.squeeze(-1) if vec else dX), dres, None, None


# ---------------------------------------------------------------------------- small ones
def _matrix_exp(args, params, tangents, out):
    """d exp(A) = the top-right block of exp([[A, dA], [0, A]])."""
    from .. import cat, linalg
    A, = args
    dA = tangents[0]
    n = A.shape[-1]
    top = cat([A, dA], -1)
    bottom = cat([_zeros(A), A], -1)
    return linalg.matrix_exp(cat([top, bottom], -2))[..., :n, n:]


def _prod_others(args, params, tangents, out):
    """p_i = prod_{j != i} s_j: its Jacobian is symmetric, so J v is the backward's J^T v."""
    from .linalg.decompositions import _linalg_prod_others_grad
    return _linalg_prod_others_grad(args[0], tangents[0])


def _prod_others_grad(args, params, tangents, out):
    """Linear in g; its derivative in s is a third derivative of det at a singular matrix,
    which the backward refuses too (NotImplementedError, never a zero)."""
    from .linalg.decompositions import _linalg_prod_others_grad, _no_prod_others_order_three
    s, _ = args
    ts, tg = tangents
    if ts is not None:
        _no_prod_others_order_three(None, None)
    return _linalg_prod_others_grad(s, tg)


# ---------------------------------------------------------------------------- householder
def _add(total, term):
    return term if total is None else total + term


def _reflected_tangent(A, tau, dA, dtau, C, dC, left, transpose):
    """The tangent of op(Q) C (left) or C op(Q), Q = H_0 ... H_{k-1},
    H_i = I - tau_i v_i v_i^H, through the reflectors applied one at a time as the forward
    does: d(H X) = H dX - (dtau v v^H + tau dv v^H + tau v dv^H) X, dv the strictly lower
    part of dA's column (the unit entry is fixed)."""
    from .linalg._util import _linalg_eye_like
    k = tau.shape[-1]
    Ak = A[..., :, :k]
    V = Ak.tril(-1) + _linalg_eye_like(Ak)
    dV = dA[..., :, :k].tril(-1) if dA is not None else None
    X, dX = C, dC
    for i in (range(k - 1, -1, -1) if left != transpose else range(k)):
        v = V[..., :, i:i + 1]
        t = tau[..., i:i + 1].unsqueeze(-1)
        dt = dtau[..., i:i + 1].unsqueeze(-1) if dtau is not None else None
        if transpose:
            t = t.conj()
            dt = dt.conj() if dt is not None else None
        dv = dV[..., :, i:i + 1] if dV is not None else None
        w = v.mH @ X if left else X @ v               # 1 x n or m x 1
        vw = v @ w if left else w @ v.mH              # the reflector's rank-one update of X
        new = None
        if dX is not None:
            new = dX - t * (v @ (v.mH @ dX) if left else (dX @ v) @ v.mH)
        if dt is not None:
            new = _add(new, -(dt * vw))
        if dv is not None:
            new = _add(new, -(t * (dv @ w + v @ (dv.mH @ X) if left else
                                   (X @ dv) @ v.mH + w @ dv.mH)))
        X, dX = X - t * vw, new
    return dX


def _householder_product(args, params, tangents, out):
    A, tau = args
    dA, dtau = tangents
    m, n = A.shape[-2:]
    from .. import eye
    C = eye(m, n, dtype=A.dtype).expand(tuple(out.shape))
    return _reflected_tangent(A, tau, dA, dtau, C, None, True, False)


def _ormqr(args, params, tangents, out):
    A, tau, C = args
    dA, dtau, dC = tangents
    return _reflected_tangent(A, tau, dA, dtau, C, dC, params["left"], params["transpose"])


RULES = {
    "linalg_eigh": _eigh,
    "linalg_eig": _eig,
    "linalg_svd": _svd,
    "linalg_qr": _qr,
    "linalg_lu": _lu,
    "linalg_lu_factor_ex": _lu_factor_ex,
    "lu_unpack": _lu_unpack,
    "_linalg_lu_solve": _lu_solve,
    "linalg_pinv": _pinv,
    "linalg_lstsq": _lstsq,
    "linalg_matrix_exp": _matrix_exp,
    "_linalg_prod_others": _prod_others,
    "_linalg_prod_others_grad": _prod_others_grad,
    "linalg_householder_product": _householder_product,
    "ormqr": _ormqr,
}
