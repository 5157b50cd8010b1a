"""Layer behaviour beyond one forward pass, against torch: BatchNorm running statistics
over several steps, dropout statistics, default initialisation, errors, in-place
activations, dtype arguments, and a small conv net trained a few steps."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from nn_layer_pairs import assert_same_error, build_pair, torch

import chainrule


def _load(cm, tm):
    cm.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tm.state_dict().items()})


def _np(t):
    return np.asarray(t.detach().numpy())


# ------------------------------------------------------------------ batch norm state
@pytest.mark.parametrize("ctor", [
    lambda nn: nn.BatchNorm1d(3),
    lambda nn: nn.BatchNorm1d(3, momentum=None),
    lambda nn: nn.BatchNorm2d(3, momentum=0.3, affine=False),
    lambda nn: nn.BatchNorm3d(3, eps=1e-3),
    lambda nn: nn.SyncBatchNorm(3, momentum=None),
    lambda nn: nn.InstanceNorm2d(3, track_running_stats=True, momentum=0.2),
], ids=["bn1d", "bn1d-cumulative", "bn2d-noaffine", "bn3d", "sync-cumulative", "in2d-stats"])
def test_running_stats_follow_torch_over_steps(ctor):
    tm, cm = build_pair(ctor)
    _load(cm, tm)
    rng = np.random.default_rng(0)
    shape = {"BatchNorm1d": (5, 3), "BatchNorm2d": (4, 3, 2, 2), "BatchNorm3d": (2, 3, 2, 2, 2),
             "SyncBatchNorm": (4, 3, 3), "InstanceNorm2d": (2, 3, 3, 3)}[type(tm).__name__]
    for step in range(4):
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(np.float32)
        for m in (tm, cm):
            m.train(step < 3)
        t_out = tm(torch.tensor(x))
        c_out = cm(chainrule.tensor(x))
        np.testing.assert_allclose(_np(c_out), _np(t_out), rtol=1e-4, atol=1e-5)
        for (name, cb), (_, tb) in zip(cm.named_buffers(), tm.named_buffers()):
            np.testing.assert_allclose(_np(cb), _np(tb), rtol=1e-5, atol=1e-6, err_msg=name)
            assert str(cb.dtype) == str(tb.dtype)


def test_batchnorm_num_batches_tracked_and_reset():
    tm, cm = build_pair(lambda nn: nn.BatchNorm1d(2))
    for m, lib in ((tm, torch), (cm, chainrule)):
        for _ in range(3):
            m(lib.randn(4, 2))
        assert int(m.num_batches_tracked) == 3
        m.eval()
        m(lib.randn(4, 2))
        assert int(m.num_batches_tracked) == 3
        m.reset_running_stats()
        assert int(m.num_batches_tracked) == 0
        assert m.running_mean.tolist() == [0.0, 0.0] and m.running_var.tolist() == [1.0, 1.0]


def test_batchnorm_loads_state_dict_without_num_batches_tracked():
    """A pre-version-2 checkpoint has no num_batches_tracked: both libraries accept it."""
    tm, cm = build_pair(lambda nn: nn.BatchNorm2d(3))
    sd = {k: v for k, v in tm.state_dict().items() if k != "num_batches_tracked"}
    tm.load_state_dict(sd)
    result = cm.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in sd.items()})
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    assert int(cm.num_batches_tracked) == 0


def test_batchnorm_eval_without_running_stats_uses_batch_stats():
    tm, cm = build_pair(lambda nn: nn.BatchNorm1d(3, track_running_stats=False))
    x = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    tm.eval()
    cm.eval()
    np.testing.assert_allclose(_np(cm(chainrule.tensor(x))), _np(tm(torch.tensor(x))),
                               rtol=1e-4, atol=1e-5)
    assert cm.running_mean is None and cm.num_batches_tracked is None


def test_convert_sync_batchnorm():
    def net(nn):
        return nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3), nn.ReLU())
    tm, cm = build_pair(net)
    tc = torch.nn.SyncBatchNorm.convert_sync_batchnorm(tm)
    cc = chainrule.nn.SyncBatchNorm.convert_sync_batchnorm(cm)
    assert repr(cc) == repr(tc)
    assert cc[1].running_mean is cm[1].running_mean


# ------------------------------------------------------------------ dropout
@pytest.mark.parametrize("p", [0.2, 0.5])
def test_dropout_zeroes_and_scales(p):
    m = chainrule.nn.Dropout(p)
    x = chainrule.ones(200, 200)
    y = m(x).numpy()
    assert set(np.unique(y).round(5)) <= {0.0, round(1 / (1 - p), 5)}
    assert abs((y == 0).mean() - p) < 0.02
    m.eval()
    assert m(x) is x or np.array_equal(m(x).numpy(), x.numpy())


@pytest.mark.parametrize(("cls", "shape"), [("Dropout1d", (50, 40, 6)),
                                            ("Dropout2d", (50, 40, 3, 3)),
                                            ("Dropout3d", (50, 40, 2, 2, 2))])
def test_channel_dropout_zeroes_whole_channels(cls, shape):
    y = getattr(chainrule.nn, cls)(0.5)(chainrule.ones(shape)).numpy()
    per_channel = y.reshape(shape[0], shape[1], -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))
    assert abs((per_channel[..., 0] == 0).mean() - 0.5) < 0.05


def test_alpha_dropout_keeps_mean_and_variance():
    x = chainrule.randn(400, 400)
    for cls in ("AlphaDropout", "FeatureAlphaDropout"):
        y = getattr(chainrule.nn, cls)(0.3)(x.view(400, 400, 1)).numpy()
        assert abs(y.mean()) < 0.05 and abs(y.std() - 1) < 0.05


def test_dropout_inplace_and_p_range():
    x = chainrule.ones(10, 10)
    y = chainrule.nn.Dropout(0.5, inplace=True)(x)
    assert y is x or np.shares_memory(y.numpy(), x.numpy())
    assert_same_error(lambda lib: lib.nn.Dropout(1.5))
    assert_same_error(lambda lib: lib.nn.Dropout2d(-0.1))


def test_rrelu_training_slopes_lie_in_range():
    m = chainrule.nn.RReLU(0.1, 0.3)
    x = -chainrule.ones(1000)
    slopes = -m(x).numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    m.eval()
    np.testing.assert_allclose(-m(x).numpy(), 0.2, rtol=1e-6)


def test_fractional_max_pool_with_fixed_samples_matches_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 9, 9)).astype(np.float32)
    samples = rng.uniform(size=(2, 3, 2)).astype(np.float32)
    outs = []
    for lib in (torch, chainrule):
        m = lib.nn.FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True,
                                       _random_samples=lib.tensor(samples))
        xt = lib.tensor(x, requires_grad=True)
        out, idx = m(xt)
        out.sum().backward()
        outs.append((_np(out), _np(idx), _np(xt.grad), repr(m)))
    for c, t in zip(outs[1], outs[0]):
        if isinstance(t, str):
            assert c == t
        else:
            np.testing.assert_allclose(c, t)
    for lib in (torch, chainrule):
        m = lib.nn.FractionalMaxPool3d(2, output_size=(2, 3, 2))
        assert tuple(m(lib.randn(1, 2, 5, 6, 4)).shape) == (1, 2, 2, 3, 2)


# ------------------------------------------------------------------ initialisation
def _bound(fan_in):
    return 1 / math.sqrt(fan_in)


@pytest.mark.parametrize(("ctor", "weight_bound", "bias_bound"), [
    (lambda nn: nn.Linear(50, 40), _bound(50), _bound(50)),
    (lambda nn: nn.Conv2d(6, 30, 3), _bound(54), _bound(54)),
    (lambda nn: nn.Conv1d(8, 30, 5, groups=2), _bound(20), _bound(20)),
    (lambda nn: nn.ConvTranspose2d(6, 30, 3), _bound(270), _bound(270)),
    (lambda nn: nn.Bilinear(20, 10, 30), _bound(20), _bound(20)),
], ids=["linear", "conv2d", "conv1d-groups", "convT2d", "bilinear"])
def test_default_init_is_torch_uniform(ctor, weight_bound, bias_bound):
    """kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias the
    same bound; torch's draws satisfy the same bounds."""
    tm, cm = build_pair(ctor)
    for m in (tm, cm):
        w, b = _np(m.weight), _np(m.bias)
        assert np.abs(w).max() <= weight_bound + 1e-7
        assert np.abs(w).max() > 0.9 * weight_bound
        assert abs(w.std() - weight_bound / math.sqrt(3)) < 0.1 * weight_bound
        assert np.abs(b).max() <= bias_bound + 1e-7


