"""Solvers: linalg.solve / solve_ex / solve_triangular / lu_solve / lstsq / pinv,
cholesky_solve and cholesky_inverse, triangular_solve, tensorsolve and tensorinv.

Leading batch dimensions broadcast as torch's do; the registry sums each gradient back to
its input's shape. Backward rules follow torch's FunctionsManual.cpp (solve: gB = A^-H gX,
gA = -gB X^H; pinv_backward; linalg_lstsq_backward through pinv)."""
from __future__ import annotations

import warnings

from ..._tensor import Tensor
from .._registry import dispatch, expose, op
from . import _util as U
from ._util import _LinAlgError, colmajor, mH, mT, shape_word

SolveEx = U.return_type("linalg_solve_ex", ("result", "info"))
Lstsq = U.return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
TriangularSolve = U.return_type("triangular_solve", ("solution", "cloned_coefficient"))


def _plain(outs, *indices):
    for i in indices:
        outs[i]._rg = False
        outs[i].grad_fn = None
    return outs


def is_vector_rhs(a_shape, b_shape) -> bool:
    """torch's linalg_solve_is_vector_rhs: B is a (batch of) vector(s)."""
    return len(b_shape) == 1 or (len(b_shape) == len(a_shape) - 1 and
                                 tuple(b_shape) == tuple(a_shape[:-1]))


# ---------------------------------------------------------------------------- solve
def _solve_forward(xp, A, B, left=True, check=False, fname="torch.linalg.solve"):
    vec = is_vector_rhs(A.shape, B.shape)
    Bm = B[..., None] if vec else B
    At = A if left else xp.swapaxes(A, -2, -1)
    Bt = Bm if left else xp.swapaxes(Bm, -2, -1)
    batch = U.broadcast_batch(At.shape[:-2], Bt.shape[:-2])
    At = xp.broadcast_to(At, batch + At.shape[-2:])
    Bt = xp.broadcast_to(Bt, batch + Bt.shape[-2:])
    try:
        X = U.raising(xp.linalg.solve)(At, Bt)
        info = xp.zeros(batch, dtype=xp.int32)
    except xp.linalg.LinAlgError:
        lu, piv, info = U.lu_raw(xp, At)
        if check:
            raise _LinAlgError(f"{fname}: The solver failed because the input matrix is "
                               "singular.") from None
        from .lu import lu_solve_raw
        X = U.raising(lu_solve_raw)(xp, lu, piv, Bt)
    X = colmajor(xp, X.astype(B.dtype, copy=False))
    if not left:
        X = xp.swapaxes(X, -2, -1)
    return (X[..., 0] if vec else X), info


def _solve_grad_B(F, g, A, B_shape, left):
    gX = g[0]
    if gX is None:
        return None
    vec = is_vector_rhs(A.shape, B_shape)
    gB = F.linalg_solve_ex(mT(F, A), F.unsqueeze(gX, -1) if vec else gX, left, False)[0]
    return gB[..., 0] if vec else gB


def _solve_grad_A(F, g, A, B_shape, out0, left):
    gX = g[0]
    if gX is None:
        return None
    vec = is_vector_rhs(A.shape, B_shape)
    X = F.unsqueeze(out0, -1) if vec else out0
    gB = F.linalg_solve_ex(mT(F, A), F.unsqueeze(gX, -1) if vec else gX, left, False)[0]
    return -F.matmul(gB, mT(F, X)) if left else -F.matmul(mT(F, X), gB)


SOLVE_EX = op("linalg_solve_ex", _solve_forward, inputs=("A", "B"),
              params=("left", "check", "fname"),
              num_outputs=2, vjps=(_solve_grad_A, _solve_grad_B), broadcasts=True,
              grad_fn="LinalgSolveExBackward0")


