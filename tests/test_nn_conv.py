"""Convolution, fold/unfold and padding against torch: errors (class and message), warnings,
dtypes, double-backward nodes, and hypothesis-drawn configurations (values and grads)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from nn_pairs import (
    assert_same_error,
    compare_values_and_grads,
    double_backward_nodes,
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


X = A(2, 3, 6, 6)
W = A(4, 3, 3, 3)


def T(m, a, dtype=None):
    t = m.tensor(np.asarray(a, dtype=np.float32))
    return t if dtype is None else t.to(getattr(m, dtype))


CONV_ERRORS = {
    "weight dtype": lambda m, F: F.conv2d(T(m, X), T(m, W, "float64")),
    "bias dtype": lambda m, F: F.conv2d(T(m, X), T(m, W), T(m, A(4), "float64")),
    "rank 2": lambda m, F: F.conv2d(T(m, A(6, 6)), T(m, W)),
    "rank 5": lambda m, F: F.conv2d(T(m, A(1, 2, 3, 6, 6)), T(m, W)),
    "channels": lambda m, F: F.conv2d(T(m, A(2, 5, 6, 6)), T(m, W)),
    "groups channels": lambda m, F: F.conv2d(T(m, X), T(m, W), groups=2),
    "groups weight": lambda m, F: F.conv2d(T(m, A(2, 4, 6, 6)), T(m, A(3, 2, 3, 3)), groups=2),
    "groups zero": lambda m, F: F.conv2d(T(m, X), T(m, W), groups=0),
    "kernel too big": lambda m, F: F.conv2d(T(m, X), T(m, A(4, 3, 7, 7))),
    "bias shape": lambda m, F: F.conv2d(T(m, X), T(m, W), T(m, A(3))),
    "bias 2-d": lambda m, F: F.conv2d(T(m, X), T(m, W), T(m, A(4, 1))),
    "stride 0": lambda m, F: F.conv2d(T(m, X), T(m, W), stride=0),
    "negative padding": lambda m, F: F.conv2d(T(m, X), T(m, W), padding=-1),
    "dilation 0": lambda m, F: F.conv2d(T(m, X), T(m, W), dilation=0),
    "same strided": lambda m, F: F.conv2d(T(m, X), T(m, W), padding="same", stride=2),
    "bad padding string": lambda m, F: F.conv2d(T(m, X), T(m, W), padding="foo"),
    "padding length": lambda m, F: F.conv2d(T(m, X), T(m, W), padding=(1, 1, 1)),
    "stride length": lambda m, F: F.conv2d(T(m, X), T(m, W), stride=(1, 1, 1)),
    "weight rank": lambda m, F: F.conv2d(T(m, X), T(m, A(4, 3, 3))),
    "no out channels": lambda m, F: F.conv2d(T(m, X), T(m, A(0, 3, 3, 3))),
    "bool": lambda m, F: F.conv2d(T(m, X).bool(), T(m, W).bool()),
    "transpose output padding": lambda m, F: F.conv_transpose2d(
        T(m, X), T(m, A(3, 2, 3, 3)), output_padding=1),
    "transpose output padding 1d": lambda m, F: F.conv_transpose1d(
        T(m, A(2, 3, 5)), T(m, A(3, 2, 3)), output_padding=1),
    "transpose output padding 3d": lambda m, F: F.conv_transpose3d(
        T(m, A(1, 3, 3, 3, 3)), T(m, A(3, 2, 2, 2, 2)), output_padding=1),
    "transpose negative output padding": lambda m, F: F.conv_transpose2d(
        T(m, X), T(m, A(3, 2, 3, 3)), stride=2, output_padding=-1),
    "transpose channels": lambda m, F: F.conv_transpose2d(T(m, X), T(m, A(4, 2, 3, 3))),
    "transpose bias": lambda m, F: F.conv_transpose2d(T(m, X), T(m, A(3, 2, 3, 3)),
                                                      T(m, A(3))),
    "transpose rank": lambda m, F: F.conv_transpose2d(T(m, A(5, 5)), T(m, A(3, 2, 3, 3))),
    "transpose groups": lambda m, F: F.conv_transpose2d(T(m, X), T(m, A(3, 2, 3, 3)),
                                                        groups=2),
    "transpose dtype": lambda m, F: F.conv_transpose2d(T(m, X), T(m, A(3, 2, 3, 3), "float64")),
    "convolution rank": lambda m, F: m.convolution(T(m, X)[0], T(m, W), None, [1, 1], [0, 0],
                                                   [1, 1], False, [0, 0], 1),
    "conv_tbc channels": lambda m, F: m.conv_tbc(T(m, A(5, 2, 3)), T(m, A(3, 4, 4)),
                                                 T(m, A(4)), 1),
}
LOOSE = {"transpose padding string"}  # exception class only


@pytest.mark.parametrize("name", sorted(CONV_ERRORS))
def test_conv_errors_match_torch(name):
    assert_same_error(CONV_ERRORS[name], exact=name not in LOOSE)


def test_conv_transpose_padding_string_is_a_type_error():
    assert_same_error(lambda m, F: F.conv_transpose2d(T(m, X), T(m, A(3, 2, 3, 3)),
                                                      padding="same"), exact=False)


def test_conv_padding_float_is_a_type_error():
    assert_same_error(lambda m, F: F.conv1d(T(m, A(3, 5)), T(m, A(2, 3, 2)), padding=1.5),
                      exact=False)


FOLD_ERRORS = {
    "unfold 5d": lambda m, F: F.unfold(T(m, A(1, 1, 2, 3, 3)), 2),
    "unfold 2d": lambda m, F: F.unfold(T(m, A(3, 3)), 2),
    "unfold big kernel": lambda m, F: F.unfold(T(m, A(1, 1, 3, 3)), 4),
    "unfold kernel 0": lambda m, F: F.unfold(T(m, A(1, 1, 3, 3)), 0),
    "unfold stride 0": lambda m, F: F.unfold(T(m, A(1, 1, 3, 3)), 2, stride=0),
    "unfold padding": lambda m, F: F.unfold(T(m, A(1, 1, 3, 3)), 2, padding=-1),
    "unfold dilation": lambda m, F: F.unfold(T(m, A(1, 1, 3, 3)), 2, dilation=0),
    "unfold int": lambda m, F: F.unfold(m.zeros(1, 1, 3, 3, dtype=m.int64), 2),
    "unfold empty channels": lambda m, F: F.unfold(T(m, A(1, 0, 3, 3)), 2),
    "unfold kernel length": lambda m, F: F.unfold(T(m, A(1, 1, 3, 3)), (2, 2, 2)),
    "fold channels": lambda m, F: F.fold(T(m, A(1, 5, 4)), (3, 3), 2),
    "fold blocks": lambda m, F: F.fold(T(m, A(1, 4, 5)), (3, 3), 2),
    "fold rank": lambda m, F: F.fold(T(m, A(1, 4, 5, 1)), (3, 3), 2),
    "fold 1d": lambda m, F: F.fold(T(m, A(4)), (3, 3), 2),
    "fold output length": lambda m, F: F.fold(T(m, A(1, 4, 4)), (3, 3, 3), 2),
    "fold too small": lambda m, F: F.fold(T(m, A(1, 4, 4)), (1, 1), 2),
}


@pytest.mark.parametrize("name", sorted(FOLD_ERRORS))
def test_fold_errors_match_torch(name):
    assert_same_error(FOLD_ERRORS[name])


P = A(1, 3, 4)
PAD_ERRORS = {
    "odd length": lambda m, F: F.pad(T(m, P), (1,)),
    "too long": lambda m, F: F.pad(T(m, P), (1,) * 8),
    "0-d": lambda m, F: F.pad(m.tensor(1.0), (1, 1)),
    "reflect too big": lambda m, F: F.pad(T(m, P), (4, 0), mode="reflect"),
    "reflect 2d height": lambda m, F: F.pad(T(m, A(1, 3, 4, 5)), (0, 0, 4, 0), mode="reflect"),
    "reflect 2d unbatched": lambda m, F: F.pad(T(m, A(3, 4, 5)), (0, 0, 4, 0), mode="reflect"),
    "reflect 3d depth": lambda m, F: F.pad(T(m, A(1, 2, 3, 4, 5)), (0, 0, 0, 0, 3, 0),
                                           mode="reflect"),
    "reflect 2 on 2-d": lambda m, F: F.pad(T(m, A(3, 4)), (1, 1, 1, 1), mode="reflect"),
    "reflect on 1-d": lambda m, F: F.pad(T(m, A(4)), (1, 1), mode="reflect"),
    "replicate on 4-d": lambda m, F: F.pad(T(m, A(1, 1, 3, 4)), (1, 1), mode="replicate"),
    "reflect empty": lambda m, F: F.pad(T(m, A(2, 0, 4)), (1, 1), mode="reflect"),
    "replicate empty 2d": lambda m, F: F.pad(T(m, A(2, 0, 4, 4)), (1, 1, 1, 1),
                                             mode="replicate"),
    "replicate too negative": lambda m, F: F.pad(T(m, A(2, 3, 4)), (-3, -2), mode="replicate"),
    "reflect bool": lambda m, F: F.pad(T(m, P).bool(), (1, 1), mode="reflect"),
    "replicate bool": lambda m, F: F.pad(T(m, P).bool(), (1, 1), mode="replicate"),
    "circular wraps twice": lambda m, F: F.pad(T(m, P), (5, 0), mode="circular"),
    "circular on 1-d": lambda m, F: F.pad(T(m, A(4)), (1, 1), mode="circular"),
    "bad mode": lambda m, F: F.pad(T(m, P), (1, 1), mode="foo"),
    "value with reflect": lambda m, F: F.pad(T(m, P), (1, 1), mode="reflect", value=2),
    "constant too negative": lambda m, F: F.pad(T(m, P), (-3, -2)),
    "float pad": lambda m, F: F.pad(T(m, P), (1.5, 1)),
    "mode None": lambda m, F: F.pad(T(m, P), (1, 1), None),
}


@pytest.mark.parametrize("name", sorted(PAD_ERRORS))
def test_pad_errors_match_torch(name):
    assert_same_error(PAD_ERRORS[name])


@pytest.mark.parametrize("dtype", ["int64", "bool", "float16"])
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_dtypes_match_torch(mode, dtype):
    a = np.arange(12).reshape(1, 3, 4) % 3
    results = []
    for m in (torch, chainrule):
        x = m.tensor(a).to(getattr(m, dtype))
        try:
            out = m.nn.functional.pad(x, (2, 1), mode=mode, value=None if mode != "constant"
                                      else 1)
            results.append((str(out.dtype), out.float().numpy().tolist()))
        except Exception as exc:  # noqa: BLE001
            results.append(type(exc).__name__)
    assert results[0] == results[1]


def test_conv_same_padding_warns_once_for_even_kernels():
    from chainrule.ops.nn import conv
    conv._SAME_WARNED = False
    for m in (torch, chainrule):  # torch may have warned already in this process
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(2):
                m.nn.functional.conv2d(T(m, X), T(m, A(4, 3, 2, 2)), padding="same")
        hits = [w for w in caught if "padding='same' with even kernel" in str(w.message)]
        assert len(hits) == (1 if m is chainrule else len(hits)) and len(hits) <= 1
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            m.nn.functional.conv2d(T(m, X), T(m, W), padding="same")  # odd: no warning


@pytest.mark.parametrize("dtype", ["int64", "float16", "float64"])
def test_conv_dtypes_match_torch(dtype):
    a, w, b = (np.arange(2 * 3 * 25).reshape(2, 3, 5, 5) % 7 - 3,
               np.arange(4 * 3 * 9).reshape(4, 3, 3, 3) % 5 - 2, np.arange(4) - 1)
    out = []
    for m in (torch, chainrule):
        cast = [m.tensor(v).to(getattr(m, dtype)) for v in (a, w, b)]
        y = m.nn.functional.conv2d(*cast, padding=1, stride=(1, 2))
        out.append((str(y.dtype), y.double().numpy()))
    assert out[0][0] == out[1][0]
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-3)


DOUBLE = {
    "conv2d": (lambda m, F, x, w, b: F.conv2d(x, w, b, padding=1, stride=2),
               [A(2, 3, 5, 5), A(4, 3, 3, 3), A(4)]),
    "conv_transpose2d": (lambda m, F, x, w, b: F.conv_transpose2d(x, w, b, stride=2),
                         [A(2, 3, 3, 3), A(3, 2, 2, 2), A(2)]),
    "conv1d groups": (lambda m, F, x, w: F.conv1d(x, w, groups=2), [A(2, 4, 7), A(4, 2, 3)]),
    "unfold": (lambda m, F, x: F.unfold(x, 2), [A(1, 2, 4, 4)]),
    "fold": (lambda m, F, x: F.fold(x, (3, 3), 2), [A(1, 8, 4)]),
    "pad constant": (lambda m, F, x: F.pad(x, (1, 2)), [A(2, 3, 4)]),
    "pad reflect 1d": (lambda m, F, x: F.pad(x, (1, 2), mode="reflect"), [A(2, 3, 4)]),
    "pad reflect 2d": (lambda m, F, x: F.pad(x, (1, 2, 2, 1), mode="reflect"), [A(1, 2, 4, 4)]),
    "pad replicate 3d": (lambda m, F, x: F.pad(x, (1,) * 6, mode="replicate"),
                         [A(1, 1, 3, 3, 3)]),
}


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_double_backward_records_torchs_nodes(name):
    fn, arrays = DOUBLE[name]
    t, c = double_backward_nodes(fn, arrays)
    assert c == t


def test_conv_third_order_gradients_match_torch():
    arrays = [A(1, 2, 4, 4), A(2, 2, 2, 2)]
    res = []
    for m in (torch, chainrule):
        x, w = (tensor(m, a, True) for a in arrays)
        y = (m.nn.functional.conv2d(x, w) ** 2).sum()
        gx, = m.autograd.grad(y, (x,), create_graph=True)
        gw, = m.autograd.grad((gx ** 2).sum(), (w,), create_graph=True)
        gx2, = m.autograd.grad(gw.sum(), (x,))
        res.append((gw.detach().numpy(), gx2.numpy()))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(nd=st.integers(1, 3), groups=st.sampled_from([1, 2]), stride=st.integers(1, 3),
       padding=st.integers(0, 2), dilation=st.integers(1, 2), kernel=st.integers(1, 3),
       batch=st.integers(0, 2), transposed=st.booleans(), bias=st.booleans(),
       seed=st.integers(0, 100))
def test_conv_configurations_match_torch(nd, groups, stride, padding, dilation, kernel, batch,
                                         transposed, bias, seed):
    rng = np.random.default_rng(seed)
    size = [5, 4, 3][:nd]
    c_in, c_out = 2 * groups, 3 * groups
    if batch and not transposed and any(s + 2 * padding < dilation * (kernel - 1) + 1
                                        for s in size):
        return
    shape = ((batch,) if batch else ()) + (c_in,) + tuple(size)
    wshape = ((c_in, c_out // groups) if transposed else (c_out, c_in // groups)) + \
        (kernel,) * nd
    out_pad = min(stride, dilation) - 1 if transposed else 0
    arrays = [rng.standard_normal(shape), rng.standard_normal(wshape)]
    if bias:
        arrays.append(rng.standard_normal(c_out))
    name = f"conv_transpose{nd}d" if transposed else f"conv{nd}d"

    def fn(m, F, x, w, b=None):
        if transposed:
            return getattr(F, name)(x, w, b, stride, padding, out_pad, groups, dilation)
        return getattr(F, name)(x, w, b, stride, padding, dilation, groups)
    outs = [outcome_shape(m, fn, arrays) for m in (torch, chainrule)]
    if isinstance(outs[0], Exception):
        assert type(outs[1]).__name__ == type(outs[0]).__name__
        return
    compare_values_and_grads(fn, arrays, atol=1e-9, seed=seed)


def outcome_shape(m, fn, arrays):
    try:
        return fn(m, m.nn.functional, *[tensor(m, a) for a in arrays]).shape
    except Exception as exc:  # noqa: BLE001
        return exc


@settings(max_examples=25, deadline=None)
@given(mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]),
       nd=st.integers(1, 3), batched=st.booleans(),
       pads=st.lists(st.integers(-2, 3), min_size=6, max_size=6), seed=st.integers(0, 50))
def test_pad_configurations_match_torch(mode, nd, batched, pads, seed):
    shape = ((2,) if batched else ()) + (2,) + (4, 5, 4)[:nd]
    pad = tuple(pads[:2 * nd])
    if mode == "circular" and any(
            max(lo, hi) > n + min(lo, hi, 0)
            for n, (lo, hi) in zip(shape[::-1], zip(pad[::2], pad[1::2]))):
        return  # the border would copy from itself: torch's result is its copy order
    a = np.random.default_rng(seed).standard_normal(shape)
    t = outcome_shape(torch, lambda m, F, x: F.pad(x, pad, mode=mode), [a])
    c = outcome_shape(chainrule, lambda m, F, x: F.pad(x, pad, mode=mode), [a])
    if isinstance(t, Exception):
        assert type(c).__name__ == type(t).__name__, f"{c!r} vs {t!r}"
        return
    if 0 in tuple(t):
        assert tuple(c) == tuple(t)
        return
    compare_values_and_grads(lambda m, F, x: F.pad(x, pad, mode=mode), [a])
