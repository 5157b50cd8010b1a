"""nn.functional losses against torch: errors and warnings, the nodes double backward
records, weights that may not require grad, stability at extreme logits, and hypothesis
sweeps of cross_entropy / nll_loss / ctc_loss configurations. Values, gradients and graphs
of each option are in tests/op_db/nn_loss.py."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402


def lib_F(m):
    return m.nn.functional


def _run(fn, m):
    try:
        return fn(m)
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return exc


def same(fn, atol=1e-6, rtol=1e-5):
    """fn(torch) and fn(chainrule) agree: the same exception (type, and message; chainrule's
    broadcasting errors may add a hint after torch's words), or the same values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t, c = _run(fn, torch), _run(fn, cr)
    if isinstance(t, Exception):
        assert isinstance(c, Exception), f"torch raises {t!r}, chainrule returns {c!r}"
        assert type(c).__name__ == type(t).__name__, (t, c)
        assert str(c) == str(t) or (str(c).startswith(str(t)) and "broadcast" in str(c)), \
            (str(t), str(c))
        return
    assert not isinstance(c, Exception), f"chainrule raises {c!r}"
    assert str(c.dtype) == str(t.dtype)
    assert tuple(c.shape) == tuple(t.shape)
    np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), atol=atol, rtol=rtol,
                               equal_nan=True)


def T(m, values, dtype="float32"):
    return m.tensor(values, dtype=getattr(m, dtype))


X34 = np.random.default_rng(0).standard_normal((3, 4))
Y34 = np.random.default_rng(1).standard_normal((3, 4))
P34 = np.random.default_rng(2).uniform(0.05, 0.95, (3, 4))
IDX = [0, 2, 3]