def _check_solve(A, B, left, fname="linalg.solve", vector_ok=True):
    U.check_tensor(A, fname.split(".")[-1], "A")
    U.check_tensor(B, fname.split(".")[-1], "B", 2)
    U.check_matrix(A, fname)
    U.check_square(A, fname)
    U.check_float(A, fname)
    U.check_same_dtype(A, B, fname)
    vec = vector_ok and is_vector_rhs(A.shape, B.shape)
    if vec and not left:
        raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not "
                           "supported for left=False. In this case linalg.solve is equivalent "
                           "to B / A.squeeze(-1)")
    bshape = tuple(B.shape) + (1,) if vec else tuple(B.shape)
    if not vec and B.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor B must have at least 2 dimensions.")
    U.broadcast_batch(bshape[:-2], tuple(A.shape[:-2]))
    n = A.shape[-1]
    if (bshape[-2] if left else bshape[-1]) != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{fname}: Incompatible shapes of A and B for the equation {eq} "
                           f"({shape_word(A.shape)} and {shape_word(bshape)})")


@expose(method=False, internal=True)
def linalg_solve_ex(A, B, left=True, check_errors=False, *, out=None):
    """torch.linalg.solve_ex: (result, info) of A X = B (or X A = B with left=False)."""
    U.no_grad_out(out, "linalg_solve_ex", A, B)
    _check_solve(A, B, left)
    res = dispatch(SOLVE_EX, (A, B), {"left": left, "check": check_errors,
                                      "fname": "torch.linalg.solve_ex"})
    return U.write_out(SolveEx(_plain(res, 1)), out)


@expose(method=False, internal=True)
def linalg_solve(A, B, *, left=True, out=None):
    """torch.linalg.solve: X with A X = B (LinalgSolveExBackward0); B may be a vector."""
    U.no_grad_out(out, "linalg_solve", A, B)
    _check_solve(A, B, left)
    return U.write_out(dispatch(SOLVE_EX, (A, B), {"left": left, "check": True})[0], out)


# ---------------------------------------------------------------------------- triangular
def _tri_forward(xp, A, B, upper, left=True, unitriangular=False):
    X = U.raising(U.trisolve_raw)(xp, A, B, upper, left, unitriangular)
    return colmajor(xp, X.astype(B.dtype, copy=False))


def _tri_grad_B(F, g, A, upper, left, unitriangular):
    return F.linalg_solve_triangular(mT(F, A), g, not upper, left, unitriangular)


def _tri_grad_A(F, g, A, out, upper, left, unitriangular):
    gB = F.linalg_solve_triangular(mT(F, A), g, not upper, left, unitriangular)
    gA = -F.matmul(gB, mT(F, out)) if left else -F.matmul(mT(F, out), gB)
    return F._linalg_triu(gA, int(unitriangular)) if upper else \
        F._linalg_tril(gA, -int(unitriangular))


SOLVE_TRIANGULAR = op("linalg_solve_triangular", _tri_forward, inputs=("A", "B"),
                      params=("upper", "left", "unitriangular"), broadcasts=True,
                      vjps=(_tri_grad_A, _tri_grad_B), grad_fn="LinalgSolveTriangularBackward0")


@expose(method=False, internal=True)
def linalg_solve_triangular(A, B, upper, left=True, unitriangular=False, *, out=None):
    """torch.linalg.solve_triangular: solve with the ``upper`` (or lower) triangle of A,
    a unit diagonal assumed with ``unitriangular``."""
    U.no_grad_out(out, "linalg_solve_triangular", A, B)
    fname = "linalg.solve_triangular"
    U.check_tensor(A, "solve_triangular", "A")
    U.check_tensor(B, "solve_triangular", "B", 2)
    U.check_matrix(A, fname)
    U.check_matrix(B, fname, "B")
    U.check_square(A, fname)
    U.check_float(A, fname)
    if B._data.dtype != A._data.dtype:
        B = B.to(A.dtype)
    _check_solve(A, B, left, fname, vector_ok=False)
    params = {"upper": bool(upper), "left": bool(left), "unitriangular": bool(unitriangular)}
    return U.write_out(dispatch(SOLVE_TRIANGULAR, (A, B), params), out)


def _trs_forward(xp, b, A, upper, transpose, unitriangular):
    At = xp.swapaxes(A, -2, -1) if transpose else A
    X = _tri_forward(xp, At, b, upper != transpose, True, unitriangular)
    batch = U.broadcast_batch(A.shape[:-2], b.shape[:-2])
    return X, colmajor(xp, xp.broadcast_to(A, batch + A.shape[-2:]).copy())


def _trs_grad_b(F, g, A, upper, transpose, unitriangular):
    gX = g[0]
    if gX is None:
        return None
    return F.triangular_solve(gX, A, upper, not transpose, unitriangular)[0]


