"""The linear-algebra op table: products, einsum, torch.linalg and the torch.* forms.

Samples are small and well conditioned (diagonally dominant, SPD, triangular with a strong
diagonal), batched and unbatched. Decompositions whose outputs are defined up to a sign
(eigh, svd) are checked through gauge-invariant functions of them, as torch's own tests do:
eigenvalues, |eigenvectors|, singular values, |U|, |Vh|; eigh's input is symmetrised first
(it reads one triangle only)."""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S

F32 = dict(atol=1e-4, rtol=1e-3, grad_atol=1e-3, grad_rtol=1e-3)


def _wc(A, *shape):
    """Well conditioned: a random matrix plus n on the diagonal."""
    m, n = shape[-2:]
    return A(*shape) + n * np.eye(m, n)


def _spd(A, *shape):
    x = A(*shape)
    n = shape[-1]
    return x @ np.swapaxes(x, -2, -1) + n * np.eye(n)


def _tri(A, *shape, upper=True):
    x = _wc(A, *shape)
    return np.triu(x) if upper else np.tril(x)


def _vec_distinct(A, *shape):
    """Entries far apart (max/min norms have no near-ties)."""
    n = int(np.prod(shape))
    vals = np.linspace(0.3, 2.0, n) * A.rng.choice([-1.0, 1.0], n)
    return A.rng.permutation(vals).reshape(shape)


def _lu(m, a):
    return m.linalg.lu_factor(a)


def _sym(a):
    return a + a.mH  # a + a^T for real samples; Hermitian for the complex tests


