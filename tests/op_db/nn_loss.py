"""nn.functional losses (and their torch.* forms with integer reductions).

Float sample arrays are leaves that require grad; targets torch refuses to differentiate
(soft margin signs, multilabel indicator matrices, loss weights) are passed as lists and made
into constant tensors of the input's dtype inside the expression (``_c``).
"""
from __future__ import annotations

import warnings

import numpy as np

from ._base import OpInfo, S


def _F(m):
    return m.nn.functional


def _c(m, values, like):
    """A constant tensor (no grad) of ``like``'s dtype."""
    return m.tensor(values, dtype=like.dtype)


def _quiet(fn):
    """Run ``fn`` with torch's and chainrule's deprecation/size warnings silenced (they are
    checked in tests/test_nn_loss.py)."""
    def wrapped(m, *args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(m, *args, **kwargs)
    return wrapped


def _signs(A, *shape):
    return np.where(A.rng.random(shape) > 0.5, 1.0, -1.0).tolist()


def _ints(A, high, *shape):
    return A.rng.integers(0, high, shape).astype(np.int64)


def _pointwise_entries():
    E = []
    pair = lambda A: [S(A(3, 4), A(3, 4)), S(A(), A()), S(A(2, 3, 2), A(2, 3, 2))]  # noqa: E731
    for name in ("mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"):
        f = (lambda n: lambda m, x, t, r: getattr(_F(m), n)(x, t, reduction=r))(name)
        E.append(OpInfo(f"F.{name}", f,
                        lambda A: [S(A(3, 4), A(3, 4), "mean"), S(A(3, 4), A(3, 4), "sum"),
                                   S(A(3, 4), A(3, 4), "none"), S(A(), A(), "mean"),
                                   S(A(2, 3, 2), A(2, 3, 2), "none")]))
        E.append(OpInfo(f"F.{name}_broadcast",
                        _quiet((lambda n: lambda m, x, t: getattr(_F(m), n)(x, t))(name)),
                        lambda A: [S(A(3, 4), A(4)), S(A(3, 1), A(2, 1, 4))]))
    E += [
        OpInfo("F.l1_loss_legacy", _quiet(lambda m, x, t, sa, r: _F(m).l1_loss(
            x, t, size_average=sa, reduce=r)),
               lambda A: [S(A(3, 4), A(3, 4), False, True), S(A(3, 4), A(3, 4), None, False)]),
        OpInfo("F.l1_loss_weight", lambda m, x, t, w, r: _F(m).l1_loss(
            x, t, reduction=r, weight=_c(m, w, x)),
               lambda A: [S(A(3, 4), A(3, 4), A(3, 4, lo=0.1, hi=1).tolist(), red)
                          for red in ("mean", "sum", "none")]),
        OpInfo("F.mse_loss_weight", lambda m, x, t, w: _F(m).mse_loss(
            x, t, weight=_c(m, w, x)),
               lambda A: [S(A(3, 4), A(3, 4), A(3, 4, lo=0.1, hi=1).tolist())]),
        OpInfo("F.smooth_l1_loss_beta", lambda m, x, t, b: _F(m).smooth_l1_loss(x, t, beta=b),
               lambda A: [S(A(3, 4), A(3, 4), 0.5), S(A(3, 4), A(3, 4), 2.0),
                          S(A(3, 4), A(3, 4), 0.0)]),
        OpInfo("F.smooth_l1_loss_legacy", _quiet(lambda m, x, t: _F(m).smooth_l1_loss(
            x, t, reduce=False)), pair),
        OpInfo("F.huber_loss_delta", lambda m, x, t, d: _F(m).huber_loss(x, t, delta=d),
               lambda A: [S(A(3, 4), A(3, 4), 0.3), S(A(3, 4), A(3, 4), 2.5)]),
        OpInfo("F.huber_loss_weight", lambda m, x, t, w, r: _F(m).huber_loss(
            x, t, reduction=r, weight=_c(m, w, x)),
               lambda A: [S(A(3, 4), A(3, 4), A(3, 4, lo=0.1, hi=1).tolist(), red)
                          for red in ("mean", "sum")]),
    ]
    return E


def _ce_entries():
    def idx(A):
        return [S(A(3, 5), _ints(A, 5, 3)), S(A(4, 3), _ints(A, 3, 4)),
                S(A(5), np.array(2)), S(A(2, 3, 4), _ints(A, 3, 2, 4)),
                S(A(2, 3, 2, 2), _ints(A, 3, 2, 2, 2)), S(A(2, 3, 2, 1, 2), _ints(A, 3, 2, 2, 1, 2))]

    def probs(A):
        p = A(3, 5, lo=0.05, hi=1.0)
        return [S(A(3, 5), p / p.sum(1, keepdims=True)), S(A(2, 3, 4), A(2, 3, 4, lo=0, hi=1)),
                S(A(4), A(4, lo=0, hi=1))]

    ignored = np.array([0, -100, 3, 1])
    weights = lambda A, n: A(n, lo=0.2, hi=1.5).tolist()  # noqa: E731
    F = _F
    E = [
        OpInfo("F.cross_entropy", lambda m, x, t: F(m).cross_entropy(x, t), idx,
               domain=(-3, 3)),
        OpInfo("F.cross_entropy_reductions", lambda m, x, t, r: F(m).cross_entropy(
            x, t, reduction=r),
               lambda A: [S(A(3, 5), _ints(A, 5, 3), r) for r in ("sum", "none")]
               + [S(A(2, 3, 4), _ints(A, 3, 2, 4), "none"), S(A(5), np.array(1), "none")]),
        OpInfo("F.cross_entropy_weight", lambda m, x, t, w, r: F(m).cross_entropy(
            x, t, weight=_c(m, w, x), reduction=r),
               lambda A: [S(A(3, 5), _ints(A, 5, 3), weights(A, 5), r)
                          for r in ("mean", "sum", "none")]
               + [S(A(2, 3, 4), _ints(A, 3, 2, 4), weights(A, 3), "mean")]),
        OpInfo("F.cross_entropy_ignore", lambda m, x, t, r: F(m).cross_entropy(
            x, t, reduction=r),
               lambda A: [S(A(4, 5), ignored, r) for r in ("mean", "sum", "none")]),
        OpInfo("F.cross_entropy_ignore_index", lambda m, x, t, w: F(m).cross_entropy(
            x, t, weight=_c(m, w, x), ignore_index=1),
               lambda A: [S(A(4, 5), np.array([1, 0, 1, 4]), weights(A, 5))]),
        OpInfo("F.cross_entropy_label_smoothing", lambda m, x, t, ls, r: F(m).cross_entropy(
            x, t, label_smoothing=ls, reduction=r),
               lambda A: [S(A(4, 5), ignored, 0.1, "mean"), S(A(4, 5), ignored, 0.3, "sum"),
                          S(A(4, 5), ignored, 0.2, "none"),
                          S(A(2, 3, 4), _ints(A, 3, 2, 4), 0.25, "mean"),
                          S(A(5), np.array(3), 0.1, "mean")]),
        OpInfo("F.cross_entropy_label_smoothing_weight",
               lambda m, x, t, w, r: F(m).cross_entropy(x, t, weight=_c(m, w, x),
                                                        label_smoothing=0.2, reduction=r),
               lambda A: [S(A(4, 5), ignored, weights(A, 5), r) for r in ("mean", "none")]),
        OpInfo("F.cross_entropy_probs", lambda m, x, t: F(m).cross_entropy(x, t), probs),
        OpInfo("F.cross_entropy_probs_options",
               lambda m, x, t, w, ls, r: F(m).cross_entropy(
                   x, t, weight=None if w is None else _c(m, w, x), label_smoothing=ls,
                   reduction=r),
               lambda A: [S(A(3, 5), A(3, 5, lo=0, hi=1), None, 0.2, "mean"),
                          S(A(3, 5), A(3, 5, lo=0, hi=1), weights(A, 5), 0.0, "mean"),
                          S(A(3, 5), A(3, 5, lo=0, hi=1), weights(A, 5), 0.1, "sum"),
                          S(A(2, 3, 2), A(2, 3, 2, lo=0, hi=1), weights(A, 3), 0.0, "none"),
                          S(A(3, 5), A(3, 5, lo=0, hi=1), None, 0.0, "none")]),
        OpInfo("F.cross_entropy_extreme", lambda m, x, t: F(m).cross_entropy(x, t),
               lambda A: [S(A(3, 5, lo=-1000, hi=1000), _ints(A, 5, 3))], gradcheck=False),
        OpInfo("F.linear_cross_entropy", lambda m, x, w, t, kw: F(m).linear_cross_entropy(
            x, w, t, **kw),
               lambda A: [S(A(3, 4), A(5, 4), _ints(A, 5, 3), {}),
                          S(A(3, 4), A(5, 4), _ints(A, 5, 3), {"label_smoothing": 0.1,
                                                                "reduction": "sum"}),
                          S(A(3, 4), A(5, 2, 4), _ints(A, 5, 3, 2), {}),
                          S(A(4), A(5, 4), np.array(2), {}),
                          S(A(3, 4), A(5, 4), A(3, 5, lo=0, hi=1), {})]),
        OpInfo("F.linear_cross_entropy_bias", lambda m, x, w, b, t: F(m).linear_cross_entropy(
            x, w, t, linear_bias=b, ignore_index=1),
               lambda A: [S(A(3, 4), A(5, 4), A(5), np.array([1, 0, 4]))]),
        OpInfo("F.nll_loss", lambda m, x, t: F(m).nll_loss(x.log_softmax(-1 if x.ndim < 2
                                                                         else 1), t), idx),
        OpInfo("F.nll_loss_raw", lambda m, x, t, r: F(m).nll_loss(x, t, reduction=r),
               lambda A: [S(A(3, 5), _ints(A, 5, 3), r) for r in ("mean", "sum", "none")]
               + [S(A(2, 3, 2, 2), _ints(A, 3, 2, 2, 2), "none"),
                  S(A(2, 3, 4), _ints(A, 3, 2, 4), "none")]),
        # torch's backward fails for a 1-D input with a 1-element target (its own bug)
        OpInfo("F.nll_loss_1d_target", lambda m, x, t, r: F(m).nll_loss(x, t, reduction=r),
               lambda A: [S(A(4), np.array([2]), "none"), S(A(4), np.array([1]), "mean")],
               grad=False),
        OpInfo("F.nll_loss_weight_ignore", lambda m, x, t, w, r: F(m).nll_loss(
            x, t, weight=_c(m, w, x), ignore_index=2, reduction=r),
               lambda A: [S(A(4, 5), np.array([2, 0, 4, 2]), weights(A, 5), r)
                          for r in ("mean", "sum", "none")]
               + [S(A(2, 3, 2, 2), _ints(A, 3, 2, 2, 2), weights(A, 3), "mean")]),
        OpInfo("F.nll_loss_legacy", _quiet(lambda m, x, t: F(m).nll_loss(
            x, t, size_average=False)), lambda A: [S(A(3, 5), _ints(A, 5, 3))]),
        OpInfo("F.nll_loss_uint8_target", lambda m, x, t: F(m).nll_loss(x, t.to(m.uint8)),
               lambda A: [S(A(3, 5), _ints(A, 5, 3))]),
    ]
    return E


def _bce_entries():
    F = _F

    def pair(A):
        return [S(A(3, 4, lo=0.05, hi=0.95), A(3, 4, lo=0, hi=1)),
                S(A(lo=0.05, hi=0.95), A(lo=0, hi=1)),
                S(A(2, 3, 2, lo=0.05, hi=0.95), A(2, 3, 2, lo=0, hi=1))]
    return [
        OpInfo("F.binary_cross_entropy", lambda m, x, t: F(m).binary_cross_entropy(x, t), pair),
        OpInfo("F.binary_cross_entropy_options",
               lambda m, x, t, w, r: F(m).binary_cross_entropy(
                   x, t, weight=None if w is None else _c(m, w, x), reduction=r),
               lambda A: [S(A(3, 4, lo=0.05, hi=0.95), A(3, 4, lo=0, hi=1),
                            A(3, 4, lo=0.1, hi=2).tolist(), "mean"),
                          S(A(3, 4, lo=0.05, hi=0.95), A(3, 4, lo=0, hi=1),
                            A(4, lo=0.1, hi=2).tolist(), "sum"),
                          S(A(3, 4, lo=0.05, hi=0.95), A(3, 4, lo=0, hi=1), None, "none")]),
        OpInfo("F.binary_cross_entropy_clamped", lambda m, x, t: F(m).binary_cross_entropy(
            x, _c(m, t, x), reduction="none"),
               lambda A: [S(np.array([0.0, 1.0, 0.0, 1.0, 1e-30]), [0.0, 1.0, 1.0, 0.0, 1.0])],
               grad=False),
        OpInfo("F.binary_cross_entropy_with_logits",
               lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t),
               lambda A: [S(A(3, 4, lo=-3, hi=3), A(3, 4, lo=0, hi=1)),
                          S(A(lo=-3, hi=3), A(lo=0, hi=1))]),
        OpInfo("F.binary_cross_entropy_with_logits_options",
               lambda m, x, t, w, pw, r: F(m).binary_cross_entropy_with_logits(
                   x, t, weight=None if w is None else _c(m, w, x),
                   pos_weight=None if pw is None else _c(m, pw, x), reduction=r),
               lambda A: [S(A(3, 4), A(3, 4, lo=0, hi=1), A(3, 4, lo=0.1, hi=2).tolist(),
                            None, "mean"),
                          S(A(3, 4), A(3, 4, lo=0, hi=1), None, A(4, lo=0.5, hi=3).tolist(),
                            "sum"),
                          S(A(3, 4), A(3, 4, lo=0, hi=1), A(4, lo=0.1, hi=2).tolist(),
                            A(4, lo=0.5, hi=3).tolist(), "none"),
                          S(A(2, 3, 2), A(2, 3, 2, lo=0, hi=1), None,
                            A(3, 1, lo=0.5, hi=3).tolist(), "mean")]),
        OpInfo("F.binary_cross_entropy_with_logits_extreme",
               lambda m, x, t: F(m).binary_cross_entropy_with_logits(x, t, reduction="none"),
               lambda A: [S(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]),
                            A(5, lo=0, hi=1))], gradcheck=False),
        OpInfo("binary_cross_entropy_with_logits",
               lambda m, x, t, pw: m.binary_cross_entropy_with_logits(
                   x, t, None, _c(m, pw, x), 2),
               lambda A: [S(A(3, 4), A(3, 4, lo=0, hi=1), A(4, lo=0.5, hi=2).tolist())]),
    ]