def _trs_grad_A(F, g, A, out0, upper, transpose, unitriangular):
    gX, gM = g
    gA = None
    if gX is not None:
        gb = F.triangular_solve(gX, A, upper, not transpose, unitriangular)[0]
        gA = -F.matmul(out0, mT(F, gb)) if transpose else -F.matmul(gb, mT(F, out0))
        gA = F._linalg_triu(gA, int(unitriangular)) if upper else \
            F._linalg_tril(gA, -int(unitriangular))
    if gM is not None:
        gA = gM if gA is None else gA + gM
    return gA


TRIANGULAR_SOLVE = op("triangular_solve", _trs_forward, inputs=("b", "A"),
                      params=("upper", "transpose", "unitriangular"), num_outputs=2,
                      broadcasts=True, vjps=(_trs_grad_b, _trs_grad_A))


@expose
def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *,
                     out=None):
    """torch.triangular_solve (deprecated in torch, with its warning): (solution, copy of A)."""
    warnings.warn(
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangularand "
        "will be removed in a future PyTorch release.\ntorch.linalg.solve_triangular has its "
        "arguments reversed and does not return a copy of one of the inputs.\n"
        "X = torch.triangular_solve(B, A).solution\nshould be replaced with\n"
        "X = torch.linalg.solve_triangular(A, B).", UserWarning, stacklevel=2)
    U.no_grad_out(out, "triangular_solve", input, A)
    fname = "triangular_solve"
    U.check_matrix(input, fname, "b")
    U.check_matrix(A, fname)
    U.check_square(A, fname)
    U.check_float(A, fname)
    U.check_same_dtype(input, A, fname, "b", "A")
    params = {"upper": bool(upper), "transpose": bool(transpose),
              "unitriangular": bool(unitriangular)}
    return U.write_out(TriangularSolve(dispatch(TRIANGULAR_SOLVE, (input, A), params)), out)


# ---------------------------------------------------------------------------- cholesky solve
def _adj(xp, x):
    """The conjugate transpose of raw matrices."""
    t = xp.swapaxes(x, -2, -1)
    return xp.conj(t) if t.dtype.kind == "c" else t


def _chol_solve_forward(xp, b, L, upper=False):
    if upper:  # A = U^H U
        y = U.trisolve_raw(xp, _adj(xp, L), b, False)
        X = U.trisolve_raw(xp, L, y, True)
    else:  # A = L L^H
        y = U.trisolve_raw(xp, L, b, False)
        X = U.trisolve_raw(xp, _adj(xp, L), y, True)
    return colmajor(xp, X.astype(b.dtype, copy=False))


def _chol_solve_grad_L(F, g, L, out, upper):
    gb = F.cholesky_solve(g, L, upper)
    common = F.matmul(gb, mH(F, out))
    common = common + mH(F, common)
    return -F.matmul(L, common) if upper else -F.matmul(common, L)


CHOLESKY_SOLVE = op("cholesky_solve", _chol_solve_forward, inputs=("b", "L"),
                    params=("upper",), broadcasts=True,
                    vjps=(lambda F, g, L, upper: F.cholesky_solve(g, L, upper),
                          _chol_solve_grad_L), holomorphic=False)


@expose
def cholesky_solve(input, input2, upper=False, *, out=None):
    """Solve A X = B given the Cholesky factor of A (CholeskySolveBackward0)."""
    U.no_grad_out(out, "cholesky_solve", input, input2)
    b, L = input, input2
    if b.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {b.ndim} dimensions "
                           "instead")
    if L.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L.ndim} dimensions "
                           "instead")
    if b._data.dtype != L._data.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{U.type_word(b)} and A of type {U.type_word(L)} instead.")
    m, n = L.shape[-2:]
    if m != n:
        raise RuntimeError(f"A must be batches of square matrices, but they are {m} by {n} "
                           "matrices")
    if b.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is {m} "
                           f"by {n} but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    U.check_float(L, "cholesky_solve")
    U.broadcast_batch(tuple(b.shape[:-2]), tuple(L.shape[:-2]))
    return U.write_out(dispatch(CHOLESKY_SOLVE, (b, L), {"upper": bool(upper)}), out)