def test_default_init_of_norms_embeddings_prelu():
    for lib in (torch, chainrule):
        nn = lib.nn
        e = nn.Embedding(300, 40, padding_idx=3)
        w = _np(e.weight)
        assert abs(w.mean()) < 0.03 and abs(w.std() - 1) < 0.03 and not w[3].any()
        assert np.all(_np(nn.PReLU(4, init=0.1).weight) == np.float32(0.1))
        for m in (nn.BatchNorm2d(3), nn.LayerNorm(3), nn.GroupNorm(1, 3),
                  nn.InstanceNorm1d(3, affine=True)):
            assert np.all(_np(m.weight) == 1) and np.all(_np(m.bias) == 0)
        assert np.all(_np(nn.RMSNorm(3).weight) == 1)


def test_factory_kwargs_set_dtype():
    for ctor in (lambda nn: nn.Linear(2, 3, dtype=chainrule.float64),
                 lambda nn: nn.Conv2d(2, 3, 1, device="cpu", dtype=chainrule.float64),
                 lambda nn: nn.BatchNorm1d(2, dtype=chainrule.float64),
                 lambda nn: nn.Embedding(3, 2, dtype=chainrule.float64),
                 lambda nn: nn.LayerNorm(2, dtype=chainrule.float64),
                 lambda nn: nn.PReLU(dtype=chainrule.float64)):
        m = ctor(chainrule.nn)
        assert all(p.dtype == chainrule.float64 for p in m.parameters())
    bn = chainrule.nn.BatchNorm1d(2, dtype=chainrule.float64)
    assert bn.running_mean.dtype == chainrule.float64
    assert bn.num_batches_tracked.dtype == chainrule.int64