ERRORS = {
    # nll / cross entropy
    "nll_int32_target": lambda F, m: F.nll_loss(T(m, X34), m.tensor(IDX, dtype=m.int32)),
    "nll_float_target": lambda F, m: F.nll_loss(T(m, X34), T(m, IDX)),
    "nll_out_of_range": lambda F, m: F.nll_loss(T(m, X34), m.tensor([0, 4, 1])),
    "nll_negative": lambda F, m: F.nll_loss(T(m, X34), m.tensor([0, -1, 1])),
    "nll_out_of_range_none": lambda F, m: F.nll_loss(T(m, X34), m.tensor([0, 5, 1]),
                                                     reduction="none"),
    "nll_ignored_out_of_range": lambda F, m: F.nll_loss(T(m, X34), m.tensor([0, 7, 1]),
                                                        ignore_index=7),
    "nll_all_ignored": lambda F, m: F.nll_loss(T(m, X34), m.tensor([1, 1, 1]), ignore_index=1),
    "nll_all_ignored_sum": lambda F, m: F.nll_loss(T(m, X34), m.tensor([1, 1, 1]),
                                                   ignore_index=1, reduction="sum"),
    "nll_batch": lambda F, m: F.nll_loss(T(m, X34), m.tensor([0, 1])),
    "nll_0d": lambda F, m: F.nll_loss(T(m, 1.0), m.tensor(0)),
    "nll_1d_target_2": lambda F, m: F.nll_loss(T(m, X34[0]), m.tensor([1, 2])),
    "nll_2d_target": lambda F, m: F.nll_loss(T(m, X34), m.tensor([[0], [1], [2]])),
    "nll_3d_target": lambda F, m: F.nll_loss(m.zeros(2, 3, 4), m.zeros(2, 5, dtype=m.long)),
    "nll_4d_target": lambda F, m: F.nll_loss(m.zeros(2, 3, 4, 5),
                                             m.zeros(2, 4, 4, dtype=m.long)),
    "nll_4d_target_dim": lambda F, m: F.nll_loss(m.zeros(2, 3, 4, 5),
                                                 m.zeros(2, 20, dtype=m.long)),
    "nll_weight": lambda F, m: F.nll_loss(T(m, X34), m.tensor(IDX), weight=m.ones(3)),
    "nll_weight_2d": lambda F, m: F.nll_loss(T(m, X34), m.tensor(IDX), weight=m.ones(4, 1)),
    "nll_weight_4d": lambda F, m: F.nll_loss(m.zeros(2, 3, 4, 5),
                                             m.zeros(2, 4, 5, dtype=m.long),
                                             weight=m.ones(2)),
    "nll_weight_dtype": lambda F, m: F.nll_loss(T(m, X34), m.tensor(IDX),
                                                weight=m.ones(4, dtype=m.float64)),
    "nll_int_input": lambda F, m: F.nll_loss(m.ones(3, 4, dtype=m.long), m.tensor(IDX)),
    "nll_reduction": lambda F, m: F.nll_loss(T(m, X34), m.tensor(IDX), reduction="foo"),
    "nll_empty_mean": lambda F, m: F.nll_loss(m.zeros(0, 4), m.zeros(0, dtype=m.long)),
    "nll_empty_sum": lambda F, m: F.nll_loss(m.zeros(0, 4), m.zeros(0, dtype=m.long),
                                             reduction="sum"),
    "nll_empty_3d": lambda F, m: F.nll_loss(m.zeros(0, 4, 2), m.zeros(0, 2, dtype=m.long)),
    "ce_probs_int": lambda F, m: F.cross_entropy(T(m, X34), m.ones(3, 4, dtype=m.long)),
    "ce_probs_ignore": lambda F, m: F.cross_entropy(T(m, X34), T(m, P34), ignore_index=1),
    "ce_label_smoothing": lambda F, m: F.cross_entropy(T(m, X34), m.tensor(IDX),
                                                       label_smoothing=1.5),
    "ce_negative_smoothing": lambda F, m: F.cross_entropy(T(m, X34), m.tensor(IDX),
                                                          label_smoothing=-0.5),
    "ce_probs_smoothing": lambda F, m: F.cross_entropy(T(m, X34), T(m, P34),
                                                       label_smoothing=1.5),
    "ce_probs_weight": lambda F, m: F.cross_entropy(T(m, X34), T(m, P34), weight=m.ones(3)),
    "ce_probs_empty": lambda F, m: F.cross_entropy(m.zeros(0, 4), m.zeros(0, 4)),
    "ce_ls_all_ignored": lambda F, m: F.cross_entropy(T(m, X34), m.tensor([1, 1, 1]),
                                                      ignore_index=1, label_smoothing=0.1),
    "ce_float_target_shape": lambda F, m: F.cross_entropy(T(m, X34), T(m, [1.0, 2.0, 0.0])),
    "ce_0d": lambda F, m: F.cross_entropy(T(m, 1.0), m.tensor(0)),
    "ce_int32_target": lambda F, m: F.cross_entropy(T(m, X34), m.tensor(IDX, dtype=m.int32)),
    "ce_int_input": lambda F, m: F.cross_entropy(m.ones(3, 4, dtype=m.long), m.tensor(IDX)),
    # binary cross entropy
    "bce_range": lambda F, m: F.binary_cross_entropy(T(m, [1.5]), T(m, [1.0])),
    "bce_nan": lambda F, m: F.binary_cross_entropy(T(m, [float("nan")]), T(m, [1.0])),
    "bce_size": lambda F, m: F.binary_cross_entropy(m.ones(3) / 2, m.ones(3, 1)),
    "bce_int": lambda F, m: F.binary_cross_entropy(m.ones(3, dtype=m.long),
                                                   m.ones(3, dtype=m.long)),
    "bce_dtype": lambda F, m: F.binary_cross_entropy(m.ones(3) / 2,
                                                     m.ones(3, dtype=m.float64)),
    "bce_weight_shape": lambda F, m: F.binary_cross_entropy(T(m, P34), T(m, P34),
                                                            weight=m.ones(2)),
    "bce_zero_one": lambda F, m: F.binary_cross_entropy(T(m, [0.0, 1.0, 0.0, 1.0]),
                                                        T(m, [0.0, 1.0, 1.0, 0.0]),
                                                        reduction="none"),
    "bcel_size": lambda F, m: F.binary_cross_entropy_with_logits(m.ones(3), m.ones(3, 1)),
    "bcel_pos_weight": lambda F, m: F.binary_cross_entropy_with_logits(
        T(m, X34), T(m, P34), pos_weight=m.ones(3)),
    "bcel_int": lambda F, m: F.binary_cross_entropy_with_logits(m.ones(3, dtype=m.long),
                                                                m.ones(3, dtype=m.long)),
    "bcel_dtype": lambda F, m: F.binary_cross_entropy_with_logits(
        T(m, X34), T(m, P34, "float64")),
    # pointwise
    "l1_int": lambda F, m: F.l1_loss(m.ones(3, dtype=m.long), m.ones(3, dtype=m.long)),
    "l1_int_none": lambda F, m: F.l1_loss(m.ones(3, dtype=m.long), m.zeros(3, dtype=m.long),
                                          reduction="none"),
    "l1_broadcast": lambda F, m: F.l1_loss(T(m, X34), m.ones(3, 5)),
    "l1_weight": lambda F, m: F.l1_loss(T(m, X34), T(m, Y34), weight=m.ones(4)),
    "l1_weight_reduction": lambda F, m: F.l1_loss(T(m, X34), T(m, Y34), weight=T(m, P34),
                                                  reduction="x"),
    "smooth_l1_int": lambda F, m: F.smooth_l1_loss(m.ones(3, dtype=m.long),
                                                   m.ones(3, dtype=m.long)),
    "smooth_l1_beta": lambda F, m: F.smooth_l1_loss(T(m, X34), T(m, Y34), beta=-1.0),
    "smooth_l1_reduction": lambda F, m: F.smooth_l1_loss(T(m, X34), T(m, Y34),
                                                         reduction="foo"),
    "smooth_l1_mixed": lambda F, m: F.smooth_l1_loss(T(m, X34), T(m, Y34, "float64")),
    "huber_delta": lambda F, m: F.huber_loss(T(m, X34), T(m, Y34), delta=0.0),
    "huber_int": lambda F, m: F.huber_loss(m.ones(3, dtype=m.long), m.ones(3, dtype=m.long)),
    "huber_reduction": lambda F, m: F.huber_loss(T(m, X34), T(m, Y34), reduction="foo"),
    "huber_weight": lambda F, m: F.huber_loss(T(m, X34), T(m, Y34), weight=m.ones(4)),
    "huber_mixed": lambda F, m: F.huber_loss(T(m, X34), T(m, Y34, "float64")),
    "mse_elementwise_mean": lambda F, m: F.mse_loss(T(m, X34), T(m, Y34),
                                                    reduction="elementwise_mean"),
    # distributions
    "kl_int": lambda F, m: F.kl_div(m.ones(3, dtype=m.long), m.ones(3)),
    "kl_batchmean_0d": lambda F, m: F.kl_div(T(m, 1.0), T(m, 0.5), reduction="batchmean"),
    "kl_reduction": lambda F, m: F.kl_div(T(m, X34), T(m, P34), reduction="foo"),
    "poisson_reduction": lambda F, m: F.poisson_nll_loss(T(m, X34), T(m, P34),
                                                         reduction="foo"),
    "gaussian_negative": lambda F, m: F.gaussian_nll_loss(T(m, X34), T(m, Y34), -m.ones(3, 4)),
    "gaussian_negative_float": lambda F, m: F.gaussian_nll_loss(T(m, X34), T(m, Y34), -1.0),
    "gaussian_size": lambda F, m: F.gaussian_nll_loss(T(m, X34), T(m, Y34), m.ones(2, 4)),
    "gaussian_reduction": lambda F, m: F.gaussian_nll_loss(T(m, X34), T(m, Y34),
                                                           m.ones(3, 4), reduction="x"),
    # margins
    "margin_ranking_dims": lambda F, m: F.margin_ranking_loss(m.ones(3), m.ones(3),
                                                              m.ones(1, 3)),
    "margin_ranking_size": lambda F, m: F.margin_ranking_loss(m.ones(3), m.ones(2),
                                                              m.ones(2)),
    "cosine_2d_target": lambda F, m: F.cosine_embedding_loss(T(m, X34), T(m, Y34),
                                                             m.ones(3, 1)),
    "cosine_1d_target": lambda F, m: F.cosine_embedding_loss(T(m, X34[0]), T(m, Y34[0]),
                                                             m.ones(3)),
    "cosine_0d_target": lambda F, m: F.cosine_embedding_loss(T(m, X34), T(m, Y34),
                                                             T(m, 1.0)),
    "cosine_target_size": lambda F, m: F.cosine_embedding_loss(T(m, X34), T(m, Y34),
                                                               m.ones(2)),
    "cosine_target_zero": lambda F, m: F.cosine_embedding_loss(
        T(m, X34), T(m, Y34), T(m, [1.0, 0.0, -1.0]), reduction="none"),
    "hinge_int": lambda F, m: F.hinge_embedding_loss(m.ones(3, dtype=m.long), m.ones(3)),
    "hinge_target_zero": lambda F, m: F.hinge_embedding_loss(T(m, X34), m.zeros(3, 4),
                                                             reduction="none"),
    "triplet_dims": lambda F, m: F.triplet_margin_loss(T(m, X34), T(m, Y34), T(m, X34[0])),
    "triplet_margin": lambda F, m: F.triplet_margin_loss(T(m, X34), T(m, Y34), T(m, Y34),
                                                         margin=0),
    "triplet_distance_dims": lambda F, m: F.triplet_margin_with_distance_loss(
        T(m, X34), T(m, Y34), T(m, X34[0])),
    "triplet_distance_margin": lambda F, m: F.triplet_margin_with_distance_loss(
        T(m, X34), T(m, Y34), T(m, Y34), margin=-1),
    "triplet_distance_reduction": lambda F, m: F.triplet_margin_with_distance_loss(
        T(m, X34), T(m, Y34), T(m, Y34), reduction="foo"),
    "soft_margin_int": lambda F, m: F.soft_margin_loss(m.ones(3, dtype=m.long), m.ones(3)),
    "soft_margin_broadcast": lambda F, m: F.soft_margin_loss(T(m, X34[0]), m.ones(2, 4)),
    "soft_margin_target_grad": lambda F, m: F.soft_margin_loss(
        T(m, X34), m.ones(3, 4, requires_grad=True)),
    "multi_margin_p": lambda F, m: F.multi_margin_loss(T(m, X34), m.tensor(IDX), p=3),
    "multi_margin_weight_2d": lambda F, m: F.multi_margin_loss(T(m, X34), m.tensor(IDX),
                                                               weight=m.ones(4, 1)),
    "multi_margin_weight_size": lambda F, m: F.multi_margin_loss(T(m, X34), m.tensor(IDX),
                                                                 weight=m.ones(3)),
    "multi_margin_weight_dtype": lambda F, m: F.multi_margin_loss(
        T(m, X34), m.tensor(IDX), weight=m.ones(4, dtype=m.float64)),
    "multi_margin_range": lambda F, m: F.multi_margin_loss(T(m, X34), m.tensor([0, 1, 4])),
    "multi_margin_negative": lambda F, m: F.multi_margin_loss(T(m, X34), m.tensor([0, -1, 1])),
    "multi_margin_target": lambda F, m: F.multi_margin_loss(T(m, X34), m.tensor([[0], [1],
                                                                                 [2]])),
    "multi_margin_3d": lambda F, m: F.multi_margin_loss(m.ones(2, 3, 4), m.tensor([0, 1])),
    "multi_margin_int32": lambda F, m: F.multi_margin_loss(T(m, X34),
                                                           m.tensor(IDX, dtype=m.int32)),
    "multi_margin_float_target": lambda F, m: F.multi_margin_loss(T(m, X34), T(m, IDX)),
    "multi_margin_int": lambda F, m: F.multi_margin_loss(m.ones(3, 4, dtype=m.long),
                                                         m.tensor(IDX)),
    "multilabel_margin_shape": lambda F, m: F.multilabel_margin_loss(T(m, X34),
                                                                     m.tensor(IDX)),
    "multilabel_margin_range": lambda F, m: F.multilabel_margin_loss(
        T(m, X34), m.tensor([[0, 5, -1, 0]] * 3)),
    "multilabel_margin_after_end": lambda F, m: F.multilabel_margin_loss(
        T(m, X34), m.tensor([[0, -1, 9, 0]] * 3)),
    "multilabel_margin_below": lambda F, m: F.multilabel_margin_loss(
        T(m, X34), m.tensor([[0, -2, 1, 0]] * 3)),
    "multilabel_margin_1d": lambda F, m: F.multilabel_margin_loss(T(m, X34[0]),
                                                                  m.tensor([[0, 0, 1, -1]])),
    "multilabel_margin_3d": lambda F, m: F.multilabel_margin_loss(
        m.ones(2, 3, 4), m.zeros(2, 3, 4, dtype=m.long)),
    "multilabel_margin_int32": lambda F, m: F.multilabel_margin_loss(
        T(m, X34), m.tensor([[0, 1, -1, 0]] * 3, dtype=m.int32)),
    "linear_ce_input_dims": lambda F, m: F.linear_cross_entropy(m.ones(2, 3, 4), m.ones(5, 4),
                                                                m.tensor([0, 1])),
    "linear_ce_weight_dims": lambda F, m: F.linear_cross_entropy(m.ones(2, 4), m.ones(4),
                                                                 m.tensor([0, 1])),
    "linear_ce_features": lambda F, m: F.linear_cross_entropy(m.ones(2, 4), m.ones(5, 3),
                                                              m.tensor([0, 1])),
    "linear_ce_bias": lambda F, m: F.linear_cross_entropy(m.ones(2, 4), m.ones(5, 4),
                                                          m.tensor([0, 1]),
                                                          linear_bias=m.ones(4)),
    "linear_ce_unbatched_k": lambda F, m: F.linear_cross_entropy(m.ones(4), m.ones(5, 2, 4),
                                                                 m.zeros(2, dtype=m.long)),
    "linear_ce_probs_ignore": lambda F, m: F.linear_cross_entropy(
        m.ones(2, 4), m.ones(5, 4), m.ones(2, 5) / 5, ignore_index=0),
    "multilabel_soft_margin_reduction": lambda F, m: F.multilabel_soft_margin_loss(
        T(m, X34), T(m, P34), reduction="x"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_and_edge_values_match_torch(name):
    same(lambda m: ERRORS[name](lib_F(m), m))


CTC_ERRORS = {
    "ok": lambda m, lp, tg: (tg, (6, 6), (2, 2), {}),
    "float_lengths": lambda m, lp, tg: (tg, m.tensor([6.0, 5.0]), m.tensor([2, 1]), {}),
    "int32_lengths": lambda m, lp, tg: (tg, m.tensor([6, 5], dtype=m.int32),
                                        m.tensor([2, 1], dtype=m.int32), {}),
    "int32_targets": lambda m, lp, tg: (tg.int(), (6, 6), (2, 2), {}),
    "concat_wrong": lambda m, lp, tg: (m.tensor([1, 2, 3]), (6, 6), (2, 2), {}),
    "padded_short": lambda m, lp, tg: (tg, (6, 6), (3, 2), {}),
    "blank": lambda m, lp, tg: (tg, (6, 6), (2, 2), {"blank": 4}),
    "input_too_long": lambda m, lp, tg: (tg, (7, 6), (2, 2), {}),
    "input_negative": lambda m, lp, tg: (tg, (-1, 6), (2, 2), {}),
    "target_negative": lambda m, lp, tg: (tg, (6, 6), (-1, 2), {}),
    "input_lengths_size": lambda m, lp, tg: (tg, (6,), (2, 2), {}),
    "target_lengths_size": lambda m, lp, tg: (tg, (6, 6), (2,), {}),
    "target_3d": lambda m, lp, tg: (tg[None], (6, 6), (2, 2), {}),
    "impossible": lambda m, lp, tg: (m.tensor([[3, 3], [1, 1]]), (2, 6), (2, 2),
                                     {"reduction": "none"}),
    "impossible_zero_infinity": lambda m, lp, tg: (m.tensor([[3, 3], [1, 1]]), (2, 6),
                                                   (2, 2), {"reduction": "none",
                                                            "zero_infinity": True}),
    "empty_targets": lambda m, lp, tg: (tg, (6, 6), (0, 2), {"reduction": "none"}),
    "no_frames": lambda m, lp, tg: (tg, (0, 6), (0, 2), {"reduction": "none"}),
    "sum": lambda m, lp, tg: (tg, (6, 6), (2, 2), {"reduction": "sum"}),
}

LP = np.log(np.random.default_rng(3).dirichlet(np.ones(4), size=(6, 2)))


@pytest.mark.parametrize("name", sorted(CTC_ERRORS))
def test_ctc_errors_and_edge_values_match_torch(name):
    def run(m):
        lp = T(m, LP)
        tg, il, tl, kw = CTC_ERRORS[name](m, lp, m.tensor([[1, 2], [3, 3]]))
        return lib_F(m).ctc_loss(lp, tg, il, tl, **kw)
    same(run, atol=1e-5)


def test_ctc_int_log_probs_raise_like_torch():
    same(lambda m: lib_F(m).ctc_loss(m.zeros(6, 2, 4, dtype=m.long), m.tensor([[1, 2], [3, 3]]),
                                     (6, 6), (2, 2)))


@pytest.mark.parametrize("name", ["impossible", "impossible_zero_infinity", "no_frames",
                                  "empty_targets"])
def test_ctc_edge_gradients_match_torch(name):
    grads = []
    for m in (torch, cr):
        lp = T(m, LP).requires_grad_()
        tg, il, tl, kw = CTC_ERRORS[name](m, lp, m.tensor([[1, 2], [3, 3]]))
        lib_F(m).ctc_loss(lp, tg, il, tl, **kw).sum().backward()
        grads.append(lp.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], atol=1e-5, equal_nan=True)


# ---------------------------------------------------------------------------- weights
@pytest.mark.parametrize("call", [
    lambda F, m, w: F.binary_cross_entropy(m.ones(3) / 2, m.ones(3) / 2, weight=w),
    lambda F, m, w: F.binary_cross_entropy_with_logits(m.ones(3), m.ones(3) / 2, weight=w),
    lambda F, m, w: F.binary_cross_entropy_with_logits(m.ones(3), m.ones(3) / 2,
                                                       pos_weight=w),
    lambda F, m, w: F.nll_loss(m.zeros(2, 3), m.tensor([0, 1]), weight=w),
    lambda F, m, w: F.nll_loss(m.zeros(2, 3, 2, 2), m.zeros(2, 2, 2, dtype=m.long), weight=w),
    lambda F, m, w: F.cross_entropy(m.zeros(2, 3), m.tensor([0, 1]), weight=w,
                                    label_smoothing=0.1),
    lambda F, m, w: F.multi_margin_loss(m.zeros(2, 3), m.tensor([0, 1]), weight=w),
])
def test_weights_that_require_grad_are_refused_like_torch(call):
    same(lambda m: call(lib_F(m), m, m.ones(3, requires_grad=True)))
    with cr.no_grad():  # outside grad mode torch lets them through
        call(cr.nn.functional, cr, cr.ones(3, requires_grad=True))


# ---------------------------------------------------------------------------- warnings
def _warnings_of(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fn()
    return [(str(x.message), x.category, x.filename) for x in w]


@pytest.mark.parametrize("call", [
    lambda F, m: F.l1_loss(m.ones(3, 4), m.ones(4)),
    lambda F, m: F.mse_loss(m.ones(3, 4), m.ones(4)),
    lambda F, m: F.smooth_l1_loss(m.ones(3, 4), m.ones(4)),
    lambda F, m: F.huber_loss(m.ones(3, 4), m.ones(4)),
    lambda F, m: F.l1_loss(m.ones(3), m.ones(3), size_average=False),
    lambda F, m: F.nll_loss(m.zeros(2, 3), m.tensor([0, 1]), reduce=False),
    lambda F, m: F.cross_entropy(m.zeros(2, 3), m.tensor([0, 1]), size_average=True),
    lambda F, m: F.binary_cross_entropy(m.ones(3) / 2, m.ones(3) / 2, reduce=True),
    lambda F, m: F.kl_div(m.zeros(3), m.ones(3) / 3),
    lambda F, m: F.kl_div(m.zeros(3), m.ones(3) / 3, size_average=False),
    lambda F, m: F.soft_margin_loss(m.zeros(3), m.ones(3), size_average=False, reduce=True),
    lambda F, m: F.multilabel_soft_margin_loss(m.zeros(2, 3), m.ones(2, 3), reduce=False),
    lambda F, m: F.mse_loss(m.ones(3), m.ones(3), reduction="elementwise_mean"),
    lambda F, m: F.margin_ranking_loss(m.ones(3), m.ones(3), m.ones(3), reduce=False),
    lambda F, m: F.triplet_margin_loss(m.ones(2, 3), m.ones(2, 3), m.ones(2, 3),
                                       size_average=False),
])
def test_warnings_match_torch(call):
    tw = _warnings_of(lambda: call(torch.nn.functional, torch))
    cw = _warnings_of(lambda: call(cr.nn.functional, cr))
    assert [(msg, cat) for msg, cat, _ in cw] == [(msg, cat) for msg, cat, _ in tw]
    assert all(f == __file__ for _, _, f in cw), cw


# ---------------------------------------------------------------------------- double backward
def _top(fn):
    return (fn.name(), tuple(None if f is None else f.name() for f, _ in fn.next_functions))


DOUBLE = {
    "mse": lambda F, x, t: F.mse_loss(x, t),
    "smooth_l1": lambda F, x, t: F.smooth_l1_loss(x, t, beta=0.7),
    "huber": lambda F, x, t: F.huber_loss(x, t, delta=0.8, reduction="sum"),
    "bce": lambda F, x, t: F.binary_cross_entropy((x + 2) / 4.5, (t + 2) / 4.5),
    "bce_logits": lambda F, x, t: F.binary_cross_entropy_with_logits(x, t.sigmoid()),
    "soft_margin": lambda F, x, t: F.soft_margin_loss(x, t.detach().sign()),
    "nll": lambda F, x, t: F.nll_loss(x, (t.detach() > 0).long().sum(1)),
    "nll_none": lambda F, x, t: F.nll_loss(x, (t.detach() > 0).long().sum(1),
                                           reduction="none").sum(),
    "nll2d": lambda F, x, t: F.nll_loss(x.reshape(1, 3, 2, 2), m_zeros(x)),
    "cross_entropy": lambda F, x, t: F.cross_entropy(x, t.softmax(1)),
    "kl_div": lambda F, x, t: F.kl_div(x, t.softmax(1), reduction="batchmean"),
}


def m_zeros(x):
    mod = torch if isinstance(x, torch.Tensor) else cr
    return mod.zeros(1, 2, 2, dtype=mod.long)


@pytest.mark.parametrize("name", sorted(DOUBLE))
def test_double_backward_matches_torch(name):
    rng = np.random.default_rng(4)
    xs, ts = rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (3, 4))
    out = []
    for m in (torch, cr):
        x, t = m.tensor(xs, requires_grad=True), m.tensor(ts, requires_grad=True)
        loss = DOUBLE[name](lib_F(m), x, t)
        gx, = m.autograd.grad(loss, x, create_graph=True)
        out.append(_top(gx.grad_fn))
        (gx * gx).sum().backward()
        out.append((gx.detach().numpy(), None if x.grad is None else x.grad.numpy(),
                    None if t.grad is None else t.grad.numpy()))
    assert out[2] == out[0]
    for c, tv in zip(out[3], out[1]):
        if tv is None:
            assert c is None
        else:
            np.testing.assert_allclose(c, tv, atol=1e-10, rtol=1e-8)


@pytest.mark.parametrize("name,call", [
    ("multi_margin_loss_backward",
     lambda F, m, x: F.multi_margin_loss(x, m.tensor([0, 1, 2]))),
    ("multilabel_margin_loss_backward",
     lambda F, m, x: F.multilabel_margin_loss(x, m.tensor([[0, -1, 0, 0]] * 3))),
    ("_ctc_loss_backward",
     lambda F, m, x: F.ctc_loss(x, m.tensor([[1, 2]]), (3,), (2,))),
])
def test_no_double_backward_where_torch_has_none(name, call):
    for m in (torch, cr):
        shape = (3, 1, 4) if name == "_ctc_loss_backward" else (3, 4)
        x = m.randn(*shape, dtype=m.float64).log_softmax(-1).requires_grad_()
        (g,) = m.autograd.grad(call(lib_F(m), m, x), x, create_graph=True)
        assert g.grad_fn.name() == "torch::autograd::NotImplemented"
        with pytest.raises(RuntimeError, match=f"derivative for aten::{name} is not "
                                               "implemented"):
            g.sum().backward()


# ---------------------------------------------------------------------------- stability
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_and_bce_with_logits_at_extreme_logits(dtype):
    logits = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -999.0, -1000.0], [500.0, 1000.0,
                                                                              1000.0]])
    for name, call in {
        "ce": lambda F, x: F.cross_entropy(x, torch_or(x).tensor([1, 0, 2]), reduction="none"),
        "ce_probs": lambda F, x: F.cross_entropy(x, x.detach().softmax(1)),
        "ce_smooth": lambda F, x: F.cross_entropy(x, torch_or(x).tensor([1, 0, 2]),
                                                  label_smoothing=0.2),
        "bcel": lambda F, x: F.binary_cross_entropy_with_logits(x, (x.detach() > 0).to(
            x.dtype), reduction="none"),
        "bcel_pos": lambda F, x: F.binary_cross_entropy_with_logits(
            x, (x.detach() > 0).to(x.dtype), pos_weight=x.detach()[0].abs() / 500 + 1),
        "soft_margin_stable_side": lambda F, x: F.soft_margin_loss(x, x.detach().sign()),
    }.items():
        res = []
        for m in (torch, cr):
            x = m.tensor(logits, dtype=getattr(m, dtype), requires_grad=True)
            y = call(lib_F(m), x)
            y.sum().backward()
            res.append((y.detach().numpy(), x.grad.numpy()))
        assert np.isfinite(res[1][0]).all(), name
        np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-6, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-6, atol=1e-6, err_msg=name)