def _chol_inv_forward(xp, L, upper=False):
    n = L.shape[-1]
    eye = xp.broadcast_to(xp.eye(n, dtype=L.dtype), L.shape)
    return _chol_solve_forward(xp, eye, L, upper)


def _chol_inv_grad(F, g, L, out, upper):
    common = g + mH(F, g)
    common = F.matmul(out, F.matmul(common, out))
    return -F.matmul(L, common) if upper else -F.matmul(common, L)


CHOLESKY_INVERSE = op("cholesky_inverse", _chol_inv_forward, inputs=("L",),
                      params=("upper",), vjps=(_chol_inv_grad,), holomorphic=False)


@expose
def cholesky_inverse(input, upper=False, *, out=None):
    """The inverse of A from its Cholesky factor (CholeskyInverseBackward0)."""
    U.no_grad_out(out, "cholesky_inverse", input)
    U.check_matrix(input, "cholesky_inverse")
    U.check_square(input, "cholesky_inverse")
    U.check_float(input, "cholesky_inverse")
    return U.write_out(dispatch(CHOLESKY_INVERSE, (input,), {"upper": bool(upper)}), out)


# ---------------------------------------------------------------------------- pinv
def _pinv_forward(xp, A, atol=None, rtol=None, hermitian=False):
    m, n = A.shape[-2:]
    if A.size == 0:
        return xp.zeros(A.shape[:-2] + (n, m), dtype=A.dtype)
    if hermitian:
        w, v = U.raising(xp.linalg.eigh)(A)
        s = xp.abs(w)
    else:
        u, s, vh = U.raising(xp.linalg.svd)(A, full_matrices=False)
    smax = s.max(axis=-1, keepdims=True)
    eps = xp.finfo(A.dtype).eps
    if rtol is None:
        rtol = eps * max(m, n) if atol is None or _all_zero(xp, atol) else 0.0
    atol = 0.0 if atol is None else atol
    tol = xp.maximum(xp.asarray(atol, dtype=A.dtype)[..., None] if xp.ndim(atol) else atol,
                     (xp.asarray(rtol, dtype=A.dtype)[..., None] if xp.ndim(rtol) else rtol)
                     * smax)
    keep = s > tol
    if hermitian:
        winv = xp.where(keep, 1 / xp.where(keep, w, 1), 0)
        out = xp.matmul(v * winv[..., None, :], _adj(xp, v))
    else:
        sinv = xp.where(keep, 1 / xp.where(keep, s, 1), 0)
        out = xp.matmul(_adj(xp, vh) * sinv[..., None, :], _adj(xp, u))
    return out.astype(A.dtype, copy=False)


def _all_zero(xp, v) -> bool:
    return bool(xp.all(xp.asarray(v) == 0))


def _pinv_grad(F, g, A, out):
    """torch's pinv_backward (conjugate transposes: torch's complex convention)."""
    m, n = A.shape[-2:]
    pinvA = out
    pinvAh = mH(F, pinvA)
    gradh = mH(F, g)
    if m <= n:
        K = F.matmul(gradh, pinvA)
        KpinvAh = F.matmul(K, pinvAh)
        return (-mH(F, F.matmul(pinvA, K)) + KpinvAh -
                F.matmul(F.matmul(A, pinvA), KpinvAh) +
                F.matmul(F.matmul(pinvAh, pinvA), gradh - F.matmul(K, A)))
    K = F.matmul(pinvA, gradh)
    pinvAhK = F.matmul(pinvAh, K)
    return (-mH(F, F.matmul(K, pinvA)) +
            F.matmul(F.matmul(gradh - F.matmul(A, K), pinvA), pinvAh) + pinvAhK -
            F.matmul(F.matmul(pinvAhK, pinvA), A))


PINV = op("linalg_pinv", _pinv_forward, inputs=("A",), params=("atol", "rtol", "hermitian"),
          vjps=(_pinv_grad,), grad_fn="LinalgPinvBackward0", holomorphic=False)


def _tol(v):
    if isinstance(v, Tensor):
        return v._data
    return v