def _products():
    return [
        OpInfo("addmv", lambda m, x, a, v: m.addmv(x, a, v),
               lambda A: [S(A(2), A(2, 3), A(3)), S(A(), A(2, 3), A(3)), S(A(1), A(1, 2), A(2))]),
        OpInfo("addmv_scaled", lambda m, x, a, v: m.addmv(x, a, v, beta=0.5, alpha=2),
               lambda A: [S(A(2), A(2, 3), A(3))]),
        OpInfo("addmv_beta0", lambda m, x, a, v: torch_beta0(m, "addmv", x, a, v),
               lambda A: [S(A(2), A(2, 3), A(3))], gradcheck=False),  # nan * 0 in the input
        OpInfo("Tensor.addmv", lambda m, x, a, v: x.addmv(a, v), lambda A: [S(A(2), A(2, 3), A(3))]),
        OpInfo("addr", lambda m, x, a, b: m.addr(x, a, b),
               lambda A: [S(A(2, 3), A(2), A(3)), S(A(3), A(2), A(3)), S(A(), A(1), A(2))]),
        OpInfo("addr_scaled", lambda m, x, a, b: m.addr(x, a, b, beta=2, alpha=0.5),
               lambda A: [S(A(2, 3), A(2), A(3))]),
        OpInfo("Tensor.addr", lambda m, x, a, b: x.addr(a, b), lambda A: [S(A(2, 3), A(2), A(3))]),
        OpInfo("addbmm", lambda m, x, a, b: m.addbmm(x, a, b),
               lambda A: [S(A(2, 3), A(2, 2, 4), A(2, 4, 3)), S(A(3), A(2, 2, 4), A(2, 4, 3))]),
        OpInfo("addbmm_scaled", lambda m, x, a, b: m.addbmm(x, a, b, beta=0.5, alpha=3),
               lambda A: [S(A(2, 3), A(2, 2, 4), A(2, 4, 3))]),
        OpInfo("Tensor.addbmm", lambda m, x, a, b: x.addbmm(a, b),
               lambda A: [S(A(2, 3), A(2, 2, 4), A(2, 4, 3))]),
        OpInfo("baddbmm", lambda m, x, a, b: m.baddbmm(x, a, b),
               lambda A: [S(A(2, 2, 3), A(2, 2, 4), A(2, 4, 3)), S(A(3), A(2, 2, 4), A(2, 4, 3))]),
        OpInfo("baddbmm_scaled", lambda m, x, a, b: m.baddbmm(x, a, b, beta=0.5, alpha=3),
               lambda A: [S(A(2, 2, 3), A(2, 2, 4), A(2, 4, 3))]),
        OpInfo("Tensor.baddbmm", lambda m, x, a, b: x.baddbmm(a, b),
               lambda A: [S(A(2, 2, 3), A(2, 2, 4), A(2, 4, 3))]),
        OpInfo("vdot", lambda m, a, b: m.vdot(a, b), lambda A: [S(A(3), A(3)), S(A(1), A(1))]),
        OpInfo("trace", lambda m, a: m.trace(a), lambda A: [S(A(3, 3)), S(A(2, 3)), S(A(3, 2))]),
        OpInfo("Tensor.trace", lambda m, a: a.trace(), lambda A: [S(A(2, 2))]),
        OpInfo("linalg.multi_dot", lambda m, *ts: m.linalg.multi_dot(list(ts)),
               lambda A: [S(A(2, 3), A(3, 4)), S(A(3), A(3, 4), A(4)), S(A(3), A(3, 4), A(4, 2)),
                          S(A(4, 2), A(2, 4), A(4, 3), A(3, 1)),
                          S(A(2, 3), A(3, 1), A(1, 3), A(3, 2), A(2, 3))]),
        OpInfo("chain_matmul", lambda m, *ts: m.chain_matmul(*ts),
               lambda A: [S(A(2, 3), A(3, 4), A(4, 2)), S(A(2, 3))]),
        OpInfo("tensordot", lambda m, a, b, dims: m.tensordot(a, b, dims=dims),
               lambda A: [S(A(2, 3, 4), A(3, 4, 2), 2), S(A(2, 3), A(3, 4), 1),
                          S(A(2, 3, 4), A(4, 3, 2), ([1, 2], [1, 0])), S(A(2, 3), A(4), 0),
                          S(A(3, 4), A(3, 4), 2), S(A(2, 1), A(3, 2), ([1], [0])),
                          S(A(2, 3), A(3, 2), ([-1], [0]))]),
        OpInfo("kron", lambda m, a, b: m.kron(a, b),
               lambda A: [S(A(2, 3), A(2, 2)), S(A(2), A(3)), S(A(2, 3), A(2, 1, 2))]),
        OpInfo("Tensor.kron", lambda m, a, b: a.kron(b), lambda A: [S(A(2), A(2, 2))]),
        OpInfo("inner", lambda m, a, b: m.inner(a, b),
               lambda A: [S(A(3), A(3)), S(A(2, 3), A(4, 3)), S(A(2, 3), A()), S(A(2, 3), A(3))]),
        OpInfo("linalg.vecdot", lambda m, a, b: m.linalg.vecdot(a, b),
               lambda A: [S(A(2, 3), A(3)), S(A(3), A(3)), S(A(2, 1, 3), A(4, 3))]),
        OpInfo("linalg.vecdot_dim", lambda m, a, b: m.linalg.vecdot(a, b, dim=0),
               lambda A: [S(A(3, 2), A(3, 2))]),
        OpInfo("linalg.cross", lambda m, a, b: m.linalg.cross(a, b),
               lambda A: [S(A(3), A(3)), S(A(2, 3), A(2, 3)), S(A(2, 3), A(1, 3))]),
        OpInfo("linalg.cross_dim", lambda m, a, b: m.linalg.cross(a, b, dim=0),
               lambda A: [S(A(3, 2), A(3, 2))]),
        OpInfo("cross", lambda m, a, b: m.cross(a, b, dim=1),
               lambda A: [S(A(2, 3), A(2, 3)), S(A(4, 3), A(1, 3))]),
        OpInfo("cross_default_dim", lambda m, a, b: m.cross(a, b),
               lambda A: [S(A(3, 2), A(3, 2)), S(A(2, 3), A(2, 3))]),
        OpInfo("Tensor.cross", lambda m, a, b: a.cross(b, dim=-1), lambda A: [S(A(2, 3), A(2, 3))]),
        OpInfo("linalg.diagonal", lambda m, a: m.linalg.diagonal(a),
               lambda A: [S(A(3, 3)), S(A(2, 3, 4))]),
        OpInfo("linalg.diagonal_offset", lambda m, a: m.linalg.diagonal(a, offset=1, dim1=0,
                                                                           dim2=2),
               lambda A: [S(A(3, 2, 4))]),
        OpInfo("matmul_fold", lambda m, a, b: m.matmul(a, b),
               lambda A: [S(A(3), A(2, 3, 4)), S(A(2, 3), A(2, 3, 4)), S(A(1, 2, 3), A(2, 3, 2)),
                          S(A(2, 3, 2), A(1, 2, 3)), S(A(2, 2, 3), A(3)), S(A(2, 3), A(2, 1, 3, 4))],
               atol=1e-4),
        OpInfo("matmul_fold_const", lambda m, a, b: m.matmul(a, b.detach()),
               lambda A: [S(A(3), A(2, 3, 4)), S(A(2, 3), A(2, 3, 4)), S(A(2, 2, 3), A(3)),
                          S(A(2, 2, 3), A(3, 2))], atol=1e-4, gradcheck=False),
        OpInfo("matmul_fold_transposed", lambda m, a, b: m.matmul(a.mT, b.detach()),
               lambda A: [S(A(2, 3, 2), A(3)), S(A(2, 3, 2), A(3, 2))], atol=1e-4,
               gradcheck=False),  # detach: finite differences still move the shared data
    ]


