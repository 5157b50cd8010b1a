"""Linear algebra against torch: errors (class and message), named tuples, warnings, out=,
einsum over random equations (hypothesis), and that batched work stays one NumPy call."""
import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
from chainrule.autograd import gradcheck, gradgradcheck  # noqa: E402

SING = [[1.0, 2.0], [2.0, 4.0]]


def _run(m, fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            return fn(m), None
        except Exception as exc:  # noqa: BLE001 - the exception is what we compare
            return None, exc


ERRORS = {
    "inv_singular": lambda m: m.linalg.inv(m.tensor(SING)),
    "inv_singular_batch": lambda m: m.linalg.inv(m.stack([m.eye(2), m.tensor(SING)])),
    "inverse_singular": lambda m: m.inverse(m.tensor(SING)),
    "inv_not_square": lambda m: m.linalg.inv(m.ones(2, 3)),
    "inv_1d": lambda m: m.linalg.inv(m.ones(3)),
    "inv_int": lambda m: m.linalg.inv(m.ones(2, 2, dtype=m.long)),
    "inv_half": lambda m: m.linalg.inv(m.ones(2, 2, dtype=m.half)),
    "inv_ex_check": lambda m: m.linalg.inv_ex(m.tensor(SING), check_errors=True),
    "det_not_square": lambda m: m.linalg.det(m.ones(2, 3)),
    "det_int": lambda m: m.linalg.det(m.ones(2, 2, dtype=m.long)),
    "slogdet_not_square": lambda m: m.linalg.slogdet(m.ones(2, 3)),
    "cholesky_not_pd": lambda m: m.linalg.cholesky(m.tensor(SING)),
    "cholesky_not_pd_batch": lambda m: m.linalg.cholesky(m.stack([m.eye(2), -m.eye(2)])),
    "cholesky_minor1": lambda m: m.linalg.cholesky(-m.eye(3)),
    "cholesky_deprecated": lambda m: m.cholesky(-m.eye(3)),
    "cholesky_not_square": lambda m: m.linalg.cholesky(m.ones(2, 3)),
    "cholesky_ex_check": lambda m: m.linalg.cholesky_ex(-m.eye(2), check_errors=True),
    "solve_singular": lambda m: m.linalg.solve(m.tensor(SING), m.ones(2, 1)),
    "solve_shapes": lambda m: m.linalg.solve(m.eye(3), m.ones(2, 1)),
    "solve_shapes_vector": lambda m: m.linalg.solve(m.eye(3), m.ones(2)),
    "solve_shapes_left": lambda m: m.linalg.solve(m.eye(3), m.ones(2, 1), left=False),
    "solve_not_square": lambda m: m.linalg.solve(m.ones(3, 2), m.ones(3)),
    "solve_dtype": lambda m: m.linalg.solve(m.eye(3), m.ones(3, dtype=m.double)),
    "solve_batch": lambda m: m.linalg.solve(m.ones(2, 3, 3), m.ones(4, 3, 1)),
    "solve_1d": lambda m: m.linalg.solve(m.ones(3), m.ones(3)),
    "solve_int": lambda m: m.linalg.solve(m.ones(3, 3, dtype=m.long), m.ones(3, dtype=m.long)),
    "solve_ex_check": lambda m: m.linalg.solve_ex(m.tensor(SING), m.ones(2), check_errors=True),
    "solve_triangular_shapes": lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(3, 1),
                                                                   upper=True),
    "solve_triangular_left": lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(3, 1),
                                                                 upper=True, left=False),
    "solve_triangular_no_upper": lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(2, 1)),
    "solve_triangular_1d": lambda m: m.linalg.solve_triangular(m.eye(2), m.ones(2), upper=True),
    "solve_triangular_not_square": lambda m: m.linalg.solve_triangular(m.ones(2, 3), m.ones(2, 1),
                                                                       upper=True),
    "solve_triangular_batch": lambda m: m.linalg.solve_triangular(m.eye(2).expand(2, 2, 2),
                                                                  m.ones(3, 2, 1), upper=True),
    "eigh_not_square": lambda m: m.linalg.eigh(m.ones(2, 3)),
    "eigh_uplo": lambda m: m.linalg.eigh(m.eye(2), UPLO="X"),
    "eig_not_square": lambda m: m.linalg.eig(m.ones(2, 3)),
    "qr_mode": lambda m: m.linalg.qr(m.eye(2), mode="x"),
    "qr_1d": lambda m: m.linalg.qr(m.ones(2)),
    "svd_1d": lambda m: m.linalg.svd(m.ones(2)),
    "matmul_shapes": lambda m: m.matmul(m.ones(2, 3), m.ones(2, 3)),
    "matmul_batch": lambda m: m.matmul(m.ones(2, 2, 3), m.ones(3, 3, 2)),
    "matmul_vector_batch": lambda m: m.matmul(m.ones(3), m.ones(2, 2, 3)),
    "matmul_batch_vector": lambda m: m.matmul(m.ones(2, 2, 3), m.ones(2)),
    "matmul_0d": lambda m: m.matmul(m.ones(()), m.ones(2)),
    "matrix_power_not_square": lambda m: m.linalg.matrix_power(m.ones(2, 3), 2),
    "matrix_power_singular": lambda m: m.linalg.matrix_power(m.tensor(SING), -1),
    "matrix_power_1d": lambda m: m.linalg.matrix_power(m.ones(3), 2),
    "matrix_power_int_negative": lambda m: m.linalg.matrix_power(m.ones(3, 3, dtype=m.long), -1),
    "matrix_exp_not_square": lambda m: m.linalg.matrix_exp(m.ones(2, 3)),
    "matrix_exp_1d": lambda m: m.linalg.matrix_exp(m.ones(3)),
    "matrix_exp_int": lambda m: m.linalg.matrix_exp(m.ones(3, 3, dtype=m.long)),
    "lstsq_shapes": lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(2, 2)),
    "lstsq_driver": lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(3, 2), driver="gelsx"),
    "lstsq_1d": lambda m: m.linalg.lstsq(m.ones(3), m.ones(3)),
    "lstsq_dtype": lambda m: m.linalg.lstsq(m.ones(3, 2), m.ones(3, 1, dtype=m.double)),
    "lstsq_batch": lambda m: m.linalg.lstsq(m.ones(2, 4, 3), m.ones(4, 2)),
    "cross_length": lambda m: m.linalg.cross(m.ones(2, 2), m.ones(2, 2)),
    "cross_ndim": lambda m: m.linalg.cross(m.ones(2, 3), m.ones(3)),
    "cross_broadcast": lambda m: m.linalg.cross(m.ones(2, 3), m.ones(4, 3)),
    "vecdot_sizes": lambda m: m.linalg.vecdot(m.ones(3), m.ones(4)),
    "multi_dot_one": lambda m: m.linalg.multi_dot([m.ones(3)]),
    "multi_dot_shapes": lambda m: m.linalg.multi_dot([m.ones(3, 2), m.ones(3, 2)]),
    "multi_dot_3d": lambda m: m.linalg.multi_dot([m.ones(2, 3, 2), m.ones(2, 2)]),
    "multi_dot_middle": lambda m: m.linalg.multi_dot([m.ones(2, 2), m.ones(2), m.ones(2, 2)]),
    "einsum_sizes": lambda m: m.einsum("ij,jk->ik", m.ones(2, 3), m.ones(2, 3)),
    "einsum_output": lambda m: m.einsum("ij->ik", m.ones(2, 3)),
    "einsum_output_twice": lambda m: m.einsum("ij->ii", m.ones(2, 3)),
    "einsum_ndim": lambda m: m.einsum("ijk->ij", m.ones(2, 3)),
    "einsum_ndim_ellipsis": lambda m: m.einsum("ijk...->ij", m.ones(2, 3)),
    "einsum_diagonal": lambda m: m.einsum("ii->i", m.ones(2, 3)),
    "einsum_fewer": lambda m: m.einsum("ij,jk", m.ones(2, 3)),
    "einsum_more": lambda m: m.einsum("ij", m.ones(2, 3), m.ones(3)),
    "einsum_subscript": lambda m: m.einsum("i1->i", m.ones(2)),
    "einsum_output_subscript": lambda m: m.einsum("i->1", m.ones(2)),
    "einsum_dots": lambda m: m.einsum("i..->i", m.ones(2)),
    "einsum_two_ellipses": lambda m: m.einsum("......", m.ones(2)),
    "einsum_no_operand": lambda m: m.einsum("i"),
    "einsum_sublist_range": lambda m: m.einsum(m.ones(2), [60]),
    "tensordot_sizes": lambda m: m.tensordot(m.ones(2, 3), m.ones(2, 3), dims=1),
    "tensordot_negative": lambda m: m.tensordot(m.ones(2, 3), m.ones(3, 2), dims=-1),
    "tensordot_too_many": lambda m: m.tensordot(m.ones(2, 3), m.ones(3, 2), dims=3),
    "tensordot_lengths": lambda m: m.tensordot(m.ones(2, 3), m.ones(3, 2), dims=([0, 1], [0])),
    "trace_3d": lambda m: m.trace(m.ones(2, 2, 2)),
    "vdot_sizes": lambda m: m.vdot(m.ones(2), m.ones(3)),
    "vdot_2d": lambda m: m.vdot(m.ones(2, 2), m.ones(2, 2)),
    "inner_sizes": lambda m: m.inner(m.ones(2, 3), m.ones(2)),
    "vector_norm_int": lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.long)),
    "vector_norm_empty_negative": lambda m: m.linalg.vector_norm(m.ones(0), -1),
    "vector_norm_empty_inf": lambda m: m.linalg.vector_norm(m.ones(0), float("inf")),
    "matrix_norm_1d": lambda m: m.linalg.matrix_norm(m.ones(3)),
    "matrix_norm_order": lambda m: m.linalg.matrix_norm(m.ones(3, 3), ord=3),
    "matrix_norm_order_str": lambda m: m.linalg.matrix_norm(m.ones(3, 3), ord="abc"),
    "norm_ord_3d": lambda m: m.linalg.norm(m.ones(3, 3, 3), ord=2),
    "addmv_sizes": lambda m: m.addmv(m.ones(2), m.ones(2, 3), m.ones(2)),
    "addr_bias": lambda m: m.addr(m.ones(3, 3), m.ones(2), m.ones(3)),
    "addr_2d": lambda m: m.addr(m.ones(2, 3), m.ones(2, 1), m.ones(3)),
    "baddbmm_sizes": lambda m: m.baddbmm(m.ones(2, 2, 2), m.ones(2, 2, 3), m.ones(2, 2, 2)),
    "addbmm_2d": lambda m: m.addbmm(m.ones(2, 2), m.ones(2, 2), m.ones(2, 2, 2)),
    "lu_factor_singular": lambda m: m.linalg.lu_factor(m.tensor(SING)),
    "lu_solve_shapes": lambda m: m.linalg.lu_solve(*m.linalg.lu_factor(m.eye(3)), m.ones(2, 1)),
    "cholesky_solve_shapes": lambda m: m.cholesky_solve(m.ones(3, 1), m.eye(2)),
    "cholesky_solve_not_square": lambda m: m.cholesky_solve(m.ones(3, 1), m.ones(3, 2)),
    "cholesky_solve_1d": lambda m: m.cholesky_solve(m.ones(3), m.eye(3)),
    "cholesky_solve_dtype": lambda m: m.cholesky_solve(m.ones(3, 1), m.eye(3, dtype=m.double)),
    "cholesky_inverse_not_square": lambda m: m.cholesky_inverse(m.ones(2, 3)),
    "cholesky_inverse_1d": lambda m: m.cholesky_inverse(m.ones(3)),
    "pinv_1d": lambda m: m.linalg.pinv(m.ones(3)),
    "pinv_hermitian_not_square": lambda m: m.linalg.pinv(m.ones(2, 3), hermitian=True),
    "tensorinv_singular": lambda m: m.linalg.tensorinv(m.ones(2, 3, 6), ind=2),
    "tensorinv_shape": lambda m: m.linalg.tensorinv(m.ones(2, 3, 5), ind=2),
    "tensorinv_ind": lambda m: m.linalg.tensorinv(m.ones(2, 2), ind=0),
    "tensorsolve_shape": lambda m: m.linalg.tensorsolve(m.eye(6).reshape(6, 2, 3).permute(1, 2, 0),
                                                        m.ones(2, 3), dims=(0,)),
    "householder_tau": lambda m: m.linalg.householder_product(m.ones(3, 2), m.ones(3)),
    "householder_1d": lambda m: m.linalg.householder_product(m.ones(3), m.ones(1)),
    "householder_wide": lambda m: m.linalg.householder_product(m.ones(2, 3), m.ones(1)),
    "householder_batch": lambda m: m.linalg.householder_product(m.ones(2, 3, 2), m.ones(3, 2)),
    "cond_order": lambda m: m.linalg.cond(m.eye(3), 3),
    "cond_order_str": lambda m: m.linalg.cond(m.eye(3), "abc"),
    "renorm_maxnorm": lambda m: m.renorm(m.ones(2, 2), 2, 0, -1.0),
    "renorm_1d": lambda m: m.renorm(m.ones(2), 2, 0, 1.0),
    "matrix_rank_int": lambda m: m.linalg.matrix_rank(m.ones(3, 3, dtype=m.long)),
    "mm_dtypes": lambda m: m.mm(m.ones(2, 2), m.ones(2, 2, dtype=m.double)),
    "logdet_not_square": lambda m: m.logdet(m.ones(2, 3)),
    "dist_int": lambda m: m.dist(m.ones(2, dtype=m.long), m.ones(2, dtype=m.long)),
    "vector_norm_narrowing": lambda m: m.linalg.vector_norm(m.ones(2, dtype=m.double),
                                                            dtype=m.float32),
    "lu_factor_ex_check": lambda m: m.linalg.lu_factor_ex(m.tensor(SING), check_errors=True),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_matches_torch(name):
    fn = ERRORS[name]
    _, t_exc = _run(torch, fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no NumPy warning may leak
        _, c_exc = _run(chainrule, fn)
    assert t_exc is not None, "torch does not raise"
    assert c_exc is not None, f"chainrule does not raise; torch: {t_exc!r}"
    assert type(c_exc).__name__ == type(t_exc).__name__, (repr(c_exc), repr(t_exc))
    assert isinstance(c_exc, (RuntimeError, TypeError, ValueError, IndexError))
    assert not type(c_exc).__module__.startswith("numpy"), repr(c_exc)
    t_msg = str(t_exc).split(" (Triggered internally")[0]
    assert str(c_exc) == t_msg


def test_linalg_error_class():
    err = chainrule.linalg.LinAlgError
    assert issubclass(err, RuntimeError)
    assert err.__name__ == torch.linalg.LinAlgError.__name__ == "_LinAlgError"
    with pytest.raises(err):
        chainrule.linalg.inv(chainrule.tensor(SING))
    with pytest.raises(err):
        chainrule.linalg.cholesky(-chainrule.eye(2))


def test_no_numpy_warning_or_error_leaks_for_singular_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = chainrule.tensor(SING)
        assert chainrule.linalg.det(s).item() == 0
        sign, logabs = chainrule.linalg.slogdet(s)
        assert sign.item() == 0 and logabs.item() == -float("inf")
        inv, info = chainrule.linalg.inv_ex(s)
        assert info.item() == 2 and not np.isfinite(inv.numpy()).all()
        x, info = chainrule.linalg.solve_ex(s, chainrule.ones(2))
        assert info.item() == 2
        L, info = chainrule.linalg.cholesky_ex(-chainrule.eye(2))
        assert info.item() == 1
        lu, piv, info = chainrule.linalg.lu_factor_ex(s)
        assert info.item() == 2
        x = chainrule.linalg.solve_triangular(chainrule.zeros(2, 2), chainrule.ones(2, 1),
                                              upper=True)
        assert not np.isfinite(x.numpy()).all()
        assert chainrule.linalg.cond(s).item() > 1e6


# ---------------------------------------------------------------------------- info outputs
@pytest.mark.parametrize("fn", [
    lambda m: m.linalg.inv_ex(m.tensor(SING)).info,
    lambda m: m.linalg.inv_ex(m.stack([m.eye(2), m.tensor(SING), m.zeros(2, 2)])).info,
    lambda m: m.linalg.cholesky_ex(m.tensor([np.eye(3), -np.eye(3), np.diag([1., 1., -1.])])
                                   ).info,
    lambda m: m.linalg.solve_ex(m.tensor(SING), m.ones(2, 1)).info,
    lambda m: m.linalg.lu_factor_ex(m.tensor(SING)).pivots,
    lambda m: m.linalg.lu_factor_ex(m.tensor(SING)).LU,
    lambda m: m.linalg.lu_factor_ex(m.tensor([[0., 1., 2.], [3., 4., 5.], [1., 1., 1.]])).LU,
    lambda m: m.linalg.lu_factor_ex(m.tensor([[0., 1., 2.], [3., 4., 5.], [1., 1., 1.]])).pivots,
    lambda m: m.linalg.matrix_rank(m.tensor(SING)),
    lambda m: m.linalg.lstsq(m.ones(4, 3), m.ones(4, 2), driver="gelsd").rank,
], ids=["inv_info", "inv_info_batch", "cholesky_info", "solve_info", "lu_pivots", "lu_LU",
        "lu_LU_3", "lu_pivots_3", "rank", "lstsq_rank"])
def test_info_outputs_match_torch(fn):
    t, c = fn(torch), fn(chainrule)
    assert str(c.dtype) == str(t.dtype)
    np.testing.assert_allclose(c.numpy(), t.numpy(), atol=1e-6)


# ---------------------------------------------------------------------------- named tuples
def test_named_tuples_print_and_behave_as_torch():
    cases = [
        lambda m: m.linalg.slogdet(m.eye(2) * 2),
        lambda m: m.slogdet(m.eye(2) * 2),
        lambda m: m.linalg.inv_ex(m.eye(2)),
        lambda m: m.linalg.cholesky_ex(m.eye(2) * 4),
        lambda m: m.linalg.solve_ex(m.eye(2), m.ones(2)),
        lambda m: m.linalg.eigh(m.eye(2)),
        lambda m: m.linalg.lu_factor(m.eye(2)),
        lambda m: m.linalg.lu_factor_ex(m.eye(2)),
        lambda m: m.linalg.lu(m.eye(2)),
        lambda m: m.linalg.qr(m.eye(2)),
        lambda m: m.linalg.qr(m.eye(2), mode="r"),
        lambda m: m.linalg.svd(m.eye(2)),
        lambda m: m.svd(m.eye(2)),
        lambda m: m.linalg.lstsq(m.eye(2), m.ones(2, 1)),
        lambda m: m.linalg.lstsq(m.eye(2), m.ones(2, 1), driver="gelsd"),
        lambda m: m.triangular_solve(m.ones(2, 1), m.eye(2)),
        lambda m: m.lu(m.eye(2), get_infos=True),
        lambda m: m.lu_unpack(*m.linalg.lu_factor(m.eye(2))),
    ]
    for fn in cases:
        t, c = _run(torch, fn)[0], _run(chainrule, fn)[0]
        assert repr(c) == repr(t)
        assert str(c) == str(t)
        assert isinstance(c, tuple) and len(c) == len(t)
        assert type(c).__name__ == type(t).__name__
    r = chainrule.linalg.slogdet(chainrule.eye(2))
    sign, logabsdet = r
    assert r.sign is sign and r.logabsdet is logabsdet and r[0] is sign
    again = pickle.loads(pickle.dumps(r))
    assert type(again) is type(r) and again.sign.item() == 1.0


# ---------------------------------------------------------------------------- warnings
@pytest.mark.parametrize("fn", [
    lambda m: m.cholesky(m.eye(2)), lambda m: m.qr(m.eye(2)),
    lambda m: m.chain_matmul(m.eye(2), m.eye(2)), lambda m: m.cross(m.ones(3), m.ones(3)),
    lambda m: m.triangular_solve(m.ones(2, 1), m.eye(2)),
    lambda m: m.frobenius_norm(m.eye(2), dim=(0, 1)), lambda m: m.lu(m.eye(2)),
], ids=["cholesky", "qr", "chain_matmul", "cross", "triangular_solve", "frobenius_norm", "lu"])
def test_deprecation_warnings_as_torch(fn):
    # torch warns once per process (TORCH_WARN_ONCE), so only chainrule is checked here; the
    # texts are torch's
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fn(chainrule)
    assert any(issubclass(w.category, UserWarning) and "deprecated" in str(w.message)
               for w in rec)


# ---------------------------------------------------------------------------- backward errors
def test_qr_backward_errors_as_torch():
    msgs = []
    for m in (torch, chainrule):
        a = m.tensor(np.arange(12.0).reshape(4, 3) + np.eye(4, 3), requires_grad=True)
        got = []
        for mode in ("r", "complete"):
            Q, R = m.linalg.qr(a, mode=mode)
            with pytest.raises(RuntimeError) as info:
                R.sum().backward()
            got.append(str(info.value))
        msgs.append(got)
    assert msgs[0] == msgs[1]


def test_eig_backward_float32_as_torch():
    grads = []
    for m in (torch, chainrule):
        a = m.tensor([[2.0, 1.0], [0.0, 3.0]], requires_grad=True)
        w, v = m.linalg.eig(a)
        assert w.grad_fn.name() == "LinalgEigBackward0" and str(w.dtype) == "torch.complex64"
        m.autograd.backward([w], [m.ones_like(w)])
        assert str(a.grad.dtype) == "torch.float32"
        grads.append(a.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6)


def test_out_with_grad_raises_like_torch():
    for m in (torch, chainrule):
        a = m.eye(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
            m.linalg.inv(a, out=m.empty(2, 2))


def test_out_writes_in_place():
    out = chainrule.empty(2, 2)
    res = chainrule.linalg.inv(chainrule.eye(2) * 2, out=out)
    assert res is out and np.allclose(out.numpy(), np.eye(2) / 2)
    out = chainrule.empty(0)
    chainrule.matmul(chainrule.ones(2, 3), chainrule.ones(3, 2), out=out)
    assert tuple(out.shape) == (2, 2) and np.allclose(out.numpy(), 3)


# ---------------------------------------------------------------------------- gradients
def _f64(a, rg=True):
    return chainrule.tensor(np.asarray(a, dtype=np.float64), requires_grad=rg)


def test_cond_backward_works_where_torch_fails():
    """torch's cond(A, 'fro'/inf/1) writes into the inverse its own backward saved."""
    a = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.3, 0.1, 2.0]])
    t = torch.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        torch.linalg.cond(t, "fro").backward()
    for p in ("fro", float("inf"), 1, -1, float("-inf")):
        x = _f64(a)
        assert gradcheck(lambda x: chainrule.linalg.cond(x, p), (x,))


