"""nn.functional activations and the softmax family (and their torch.* / Tensor forms).

In-place forms run on a clone (``x.clone()``), so the graph torch records (EluBackward1 over
CloneBackward0 ...) is compared too. rrelu appears in eval mode only (training draws random
slopes: tests/test_nn_activation.py checks those).
"""
from __future__ import annotations

import numpy as np

from ._base import OpInfo, S, _away_from_zero

_f = "nn.functional"


def _F(m):
    return m.nn.functional


def unary(A):
    return [S(A(3, 4)), S(A()), S(A(2, 1, 3))]


def empty(A):
    return [S(A(0, 3)), S(A(2, 0))]


def small(A):
    return [S(A(3, 4)), S(A())]


def _nz(A, *shape):
    return _away_from_zero(0.05, 2.0)(A, *shape)


def _kinked(kinks, spread=2.5):
    """Samples kept 0.05 away from each kink (finite differences need smoothness)."""
    def make(A):
        out = []
        for shape in ((3, 4), (), (2, 1, 3)):
            x = A(*shape, lo=-spread, hi=spread)
            for k in kinks:
                near = np.abs(x - k) < 0.05
                x = np.where(near, k + 0.1, x)
            out.append(S(np.asarray(x)))
        return out
    return make


def _entries():
    E = [
        OpInfo("F.relu", lambda m, x: _F(m).relu(x), _kinked([0])),
        OpInfo("F.relu_inplace", lambda m, x: _F(m).relu(x.clone(), inplace=True),
               _kinked([0])),
        OpInfo("F.relu_", lambda m, x: _F(m).relu_(x.clone()), _kinked([0])),
        OpInfo("F.sigmoid", lambda m, x: _F(m).sigmoid(x), small),
        OpInfo("F.tanh", lambda m, x: _F(m).tanh(x), small),
        OpInfo("F.hardtanh", lambda m, x: _F(m).hardtanh(x), _kinked([-1, 1])),
        OpInfo("F.hardtanh_bounds", lambda m, x: _F(m).hardtanh(x, -0.5, 1.5),
               _kinked([-0.5, 1.5])),
        OpInfo("F.hardtanh_", lambda m, x: _F(m).hardtanh_(x.clone(), -0.5, 0.5),
               _kinked([-0.5, 0.5])),
        OpInfo("F.hardtanh_inplace", lambda m, x: _F(m).hardtanh(x.clone(), inplace=True),
               _kinked([-1, 1])),
        OpInfo("F.relu6", lambda m, x: _F(m).relu6(x), _kinked([0, 6], 8)),
        OpInfo("F.relu6_inplace", lambda m, x: _F(m).relu6(x.clone(), inplace=True),
               _kinked([0, 6], 8)),
        OpInfo("F.leaky_relu", lambda m, x: _F(m).leaky_relu(x), _kinked([0])),
        OpInfo("F.leaky_relu_slope", lambda m, x: _F(m).leaky_relu(x, 0.2), _kinked([0])),
        OpInfo("F.leaky_relu_negative_slope", lambda m, x: _F(m).leaky_relu(x, -0.3),
               _kinked([0])),
        OpInfo("F.leaky_relu_", lambda m, x: _F(m).leaky_relu_(x.clone(), 0.2), _kinked([0])),
        OpInfo("F.leaky_relu_inplace",
               lambda m, x: _F(m).leaky_relu(x.clone(), 0.1, inplace=True), _kinked([0])),
        OpInfo("F.elu", lambda m, x: _F(m).elu(x), _kinked([0])),
        OpInfo("F.elu_alpha", lambda m, x: _F(m).elu(x, 0.5), _kinked([0])),
        OpInfo("F.elu_", lambda m, x: _F(m).elu_(x.clone(), 1.5), _kinked([0])),
        OpInfo("F.elu_inplace", lambda m, x: _F(m).elu(x.clone(), inplace=True),
               _kinked([0])),
        OpInfo("F.selu", lambda m, x: _F(m).selu(x), _kinked([0])),
        OpInfo("F.selu_inplace", lambda m, x: _F(m).selu(x.clone(), inplace=True),
               _kinked([0])),
        OpInfo("F.selu_", lambda m, x: _F(m).selu_(x.clone()), _kinked([0])),
        OpInfo("selu", lambda m, x: m.selu(x), _kinked([0])),
        OpInfo("selu_", lambda m, x: m.selu_(x.clone()), _kinked([0])),
        OpInfo("F.celu", lambda m, x: _F(m).celu(x), _kinked([0])),
        OpInfo("F.celu_alpha", lambda m, x: _F(m).celu(x, 1.7), _kinked([0])),
        OpInfo("F.celu_", lambda m, x: _F(m).celu_(x.clone(), 0.7), _kinked([0])),
        OpInfo("F.celu_inplace", lambda m, x: _F(m).celu(x.clone(), inplace=True),
               _kinked([0])),
        OpInfo("celu", lambda m, x: m.celu(x, 2.0), _kinked([0])),
        OpInfo("celu_", lambda m, x: m.celu_(x.clone()), _kinked([0])),
        OpInfo("F.gelu", lambda m, x: _F(m).gelu(x), unary, domain=(-3, 3)),
        OpInfo("F.gelu_tanh", lambda m, x: _F(m).gelu(x, approximate="tanh"), unary,
               domain=(-3, 3)),
        OpInfo("F.silu", lambda m, x: _F(m).silu(x), unary, domain=(-4, 4)),
        OpInfo("F.silu_inplace", lambda m, x: _F(m).silu(x.clone(), inplace=True), small),
        OpInfo("F.mish", lambda m, x: _F(m).mish(x), unary, domain=(-4, 4)),
        OpInfo("F.mish_inplace", lambda m, x: _F(m).mish(x.clone(), inplace=True), small),
        OpInfo("F.softplus", lambda m, x: _F(m).softplus(x), unary, domain=(-4, 4)),
        OpInfo("F.softplus_beta", lambda m, x: _F(m).softplus(x, 2.0, 1.0),
               _kinked([0.5], 2)),
        OpInfo("F.softsign", lambda m, x: _F(m).softsign(x), _kinked([0])),
        OpInfo("F.tanhshrink", lambda m, x: _F(m).tanhshrink(x), unary),
        # torch has no double backward for hardsigmoid (its node is NotImplemented)
        OpInfo("F.hardsigmoid", lambda m, x: _F(m).hardsigmoid(x), _kinked([-3, 3], 4),
               gradgrad=False),
        OpInfo("F.hardsigmoid_inplace",
               lambda m, x: _F(m).hardsigmoid(x.clone(), inplace=True), _kinked([-3, 3], 4),
               gradgrad=False),
        OpInfo("F.hardswish", lambda m, x: _F(m).hardswish(x), _kinked([-3, 3], 4)),
        OpInfo("F.hardswish_inplace", lambda m, x: _F(m).hardswish(x.clone(), inplace=True),
               _kinked([-3, 3], 4)),
        OpInfo("F.hardshrink", lambda m, x: _F(m).hardshrink(x), _kinked([-0.5, 0.5])),
        OpInfo("F.hardshrink_lambd", lambda m, x: _F(m).hardshrink(x, 1.2),
               _kinked([-1.2, 1.2])),
        OpInfo("hardshrink", lambda m, x: m.hardshrink(x, 0.3), _kinked([-0.3, 0.3])),
        OpInfo("Tensor.hardshrink", lambda m, x: x.hardshrink(), _kinked([-0.5, 0.5])),
        OpInfo("F.softshrink", lambda m, x: _F(m).softshrink(x), _kinked([-0.5, 0.5])),
        OpInfo("F.softshrink_lambd", lambda m, x: _F(m).softshrink(x, 1.0),
               _kinked([-1, 1])),
        OpInfo("F.threshold", lambda m, x: _F(m).threshold(x, 0.1, 20.0), _kinked([0.1])),
        OpInfo("threshold", lambda m, x: m.threshold(x, -0.5, -3.0), _kinked([-0.5])),
        OpInfo("F.threshold_", lambda m, x: _F(m).threshold_(x.clone(), 0.1, 20.0),
               _kinked([0.1])),
        OpInfo("threshold_", lambda m, x: m.threshold_(x.clone(), 0.2, -1.0), _kinked([0.2])),
        OpInfo("F.threshold_inplace",
               lambda m, x: _F(m).threshold(x.clone(), 0.0, 0.5, inplace=True), _kinked([0])),
        OpInfo("F.logsigmoid", lambda m, x: _F(m).logsigmoid(x), unary, domain=(-5, 5)),
        OpInfo("F.rrelu_eval", lambda m, x: _F(m).rrelu(x), _kinked([0])),
        OpInfo("rrelu_eval", lambda m, x: m.rrelu(x, 0.1, 0.5), _kinked([0])),
        OpInfo("rrelu_", lambda m, x: m.rrelu_(x.clone(), 0.2, 0.4), _kinked([0])),
        OpInfo("F.rrelu_", lambda m, x: _F(m).rrelu_(x.clone()), _kinked([0])),
        OpInfo("F.rrelu_inplace", lambda m, x: _F(m).rrelu(x.clone(), inplace=True),
               _kinked([0])),
    ]
    E += _prelu_entries() + _glu_entries() + _softmax_entries() + _normalize_entries()
    # empty inputs: values, dtypes and graphs (finite differences need elements)
    for name in ("gelu", "silu", "mish", "softplus", "tanhshrink", "logsigmoid", "elu",
                 "hardtanh", "leaky_relu", "hardswish", "softshrink"):
        E.append(OpInfo(f"F.{name}_empty", (lambda n: lambda m, x: getattr(_F(m), n)(x))(name),
                        empty, gradcheck=False))
    E += [OpInfo("F.softmax_empty", lambda m, x, d: _F(m).softmax(x, d),
                 lambda A: [S(A(0, 3), 1), S(A(0, 3), 0), S(A(2, 0), 1)], gradcheck=False),
          OpInfo("F.log_softmax_empty", lambda m, x, d: _F(m).log_softmax(x, d),
                 lambda A: [S(A(0, 3), 1), S(A(2, 0), 1)], gradcheck=False)]
    return E