def torch_beta0(m, name, x, *args):
    """beta=0 ignores the input, nan included."""
    return getattr(m, name)(x * float("nan"), *args, beta=0)


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]), ("ij->ji", [(2, 3)]), ("ij->", [(2, 3)]), ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (3, 2)]), ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("iij->j", [(2, 2, 3)]), ("ijk,ikj->i", [(2, 3, 4), (2, 4, 3)]), ("...,...", [(2, 3), (3,)]),
    ("i...->...", [(2, 3, 4)]), ("bn,anm,bm->ba", [(2, 3), (4, 3, 2), (2, 2)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]), ("ab,ab,ab->", [(2, 2), (2, 2), (2, 2)]),
    ("Ab,bC->AC", [(2, 3), (3, 2)]), ("i j , j k -> i k", [(2, 3), (3, 2)]),
    ("ij,j->i", [(2, 1), (3,)]), ("iji->j", [(2, 3, 2)]),
]


def _einsum_entries():
    return [
        OpInfo("einsum", lambda m, eq, *ts: m.einsum(eq, *ts),
               lambda A: [S(eq, *[A(*s) for s in shapes]) for eq, shapes in EINSUM], **F32),
        OpInfo("einsum_list", lambda m, eq, a, b: m.einsum(eq, [a, b]),
               lambda A: [S("ij,jk->ik", A(2, 3), A(3, 2))]),
        OpInfo("einsum_sublist", lambda m, a, b: m.einsum(a, [0, 1], b, [1, 2], [0, 2]),
               lambda A: [S(A(2, 3), A(3, 2))]),
        OpInfo("einsum_sublist_ellipsis", lambda m, a, b: m.einsum(a, [..., 0], b, [..., 0]),
               lambda A: [S(A(2, 3), A(2, 3))]),
        OpInfo("einsum_sublist_implicit", lambda m, a: m.einsum(a, [1, 0]),
               lambda A: [S(A(2, 3))]),
    ]


