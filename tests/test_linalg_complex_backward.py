"""Backward of the linear-algebra decompositions on complex inputs (and eig on real ones),
against torch's backward: gradients of gauge-invariant losses on complex128 (batched and
not), torch's errors for gauge-dependent losses, and gradcheck through a real
parametrisation A = complex(X, Y) (chainrule's gradcheck takes real inputs only)."""
import warnings
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402
from chainrule.autograd import gradcheck  # noqa: E402


def _c(rng, *shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


def _r(rng, *shape):
    return rng.standard_normal(shape)


def _wc(rng, *shape, real=False):
    """Well conditioned: random plus n on the diagonal."""
    n = shape[-1]
    return (_r if real else _c)(rng, *shape) + n * np.eye(n)


def _hpd(rng, *shape):
    x = _c(rng, *shape)
    return x @ np.conj(np.swapaxes(x, -2, -1)) + shape[-1] * np.eye(shape[-1])


def _herm(m, a):
    return 0.5 * (a + a.mH)


def _abs2(x):
    return (x * x.conj()).real


# name -> (loss(m, *inputs): a real or complex tensor, inputs(rng) -> arrays)
CASES = {
    # eig / eigvals
    "eigvals": (lambda m, a: m.linalg.eigvals(a), lambda r: [_c(r, 4, 4)]),
    "eigvals_batched": (lambda m, a: m.linalg.eigvals(a), lambda r: [_c(r, 2, 3, 3)]),
    "eigvals_real": (lambda m, a: m.linalg.eigvals(a), lambda r: [_r(r, 4, 4)]),
    "eigvals_real_batched": (lambda m, a: m.linalg.eigvals(a), lambda r: [_r(r, 3, 3, 3)]),
    "eig_values_real_part": (lambda m, a: m.linalg.eig(a)[0].real, lambda r: [_c(r, 3, 3)]),
    "eig_vectors_abs2": (lambda m, a: _abs2(m.linalg.eig(a)[1]), lambda r: [_c(r, 2, 4, 4)]),
    "eig_vectors_abs2_real": (lambda m, a: _abs2(m.linalg.eig(a)[1]),
                              lambda r: [_r(r, 2, 4, 4)]),
    "eig_both": (lambda m, a: _abs2(m.linalg.eig(a)[1]).sum(-1) + m.linalg.eig(a)[0],
                 lambda r: [_c(r, 2, 3, 3)]),
    "eig_both_real": (lambda m, a: m.linalg.eig(a)[1].abs().sum(-1) + m.linalg.eig(a)[0],
                      lambda r: [_r(r, 4, 4)]),
    # V diag(L) V^{-1} = A: gauge invariant, and every path of the backward is used
    "eig_reconstruct": (lambda m, a: _eig_rebuild(m, a), lambda r: [_c(r, 2, 3, 3)]),
    "eig_reconstruct_real": (lambda m, a: _eig_rebuild(m, a), lambda r: [_r(r, 3, 3)]),
    # eigh / eigvalsh (Hermitian input; eigh_triangle reads one triangle)
    "eigvalsh": (lambda m, a: m.linalg.eigvalsh(_herm(m, a)), lambda r: [_c(r, 4, 4)]),
    "eigvalsh_batched_upper": (lambda m, a: m.linalg.eigvalsh(_herm(m, a), UPLO="U"),
                               lambda r: [_c(r, 2, 3, 3)]),
    "eigh_values": (lambda m, a: m.linalg.eigh(_herm(m, a))[0], lambda r: [_c(r, 2, 3, 3)]),
    "eigh_vectors_abs2": (lambda m, a: _abs2(m.linalg.eigh(_herm(m, a))[1]),
                          lambda r: [_c(r, 2, 4, 4)]),
    "eigh_both": (lambda m, a: _eigh_both(m, m.linalg.eigh(_herm(m, a))),
                  lambda r: [_c(r, 3, 3)]),
    "eigh_triangle": (lambda m, a: _abs2(m.linalg.eigh(a, UPLO="U")[1]),
                      lambda r: [_c(r, 2, 3, 3)]),
    "eigh_reconstruct": (lambda m, a: _eigh_rebuild(m, _herm(m, a)), lambda r: [_c(r, 2, 3, 3)]),
    # svd / svdvals: |U|, |Vh|, U diag(S) Vh, U Vh
    "svdvals": (lambda m, a: m.linalg.svdvals(a), lambda r: [_c(r, 4, 3)]),
    "svdvals_wide_batched": (lambda m, a: m.linalg.svdvals(a), lambda r: [_c(r, 2, 3, 4)]),
    "svd_abs": (lambda m, a: _svd_abs(m, m.linalg.svd(a, full_matrices=False)),
                lambda r: [_c(r, 2, 4, 3)]),
    "svd_abs_wide": (lambda m, a: _svd_abs(m, m.linalg.svd(a, full_matrices=False)),
                     lambda r: [_c(r, 3, 4)]),
    "svd_abs_square": (lambda m, a: _svd_abs(m, m.linalg.svd(a, full_matrices=False)),
                       lambda r: [_c(r, 2, 3, 3)]),
    "svd_u_only": (lambda m, a: _abs2(m.linalg.svd(a, full_matrices=False)[0]),
                   lambda r: [_c(r, 4, 3)]),
    "svd_vh_only": (lambda m, a: _abs2(m.linalg.svd(a, full_matrices=False)[2]),
                    lambda r: [_c(r, 3, 4)]),
    "svd_full_matrices": (lambda m, a: _svd_abs(m, m.linalg.svd(a), a.shape),
                          lambda r: [_c(r, 4, 3)]),
    "svd_reconstruct": (lambda m, a: _svd_rebuild(m, a), lambda r: [_c(r, 2, 4, 3)]),
    "svd_reconstruct_wide": (lambda m, a: _svd_rebuild(m, a), lambda r: [_c(r, 3, 4)]),
    "svd_uvh": (lambda m, a: _svd_uvh(m, a), lambda r: [_c(r, 2, 3, 3)]),
    "svd_uvh_tall": (lambda m, a: _svd_uvh(m, a), lambda r: [_c(r, 4, 2)]),
    "torch_svd": (lambda m, a: _svd_abs(m, m.svd(a)), lambda r: [_c(r, 4, 3)]),
    # cholesky: Hermitian positive-definite input (only one triangle is read)
    "cholesky": (lambda m, a: m.linalg.cholesky(a), lambda r: [_hpd(r, 3, 3)]),
    "cholesky_upper_batched": (lambda m, a: m.linalg.cholesky(a, upper=True),
                               lambda r: [_hpd(r, 2, 4, 4)]),
    "cholesky_gram": (lambda m, a: m.linalg.cholesky(a @ a.mH + 3 * m.eye(3)),
                      lambda r: [_c(r, 2, 3, 3)]),
    "cholesky_ex": (lambda m, a: m.linalg.cholesky_ex(a)[0], lambda r: [_hpd(r, 2, 3, 3)]),
    "torch_cholesky": (lambda m, a: m.cholesky(a), lambda r: [_hpd(r, 3, 3)]),
    "torch_cholesky_upper": (lambda m, a: m.cholesky(a, upper=True), lambda r: [_hpd(r, 3, 3)]),
    # qr: both outputs (cat of Q and R), tall, square, wide, complete
    "qr_tall": (lambda m, a: _qr_cat(m, m.linalg.qr(a)), lambda r: [_c(r, 2, 4, 3)]),
    "qr_square": (lambda m, a: _qr_cat(m, m.linalg.qr(a)), lambda r: [_c(r, 3, 3)]),
    "qr_wide": (lambda m, a: _qr_cat(m, m.linalg.qr(a)), lambda r: [_c(r, 2, 2, 3)]),
    "qr_complete_wide": (lambda m, a: _qr_cat(m, m.linalg.qr(a, mode="complete")),
                         lambda r: [_c(r, 3, 4)]),
    "qr_q_only": (lambda m, a: m.linalg.qr(a)[0], lambda r: [_c(r, 4, 3)]),
    "qr_r_only_wide": (lambda m, a: m.linalg.qr(a)[1], lambda r: [_c(r, 3, 5)]),
    "torch_qr": (lambda m, a: _qr_cat(m, m.qr(a)), lambda r: [_c(r, 4, 2)]),
    # slogdet / logdet
    "slogdet_logabs": (lambda m, a: m.linalg.slogdet(a)[1], lambda r: [_c(r, 3, 3)]),
    "slogdet_sign": (lambda m, a: m.linalg.slogdet(a)[0], lambda r: [_c(r, 2, 3, 3)]),
    "slogdet_both": (lambda m, a: m.stack(list(m.linalg.slogdet(a)), -1),
                     lambda r: [_c(r, 2, 4, 4)]),
    "torch_slogdet": (lambda m, a: m.slogdet(a)[0] * m.slogdet(a)[1], lambda r: [_c(r, 3, 3)]),
    "logdet": (lambda m, a: m.logdet(a), lambda r: [_c(r, 2, 3, 3)]),
    "logdet_method": (lambda m, a: a.logdet(), lambda r: [_hpd(r, 3, 3)]),
    # a real output (eigenvalues, singular values) beside a complex one in one cat
    "eigh_values_cat_complex": (lambda m, a: _cat_real_complex(m, m.linalg.eigh(_herm(m, a))),
                                lambda r: [_c(r, 2, 3, 3)]),
    "svd_values_cat_complex": (lambda m, a: _cat_real_complex(
        m, m.linalg.svd(a, full_matrices=False)[1::-1]), lambda r: [_c(r, 4, 3)]),
    # cholesky_solve / cholesky_inverse (a Cholesky factor as input), pinv, lstsq
    "cholesky_solve": (lambda m, b, L: m.cholesky_solve(b, L),
                       lambda r: [_c(r, 3, 2), _chol(_hpd(r, 3, 3))]),
    "cholesky_solve_upper_batched": (lambda m, b, L: m.cholesky_solve(b, L.mH, upper=True),
                                     lambda r: [_c(r, 2, 4, 2), _chol(_hpd(r, 2, 4, 4))]),
    "cholesky_solve_composed": (lambda m, b, a: m.cholesky_solve(b, m.linalg.cholesky(a)),
                                lambda r: [_c(r, 3, 1), _hpd(r, 3, 3)]),
    "cholesky_inverse": (lambda m, L: m.cholesky_inverse(L), lambda r: [_chol(_hpd(r, 3, 3))]),
    "cholesky_inverse_upper_batched": (lambda m, L: m.cholesky_inverse(L.mH, upper=True),
                                       lambda r: [_chol(_hpd(r, 2, 3, 3))]),
    "pinv_tall": (lambda m, a: m.linalg.pinv(a), lambda r: [_c(r, 2, 4, 3)]),
    "pinv_wide": (lambda m, a: m.linalg.pinv(a), lambda r: [_c(r, 3, 4)]),
    "pinv_hermitian": (lambda m, a: m.linalg.pinv(a, hermitian=True),
                       lambda r: [_hpd(r, 2, 3, 3)]),
    "pinverse": (lambda m, a: m.pinverse(a), lambda r: [_c(r, 3, 3)]),
    "lstsq_tall": (lambda m, a, b: m.linalg.lstsq(a, b)[0], lambda r: [_c(r, 2, 4, 3),
                                                                       _c(r, 2, 4, 2)]),
    "lstsq_vector": (lambda m, a, b: m.linalg.lstsq(a, b)[0], lambda r: [_c(r, 3, 3),
                                                                         _c(r, 3)]),
    "lstsq_wide_broadcast": (lambda m, a, b: m.linalg.lstsq(a, b)[0],
                             lambda r: [_c(r, 1, 3, 4), _c(r, 2, 3, 2)]),
    "lstsq_residuals": (lambda m, a, b: _lstsq_both(m, m.linalg.lstsq(a, b, driver="gelsd")),
                        lambda r: [_c(r, 2, 5, 3), _c(r, 2, 5, 2)]),
    # matrix_exp, householder_product (from geqrf and from raw values), ormqr
    "matrix_exp": (lambda m, a: m.linalg.matrix_exp(a), lambda r: [_c(r, 3, 3)]),
    "matrix_exp_batched": (lambda m, a: m.matrix_exp(a), lambda r: [0.5 * _c(r, 2, 4, 4)]),
    "householder_product_geqrf": (lambda m, a, t: m.linalg.householder_product(a, t),
                                  lambda r: _geqrf(_c(r, 2, 4, 3))),
    "householder_product_raw": (lambda m, a, t: m.linalg.householder_product(a, t),
                                lambda r: [0.5 * _c(r, 4, 3), 0.5 * _c(r, 2)]),
    "orgqr": (lambda m, a, t: m.orgqr(a, t), lambda r: _geqrf(_c(r, 3, 3))),
    "ormqr_left": (lambda m, a, t, c: m.ormqr(a, t, c), lambda r: _geqrf(_c(r, 2, 4, 3)) +
                   [_c(r, 2, 4, 2)]),
    "ormqr_left_transpose": (lambda m, a, t, c: m.ormqr(a, t, c, True, True),
                             lambda r: _geqrf(_c(r, 4, 3)) + [_c(r, 4, 2)]),
    "ormqr_right": (lambda m, a, t, c: m.ormqr(a, t, c, False, False),
                    lambda r: _geqrf(_c(r, 3, 3)) + [_c(r, 2, 3)]),
    "ormqr_right_transpose": (lambda m, a, t, c: m.ormqr(a, t, c, False, True),
                              lambda r: _geqrf(_c(r, 2, 4, 2)) + [_c(r, 2, 3, 4)]),
}


def _geqrf(a):
    h, tau = torch.geqrf(torch.tensor(a))
    return [h.numpy(), tau.numpy()]


def _chol(a):
    return np.linalg.cholesky(a)


def _lstsq_both(m, res):
    return m.cat([res.solution.flatten(-2), res.residuals], -1)


def _cat_real_complex(m, pair):
    real, vecs = pair
    return m.cat([real, (vecs @ vecs.mH).flatten(-2)], -1)


def _qr_cat(m, QR):
    Q, R = QR
    return m.cat([Q.flatten(-2), R.flatten(-2)], -1)


def _eigh_both(m, LV):
    L, V = LV
    return _abs2(V) * L.unsqueeze(-2)


def _eigh_rebuild(m, a):
    L, V = m.linalg.eigh(a)
    return (V * L.unsqueeze(-2)) @ V.mH


def _svd_abs(m, usv, shape=None):
    u, s, vh = usv
    if shape is not None:  # full matrices: the first k columns only are determined
        k = min(shape[-2:])
        u, vh = u[..., :k], vh[..., :k, :]
    return m.cat([_abs2(u).flatten(-2), s, _abs2(vh).flatten(-2)], -1)


def _svd_rebuild(m, a):
    u, s, vh = m.linalg.svd(a, full_matrices=False)
    return (u * s.unsqueeze(-2)) @ vh


def _svd_uvh(m, a):
    u, s, vh = m.linalg.svd(a, full_matrices=False)
    return u @ vh


def _eig_rebuild(m, a):
    L, V = m.linalg.eig(a)
    return m.linalg.solve(V, V * L.unsqueeze(-2), left=False)


def _ids():
    return sorted(CASES)


def _grads(m, name, arrays, ups):
    fn = CASES[name][0]
    leaves = [m.tensor(a, requires_grad=True) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch.cholesky's deprecation
        out = fn(m, *leaves)
    gs = m.autograd.grad(out, leaves, m.tensor(ups[tuple(out.shape), out.is_complex()]))
    return out, gs


@pytest.mark.parametrize("name", _ids())
def test_gradient_matches_torch(name):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    arrays = CASES[name][1](rng)
    ups = _Ups(rng)
    t_out, t_g = _grads(torch, name, arrays, ups)
    c_out, c_g = _grads(chainrule, name, arrays, ups)
    np.testing.assert_allclose(c_out.detach().resolve_conj().numpy(),
                               t_out.detach().resolve_conj().numpy(), rtol=1e-7,
                               atol=1e-9, err_msg="forward")
    for c, t in zip(c_g, t_g):
        assert str(c.dtype) == str(t.dtype)
        np.testing.assert_allclose(c.resolve_conj().numpy(), t.resolve_conj().numpy(),
                                   rtol=1e-6, atol=1e-8)


class _Ups(dict):
    """One random upstream gradient per (shape, complex), shared by torch and chainrule."""

    def __init__(self, rng):
        super().__init__()
        self.rng = rng

    def __missing__(self, key):
        shape, cplx = key
        v = self.rng.standard_normal(shape) + (1j * self.rng.standard_normal(shape)
                                               if cplx else 0)
        self[key] = v
        return v


# ---------------------------------------------------------------- ill-defined gauge
GAUGE = {
    "eig": (lambda m, a: m.linalg.eig(a)[1].real.sum(), lambda r: _c(r, 3, 3)),
    "eig_real": (lambda m, a: m.linalg.eig(a)[1].real.sum(), lambda r: _r(r, 3, 3)),
    "eigh": (lambda m, a: m.linalg.eigh(a)[1].real.sum(), lambda r: _hpd(r, 3, 3)),
    "svd_u": (lambda m, a: m.linalg.svd(a)[0].real.sum(), lambda r: _c(r, 4, 3)),
    "svd_vh": (lambda m, a: m.linalg.svd(a)[2].imag.sum(), lambda r: _c(r, 2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(GAUGE))
def test_gauge_dependent_loss_raises_as_torch(name):
    fn, build = GAUGE[name]
    a = build(np.random.default_rng(zlib.crc32(name.encode())))
    if name == "eig_real":  # real input with complex eigenvectors: still phase-dependent
        assert np.iscomplex(np.linalg.eigvals(a)).any()
    msgs = []
    for m in (torch, chainrule):
        x = m.tensor(a, requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            fn(m, x).backward()
        msgs.append(str(info.value))
    assert msgs[1] == msgs[0]


# ---------------------------------------------------------------- gradcheck
def _through_complex(fn):
    """fn on A = complex(X, Y), as a function of the real X and Y."""
    def f(x, y):
        out = fn(chainrule.complex(x, y))
        return chainrule.view_as_real(out) if out.is_complex() else out
    return f


GRADCHECK = {
    "eigvals": (lambda a: chainrule.linalg.eigvals(a), (3, 3)),
    "eig_abs": (lambda a: chainrule.linalg.eig(a)[1].abs(), (2, 3, 3)),
    "eigh": (lambda a: _eigh_both(chainrule, chainrule.linalg.eigh(a + a.mH)), (3, 3)),
    "svd": (lambda a: _svd_abs(chainrule, chainrule.linalg.svd(a, full_matrices=False)),
            (2, 4, 3)),
    "svd_rebuild": (lambda a: _svd_rebuild(chainrule, a), (3, 4)),
    "cholesky": (lambda a: chainrule.linalg.cholesky(a @ a.mH + 3 * chainrule.eye(3)),
                 (2, 3, 3)),
    "qr": (lambda a: _qr_cat(chainrule, chainrule.linalg.qr(a)), (2, 4, 3)),
    "qr_wide": (lambda a: _qr_cat(chainrule, chainrule.linalg.qr(a)), (2, 3)),
    "slogdet": (lambda a: chainrule.stack(list(chainrule.linalg.slogdet(a)), -1), (2, 3, 3)),
    "logdet": (lambda a: chainrule.logdet(a), (3, 3)),
    "pinv": (lambda a: chainrule.linalg.pinv(a), (2, 3, 2)),
    "lstsq": (lambda a: chainrule.linalg.lstsq(a, a[..., :1] * 2 + 1)[0], (4, 3)),
    "matrix_exp": (lambda a: chainrule.linalg.matrix_exp(a), (2, 3, 3)),
    "householder_product": (lambda a: chainrule.linalg.householder_product(
        a, a[..., 0, :2] * 0.5), (4, 3)),
    "ormqr": (lambda a: chainrule.ormqr(a, a[..., 1, :] * 0.5, a[..., :2] + 1, True, True),
              (3, 3)),
    "cholesky_inverse": (lambda a: chainrule.cholesky_inverse(
        chainrule.linalg.cholesky(a @ a.mH + 3 * chainrule.eye(3))), (3, 3)),
}


@pytest.mark.parametrize("name", sorted(GRADCHECK))
def test_gradcheck_complex(name):
    fn, shape = GRADCHECK[name]
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    x = chainrule.tensor(rng.standard_normal(shape), requires_grad=True)
    y = chainrule.tensor(rng.standard_normal(shape), requires_grad=True)
    assert gradcheck(_through_complex(fn), (x, y))


def test_eig_real_input_gradcheck():
    rng = np.random.default_rng(3)
    a = chainrule.tensor(rng.standard_normal((2, 3, 3)), requires_grad=True)
    assert gradcheck(lambda a: chainrule.view_as_real(chainrule.linalg.eigvals(a)), (a,))
    assert gradcheck(lambda a: chainrule.linalg.eig(a)[1].abs(), (a,))