def _prelu_samples(A):
    def x(*shape):
        return _nz(A, *shape)
    return [S(x(2, 3, 4), A(3, lo=0.1, hi=0.5)), S(x(3, 4), A(1, lo=0.1, hi=0.5)),
            S(x(2, 3), A(lo=0.1, hi=0.5)), S(x(), A(1, lo=0.1, hi=0.5)),
            S(x(4), A(1, lo=0.1, hi=0.5)), S(x(2, 2, 3, 2), A(2, lo=0.1, hi=0.5))]


def _prelu_entries():
    return [
        OpInfo("F.prelu", lambda m, x, w: _F(m).prelu(x, w), _prelu_samples),
        OpInfo("prelu", lambda m, x, w: m.prelu(x, w), lambda A: _prelu_samples(A)[:2]),
        OpInfo("Tensor.prelu", lambda m, x, w: x.prelu(w), lambda A: _prelu_samples(A)[:1]),
    ]


def _glu_entries():
    return [
        OpInfo("F.glu", lambda m, x: _F(m).glu(x), lambda A: [S(A(3, 4)), S(A(2, 3, 2)),
                                                               S(A(6))]),
        OpInfo("F.glu_dim", lambda m, x, d: _F(m).glu(x, d),
               lambda A: [S(A(4, 3), 0), S(A(2, 4, 3), 1), S(A(2, 3, 4), -1),
                          S(A(2, 2, 3), -3)]),
    ]