def torch_or(x):
    return torch if isinstance(x, torch.Tensor) else cr


def test_cross_entropy_float32_precision_on_a_wide_row():
    rng = np.random.default_rng(5)
    logits = rng.standard_normal((8, 5000)).astype(np.float32) * 4
    target = rng.integers(0, 5000, 8)
    res = []
    for m in (torch, cr):
        x = m.tensor(logits, requires_grad=True)
        loss = lib_F(m).cross_entropy(x, m.tensor(target))
        loss.backward()
        res.append((loss.item(), x.grad.numpy()))
    assert abs(res[1][0] - res[0][0]) <= 2e-6 * abs(res[0][0])
    np.testing.assert_allclose(res[1][1], res[0][1], atol=1e-9, rtol=1e-4)


def test_cross_entropy_is_log_softmax_then_nll_and_has_no_one_hot():
    x = cr.randn(4, 6, requires_grad=True)
    t = cr.tensor([0, 5, 2, 2])
    loss = cr.nn.functional.cross_entropy(x, t)
    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
    loss.backward()
    p = np.exp(x.detach().numpy())
    p /= p.sum(1, keepdims=True)
    p[np.arange(4), t.numpy()] -= 1
    np.testing.assert_allclose(x.grad.numpy(), p / 4, rtol=1e-5, atol=1e-7)