def test_det_of_singular_matrix_under_create_graph_is_the_adjugate():
    x = _f64(SING)
    (g,) = chainrule.autograd.grad(chainrule.linalg.det(x), x, create_graph=True)
    t = torch.tensor(SING, dtype=torch.float64, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.linalg.det(t), t, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(g.detach().numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-10)


@pytest.mark.parametrize("fn", [
    lambda m, x: m.linalg.eigh(x + x.mT)[1].abs().sum(),
    lambda m, x: (m.linalg.svd(x, full_matrices=False)[0] ** 2).sum(-2).sum(),
    lambda m, x: (m.linalg.svdvals(x) ** 3).sum(),
    lambda m, x: m.linalg.qr(x)[0].abs().sum() + m.linalg.qr(x)[1].sum(),
    lambda m, x: m.linalg.lu(x)[1].sum() + m.linalg.lu(x)[2].sum(),
    lambda m, x: m.linalg.matrix_exp(x).sum(),
    lambda m, x: m.linalg.pinv(x).sum(),
], ids=["eigh", "svd", "svdvals", "qr", "lu", "matrix_exp", "pinv"])
def test_second_derivatives_match_torch(fn):
    a = np.array([[2.0, 0.5, 0.1], [0.3, 1.5, 0.4], [0.2, 0.1, 1.0]])
    x = _f64(a)
    t = torch.tensor(a, requires_grad=True)
    (g,) = chainrule.autograd.grad(fn(chainrule, x), x, create_graph=True)
    (tg,) = torch.autograd.grad(fn(torch, t), t, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), atol=1e-8, rtol=1e-6)
    w = np.random.default_rng(0).standard_normal(a.shape)
    (gg,) = chainrule.autograd.grad((g * _f64(w, False)).sum(), x)
    (tgg,) = torch.autograd.grad((tg * torch.tensor(w)).sum(), t)
    np.testing.assert_allclose(gg.numpy(), tgg.numpy(), atol=1e-7, rtol=1e-5)