def _rows(A):
    return [S(A(3, 5), 1), S(A(3, 5), 0), S(A(2, 3, 4), -1), S(A(2, 3, 4), 1), S(A(), 0),
            S(A(4), -1)]


def _softmax_entries():
    dom = (-3, 3)
    return [
        OpInfo("F.softmax", lambda m, x, d: _F(m).softmax(x, d), _rows, domain=dom),
        OpInfo("F.softmax_dtype", lambda m, x, d: _F(m).softmax(x, d, dtype=m.float64),
               lambda A: _rows(A)[:2], domain=dom),
        OpInfo("softmax", lambda m, x, d: m.softmax(x, d), lambda A: _rows(A)[:3], domain=dom),
        OpInfo("Tensor.softmax", lambda m, x, d: x.softmax(d), lambda A: _rows(A)[:2],
               domain=dom),
        OpInfo("F.log_softmax", lambda m, x, d: _F(m).log_softmax(x, d), _rows, domain=dom),
        OpInfo("F.log_softmax_dtype",
               lambda m, x, d: _F(m).log_softmax(x, d, dtype=m.float64),
               lambda A: _rows(A)[:2], domain=dom),
        OpInfo("log_softmax", lambda m, x, d: m.log_softmax(x, d), lambda A: _rows(A)[:3],
               domain=dom),
        OpInfo("Tensor.log_softmax", lambda m, x, d: x.log_softmax(d),
               lambda A: _rows(A)[:2], domain=dom),
        OpInfo("F.softmin", lambda m, x, d: _F(m).softmin(x, d), lambda A: _rows(A)[:5],
               domain=dom),
        OpInfo("F.softmin_dtype", lambda m, x, d: _F(m).softmin(x, d, dtype=m.float64),
               lambda A: _rows(A)[:1], domain=dom),
        OpInfo("F.softmax_extreme", lambda m, x, d: _F(m).softmax(x, d),
               lambda A: [S(A(3, 4, lo=-1000, hi=1000), 1)], gradcheck=False),
        OpInfo("F.log_softmax_extreme", lambda m, x, d: _F(m).log_softmax(x, d),
               lambda A: [S(A(3, 4, lo=-1000, hi=1000), 1)], gradcheck=False),
    ]


