"""Batching rules for nn ops (pooling, upsampling, padding, group and batch norm): vmap
gives the per-sample loop's numbers with no per-sample fallback (no performance warning),
and batch norm in training mode behaves as in torch (per-sample statistics; running
statistics that are not batched are refused with torch's error)."""
import warnings

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from chainrule.func import vmap

torch = pytest.importorskip("torch")

_W = chainrule.tensor(np.linspace(-1, 1, 4), dtype=chainrule.float64)
_RM = chainrule.tensor(np.linspace(-0.5, 0.5, 4), dtype=chainrule.float64)
_RV = chainrule.tensor(np.linspace(0.5, 2, 4), dtype=chainrule.float64)

CASES = {
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 2), (2, 4, 6, 6)),
    "avg_pool2d_unbatched": (lambda x: F.avg_pool2d(x, 2, stride=1), (4, 6, 6)),
    "avg_pool3d": (lambda x: F.avg_pool3d(x, 2), (1, 4, 4, 4, 4)),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, 3), (2, 4, 6, 6)),
    "adaptive_avg_pool3d": (lambda x: F.adaptive_avg_pool3d(x, 2), (4, 4, 4, 4)),
    "adaptive_max_pool1d": (lambda x: F.adaptive_max_pool1d(x, 3), (2, 4, 6)),
    "adaptive_max_pool2d": (lambda x: F.adaptive_max_pool2d(x, 3), (2, 4, 6, 6)),
    "adaptive_max_pool2d_indices": (
        lambda x: F.adaptive_max_pool2d(x, 2, return_indices=True)[1].double(), (4, 6, 6)),
    "max_pool2d": (lambda x: F.max_pool2d(x, 2), (2, 4, 6, 6)),
    "interpolate_nearest": (lambda x: F.interpolate(x, scale_factor=2), (2, 4, 3, 3)),
    "interpolate_bilinear": (
        lambda x: F.interpolate(x, scale_factor=2, mode="bilinear"), (2, 4, 3, 3)),
    "interpolate_linear": (lambda x: F.interpolate(x, size=7, mode="linear"), (2, 4, 3)),
    "pad_constant": (lambda x: F.pad(x, (1, 2, 0, 1), value=0.5), (2, 4, 3, 3)),
    "pad_reflect": (lambda x: F.pad(x, (1, 1, 1, 1), mode="reflect"), (2, 4, 3, 3)),
    "pad_replicate": (lambda x: F.pad(x, (1, 2), mode="replicate"), (2, 4, 3)),
    "pixel_shuffle": (lambda x: F.pixel_shuffle(x, 2), (2, 4, 3, 3)),
    "group_norm": (lambda x: F.group_norm(x, 2, _W, _W), (2, 4, 3, 3)),
    "batch_norm_eval": (lambda x: F.batch_norm(x, _RM, _RV, _W, _W), (3, 4, 5)),
    "batch_norm_train": (lambda x: F.batch_norm(x, None, None, _W, _W, training=True),
                         (3, 4, 5)),
    "instance_norm": (lambda x: F.instance_norm(x), (2, 4, 5)),
    "layer_norm": (lambda x: F.layer_norm(x, (5,), _W.new_ones(5)), (3, 4, 5)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_vmap_matches_loop_without_fallback(name):
    fn, shape = CASES[name]
    rng = np.random.default_rng(len(name))
    x = chainrule.tensor(rng.standard_normal((3,) + shape), dtype=chainrule.float64)
    expected = chainrule.stack([fn(x[i]) for i in range(3)])
    from chainrule.func._vmap import _handler
    _handler._WARNED.clear()
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="There is a performance drop")
        got = vmap(fn)(x)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)
    # in_dims=1: the batch in the middle
    got1 = vmap(fn, in_dims=1)(x.movedim(0, 1).contiguous())
    np.testing.assert_allclose(got1.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)


def test_batch_norm_train_per_sample_grads_match_torch():
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((3, 4, 2, 5))
    out = []
    for m in (chainrule, torch):
        w = m.tensor(np.linspace(0.5, 1.5, 2), dtype=m.float64)

        def loss(w, x):
            return (m.nn.functional.batch_norm(x, None, None, w, None, training=True) ** 3).sum()
        out.append(m.func.vmap(m.func.grad(loss), in_dims=(None, 0))(w, m.tensor(xs)))
    np.testing.assert_allclose(out[0].numpy(), out[1].numpy(), rtol=1e-10)


def test_batch_norm_train_with_running_stats_refused_as_torch():
    errors = []
    for m in (chainrule, torch):
        x = m.zeros(3, 4, 2, 5, dtype=m.float64)
        rm, rv = m.zeros(2, dtype=m.float64), m.ones(2, dtype=m.float64)
        with pytest.raises(RuntimeError) as info:
            m.func.vmap(lambda x: m.nn.functional.batch_norm(x, rm, rv, training=True))(x)
        errors.append(str(info.value))
    assert errors[0] == errors[1]
