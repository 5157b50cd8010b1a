"""Decompositions: inverse, determinant, Cholesky and QR (spectral.py: eigh, eig, svd;
lu.py: LU).

Each is one op with torch's grad_fn name (LinalgInvExBackward0, LinalgSvdBackward0 ...);
its backward follows torch's FunctionsManual.cpp and is written with ``F`` so the same rule
gives double backward. Outputs torch marks non-differentiable (``info``, pivots) are outputs
of the same node that never require grad.
"""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from . import _util as U
from ._util import _LinAlgError, diag_embed, mH, mT

InvEx = U.return_type("linalg_inv_ex", ("inverse", "info"))
CholeskyEx = U.return_type("linalg_cholesky_ex", ("L", "info"))
Slogdet = U.return_type("linalg_slogdet", ("sign", "logabsdet"))
SlogdetT = U.return_type("slogdet", ("sign", "logabsdet"))
Qr = U.return_type("linalg_qr", ("Q", "R"))
QrT = U.return_type("qr", ("Q", "R"))


def _plain(outs, *indices):
    """Outputs torch marks non-differentiable: no grad_fn, no requires_grad."""
    for i in indices:
        outs[i]._rg = False
        outs[i].grad_fn = None
    return outs


# ---------------------------------------------------------------------------- inverse
def _inv_forward(xp, A, check, fname="linalg.inv"):
    lu, piv, info = None, None, None
    try:
        inv = U.raising(xp.linalg.inv)(A)
        info = xp.zeros(A.shape[:-2], dtype=xp.int32)
    except xp.linalg.LinAlgError:
        lu, piv, info = U.lu_raw(xp, A)
        if check:
            flat = info.reshape(-1)
            b = int(xp.nonzero(flat)[0][0])
            raise _LinAlgError(
                f"{fname}: {U.batch_prefix(b, A.ndim > 2)}The diagonal element "
                f"{int(flat[b])} is zero, the inversion could not be completed because the "
                "input matrix is singular.") from None
        eye = xp.broadcast_to(xp.eye(A.shape[-1], dtype=A.dtype), A.shape)
        from .lu import lu_solve_raw
        inv = U.raising(lu_solve_raw)(xp, lu, piv, eye)
    return U.colmajor(xp, inv), info


INV_EX = op("linalg_inv_ex", lambda xp, A, check=False, fname="linalg.inv":
            _inv_forward(xp, A, check, fname),
            inputs=("A",), params=("check", "fname"), num_outputs=2,
            vjps=(lambda F, g, out0: -F.matmul(mT(F, out0), F.matmul(g[0], mT(F, out0))),),
            grad_fn="LinalgInvExBackward0")


@expose(method=False, internal=True)
def linalg_inv_ex(A, check_errors=False):
    """torch.linalg.inv_ex: (inverse, info), info the first zero pivot (0: invertible)."""
    U.check_linalg_input(A, "linalg.inv")
    return InvEx(_plain(dispatch(INV_EX, (A,), {"check": check_errors}), 1))


def _inv_ex(A, *, check_errors=False, out=None):
    U.no_grad_out(out, "linalg_inv_ex", A)
    U.check_linalg_input(A, "linalg.inv")
    res = dispatch(INV_EX, (A,), {"check": check_errors, "fname": "linalg.inv_ex"})
    return U.write_out(InvEx(_plain(res, 1)), out)


@expose(method=False, internal=True)
def linalg_inv(A, *, out=None):
    """torch.linalg.inv: the inverse of each square matrix (LinalgInvExBackward0)."""
    U.no_grad_out(out, "linalg_inv", A)
    U.check_linalg_input(A, "linalg.inv")
    return U.write_out(dispatch(INV_EX, (A,), {"check": True})[0], out)


@expose
def inverse(input, *, out=None):
    """torch.inverse: alias of torch.linalg.inv."""
    return linalg_inv(input, out=out)


# ---------------------------------------------------------------------------- determinant
_EPS = {"float32": 1.1920928955078125e-07, "float64": 2.220446049250313e-16}


