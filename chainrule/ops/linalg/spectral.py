"""Spectral decompositions: linalg.eigh / eigvalsh (LinalgEighBackward0), eig / eigvals
(LinalgEigBackward0) and svd / svdvals
(LinalgSvdBackward0), with torch's backward formulas (linalg_eig_backward, svd_backward)
in torch's complex convention."""
from __future__ import annotations

from ..._meta import meta_aware
from .._registry import dispatch, expose, op
from . import _util as U
from ._util import _LinAlgError, diag_embed, mH

Eigh = U.return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
Eig = U.return_type("linalg_eig", ("eigenvalues", "eigenvectors"))
Svd = U.return_type("linalg_svd", ("U", "S", "Vh"))
SvdT = U.return_type("svd", ("U", "S", "V"))


def _needs_grad(A) -> bool:
    from ...autograd.forward_ad import _STATE
    from ...autograd.grad_mode import _tls
    return (A._rg and _tls.grad_enabled) or _STATE.level >= 0  # forward AD: composed


# ---------------------------------------------------------------------------- eigh
_EIG_GAUGE = ("{}: The eigenvectors in the complex case are specified up to multiplication "
              "by e^{{i phi}}. The specified loss function depends on this quantity, so it is "
              "ill-defined.")


def _eigh_forward(xp, A, UPLO):
    try:
        L, V = U.raising(xp.linalg.eigh)(A, UPLO=UPLO)
    except xp.linalg.LinAlgError:
        raise _LinAlgError("linalg.eigh: The algorithm failed to converge because the input "
                           "matrix is ill-conditioned or has too many repeated eigenvalues "
                           "(error code: 1).") from None
    return L.astype(A.real.dtype, copy=False), V.astype(A.dtype, copy=False)  # real values


def _eigh_grad(F, g, out0, out1):
    """linalg_eig_backward with is_hermitian=True, in torch's complex convention."""
    gL, gV = g
    L, V = out0, out1
    if gL is not None:  # the eigenvalues are real (a complex gradient from cat/stack)
        gL = U.real_part(F, gL)
    if gV is None:
        if gL is None:
            return None
        return F.matmul(V * F.unsqueeze(gL, -2), mH(F, V))
    VhgV = F.matmul(mH(F, V), gV)
    cplx = U.is_complex(VhgV)
    if cplx:
        U.check_gauge(U.raw(F._linalg_diag(VhgV)).imag, None,
                      _EIG_GAUGE.format("linalg_eigh_backward"))
    VhgV = 0.5 * (VhgV - mH(F, VhgV))  # onto the skew-Hermitian matrices
    E = F.unsqueeze(L, -2) - F.unsqueeze(L, -1)
    E = E + F._linalg_eye_like(E)
    inner = VhgV / E
    if gL is not None:  # the diagonal becomes gL (it is zero for real matrices)
        if cplx:
            inner = inner - diag_embed(F, F._linalg_diag(inner))
        inner = inner + diag_embed(F, gL)
    return F.matmul(V, F.matmul(inner, mH(F, V)))


EIGH = op("linalg_eigh", _eigh_forward, inputs=("A",), params=("UPLO",), num_outputs=2,
          vjps=(_eigh_grad,), grad_fn="LinalgEighBackward0", holomorphic=False)
EIGVALSH = op("_linalg_eigvalsh", lambda xp, A, UPLO: U.raising(xp.linalg.eigvalsh)(
    A, UPLO=UPLO).astype(A.real.dtype, copy=False), inputs=("A",), params=("UPLO",))


def _uplo(UPLO):
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO.upper()


@expose(method=False, internal=True)
def linalg_eigh(A, UPLO="L", *, out=None):
    """torch.linalg.eigh: ascending eigenvalues and orthonormal eigenvectors of symmetric
    matrices (only the ``UPLO`` triangle is read)."""
    U.no_grad_out(out, "linalg_eigh", A)
    U.check_linalg_input(A, "linalg.eigh")
    return U.write_out(Eigh(dispatch(EIGH, (A,), {"UPLO": _uplo(UPLO)})), out)


@expose(method=False, internal=True)
def linalg_eigvalsh(A, UPLO="L", *, out=None):
    """torch.linalg.eigvalsh: the eigenvalues of eigh (output 0 of LinalgEighBackward0)."""
    U.no_grad_out(out, "linalg_eigvalsh", A)
    U.check_linalg_input(A, "linalg.eigh")
    uplo = _uplo(UPLO)
    if _needs_grad(A):
        return U.write_out(dispatch(EIGH, (A,), {"UPLO": uplo})[0], out)
    try:
        return U.write_out(dispatch(EIGVALSH, (A,), {"UPLO": uplo}), out)
    except Exception as exc:  # NumPy's LinAlgError: no convergence
        if type(exc).__name__ != "LinAlgError":
            raise
        raise _LinAlgError("linalg.eigh: The algorithm failed to converge because the input "
                           "matrix is ill-conditioned or has too many repeated eigenvalues "
                           "(error code: 1).") from None