def test_embedding_from_pretrained():
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    for lib in (torch, chainrule):
        e = lib.nn.Embedding.from_pretrained(lib.tensor(w), padding_idx=1)
        assert not e.weight.requires_grad and repr(e) == "Embedding(4, 3, padding_idx=1)"
        np.testing.assert_array_equal(_np(e(lib.tensor([1, 3]))), w[[1, 3]])
        e2 = lib.nn.Embedding.from_pretrained(lib.tensor(w), freeze=False)
        assert e2.weight.requires_grad
        b = lib.nn.EmbeddingBag.from_pretrained(lib.tensor(w), mode="max")
        assert not b.weight.requires_grad
        np.testing.assert_array_equal(_np(b(lib.tensor([[0, 2]]))), w[[2]])


def test_softmax_without_dim_warns_and_picks_torch_dim():
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    outs = []
    for lib in (torch, chainrule):
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            outs.append(_np(lib.nn.Softmax()(lib.tensor(x))))
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-5)


@pytest.mark.parametrize("name", ["ReLU", "ReLU6", "LeakyReLU", "ELU", "CELU", "SELU", "SiLU",
                                  "Mish", "Hardtanh", "Hardsigmoid", "Hardswish", "RReLU"])
def test_inplace_activations_overwrite_input(name):
    x = np.linspace(-3, 3, 12, dtype=np.float32)
    res = []
    for lib in (torch, chainrule):
        m = getattr(lib.nn, name)(inplace=True).eval()
        t = lib.tensor(x)
        y = m(t)
        res.append((_np(t), _np(y), repr(m)))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(res[1][1], res[1][0])
    assert res[1][2] == res[0][2]