def _distribution_entries():
    F = _F

    def probs(A, *shape):
        return A(*shape, lo=0.05, hi=1.0)
    return [
        OpInfo("F.kl_div", _quiet(lambda m, x, t, r: F(m).kl_div(x, t, reduction=r)),
               lambda A: [S(A(3, 4), probs(A, 3, 4), r)
                          for r in ("mean", "sum", "none", "batchmean")]
               + [S(A(), probs(A), "batchmean"), S(A(3, 4), probs(A, 4), "none")]),
        OpInfo("F.kl_div_log_target", _quiet(lambda m, x, t, r: F(m).kl_div(
            x, t, reduction=r, log_target=True)),
               lambda A: [S(A(3, 4), A(3, 4), r) for r in ("mean", "batchmean", "none")]),
        OpInfo("F.kl_div_zero_target", lambda m, x, t: F(m).kl_div(x, _c(m, t, x),
                                                                   reduction="sum"),
               lambda A: [S(A(2, 3), [[0.0, 0.5, 0.5], [0.2, 0.0, 0.8]])]),
        OpInfo("kl_div", lambda m, x, t: m.kl_div(x, t, 2, log_target=False),
               lambda A: [S(A(3, 4), probs(A, 3, 4))]),
        OpInfo("F.poisson_nll_loss", lambda m, x, t, r: F(m).poisson_nll_loss(x, t, reduction=r),
               lambda A: [S(A(3, 4), probs(A, 3, 4), r) for r in ("mean", "sum", "none")]),
        OpInfo("F.poisson_nll_loss_options",
               lambda m, x, t, log_input, full: F(m).poisson_nll_loss(
                   x, t, log_input=log_input, full=full),
               lambda A: [S(A(3, 4), A(3, 4, lo=0.5, hi=4), True, True),
                          S(A(3, 4, lo=0.2, hi=3), A(3, 4, lo=0.5, hi=4), False, False),
                          S(A(3, 4, lo=0.2, hi=3), A(3, 4, lo=0.5, hi=4), False, True)]),
        OpInfo("poisson_nll_loss", lambda m, x, t: m.poisson_nll_loss(x, t, True, False, 1e-8, 0),
               lambda A: [S(A(3, 4), probs(A, 3, 4))]),
        OpInfo("F.gaussian_nll_loss", lambda m, x, t, v, r: F(m).gaussian_nll_loss(
            x, t, v, reduction=r),
               lambda A: [S(A(3, 4), A(3, 4), probs(A, 3, 4), r)
                          for r in ("mean", "sum", "none")]
               + [S(A(3, 4), A(3, 4), probs(A, 3), "none"),
                  S(A(3, 4), A(3, 4), probs(A, 3, 1), "mean")]),
        OpInfo("F.gaussian_nll_loss_full", lambda m, x, t, v: F(m).gaussian_nll_loss(
            x, t, v, full=True, eps=0.2),
               lambda A: [S(A(3, 4), A(3, 4), A(3, 4, lo=0.3, hi=1.0))]),
        OpInfo("F.gaussian_nll_loss_float_var", lambda m, x, t: F(m).gaussian_nll_loss(
            x, t, 0.5), lambda A: [S(A(3, 4), A(3, 4))]),
    ]


