"""Randomized low-rank factorisations, as torch's torch/_lowrank.py composes them from public
ops (so they are differentiable through matmul, qr and svd): ``svd_lowrank`` (Halko et
al. 2009, algorithms 4.4 and 5.1: a random range finder with subspace iterations, then the
SVD of the small projected matrix) and ``pca_lowrank`` (the same on centred data). The
random test matrix comes from chainrule's generator, so results are reproducible under
``manual_seed`` but are not torch's numbers. ``lobpcg`` is not implemented."""
from __future__ import annotations

from ..._tensor import Tensor


def _floating(A: Tensor):
    from ... import _dtypes
    d = _dtypes._BY_NP[A._data.dtype]
    return d if d.is_floating_point or d.is_complex else _dtypes.float32


def _approximate_basis(A: Tensor, q: int, niter, M: Tensor | None) -> Tensor:
    """Q with q orthonormal columns such that Q Q^H (A - M) approximates A - M."""
    from ...linalg import qr
    from ..random import randn
    niter = 2 if niter is None else niter
    R = randn(A.shape[-1], q, dtype=_floating(A))
    X = A.matmul(R)
    if M is not None:
        X = X - M.matmul(R)
    Q = qr(X).Q
    for _ in range(niter):
        X = A.mH.matmul(Q)
        if M is not None:
            X = X - M.mH.matmul(Q)
        Q = qr(X).Q
        X = A.matmul(Q)
        if M is not None:
            X = X - M.matmul(Q)
        Q = qr(X).Q
    return Q


def _svd_lowrank(A: Tensor, q, niter, M: Tensor | None):
    from ...linalg import svd
    q = 6 if q is None else q
    m, n = A.shape[-2:]
    if M is not None:
        M = M.broadcast_to(A.shape)
    if m < n:
        A = A.mH
        if M is not None:
            M = M.mH
    Q = _approximate_basis(A, q, niter, M)
    B = Q.mH.matmul(A)
    if M is not None:
        B = B - Q.mH.matmul(M)
    U, S, Vh = svd(B, full_matrices=False)
    V = Vh.mH
    U = Q.matmul(U)
    if m < n:
        U, V = V, U
    return U, S, V


def svd_lowrank(A: Tensor, q: int | None = 6, niter: int | None = 2,
                M: Tensor | None = None) -> tuple:
    """``(U, S, V)`` with A - M ~ U diag(S) V^H, of rank ``q`` (a slight overestimate of A's
    rank), by a randomized range finder with ``niter`` subspace iterations."""
    return _svd_lowrank(A, q, niter, M)


def pca_lowrank(A: Tensor, q: int | None = None, center: bool = True, niter: int = 2) -> tuple:
    """Principal components of the data ``A`` (samples in rows): ``(U, S, V)`` of the
    centred ``A`` (unless ``center=False``) by ``svd_lowrank``; ``V``'s columns are the
    principal directions. ``q`` defaults to min(6, m, n)."""
    m, n = A.shape[-2:]
    if q is None:
        q = min(6, m, n)
    elif not 0 <= q <= min(m, n):
        raise ValueError(f"q(={q}) must be non-negative integer and not greater than min(m, n)="
                         f"{min(m, n)}")
    if not niter >= 0:
        raise ValueError(f"niter(={niter}) must be non-negative integer")
    if not center:
        return _svd_lowrank(A, q, niter, None)
    C = A.mean(dim=(-2,), keepdim=True)
    return _svd_lowrank(A - C, q, niter, None)


def lobpcg(A: Tensor, k: int | None = None, B: Tensor | None = None, X: Tensor | None = None,
           n: int | None = None, iK: Tensor | None = None, niter: int | None = None,  # noqa: N803
           tol: float | None = None, largest: bool | None = None, method: str | None = None,
           tracker=None, ortho_iparams=None, ortho_fparams=None, ortho_bparams=None):
    """torch.lobpcg (LOBPCG eigensolver): not implemented in chainrule; use
    ``chainrule.linalg.eigh`` for dense symmetric matrices."""
    raise NotImplementedError("torch.lobpcg is not implemented in chainrule; for a dense "
                              "symmetric (or generalized, via a Cholesky factor of B) problem "
                              "use chainrule.linalg.eigh")