def test_threshold_inplace_repr():
    for lib in (torch, chainrule):
        assert repr(lib.nn.Threshold(0.1, 2, inplace=True)) == \
            "Threshold(threshold=0.1, value=2, inplace=True)"


# ------------------------------------------------------------------ errors
SET_MESSAGES = [lambda lib: lib.nn.Conv2d(3, 4, 3, padding_mode="mirror"),
                lambda lib: lib.nn.Conv2d(3, 4, 3, padding="full")]
ERRORS = [
    lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.randn(2, 3, 4)),
    lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.randn(1, 2, 5, 5)),
    lambda lib: lib.nn.Conv2d(3, 4, 3)(lib.randn(5, 5)),
    lambda lib: lib.nn.Conv2d(3, 4, 3, groups=2),
    lambda lib: lib.nn.Conv2d(4, 3, 3, groups=2),
    lambda lib: lib.nn.Conv2d(4, 4, 3, groups=0),
    SET_MESSAGES[1],
    lambda lib: lib.nn.Conv2d(3, 4, 3, padding="same", stride=2),
    SET_MESSAGES[0],
    lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect"),
    lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, stride=2)(lib.randn(1, 3, 4, 4),
                                                          output_size=[20, 20]),
    lambda lib: lib.nn.ConvTranspose2d(3, 4, 3, stride=2)(lib.randn(1, 3, 4, 4),
                                                          output_size=[9]),
    lambda lib: lib.nn.BatchNorm2d(3)(lib.randn(2, 3)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(2, 3, 4, 4)),
    lambda lib: lib.nn.BatchNorm3d(3)(lib.randn(2, 3, 4, 4)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(2, 4)),
    lambda lib: lib.nn.SyncBatchNorm(3)(lib.randn(3)),
    lambda lib: lib.nn.InstanceNorm1d(3)(lib.randn(2, 3, 4, 5)),
    lambda lib: lib.nn.InstanceNorm2d(3, affine=True)(lib.randn(2, 4, 3, 3)),
    lambda lib: lib.nn.LayerNorm(4)(lib.randn(2, 3)),
    lambda lib: lib.nn.GroupNorm(2, 5),
    lambda lib: lib.nn.GroupNorm(2, 4)(lib.randn(2, 3, 2)),
    lambda lib: lib.nn.Linear(3, 2)(lib.randn(2, 4)),
    lambda lib: lib.nn.Embedding(3, 2)(lib.tensor([5])),
    lambda lib: lib.nn.Embedding(3, 2, padding_idx=3),
    lambda lib: lib.nn.Embedding(3, 2, padding_idx=-4),
    lambda lib: lib.nn.Embedding(3, 2, _weight=lib.ones(2, 2)),
    lambda lib: lib.nn.Embedding.from_pretrained(lib.ones(3)),
    lambda lib: lib.nn.EmbeddingBag(3, 2, padding_idx=5),
    lambda lib: lib.nn.MaxPool2d(3)(lib.randn(1, 1, 2, 2)),
    lambda lib: lib.nn.Hardtanh(1.0, 0.5),
    lambda lib: lib.nn.Softmax2d()(lib.randn(2, 3)),
    lambda lib: lib.nn.Unflatten(1, 4),
    lambda lib: lib.nn.Unflatten(1, (2, 2.0)),
    lambda lib: lib.nn.Unflatten(1, (2, 2))(lib.randn(3, 5)),
    lambda lib: lib.nn.FractionalMaxPool2d(2),
    lambda lib: lib.nn.FractionalMaxPool2d(2, output_size=3, output_ratio=0.5),
    lambda lib: lib.nn.FractionalMaxPool2d(2, output_ratio=1.5),
    lambda lib: lib.nn.FractionalMaxPool3d(0, output_size=2),
    lambda lib: lib.nn.CrossMapLRN2d(3)(lib.randn(2, 3, 4)),
    lambda lib: lib.nn.Bilinear(0, 2, 3),
    lambda lib: lib.nn.PixelShuffle(2)(lib.randn(1, 3, 2, 2)),
    lambda lib: lib.nn.ReflectionPad2d(3)(lib.randn(1, 1, 2, 2)),
    lambda lib: lib.nn.CircularPad2d(1)(lib.randn(2, 2)),
    lambda lib: lib.nn.Upsample(scale_factor=2)(lib.randn(3)),
    lambda lib: lib.nn.PReLU(3)(lib.randn(2, 4)),
    lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(1, 3)),
    lambda lib: lib.nn.Upsample(scale_factor=2, align_corners=True)(lib.randn(1, 1, 2, 2)),
    lambda lib: lib.nn.Upsample()(lib.randn(1, 1, 2, 2)),
    lambda lib: lib.nn.Upsample(size=3, mode="bilinear")(lib.randn(1, 2)),
    lambda lib: lib.nn.MaxUnpool2d(2)(lib.randn(1, 1, 2, 2), lib.zeros(1, 1, 2, 2,
                                                                     dtype=lib.long),
                                      output_size=[9, 9]),
    lambda lib: lib.nn.AdaptiveAvgPool2d((2, 2, 2))(lib.randn(1, 2, 4, 4)),
    lambda lib: lib.nn.Embedding(4, 2)(lib.tensor([0.5])),
    lambda lib: lib.nn.CrossEntropyLoss()(lib.randn(2, 3), lib.tensor([0.0, 1.0])),
    lambda lib: lib.nn.SyncBatchNorm(0)(lib.randn(2, 0)),
    lambda lib: lib.nn.GLU()(lib.randn(2, 3)),
    lambda lib: lib.nn.ChannelShuffle(3)(lib.randn(1, 4, 2, 2)),
    lambda lib: lib.nn.Fold((4, 5), 2)(lib.randn(1, 12, 11)),
    lambda lib: lib.nn.EmbeddingBag(5, 2)(lib.tensor([1, 2]), lib.tensor([0, 1]),
                                          lib.ones(2)),
    lambda lib: lib.nn.Bilinear(2, 3, 1)(lib.randn(4, 2), lib.randn(4, 2)),
]