def _det_grad(F, g, A, out):
    """torch's linalg_det_backward: g det A^-T. Plain backward solves with A's LU, a zero
    pivot nudged to eps (so an exactly singular A gets g * det * ... = 0, as torch); under
    create_graph a (nearly) singular A takes the SVD form of the adjugate instead."""
    n = A.shape[-1]
    if n == 0 or _numel(A.shape) == 0:
        return A * 0
    d = g * out
    eps = _EPS.get(str(A.dtype).replace("torch.", ""), 2.2e-16)
    if not isinstance(A, Tensor):
        xp = F.xp
        lu, piv, _ = U.lu_raw(xp, A)
        diag = xp.diagonal(lu, 0, -2, -1)
        lu = lu + U._diag_embed(xp, xp.where(diag == 0, eps, 0).astype(lu.dtype), n, n)
        rhs = U._diag_embed(xp, xp.broadcast_to(xp.asarray(d)[..., None], A.shape[:-1]), n, n)
        from .lu import lu_solve_raw
        return U.raising(lu_solve_raw)(xp, lu, piv, rhs, True, True)
    if not bool((F.abs(out) < 100 * eps).any()):
        rhs = diag_embed(F, F.expand(F.unsqueeze(d, -1), tuple(A.shape[:-1])))
        return F.linalg_solve_ex(mT(F, A), rhs, True, False)[0]
    u, s, vh = F.linalg_svd(A, False)
    alpha = F.linalg_det(u) * F.linalg_det(vh) * g
    D = F.unsqueeze(alpha, -1) * F._linalg_prod_others(s)
    return F.matmul(u * F.unsqueeze(D, -2), vh)


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


DET = op("linalg_det", lambda xp, A: U.raising(xp.linalg.det)(A), inputs=("A",),
         vjps=(_det_grad,), grad_fn="LinalgDetBackward0")


def _prod_others(xp, s):
    """p_i = prod_{j != i} s_j (exact when some s_j are zero)."""
    n = s.shape[-1]
    ones = xp.ones(s.shape[:-1] + (1,), dtype=s.dtype)
    left = xp.concatenate([ones, xp.cumprod(s, axis=-1)[..., :-1]], axis=-1)
    right = xp.flip(xp.concatenate([ones, xp.cumprod(xp.flip(s, -1), axis=-1)[..., :-1]],
                                   axis=-1), -1)
    return (left * right)[..., :n]


def _prod_others_grad(xp, s, g):
    """The transpose of the Jacobian of _prod_others, applied to g."""
    n = s.shape[-1]
    idx = xp.arange(n)
    mask = (idx[:, None, None] == idx[None, None, :]) | (idx[None, :, None] == idx[None, None, :])
    full = xp.where(mask, 1, s[..., None, None, :]).prod(axis=-1)  # [i, k]: prod_{j!=i,k}
    full = xp.where(idx[:, None] == idx[None, :], 0, full)
    return xp.einsum("...i,...ik->...k", g, full)


def _no_prod_others_order_three(F, g):
    raise NotImplementedError("the derivative for '_linalg_prod_others_grad' with respect to "
                              "s is not implemented (a third derivative of det at a singular "
                              "matrix)")


# Linear in g with a symmetric matrix (so its own transpose); recorded, so that a derivative
# with respect to s raises rather than vanishing.
PROD_OTHERS_GRAD = op("_linalg_prod_others_grad", _prod_others_grad, inputs=("s", "g"),
                      vjps=(_no_prod_others_order_three,
                            lambda F, g, s: F._linalg_prod_others_grad(s, g)))
PROD_OTHERS = op("_linalg_prod_others", _prod_others, inputs=("s",),
                 vjps=(lambda F, g, s: F._linalg_prod_others_grad(s, g),))


@expose(internal=True, method=False)
def _linalg_prod_others(s):
    return dispatch(PROD_OTHERS, (s,))


@expose(internal=True, method=False)
def _linalg_prod_others_grad(s, g):
    return dispatch(PROD_OTHERS_GRAD, (s, g))


@expose(method=False, internal=True)
def linalg_det(A, *, out=None):
    """torch.linalg.det: the determinant of each square matrix (LinalgDetBackward0)."""
    U.no_grad_out(out, "linalg_det", A)
    U.check_linalg_input(A, "linalg.det")
    return U.write_out(dispatch(DET, (A,)), out)


@expose
def det(input):
    """torch.det: alias of torch.linalg.det."""
    return linalg_det(input)


def _slogdet_forward(xp, A):
    sign, logabs = U.raising(xp.linalg.slogdet)(A)
    return xp.asarray(sign, dtype=A.dtype), xp.asarray(logabs, dtype=A.real.dtype)


def _slogdet_grad(F, g, A, out0):
    """torch's slogdet_backward: g A^-H with g = g_logabsdet, for complex A
    g_logabsdet + i Im(conj(sign) g_sign) (log det = log|det| + i arg det, holomorphic)."""
    g_sign, g_logabs = g
    if g_logabs is not None:  # a real output's gradient (a complex one from cat/stack)
        g_logabs = U.real_part(F, g_logabs)
    cplx = U.is_complex(A)
    if g_logabs is None and (g_sign is None or not cplx):
        return None
    if cplx:
        c = g_logabs * (1 + 0j) if g_logabs is not None else None  # complex, same width
        if g_sign is not None:
            phase = F.imag(F.conj_physical(out0) * g_sign) * 1j
            c = phase if c is None else c + phase
    else:
        c = g_logabs
    rhs = diag_embed(F, F.expand(F.unsqueeze(c, -1), tuple(A.shape[:-1])))
    return F.linalg_solve_ex(mH(F, A), rhs, True, False)[0]


