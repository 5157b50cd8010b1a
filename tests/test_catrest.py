"""The rest of the catalogue's ops against torch, where the op table does not reach: errors,
warnings, the window factories, randomized low-rank factorisations, properties over random
shapes, and the place chainrule differs from torch on purpose (as_strided_scatter's input
gradient). Names, Tensor methods, DLPack and dtypes: tests/test_catrest_names.py."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch_compare import same  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule.autograd import gradcheck, gradgradcheck  # noqa: E402


def _f32(lib, values):
    return lib.tensor(values, dtype=lib.float32)


# ---------------------------------------------------------------------------- function forms
@pytest.mark.parametrize("name, args", [
    ("clamp_", (-0.5, 0.5)), ("clamp_min_", (0.0,)), ("clamp_max_", (0.0,)),
    ("clip_", (-0.1, 0.1)), ("fill_", (3.0,)), ("zero_", ()), ("detach_", ()),
    ("as_strided_", ((2,), (2,))), ("resize_as_", (np.zeros((2, 2)),)),
])
def test_inplace_function_forms_modify_and_return_their_input(name, args):
    for lib in (torch, cr):
        x = _f32(lib, [-1.0, 0.5, 2.0, -0.2])
        real = [lib.tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        out = getattr(lib, name)(x, *real)
        assert out is x
    same(lambda m: getattr(m, name)(_f32(m, [-1.0, 0.5, 2.0, -0.2]), *[
        m.tensor(a) if isinstance(a, np.ndarray) else a for a in args]))


def test_function_forms_refuse_non_tensors_as_torch():
    for name in ("clamp_", "detach", "zero_", "fill_"):
        same(lambda m: getattr(m, name)(3.0), message=False)


def test_addmv_and_index_put_function_forms():
    same(lambda m: m.addmv_(m.zeros(2), m.ones(2, 3), m.arange(3.0), beta=2, alpha=0.5))
    same(lambda m: m.index_put_(m.zeros(4), (m.tensor([1, 1]),), m.tensor([1.0, 2.0]),
                                accumulate=True))
    same(lambda m: m.detach(m.ones(2, requires_grad=True) * 2))


def test_fill_out_of_place_values_dtypes_and_errors():
    same(lambda m: m.fill(m.tensor([1, 2]), 2.7))
    same(lambda m: m.fill(m.tensor([1, 2]), m.tensor(2.7)))
    same(lambda m: m.fill(m.tensor([1, 2], dtype=m.uint8), 300))
    same(lambda m: m.fill(m.zeros(2), m.ones(2)))
    x = cr.zeros(3)
    assert cr.fill(x, 1.0) is not x and x.tolist() == [0.0, 0.0, 0.0]


# ---------------------------------------------------------------------------- as_strided*
def test_as_strided_inplace_node_and_errors():
    same(lambda m: m.arange(6.0, requires_grad=True).mul(2).as_strided_((2, 2), (1, 2), 1))
    same(lambda m: m.zeros(4).as_strided_((5,), (1,)))
    same(lambda m: m.zeros(4).as_strided_((2,), (-1,)))
    same(lambda m: m.zeros(4, requires_grad=True).as_strided_((2,), (1,)))


def test_as_strided_scatter_gives_the_true_input_gradient():
    # torch 2.13 keeps the window and zeroes the rest (its own gradcheck fails); chainrule
    # zeroes the window, which gradcheck confirms (docs/differences.md)
    x = cr.randn(3, 4, dtype=cr.float64, requires_grad=True)
    s = cr.randn(2, 2, dtype=cr.float64, requires_grad=True)
    f = lambda a, b: cr.as_strided_scatter(a, b, (2, 2), (1, 2), 1)  # noqa: E731
    assert gradcheck(f, (x, s)) and gradgradcheck(f, (x, s))
    g = np.arange(12.0).reshape(3, 4)
    f(x, s).backward(cr.tensor(g))
    expected = g.copy()
    expected.reshape(-1)[[1, 2, 3, 4]] = 0
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    tx = torch.zeros(3, 4, dtype=torch.float64, requires_grad=True)
    torch.as_strided_scatter(tx, torch.zeros(2, 2, dtype=torch.float64), (2, 2), (1, 2),
                             1).backward(torch.tensor(g))
    assert not np.array_equal(tx.grad.numpy(), expected), "torch fixed it: update the docs"


def test_as_strided_scatter_values_layouts_and_errors():
    same(lambda m: m.as_strided_scatter(m.arange(6.0).reshape(2, 3).t(), m.tensor([9.0, 9.0]),
                                        (2,), (2,)))
    same(lambda m: m.as_strided_scatter(m.arange(3.0).expand(2, 3), m.tensor([9.0, 9.0]),
                                        (2,), (2,)))
    same(lambda m: m.as_strided_scatter(m.arange(4), m.tensor([9.0, 9.0]), (2,), (2,)))
    same(lambda m: m.as_strided_scatter(m.zeros(3, 4), m.zeros(2, 2), (3, 2), (1, 2), 1))
    same(lambda m: m.as_strided_scatter(m.zeros(3, 4), m.zeros(2, 2), (2, 2), (1, 2), 20))
    same(lambda m: m.as_strided_scatter(m.zeros(3, 4, requires_grad=True).t(), m.zeros(2, 2),
                                        (2, 2), (1, 2)),
         message="as_strided_scatter is currently only supported for contiguous inputs")


# ---------------------------------------------------------------------------- isin, nonzero
def test_isin_promotes_and_refuses_as_torch():
    same(lambda m: m.isin(m.tensor([0.1]), m.tensor([0.1], dtype=m.float64)))
    same(lambda m: m.isin(m.tensor([0.1]), 0.1))
    same(lambda m: m.isin(m.tensor([1, 2]), 2.0))
    same(lambda m: m.isin(m.tensor([float("nan"), 1.0]), m.tensor([float("nan")])))
    same(lambda m: m.isin(m.tensor([True]), m.tensor([True])))
    same(lambda m: m.isin(m.tensor([1 + 1j]), m.tensor([1 + 1j])))
    same(lambda m: m.isin(m.tensor([1, 2]), m.tensor([True])))
    same(lambda m: m.isin(3, 4), message=False)
    assert not cr.isin(cr.randn(3, requires_grad=True), cr.zeros(1)).requires_grad


def test_nonzero_static_errors():
    same(lambda m: m.nonzero_static(m.tensor([1]), size=-1))
    same(lambda m: m.nonzero_static(m.tensor([1, 0, 2]), size=5, fill_value=-7))


# ---------------------------------------------------------------------------- quantiles
@pytest.mark.parametrize("call", [
    lambda m, x: m.quantile(x, 1.5), lambda m, x: m.quantile(x, -0.1),
    lambda m, x: m.quantile(x, m.tensor([0.5, 1.2])),
    lambda m, x: m.quantile(x, m.tensor([0.5], dtype=m.float64)),
    lambda m, x: m.quantile(x.long(), 0.5), lambda m, x: m.quantile(x.half(), 0.5),
    lambda m, x: m.quantile(x, 0.5, dim=2),
    lambda m, x: m.quantile(x, 0.5, interpolation="foo"),
    lambda m, x: m.quantile(x, m.tensor([[0.5]])), lambda m, x: m.quantile(m.zeros(0), 0.5),
    lambda m, x: m.nanquantile(x, 2.0), lambda m, x: m.quantile(x, m.tensor([])),
])
def test_quantile_errors_and_edges(call):
    same(lambda m: call(m, m.tensor([[1.0, 2.0], [3.0, 5.0]])))


def test_quantile_nan_handling_and_out():
    nan = float("nan")
    same(lambda m: m.quantile(m.tensor([1.0, nan, 3.0]), 0.5))
    same(lambda m: m.nanquantile(m.tensor([[1.0, nan, 3.0], [nan, nan, nan]]), 0.5, dim=1))
    same(lambda m: m.quantile(m.arange(5.0), 0.625, interpolation="nearest"))
    same(lambda m: m.quantile(m.arange(5.0), 0.5, out=m.zeros(())))


# ---------------------------------------------------------------------------- cov, corrcoef
@pytest.mark.parametrize("kw", [
    {"fweights": [1.0, 2, 3, 4]}, {"fweights": [[1, 2, 3, 4]]}, {"fweights": [1, 2, 3]},
    {"fweights": [1, -2, 3, 4]}, {"fweights": [True, True, True, True]},
    {"aweights": [1, 2, 3, 4]}, {"aweights": [1.0, 2, 3]}, {"aweights": [1.0, -2, 3, 4]},
    {"aweights": [0.0, 0, 0, 0]},
])
def test_cov_weight_errors(kw):
    same(lambda m: m.cov(m.ones(3, 4), **{k: m.tensor(v) for k, v in kw.items()}))


def test_cov_errors_and_degrees_of_freedom_warning():
    same(lambda m: m.cov(m.ones(2, 2, 2)))
    same(lambda m: m.cov(m.ones(2, 2).bool()))
    same(lambda m: m.corrcoef(m.ones(2, 2, 2)))
    for m in (torch, cr):
        with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
            out = m.cov(m.tensor([[1.0, 2.0], [0.0, 3.0]]), correction=2)
        assert out.isinf().all()
    same(lambda m: m.cov(m.zeros(2, 0)))
    same(lambda m: m.corrcoef(m.tensor([1.0, 1.0, 1.0])))
    same(lambda m: m.corrcoef(m.tensor([[1, 2, 4], [0, 1, 1]])))


# ---------------------------------------------------------------------------- histogramdd
@pytest.mark.parametrize("call", [
    lambda m, x: m.histogramdd(x, bins=[2]), lambda m, x: m.histogramdd(x.long(), bins=2),
    lambda m, x: m.histogramdd(x, bins=[2, 2], range=[0.0, 1.0]),
    lambda m, x: m.histogramdd(x, bins=[2, 2], weight=m.ones(3)),
    lambda m, x: m.histogramdd(x, bins=[2, 2], weight=m.ones(4, dtype=m.float64)),
    lambda m, x: m.histogramdd(x[:, 0], bins=2), lambda m, x: m.histogramdd(x, bins=[0, 2]),
    lambda m, x: m.histogramdd(x, bins=(2, 2), range=(1.0, 0.0, 0.0, 1.0)),
    lambda m, x: m.histogramdd(m.tensor([[float("nan"), 1.0]]), bins=2),
    lambda m, x: m.histogramdd(x, bins=[m.tensor([0.0, 1, 2])]),
    lambda m, x: m.histogramdd(x, bins=[m.tensor([[0.0, 1, 2]]), m.tensor([0.0, 1])]),
    lambda m, x: m.histogramdd(x, bins=[m.tensor([0.0, 1], dtype=m.float64), m.tensor([0.0, 1])]),
    lambda m, x: m.histogramdd(x, 2.5),
    lambda m, x: m.histogramdd(x, bins=[2, 2], density=True, weight=m.zeros(4)),
    lambda m, x: m.histogramdd(m.zeros(0, 2), bins=2),
])
def test_histogramdd_errors_and_edges(call):
    def run(m):
        r = call(m, m.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0]]))
        return (r.hist,) + tuple(r.bin_edges)
    same(run)


def test_histogramdd_backward_raises_as_torch():
    same(lambda m: m.histogramdd(m.ones(3, 2, requires_grad=True), bins=2).hist.sum()
         .backward())


# ---------------------------------------------------------------------------- gradient
@pytest.mark.parametrize("call", [
    lambda m, x: m.gradient(x, spacing=[2.0]), lambda m, x: m.gradient(x, spacing=[2, 3], dim=[1]),
    lambda m, x: m.gradient(x, edge_order=3), lambda m, x: m.gradient(x[:2], edge_order=2),
    lambda m, x: m.gradient(x.to(m.uint8)), lambda m, x: m.gradient(x, dim=2),
    lambda m, x: m.gradient(x, dim=[0, 0]), lambda m, x: m.gradient(x, spacing=m.tensor([0.0, 1, 3])),
    lambda m, x: m.gradient(x, spacing=[m.tensor([[0.0, 1, 3]])], dim=0),
    lambda m, x: m.gradient(m.tensor(3.0)), lambda m, x: m.gradient(x.long(), spacing=2.5),
    lambda m, x: m.gradient(x, spacing=m.tensor(2.0)),
])
def test_gradient_errors_and_edges(call):
    same(lambda m: call(m, m.tensor([[1.0, 2, 4, 8], [10, 20, 40, 80], [1, 1, 1, 1]])))


# ---------------------------------------------------------------------------- vander
def test_vander_errors_and_torchs_backward_failure():
    same(lambda m: m.vander(m.tensor([1.0, 2.0]), N=-1))
    same(lambda m: m.vander(m.tensor([[1.0]])))
    same(lambda m: m.vander(m.tensor([True, False])))
    same(lambda m: m.linalg.vander(m.tensor([1.0, 2.0]), N=1))
    same(lambda m: m.linalg.vander(m.tensor([True])))
    same(lambda m: m.linalg.vander(m.tensor([1.0]).half()))
    same(lambda m: m.linalg.vander(m.tensor(2.0)))
    # torch's vander overwrites its cumprod's input in place: backward fails in both
    same(lambda m: m.vander(m.tensor([1.0, 2.0, 3.0], requires_grad=True)).sum().backward(),
         message="one of the variables needed for gradient computation has been modified")


# ---------------------------------------------------------------------------- geqrf, ormqr
def test_geqrf_and_ormqr_errors():
    same(lambda m: m.geqrf(m.randn(3)))
    same(lambda m: m.geqrf(m.ones(3, 3).long()))
    same(lambda m: m.geqrf(m.ones(3, 2, requires_grad=True)).a.sum().backward())
    a, tau = torch.geqrf(torch.randn(4, 3))
    args = [(a, tau, torch.randn(3, 2)), (a, tau, torch.randn(4, 2), False),
            (a, tau[:2], torch.randn(4, 2)), (a, torch.randn(4), torch.randn(4, 2)),
            (a, tau, torch.randn(4, 2).double()), (a[0], tau, torch.randn(4, 2)),
            (a, tau, torch.randn(4)), (a.long(), tau.long(), torch.randn(4, 2).long()),
            (a, tau.unsqueeze(0), torch.randn(4, 2))]
    for arg in args:
        same(lambda m: m.ormqr(*[m.tensor(v.numpy()) if isinstance(v, torch.Tensor) else v
                                 for v in arg]))


def test_ormqr_matches_householder_product():
    a, tau = cr.geqrf(cr.randn(5, 3, dtype=cr.float64))
    q = cr.linalg.householder_product(a, tau)
    np.testing.assert_allclose(cr.ormqr(a, tau, cr.eye(5, dtype=cr.float64))[:, :3].numpy(),
                               q.numpy(), atol=1e-12)


# ---------------------------------------------------------------------------- lowrank
def test_svd_lowrank_and_pca_lowrank_recover_a_low_rank_matrix():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((9, 3)) @ rng.standard_normal((3, 7))
    for a in (A, A.T):
        U, S, V = cr.svd_lowrank(cr.tensor(a), q=4)
        np.testing.assert_allclose(((U * S) @ V.mT).numpy(), a, atol=1e-10)
        np.testing.assert_allclose(S.numpy()[:3], np.linalg.svd(a, compute_uv=False)[:3])
    _, S, V = cr.pca_lowrank(cr.tensor(A), q=3)
    _, tS, _ = torch.pca_lowrank(torch.tensor(A), q=3)
    np.testing.assert_allclose(S.numpy(), tS.numpy(), rtol=1e-8)
    x = cr.tensor(A, requires_grad=True)
    cr.svd_lowrank(x, q=4)[1].sum().backward()
    assert x.grad.shape == (9, 7)


def test_lowrank_errors_and_lobpcg():
    same(lambda m: m.pca_lowrank(m.ones(3, 4), q=5))
    same(lambda m: m.pca_lowrank(m.ones(3, 4), niter=-1))
    with pytest.raises(NotImplementedError, match="torch.lobpcg"):
        cr.lobpcg(cr.eye(3))


# ---------------------------------------------------------------------------- windows
WINDOWS = {"hann_window": [()], "hamming_window": [(), (0.5,), (0.5, 0.3)],
           "blackman_window": [()], "bartlett_window": [()],
           "kaiser_window": [(), (3.0,)]}


@pytest.mark.parametrize("name", sorted(WINDOWS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_window_values_against_torch(name, dtype):
    for n in (0, 1, 2, 5, 8, 11):
        for periodic in (True, False):
            for extra in WINDOWS[name]:
                t = getattr(torch, name)(n, periodic, *extra, dtype=getattr(torch, dtype))
                c = getattr(cr, name)(n, periodic, *extra, dtype=getattr(cr, dtype))
                assert str(c.dtype) == str(t.dtype) and tuple(c.shape) == tuple(t.shape)
                np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(WINDOWS))
def test_window_options_and_errors(name):
    same(lambda m: getattr(m, name)(6))
    same(lambda m: getattr(m, name)(5, periodic=False, requires_grad=True))
    same(lambda m: getattr(m, name)(5, dtype=m.float16))
    same(lambda m: getattr(m, name)(5, dtype=m.int64))
    same(lambda m: getattr(m, name)(5, dtype=m.uint8))
    same(lambda m: getattr(m, name)(-1))
    same(lambda m: getattr(m, name)(5.0))
    same(lambda m: getattr(m, name)(True))
    same(lambda m: getattr(m, name)(0, dtype=m.complex64))
    same(lambda m: getattr(m, name)(1, dtype=m.complex64))
    same(lambda m: getattr(m, name)(2, dtype=m.complex64))
    same(lambda m: getattr(m, name)(3, periodic=1), message=False)
    same(lambda m: getattr(m, name)(3, True, 1, 2, 3), message=False)


def test_window_shape_parameters_need_periodic():
    same(lambda m: m.kaiser_window(5, beta=3.0), message=False)
    same(lambda m: m.hamming_window(5, beta=0.3), message=False)
    same(lambda m: m.kaiser_window(5, periodic=False, beta=2.0))
    same(lambda m: m.hamming_window(5, False, alpha=0.6))


def test_float16_windows_are_close_to_torchs():
    for name in WINDOWS:
        t = getattr(torch, name)(8, dtype=torch.float16).float().numpy()
        c = getattr(cr, name)(8, dtype=cr.float16).float().numpy()
        np.testing.assert_allclose(c, t, atol=2e-3)


# ---------------------------------------------------------------------------- stft, istft
def _signal(m, n=20, **kw):
    return m.tensor(np.sin(np.arange(n) * 0.7), dtype=m.float32, **kw)


@pytest.mark.parametrize("call", [
    lambda m, x: m.stft(x, 8),
    lambda m, x: m.stft(x, 64, return_complex=True),
    lambda m, x: m.stft(x, 8, hop_length=0, return_complex=True),
    lambda m, x: m.stft(x, 8, win_length=9, return_complex=True),
    lambda m, x: m.stft(x, 8, window=m.ones(5), return_complex=True),
    lambda m, x: m.stft(x.long(), 8, return_complex=True),
    lambda m, x: m.stft(m.ones(2, 2, 20), 8, return_complex=True),
    lambda m, x: m.stft(x, 8, return_complex=True, onesided=True,
                        window=m.ones(8, dtype=m.complex64)),
    lambda m, x: m.stft(x, 8, pad_mode="foo", return_complex=True),
    lambda m, x: m.stft(x, 8, align_to_window=False, return_complex=True),
    lambda m, x: m.stft(x.half(), 8, return_complex=True),
    lambda m, x: m.stft(x.double(), 8, window=m.ones(8), return_complex=True),
    lambda m, x: m.stft(x, 8, window=m.ones(8, dtype=m.complex64)),
    lambda m, x: m.stft(x, 8, win_length=6, center=False, align_to_window=True,
                        return_complex=True),
])
def test_stft_errors_and_dtypes(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(lambda m: call(m, _signal(m)))


def test_stft_warnings_are_given_once_as_torch_warns():
    from chainrule.ops import spectral_stft
    spectral_stft._WARNED.clear()
    for match, call in [("A window was not provided", lambda: cr.stft(_signal(cr), 8,
                                                                     return_complex=True)),
                        ("return_complex=False is deprecated",
                         lambda: cr.stft(_signal(cr), 8, window=cr.ones(8),
                                         return_complex=False)),
                        ("A window was not provided. A rectangular window will be applied.",
                         lambda: cr.istft(cr.ones(5, 3, dtype=cr.complex64), 8))]:
        with pytest.warns(UserWarning, match=match):
            call()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            call()  # once per process, as TORCH_WARN_ONCE


@pytest.mark.parametrize("call", [
    lambda m, s: m.istft(s.abs(), 8),
    lambda m, s: m.istft(s[:0], 8),
    lambda m, s: m.istft(s[0], 8),
    lambda m, s: m.istft(s, 6),
    lambda m, s: m.istft(s, 8, onesided=False),
    lambda m, s: m.istft(s, 8, hop_length=9),
    lambda m, s: m.istft(s, 8, win_length=9),
    lambda m, s: m.istft(s, 8, window=m.ones(5)),
    lambda m, s: m.istft(s, 8, window=m.zeros(8)),
    lambda m, s: m.istft(s, 8, return_complex=True),
    lambda m, s: m.istft(s, 8, window=m.hann_window(8), length=40),
])
def test_istft_errors_and_edges(call):
    def run(m):
        s = m.stft(_signal(m), 8, window=m.hann_window(8), return_complex=True)
        return call(m, s)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(run, message=True)


def test_istft_inverts_stft():
    x = _signal(cr, 40)
    w = cr.hann_window(8)
    for hop in (2, 4):
        y = cr.istft(cr.stft(x, 8, hop, window=w, return_complex=True), 8, hop, window=w,
                     length=40)
        np.testing.assert_allclose(y.numpy(), x.numpy(), atol=1e-6)


# ---------------------------------------------------------------------------- properties
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

SETTINGS = settings(max_examples=25, deadline=None)


def _values_and_grads(f, a, seed):
    results = []
    for m in (torch, cr):
        x = m.tensor(a, dtype=m.float64, requires_grad=True)
        outs = f(m, x)
        outs = outs if isinstance(outs, tuple) else (outs,)
        gs = [np.random.default_rng(seed).standard_normal(tuple(o.shape)) for o in outs]
        m.autograd.backward(list(outs), [m.tensor(g, dtype=m.float64) for g in gs])
        results.append(([o.detach().numpy() for o in outs], x.grad.numpy()))
    (t_out, t_grad), (c_out, c_grad) = results
    for c, t in zip(c_out, t_out):
        np.testing.assert_allclose(c, t, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c_grad, t_grad, rtol=1e-10, atol=1e-12)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4), data=st.data(),
       interpolation=st.sampled_from(["linear", "lower", "higher", "midpoint", "nearest"]),
       keepdim=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_quantile_over_random_shapes_dims_and_qs(shape, data, interpolation, keepdim, seed):
    nd = len(shape)
    dim = data.draw(st.sampled_from([None] + list(range(-nd, nd)) if nd else [None, 0, -1]))
    q = data.draw(st.one_of(st.floats(0, 1), st.lists(st.floats(0, 1), min_size=1,
                                                      max_size=3)))
    a = np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 7.0

    def f(m, x):
        qq = q if isinstance(q, float) else m.tensor(q, dtype=m.float64)
        return m.quantile(x, qq, dim=dim, keepdim=keepdim, interpolation=interpolation)
    _values_and_grads(f, a, seed)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=3, max_side=5), data=st.data(),
       edge_order=st.sampled_from([1, 2]), seed=st.integers(0, 2 ** 16))
def test_gradient_over_random_shapes_and_dims(shape, data, edge_order, seed):
    nd = len(shape)
    dims = data.draw(st.lists(st.integers(0, nd - 1), unique=True, min_size=1, max_size=nd))
    spacing = data.draw(st.sampled_from([None, 0.5, "list"]))
    a = np.random.default_rng(seed).standard_normal(shape)

    def f(m, x):
        kw = {"dim": dims, "edge_order": edge_order}
        if spacing == "list":
            kw["spacing"] = [1.0 + d for d in dims]
        elif spacing is not None:
            kw["spacing"] = spacing
        return m.gradient(x, **kw)
    _values_and_grads(f, a, seed)


@SETTINGS
@given(variables=st.integers(1, 4), observations=st.integers(2, 6), correction=st.integers(0, 1),
       weighted=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_cov_over_random_shapes_and_weights(variables, observations, correction, weighted, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((variables, observations))
    fw = rng.integers(1, 4, observations)
    aw = rng.uniform(0.1, 1.0, observations)

    def f(m, x):
        kw = {"fweights": m.tensor(fw), "aweights": m.tensor(aw)} if weighted else {}
        return m.cov(x, correction=correction, **kw)
    _values_and_grads(f, a, seed)