@pytest.mark.parametrize("fn", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_layer_errors_match_torch(fn):
    # a message that prints a set: its order is fixed when torch's .pyc was compiled
    assert_same_error(fn, exact=fn not in SET_MESSAGES)


# ------------------------------------------------------------------ a conv net
def _conv_net(nn):
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, padding="same", padding_mode="reflect"), nn.GroupNorm(2, 6),
        nn.GELU(), nn.AdaptiveAvgPool2d((2, 2)), nn.Flatten(), nn.Dropout(0.0),
        nn.Linear(24, 10), nn.LayerNorm(10), nn.LogSoftmax(dim=1))


def test_conv_net_trains_like_torch():
    """The same net, weights and data: three SGD-with-momentum steps give torch's losses,
    and the final parameters and running stats agree."""
    tm, cm = build_pair(_conv_net)
    _load(cm, tm)
    assert repr(cm) == repr(tm)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 10, 8)
    losses = []
    for lib, m in ((torch, tm), (chainrule, cm)):
        opt = lib.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        crit = lib.nn.NLLLoss()
        run = []
        for _ in range(3):
            opt.zero_grad()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loss = crit(m(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            opt.step()
            run.append(loss.item())
        m.eval()
        run.append(crit(m(lib.tensor(x)), lib.tensor(y)).item())
        losses.append(run)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-4)
    tsd, csd = tm.state_dict(), cm.state_dict()
    assert list(csd) == list(tsd)
    assert dict(csd._metadata) == dict(tsd._metadata)  # BatchNorm's _version is 2
    for k in tsd:
        np.testing.assert_allclose(_np(csd[k]), _np(tsd[k]), rtol=1e-3, atol=1e-5, err_msg=k)


def test_cross_map_lrn2d_gradient_is_exact():
    """chainrule's CrossMapLRN2d differentiates its own forward (torch's hand-written
    backward does not; see docs/differences.md)."""
    x = chainrule.randn(2, 5, 2, 2, dtype=chainrule.float64, requires_grad=True)
    m = chainrule.nn.CrossMapLRN2d(3, alpha=0.1, k=2.0)
    assert chainrule.autograd.gradcheck(m, (x,))


@pytest.mark.parametrize("ctor", [
    lambda nn: nn.Conv2d(2, 2, 2, padding_mode="circular", padding=1),
    lambda nn: nn.ConvTranspose1d(2, 2, 2, stride=2),
    lambda nn: nn.BatchNorm1d(2),
    lambda nn: nn.GroupNorm(1, 2),
    lambda nn: nn.Bilinear(2, 2, 1),
    lambda nn: nn.PReLU(2),
], ids=["conv2d-circular", "convT1d", "bn1d", "groupnorm", "bilinear", "prelu"])
def test_layers_pass_gradcheck_in_float64(ctor):
    m = ctor(chainrule.nn).double()
    shape = {"Bilinear": [(3, 2), (3, 2)], "ConvTranspose1d": [(1, 2, 3)],
             "BatchNorm1d": [(4, 2)], "PReLU": [(3, 2)]}.get(type(m).__name__, [(1, 2, 3, 3)])
    xs = tuple(chainrule.randn(*s, dtype=chainrule.float64, requires_grad=True) for s in shape)
    params = tuple(m.parameters())
    assert chainrule.autograd.gradcheck(lambda *a: m(*a[:len(xs)]), xs + params)


def test_adaptive_log_softmax_matches_torch():
    def ctor(nn):
        return nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[3, 6], div_value=2.0,
                                             head_bias=True)
    tm, cm = build_pair(ctor)
    _load(cm, tm)
    assert repr(cm) == repr(tm)
    assert list(cm.state_dict()) == list(tm.state_dict())
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 8)).astype(np.float32)
    y = np.array([0, 4, 9, 2, 7, 5])
    res = []
    for lib, m in ((torch, tm), (chainrule, cm)):
        xt = lib.tensor(x, requires_grad=True)
        out, loss = m(xt, lib.tensor(y))
        loss.backward()
        res.append([_np(out), _np(loss), _np(xt.grad), _np(m.head.weight.grad),
                    _np(m.tail[1][0].weight.grad), _np(m.log_prob(lib.tensor(x))),
                    _np(m.predict(lib.tensor(x))), _np(m(lib.tensor(x[0]),
                                                         lib.tensor(y[0])).output)])
    for c, t in zip(res[1], res[0]):
        np.testing.assert_allclose(c, t, rtol=1e-4, atol=1e-6)
    assert_same_error(lambda lib: lib.nn.AdaptiveLogSoftmaxWithLoss(4, 5, [3, 2]))
    assert_same_error(lambda lib: ctor(lib.nn)(lib.randn(2, 8), lib.tensor([1, 10])))
    assert_same_error(lambda lib: ctor(lib.nn)(lib.randn(2, 8), lib.tensor([[1]])))