# ---------------------------------------------------------------------------- eig
def _eig_forward(xp, A):
    try:
        w, v = U.raising(xp.linalg.eig)(A)
    except xp.linalg.LinAlgError:
        raise _LinAlgError("linalg.eig: The algorithm failed to converge because the input "
                           "matrix is ill-conditioned or has too many repeated eigenvalues "
                           "(error code: 1).") from None
    ctype = xp.complex64 if A.dtype.itemsize <= 4 and A.dtype.kind in "fV" or \
        A.dtype == xp.complex64 else xp.complex128
    return w.astype(ctype), v.astype(ctype)


def _eig_grad(F, g, out0, out1, real_input):
    """torch's linalg_eig_backward (not Hermitian), in its complex convention; a real
    input takes the real part (handle_r_to_c)."""
    gL, gV = g
    L, V = out0, out1
    if gL is None and gV is None:
        return None
    Vh = mH(F, V)
    if gV is None:
        gA = F.linalg_solve_ex(Vh, F.unsqueeze(gL, -1) * Vh, True, False)[0]
    else:
        VhgV = F.matmul(Vh, gV)
        d = F._linalg_diag(VhgV)
        U.check_gauge(U.raw(d).imag, None, _EIG_GAUGE.format("linalg_eig_backward"))
        # onto the tangent space of matrices with unit-norm columns
        VhgV = VhgV - F.matmul(Vh, V * F.unsqueeze(F.real(d), -2))
        Lc = F.conj_physical(L)
        E = F.unsqueeze(Lc, -2) - F.unsqueeze(Lc, -1)
        inner = VhgV / (E + F._linalg_eye_like(E))  # E's diagonal (zero) taken as one
        if gL is not None:  # the diagonal becomes gL
            inner = inner - diag_embed(F, F._linalg_diag(inner)) + diag_embed(F, gL)
        gA = F.linalg_solve_ex(Vh, F.matmul(inner, Vh), True, False)[0]
    return U.real_part(F, gA) if real_input else gA


EIG = op("linalg_eig", lambda xp, A, real_input: _eig_forward(xp, A), inputs=("A",),
         params=("real_input",), num_outputs=2, vjps=(_eig_grad,),
         grad_fn="LinalgEigBackward0", holomorphic=False)


@expose(method=False, internal=True)
def linalg_eig(A, *, out=None):
    """torch.linalg.eig: complex eigenvalues and unit-norm eigenvectors
    (LinalgEigBackward0)."""
    U.no_grad_out(out, "linalg_eig", A)
    U.check_linalg_input(A, "linalg.eig")
    return U.write_out(Eig(dispatch(EIG, (A,), _real_input(A))), out)


@expose(method=False, internal=True)
def linalg_eigvals(A, *, out=None):
    """torch.linalg.eigvals: the eigenvalues of eig (output 0 of LinalgEigBackward0)."""
    U.no_grad_out(out, "linalg_eigvals", A)
    U.check_linalg_input(A, "linalg.eigvals")
    return U.write_out(dispatch(EIG, (A,), _real_input(A))[0], out)


def _real_input(A):
    return {"real_input": A._data.dtype.kind != "c"}


# ---------------------------------------------------------------------------- svd
_SVD_GAUGE = ("svd_backward: The singular vectors in the complex case are specified up to "
              "multiplication by e^{i phi}. The specified loss function depends on this phase "
              "term, making it ill-defined.")


def _svd_forward(xp, A, full_matrices):
    try:
        u, s, vh = U.raising(xp.linalg.svd)(A, full_matrices=full_matrices)
    except xp.linalg.LinAlgError:
        raise _LinAlgError("linalg.svd: The algorithm failed to converge because the input "
                           "matrix is ill-conditioned or has too many repeated singular "
                           "values (error code: 1).") from None
    return u, s.astype(A.real.dtype, copy=False), vh  # singular values are real


