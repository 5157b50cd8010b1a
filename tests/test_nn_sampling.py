"""Resampling against torch: errors (class and message), warnings, dtypes, double-backward
nodes, and hypothesis-drawn interpolate / grid_sample configurations (values and grads)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from nn_pairs import (
    assert_same_error,
    compare_values_and_grads,
    double_backward_nodes,
    outcome,
    tensor,
    torch,
)

import chainrule

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

R = np.random.default_rng(0)


def A(*shape):
    return R.standard_normal(shape)


def T(m, a):
    return m.tensor(np.asarray(a, dtype=np.float32))


X = A(1, 2, 4, 4)
G = R.uniform(-1, 1, (1, 3, 3, 2))
ERRORS = {
    "pixel_shuffle rank": lambda m, F: F.pixel_shuffle(T(m, A(8, 3)), 2),
    "pixel_shuffle channels": lambda m, F: F.pixel_shuffle(T(m, A(2, 7, 3, 3)), 2),
    "pixel_shuffle zero": lambda m, F: F.pixel_shuffle(T(m, A(2, 8, 3, 3)), 0),
    "pixel_shuffle float": lambda m, F: F.pixel_shuffle(T(m, A(2, 8, 3, 3)), 2.0),
    "pixel_unshuffle height": lambda m, F: F.pixel_unshuffle(T(m, A(2, 2, 5, 4)), 2),
    "pixel_unshuffle width": lambda m, F: F.pixel_unshuffle(T(m, A(2, 2, 4, 5)), 2),
    "pixel_unshuffle rank": lambda m, F: F.pixel_unshuffle(T(m, A(4, 4)), 2),
    "pixel_unshuffle zero": lambda m, F: F.pixel_unshuffle(T(m, A(2, 2, 4, 4)), 0),
    "channel_shuffle rank": lambda m, F: F.channel_shuffle(T(m, A(2, 4)), 2),
    "channel_shuffle groups": lambda m, F: F.channel_shuffle(T(m, A(2, 5, 3, 3)), 2),
    "channel_shuffle zero": lambda m, F: F.channel_shuffle(T(m, A(2, 4, 3, 3)), 0),
    "channel_shuffle negative": lambda m, F: F.channel_shuffle(T(m, A(2, 4, 3, 3)), -2),
    "native_channel_shuffle groups": lambda m, F: m.native_channel_shuffle(T(m, A(2, 5, 3)), 2),
    "interpolate int": lambda m, F: F.interpolate(m.ones(1, 2, 4, 4, dtype=m.int64),
                                                  scale_factor=2),
    "interpolate bool": lambda m, F: F.interpolate(m.ones(1, 2, 4, 4, dtype=m.bool),
                                                   scale_factor=2),
    "interpolate zero output": lambda m, F: F.interpolate(T(m, X), scale_factor=0.1),
    "interpolate zero input": lambda m, F: F.interpolate(T(m, A(1, 2, 0, 4)), scale_factor=2),
    "interpolate negative scale": lambda m, F: F.interpolate(T(m, X), scale_factor=-1.0),
    "interpolate 1d zero": lambda m, F: F.interpolate(T(m, A(1, 2, 3)), size=0),
    "interpolate 3d zero": lambda m, F: F.interpolate(T(m, A(1, 1, 2, 2, 2)), size=(0, 1, 1)),
    "interpolate both": lambda m, F: F.interpolate(T(m, X), size=3, scale_factor=2),
    "interpolate neither": lambda m, F: F.interpolate(T(m, X)),
    "interpolate align nearest": lambda m, F: F.interpolate(T(m, X), size=3,
                                                            align_corners=True),
    "interpolate bad mode": lambda m, F: F.interpolate(T(m, X), size=3, mode="foo"),
    "interpolate linear 4d": lambda m, F: F.interpolate(T(m, X), size=3, mode="linear"),
    "interpolate bilinear 3d": lambda m, F: F.interpolate(T(m, A(1, 2, 3)), size=3,
                                                          mode="bilinear"),
    "interpolate trilinear 4d": lambda m, F: F.interpolate(T(m, X), size=3, mode="trilinear"),
    "interpolate bicubic 3d": lambda m, F: F.interpolate(T(m, A(1, 2, 3)), size=3,
                                                         mode="bicubic"),
    "interpolate 2-d input": lambda m, F: F.interpolate(T(m, A(3, 4)), size=3),
    "interpolate size length": lambda m, F: F.interpolate(T(m, X), size=(3, 3, 3)),
    "interpolate scale length": lambda m, F: F.interpolate(T(m, X), scale_factor=(3, 3, 3)),
    "interpolate float size": lambda m, F: F.interpolate(T(m, X), size=(3.0, 3)),
    "interpolate recompute with size": lambda m, F: F.interpolate(
        T(m, X), size=3, recompute_scale_factor=True),
    "interpolate antialias nearest": lambda m, F: F.interpolate(T(m, X), size=3,
                                                                antialias=True),
    "grid_sample mode": lambda m, F: F.grid_sample(T(m, X), T(m, G), mode="foo"),
    "grid_sample padding": lambda m, F: F.grid_sample(T(m, X), T(m, G), padding_mode="foo"),
    "grid_sample dtype": lambda m, F: F.grid_sample(T(m, X), T(m, G).double(),
                                                    align_corners=False),
    "grid_sample ranks": lambda m, F: F.grid_sample(T(m, X), T(m, A(1, 3, 3, 3, 2)),
                                                    align_corners=False),
    "grid_sample batch": lambda m, F: F.grid_sample(T(m, X), T(m, A(2, 3, 3, 2)),
                                                    align_corners=False),
    "grid_sample last dim": lambda m, F: F.grid_sample(T(m, X), T(m, A(1, 3, 3, 3)),
                                                       align_corners=False),
    "grid_sample empty": lambda m, F: F.grid_sample(T(m, A(1, 2, 0, 4)), T(m, G),
                                                    align_corners=False),
    "grid_sample bicubic 3d": lambda m, F: F.grid_sample(
        T(m, A(1, 1, 2, 2, 2)), T(m, A(1, 2, 2, 2, 3)), mode="bicubic", align_corners=False),
    "affine_grid int": lambda m, F: F.affine_grid(m.ones(1, 2, 3, dtype=m.int64),
                                                  (1, 1, 2, 2), align_corners=False),
    "affine_grid 2d shape": lambda m, F: F.affine_grid(T(m, A(1, 3, 4)), (1, 1, 2, 2),
                                                       align_corners=False),
    "affine_grid 3d shape": lambda m, F: F.affine_grid(T(m, A(1, 2, 3)), (1, 1, 2, 2, 2),
                                                       align_corners=False),
    "affine_grid size": lambda m, F: F.affine_grid(T(m, A(1, 2, 3)), (1, 2, 3),
                                                   align_corners=False),
    "affine_grid zero": lambda m, F: F.affine_grid(T(m, A(1, 2, 3)), (1, 1, 0, 2),
                                                   align_corners=False),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_sampling_errors_match_torch(name):
    assert_same_error(ERRORS[name])


def test_native_channel_shuffle_has_no_derivative():
    for m in (torch, chainrule):
        x = tensor(m, A(2, 4, 3), True)
        y = m.native_channel_shuffle(x, 2)
        assert y.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::native_channel_shuffle "
                                               "is not implemented"):
            y.sum().backward()


@pytest.mark.parametrize("expr, message", [
    (lambda m, F: F.upsample(T(m, X), scale_factor=2), "`nn.functional.upsample` is deprecated"),
    (lambda m, F: F.upsample_nearest(T(m, X), scale_factor=2), "upsample_nearest` is deprecated"),
    (lambda m, F: F.upsample_bilinear(T(m, X), scale_factor=2),
     "upsample_bilinear` is deprecated"),
    (lambda m, F: F.grid_sample(T(m, X), T(m, G)), "Default grid_sample and affine_grid"),
    (lambda m, F: F.affine_grid(T(m, A(1, 2, 3)), (1, 1, 2, 2)), "Default grid_sample and"),
    (lambda m, F: F.affine_grid(T(m, A(1, 2, 3)), (1, 1, 1, 2), align_corners=True),
     "affine_grid behavior has changed for unit-size grids"),
])
def test_sampling_warnings_match_torch(expr, message):
    for m in (torch, chainrule):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            expr(m, m.nn.functional)
        assert any(message in str(w.message) for w in caught), m.__name__


def test_uint8_nearest_interpolation_matches_torch():
    a = np.arange(2 * 3 * 5).reshape(1, 2, 3, 5).astype(np.uint8)
    out = [m.nn.functional.interpolate(m.tensor(a), scale_factor=(1.7, 0.6)) for m in
           (torch, chainrule)]
    assert str(out[1].dtype) == str(out[0].dtype)
    np.testing.assert_array_equal(out[1].numpy(), out[0].numpy())


DOUBLE = {
    "pixel_shuffle": (lambda m, F, x: F.pixel_shuffle(x, 2), [A(1, 8, 2, 2)]),
    "pixel_unshuffle": (lambda m, F, x: F.pixel_unshuffle(x, 2), [A(1, 2, 4, 4)]),
    "channel_shuffle": (lambda m, F, x: F.channel_shuffle(x, 2), [A(1, 4, 2, 2)]),
    "nearest 1d": (lambda m, F, x: F.interpolate(x, scale_factor=2), [A(1, 2, 3)]),
    "nearest-exact 2d": (lambda m, F, x: F.interpolate(x, size=5, mode="nearest-exact"),
                         [A(1, 2, 3, 3)]),
    "bilinear": (lambda m, F, x: F.interpolate(x, size=5, mode="bilinear"), [A(1, 2, 3, 3)]),
    "bicubic": (lambda m, F, x: F.interpolate(x, size=5, mode="bicubic", align_corners=True),
                [A(1, 2, 3, 3)]),
    "trilinear": (lambda m, F, x: F.interpolate(x, scale_factor=2, mode="trilinear"),
                  [A(1, 1, 2, 2, 2)]),
    "area": (lambda m, F, x: F.interpolate(x, size=(2, 3), mode="area"), [A(1, 2, 5, 5)]),
    "grid_sample bilinear": (lambda m, F, x, g: F.grid_sample(x, g, align_corners=False),
                             [A(1, 2, 4, 4), R.uniform(-1, 1, (1, 2, 3, 2))]),
    "grid_sample bicubic": (lambda m, F, x, g: F.grid_sample(x, g, "bicubic", "border", True),
                            [A(1, 2, 4, 4), R.uniform(-1, 1, (1, 2, 3, 2))]),
    "grid_sample 3d": (lambda m, F, x, g: F.grid_sample(x, g, align_corners=False),
                       [A(1, 1, 3, 3, 3), R.uniform(-1, 1, (1, 2, 2, 2, 3))]),
    "affine_grid": (lambda m, F, t: F.affine_grid(t, (1, 1, 3, 4), align_corners=False),
                    [A(1, 2, 3)]),
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_double_backward_records_torchs_nodes(name):
    fn, arrays = DOUBLE[name]
    t, c = double_backward_nodes(fn, arrays)
    assert c == t


@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding", ["zeros", "border", "reflection"])
def test_grid_sample_second_derivatives_match_torch(mode, padding):
    arrays = [A(2, 2, 4, 5), R.uniform(-1.2, 1.2, (2, 3, 2, 2))]
    res = []
    for m in (torch, chainrule):
        x, g = (tensor(m, a, True) for a in arrays)
        y = m.nn.functional.grid_sample(x, g, mode, padding, align_corners=False)
        gx, gg = m.autograd.grad((y ** 2).sum(), (x, g), create_graph=True)
        second = m.autograd.grad((gx ** 2).sum() + (gg ** 3).sum(), (x, g), allow_unused=True)
        res.append([s.numpy() if s is not None else None for s in second])
    for a, b in zip(res[1], res[0]):
        if b is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8)


_MODES = {1: ["nearest", "nearest-exact", "linear", "area"],
          2: ["nearest", "nearest-exact", "bilinear", "bicubic", "area"],
          3: ["nearest", "nearest-exact", "trilinear", "area"]}


@settings(max_examples=40, deadline=None)
@given(nd=st.integers(1, 3), data=st.data(), use_size=st.booleans(),
       sizes=st.lists(st.integers(1, 9), min_size=3, max_size=3),
       scales=st.lists(st.floats(0.3, 3.0), min_size=3, max_size=3),
       align=st.booleans(), recompute=st.booleans(), seed=st.integers(0, 100))
def test_interpolate_configurations_match_torch(nd, data, use_size, sizes, scales, align,
                                                recompute, seed):
    mode = data.draw(st.sampled_from(_MODES[nd]))
    shape = (2, 2) + (4, 5, 3)[:nd]
    kw = {"mode": mode}
    if use_size:
        kw["size"] = tuple(sizes[:nd])
    else:
        kw["scale_factor"] = tuple(round(s, 2) for s in scales[:nd])
        kw["recompute_scale_factor"] = recompute
    if mode not in ("nearest", "nearest-exact", "area"):
        kw["align_corners"] = align
    a = np.random.default_rng(seed).standard_normal(shape)
    t = outcome(torch, lambda m, F: F.interpolate(tensor(m, a), **kw))
    c = outcome(chainrule, lambda m, F: F.interpolate(tensor(m, a), **kw))
    if isinstance(t, Exception):
        assert type(c).__name__ == type(t).__name__, f"{c!r} vs {t!r}"
        return
    compare_values_and_grads(lambda m, F, x: F.interpolate(x, **kw), [a], seed=seed)


@settings(max_examples=30, deadline=None)
@given(nd=st.integers(2, 3), data=st.data(), align=st.booleans(),
       padding=st.sampled_from(["zeros", "border", "reflection"]), seed=st.integers(0, 100))
def test_grid_sample_configurations_match_torch(nd, data, align, padding, seed):
    mode = data.draw(st.sampled_from(["bilinear", "nearest"] + (["bicubic"] if nd == 2 else [])))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 2) + (4, 3, 5)[:nd])
    g = rng.uniform(-1.5, 1.5, (2,) + (3, 2, 2)[:nd] + (nd,))
    compare_values_and_grads(
        lambda m, F, a, b: F.grid_sample(a, b, mode, padding, align), [x, g], atol=1e-9,
        seed=seed)