@expose(method=False, internal=True)
def linalg_pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """torch.linalg.pinv: the pseudo-inverse, singular values below
    max(atol, rtol * largest) treated as zero (``rcond`` is the legacy name of rtol)."""
    U.no_grad_out(out, "linalg_pinv", A)
    U.check_tensor(A, "pinv")
    if A.ndim < 2 or A._data.dtype.kind not in "fcV" or A._data.dtype.itemsize < 4:
        dt = {"float32": "float", "float64": "double"}.get(A._data.dtype.name,
                                                           A._data.dtype.name)
        raise RuntimeError(f"linalg.pinv({U.type_word(A)}{{{list(A.shape)}}}): expected a "
                           "tensor with 2 or more dimensions of float, double, cfloat or "
                           f"cdouble types{'' if dt else ''}")
    if hermitian:
        U.check_square(A, "linalg.eigh")
    if rcond is not None:
        rtol = rcond
    params = {"atol": _tol(atol), "rtol": _tol(rtol), "hermitian": bool(hermitian)}
    return U.write_out(dispatch(PINV, (A,), params), out)


@expose
def pinverse(input, rcond=1e-15):
    """torch.pinverse: linalg.pinv with rtol=rcond (LinalgPinvBackward0)."""
    return linalg_pinv(input, rtol=rcond)


# ---------------------------------------------------------------------------- lstsq
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _lstsq_forward(xp, A, B, rcond, driver):
    m, n = A.shape[-2:]
    vec = B.ndim == A.ndim - 1
    Bm = B[..., None] if vec else B
    batch = U.broadcast_batch(A.shape[:-2], Bm.shape[:-2])
    A_ = xp.broadcast_to(A, batch + A.shape[-2:])
    B_ = xp.broadcast_to(Bm, batch + Bm.shape[-2:])
    eps = xp.finfo(A.dtype).eps
    rdt = A.real.dtype  # residuals and singular values are real
    if rcond is None:
        rcond = eps * max(m, n)
    if A_.size == 0:
        s = xp.zeros(batch + (min(m, n),), dtype=rdt)
        X = xp.zeros(batch + (n, B_.shape[-1]), dtype=A.dtype)
        rank = xp.zeros(batch, dtype=xp.int64)
    else:
        u, s, vh = U.raising(xp.linalg.svd)(A_, full_matrices=False)
        keep = s > rcond * s.max(axis=-1, keepdims=True)
        sinv = xp.where(keep, 1 / xp.where(keep, s, 1), 0)
        X = xp.matmul(_adj(xp, vh), sinv[..., :, None] * xp.matmul(_adj(xp, u), B_))
        rank = keep.sum(axis=-1).astype(xp.int64)
    X = X.astype(A.dtype, copy=False)
    full_rank = bool(xp.all(rank == min(m, n)))
    if m > n and driver != "gelsy" and full_rank:
        r = xp.matmul(A_, X) - B_
        # (..., k): k = 1 for a vector B; real for complex input
        residuals = (r.real ** 2 + r.imag ** 2 if r.dtype.kind == "c" else r * r).sum(
            axis=-2).astype(rdt)
    else:
        residuals = xp.zeros((0,), dtype=rdt)
    if driver == "gels":
        rank = xp.zeros((0,), dtype=xp.int64)
    sv = s.astype(rdt) if driver in ("gelsd", "gelss") else xp.zeros((0,), dtype=rdt)
    X = colmajor(xp, X)
    return (X[..., 0] if vec else X), residuals, rank, sv


def _lstsq_grad_A(F, g, A, B, out0):
    gX, gL = g[0], g[1]
    vec = B.ndim == A.ndim - 1
    Bm = F.unsqueeze(B, -1) if vec else B
    gA = None
    if gX is not None:
        gXm = F.unsqueeze(gX, -1) if vec else gX
        pinvA = F.linalg_pinv(A)
        gA = _pinv_grad(F, F.matmul(gXm, mH(F, Bm)), A, pinvA)
    if gL is not None and _numel(gL.shape):
        X = F.unsqueeze(out0, -1) if vec else out0
        r = F.matmul(A, X) - Bm
        t = 2 * F.matmul(F.unsqueeze(U.real_part(F, gL), -2) * r, mH(F, X))
        gA = t if gA is None else gA + t
    return gA