# ---------------------------------------------------------------------------- torch.* forms
def test_torch_namespace_forms_take_integer_reductions():
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    s = np.sign(rng.standard_normal(3))
    for red in (0, 1, 2):
        same(lambda m: m.margin_ranking_loss(T(m, a[0]), T(m, b[0]), T(m, np.sign(a[1])), 0.1,
                                             red))
        same(lambda m: m.hinge_embedding_loss(T(m, a), T(m, np.sign(b)), 1.0, red))
        same(lambda m: m.cosine_embedding_loss(T(m, a), T(m, b), T(m, s), 0.0, red))
        same(lambda m: m.triplet_margin_loss(T(m, a), T(m, b), T(m, a * 2), 1.0, 2, 1e-6, False,
                                             red))
        same(lambda m: m.kl_div(T(m, a), T(m, np.abs(b)), red))
        same(lambda m: m.poisson_nll_loss(T(m, a), T(m, np.abs(b)), True, True, 1e-8, red))
        same(lambda m: m.binary_cross_entropy_with_logits(T(m, a), T(m, np.abs(b) / 3), None,
                                                          None, red))
        same(lambda m: m.ctc_loss(T(m, LP), m.tensor([[1, 2], [3, 3]]), (6, 6), (2, 2), 0, red,
                                  False), atol=1e-5)


