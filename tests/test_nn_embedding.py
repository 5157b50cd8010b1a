"""Embeddings against torch: errors, max_norm's in-place renormalisation, embedding_bag's
auxiliary outputs, scale_grad_by_freq (where torch's embedding_bag is wrong), and
hypothesis sweeps of bag layouts. Values, gradients and graphs of each option are in
tests/op_db/nn_embedding.py."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from test_nn_norm import F, T, same  # noqa: E402

import chainrule as cr  # noqa: E402

RNG = np.random.default_rng(1)
W = RNG.standard_normal((10, 4))
IDX = np.array([[1, 2, 4], [4, 3, 1]])


def I(m, values, dtype="int64"):  # noqa: E743 - an index tensor
    return m.tensor(np.asarray(values), dtype=getattr(m, dtype))


ERRORS = {
    "float_indices": lambda m: F(m).embedding(T(m, IDX), T(m, W)),
    "bool_indices": lambda m: F(m).embedding(I(m, IDX > 2, "bool"), T(m, W)),
    "out_of_range": lambda m: F(m).embedding(I(m, IDX + 6), T(m, W)),
    "negative": lambda m: F(m).embedding(I(m, IDX - 5), T(m, W)),
    "padding_too_large": lambda m: F(m).embedding(I(m, IDX), T(m, W), padding_idx=10),
    "padding_too_small": lambda m: F(m).embedding(I(m, IDX), T(m, W), padding_idx=-11),
    "weight_1d": lambda m: F(m).embedding(I(m, IDX), T(m, W[0])),
    "weight_3d": lambda m: m.embedding(T(m, W[None]), I(m, IDX)),
    "bag_1d_no_offsets": lambda m: F(m).embedding_bag(I(m, IDX[0]), T(m, W)),
    "bag_2d_offsets": lambda m: F(m).embedding_bag(I(m, IDX), T(m, W), I(m, [0, 1])),
    "bag_offsets_2d": lambda m: F(m).embedding_bag(I(m, IDX.ravel()), T(m, W),
                                                   I(m, [[0, 3]])),
    "bag_offsets_start": lambda m: F(m).embedding_bag(I(m, IDX.ravel()), T(m, W),
                                                      I(m, [1, 3])),
    "bag_offsets_end": lambda m: F(m).embedding_bag(I(m, IDX.ravel()), T(m, W),
                                                    I(m, [0, 7])),
    "bag_mode": lambda m: F(m).embedding_bag(I(m, IDX), T(m, W), mode="prod"),
    "bag_max_freq": lambda m: F(m).embedding_bag(I(m, IDX), T(m, W), mode="max",
                                                 scale_grad_by_freq=True),
    "bag_psw_mean": lambda m: F(m).embedding_bag(I(m, IDX), T(m, W), mode="mean",
                                                 per_sample_weights=T(m, np.ones((2, 3)))),
    "bag_psw_shape": lambda m: F(m).embedding_bag(I(m, IDX), T(m, W), mode="sum",
                                                  per_sample_weights=T(m, np.ones(6))),
    "bag_weight_1d": lambda m: F(m).embedding_bag(I(m, IDX), T(m, W[0])),
    "bag_input_3d": lambda m: F(m).embedding_bag(I(m, IDX[None]), T(m, W)),
    "bag_padding": lambda m: m.embedding_bag(T(m, W), I(m, IDX.ravel()), I(m, [0]), False, 0,
                                             False, None, False, 10),
    "bag_float_indices": lambda m: F(m).embedding_bag(T(m, IDX), T(m, W)),
    "one_hot_int32": lambda m: F(m).one_hot(I(m, [1, 3], "int32")),
    "one_hot_negative": lambda m: F(m).one_hot(I(m, [1, -3])),
    "one_hot_too_large": lambda m: F(m).one_hot(I(m, [1, 3]), 3),
    "one_hot_empty": lambda m: F(m).one_hot(I(m, np.zeros(0, np.int64))),
    "one_hot_minus_two": lambda m: F(m).one_hot(I(m, [1]), -2),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    same(ERRORS[name], message=name != "bag_2d_offsets")  # torch names its own class


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0])
def test_max_norm_renormalises_rows_in_place(norm_type):
    out = []
    for m in (torch, cr):
        w = T(m, W * 2, rg=True)
        y = F(m).embedding(I(m, IDX), w, max_norm=1.0, norm_type=norm_type)
        y.sum().backward()
        out.append((y.detach().numpy(), w.detach().numpy(), w._version, w.grad.numpy()))
    for c, t in zip(out[1], out[0]):
        np.testing.assert_allclose(c, t, rtol=1e-6)


def test_embedding_renorm_on_a_leaf_that_requires_grad_raises_like_torch():
    same(lambda m: m.embedding_renorm_(T(m, W, rg=True), I(m, IDX), 1.0, 2.0))


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_bag_auxiliary_outputs_match_torch(mode, padding_idx):
    """offset2bag, bag_size and max_indices (the latter with a gradient wanted: without one
    torch fills it differently)."""
    idx, off = np.array([4, 3, 2, 1, 0, 4, 3]), np.array([0, 0, 3, 5])
    out = []
    for m in (torch, cr):
        res = m.embedding_bag(T(m, W, rg=True), I(m, idx), I(m, off), False, mode, False, None,
                              False, padding_idx)
        out.append([t.detach().numpy() for t in res])
    for c, t in zip(out[1], out[0]):
        np.testing.assert_array_equal(c, t) if c.dtype.kind == "i" else \
            np.testing.assert_allclose(c, t, rtol=1e-6)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_scale_grad_by_freq_divides_by_each_index_count(mode):
    """Each index's gradient is divided by its count in the batch, as embedding does.
    torch 2.13's embedding_bag divides by the count of the wrong index (it reads
    ``counts[indices[i]]`` for the i-th distinct index); chainrule does not copy that."""
    w = T(cr, np.zeros((10, 4)), rg=True)
    y = F(cr).embedding_bag(I(cr, IDX), w, mode=mode, scale_grad_by_freq=True)
    g = np.array([[1.0, 10, 100, 1000], [2, 20, 200, 2000]])
    y.backward(T(cr, g))
    flat = IDX.ravel()
    counts = np.bincount(flat, minlength=10)
    expected = np.zeros((10, 4))
    for pos, row in enumerate(flat):
        bag = pos // IDX.shape[1]
        scale = 1.0 / counts[row] / (IDX.shape[1] if mode == "mean" else 1)
        expected[row] += g[bag] * scale
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-6)


def test_embedding_bag_double_backward_raises_like_torch():
    def fn(m):
        w = T(m, W, "float64", rg=True)
        y = F(m).embedding_bag(I(m, IDX), w, mode="sum")
        g = T(m, np.ones(tuple(y.shape)), "float64", rg=True)
        (gw,) = m.autograd.grad(y, w, g, create_graph=True)
        return m.autograd.grad(gw.sum(), g)
    same(fn)


def test_embedding_gradient_has_the_weight_shape_and_no_dense_one_hot():
    """A (32000, 8) table gathered 4096 times: the gradient is a row scatter (a dense
    one-hot matrix would be 4096 x 32000)."""
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 32000, (64, 64))
    g = rng.standard_normal((64, 64, 8))
    out = []
    for m in (torch, cr):
        w = m.zeros((32000, 8), dtype=m.float64, requires_grad=True)
        F(m).embedding(I(m, idx), w).backward(T(m, g, "float64"))
        out.append(w.grad.numpy())
    np.testing.assert_allclose(out[1], out[0], rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(data=st.data(), mode=st.sampled_from(["sum", "mean", "max"]),
       n=st.integers(0, 8), last=st.booleans(), pad=st.sampled_from([None, 0, 3]))
def test_embedding_bag_layouts(data, mode, n, last, pad):
    rng = np.random.default_rng(n * 5 + len(mode))
    idx = rng.integers(0, 6, n)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), min_size=1, max_size=4)))
    if last:  # torch's documented layout: the last offset is the input's length (torch's
        cuts[-1] = n  # kernels disagree with each other on a last bag that ends early)
    off = np.array([0] + cuts)
    w = rng.standard_normal((6, 3))
    res = []
    for m in (torch, cr):
        wt = T(m, w, "float64", rg=True)
        y = F(m).embedding_bag(I(m, idx), wt, I(m, off), mode=mode, include_last_offset=last,
                               padding_idx=pad)
        y.backward(T(m, np.arange(y.numel()).reshape(tuple(y.shape)) * 0.1, "float64"))
        res.append((y.detach().numpy(), wt.grad.numpy()))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-10, atol=1e-12)