def _decomposition_entries():
    eigh_fn = lambda m, a, uplo="L": _eigh(m, a, uplo)  # noqa: E731
    return [
        OpInfo("linalg.inv", lambda m, a: m.linalg.inv(a),
               lambda A: [S(_wc(A, 3, 3)), S(_wc(A, 2, 3, 3)), S(_wc(A, 1, 1))], **F32),
        OpInfo("linalg.inv_ex", lambda m, a: m.linalg.inv_ex(a),
               lambda A: [S(_wc(A, 3, 3)), S(_wc(A, 2, 2, 2))], **F32),
        OpInfo("inverse", lambda m, a: m.inverse(a), lambda A: [S(_wc(A, 3, 3))], **F32),
        OpInfo("Tensor.inverse", lambda m, a: a.inverse(), lambda A: [S(_wc(A, 2, 2))], **F32),
        OpInfo("linalg.det", lambda m, a: m.linalg.det(a),
               lambda A: [S(_wc(A, 3, 3)), S(_wc(A, 2, 3, 3)), S(A(1, 1))], **F32),
        # exactly singular: torch's plain backward gives g * det(A) * ... = 0 (not the
        # adjugate), so finite differences disagree; create_graph takes the SVD form
        OpInfo("linalg.det_singular", lambda m, a: m.linalg.det(a),
               lambda A: [S(np.array([[1.0, 2.0], [2.0, 4.0]]))], gradcheck=False, **F32),
        OpInfo("det", lambda m, a: m.det(a), lambda A: [S(_wc(A, 3, 3))], **F32),
        OpInfo("Tensor.det", lambda m, a: a.det(), lambda A: [S(_wc(A, 2, 2))], **F32),
        OpInfo("linalg.slogdet", lambda m, a: m.linalg.slogdet(a),
               lambda A: [S(_wc(A, 3, 3)), S(_wc(A, 2, 3, 3)), S(-_spd(A, 3, 3))], **F32),
        OpInfo("slogdet", lambda m, a: m.slogdet(a), lambda A: [S(_wc(A, 3, 3))], **F32),
        OpInfo("logdet", lambda m, a: m.logdet(a),
               lambda A: [S(_spd(A, 3, 3)), S(_spd(A, 2, 2, 2))], **F32),
        OpInfo("Tensor.logdet", lambda m, a: a.logdet(), lambda A: [S(_spd(A, 2, 2))], **F32),
        # cholesky reads one triangle: its input is built as a @ a^T (torch's tests do too)
        OpInfo("linalg.cholesky", lambda m, a: m.linalg.cholesky(_gram(a)),
               lambda A: [S(_wc(A, 3, 3)), S(_wc(A, 2, 3, 3))], **F32),
        OpInfo("linalg.cholesky_upper", lambda m, a: m.linalg.cholesky(_gram(a), upper=True),
               lambda A: [S(_wc(A, 3, 3))], **F32),
        OpInfo("linalg.cholesky_triangle", lambda m, a: m.linalg.cholesky(a),
               lambda A: [S(_spd(A, 3, 3))], gradcheck=False, **F32),
        OpInfo("linalg.cholesky_ex", lambda m, a: m.linalg.cholesky_ex(_gram(a)),
               lambda A: [S(_wc(A, 3, 3))], **F32),
        OpInfo("cholesky", lambda m, a: m.cholesky(_gram(a)), lambda A: [S(_wc(A, 3, 3))], **F32),
        OpInfo("cholesky_upper", lambda m, a: m.cholesky(_gram(a), upper=True),
               lambda A: [S(_wc(A, 2, 3, 3))], **F32),
        OpInfo("Tensor.cholesky", lambda m, a: _gram(a).cholesky(), lambda A: [S(_wc(A, 2, 2))],
               **F32),
        OpInfo("linalg.qr", lambda m, a: m.linalg.qr(a),
               lambda A: [S(A(4, 3)), S(_wc(A, 3, 3)), S(A(3, 4)), S(A(2, 4, 3)), S(A(2, 2, 3))],
               **F32),
        OpInfo("linalg.qr_complete", lambda m, a: m.linalg.qr(a, mode="complete"),
               lambda A: [S(A(3, 4)), S(_wc(A, 3, 3))], **F32),
        OpInfo("linalg.qr_complete_tall", lambda m, a: m.linalg.qr(a, mode="complete"),
               lambda A: [S(A(4, 3))], grad=False, **F32),
        OpInfo("linalg.qr_r", lambda m, a: m.linalg.qr(a, mode="r")[1],
               lambda A: [S(A(4, 3))], grad=False, **F32),
        OpInfo("qr", lambda m, a: m.qr(a), lambda A: [S(A(4, 3))], **F32),
        OpInfo("qr_some_false", lambda m, a: m.qr(a, some=False), lambda A: [S(A(3, 4))], **F32),
        OpInfo("Tensor.qr", lambda m, a: a.qr(), lambda A: [S(A(3, 2))], **F32),
        OpInfo("linalg.eigh", eigh_fn, lambda A: [S(A(3, 3)), S(A(2, 3, 3)), S(A(1, 1))], **F32),
        OpInfo("linalg.eigh_upper", lambda m, a: _eigh(m, a, "U"), lambda A: [S(A(3, 3))], **F32),
        OpInfo("linalg.eigh_values", lambda m, a: m.linalg.eigh(_sym(a))[0],
               lambda A: [S(A(3, 3))], **F32),
        OpInfo("linalg.eigh_triangle", lambda m, a: m.linalg.eigh(a)[0],
               lambda A: [S(A(3, 3))], gradcheck=False, **F32),  # reads one triangle only
        OpInfo("linalg.eigvalsh", lambda m, a: m.linalg.eigvalsh(_sym(a)),
               lambda A: [S(A(3, 3)), S(A(2, 2, 2))], **F32),
        OpInfo("linalg.eigvalsh_upper", lambda m, a: m.linalg.eigvalsh(_sym(a), UPLO="U"),
               lambda A: [S(A(3, 3))], **F32),
        OpInfo("linalg.svd", lambda m, a: _svd_abs(m.linalg.svd(a, full_matrices=False)),
               lambda A: [S(A(4, 3)), S(A(3, 4)), S(A(3, 3)), S(A(2, 3, 2))], **F32),
        OpInfo("linalg.svd_full", lambda m, a: _svd_abs(m.linalg.svd(a), a.shape),
               lambda A: [S(A(4, 3)), S(A(3, 4))], **F32),
        OpInfo("linalg.svd_u", lambda m, a: m.linalg.svd(a, full_matrices=False)[0].abs(),
               lambda A: [S(A(4, 3)), S(A(3, 4))], **F32),
        OpInfo("linalg.svd_vh", lambda m, a: m.linalg.svd(a, full_matrices=False)[2].abs(),
               lambda A: [S(A(4, 3)), S(A(3, 4))], **F32),
        OpInfo("linalg.svdvals", lambda m, a: m.linalg.svdvals(a),
               lambda A: [S(A(4, 3)), S(A(2, 2, 3))], **F32),
        OpInfo("svd", lambda m, a: _svd_abs(m.svd(a)), lambda A: [S(A(4, 3)), S(A(3, 4))], **F32),
        OpInfo("svd_some_false", lambda m, a: _svd_abs(m.svd(a, some=False), a.shape, True),
               lambda A: [S(A(4, 3))], **F32),
        OpInfo("svd_no_uv", lambda m, a: m.svd(a, compute_uv=False),
               lambda A: [S(A(4, 3))], **F32),
        OpInfo("Tensor.svd", lambda m, a: a.svd()[1], lambda A: [S(A(3, 2))], **F32),
        OpInfo("linalg.eig", lambda m, a: m.linalg.eig(a)[0], lambda A: [S(_spd(A, 3, 3))],
               grad=False, **F32),
        OpInfo("linalg.eigvals", lambda m, a: m.linalg.eigvals(a), lambda A: [S(_spd(A, 3, 3))],
               grad=False, **F32),
        # gauge-invariant real functions of eig: gradients (real input, complex results).
        # The first sample (the forward-AD tests') has real eigenvalues: forward AD through
        # eig has no rule of its own yet (docs/differences.md)
        OpInfo("linalg.eig_grad", lambda m, a: _eig_real(m.linalg.eig(a)),
               lambda A: [S(_spd(A, 3, 3)), S(_wc(A, 2, 3, 3)), S(A(4, 4))], **F32),
        OpInfo("linalg.eigvals_grad", lambda m, a: m.view_as_real(m.linalg.eigvals(a)),
               lambda A: [S(_spd(A, 3, 3)), S(A(2, 3, 3))], **F32),
        OpInfo("linalg.lu_factor", lambda m, a: m.linalg.lu_factor(a),
               lambda A: [S(A(3, 3)), S(A(2, 3, 3))], **F32),
        OpInfo("linalg.lu_factor_ex", lambda m, a: m.linalg.lu_factor_ex(a),
               lambda A: [S(A(3, 3)), S(A(4, 3)), S(A(3, 4))], **F32),
        OpInfo("linalg.lu", lambda m, a: m.linalg.lu(a),
               lambda A: [S(A(3, 3)), S(A(4, 3)), S(A(3, 4)), S(A(2, 3, 3))], **F32),
        OpInfo("linalg.lu_solve", lambda m, a, b, **kw: m.linalg.lu_solve(*_lu(m, a), b, **kw),
               lambda A: [S(_wc(A, 3, 3), A(3, 2)), S(_wc(A, 2, 3, 3), A(3, 1)),
                          S(_wc(A, 3, 3), A(2, 3), left=False),
                          S(_wc(A, 3, 3), A(3, 2), adjoint=True),
                          S(_wc(A, 3, 3), A(2, 3), left=False, adjoint=True)], **F32),
        OpInfo("lu", lambda m, a, **kw: m.lu(a, **kw),
               lambda A: [S(A(3, 3)), S(A(2, 3, 3), get_infos=True)], **F32),
        OpInfo("Tensor.lu", lambda m, a: a.lu(), lambda A: [S(A(3, 3))], **F32),
        OpInfo("lu_unpack", lambda m, a, **kw: m.lu_unpack(*_lu(m, a), **kw),
               lambda A: [S(A(3, 3)), S(A(4, 3)), S(A(3, 4)), S(A(2, 3, 3)),
                          S(A(3, 3), unpack_pivots=False)], **F32),
        OpInfo("lu_unpack_no_data", lambda m, a: m.lu_unpack(*_lu(m, a), unpack_data=False)[0],
               lambda A: [S(A(3, 3))], grad=False, **F32),
        OpInfo("lu_solve", lambda m, a, b: m.lu_solve(b, *_lu(m, a)),
               lambda A: [S(_wc(A, 3, 3), A(3, 2))], **F32),
    ]