def _lstsq_grad_B(F, g, A, B, out0):
    gX, gL = g[0], g[1]
    vec = B.ndim == A.ndim - 1
    Bm = F.unsqueeze(B, -1) if vec else B
    gB = None
    if gX is not None:
        gXm = F.unsqueeze(gX, -1) if vec else gX
        gB = F.matmul(mH(F, F.linalg_pinv(A)), gXm)
    if gL is not None and _numel(gL.shape):
        X = F.unsqueeze(out0, -1) if vec else out0
        r = F.matmul(A, X) - Bm
        t = -2 * F.unsqueeze(U.real_part(F, gL), -2) * r
        gB = t if gB is None else gB + t
    if gB is None:
        return None
    return gB[..., 0] if vec else gB


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


LSTSQ = op("linalg_lstsq", _lstsq_forward, inputs=("A", "B"), params=("rcond", "driver"),
           num_outputs=4, broadcasts=True, vjps=(_lstsq_grad_A, _lstsq_grad_B),
           grad_fn="LinalgLstsqBackward0", holomorphic=False)


@expose(method=False, internal=True)
def linalg_lstsq(A, B, rcond=None, *, driver=None):
    """torch.linalg.lstsq: the least-squares solution through the SVD (every driver name is
    accepted; rank-deficient problems get the minimum-norm solution whatever the driver)."""
    fname = "torch.linalg.lstsq"
    U.check_tensor(A, "lstsq", "self")
    U.check_tensor(B, "lstsq", "b", 2)
    if A.ndim < 2:
        raise RuntimeError(f"{fname}: input must have at least 2 dimensions.")
    if B.ndim < 1:
        raise RuntimeError(f"{fname}: other must have at least 1 dimension.")
    U.check_float(A, fname)
    if A._data.dtype != B._data.dtype:
        raise RuntimeError(f"{fname}: Expected input and other to have the same dtype, but got "
                           f"input's dtype {U.type_word(A)} and other's dtype {U.type_word(B)}")
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise RuntimeError(f"{fname}: parameter `driver` should be one of (gels, gelsy, gelsd, "
                           "gelss)")
    vec = B.ndim == A.ndim - 1
    U.broadcast_batch(tuple(A.shape[:-2]), tuple(B.shape[:-1 if vec else -2]))
    rows = B.shape[-1] if vec else B.shape[-2]
    if rows != A.shape[-2]:
        raise RuntimeError(f"{fname}: input.size(-2) should match other.size(-2)" if not vec
                           else f"{fname}: input.size(-2) should match other.size(-1)")
    res = dispatch(LSTSQ, (A, B), {"rcond": rcond, "driver": driver})
    return Lstsq(_plain(res, 2, 3))


# ---------------------------------------------------------------------------- tensor forms
def _prod(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


@expose(method=False, internal=True)
def linalg_tensorinv(A, ind=2, *, out=None):
    """torch.linalg.tensorinv: the inverse of A seen as a (prod(shape[:ind]) x
    prod(shape[ind:])) matrix, reshaped to shape[ind:] + shape[:ind]."""
    U.no_grad_out(out, "linalg_tensorinv", A)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A.shape)
    rows, cols = _prod(shape[:ind]), _prod(shape[ind:])
    if rows != cols:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    from .decompositions import INV_EX
    try:
        inv = dispatch(INV_EX, (A.reshape(rows, cols),), {"check": True})[0]
    except _LinAlgError as exc:
        raise _LinAlgError(str(exc).replace("linalg.inv:", "inv:")) from None
    return U.write_out(inv.reshape(shape[ind:] + shape[:ind]), out)


@expose(method=False, internal=True)
def linalg_tensorsolve(A, B, dims=None, *, out=None):
    """torch.linalg.tensorsolve: X with tensordot(A, X, X.ndim) = B."""
    U.no_grad_out(out, "linalg_tensorsolve", A, B)
    nd = A.ndim
    if dims is not None:
        dims = [d % nd for d in dims]
        rest = [d for d in range(nd) if d not in dims]
        A = A.permute(*(rest + dims))
    shape = tuple(A.shape)
    res_shape = shape[B.ndim:]
    cols, other = _prod(res_shape), _prod(B.shape)
    if cols != other:
        raise RuntimeError("Expected self to satisfy the requirement prod(self.shape[other.ndim:]) "
                           f"== prod(self.shape[:other.ndim]), but got {cols} != {other}")
    rows = cols
    X = linalg_solve(A.reshape(rows, cols), B.reshape(rows))
    return U.write_out(X.reshape(res_shape), out)