def _normalize_entries():
    return [
        OpInfo("F.normalize", lambda m, x: _F(m).normalize(x),
               lambda A: [S(A(3, 4)), S(A(2, 3, 2))]),
        OpInfo("F.normalize_p", lambda m, x, p, d: _F(m).normalize(x, p, d),
               lambda A: [S(_nz(A, 3, 4), 1.0, 0), S(A(3, 4), 3.0, -1), S(A(5), 2.0, 0),
                          S(A(), 2.0, 0)]),
    ]


def _dropout_entries():
    """Dropout's deterministic cases (p=0, eval: the input itself; p=1: times a zero);
    training with 0 < p < 1 is random and checked in tests/test_nn_activation.py."""
    x3 = lambda A: [S(A(2, 3, 4)), S(A(3, 2, 2, 2))]  # noqa: E731
    E = []
    shapes = {"dropout1d": lambda A: [S(A(2, 3)), S(A(2, 3, 2))],
              "dropout2d": lambda A: [S(A(2, 3, 2, 2)), S(A(3, 2, 2))],
              "dropout3d": lambda A: [S(A(3, 2, 2, 2)), S(A(2, 3, 2, 2, 2))]}
    for name in ("dropout", "alpha_dropout", "feature_alpha_dropout", "dropout1d",
                 "dropout2d", "dropout3d"):
        samples = shapes.get(name, x3)
        E += [
            OpInfo(f"F.{name}_p0", (lambda n: lambda m, x: getattr(_F(m), n)(
                x, 0.0, True))(name), samples),
            OpInfo(f"F.{name}_eval", (lambda n: lambda m, x: getattr(_F(m), n)(
                x, 0.5, False))(name), samples),
            OpInfo(f"F.{name}_p1", (lambda n: lambda m, x: getattr(_F(m), n)(
                x, 1.0, True))(name), samples),
            OpInfo(f"F.{name}_p1_inplace", (lambda n: lambda m, x: getattr(_F(m), n)(
                x.clone(), 1.0, True, True))(name), samples),
        ]
    for name in ("dropout", "feature_dropout", "alpha_dropout", "feature_alpha_dropout"):
        E += [
            OpInfo(f"{name}_p1", (lambda n: lambda m, x: getattr(m, n)(x, 1.0, True))(name),
                   x3),
            OpInfo(f"{name}_eval", (lambda n: lambda m, x: getattr(m, n)(x, 0.4, False))(name),
                   x3),
        ]
    E += [
        OpInfo("dropout_", lambda m, x: m.dropout_(x.clone(), 1.0, True), x3),
        OpInfo("feature_dropout_", lambda m, x: m.feature_dropout_(x.clone(), 1.0, True), x3),
        OpInfo("alpha_dropout_", lambda m, x: m.alpha_dropout_(x.clone(), 0.0, True), x3),
        OpInfo("feature_alpha_dropout_",
               lambda m, x: m.feature_alpha_dropout_(x.clone(), 1.0, True), x3),
    ]
    E.append(OpInfo("F.dropout_empty", lambda m, x: _F(m).dropout(x, 0.5), empty,
                    gradcheck=False))
    return E


ENTRIES = _entries() + _dropout_entries()
