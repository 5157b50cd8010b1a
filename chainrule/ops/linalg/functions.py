"""Matrix functions: matrix_power (composed of matmuls and inv, as torch composes it),
matrix_exp (LinalgMatrixExpBackward0, Pade 13 with scaling and squaring; its backward is
the exponential of a block matrix, as torch's) and householder_product."""
from __future__ import annotations

from .._registry import dispatch, expose, op
from . import _util as U
from ._util import mH

# Pade [13/13] coefficients and the 1-norm bound below which no scaling is needed
# (Higham 2005, "The scaling and squaring method for the matrix exponential revisited").
_B13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
        129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0,
        40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def expm_raw(xp, A):
    """exp(A) for a batch of square matrices, computed in float64 (complex128)."""
    dtype = A.dtype
    a = A.astype(xp.complex128 if dtype.kind == "c" else xp.float64)
    n = a.shape[-1]
    if n == 0 or a.size == 0:
        return xp.zeros(A.shape, dtype=dtype)
    norm = xp.abs(a).sum(axis=-2).max(axis=-1)
    with xp.errstate(divide="ignore", invalid="ignore"):
        s = xp.where(norm > _THETA13, xp.ceil(xp.log2(norm / _THETA13)), 0)
    s = xp.nan_to_num(s, nan=0.0, posinf=0.0).astype(xp.int64)
    a = a / (2.0 ** s)[..., None, None]
    eye = xp.broadcast_to(xp.eye(n), a.shape)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    b = _B13
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 +
             b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + \
        b[0] * eye
    with xp.errstate(all="ignore"):
        try:
            r = xp.linalg.solve(v - u, v + u)
        except xp.linalg.LinAlgError:
            r = xp.full(a.shape, xp.nan)
        for k in range(int(s.max()) if s.size else 0):
            sq = r @ r
            r = xp.where((k < s)[..., None, None], sq, r)
    return r.astype(dtype)


def _matrix_exp_grad(F, g, A):
    """The adjoint of the differential: the top-right block of exp([[A^H, g], [0, A^H]])."""
    n = A.shape[-1]
    At = mH(F, A)
    block = (F._linalg_embed_at(At, (2 * n, 2 * n), 0, 0) +
             F._linalg_embed_at(g, (2 * n, 2 * n), 0, n) +
             F._linalg_embed_at(At, (2 * n, 2 * n), n, n))
    return F.linalg_matrix_exp(block)[..., :n, n:]


MATRIX_EXP = op("linalg_matrix_exp", lambda xp, A: expm_raw(xp, A), inputs=("A",),
                vjps=(_matrix_exp_grad,), grad_fn="LinalgMatrixExpBackward0", holomorphic=False)


@expose(method=False, internal=True)
def linalg_matrix_exp(A):
    """torch.linalg.matrix_exp: the exponential of each square matrix."""
    U.check_linalg_input(A, "linalg.matrix_exp")
    return dispatch(MATRIX_EXP, (A,))


@expose
def matrix_exp(input):
    """torch.matrix_exp: alias of torch.linalg.matrix_exp."""
    return linalg_matrix_exp(input)


@expose(method=False, internal=True)
def linalg_matrix_power(A, n, *, out=None):
    """torch.linalg.matrix_power: A^n by binary powering with matmul (a negative n inverts
    first), composed exactly as torch composes it."""
    U.no_grad_out(out, "linalg_matrix_power", A)
    U.check_tensor(A, "matrix_power", "input")
    U.check_square(A, "linalg.matrix_power")
    from .products import matmul
    if n == 0:
        from ..._creation import eye
        eye_ = eye(A.shape[-1], dtype=A.dtype).expand(tuple(A.shape))
        return U.write_out(A.clone().copy_(eye_), out)
    if n == 1:
        return U.write_out(A.clone(), out)
    a = A
    if n < 0:
        from .decompositions import linalg_inv
        a = linalg_inv(A)
        n = -n
    if n == 2:
        return U.write_out(matmul(a, a), out)
    if n == 3:
        return U.write_out(matmul(matmul(a, a), a), out)
    z = result = None
    while n > 0:
        bit = n % 2
        n //= 2
        z = a if z is None else matmul(z, z)
        if bit == 1:
            result = z if result is None else matmul(result, z)
    return U.write_out(result, out)


@expose
def matrix_power(input, n, *, out=None):
    """torch.matrix_power: alias of torch.linalg.matrix_power."""
    return linalg_matrix_power(input, n, out=out)


