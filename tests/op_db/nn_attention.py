"""Attention: scaled_dot_product_attention on both of torch's CPU backends (the flash
kernel's one node, whose backward has no derivative: gradgrad=False; the math composite),
_safe_softmax, and multi_head_attention_forward (need_weights through baddbmm/softmax,
without through scaled_dot_product_attention).

Float masks given as arrays are leaves that require grad (so torch takes the math path);
masks given as lists are constants (``_const``). Dropout is random, so only p=1 (exact
zeros) is compared here; its statistics are tested in tests/test_nn_attention.py.
"""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S
from .nn_norm import _when


def _F(m):
    return m.nn.functional


def _const(m, values, like):
    return m.tensor(values, dtype=like.dtype)


def _sdpa(m, q, k, v, mask=None, **kw):
    if isinstance(mask, list):
        mask = _const(m, mask, q)
    return _F(m).scaled_dot_product_attention(q, k, v, mask, **kw)


def _bool(A, *shape):
    return A.rng.random(shape) > 0.3


def _flash_samples(A):
    q, kv = (2, 3, 4, 5), (2, 3, 6, 5)
    return [S(A(*q), A(*kv), A(*kv)), S(A(*q), A(*kv), A(*kv), is_causal=True),
            S(A(*q), A(*kv), A(*kv), scale=0.3), S(A(*q), A(*kv), A(*kv), _bool(A, 4, 6)),
            S(A(*q), A(*kv), A(*kv), A(2, 1, 4, 6).tolist()),
            S(A(*q), A(*kv), A(*kv), _bool(A, 4, 6), is_causal=True),
            S(A(2, 4, 3, 2), A(2, 2, 5, 2), A(2, 2, 5, 2), enable_gqa=True),
            S(A(1, 1, 1, 1), A(1, 1, 1, 1), A(1, 1, 1, 1))]


def _math_samples(A):
    return [S(A(3, 4, 5), A(3, 6, 5), A(3, 6, 5)), S(A(4, 5), A(6, 5), A(6, 5)),
            S(A(2, 3, 4, 5), A(2, 3, 6, 5), A(2, 3, 6, 7), is_causal=True),
            S(A(3, 4, 5), A(3, 6, 5), A(3, 6, 5), A(4, 6)),
            S(A(3, 4, 5), A(3, 6, 5), A(3, 6, 5), _bool(A, 4, 6)),
            S(A(2, 3, 4, 5), A(1, 3, 6, 5), A(1, 3, 6, 5)),
            S(A(4, 4, 5), A(2, 6, 5), A(2, 6, 5), enable_gqa=True, scale=-0.4),
            S(A(2, 4, 3), A(2, 5, 3), A(2, 5, 3), dropout_p=1.0)]


def _sdpa_entries():
    return [
        OpInfo("F.scaled_dot_product_attention_flash", _sdpa, _flash_samples, gradgrad=False),
        OpInfo("F.scaled_dot_product_attention_math", _sdpa, _math_samples),
        # gradcheck cannot perturb an empty input (its strides are 0)
        OpInfo("F.scaled_dot_product_attention_empty", _sdpa, lambda A: [
            S(A(2, 3, 0, 5), A(2, 3, 6, 5), A(2, 3, 6, 5)),
            S(A(2, 3, 4, 5), A(2, 3, 0, 5), A(2, 3, 0, 5))], gradcheck=False),
        OpInfo("_safe_softmax", lambda m, x, mask, dim: m._safe_softmax(
            x.masked_fill(mask, float("-inf")), dim),
               lambda A: [S(A(3, 4), np.array([[0, 0, 1, 0], [1, 1, 1, 1], [0, 0, 0, 0]],
                                                bool), -1),
                          S(A(2, 3), np.zeros((2, 3), bool), 0)]),
    ]


_E, _H = 4, 2


def _mha(m, q, k, v, w, b, ow, ob, bias_k=None, bias_v=None, zero_attn=False, mask=None,
         kpm=None, **kw):
    if isinstance(mask, list):
        mask = _const(m, mask, q)
    return _F(m).multi_head_attention_forward(q, k, v, _E, _H, w, b, bias_k, bias_v,
                                              zero_attn, 0.0, ow, ob, key_padding_mask=kpm,
                                              attn_mask=mask, **kw)


def _mha_self(m, x, w, b, ow, ob, **kw):
    return _mha(m, x, x, x, w, b, ow, ob, **kw)


def _proj(A):
    return A(3 * _E, _E), A(3 * _E), A(_E, _E), A(_E)


def _kpm():
    return np.array([[False, False, True], [False, False, False]])


def _mha_entries():
    needs = ("softmax", "baddbmm", "pad")
    return [
        OpInfo("F.multi_head_attention_forward_self", _mha_self, _when(needs, lambda A: [
            S(A(3, 2, _E), *_proj(A)), S(A(3, _E), *_proj(A)),
            S(A(3, 2, _E), *_proj(A), average_attn_weights=False),
            S(A(3, 2, _E), *_proj(A), mask=np.triu(np.ones((3, 3), bool), 1), kpm=_kpm()),
            S(A(3, 2, _E), *_proj(A), mask=(np.triu(np.ones((3, 3)), 1) * -1e9).tolist())])),
        OpInfo("F.multi_head_attention_forward_kv", _mha, _when(needs, lambda A: [
            S(A(3, 2, _E), A(4, 2, _E), A(4, 2, _E), *_proj(A)),
            S(A(3, 2, _E), A(4, 2, _E), A(4, 2, _E), *_proj(A), bias_k=A(1, 1, _E),
              bias_v=A(1, 1, _E), zero_attn=True, mask=A(3, 4).tolist())])),
        OpInfo("F.multi_head_attention_forward_separate", lambda m, q, k, v, wq, wk, wv, b, ow,
               ob: _F(m).multi_head_attention_forward(
                   q, k, v, _E, _H, None, b, None, None, False, 0.0, ow, ob,
                   use_separate_proj_weight=True, q_proj_weight=wq, k_proj_weight=wk,
                   v_proj_weight=wv), _when(needs, lambda A: [
                       S(A(3, 2, _E), A(4, 2, 3), A(4, 2, 2), A(_E, _E), A(_E, 3), A(_E, 2),
                         A(3 * _E), A(_E, _E), A(_E))])),
        # without weights the second output is None (checked in tests/test_nn_attention.py)
        OpInfo("F.multi_head_attention_forward_no_weights", lambda m, *a, **kw: _mha_self(
            m, *a, need_weights=False, **kw)[0], _when(needs, lambda A: [
                S(A(3, 2, _E), *_proj(A)), S(A(3, _E), *_proj(A)),
                S(A(3, 2, _E), *_proj(A), mask=np.triu(np.ones((3, 3), bool), 1),
                  is_causal=True),
                S(A(3, 2, _E), *_proj(A), kpm=_kpm())]), gradgrad=False),
    ]


ENTRIES = _sdpa_entries() + _mha_entries()
