"""Every loss module against torch's: values and gradients for each reduction, weights
and options, the legacy size_average/reduce mapping, repr and errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from nn_layer_pairs import A, Case, I, P, Pos, R, S, build_pair, compare_case, torch

import chainrule

W3 = np.array([0.2, 1.0, 0.7], dtype=np.float32)


def _w(nn, array=W3):
    lib = torch if nn is torch.nn else chainrule
    return lib.tensor(array)


def _logp(*shape, axis=1):
    def make(rng):
        x = rng.standard_normal(shape)
        return (x - np.log(np.exp(x).sum(axis, keepdims=True))).astype(np.float32)
    return make


CASES = []
for red in ("mean", "sum", "none"):
    CASES += [
        Case("L1Loss", lambda nn, r=red: nn.L1Loss(reduction=r), (R(3, 4), R(3, 4)), id=f"L1-{red}"),
        Case("MSELoss", lambda nn, r=red: nn.MSELoss(reduction=r), (R(3, 4), R(3, 4)), id=f"MSE-{red}"),
        Case("CrossEntropyLoss", lambda nn, r=red: nn.CrossEntropyLoss(reduction=r),
             (R(4, 3), I(3, 4)), id=f"CE-{red}"),
        Case("CrossEntropyLoss", lambda nn, r=red: nn.CrossEntropyLoss(
            weight=_w(nn), ignore_index=1, reduction=r, label_smoothing=0.1),
             (R(5, 3, 2), I(3, 5, 2)), id=f"CE-weighted-{red}"),
        Case("NLLLoss", lambda nn, r=red: nn.NLLLoss(weight=_w(nn), reduction=r),
             (_logp(4, 3), I(3, 4)), id=f"NLL-{red}"),
        Case("BCELoss", lambda nn, r=red: nn.BCELoss(reduction=r), (P(3, 4), P(3, 4)),
             grad=(True, False), id=f"BCE-{red}"),
        Case("BCEWithLogitsLoss", lambda nn, r=red: nn.BCEWithLogitsLoss(
            reduction=r, pos_weight=_w(nn)), (R(4, 3), P(4, 3)), id=f"BCEL-{red}"),
        Case("KLDivLoss", lambda nn, r=red: nn.KLDivLoss(reduction=r), (_logp(3, 4), P(3, 4)),
             id=f"KL-{red}"),
        Case("HuberLoss", lambda nn, r=red: nn.HuberLoss(reduction=r, delta=0.5),
             (R(3, 4), R(3, 4)), id=f"Huber-{red}"),
        Case("SmoothL1Loss", lambda nn, r=red: nn.SmoothL1Loss(reduction=r, beta=0.5),
             (R(3, 4), R(3, 4)), id=f"SmoothL1-{red}"),
        Case("SoftMarginLoss", lambda nn, r=red: nn.SoftMarginLoss(reduction=r),
             (R(3, 4), S(3, 4)), id=f"SoftMargin-{red}"),
        Case("MultiLabelSoftMarginLoss", lambda nn, r=red: nn.MultiLabelSoftMarginLoss(
            weight=_w(nn), reduction=r), (R(4, 3), P(4, 3)), grad=(True, False),
             id=f"MLSM-{red}"),
        Case("MultiLabelMarginLoss", lambda nn, r=red: nn.MultiLabelMarginLoss(reduction=r),
             (R(2, 4), A([[3, 0, -1, 1], [1, 2, 3, -1]])), id=f"MLM-{red}"),
        Case("MultiMarginLoss", lambda nn, r=red: nn.MultiMarginLoss(p=2, margin=0.5,
                                                                     weight=_w(nn),
                                                                     reduction=r),
             (R(4, 3), I(3, 4)), id=f"MM-{red}"),
        Case("HingeEmbeddingLoss", lambda nn, r=red: nn.HingeEmbeddingLoss(0.5, reduction=r),
             (R(3, 4), S(3, 4)), id=f"Hinge-{red}"),
        Case("CosineEmbeddingLoss", lambda nn, r=red: nn.CosineEmbeddingLoss(0.1, reduction=r),
             (R(3, 4), R(3, 4), S(3)), id=f"CosEmb-{red}"),
        Case("MarginRankingLoss", lambda nn, r=red: nn.MarginRankingLoss(0.2, reduction=r),
             (R(5), R(5), S(5)), id=f"MarginRank-{red}"),
        Case("TripletMarginLoss", lambda nn, r=red: nn.TripletMarginLoss(p=1.0, swap=True,
                                                                         reduction=r),
             (R(3, 4), R(3, 4), R(3, 4)), id=f"Triplet-{red}"),
        Case("TripletMarginWithDistanceLoss", lambda nn, r=red: nn.TripletMarginWithDistanceLoss(
            margin=0.5, reduction=r), (R(3, 4), R(3, 4), R(3, 4)), id=f"TripletDist-{red}"),
        Case("PoissonNLLLoss", lambda nn, r=red: nn.PoissonNLLLoss(reduction=r),
             (R(3, 4), Pos(3, 4)), grad=(True, False), id=f"Poisson-{red}"),
        Case("PoissonNLLLoss", lambda nn, r=red: nn.PoissonNLLLoss(log_input=False, full=True,
                                                                   reduction=r),
             (Pos(3, 4), Pos(3, 4)), grad=(True, False), id=f"Poisson-full-{red}"),
        Case("GaussianNLLLoss", lambda nn, r=red: nn.GaussianNLLLoss(full=True, reduction=r),
             (R(3, 4), R(3, 4), Pos(3, 4)), id=f"GaussNLL-{red}"),
        Case("CTCLoss", lambda nn, r=red: nn.CTCLoss(reduction=r, zero_infinity=True),
             (_logp(6, 2, 4, axis=-1), A([[1, 2, 2], [3, 1, 0]]), A([6, 5]), A([3, 2])),
             id=f"CTC-{red}", rtol=1e-3),
    ]
CASES += [
    Case("CrossEntropyLoss", lambda nn: nn.CrossEntropyLoss(label_smoothing=0.2),
         (R(4, 3), P(4, 3)), grad=(True, False), id="CE-probs"),
    Case("NLLLoss2d", lambda nn: nn.NLLLoss2d(), (_logp(2, 3, 2, 2), I(3, 2, 2, 2)),
         id="NLL2d"),
    Case("KLDivLoss", lambda nn: nn.KLDivLoss(reduction="batchmean", log_target=True),
         (_logp(3, 4), _logp(3, 4)), id="KL-batchmean-log"),
    Case("BCELoss", lambda nn: nn.BCELoss(weight=_w(nn)), (P(4, 3), P(4, 3)),
         grad=(True, False), id="BCE-weight"),
    Case("BCEWithLogitsLoss", lambda nn: nn.BCEWithLogitsLoss(weight=_w(nn)),
         (R(4, 3), P(4, 3)), id="BCEL-weight"),
    Case("TripletMarginWithDistanceLoss", lambda nn: nn.TripletMarginWithDistanceLoss(
        distance_function=nn.CosineSimilarity(), swap=True), (R(3, 4), R(3, 4), R(3, 4)),
         id="TripletDist-cosine"),
    Case("GaussianNLLLoss", lambda nn: nn.GaussianNLLLoss(), (R(3, 4), R(3, 4), Pos(3, 1)),
         id="GaussNLL-broadcast-var"),
    Case("MSELoss", lambda nn: nn.MSELoss(size_average=False), (R(3, 4), R(3, 4)),
         id="MSE-legacy-sum"),
    Case("L1Loss", lambda nn: nn.L1Loss(reduce=False), (R(3, 4), R(3, 4)),
         id="L1-legacy-none"),
    Case("CTCLoss", lambda nn: nn.CTCLoss(blank=3, reduction="sum"),
         (_logp(5, 2, 4, axis=-1), A([1, 2, 0, 0, 1]), A([5, 4]), A([2, 3])),
         id="CTC-concatenated-targets", rtol=1e-3),
    Case("CrossEntropyLoss", lambda nn: nn.CrossEntropyLoss(weight=_w(nn), label_smoothing=0.3),
         (R(2, 3, 2, 2), P(2, 3, 2, 2)), grad=(True, False), id="CE-probs-weight-kdim"),
    Case("NLLLoss", lambda nn: nn.NLLLoss(ignore_index=2, reduction="mean"),
         (_logp(2, 3, 4), I(3, 2, 4)), id="NLL-kdim-ignore"),
    Case("BCEWithLogitsLoss", lambda nn: nn.BCEWithLogitsLoss(
        pos_weight=_w(nn).reshape(3, 1, 1)), (R(2, 3, 2, 2), P(2, 3, 2, 2)),
         id="BCEL-posweight-broadcast"),
    Case("MultiMarginLoss", lambda nn: nn.MultiMarginLoss(), (R(3,), A(2)), id="MM-1d"),
    Case("LinearCrossEntropyLoss", lambda nn: nn.LinearCrossEntropyLoss(4, 3, bias=True),
         (R(5, 4), I(3, 5)), id="LinearCE"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_loss_matches_torch(case):
    compare_case(case, "train")


@pytest.mark.parametrize("case", CASES[-12:] + CASES[:23], ids=[c.id for c in CASES[-12:] + CASES[:23]])
def test_loss_repr_and_buffers(case):
    tm, cm = build_pair(case.ctor)
    assert repr(cm) == repr(tm)
    assert cm.reduction == tm.reduction
    assert list(cm.state_dict()) == list(tm.state_dict())


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"size_average": False}, "sum"), ({"reduce": False}, "none"),
    ({"size_average": True, "reduce": True}, "mean"), ({"size_average": False, "reduce": False},
                                                        "none")])
def test_legacy_reduction_args_warn_and_map(kwargs, expected):
    for lib in (torch, chainrule):
        with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
            loss = lib.nn.CrossEntropyLoss(**kwargs)
        assert loss.reduction == expected


def test_nllloss2d_warns_deprecated():
    with pytest.warns(FutureWarning, match="NLLLoss2d"):
        chainrule.nn.NLLLoss2d()


@pytest.mark.parametrize("fn", [
    lambda lib: lib.nn.MultiMarginLoss(p=3),
    lambda lib: lib.nn.MultiMarginLoss(weight=lib.ones(2, 2)),
    lambda lib: lib.nn.TripletMarginLoss(margin=0),
    lambda lib: lib.nn.TripletMarginWithDistanceLoss(margin=-1.0),
    lambda lib: lib.nn.HuberLoss(delta="1"),
    lambda lib: lib.nn.CrossEntropyLoss()(lib.randn(3, 4), lib.tensor([0, 1])),
    lambda lib: lib.nn.NLLLoss()(lib.randn(3, 4), lib.tensor([0, 1, 7])),
    lambda lib: lib.nn.BCELoss()(lib.rand(3), lib.rand(4)),
    lambda lib: lib.nn.MSELoss(reduction="avg")(lib.rand(3), lib.rand(3)),
    lambda lib: lib.nn.LinearCrossEntropyLoss(3, 2, label_smoothing=2.0),
])
def test_loss_errors_match_torch(fn):
    from nn_layer_pairs import assert_same_error
    assert_same_error(fn, exact=False)


def test_loss_in_training_loop_matches_torch():
    """A classifier trained three SGD steps on cross entropy: the same losses."""
    def net(nn):
        return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    tm, cm = build_pair(net)
    cm.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((16, 4)).astype(np.float32), rng.integers(0, 3, 16)
    losses = []
    for lib, m in ((torch, tm), (chainrule, cm)):
        opt = lib.optim.SGD(m.parameters(), lr=0.5)
        crit = lib.nn.CrossEntropyLoss(label_smoothing=0.05)
        run = []
        for _ in range(3):
            opt.zero_grad()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loss = crit(m(lib.tensor(x)), lib.tensor(y))
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)
