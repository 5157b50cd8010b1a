"""The rest of the catalogue: torch.* forms of in-place methods, torch.fill, as_strided_ and
as_strided_scatter, isin, nonzero_static, quantile/nanquantile, cov/corrcoef, histogramdd,
gradient, vander (and linalg.vander), geqrf/ormqr, stft/istft, sum_to_size,
fill_diagonal_ and the deprecated out-of-place resize."""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S


def _qr_raw(A, m, n):
    """geqrf's (a, tau) of a random m x n matrix, as sample arrays."""
    h, tau = np.linalg.qr(A(m, n), mode="raw")
    return np.ascontiguousarray(h.T), tau


def _vr(m, s):
    return m.view_as_real(s)


def _hist(m, r):
    return (r.hist,) + tuple(r.bin_edges)


def _points(A):
    x = A(6, 2)
    x[0] = [-2.0, -2.0]  # the data's range is known
    x[1] = [2.0, 2.0]
    return x


def _base(m, shape, like):
    """A tensor of ``shape`` that needs no gradient, in ``like``'s dtype."""
    n = int(np.prod(shape))
    return (m.arange(n, dtype=like.dtype) / n).reshape(shape)


def _window(m):
    return m.hann_window(8, dtype=m.float64).to(m.get_default_dtype()) + 0.1