# ---------------------------------------------------------------------------- householder
def _householder_forward(xp, A, tau):
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    V = xp.tril(A[..., :, :k], -1) + xp.eye(m, k, dtype=A.dtype)
    Q = xp.broadcast_to(xp.eye(m, n, dtype=A.dtype), A.shape).copy()
    vh = xp.conj(xp.swapaxes(V, -2, -1)) if V.dtype.kind == "c" else xp.swapaxes(V, -2, -1)
    for i in range(k - 1, -1, -1):
        v = V[..., :, i:i + 1]
        Q = Q - tau[..., i, None, None] * (v @ (vh[..., i:i + 1, :] @ Q))
    from ._util import colmajor
    return colmajor(xp, Q)


def _householder_vs(F, A, k):
    """The reflector vectors (unit diagonal, A's entries below it) as columns."""
    Ak = A[..., :, :k]
    return F._linalg_tril(Ak, -1) + F._linalg_eye_like(Ak)


def _householder_steps(F, A, tau):
    """Q_k = I, Q_i = H_i Q_{i+1}, H_i = I - tau_i v_i v_i^H: every intermediate, for the
    backward pass."""
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    V = _householder_vs(F, A, k)
    Q = F._linalg_eye_like(A)
    qs = [None] * (k + 1)
    qs[k] = Q
    for i in range(k - 1, -1, -1):
        v = V[..., :, i:i + 1]
        t = F.unsqueeze(F.unsqueeze(tau[..., i], -1), -1)
        Q = Q - t * F.matmul(v, F.matmul(mH(F, v), Q))
        qs[i] = Q
    return V, qs


def _householder_grads(F, g, A, tau):
    """Reverse through Q_i = Q_{i+1} - tau_i v_i (v_i^H Q_{i+1}), i = 0 .. k-1, in torch's
    complex convention (for real values the transposes and conjugates drop out)."""
    m, n = A.shape[-2:]
    k = tau.shape[-1]
    V, qs = _householder_steps(F, A, tau)
    cplx = U.is_complex(V)
    G = g
    gV = gtau = None
    for i in range(k):
        v = V[..., :, i:i + 1]
        Qn = qs[i + 1]
        t = F.unsqueeze(F.unsqueeze(tau[..., i], -1), -1)
        tc = F.conj_physical(t) if cplx else t
        vh = mH(F, v)
        w = F.matmul(vh, Qn)                             # 1 x n
        gt = -F.matmul(F.matmul(vh, G), mH(F, w))        # 1 x 1
        gv = -(tc * F.matmul(G, mH(F, w)) + t * F.matmul(Qn, F.matmul(mH(F, G), v)))
        G = G - tc * F.matmul(v, F.matmul(vh, G))
        col = F._linalg_embed_at(gv, (m, k), 0, i)
        gV = col if gV is None else gV + col
        entry = F._linalg_embed_at(gt, (1, k), 0, i)
        gtau = entry if gtau is None else gtau + entry
    gA = F._linalg_embed_at(F._linalg_tril(gV, -1), (m, n), 0, 0)
    return gA, gtau[..., 0, :]


HOUSEHOLDER = op("linalg_householder_product", _householder_forward, inputs=("A", "tau"),
                 vjps=(lambda F, g, A, tau: _householder_grads(F, g, A, tau)[0],
                       lambda F, g, A, tau: _householder_grads(F, g, A, tau)[1]),
                 grad_fn="LinalgHouseholderProductBackward0", holomorphic=False)


@expose(method=False, internal=True)
def linalg_householder_product(A, tau, *, out=None):
    """torch.linalg.householder_product: the first n columns of H_1 ... H_k,
    H_i = I - tau_i v_i v_i^T (the Q of geqrf's compact form)."""
    U.no_grad_out(out, "linalg_householder_product", A, tau)
    fname = "torch.linalg.householder_product"
    if A.ndim < 2:
        raise RuntimeError(f"{fname}: input must have at least 2 dimensions.")
    m, n = A.shape[-2:]
    if m < n:
        raise RuntimeError(f"{fname}: input.shape[-2] must be greater than or equal to "
                           "input.shape[-1]")
    if n < tau.shape[-1]:
        raise RuntimeError(f"{fname}: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if tau.ndim != A.ndim - 1 or tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{fname}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau.shape[:-1])}")
    U.check_float(A, fname)
    U.check_same_dtype(A, tau, fname, "input", "tau")
    return U.write_out(dispatch(HOUSEHOLDER, (A, tau)), out)


@expose
def orgqr(input, tau):
    """torch.orgqr: alias of torch.linalg.householder_product."""
    return linalg_householder_product(input, tau)