# ---------------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(batch=st.integers(0, 3), classes=st.integers(1, 5), spatial=st.lists(
           st.integers(1, 3), max_size=2), unbatched=st.booleans(), seed=st.integers(0, 9999),
       weighted=st.booleans(), ignore=st.booleans(),
       smoothing=st.sampled_from([0.0, 0.0, 0.15]),
       reduction=st.sampled_from(["mean", "sum", "none"]), probs=st.booleans())
def test_cross_entropy_configurations(batch, classes, spatial, unbatched, seed, weighted,
                                      ignore, smoothing, reduction, probs):
    rng = np.random.default_rng(seed)
    shape = (classes,) if unbatched else (batch, classes, *spatial)
    tshape = () if unbatched else (batch, *spatial)
    x = rng.standard_normal(shape) * 3
    if probs:
        target = rng.dirichlet(np.ones(classes), size=tshape)
        target = np.moveaxis(target, -1, 0 if unbatched else 1)
        ignore = False
    else:
        target = rng.integers(0, classes, tshape)
        if ignore and target.size:
            target.reshape(-1)[0] = -100
    w = rng.uniform(0.2, 2.0, classes) if weighted else None
    results = []
    for m in (torch, cr):
        xt = m.tensor(x, requires_grad=True)
        tt = m.tensor(target)
        wt = None if w is None else m.tensor(w)
        try:
            loss = lib_F(m).cross_entropy(xt, tt, weight=wt, reduction=reduction,
                                          label_smoothing=smoothing)
        except Exception as exc:  # noqa: BLE001
            results.append(exc)
            continue
        if loss.numel():
            loss.sum().backward()
        results.append((loss.detach().numpy(), None if xt.grad is None else xt.grad.numpy()))
    t, c = results
    if isinstance(t, Exception):
        assert type(c).__name__ == type(t).__name__ and str(c) == str(t)
        return
    np.testing.assert_allclose(c[0], t[0], rtol=1e-9, atol=1e-12, equal_nan=True)
    if t[1] is not None:
        np.testing.assert_allclose(c[1], t[1], rtol=1e-9, atol=1e-12, equal_nan=True)