SLOGDET = op("linalg_slogdet", _slogdet_forward, inputs=("A",), num_outputs=2,
             vjps=(_slogdet_grad,), grad_fn="LinalgSlogdetBackward0", holomorphic=False)


@expose(method=False, internal=True)
def linalg_slogdet(A, *, out=None):
    """torch.linalg.slogdet: (sign, log|det|) of each square matrix."""
    U.no_grad_out(out, "linalg_slogdet", A)
    U.check_linalg_input(A, "linalg.slogdet")
    return U.write_out(Slogdet(dispatch(SLOGDET, (A,))), out)


@expose
def slogdet(input):
    """torch.slogdet: torch.linalg.slogdet, as the return type ``torch.return_types.slogdet``."""
    return SlogdetT(linalg_slogdet(input))


@expose
def logdet(input):
    """log det(A), composed from slogdet as torch: nan for a negative determinant of a real
    matrix; log(sign) + log|det| for a complex one."""
    U.check_tensor(input, "logdet", "input")
    U.check_square(input, "logdet")
    U.check_float(input, "logdet")
    from ..pointwise import where
    sign, logabs = linalg_slogdet(input)
    if input._data.dtype.kind == "c":
        return sign.log() + logabs
    return where(sign == -1.0, float("nan"), logabs)

# ---------------------------------------------------------------------------- cholesky
def _cholesky_forward(xp, A, upper, check, fname="linalg.cholesky"):
    try:
        L = U.raising(xp.linalg.cholesky)(A, upper=upper)
        return L, xp.zeros(A.shape[:-2], dtype=xp.int32)
    except xp.linalg.LinAlgError:
        pass
    n = A.shape[-1]
    flat = A.reshape(-1, n, n)
    info = xp.zeros(flat.shape[0], dtype=xp.int32)
    L = xp.empty_like(flat)
    for b in range(flat.shape[0]):
        try:
            L[b] = U.raising(xp.linalg.cholesky)(flat[b], upper=upper)
            continue
        except xp.linalg.LinAlgError:
            pass
        order = next(k for k in range(1, n + 1) if not _is_pd(xp, flat[b, :k, :k], upper))
        info[b] = order
        L[b] = xp.triu(flat[b]) if upper else xp.tril(flat[b])
        if check:
            raise _LinAlgError(
                f"{fname}: {U.batch_prefix(b, A.ndim > 2)}The factorization could not be "
                "completed because the input is not positive-definite (the leading minor of "
                f"order {order} is not positive-definite).")
    return L.reshape(A.shape), info.reshape(A.shape[:-2])


def _is_pd(xp, a, upper):
    try:
        U.raising(xp.linalg.cholesky)(a, upper=upper)
        return True
    except xp.linalg.LinAlgError:
        return False


def _cholesky_grad(F, g, out0, upper):
    """Iain Murray (2016), arXiv 1602.07527, as torch's cholesky_backward (conjugate
    transposes: torch's complex convention)."""
    gL = g[0] if isinstance(g, (tuple, list)) else g
    L = out0
    if upper:
        L, gL = mH(F, L), mH(F, gL)
    gA = F._linalg_tril(F.matmul(mH(F, L), gL))
    gA = 0.5 * (gA + mH(F, F._linalg_tril(gA, -1)))
    gA = F.linalg_solve_triangular(mH(F, L), gA, True, True, False)
    return F.linalg_solve_triangular(L, gA, False, False, False)


CHOLESKY_EX = op("linalg_cholesky_ex", lambda xp, A, upper=False, check=False,
                 fname="linalg.cholesky": _cholesky_forward(xp, A, upper, check, fname),
                 inputs=("A",), params=("upper", "check", "fname"), num_outputs=2,
                 vjps=(_cholesky_grad,), grad_fn="LinalgCholeskyExBackward0", holomorphic=False)
CHOLESKY = op("cholesky", lambda xp, A, upper=False:
              _cholesky_forward(xp, A, upper, True, "cholesky")[0],
              inputs=("A",), params=("upper",), vjps=(_cholesky_grad,), holomorphic=False)