def _margin_entries():
    F = _F
    E = [
        OpInfo("F.margin_ranking_loss", lambda m, a, b, s, mg, r: F(m).margin_ranking_loss(
            a, b, _c(m, s, a), margin=mg, reduction=r),
               lambda A: [S(A(5), A(5), _signs(A, 5), 0.0, "mean"),
                          S(A(5), A(5), _signs(A, 5), 0.5, "sum"),
                          S(A(2, 3), A(2, 3), _signs(A, 2, 3), 0.2, "none")]),
        OpInfo("margin_ranking_loss", lambda m, a, b, s: m.margin_ranking_loss(
            a, b, _c(m, s, a), 0.1, 1), lambda A: [S(A(5), A(5), _signs(A, 5))]),
        OpInfo("F.hinge_embedding_loss", lambda m, x, s, mg, r: F(m).hinge_embedding_loss(
            x, _c(m, s, x), margin=mg, reduction=r),
               lambda A: [S(A(3, 4), _signs(A, 3, 4), 1.0, "mean"),
                          S(A(3, 4), _signs(A, 3, 4), 0.5, "sum"),
                          S(A(3, 4), _signs(A, 4), 1.5, "none")]),
        OpInfo("hinge_embedding_loss", lambda m, x, s: m.hinge_embedding_loss(
            x, _c(m, s, x), 1.0, 0), lambda A: [S(A(3, 4), _signs(A, 3, 4))]),
        OpInfo("F.soft_margin_loss", lambda m, x, s, r: F(m).soft_margin_loss(
            x, _c(m, s, x), reduction=r),
               lambda A: [S(A(3, 4), _signs(A, 3, 4), r) for r in ("mean", "sum", "none")]
               + [S(A(3, 4), _signs(A, 4), "mean"), S(A(), 1.0, "mean")]),
        OpInfo("F.multilabel_soft_margin_loss",
               lambda m, x, t, w, r: F(m).multilabel_soft_margin_loss(
                   x, _c(m, t, x), weight=None if w is None else _c(m, w, x), reduction=r),
               lambda A: [S(A(3, 4), (A.rng.random((3, 4)) > 0.5).astype(float).tolist(),
                            None, r) for r in ("mean", "sum", "none")]
               + [S(A(3, 4), (A.rng.random((3, 4)) > 0.5).astype(float).tolist(),
                    A(4, lo=0.2, hi=1).tolist(), "mean")]),
        # torch has no double backward for multilabel_margin_loss / multi_margin_loss
        OpInfo("F.multilabel_margin_loss", lambda m, x, t, r: F(m).multilabel_margin_loss(
            x, t, reduction=r),
               lambda A: [S(A(3, 4), np.array([[3, 0, -1, 1], [0, 1, 2, 3], [1, -1, 2, 2]]), r)
                          for r in ("mean", "sum", "none")]
               + [S(A(4), np.array([2, 0, 0, -1]), "none"), S(A(), np.array([0]), "mean"),
                  S(A(2, 4), np.array([[1, 1, -1, 0], [-1, 0, 0, 0]]), "none")],
               gradgrad=False),
        OpInfo("F.multi_margin_loss", lambda m, x, t, p, mg, r: F(m).multi_margin_loss(
            x, t, p=p, margin=mg, reduction=r),
               lambda A: [S(A(3, 4), np.array([0, 3, 1]), 1, 1.0, "mean"),
                          S(A(3, 4), np.array([2, 2, 1]), 2, 0.5, "sum"),
                          S(A(3, 4), np.array([1, 0, 3]), 1, 2.0, "none"),
                          S(A(4), np.array(1), 2, 1.0, "none"), S(A(), np.array(0), 1, 1.0,
                                                                  "mean")],
               gradgrad=False),
        OpInfo("F.multi_margin_loss_weight", lambda m, x, t, w: F(m).multi_margin_loss(
            x, t, weight=_c(m, w, x)),
               lambda A: [S(A(3, 4), np.array([0, 3, 1]), A(4, lo=0.2, hi=2).tolist())],
               gradgrad=False),
        OpInfo("F.cosine_embedding_loss", lambda m, a, b, s, mg, r: F(m).cosine_embedding_loss(
            a, b, _c(m, s, a), margin=mg, reduction=r),
               lambda A: [S(A(3, 4), A(3, 4), _signs(A, 3), 0.0, "mean"),
                          S(A(3, 4), A(3, 4), _signs(A, 3), 0.3, "sum"),
                          S(A(3, 4), A(3, 4), _signs(A, 3), -0.2, "none"),
                          S(A(4), A(4), 1.0, 0.0, "mean"), S(A(4), A(4), -1.0, 0.1, "mean")]),
        OpInfo("cosine_embedding_loss", lambda m, a, b, s: m.cosine_embedding_loss(
            a, b, _c(m, s, a), 0.0, 2), lambda A: [S(A(3, 4), A(3, 4), _signs(A, 3))]),
        OpInfo("F.triplet_margin_loss", lambda m, a, p, n, kw: F(m).triplet_margin_loss(
            a, p, n, **kw),
               lambda A: [S(A(3, 4), A(3, 4), A(3, 4), {}),
                          S(A(3, 4), A(3, 4), A(3, 4), {"swap": True, "margin": 2.0}),
                          S(A(3, 4), A(3, 4), A(3, 4), {"p": 1, "reduction": "none"}),
                          S(A(3, 4), A(3, 4), A(3, 4), {"p": 3, "reduction": "sum"}),
                          S(A(4), A(4), A(4), {}), S(A(2, 3, 4), A(2, 3, 4), A(2, 3, 4),
                                                   {"reduction": "none"}),
                          S(A(3, 4), A(1, 4), A(3, 4), {})]),
        OpInfo("triplet_margin_loss", lambda m, a, p, n: m.triplet_margin_loss(
            a, p, n, 1.0, 2, 1e-6, True, 1), lambda A: [S(A(3, 4), A(3, 4), A(3, 4))]),
        OpInfo("F.triplet_margin_with_distance_loss",
               lambda m, a, p, n, kw: F(m).triplet_margin_with_distance_loss(a, p, n, **kw),
               lambda A: [S(A(3, 4), A(3, 4), A(3, 4), {}),
                          S(A(3, 4), A(3, 4), A(3, 4), {"swap": True, "reduction": "sum"}),
                          S(A(3, 4), A(3, 4), A(3, 4), {"margin": 0.5, "reduction": "none"})]),
        OpInfo("F.triplet_margin_with_distance_loss_fn",
               lambda m, a, p, n: F(m).triplet_margin_with_distance_loss(
                   a, p, n, distance_function=lambda u, v: (u - v).abs().sum(-1)),
               lambda A: [S(A(3, 4), A(3, 4), A(3, 4))]),
    ]
    return E


