"""Distances and the bilinear form: pdist, cdist (direct and torch's matrix-product path),
_euclidean_dist, pairwise_distance, cosine_similarity, bilinear, _trilinear.

pdist's and cdist's backward have no derivative in torch (gradgrad=False); the
matrix-product path differentiates twice. pairwise_distance and cosine_similarity are
composed of linalg's norms (their entries run when that family is present).
"""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S
from .nn_norm import _when


def _F(m):
    return m.nn.functional


def _apart(A, *shape):
    """Rows far enough apart that no distance is near the kink at zero."""
    x = A(*shape)
    return x + np.arange(shape[-2]).reshape((-1, 1)) * 3.0 if len(shape) >= 2 else x


def _distance_entries():
    P = (2.0, 1.0, 0.0, 3.0, 0.5, float("inf"))
    return [
        OpInfo("F.pdist", lambda m, x, p: _F(m).pdist(x, p),
               lambda A: [S(_apart(A, 5, 3), p) for p in P] + [S(_apart(A, 1, 2), 2.0)],
               gradgrad=False),
        OpInfo("pdist", lambda m, x: m.pdist(x), lambda A: [S(_apart(A, 4, 2))],
               gradgrad=False),
        OpInfo("cdist", lambda m, a, b, p: m.cdist(a, b, p),
               lambda A: [S(A(2, 4, 3), A(1, 5, 3) + 10.0, p) for p in P] +
                         [S(A(1, 3, 2), A(2, 2, 2) + 10.0, 2.0)],
               gradgrad=False),
        # gradcheck cannot perturb an empty input (its strides are 0)
        OpInfo("cdist_empty", lambda m, a, b: m.cdist(a, b), lambda A: [S(A(3, 2), A(0, 2))],
               gradcheck=False),
        OpInfo("cdist_donot_use_mm", lambda m, a, b: m.cdist(
            a, b, compute_mode="donot_use_mm_for_euclid_dist"),
               lambda A: [S(A(26, 2), A(3, 2) + 10.0)], gradgrad=False),
        OpInfo("cdist_mm", lambda m, a, b, **kw: m.cdist(a, b, **kw), lambda A: [
            S(A(26, 2), A(3, 2) + 10.0), S(A(4, 3), A(5, 3) + 10.0,
                                           compute_mode="use_mm_for_euclid_dist"),
            S(A(2, 1, 4, 3), A(3, 2, 3) + 10.0, compute_mode="use_mm_for_euclid_dist")]),
        OpInfo("_euclidean_dist", lambda m, a, b: m._euclidean_dist(a, b),
               lambda A: [S(A(4, 3), A(5, 3) + 10.0), S(A(2, 3, 2), A(2, 4, 2) + 10.0)]),
        OpInfo("F.pairwise_distance", lambda m, a, b, **kw: _F(m).pairwise_distance(a, b, **kw),
               _when(("norm_dim",), lambda A: [
                   S(A(4, 3), A(4, 3)), S(A(4, 3), A(3), p=1.0), S(A(3), A(3), keepdim=True),
                   S(A(2, 3, 2), A(2, 1, 2), p=3.0, eps=0.1), S(A(), A(4))])),
        OpInfo("pairwise_distance", lambda m, a, b: m.pairwise_distance(a, b, 2.0, 1e-6, False),
               _when(("norm_dim",), lambda A: [S(A(3, 2), A(3, 2))])),
        OpInfo("F.cosine_similarity", lambda m, a, b, **kw: _F(m).cosine_similarity(a, b, **kw),
               _when(("linalg_vector_norm",), lambda A: [
                   S(A(4, 3), A(4, 3)), S(A(4, 3), A(3), dim=-1), S(A(2, 3, 2), A(2, 1, 2)),
                   S(A(3), A(3), dim=0)])),
        # a norm below eps is clamped without a gradient (torch's no_grad clamp_min_), so
        # finite differences disagree there by design
        OpInfo("F.cosine_similarity_clamped", lambda m, a, b, **kw: _F(m).cosine_similarity(
            a, b, **kw), _when(("linalg_vector_norm",), lambda A: [
                S(A(2, 3), A(2, 3) * 1e-9, eps=1e-6)]), gradcheck=False),
        OpInfo("cosine_similarity", lambda m, a, b: m.cosine_similarity(a, b, 0, 1e-8),
               _when(("linalg_vector_norm",), lambda A: [S(A(3, 2), A(3, 2))])),
    ]


def _bilinear_entries():
    return [
        OpInfo("F.bilinear", lambda m, a, b, w, *bias: _F(m).bilinear(a, b, w, *bias),
               lambda A: [S(A(4, 3), A(4, 2), A(5, 3, 2), A(5)), S(A(2, 4, 3), A(2, 4, 2),
                                                                    A(5, 3, 2)),
                          S(A(3), A(2), A(1, 3, 2), A(1)), S(A(1, 1), A(1, 1), A(1, 1, 1))]),
        OpInfo("bilinear", lambda m, a, b, w, bias: m.bilinear(a, b, w, bias),
               lambda A: [S(A(2, 3), A(2, 2), A(4, 3, 2), A(4))]),
        OpInfo("_trilinear", lambda m, a, w, b, e1, e2, e3, sd: m._trilinear(
            a, w, b, e1, e2, e3, sd),
               lambda A: [S(A(3, 4), A(5, 4, 2), A(3, 2), [1, 3], [0], [1, 2], [2, 3]),
                          S(A(3, 4), A(4), A(3, 4), [], [0], [], [1])]),
    ]


ENTRIES = _distance_entries() + _bilinear_entries()