def test_lu_rectangular_gradients():
    for shape in ((4, 3), (3, 4)):
        a = np.random.default_rng(1).uniform(-1, 1, shape) + np.eye(*shape) * 3
        x = _f64(a)
        assert gradcheck(lambda x: chainrule.linalg.lu(x)[1:], (x,))
        assert gradgradcheck(lambda x: chainrule.linalg.lu_factor(x)[0], (x,))


# ---------------------------------------------------------------------------- einsum
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_LETTERS = "abcdef"


@st.composite
def _equations(draw):
    sizes = {c: draw(st.integers(1, 3)) for c in _LETTERS}
    n_ops = draw(st.integers(1, 3))
    ops, shapes = [], []
    for _ in range(n_ops):
        k = draw(st.integers(0, 3))
        labels = draw(st.lists(st.sampled_from(_LETTERS[:4]), min_size=k, max_size=k))
        shape = [sizes[c] if draw(st.booleans()) or sizes[c] == 1 else 1 for c in labels]
        # a repeated label is a diagonal: both dims must have the label's size
        for i, c in enumerate(labels):
            if labels.index(c) != i:
                shape[i] = shape[labels.index(c)] = sizes[c]
        ops.append("".join(labels))
        shapes.append(tuple(shape))
    used = sorted(set("".join(ops)))
    explicit = draw(st.booleans())
    if explicit:
        out = draw(st.lists(st.sampled_from(used), unique=True, max_size=len(used))) if used \
            else []
        eq = ",".join(ops) + "->" + "".join(out)
    else:
        eq = ",".join(ops)
    return eq, shapes