def _ctc_samples(A):
    T, N, C = 6, 2, 4
    return [
        S(A(T, N, C), np.array([[1, 2], [3, 3]]), (6, 6), (2, 2), {}),
        S(A(T, N, C), np.array([[1, 2, 1], [3, 0, 0]]), np.array([6, 4]), np.array([3, 1]),
          {"reduction": "none"}),
        S(A(T, N, C), np.array([1, 2, 3]), (5, 6), (2, 1), {"reduction": "sum"}),
        S(A(T, N, C), np.array([[2, 2, 2], [1, 1, 2]]), (6, 6), (3, 3), {"reduction": "none"}),
        S(A(T, N, C), np.array([[1, 2], [0, 1]]), (6, 6), (0, 2), {"blank": 3,
                                                                   "reduction": "none"}),
        S(A(T, C), np.array([1, 3]), (6,), (2,), {"reduction": "none"}),
        S(A(T, C), np.array([1, 3]), np.array(5), np.array(2), {}),
    ]


def _ctc_entries():
    F = _F

    def lengths(m, v):
        return m.tensor(v) if isinstance(v, np.ndarray) else v

    def ctc(m, x, t, il, tl, kw):
        lp = x.log_softmax(x.ndim - 1)
        return F(m).ctc_loss(lp, t, lengths(m, il), lengths(m, tl), **kw)
    return [
        # torch has no double backward for ctc_loss (its backward node is NotImplemented)
        OpInfo("F.ctc_loss", ctc, _ctc_samples, gradgrad=False, domain=(-2, 2)),
        # a target equal to the blank is invalid input; torch's gradient then differs from
        # the true one at the last frame, and chainrule gives torch's
        OpInfo("F.ctc_loss_target_is_blank", ctc,
               lambda A: [S(A(6, 2, 4), np.array([[1, 2], [3, 3]]), (6, 5), (0, 2),
                            {"blank": 3, "reduction": "none"})], gradcheck=False),
        OpInfo("F.ctc_loss_zero_infinity", lambda m, x, t, il, tl, r: F(m).ctc_loss(
            x.log_softmax(2), t, il, tl, reduction=r, zero_infinity=True),
               lambda A: [S(A(3, 2, 4), np.array([[2, 2, 2], [1, 2, 0]]), (3, 3), (3, 2), r)
                          for r in ("none", "mean")], gradgrad=False),
        OpInfo("ctc_loss", lambda m, x, t: m.ctc_loss(x.log_softmax(2), t, (4, 3), (2, 1), 0, 0,
                                                     False),
               lambda A: [S(A(4, 2, 3), np.array([[1, 2], [2, 0]]))], gradgrad=False),
    ]


ENTRIES = (_pointwise_entries() + _ce_entries() + _bce_entries() + _distribution_entries()
           + _margin_entries() + _ctc_entries())
