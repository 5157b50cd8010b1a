"""nn.functional embeddings: embedding, embedding_bag, one_hot, and the torch.* forms
(torch.embedding, torch.embedding_bag with its four outputs, torch.embedding_renorm_).

Integer sample arrays are index tensors; the weight is the one float leaf (plus
per_sample_weights). embedding_bag's backward has no derivative in torch (gradgrad=False).
torch's embedding_bag gradient with scale_grad_by_freq divides by the wrong counts (a torch
bug, see tests/test_nn_embedding.py), so it is not compared here.
"""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S


def _F(m):
    return m.nn.functional


def _idx(A, high, *shape):
    return A.rng.integers(0, high, shape).astype(np.int64)


def _repeats(*shape):
    """Indices with repeats and every row of a 6-row table below 5 used."""
    return (np.arange(int(np.prod(shape))) % 5).reshape(shape)[::-1].copy()


def _embedding_entries():
    emb = lambda m, i, w, **kw: _F(m).embedding(i, w, **kw)  # noqa: E731
    return [
        OpInfo("F.embedding", emb, lambda A: [
            S(_idx(A, 6, 2, 3), A(6, 4)), S(_repeats(4, 3), A(6, 3)), S(np.array(2), A(6, 2)),
            S(_idx(A, 6, 5), A(6, 1)), S(np.zeros((0, 2), np.int64), A(6, 3)),
            S(_repeats(2, 3).astype(np.int32), A(6, 2))]),
        # padding_idx and scale_grad_by_freq change the gradient on purpose (it is not the
        # derivative), so finite differences cannot check them; torch is the reference
        OpInfo("F.embedding_padding_idx", emb, lambda A: [
            S(_repeats(2, 4), A(6, 3), padding_idx=1), S(_repeats(3, 2), A(6, 2), padding_idx=-5),
            S(_repeats(5), A(6, 2), padding_idx=0)], gradcheck=False),
        OpInfo("F.embedding_scale_grad_by_freq", emb, lambda A: [
            S(_repeats(3, 4), A(6, 3), scale_grad_by_freq=True),
            S(_repeats(3, 4), A(6, 3), scale_grad_by_freq=True, padding_idx=2)],
               gradcheck=False),
        # max_norm renormalises the weight in place: gradcheck's perturbations would be undone
        OpInfo("F.embedding_max_norm", lambda m, i, w, **kw: _F(m).embedding(
            i, w.detach().clone().requires_grad_(w.requires_grad), **kw),
               lambda A: [S(_repeats(2, 3), A(6, 3), max_norm=1.0),
                          S(_repeats(2, 3), A(6, 3), max_norm=0.5, norm_type=1.0),
                          S(_repeats(2, 3), A(6, 3), max_norm=0.7, norm_type=float("inf"))],
               gradcheck=False),
        OpInfo("embedding", lambda m, w, i: m.embedding(w, i, -1, False, False),
               lambda A: [S(A(6, 3), _repeats(2, 2))]),
        OpInfo("embedding_renorm_", lambda m, w, i: m.embedding_renorm_(
            w.detach().clone(), i, 1.0, 2.0), lambda A: [S(A(6, 3), _repeats(2, 2))],
               grad=False),
    ]


def _bag(mode, **kw):
    return lambda m, i, w, *o, **k: _F(m).embedding_bag(i, w, *o, mode=mode, **kw, **k)


def _bag_samples(A):
    off = np.array([0, 0, 3, 5])
    return [S(_repeats(2, 3), A(6, 3)), S(_repeats(7), A(6, 2), off),
            S(_repeats(3, 2), A(6, 4), padding_idx=2),
            S(_repeats(7), A(6, 2), np.array([0, 2, 2, 7]), include_last_offset=True),
            S(_repeats(1, 1), A(6, 3))]


def _embedding_bag_entries():
    E = []
    for mode in ("sum", "mean", "max"):
        E.append(OpInfo(f"F.embedding_bag_{mode}", _bag(mode), _bag_samples, gradgrad=False))
    E += [
        OpInfo("F.embedding_bag_per_sample_weights", lambda m, i, w, p, **kw: _F(m).embedding_bag(
            i, w, mode="sum", per_sample_weights=p, **kw),
               lambda A: [S(_repeats(2, 3), A(6, 3), A(2, 3)),
                          S(_repeats(2, 3), A(6, 3), A(2, 3), padding_idx=4)], gradgrad=False),
        OpInfo("F.embedding_bag_max_norm", lambda m, i, w, **kw: _F(m).embedding_bag(
            i, w.detach().clone().requires_grad_(w.requires_grad), max_norm=1.0, **kw),
               lambda A: [S(_repeats(2, 3), A(6, 3))], gradcheck=False),
        # max_indices is left out: torch fills it differently when no gradient is wanted
        # (tests/test_nn_embedding.py compares it with one)
        OpInfo("embedding_bag", lambda m, w, i, o, mode, pad: m.embedding_bag(
            w, i, o, False, mode, False, None, False, pad)[:3],
               lambda A: [S(A(6, 3), _repeats(7), np.array([0, 0, 3, 5]), mode, pad)
                          for mode in (0, 1, 2) for pad in (None, 2)], gradgrad=False),
    ]
    return E


def _one_hot_entries():
    return [OpInfo("F.one_hot", lambda m, t, *n: _F(m).one_hot(t, *n), lambda A: [
        S(np.array([0, 3, 1])), S(np.array([[1, 0], [2, 2]]), 4), S(np.array(2), 3),
        S(np.zeros(0, np.int64), 2)], grad=False)]


ENTRIES = _embedding_entries() + _embedding_bag_entries() + _one_hot_entries()