@settings(max_examples=60, deadline=None)
@given(case=_equations(), seed=st.integers(0, 2 ** 16))
def test_einsum_random_equations_match_torch(case, seed):
    eq, shapes = case
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    results = []
    for m in (torch, chainrule):
        ts = [m.tensor(a, dtype=m.float64, requires_grad=True) for a in arrays]
        try:
            out = m.einsum(eq, *ts)
        except RuntimeError as exc:
            results.append(exc)
            continue
        g = np.random.default_rng(1).standard_normal(tuple(out.shape))
        grads = m.autograd.grad([out], ts, [m.tensor(g, dtype=m.float64)], allow_unused=True)
        results.append((out, grads))
    t, c = results
    if isinstance(t, Exception):
        assert isinstance(c, Exception) and str(c) == str(t), (eq, shapes, c)
        return
    assert not isinstance(c, Exception), (eq, shapes, c)
    (to, tg), (co, cg) = t, c
    assert tuple(co.shape) == tuple(to.shape)
    np.testing.assert_allclose(co.detach().numpy(), to.detach().numpy(), atol=1e-10)
    assert co.grad_fn.name() == to.grad_fn.name(), eq
    for a, b in zip(cg, tg):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-10)
    with chainrule.no_grad():  # the one-call NumPy path gives the same values
        fast = chainrule.einsum(eq, *[chainrule.tensor(a) for a in arrays])
    np.testing.assert_allclose(fast.numpy(), to.detach().numpy(), atol=1e-10)