def _eigh(m, a, uplo):
    L, V = m.linalg.eigh(_sym(a), UPLO=uplo)
    return L, V.abs()


def _eig_real(LV):
    L, V = LV
    return L.real, L.imag, V.abs()


def _svd_abs(usv, shape=None, v=False):
    U, S_, V = usv
    if shape is not None:  # full matrices: only the first k columns are determined
        m, n = shape[-2:]
        k = min(m, n)
        if m > k:
            U = U[..., :k]
        if n > k:
            V = V[..., :k] if v else V[..., :k, :]
    return U.abs(), S_, V.abs()


def _solver_entries():
    return [
        OpInfo("linalg.solve", lambda m, a, b, **kw: m.linalg.solve(a, b, **kw),
               lambda A: [S(_wc(A, 3, 3), A(3, 2)), S(_wc(A, 3, 3), A(3)),
                          S(_wc(A, 2, 3, 3), A(3, 1)), S(_wc(A, 3, 3), A(2, 3, 2)),
                          S(_wc(A, 2, 3, 3), A(2, 3)), S(_wc(A, 3, 3), A(2, 3), left=False)],
               **F32),
        OpInfo("linalg.solve_ex", lambda m, a, b: m.linalg.solve_ex(a, b),
               lambda A: [S(_wc(A, 3, 3), A(3, 2))], **F32),
        OpInfo("linalg.solve_triangular",
               lambda m, a, b, **kw: m.linalg.solve_triangular(a, b, **kw),
               lambda A: [S(_tri(A, 3, 3), A(3, 2), upper=True),
                          S(_tri(A, 3, 3, upper=False), A(3, 2), upper=False),
                          S(_tri(A, 3, 3), A(2, 3), upper=True, left=False),
                          S(_tri(A, 3, 3), A(3, 2), upper=True, unitriangular=True),
                          S(_tri(A, 3, 3, upper=False), A(2, 3), upper=False, left=False,
                            unitriangular=True),
                          S(_tri(A, 2, 3, 3), A(3, 1), upper=True),
                          S(A(3, 3), A(3, 2) , upper=True, unitriangular=True)], **F32),
        OpInfo("triangular_solve", lambda m, b, a, **kw: m.triangular_solve(b, a, **kw),
               lambda A: [S(A(3, 2), _tri(A, 3, 3)),
                          S(A(3, 2), _tri(A, 3, 3, upper=False), upper=False),
                          S(A(3, 2), _tri(A, 3, 3), transpose=True),
                          S(A(2, 3, 1), _tri(A, 3, 3), unitriangular=True)], **F32),
        OpInfo("triangular_solve_solution",
               lambda m, b, a: m.triangular_solve(b, a).solution,
               lambda A: [S(A(3, 2), _tri(A, 3, 3))], **F32),
        OpInfo("cholesky_solve", lambda m, b, a, **kw: m.cholesky_solve(b, _chol(m, a, **kw), **kw),
               lambda A: [S(A(3, 2), _wc(A, 3, 3)), S(A(3, 2), _wc(A, 3, 3), upper=True),
                          S(A(2, 3, 1), _wc(A, 3, 3))], **F32),
        # a raw factor: only its triangle is read, so finite differences see no upper part
        OpInfo("cholesky_solve_raw", lambda m, b, L: m.cholesky_solve(b, L),
               lambda A: [S(A(3, 2), _tri(A, 3, 3, upper=False))], gradcheck=False, **F32),
        OpInfo("Tensor.cholesky_solve", lambda m, b, a: b.cholesky_solve(_chol(m, a)),
               lambda A: [S(A(3, 2), _wc(A, 3, 3))], **F32),
        OpInfo("cholesky_inverse", lambda m, a, **kw: m.cholesky_inverse(_chol(m, a, **kw), **kw),
               lambda A: [S(_wc(A, 3, 3)), S(_wc(A, 3, 3), upper=True), S(_wc(A, 2, 3, 3))],
               **F32),
        OpInfo("cholesky_inverse_raw", lambda m, L, **kw: m.cholesky_inverse(L, **kw),
               lambda A: [S(_tri(A, 3, 3, upper=False)), S(_tri(A, 3, 3), upper=True)],
               gradcheck=False, **F32),
        OpInfo("Tensor.cholesky_inverse", lambda m, a: _chol(m, a).cholesky_inverse(),
               lambda A: [S(_wc(A, 2, 2))], **F32),
        OpInfo("linalg.lstsq", lambda m, a, b, **kw: m.linalg.lstsq(a, b, **kw)[:2],
               lambda A: [S(_wc(A, 4, 3), A(4, 2)), S(_wc(A, 3, 3), A(3, 2)),
                          S(_wc(A, 4, 3), A(4, 2), driver="gelsd"),
                          S(_wc(A, 4, 3), A(4), driver="gels"),
                          S(_wc(A, 2, 4, 3), A(2, 4, 2), driver="gelss"),
                          S(A(3, 4), A(3, 2), driver="gelsd")], **F32),
        OpInfo("linalg.lstsq_info", lambda m, a, b, **kw: m.linalg.lstsq(a, b, **kw)[2:],
               lambda A: [S(_wc(A, 4, 3), A(4, 2), driver="gelsd"), S(_wc(A, 4, 3), A(4, 2)),
                          S(_wc(A, 4, 3), A(4, 2), driver="gels")], grad=False, **F32),
        OpInfo("linalg.pinv", lambda m, a, **kw: m.linalg.pinv(a, **kw),
               lambda A: [S(A(4, 3)), S(A(3, 4)), S(_wc(A, 2, 3, 3)), S(A(4, 3), rtol=0.1),
                          S(A(4, 3), atol=0.5)], **F32),
        OpInfo("linalg.pinv_hermitian", lambda m, a: m.linalg.pinv(_sym(a), hermitian=True),
               lambda A: [S(_spd(A, 3, 3)), S(A(2, 2, 2))], **F32),
        OpInfo("pinverse", lambda m, a: m.pinverse(a), lambda A: [S(A(4, 3)), S(A(2, 3))], **F32),
        OpInfo("Tensor.pinverse", lambda m, a: a.pinverse(), lambda A: [S(A(3, 2))], **F32),
        OpInfo("linalg.matrix_power", lambda m, a, n: m.linalg.matrix_power(a, n),
               lambda A: [S(A(3, 3), 2), S(A(2, 3, 3), 3), S(A(3, 3), 0), S(A(3, 3), 1),
                          S(A(3, 3), 5), S(_wc(A, 3, 3), -1), S(_wc(A, 3, 3), -2),
                          S(A(2, 2), 6)], **F32),
        OpInfo("matrix_power", lambda m, a: m.matrix_power(a, 3), lambda A: [S(A(3, 3))], **F32),
        OpInfo("Tensor.matrix_power", lambda m, a: a.matrix_power(2), lambda A: [S(A(2, 2))],
               **F32),
        OpInfo("linalg.matrix_exp", lambda m, a: m.linalg.matrix_exp(a),
               lambda A: [S(A(3, 3)), S(A(2, 2, 2)), S(A(1, 1)), S(4 * A(3, 3))], **F32),
        OpInfo("matrix_exp", lambda m, a: m.matrix_exp(a), lambda A: [S(A(2, 2))], **F32),
        OpInfo("Tensor.matrix_exp", lambda m, a: a.matrix_exp(), lambda A: [S(A(2, 2))], **F32),
        OpInfo("linalg.householder_product", lambda m, a, t: m.linalg.householder_product(a, t),
               lambda A: [S(A(4, 3), A(2)), S(A(3, 3), A(3)), S(A(2, 4, 2), A(2, 2))], **F32),
        OpInfo("orgqr", lambda m, a, t: m.orgqr(a, t), lambda A: [S(A(3, 2), A(2))], **F32),
        OpInfo("linalg.tensorinv", lambda m, a, **kw: m.linalg.tensorinv(a, **kw),
               lambda A: [S(_wc(A, 6, 6).reshape(6, 2, 3), ind=1)], **F32),
        OpInfo("linalg.tensorsolve", lambda m, a, b, **kw: m.linalg.tensorsolve(a, b, **kw),
               lambda A: [S(_wc(A, 6, 6).reshape(2, 3, 6), A(2, 3)),
                          S(_wc(A, 6, 6).reshape(6, 2, 3), A(2, 3), dims=(0,))], **F32),
    ]