@expose(method=False, internal=True)
def linalg_cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """torch.linalg.cholesky_ex: (L, info), info the order of the first leading minor that
    is not positive-definite (0: success)."""
    U.no_grad_out(out, "linalg_cholesky_ex", A)
    U.check_linalg_input(A, "linalg.cholesky")
    params = {"upper": upper, "check": check_errors, "fname": "linalg.cholesky_ex"}
    res = _plain(dispatch(CHOLESKY_EX, (A,), params), 1)
    return U.write_out(CholeskyEx(res), out)


@expose(method=False, internal=True)
def linalg_cholesky(A, *, upper=False, out=None):
    """torch.linalg.cholesky: the Cholesky factor (lower, or upper with ``upper=True``)."""
    U.no_grad_out(out, "linalg_cholesky", A)
    U.check_linalg_input(A, "linalg.cholesky")
    return U.write_out(dispatch(CHOLESKY_EX, (A,), {"upper": upper, "check": True})[0], out)


@expose
def cholesky(input, upper=False, *, out=None):
    """torch.cholesky (deprecated in torch, with its warning): CholeskyBackward0."""
    warnings.warn(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in "
        "a future PyTorch release.\nL = torch.cholesky(A)\nshould be replaced with\n"
        "L = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, upper=True)\nshould be "
        "replaced with\nU = torch.linalg.cholesky(A).mH\nThis transform will produce "
        "equivalent results for all valid (symmetric positive definite) inputs.",
        UserWarning, stacklevel=2)
    U.no_grad_out(out, "cholesky", input)
    U.check_tensor(input, "cholesky", "input")
    U.check_square(input, "cholesky")
    U.check_float(input, "cholesky")
    return U.write_out(dispatch(CHOLESKY, (input,), {"upper": upper}), out)

# ---------------------------------------------------------------------------- qr
def _qr_forward(xp, A, mode):
    if mode == "r":
        R = U.raising(xp.linalg.qr)(A, mode="r")
        return xp.zeros((0,), dtype=A.dtype), R
    Q, R = U.raising(xp.linalg.qr)(A, mode=mode)
    return Q, R


def _qr_grad(F, g, out0, out1, mode):
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                           "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are "
                           "going to differentiate through linalg.qr.")
    gQ, gR = g
    Q, R = out0, out1
    m, n = Q.shape[-2], R.shape[-1]
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                           "and nrows > ncols.")
    if gQ is None and gR is None:
        return None
    if gQ is not None:
        gA = -F.matmul(mH(F, Q), gQ)
        if gR is not None:
            gA = F.matmul(gR, mH(F, R)) + gA
    else:
        gA = F.matmul(gR, mH(F, R))
    cplx = U.is_complex(gA)
    if m >= n:
        t = F._linalg_triu(gA)  # syminvadj: t + t^H with the diagonal's real part once
        d = F._linalg_diag(t)
        gA = F.matmul(Q, t + mH(F, t) - diag_embed(F, F.real(d) if cplx else d))
        if gQ is not None:
            gA = gA + gQ
        return F.linalg_solve_triangular(mH(F, R), gA, False, False, False)
    skew = F._linalg_tril(mH(F, gA) - gA)  # trilImInvAdjSkew(-gA)
    if cplx:  # its (imaginary) diagonal halved
        skew = skew - 0.5 * diag_embed(F, F._linalg_diag(skew))
    gA = F.linalg_solve_triangular(mH(F, R[..., :m]), F.matmul(Q, skew), False, False, False)
    gA = F._linalg_embed_at(gA, (m, n), 0, 0)
    if gR is not None:
        gA = gA + F.matmul(Q, gR)
    return gA


QR = op("linalg_qr", _qr_forward, inputs=("A",), params=("mode",), num_outputs=2,
        vjps=(_qr_grad,), grad_fn="LinalgQrBackward0", holomorphic=False)


@expose(method=False, internal=True)
def linalg_qr(A, mode="reduced", *, out=None):
    """torch.linalg.qr: (Q, R) with mode 'reduced', 'complete' or 'r' (Q empty)."""
    U.no_grad_out(out, "linalg_qr", A)
    U.check_tensor(A, "qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    U.check_matrix(A, "linalg.qr")
    U.check_float(A, "linalg.qr")
    return U.write_out(Qr(dispatch(QR, (A,), {"mode": mode})), out)


@expose
def qr(input, some=True, *, out=None):
    """torch.qr (deprecated in torch, with its warning): reduced (some=True) or complete."""
    warnings.warn(
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future "
        "PyTorch release.\nThe boolean parameter 'some' has been replaced with a string "
        "parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\n"
        "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')", UserWarning,
        stacklevel=2)
    return U.write_out(QrT(linalg_qr(input, "reduced" if some else "complete")), out)


Tensor.inverse = inverse