ENTRIES = [
    # ------------------------------------------------------------ torch.* in-place forms
    OpInfo("torch.detach", lambda m, x: m.detach(x * 2), lambda A: [S(A(3)), S(A())],
           grad=False),
    OpInfo("torch.detach_", lambda m, x: m.detach_(x * 2), lambda A: [S(A(3))], grad=False),
    OpInfo("torch.clamp_", lambda m, x, *a, **k: m.clamp_(x * 1, *a, **k),
           lambda A: [S(A(3, 4), -0.5, 0.5), S(A(), min=0.1), S(A(5), max=0.2)]),
    OpInfo("torch.clamp_min_", lambda m, x, v: m.clamp_min_(x * 1, v),
           lambda A: [S(A(3, 4), 0.1), S(A(), -0.3)]),
    OpInfo("torch.clamp_max_", lambda m, x, v: m.clamp_max_(x * 1, v),
           lambda A: [S(A(3, 4), 0.1), S(A(), -0.3)]),
    OpInfo("torch.clip_", lambda m, x, lo, hi: m.clip_(x * 1, lo, hi),
           lambda A: [S(A(2, 3), -0.4, 0.4), S(A(4), None, 0.0)]),
    OpInfo("torch.addmv_", lambda m, b, mat, vec, **k: m.addmv_(b * 1, mat, vec, **k),
           lambda A: [S(A(3), A(3, 4), A(4)), S(A(2), A(2, 3), A(3), beta=0.5, alpha=2.0)]),
    OpInfo("torch.as_strided_", lambda m, x, *a: m.as_strided_(x * 1, *a),
           lambda A: [S(A(3, 3), (2, 2), (1, 2), 1), S(A(6), (2, 2), (1, 1))]),
    OpInfo("torch.fill_", lambda m, x, v: m.fill_(x * 1, v),
           lambda A: [S(A(3, 4), 2.5), S(A(2, 3), A()), S(A(), A())]),
    OpInfo("torch.zero_", lambda m, x: m.zero_(x * 1), lambda A: [S(A(3, 4)), S(A())]),
    OpInfo("torch.index_put_", lambda m, x, i, v, **k: m.index_put_(x * 1, (i,), v, **k),
           lambda A: [S(A(4, 3), np.array([0, 2]), A(2, 3)),
                      S(A(5), np.array([1, 1, 3]), A(3), accumulate=True)]),
    OpInfo("torch.resize_as_", lambda m, x, y: m.resize_as_(x.detach().clone(), y),
           lambda A: [S(A(3, 4), A(2, 6)), S(A(4), A(2, 2))], grad=False),
    OpInfo("fill", lambda m, x, v: m.fill(x, v),
           lambda A: [S(A(3, 4), 2.5), S(A(2, 3), A()), S(A(), 1.5)]),
    OpInfo("fill_empty", lambda m, x: m.fill(x, -1.0), lambda A: [S(A(0, 2))], gradcheck=False),
    # ------------------------------------------------------------ strided
    # torch's gradient for as_strided_scatter's input is wrong (docs/differences.md); its
    # src gradient is checked here, the input's in tests/test_catrest.py
    OpInfo("as_strided_scatter",
           lambda m, shape, s, *a: m.as_strided_scatter(_base(m, shape, s), s, *a),
           lambda A: [S((3, 4), A(2, 2), (2, 2), (1, 2), 1), S((6,), A(3), (3,), (2,)),
                      S((2, 3), A(), (), (), 4)]),
    OpInfo("Tensor.as_strided_scatter",
           lambda m, s: _base(m, (2, 3), s).as_strided_scatter(s, (2,), (3,), 1),
           lambda A: [S(A(2))]),
    # ------------------------------------------------------------ selection
    OpInfo("isin", lambda m, a, b, **k: m.isin(a, b, **k),
           lambda A: [S(np.array([[1, 2], [3, 4]]), np.array([2, 3, 9])),
                      S(np.array([1, 2, 3]), np.array([3]), invert=True),
                      S(np.array([1, 2, 3]), np.array([1, 2]), assume_unique=True),
                      S(np.array([1, 5]), 5), S(3, np.array([1, 3])),
                      S(np.round(A(4), 1), np.round(A(3), 1))], grad=False),
    OpInfo("nonzero_static", lambda m, x, **k: m.nonzero_static(x, **k),
           lambda A: [S(np.array([0, 1, 0, 2]), size=3), S(np.array([[0, 1], [1, 1]]), size=1),
                      S(np.array([[0, 1], [1, 1]]), size=4, fill_value=9),
                      S(np.array(3), size=2), S(np.array([0, 0]), size=0)], grad=False),
    OpInfo("Tensor.nonzero_static", lambda m, x: x.nonzero_static(size=2),
           lambda A: [S(np.array([1, 0, 3]))], grad=False),
    # ------------------------------------------------------------ quantiles
    OpInfo("quantile", lambda m, x, q, **k: m.quantile(x, q, **k),
           lambda A: [S(A(3, 4), 0.3, dim=1), S(A(3, 4), A(3, lo=0.0, hi=1.0), dim=0),
                      S(A(5), 0.5), S(A(2, 3), A(2, lo=0.0, hi=1.0)),
                      S(A(3, 4), 0.7, dim=-1, keepdim=True), S(A(), 0.5, dim=0),
                      S(A(), 0.5, dim=-1, keepdim=True),
                      S(A(3, 4), 0.4, dim=0, interpolation="lower"),
                      S(A(3, 4), 0.4, dim=1, interpolation="higher"),
                      S(A(3, 4), 0.4, dim=1, interpolation="midpoint"),
                      S(A(2, 5), A(2, lo=0.0, hi=1.0), dim=1, interpolation="nearest")]),
    OpInfo("nanquantile", lambda m, x, q, **k: m.nanquantile(x, q, **k),
           lambda A: [S(A(3, 4), 0.3, dim=1), S(A(3, 4), A(2, lo=0.0, hi=1.0), keepdim=True),
                      S(A(4), 0.25, interpolation="lower")]),
    OpInfo("nanquantile_nans",
           lambda m, x: m.nanquantile(m.where(x > 1.0, float("nan"), x), 0.4, dim=1),
           lambda A: [S(A(3, 5))], gradcheck=False),  # NaN outputs where a row is all NaN
    OpInfo("Tensor.quantile", lambda m, x: x.quantile(0.25, 0), lambda A: [S(A(3, 2))]),
    # ------------------------------------------------------------ second moments
    OpInfo("cov", lambda m, x, **k: m.cov(x, **k),
           lambda A: [S(A(3, 4)), S(A(5)), S(A(2, 4), correction=0),
                      S(A(2, 4), fweights=np.array([1, 2, 1, 3])),
                      S(A(2, 4), aweights=A(4, lo=0.2, hi=1.0)),
                      S(A(3, 4), fweights=np.array([2, 1, 1, 1]),
                        aweights=A(4, lo=0.2, hi=1.0), correction=2)]),
    OpInfo("corrcoef", lambda m, x: m.corrcoef(x), lambda A: [S(A(3, 5)), S(A(4)), S(A(2, 6))],
           gradgrad=False),  # clip at +-1 on the diagonal: second derivatives are kinks
    OpInfo("Tensor.cov", lambda m, x: x.cov(correction=0), lambda A: [S(A(2, 3))]),
    # ------------------------------------------------------------ histogramdd
    OpInfo("histogramdd", lambda m, x, **k: _hist(m, m.histogramdd(x, **k)),
           lambda A: [S(_points(A), bins=[2, 3]), S(_points(A), bins=2, density=True),
                      S(_points(A), bins=[2, 2], range=[-1.0, 1.0, -1.0, 1.0]),
                      S(_points(A), bins=[2, 2], weight=A(6, lo=0.1, hi=1.0))], grad=False),
    OpInfo("histogramdd_edges",
           lambda m, x, e0, e1: _hist(m, m.histogramdd(x, [e0.detach(), e1.detach()])),
           lambda A: [S(_points(A), np.array([-2.0, 0.0, 2.0]), np.array([-2.0, 1.0, 2.0]))],
           grad=False),
    # ------------------------------------------------------------ finite differences
    OpInfo("gradient", lambda m, x, **k: m.gradient(x, **k),
           lambda A: [S(A(3, 4)), S(A(5), spacing=2.0), S(A(3, 4), dim=1, edge_order=2),
                      S(A(3, 4), spacing=[0.5, 2.0], edge_order=2),
                      S(A(4, 3), dim=[-1], spacing=[3]),
                      S(A(3, 4), spacing=[np.array([0.0, 1.0, 2.5]),
                                          np.array([0.0, 0.5, 1.5, 3.0])]),
                      S(A(3, 4), spacing=[np.array([0.0, 1.0, 2.5, 3.0])], dim=1,
                        edge_order=2)]),
    # ------------------------------------------------------------ Vandermonde
    # torch's vander cannot be differentiated: its cumprod's input is overwritten in place
    # (torch raises at backward; so does chainrule, tests/test_catrest.py)
    OpInfo("vander", lambda m, x, *a, **k: m.vander(x, *a, **k),
           lambda A: [S(A(4)), S(A(3), 2), S(A(3), N=5, increasing=True), S(A(2), 0),
                      S(A(3), 1), S(A(0))], grad=False),
    OpInfo("linalg.vander", lambda m, x, **k: m.linalg.vander(x, **k),
           lambda A: [S(A(4)), S(A(2, 3), N=4), S(A(3), N=2)]),
    OpInfo("vander_int", lambda m, x: m.vander(x), lambda A: [S(np.array([1, 2, 3]))],
           grad=False),
    # ------------------------------------------------------------ Householder QR
    OpInfo("geqrf", lambda m, x: tuple(m.geqrf(x)),
           lambda A: [S(A(4, 3)), S(A(2, 3)), S(A(2, 3, 3))], grad=False),
    OpInfo("Tensor.geqrf", lambda m, x: tuple(x.geqrf()), lambda A: [S(A(3, 3))], grad=False),
    OpInfo("ormqr", lambda m, a, tau, c, **k: m.ormqr(a, tau, c, **k),
           lambda A: [S(*_qr_raw(A, 4, 3), A(4, 2)), S(*_qr_raw(A, 4, 3), A(4, 2), transpose=True),
                      S(*_qr_raw(A, 3, 3), A(2, 3), left=False),
                      S(*_qr_raw(A, 3, 2), A(2, 3), left=False, transpose=True)]),
    OpInfo("Tensor.ormqr", lambda m, a, tau, c: a.ormqr(tau, c),
           lambda A: [S(*_qr_raw(A, 3, 3), A(3, 1))]),
    # ------------------------------------------------------------ STFT
    OpInfo("stft", lambda m, x, *a, **k: _vr(m, m.stft(x, *a, center=False,
                                                      return_complex=True, **k)),
           lambda A: [S(A(20), 8), S(A(2, 16), 6, 2), S(A(20), 8, normalized=True),
                      S(A(20), 8, onesided=False), S(A(18), 8, win_length=5),
                      S(A(20), 8, window=A(8)), S(A(20), 8, window=A(6), win_length=6)]),
    OpInfo("stft_center", lambda m, x, **k: _vr(m, m.stft(x, 8, return_complex=True, **k)),
           lambda A: [S(A(20)), S(A(2, 12), pad_mode="constant")]),
    OpInfo("stft_real", lambda m, x: m.stft(x, 8, center=False, return_complex=False),
           lambda A: [S(A(16))]),
    OpInfo("Tensor.stft", lambda m, x: _vr(m, x.stft(4, 1, center=False, return_complex=True)),
           lambda A: [S(A(8))]),
    OpInfo("istft", lambda m, s, **k: m.istft(m.view_as_complex(s), 8, window=_window(m), **k),
           lambda A: [S(A(5, 6, 2)), S(A(2, 5, 6, 2), normalized=True), S(A(5, 6, 2), length=7),
                      S(A(5, 6, 2), center=False), S(A(8, 6, 2), onesided=False),
                      S(A(5, 3, 2), length=16)]),
    OpInfo("istft_complex",
           lambda m, s: _vr(m, m.istft(m.view_as_complex(s), 8, window=_window(m),
                                       onesided=False, return_complex=True)),
           lambda A: [S(A(8, 6, 2))]),
    OpInfo("istft_rectangular", lambda m, s: m.istft(m.view_as_complex(s), 4, hop_length=1),
           lambda A: [S(A(3, 5, 2))]),
    OpInfo("Tensor.istft", lambda m, s, w: m.view_as_complex(s).istft(4, 2, window=w + 1.0),
           lambda A: [S(A(3, 4, 2), A(4))]),
    # ------------------------------------------------------------ Tensor methods
    OpInfo("Tensor.sum_to_size", lambda m, x, *a: x.sum_to_size(*a),
           lambda A: [S(A(2, 3, 4), 3, 4), S(A(2, 3, 4), (1, 3, 1)), S(A(2, 3), [3]),
                      S(A(2, 3), 2, 3), S(A(3), ())]),
    OpInfo("Tensor.fill_diagonal_", lambda m, x, *a, **k: (x * 1).fill_diagonal_(*a, **k),
           lambda A: [S(A(3, 4), 2.0), S(A(5, 2), 1.5, wrap=True), S(A(2, 2, 2), -1.0)]),
    OpInfo("Tensor.resize", lambda m, x, *a: x.resize(*a),
           lambda A: [S(A(2, 3), 3, 2), S(A(4), 2, 2)]),
    OpInfo("Tensor.resize_as", lambda m, x, y: x.resize_as(y),
           lambda A: [S(A(2, 3), A(6))]),
]

