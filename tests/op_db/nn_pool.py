"""The op table of the pooling families (chainrule/ops/nn/pooling.py, pooling_adaptive.py):
max, average, power-average, adaptive and unpooling, batched and unbatched, every option."""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S


def _F(m):
    return m.nn.functional


def _max2d_samples(A):
    return [
        S(A(2, 3, 6, 6), 2),
        S(A(3, 5, 7), 3, 2, 1),                                          # unbatched, padding
        S(A(1, 2, 7, 6), (3, 2), (2, 1), (1, 0), (2, 1), True),          # dilation, ceil
        S(A(1, 2, 5, 5), 2, ceil_mode=True, return_indices=True),
        S(A(2, 2, 6, 5), 3, stride=1, return_indices=True),              # overlapping
        S(A(1, 1, 7, 7), 3, stride=2, padding=1, ceil_mode=True),
    ]


def _max1d_samples(A):
    return [S(A(2, 3, 7), 2), S(A(3, 8), 3, 2, 1, 2, True),
            S(A(1, 2, 9), 3, stride=1, return_indices=True)]


def _max3d_samples(A):
    return [S(A(1, 2, 4, 4, 4), 2), S(A(2, 5, 4, 3), (2, 2, 1), 1, (1, 1, 0)),
            S(A(1, 1, 5, 4, 5), 3, 2, 1, 1, True, True)]


def _avg2d_samples(A):
    return [
        S(A(2, 3, 6, 6), 2),
        S(A(3, 5, 7), 3, 2, 1),
        S(A(1, 2, 7, 6), 3, 2, 1, True, False),                          # ceil, no pad count
        S(A(1, 2, 5, 5), (2, 3), (1, 2), (1, 0), divisor_override=4),
        S(A(1, 1, 6, 6), 3, 2, 1, True, True),
    ]


def _avg1d_samples(A):
    return [S(A(2, 3, 7), 2), S(A(3, 8), 3, 2, 1, True, False), S(A(1, 2, 6), 2, 1)]


def _avg3d_samples(A):
    return [S(A(1, 2, 4, 4, 4), 2), S(A(2, 4, 5, 3), (2, 2, 1), 1, (1, 1, 0), True),
            S(A(1, 1, 4, 5, 4), 3, 2, 1, False, False, 5)]


def _adaptive2d(A):
    return [S(A(2, 3, 6, 6), 3), S(A(3, 7, 5), (2, 4)), S(A(1, 2, 5, 7), (None, 3)),
            S(A(1, 2, 3, 4), (5, 6)), S(A(2, 2, 4, 4), 1)]


def _adaptive1d(A):
    return [S(A(2, 3, 7), 3), S(A(3, 5), 5), S(A(1, 2, 4), 6), S(A(2, 3, 5), 1)]


def _adaptive3d(A):
    return [S(A(1, 2, 4, 5, 6), (2, 3, 4)), S(A(2, 3, 3, 4), 2), S(A(1, 1, 3, 3, 3), 1)]


def _pool_indices(A, lead, out, kernel):
    """Indices a max pool with stride == kernel could return: one random position of each
    window, flat within the plane."""
    rng = A.rng
    nd = len(out)
    spatial = [o * k for o, k in zip(out, kernel)]
    pos = []
    for i in range(nd):
        start = np.arange(out[i]) * kernel[i]
        pick = start.reshape((1,) * len(lead) + (1,) * i + (-1,) + (1,) * (nd - 1 - i))
        pos.append(pick + rng.integers(0, kernel[i], size=tuple(lead) + tuple(out)))
    flat = np.zeros(tuple(lead) + tuple(out), dtype=np.int64)
    for i in range(nd):
        flat = flat * spatial[i] + pos[i]
    return flat


def _unpool2d(A):
    return [S(A(2, 2, 3, 3), _pool_indices(A, (2, 2), (3, 3), (2, 2)), 2),
            S(A(2, 2, 3), _pool_indices(A, (2,), (2, 3), (3, 2)), (3, 2)),
            S(A(1, 1, 2, 2), _pool_indices(A, (1, 1), (2, 2), (2, 2)), 2, output_size=(5, 5))]


def _unpool1d(A):
    return [S(A(2, 3, 4), _pool_indices(A, (2, 3), (4,), (2,)), 2),
            S(A(3, 3), _pool_indices(A, (3,), (3,), (3,)), 3, output_size=[10])]


def _unpool3d(A):
    return [S(A(1, 2, 2, 2, 2), _pool_indices(A, (1, 2), (2, 2, 2), (2, 2, 2)), 2),
            S(A(2, 1, 2, 3), _pool_indices(A, (2,), (1, 2, 3), (2, 1, 2)), (2, 1, 2))]


def _lp2d(A):
    return [S(A(2, 3, 6, 6, lo=0.2, hi=2.0), 2, 2), S(A(3, 5, 7, lo=0.2, hi=2.0), 3.0, 3, 2),
            S(A(1, 2, 5, 5, lo=0.2, hi=2.0), 1.5, (2, 3), None, True),
            S(A(1, 2, 4, 4), float("inf"), 2)]


def _lp1d(A):
    return [S(A(2, 3, 7, lo=0.2, hi=2.0), 2, 3), S(A(3, 8, lo=0.2, hi=2.0), 3, 2, 1),
            S(A(1, 2, 6), float("-inf"), 2)]


def _lp3d(A):
    return [S(A(1, 2, 4, 4, 4, lo=0.2, hi=2.0), 2, 2), S(A(2, 4, 4, 4, lo=0.2, hi=2.0), 3, 2, 1)]