def _svd_grad(F, g, out0, out1, out2, full_matrices):
    gU, gS, gVh = g
    u, S, vh = out0, out1, out2
    if gS is not None:  # the singular values are real (a complex gradient from cat/stack)
        gS = U.real_part(F, gS)
    k = S.shape[-1]
    if full_matrices:
        u, vh = u[..., :k], vh[..., :k, :]
        gU = gU[..., :k] if gU is not None else None
        gVh = gVh[..., :k, :] if gVh is not None else None
    if gS is None and gU is None and gVh is None:
        return None
    m, n = u.shape[-2], vh.shape[-1]
    if gU is None and gVh is None:
        return (F.matmul(u, F.unsqueeze(gS, -1) * vh) if m >= n else
                F.matmul(u * F.unsqueeze(gS, -2), vh))
    cplx = U.is_complex(u)
    UhgU = None
    if gU is not None:
        UhgU = F.matmul(mH(F, u), gU)
        UhgU = UhgU - mH(F, UhgU)
    VhgV = None
    if gVh is not None:
        VhgV = F.matmul(vh, mH(F, gVh))
        VhgV = VhgV - mH(F, VhgV)
    if cplx:  # the phases of U's and V's columns must cancel in the loss
        zeros = U.raw(S) * 0
        U.check_gauge(zeros if UhgU is None else U.raw(F._linalg_diag(UhgU)).imag,
                      zeros if VhgV is None else -U.raw(F._linalg_diag(VhgV)).imag,
                      _SVD_GAUGE)
    S2 = S * S
    E = F.unsqueeze(S2, -2) - F.unsqueeze(S2, -1)
    E = E + F._linalg_eye_like(E)
    if UhgU is not None and VhgV is not None:
        gA = (UhgU * F.unsqueeze(S, -2) + F.unsqueeze(S, -1) * VhgV) / E
    elif UhgU is not None:
        gA = (UhgU / E) * F.unsqueeze(S, -2)
    else:
        gA = F.unsqueeze(S, -1) * (VhgV / E)
    if gS is not None:
        gA = gA + diag_embed(F, gS)
    if cplx and UhgU is not None:
        gA = gA + diag_embed(F, F._linalg_diag(UhgU) / (2 * S))
    if m > n and gU is not None:
        gA = F.matmul(u, gA)
        gUSinv = gU / F.unsqueeze(S, -2)
        gA = gA + gUSinv - F.matmul(u, F.matmul(mH(F, u), gUSinv))
        return F.matmul(gA, vh)
    if m < n and gVh is not None:
        gA = F.matmul(gA, vh)
        SinvgVh = gVh / F.unsqueeze(S, -1)
        gA = gA + SinvgVh - F.matmul(F.matmul(SinvgVh, mH(F, vh)), vh)
        return F.matmul(u, gA)
    return F.matmul(u, F.matmul(gA, vh)) if m >= n else F.matmul(F.matmul(u, gA), vh)


SVD = op("linalg_svd", _svd_forward, inputs=("A",), params=("full_matrices",),
         num_outputs=3, vjps=(_svd_grad,), grad_fn="LinalgSvdBackward0", holomorphic=False)
SVDVALS = op("_linalg_svdvals", lambda xp, A: U.raising(xp.linalg.svd)(
    A, compute_uv=False).astype(A.real.dtype, copy=False), inputs=("A",))


@expose(method=False, internal=True)
def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    """torch.linalg.svd: A = U diag(S) Vh, singular values in descending order."""
    U.no_grad_out(out, "linalg_svd", A)
    U.check_tensor(A, "svd")
    U.check_matrix(A, "linalg.svd")
    U.check_float(A, "linalg.svd")
    return U.write_out(Svd(dispatch(SVD, (A,), {"full_matrices": bool(full_matrices)})), out)


@expose(method=False, internal=True)
def linalg_svdvals(A, *, driver=None, out=None):
    """torch.linalg.svdvals: the singular values (output 1 of LinalgSvdBackward0 when a
    gradient is needed, as torch computes U and V only then)."""
    U.no_grad_out(out, "linalg_svdvals", A)
    U.check_tensor(A, "svdvals")
    U.check_matrix(A, "linalg.svd")
    U.check_float(A, "linalg.svd")
    if _needs_grad(A):
        return U.write_out(dispatch(SVD, (A,), {"full_matrices": False})[1], out)
    try:
        return U.write_out(dispatch(SVDVALS, (A,)), out)
    except Exception as exc:
        if type(exc).__name__ != "LinAlgError":
            raise
        raise _LinAlgError("linalg.svd: The algorithm failed to converge because the input "
                           "matrix is ill-conditioned or has too many repeated singular "
                           "values (error code: 1).") from None


@expose
@meta_aware
def svd(input, some=True, compute_uv=True, *, out=None):
    """torch.svd: (U, S, V) with V = Vh^T (TransposeBackward0 of output 2); with
    ``compute_uv=False``, U and V are zero matrices."""
    U.no_grad_out(out, "svd", input)
    if not compute_uv:
        from ..._creation import zeros
        s = linalg_svdvals(input)
        m, n = input.shape[-2:]
        dt = input.dtype
        res = SvdT((zeros(*input.shape[:-2], m, m, dtype=dt), s,
                    zeros(*input.shape[:-2], n, n, dtype=dt)))
        return U.write_out(res, out)
    u, s, vh = linalg_svd(input, full_matrices=not some)
    return U.write_out(SvdT((u, s, vh.transpose(-2, -1))), out)