@pytest.mark.parametrize(("ctor", "shape"), [
    (lambda nn: nn.Conv2d(2, 2, 2), (1, 2, 3, 3)),
    (lambda nn: nn.BatchNorm1d(2), (4, 2)),
    (lambda nn: nn.LayerNorm(3), (2, 3)),
    (lambda nn: nn.InstanceNorm1d(2, affine=True), (2, 2, 3)),
    (lambda nn: nn.Upsample(scale_factor=2, mode="bilinear"), (1, 1, 2, 2)),
], ids=["conv2d", "batchnorm1d", "layernorm", "instancenorm1d", "upsample-bilinear"])
def test_layers_pass_gradgradcheck_in_float64(ctor, shape):
    m = ctor(chainrule.nn).double()
    x = chainrule.randn(*shape, dtype=chainrule.float64, requires_grad=True)
    params = tuple(m.parameters())
    assert chainrule.autograd.gradgradcheck(lambda *a: m(a[0]), (x,) + params)


def test_dropout_gradient_follows_its_mask():
    x = chainrule.ones(50, 50, requires_grad=True)
    y = chainrule.nn.Dropout(0.4)(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.detach().numpy())


def test_instance_norm_warns_on_unused_num_features():
    for lib in (torch, chainrule):
        with pytest.warns(UserWarning, match="does not match num_features"):
            lib.nn.InstanceNorm1d(4)(lib.randn(2, 3, 5))