def _chol(m, a, upper=False):
    return m.linalg.cholesky(_gram(a), upper=upper)


def _gram(a):
    return a @ a.mH  # a @ a^T for real samples; Hermitian for the complex tests


def _norm_entries():
    X = lambda A: A(3, 4)  # noqa: E731
    return [
        OpInfo("linalg.vector_norm", lambda m, x, *a, **kw: m.linalg.vector_norm(x, *a, **kw),
               lambda A: [S(_vec_distinct(A, 3, 4)), S(_vec_distinct(A, 5), 1),
                          S(_vec_distinct(A, 3, 4), 3, dim=1),
                          S(_vec_distinct(A, 3, 4), float("inf"), dim=(0, 1)),
                          S(_vec_distinct(A, 3, 4), -float("inf"), dim=0, keepdim=True),
                          S(_vec_distinct(A, 2, 3), 0.5), S(_vec_distinct(A, 2, 3), -1),
                          S(_vec_distinct(A, 2, 3), 1.5, dim=-1),
                          S(_vec_distinct(A, 2, 3), 2, dim=(), keepdim=True),
                          S(np.array(1.5)), S(_vec_distinct(A, 2, 3), 0)], **F32),
        OpInfo("linalg.vector_norm_dtype", lambda m, x: m.linalg.vector_norm(x, dtype=m.float64),
               lambda A: [S(A(3, 4))], **F32),
        OpInfo("linalg.matrix_norm", lambda m, x, *a, **kw: m.linalg.matrix_norm(x, *a, **kw),
               lambda A: [S(X(A)), S(X(A), "nuc"), S(X(A), 2), S(X(A), -2),
                          S(_vec_distinct(A, 3, 4), 1), S(_vec_distinct(A, 3, 4), -1),
                          S(_vec_distinct(A, 3, 4), float("inf")),
                          S(_vec_distinct(A, 2, 3, 4), -float("inf"), keepdim=True),
                          S(A(2, 3, 4), "nuc", keepdim=True), S(A(2, 3, 4), 2, dim=(2, 0)),
                          S(_vec_distinct(A, 2, 3, 4), 1, dim=(2, 0)),
                          S(A(2, 3, 4), 2, dim=(0, 2), keepdim=True)], **F32),
        OpInfo("linalg.matrix_norm_dtype", lambda m, x: m.linalg.matrix_norm(x, dtype=m.float64),
               lambda A: [S(A(3, 4))], **F32),
        OpInfo("linalg.norm", lambda m, x, *a, **kw: m.linalg.norm(x, *a, **kw),
               lambda A: [S(A(2, 3, 4)), S(A(5), 3), S(A(3, 4), "fro"), S(A(3, 4), "nuc"),
                          S(_vec_distinct(A, 3, 4), float("inf")), S(A(2, 3, 4), dim=(1, 2)),
                          S(A(2, 3, 4), 2, dim=(1, 2)), S(A(2, 3, 4), 1, dim=1, keepdim=True)],
               **F32),
        OpInfo("norm", lambda m, x, *a, **kw: m.norm(x, *a, **kw),
               lambda A: [S(A(3, 4)), S(A(2, 3, 4), "fro"), S(A(3, 4), "nuc"),
                          S(A(2, 3, 4), "nuc", dim=(1, 2)), S(A(2, 3, 4), 1, dim=(0, 2)),
                          S(A(3, 4), None), S(_vec_distinct(A, 3, 4), float("inf")),
                          S(A(3, 4), 3, dim=1, keepdim=True), S(A(2, 3, 4), "fro", dim=(0, 1))],
               **F32),
        OpInfo("Tensor.norm", lambda m, x, *a, **kw: x.norm(*a, **kw),
               lambda A: [S(A(3, 4)), S(A(3, 4), p=3, dim=1)], **F32),
        OpInfo("frobenius_norm", lambda m, x, **kw: m.frobenius_norm(x, **kw),
               lambda A: [S(A(2, 3, 4), dim=(1, 2)), S(A(3, 4), dim=(0,), keepdim=True)], **F32),
        OpInfo("nuclear_norm", lambda m, x, *a, **kw: m.nuclear_norm(x, *a, **kw),
               lambda A: [S(A(3, 4)), S(A(2, 3, 4), dim=(1, 2)), S(A(3, 4), True)], **F32),
        OpInfo("dist", lambda m, a, b, *p: m.dist(a, b, *p),
               lambda A: [S(A(3, 4), A(3, 4)), S(A(3, 4), A(4), 1), S(A(3, 4), A(3, 4), 3),
                          S(_vec_distinct(A, 2, 3), np.zeros(3) + 5.0, float("inf")),
                          S(A(2, 3), A(2, 3), 0.5)], **F32),
        OpInfo("Tensor.dist", lambda m, a, b: a.dist(b), lambda A: [S(A(3), A(3))], **F32),
        OpInfo("renorm", lambda m, x, p, dim, maxnorm: m.renorm(x, p, dim, maxnorm),
               lambda A: [S(A(3, 4), 2, 0, 1.0), S(A(2, 3, 4), 1, 1, 2.0),
                          S(A(3, 4), 3, -1, 100.0)], **F32),
        OpInfo("Tensor.renorm", lambda m, x: x.renorm(2, 1, 0.5), lambda A: [S(A(3, 4))], **F32),
        OpInfo("linalg.cond", lambda m, a, *p: m.linalg.cond(a, *p),
               lambda A: [S(_wc(A, 3, 3)), S(_wc(A, 2, 3, 3), -2), S(A(4, 3)),
                          S(_wc(A, 3, 3), "nuc")], **F32),
        # torch's backward of these fails (its masked_fill_ writes into the saved inverse);
        # chainrule's works: tests/test_linalg.py checks it by finite differences
        OpInfo("linalg.cond_inverse", lambda m, a, *p: m.linalg.cond(a, *p),
               lambda A: [S(_wc(A, 3, 3), "fro"), S(_wc(A, 3, 3), float("inf")),
                          S(_wc(A, 3, 3), 1), S(_wc(A, 2, 3, 3), -1)], grad=False, **F32),
        OpInfo("linalg.matrix_rank", lambda m, a, **kw: m.linalg.matrix_rank(a, **kw),
               lambda A: [S(A(3, 4)), S(np.ones((3, 3))), S(A(2, 3, 3)),
                          S(_spd(A, 3, 3), hermitian=True), S(np.eye(3), atol=1.0, rtol=0.0),
                          S(np.diag([3.0, 1.0, 1e-3]), rtol=0.01)], grad=False),
    ]


ENTRIES = (_products() + _einsum_entries() + _decomposition_entries() + _solver_entries() +
           _norm_entries())
