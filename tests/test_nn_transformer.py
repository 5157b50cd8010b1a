"""nn.MultiheadAttention and the Transformer modules against torch: torch's weights loaded
into ours, then outputs, attention weights and every gradient compared (every mask kind,
batch_first, norm_first, activations, eval mode and train mode with dropout=0)."""
import itertools
import warnings

import numpy as np
import pytest

import chainrule

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True, scope="module")
def _torch_single_thread():
    """torch's fused RNN kernels crawl when their threads contend with other work on a
    small machine; one thread keeps these tests fast. Restored afterwards."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def to_numpy(t):
    return np.asarray(t.detach().numpy() if hasattr(t, "detach") else t)


def make_pair(torch, cls_name, *args, **kwargs):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = getattr(torch.nn, cls_name)(*args, **kwargs).double()
        cm = getattr(chainrule.nn, cls_name)(*args, **kwargs).double()
    state = tm.state_dict()
    assert list(cm.state_dict()) == list(state)
    cm.load_state_dict({k: chainrule.tensor(v.detach().numpy()) for k, v in state.items()})
    return tm, cm


def pair(torch, array, requires_grad=True):
    if array.dtype == bool:
        return torch.tensor(array), chainrule.tensor(array)
    return (torch.tensor(array, requires_grad=requires_grad),
            chainrule.tensor(array, requires_grad=requires_grad))


def assert_close(ours, theirs, tol=1e-10):
    np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), rtol=tol, atol=tol)


def compare(torch, t_out, c_out, t_leaves, c_leaves, tm, cm, tol=1e-10):
    t_out = [t for t in (t_out if isinstance(t_out, tuple) else (t_out,)) if t is not None]
    c_out = [c for c in (c_out if isinstance(c_out, tuple) else (c_out,)) if c is not None]
    assert len(t_out) == len(c_out)
    for a, b in zip(c_out, t_out):
        assert tuple(a.shape) == tuple(b.shape)
        assert_close(a, b, tol)
    ups = [RNG.standard_normal(tuple(t.shape)) for t in t_out]
    sum((t * torch.tensor(g)).sum() for t, g in zip(t_out, ups)).backward()
    sum((c * chainrule.tensor(g)).sum() for c, g in zip(c_out, ups)).backward()
    for a, b in zip(c_leaves, t_leaves):
        assert_close(a.grad, b.grad, tol)
    t_params = dict(tm.named_parameters())
    for name, p in cm.named_parameters():
        if t_params[name].grad is None:
            assert p.grad is None or not np.any(to_numpy(p.grad)), name
        else:
            assert_close(p.grad, t_params[name].grad, tol)


# ---------------------------------------------------------------------- MultiheadAttention
MHA_OPTIONS = [
    {}, {"bias": False}, {"add_bias_kv": True}, {"add_zero_attn": True},
    {"kdim": 3, "vdim": 5}, {"batch_first": True}, {"add_bias_kv": True, "add_zero_attn": True},
]


@pytest.mark.parametrize("options", MHA_OPTIONS, ids=str)
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
def test_mha_matches_torch(torch, options, need_weights, average):
    tm, cm = make_pair(torch, "MultiheadAttention", 8, 2, **options)
    batch_first = options.get("batch_first", False)
    L, S, N = 4, 5, 3
    shape = (lambda seq, e: (N, seq, e)) if batch_first else (lambda seq, e: (seq, N, e))
    tq, cq = pair(torch, RNG.standard_normal(shape(L, 8)))
    tk, ck = pair(torch, RNG.standard_normal(shape(S, options.get("kdim", 8))))
    tv, cv = pair(torch, RNG.standard_normal(shape(S, options.get("vdim", 8))))
    kw = {"need_weights": need_weights, "average_attn_weights": average}
    compare(torch, tm(tq, tk, tv, **kw), cm(cq, ck, cv, **kw), [tq, tk, tv], [cq, ck, cv],
            tm, cm)


def _masks(L, S, N, heads):
    pad = np.zeros((N, S), dtype=bool)
    pad[0, -2:] = True
    pad[2, -1] = True
    causal2d = np.triu(np.ones((L, S), dtype=bool), k=1)
    float2d = RNG.standard_normal((L, S))
    bool3d = RNG.random((N * heads, L, S)) < 0.3
    bool3d[..., 0] = False
    return {"kpm_bool": {"key_padding_mask": pad},
            "kpm_float": {"key_padding_mask": np.where(pad, -1e4, 0.0)},
            "attn_bool_2d": {"attn_mask": causal2d},
            "attn_float_2d": {"attn_mask": float2d},
            "attn_bool_3d": {"attn_mask": bool3d},
            "attn_float_3d": {"attn_mask": RNG.standard_normal((N * heads, L, S))},
            "both_bool": {"attn_mask": causal2d, "key_padding_mask": pad}}


@pytest.mark.parametrize("mask_kind", list(_masks(4, 5, 3, 2)))
@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("training", [True, False])
def test_mha_masks_match_torch(torch, mask_kind, need_weights, training):
    tm, cm = make_pair(torch, "MultiheadAttention", 8, 2)
    tm.train(training)
    cm.train(training)
    masks = _masks(4, 5, 3, 2)[mask_kind]
    tq, cq = pair(torch, RNG.standard_normal((4, 3, 8)))
    tk, ck = pair(torch, RNG.standard_normal((5, 3, 8)))
    t_masks = {k: torch.tensor(v) for k, v in masks.items()}
    c_masks = {k: chainrule.tensor(v) for k, v in masks.items()}
    compare(torch, tm(tq, tk, tk, need_weights=need_weights, **t_masks),
            cm(cq, ck, ck, need_weights=need_weights, **c_masks), [tq, tk], [cq, ck], tm, cm)


@pytest.mark.parametrize("need_weights", [True, False])
def test_mha_is_causal_with_mask(torch, need_weights):
    tm, cm = make_pair(torch, "MultiheadAttention", 8, 4, batch_first=True)
    tx, cx = pair(torch, RNG.standard_normal((2, 5, 8)))
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    c_mask = chainrule.nn.Transformer.generate_square_subsequent_mask(5, dtype=chainrule.float64)
    compare(torch, tm(tx, tx, tx, attn_mask=t_mask, is_causal=True, need_weights=need_weights),
            cm(cx, cx, cx, attn_mask=c_mask, is_causal=True, need_weights=need_weights),
            [tx], [cx], tm, cm)


@pytest.mark.parametrize("options", [{}, {"kdim": 3, "vdim": 5}], ids=str)
def test_mha_unbatched(torch, options):
    tm, cm = make_pair(torch, "MultiheadAttention", 6, 3, **options)
    tq, cq = pair(torch, RNG.standard_normal((4, 6)))
    tk, ck = pair(torch, RNG.standard_normal((5, options.get("kdim", 6))))
    tv, cv = pair(torch, RNG.standard_normal((5, options.get("vdim", 6))))
    pad = np.array([False, False, False, True, True])
    compare(torch, tm(tq, tk, tv, key_padding_mask=torch.tensor(pad)),
            cm(cq, ck, cv, key_padding_mask=chainrule.tensor(pad)), [tq, tk, tv],
            [cq, ck, cv], tm, cm)


def test_mha_eval_no_grad_fast_path_values(torch):
    tm, cm = make_pair(torch, "MultiheadAttention", 8, 2, batch_first=True)
    tm.eval()
    cm.eval()
    x = RNG.standard_normal((2, 5, 8))
    pad = np.array([[False] * 5, [False, False, False, True, True]])
    with torch.no_grad(), chainrule.no_grad():
        t_out = tm(torch.tensor(x), torch.tensor(x), torch.tensor(x),
                   key_padding_mask=torch.tensor(pad))
        c_out = cm(chainrule.tensor(x), chainrule.tensor(x), chainrule.tensor(x),
                   key_padding_mask=chainrule.tensor(pad))
    for a, b in zip(c_out, t_out):
        assert_close(a, b, 1e-10)


def test_mha_parameters_init_and_repr(torch):
    for kwargs in ({}, {"kdim": 3, "vdim": 5, "add_bias_kv": True}, {"bias": False}):
        tm = torch.nn.MultiheadAttention(8, 2, **kwargs)
        cm = chainrule.nn.MultiheadAttention(8, 2, **kwargs)
        assert repr(cm) == repr(tm)
        assert list(cm.state_dict()) == list(tm.state_dict())
        assert [tuple(p.shape) for p in cm.parameters()] == \
            [tuple(p.shape) for p in tm.parameters()]
        assert cm.head_dim == tm.head_dim and cm._qkv_same_embed_dim == tm._qkv_same_embed_dim
    cm = chainrule.nn.MultiheadAttention(8, 2)
    assert not np.any(to_numpy(cm.in_proj_bias)) and not np.any(to_numpy(cm.out_proj.bias))
    bound = np.sqrt(6.0 / (8 + 24))  # xavier_uniform on (3E, E)
    assert np.all(np.abs(to_numpy(cm.in_proj_weight)) <= bound)
    from chainrule.nn.modules.activation import MultiheadAttention
    assert MultiheadAttention is chainrule.nn.MultiheadAttention


def _raises_like(torch, call):
    with pytest.raises(Exception) as t_err:
        call(torch)
    with pytest.raises(Exception) as c_err:
        call(chainrule)
    assert type(c_err.value) is type(t_err.value)
    assert str(c_err.value) == str(t_err.value)


@pytest.mark.parametrize("call", [
    lambda t: t.nn.MultiheadAttention(8, 3),
    lambda t: t.nn.MultiheadAttention(0, 2),
    lambda t: t.nn.MultiheadAttention(8, 2)(t.randn(4, 3, 8), t.randn(5, 3, 8),
                                            t.randn(5, 3, 8), attn_mask=t.zeros(4, 4)),
    lambda t: t.nn.MultiheadAttention(8, 2)(t.randn(4, 3, 8), t.randn(4, 3, 8),
                                            t.randn(4, 3, 8),
                                            key_padding_mask=t.zeros(3, 5, dtype=t.bool)),
    lambda t: t.nn.MultiheadAttention(8, 2)(t.randn(4, 3, 8), t.randn(4, 8), t.randn(4, 8)),
    lambda t: t.nn.MultiheadAttention(8, 2)(t.randn(4, 3, 8), t.randn(4, 3, 8),
                                            t.randn(4, 3, 8), is_causal=True),
    lambda t: t.nn.MultiheadAttention(8, 2)(t.randn(4, 3, 8), t.randn(4, 3, 8),
                                            t.randn(4, 3, 8),
                                            attn_mask=t.zeros(4, 4, dtype=t.int64)),
    lambda t: t.nn.TransformerEncoderLayer(8, 2, activation="tanh"),
    lambda t: t.nn.Transformer(8, 2, 1, 1, 16)(t.randn(4, 3, 8), t.randn(4, 2, 8)),
    lambda t: t.nn.Transformer(8, 2, 1, 1, 16)(t.randn(4, 3, 8), t.randn(4, 3, 6)),
])
def test_errors_match_torch(torch, call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _raises_like(torch, call)


# ---------------------------------------------------------------------- layers
LAYER_OPTIONS = [
    {}, {"norm_first": True}, {"batch_first": True}, {"activation": "gelu"},
    {"bias": False}, {"layer_norm_eps": 1e-3},
]


@pytest.mark.parametrize("options", LAYER_OPTIONS, ids=str)
@pytest.mark.parametrize("training", [True, False])
def test_encoder_layer_matches_torch(torch, options, training):
    tm, cm = make_pair(torch, "TransformerEncoderLayer", 8, 2, dim_feedforward=16,
                       dropout=0.0, **options)
    tm.train(training)
    cm.train(training)
    shape = (3, 4, 8) if options.get("batch_first") else (4, 3, 8)
    tx, cx = pair(torch, RNG.standard_normal(shape))
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    c_mask = chainrule.nn.Transformer.generate_square_subsequent_mask(4, dtype=chainrule.float64)
    pad = np.zeros((3, 4), dtype=bool)
    pad[1, -1] = True
    compare(torch, tm(tx, src_mask=t_mask, src_key_padding_mask=torch.tensor(pad)),
            cm(cx, src_mask=c_mask, src_key_padding_mask=chainrule.tensor(pad)), [tx], [cx],
            tm, cm)


def test_encoder_layer_callable_activation(torch):
    tm, cm = make_pair(torch, "TransformerEncoderLayer", 8, 2, dim_feedforward=16,
                       dropout=0.0)
    tm.activation = torch.tanh
    cm.activation = chainrule.tanh
    tx, cx = pair(torch, RNG.standard_normal((4, 3, 8)))
    compare(torch, tm(tx), cm(cx), [tx], [cx], tm, cm)
    layer = chainrule.nn.TransformerEncoderLayer(8, 2, activation=chainrule.nn.ReLU())
    assert layer.activation_relu_or_gelu == 1
    assert chainrule.nn.TransformerEncoderLayer(8, 2, activation="gelu").activation_relu_or_gelu \
        == torch.nn.TransformerEncoderLayer(8, 2, activation="gelu").activation_relu_or_gelu


@pytest.mark.parametrize("options", LAYER_OPTIONS, ids=str)
@pytest.mark.parametrize("training", [True, False])
def test_decoder_layer_matches_torch(torch, options, training):
    tm, cm = make_pair(torch, "TransformerDecoderLayer", 8, 2, dim_feedforward=16,
                       dropout=0.0, **options)
    tm.train(training)
    cm.train(training)
    bf = options.get("batch_first")
    tt, ct = pair(torch, RNG.standard_normal((3, 4, 8) if bf else (4, 3, 8)))
    tmem, cmem = pair(torch, RNG.standard_normal((3, 5, 8) if bf else (5, 3, 8)))
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    c_mask = chainrule.nn.Transformer.generate_square_subsequent_mask(4, dtype=chainrule.float64)
    mpad = np.zeros((3, 5), dtype=bool)
    mpad[0, -2:] = True
    compare(torch, tm(tt, tmem, tgt_mask=t_mask, memory_key_padding_mask=torch.tensor(mpad),
                      tgt_is_causal=True),
            cm(ct, cmem, tgt_mask=c_mask, memory_key_padding_mask=chainrule.tensor(mpad),
               tgt_is_causal=True),
            [tt, tmem], [ct, cmem], tm, cm)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_stack_matches_torch(torch, batch_first, norm_first):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_layer = torch.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=batch_first,
                                                   norm_first=norm_first)
        tm = torch.nn.TransformerEncoder(t_layer, 2, torch.nn.LayerNorm(8)).double()
        c_layer = chainrule.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=batch_first,
                                                       norm_first=norm_first)
        from chainrule.nn.modules.transformer import LayerNorm
        cm = chainrule.nn.TransformerEncoder(c_layer, 2, LayerNorm(8)).double()
    assert list(cm.state_dict()) == list(tm.state_dict())
    cm.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    assert cm.use_nested_tensor == tm.use_nested_tensor
    shape = (3, 4, 8) if batch_first else (4, 3, 8)
    tx, cx = pair(torch, RNG.standard_normal(shape))
    compare(torch, tm(tx), cm(cx), [tx], [cx], tm, cm)


def test_encoder_nested_fast_path_zeroes_padding(torch):
    """torch runs eval-mode inference with a padding mask on nested tensors; the padded
    positions come back as zeros before the final norm."""
    torch.manual_seed(0)
    t_layer = torch.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True)
    tm = torch.nn.TransformerEncoder(t_layer, 2).double().eval()
    c_layer = chainrule.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True)
    cm = chainrule.nn.TransformerEncoder(c_layer, 2).double().eval()
    cm.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = RNG.standard_normal((3, 5, 8))
    pad = np.zeros((3, 5), dtype=bool)
    pad[1, 3:] = True
    pad[2, 1:] = True
    with torch.no_grad(), chainrule.no_grad():
        t_out = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(pad))
        c_out = cm(chainrule.tensor(x), src_key_padding_mask=chainrule.tensor(pad))
    assert_close(c_out, t_out, 1e-10)
    # with grad wanted, torch takes the ordinary path: no zeroing
    tx, cx = pair(torch, x)
    compare(torch, tm(tx, src_key_padding_mask=torch.tensor(pad)),
            cm(cx, src_key_padding_mask=chainrule.tensor(pad)), [tx], [cx], tm, cm)


@pytest.mark.parametrize("options", [{}, {"batch_first": True, "norm_first": True},
                                     {"activation": "gelu", "bias": False}], ids=str)
@pytest.mark.parametrize("training", [True, False])
def test_transformer_matches_torch(torch, options, training):
    tm, cm = make_pair(torch, "Transformer", 8, 2, 2, 1, 16, 0.0, **options)
    tm.train(training)
    cm.train(training)
    bf = options.get("batch_first")
    ts, cs = pair(torch, RNG.standard_normal((2, 5, 8) if bf else (5, 2, 8)))
    tt, ct = pair(torch, RNG.standard_normal((2, 4, 8) if bf else (4, 2, 8)))
    t_mask = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
    c_mask = chainrule.nn.Transformer.generate_square_subsequent_mask(4, dtype=chainrule.float64)
    spad = np.zeros((2, 5), dtype=bool)
    spad[1, -1] = True
    t_kw = {"tgt_mask": t_mask, "src_key_padding_mask": torch.tensor(spad),
            "memory_key_padding_mask": torch.tensor(spad)}
    c_kw = {"tgt_mask": c_mask, "src_key_padding_mask": chainrule.tensor(spad),
            "memory_key_padding_mask": chainrule.tensor(spad)}
    compare(torch, tm(ts, tt, **t_kw), cm(cs, ct, **c_kw), [ts, tt], [cs, ct], tm, cm)


def test_transformer_unbatched(torch):
    tm, cm = make_pair(torch, "Transformer", 8, 2, 1, 1, 16, 0.0)
    ts, cs = pair(torch, RNG.standard_normal((5, 8)))
    tt, ct = pair(torch, RNG.standard_normal((3, 8)))
    compare(torch, tm(ts, tt), cm(cs, ct), [ts, tt], [cs, ct], tm, cm)


def test_transformer_repr_state_dict_and_defaults(torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.nn.Transformer(8, 2, 1, 1, 16)
        cm = chainrule.nn.Transformer(8, 2, 1, 1, 16)
    assert repr(cm) == repr(tm)
    assert list(cm.state_dict()) == list(tm.state_dict())
    assert [tuple(p.shape) for p in cm.parameters()] == [tuple(p.shape) for p in tm.parameters()]
    assert cm.d_model == 8 and cm.nhead == 2 and cm.batch_first is False


def test_generate_square_subsequent_mask(torch):
    for dtype in ("float32", "float64"):
        t_mask = torch.nn.Transformer.generate_square_subsequent_mask(
            4, dtype=getattr(torch, dtype))
        c_mask = chainrule.nn.Transformer.generate_square_subsequent_mask(
            4, dtype=getattr(chainrule, dtype))
        np.testing.assert_array_equal(to_numpy(c_mask), to_numpy(t_mask))
        assert str(c_mask.dtype) == str(t_mask.dtype)
    assert chainrule.nn.Transformer.generate_square_subsequent_mask(3).dtype == chainrule.float32


def test_nested_tensor_warning_matches_torch(torch):
    for kwargs in ({}, {"batch_first": True}, {"batch_first": True, "norm_first": True}):
        with warnings.catch_warnings(record=True) as t_rec:
            warnings.simplefilter("always")
            torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, **kwargs), 1)
        with warnings.catch_warnings(record=True) as c_rec:
            warnings.simplefilter("always")
            chainrule.nn.TransformerEncoder(
                chainrule.nn.TransformerEncoderLayer(8, 2, **kwargs), 1)
        assert [str(w.message) for w in c_rec] == [str(w.message) for w in t_rec]


def test_transformer_dropout_active_in_train_mode():
    model = chainrule.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = chainrule.randn(4, 3, 8)
    a, b = model(x), model(x)
    assert not np.allclose(to_numpy(a), to_numpy(b))
    model.eval()
    np.testing.assert_array_equal(to_numpy(model(x)), to_numpy(model(x)))


def test_mha_gradcheck():
    m = chainrule.nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    q = chainrule.randn(3, 2, 4, dtype=chainrule.float64, requires_grad=True)
    k = chainrule.randn(2, 2, 4, dtype=chainrule.float64, requires_grad=True)
    assert chainrule.autograd.gradcheck(lambda a, b: m(a, b, b)[0], (q, k))
    mask = chainrule.tensor(np.triu(np.ones((3, 2), dtype=bool), 1))
    assert chainrule.autograd.gradcheck(lambda a, b: m(a, b, b, attn_mask=mask)[1], (q, k))


@pytest.mark.parametrize("norm_first,batch_first", list(itertools.product([False, True],
                                                                          [False, True])))
def test_float32_encoder_decoder(torch, norm_first, batch_first):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.nn.Transformer(8, 2, 1, 1, 16, 0.0, norm_first=norm_first,
                                  batch_first=batch_first)
        cm = chainrule.nn.Transformer(8, 2, 1, 1, 16, 0.0, norm_first=norm_first,
                                      batch_first=batch_first)
    cm.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    src = RNG.standard_normal((2, 5, 8)).astype(np.float32)
    tgt = RNG.standard_normal((2, 3, 8)).astype(np.float32)
    if not batch_first:
        src, tgt = src.transpose(1, 0, 2).copy(), tgt.transpose(1, 0, 2).copy()
    ts, cs = pair(torch, src)
    tt, ct = pair(torch, tgt)
    compare(torch, tm(ts, tt), cm(cs, ct), [ts, tt], [cs, ct], tm, cm, tol=2e-5)


def test_transformer_custom_encoder_and_decoder(torch):
    class PassThrough(chainrule.nn.Module):
        def forward(self, src, **kwargs):
            return src

    enc = PassThrough()
    layer = chainrule.nn.TransformerDecoderLayer(8, 2, 16, 0.0)
    dec = chainrule.nn.TransformerDecoder(layer, 1)
    model = chainrule.nn.Transformer(8, 2, custom_encoder=enc, custom_decoder=dec)
    assert model.encoder is enc and model.decoder is dec
    src, tgt = chainrule.randn(5, 2, 8), chainrule.randn(3, 2, 8)
    np.testing.assert_allclose(to_numpy(model(src, tgt)), to_numpy(dec(tgt, src)), rtol=1e-6)


@pytest.mark.parametrize("use_pad,use_causal", [(True, False), (False, True), (True, True)])
def test_encoder_layer_eval_no_grad_matches_torch_fast_path(torch, use_pad, use_causal):
    tm, cm = make_pair(torch, "TransformerEncoderLayer", 8, 2, 16, 0.0, batch_first=True)
    tm.eval()
    cm.eval()
    x = RNG.standard_normal((3, 5, 8))
    pad = np.zeros((3, 5), dtype=bool)
    pad[1, 3:] = True
    causal = np.triu(np.ones((5, 5), dtype=bool), 1)
    masks = {}
    if use_pad:
        masks["src_key_padding_mask"] = pad
    if use_causal:
        masks["src_mask"] = causal
    with torch.no_grad(), chainrule.no_grad():
        t_out = tm(torch.tensor(x), **{k: torch.tensor(v) for k, v in masks.items()})
        c_out = cm(chainrule.tensor(x), **{k: chainrule.tensor(v) for k, v in masks.items()})
    assert_close(c_out, t_out, 1e-10)


def test_fastpath_flag_controls_nested_zeroing(torch):
    torch.manual_seed(0)
    tm = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 1).double().eval()
    cm = chainrule.nn.TransformerEncoder(
        chainrule.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 1).double().eval()
    cm.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = RNG.standard_normal((2, 4, 8))
    pad = np.array([[False] * 4, [False, False, True, True]])
    assert chainrule.backends.mha.get_fastpath_enabled() is torch.backends.mha.get_fastpath_enabled()
    try:
        for enabled in (False, True):
            torch.backends.mha.set_fastpath_enabled(enabled)
            chainrule.backends.mha.set_fastpath_enabled(enabled)
            with torch.no_grad(), chainrule.no_grad():
                t_out = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(pad))
                c_out = cm(chainrule.tensor(x), src_key_padding_mask=chainrule.tensor(pad))
            assert_close(c_out, t_out, 1e-10)
    finally:
        torch.backends.mha.set_fastpath_enabled(True)
        chainrule.backends.mha.set_fastpath_enabled(True)