class _TokenNet:
    """Embedding + LayerNorm + GELU MLP + per-token classifier: a transformer-style block
    without attention, built in either library."""

    def __new__(cls, nn):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(20, 8, padding_idx=0)
                self.norm = nn.LayerNorm(8)
                self.mlp = nn.Sequential(nn.Linear(8, 16), nn.GELU(approximate="tanh"),
                                         nn.Dropout(0.0), nn.Linear(16, 8))
                self.head = nn.Linear(8, 5)
                self.conv = nn.Conv1d(8, 8, 3, padding=1, groups=2)

            def forward(self, tokens):
                h = self.emb(tokens)
                h = h + self.mlp(self.norm(h))
                h = h + self.conv(h.transpose(1, 2)).transpose(1, 2)
                return self.head(h)
        return Net()


def test_token_model_trains_like_torch_with_adam():
    tm, cm = build_pair(_TokenNet)
    _load(cm, tm)
    assert repr(cm) == repr(tm)
    rng = np.random.default_rng(2)
    tokens = rng.integers(0, 20, (4, 7))
    labels = rng.integers(0, 5, (4, 7))
    labels[tokens == 0] = -1
    losses = []
    for lib, m in ((torch, tm), (chainrule, cm)):
        opt = lib.optim.Adam(m.parameters(), lr=1e-2)
        crit = lib.nn.CrossEntropyLoss(ignore_index=-1)
        run = []
        for _ in range(3):
            opt.zero_grad()
            logits = m(lib.tensor(tokens))
            loss = crit(logits.reshape(-1, 5), lib.tensor(labels).reshape(-1))
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-4)
    np.testing.assert_allclose(_np(cm.emb.weight), _np(tm.emb.weight), rtol=1e-3, atol=1e-5)
    assert not _np(cm.emb.weight)[0].any()


def test_instance_norm_rejects_running_stats_it_does_not_track():
    def load(lib):
        m = lib.nn.InstanceNorm1d(2)
        m.load_state_dict({"running_mean": lib.zeros(2), "running_var": lib.ones(2)})
    assert_same_error(load, exact=False)
    messages = [str(outcome_of(load, lib)) for lib in (torch, chainrule)]
    assert 'Unexpected running stats buffer(s) "running_mean" and "running_var" for ' \
           'InstanceNorm1d with track_running_stats=False' in messages[1]
    assert messages[1].split("\n\t")[1:] == messages[0].split("\n\t")[1:]


def outcome_of(fn, lib):
    try:
        fn(lib)
    except Exception as exc:  # noqa: BLE001 - compared
        return exc
    return None