@settings(max_examples=40, deadline=None)
@given(batch=st.integers(1, 3), classes=st.integers(2, 5), frames=st.integers(1, 7),
       seed=st.integers(0, 9999), concatenated=st.booleans(), tensor_lengths=st.booleans(),
       reduction=st.sampled_from(["mean", "sum", "none"]), zero_infinity=st.booleans(),
       blank=st.integers(0, 1))
def test_ctc_configurations(batch, classes, frames, seed, concatenated, tensor_lengths,
                            reduction, zero_infinity, blank):
    rng = np.random.default_rng(seed)
    lp = np.log(rng.dirichlet(np.ones(classes), size=(frames, batch)))
    il = rng.integers(0, frames + 1, batch)
    tl = rng.integers(0, 4, batch)
    labels = [c for c in range(classes) if c != blank]
    targets = [rng.choice(labels, n) for n in tl]
    if concatenated:
        tg = np.concatenate(targets + [np.zeros(0, dtype=np.int64)]).astype(np.int64)
    else:
        tg = np.zeros((batch, max(tl.max(), 1)), dtype=np.int64) + labels[0]
        for b, row in enumerate(targets):
            tg[b, :len(row)] = row
    results = []
    for m in (torch, cr):
        x = m.tensor(lp, requires_grad=True)
        lens = (m.tensor(il), m.tensor(tl)) if tensor_lengths else (tuple(il), tuple(tl))
        loss = lib_F(m).ctc_loss(x, m.tensor(tg), *lens, blank=blank, reduction=reduction,
                                 zero_infinity=zero_infinity)
        loss.sum().backward()
        results.append((loss.detach().numpy(), x.grad.numpy()))
    (tv, tg_), (cv, cg) = results
    np.testing.assert_allclose(cv, tv, rtol=1e-9, atol=1e-10, equal_nan=True)
    np.testing.assert_allclose(cg, tg_, rtol=1e-8, atol=1e-10, equal_nan=True)


@settings(max_examples=30, deadline=None)
@given(name=st.sampled_from(["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss",
                             "soft_margin_loss", "binary_cross_entropy_with_logits",
                             "poisson_nll_loss", "kl_div", "hinge_embedding_loss"]),
       reduction=st.sampled_from(["mean", "sum", "none"]), seed=st.integers(0, 9999),
       shape=st.lists(st.integers(1, 4), max_size=3))
def test_pointwise_losses_over_shapes(name, reduction, seed, shape):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    t = rng.uniform(0.1, 1.0, shape) if name in ("poisson_nll_loss", "kl_div",
                                               "binary_cross_entropy_with_logits") else \
        np.sign(rng.standard_normal(shape)) if name in ("soft_margin_loss",
                                                        "hinge_embedding_loss") else \
        rng.standard_normal(shape)
    results = []
    for m in (torch, cr):
        xt = m.tensor(x, requires_grad=True)
        loss = getattr(lib_F(m), name)(xt, m.tensor(t), reduction=reduction)
        loss.sum().backward()
        results.append((loss.detach().numpy(), xt.grad.numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-10, atol=1e-12)