ENTRIES = [
    OpInfo("nn.functional.max_pool2d", lambda m, *a, **k: _F(m).max_pool2d(*a, **k),
           _max2d_samples),
    OpInfo("max_pool2d", lambda m, x, k: m.max_pool2d(x, k), lambda A: [S(A(1, 2, 4, 4), 2)]),
    OpInfo("nn.functional.max_pool1d", lambda m, *a, **k: _F(m).max_pool1d(*a, **k),
           _max1d_samples),
    OpInfo("max_pool1d", lambda m, x, k: m.max_pool1d(x, k), lambda A: [S(A(1, 2, 4), 2)]),
    OpInfo("max_pool1d_with_indices", lambda m, x, k: m.max_pool1d_with_indices(x, k),
           lambda A: [S(A(2, 3, 6), 3)]),
    OpInfo("nn.functional.max_pool3d", lambda m, *a, **k: _F(m).max_pool3d(*a, **k),
           _max3d_samples),
    OpInfo("max_pool3d", lambda m, x, k: m.max_pool3d(x, k),
           lambda A: [S(A(1, 1, 2, 4, 4), 2)]),
    OpInfo("nn.functional.max_pool2d_with_indices",
           lambda m, x, k: _F(m).max_pool2d_with_indices(x, k), lambda A: [S(A(1, 2, 4, 4), 2)]),
    OpInfo("nn.functional.avg_pool2d", lambda m, *a, **k: _F(m).avg_pool2d(*a, **k),
           _avg2d_samples),
    OpInfo("nn.functional.avg_pool1d", lambda m, *a, **k: _F(m).avg_pool1d(*a, **k),
           _avg1d_samples),
    OpInfo("avg_pool1d", lambda m, x, k: m.avg_pool1d(x, k), lambda A: [S(A(1, 2, 5), 2)]),
    OpInfo("nn.functional.avg_pool3d", lambda m, *a, **k: _F(m).avg_pool3d(*a, **k),
           _avg3d_samples),
    OpInfo("nn.functional.adaptive_avg_pool2d",
           lambda m, x, s: _F(m).adaptive_avg_pool2d(x, s), _adaptive2d),
    OpInfo("nn.functional.adaptive_avg_pool1d",
           lambda m, x, s: _F(m).adaptive_avg_pool1d(x, s), _adaptive1d),
    OpInfo("adaptive_avg_pool1d", lambda m, x, s: m.adaptive_avg_pool1d(x, s),
           lambda A: [S(A(1, 2, 5), 2)]),
    OpInfo("nn.functional.adaptive_avg_pool3d",
           lambda m, x, s: _F(m).adaptive_avg_pool3d(x, s), _adaptive3d),
    OpInfo("nn.functional.adaptive_max_pool2d",
           lambda m, x, s: _F(m).adaptive_max_pool2d(x, s, True), _adaptive2d),
    OpInfo("nn.functional.adaptive_max_pool1d",
           lambda m, x, s: _F(m).adaptive_max_pool1d(x, s), _adaptive1d),
    OpInfo("adaptive_max_pool1d", lambda m, x, s: m.adaptive_max_pool1d(x, s),
           lambda A: [S(A(1, 2, 5), 2)]),
    OpInfo("nn.functional.adaptive_max_pool3d",
           lambda m, x, s: _F(m).adaptive_max_pool3d(x, s, return_indices=True), _adaptive3d),
    OpInfo("nn.functional.lp_pool2d", lambda m, *a: _F(m).lp_pool2d(*a), _lp2d),
    OpInfo("nn.functional.lp_pool1d", lambda m, *a: _F(m).lp_pool1d(*a), _lp1d),
    OpInfo("nn.functional.lp_pool3d", lambda m, *a: _F(m).lp_pool3d(*a), _lp3d),
    OpInfo("nn.functional.max_unpool2d", lambda m, *a, **k: _F(m).max_unpool2d(*a, **k),
           _unpool2d),
    OpInfo("nn.functional.max_unpool1d", lambda m, *a, **k: _F(m).max_unpool1d(*a, **k),
           _unpool1d),
    OpInfo("nn.functional.max_unpool3d", lambda m, *a, **k: _F(m).max_unpool3d(*a, **k),
           _unpool3d),
]


_SAMPLES = np.random.default_rng(7).random((2, 3, 3))


def _fractional(nd):
    def fn(m, x, kernel, out=None, ratio=None):
        lead = x.shape[0] if x.ndim == nd + 2 else 1
        samples = m.tensor(_SAMPLES[:lead, :x.shape[-nd - 1], :nd].copy(), dtype=x.dtype)
        f = getattr(m.nn.functional, f"fractional_max_pool{nd}d")
        return f(x, kernel, out, ratio, True, samples)
    return fn


ENTRIES += [
    OpInfo("nn.functional.fractional_max_pool2d", _fractional(2),
           lambda A: [S(A(2, 3, 7, 8), (2, 3), (3, 4)), S(A(3, 9, 9), 2, 5),
                      S(A(1, 2, 6, 6), 3, 1), S(A(1, 2, 8, 6), 2, None, (0.5, 0.7))]),
    OpInfo("nn.functional.fractional_max_pool3d", _fractional(3),
           lambda A: [S(A(1, 2, 5, 6, 7), (2, 2, 3), (3, 2, 4)), S(A(2, 4, 4, 4), 2, 2)]),
]
