"""Attention against torch: errors, the backend torch picks (flash node or math graph),
dropout statistics and seeding, multi_head_attention_forward's checks, warnings and None
weights, and hypothesis sweeps of shapes, masks and options. Values, gradients and graphs
of each option are in tests/op_db/nn_attention.py."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from op_db.nn_norm import _has  # noqa: E402
from test_nn_norm import F, T, same  # noqa: E402

import chainrule as cr  # noqa: E402

# multi_head_attention_forward's weights come from ops of the activation/dropout, linalg and
# padding families; on a branch without them these tests cannot run.
needs_families = pytest.mark.skipif(not _has("softmax", "baddbmm", "pad"),
                                    reason="needs softmax, baddbmm and pad from other families")

RNG = np.random.default_rng(2)
Q, K, V = RNG.standard_normal((2, 3, 4, 5)), RNG.standard_normal((2, 3, 6, 5)), \
    RNG.standard_normal((2, 3, 6, 5))


def sdpa(m, q=Q, k=K, v=V, dtype="float32", **kw):
    return F(m).scaled_dot_product_attention(T(m, q, dtype), T(m, k, dtype), T(m, v, dtype),
                                             **kw)


ERRORS = {
    "mixed_dtypes": lambda m: F(m).scaled_dot_product_attention(
        T(m, Q), T(m, K, "float64"), T(m, V)),
    "query_1d": lambda m: sdpa(m, q=Q[0, 0, 0], k=K[0, 0], v=V[0, 0]),
    "key_1d": lambda m: sdpa(m, q=Q[0, 0], k=K[0, 0, 0], v=V[0, 0]),
    "mask_int": lambda m: sdpa(m, attn_mask=m.ones((4, 6), dtype=m.int32)),
    "mask_double": lambda m: sdpa(m, attn_mask=m.ones((4, 6), dtype=m.float64)),
    "mask_shape": lambda m: sdpa(m, attn_mask=m.ones((5, 6))),
    "mask_5d": lambda m: sdpa(m, attn_mask=m.ones((1, 2, 1, 1, 6))),
    "causal_and_mask": lambda m: sdpa(m, q=Q[0], k=K[0], v=V[0],
                                      attn_mask=m.ones((4, 6), dtype=m.bool), is_causal=True),
    "dropout_above_one": lambda m: sdpa(m, dropout_p=1.5),
    "dropout_negative": lambda m: sdpa(m, dropout_p=-0.1),
    "gqa_heads": lambda m: sdpa(m, k=K[:, :2], v=V[:, :2], enable_gqa=True),
    "int_inputs": lambda m: sdpa(m, dtype="int32"),
    "head_size": lambda m: sdpa(m, k=K[..., :3]),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    same(ERRORS[name], message=name not in ("mask_shape", "head_size"))


BACKENDS = {
    "4d": {}, "causal": {"is_causal": True}, "scale": {"scale": 0.2},
    "3d": {"q": Q[0], "k": K[0], "v": V[0]}, "2d": {"q": Q[0, 0], "k": K[0, 0], "v": V[0, 0]},
    "value_size": {"v": RNG.standard_normal((2, 3, 6, 7))},
    "batch_broadcast": {"k": K[:1], "v": V[:1]},
    "gqa": {"k": K[:, :1], "v": V[:, :1], "enable_gqa": True},
    "mask_3d": {"attn_mask_shape": (3, 1, 6)}, "mask_4d": {"attn_mask_shape": (2, 1, 4, 6)},
    "mask_2d": {"attn_mask_shape": (4, 6)},
    "noncontiguous": {"strided_query": True},
}


def _backend_node(m, name):
    kw = dict(BACKENDS[name])
    shape = kw.pop("attn_mask_shape", None)
    strided = kw.pop("strided_query", False)
    q, k, v = (T(m, kw.pop(n, d), rg=True) for n, d in (("q", Q), ("k", K), ("v", V)))
    if strided:  # last dim not contiguous
        q = q.transpose(-1, -2).contiguous().transpose(-1, -2)
    mask = None if shape is None else T(m, np.random.default_rng(0).standard_normal(shape))
    y = F(m).scaled_dot_product_attention(q, k, v, mask, **kw)
    return y.grad_fn.name(), [None if f is None else f.name() for f, _ in
                              y.grad_fn.next_functions]


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_backend_and_graph_match_torch(name):
    assert _backend_node(cr, name) == _backend_node(torch, name)


def test_flash_double_backward_raises_like_torch():
    def fn(m):
        q, k, v = (T(m, a, "float64", rg=True) for a in (Q, K, V))
        y = F(m).scaled_dot_product_attention(q, k, v)
        gq, = m.autograd.grad(y.sum(), q, create_graph=True)
        return m.autograd.grad(gq.sum(), q)
    same(fn)


def test_dropout_zeroes_weights_at_rate_p_and_scales_the_rest():
    """The math path's dropout: E[output] over masks is the output without dropout, and
    the same seed gives the same mask."""
    q, k, v = (RNG.standard_normal((3, 4)) for _ in range(3))
    plain = sdpa(cr, q=q, k=k, v=v, dtype="float64").numpy()
    cr.manual_seed(0)
    runs = np.stack([sdpa(cr, q=q, k=k, v=v, dtype="float64", dropout_p=0.4).numpy()
                     for _ in range(3000)])
    np.testing.assert_allclose(runs.mean(0), plain, atol=0.06)
    cr.manual_seed(5)
    a = sdpa(cr, q=q, k=k, v=v, dropout_p=0.5)
    cr.manual_seed(5)
    b = sdpa(cr, q=q, k=k, v=v, dropout_p=0.5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    y = sdpa(cr, q=q, k=k, v=v, dropout_p=0.5)
    y.requires_grad_(False)
    x = T(cr, q, rg=True)
    out = F(cr).scaled_dot_product_attention(x, T(cr, k), T(cr, v), dropout_p=0.5)
    assert out.grad_fn.name() == "MmBackward0"
    assert out.grad_fn.next_functions[0][0].name() == "MulBackward0"


E, H = 4, 2
X = RNG.standard_normal((3, 2, E))
W_IN, B_IN = RNG.standard_normal((3 * E, E)), RNG.standard_normal(3 * E)
W_OUT, B_OUT = RNG.standard_normal((E, E)), RNG.standard_normal(E)


def mha(m, x=X, e=E, h=H, **kw):
    q = T(m, x)
    key = T(m, kw.pop("key")) if "key" in kw else q
    value = T(m, kw.pop("value")) if "value" in kw else key
    args = dict(in_proj_weight=T(m, W_IN), in_proj_bias=T(m, B_IN), bias_k=None, bias_v=None,
                add_zero_attn=False, dropout_p=0.0, out_proj_weight=T(m, W_OUT),
                out_proj_bias=T(m, B_OUT))
    args.update({k: (T(m, v) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else
                     m.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in kw.items()})
    return F(m).multi_head_attention_forward(q, key, value, e, h, **args)


MHA_ERRORS = {
    "query_4d": lambda m: mha(m, x=X[None]),
    "key_2d": lambda m: mha(m, key=X[0], value=X[0]),
    "embed_dim": lambda m: mha(m, e=5),
    "heads": lambda m: mha(m, h=3),
    "key_value_shape": lambda m: mha(m, key=X, value=X[:2]),
    "kpm_3d": lambda m: mha(m, key_padding_mask=np.zeros((2, 3, 1), bool)),
    "mask_4d": lambda m: mha(m, attn_mask=np.zeros((1, 1, 3, 3), bool)),
    "mask_2d_shape": lambda m: mha(m, attn_mask=np.zeros((3, 4), bool)),
    "mask_3d_shape": lambda m: mha(m, attn_mask=np.zeros((3, 3, 3), bool)),
    "mask_int": lambda m: mha(m, attn_mask=np.zeros((3, 3), np.int64)),
    "causal_without_mask": lambda m: mha(m, is_causal=True),
    "separate_without_weights": lambda m: mha(m, use_separate_proj_weight=True),
    "bias_k_only": lambda m: mha(m, bias_k=RNG.standard_normal((1, 1, E))),
    "kpm_batch": lambda m: mha(m, key_padding_mask=np.zeros((3, 3), bool)),
    "no_in_proj": lambda m: mha(m, in_proj_weight=None),
}


@pytest.mark.parametrize("name", sorted(MHA_ERRORS))
def test_multi_head_attention_errors_match_torch(name):
    same(MHA_ERRORS[name])


def test_multi_head_attention_without_weights_returns_none():
    for m in (torch, cr):
        out, weights = mha(m, need_weights=False)
        assert weights is None and tuple(out.shape) == (3, 2, E)


@needs_families
def test_multi_head_attention_warns_on_mismatched_mask_types():
    for m in (torch, cr):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            mha(m, attn_mask=np.zeros((3, 3)), key_padding_mask=np.zeros((2, 3), bool))
        assert any("Support for mismatched key_padding_mask and attn_mask" in str(w.message)
                   for w in seen), m.__name__


@needs_families
def test_multi_head_attention_dropout_in_training_only():
    cr.manual_seed(1)
    a, _ = mha(cr, dropout_p=0.5, training=False)
    b, _ = mha(cr, dropout_p=0.0)
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    c, w = mha(cr, dropout_p=0.9, training=True)
    assert not np.allclose(c.numpy(), b.numpy())


# ---------------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(batch=st.lists(st.integers(1, 2), min_size=0, max_size=2), length=st.integers(1, 4),
       src=st.integers(1, 4), e=st.integers(1, 4), causal=st.booleans(),
       mask=st.sampled_from([None, "bool", "float"]), scale=st.sampled_from([None, 0.5]))
def test_attention_configurations(batch, length, src, e, causal, mask, scale):
    if causal and mask is not None:
        mask = None
    rng = np.random.default_rng(length * 17 + src * 5 + e)
    q = rng.standard_normal(tuple(batch) + (length, e))
    k = rng.standard_normal(tuple(batch) + (src, e))
    v = rng.standard_normal(tuple(batch) + (src, e))
    mk = None if mask is None else rng.standard_normal((length, src))
    res = []
    for m in (torch, cr):
        ts = [T(m, a, "float64", rg=True) for a in (q, k, v)]
        am = None if mk is None else (m.tensor(mk > 0) if mask == "bool" else T(m, mk, "float64"))
        y = F(m).scaled_dot_product_attention(*ts, attn_mask=am, is_causal=causal, scale=scale)
        y.backward(T(m, np.ones(tuple(y.shape)), "float64"))
        res.append([y.detach().numpy()] + [t.grad.numpy() for t in ts])
    for c, t in zip(res[1], res[0]):
        np.testing.assert_allclose(c, t, rtol=1e-9, atol=1e-11)