# ---------------------------------------------------------------------------- performance
def _count_calls(monkeypatch, name):
    calls = []
    real = getattr(np, name)

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)
    monkeypatch.setattr(np, name, counting)
    from chainrule.ops import OPS
    for op in OPS.values():  # the raw vocabulary caches bound functions
        op._fast.clear()
    return calls


def test_batched_matmul_is_one_numpy_call(monkeypatch):
    a = chainrule.randn(8, 16, 5, 5, requires_grad=True)
    b = chainrule.randn(8, 16, 5, 5, requires_grad=True)
    calls = _count_calls(monkeypatch, "matmul")
    out = a @ b
    assert len(calls) == 1
    calls.clear()
    out.sum().backward()
    assert len(calls) == 2  # one per input's gradient
    calls.clear()
    chainrule.linalg.solve(a.detach(), b.detach())
    chainrule.linalg.inv(a.detach() + 5 * chainrule.eye(5))
    assert len(calls) == 0


def test_einsum_without_grad_is_one_numpy_call(monkeypatch):
    a, b, c = chainrule.randn(4, 5), chainrule.randn(5, 6), chainrule.randn(6, 3)
    calls = _count_calls(monkeypatch, "einsum")
    out = chainrule.einsum("ij,jk,kl->il", a, b, c)
    assert len(calls) == 1
    np.testing.assert_allclose(out.numpy(), (a.numpy() @ b.numpy()) @ c.numpy(), rtol=1e-4,
                               atol=1e-5)
