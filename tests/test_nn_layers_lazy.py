"""Lazy modules against torch's: repr and state_dict before the first call, the shapes
and class they take on from their first input, loading a checkpoint into them."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from nn_layer_pairs import assert_same_error, torch

import chainrule

LAZY = [
    ("LazyLinear", lambda nn: nn.LazyLinear(3), (2, 5)),
    ("LazyLinear-nobias", lambda nn: nn.LazyLinear(3, bias=False), (4, 2, 5)),
    ("LazyConv1d", lambda nn: nn.LazyConv1d(4, 3, padding=1), (2, 3, 6)),
    ("LazyConv2d", lambda nn: nn.LazyConv2d(4, 3, groups=2), (2, 6, 5, 5)),
    ("LazyConv2d-unbatched", lambda nn: nn.LazyConv2d(2, 2), (3, 4, 4)),
    ("LazyConv3d", lambda nn: nn.LazyConv3d(2, 2), (1, 2, 3, 3, 3)),
    ("LazyConvTranspose1d", lambda nn: nn.LazyConvTranspose1d(2, 3, stride=2), (2, 3, 4)),
    ("LazyConvTranspose2d", lambda nn: nn.LazyConvTranspose2d(4, 2, groups=2), (1, 2, 3, 3)),
    ("LazyConvTranspose3d", lambda nn: nn.LazyConvTranspose3d(2, 2), (1, 3, 2, 2, 2)),
    ("LazyBatchNorm1d", lambda nn: nn.LazyBatchNorm1d(), (4, 3)),
    ("LazyBatchNorm2d", lambda nn: nn.LazyBatchNorm2d(momentum=None), (2, 3, 2, 2)),
    ("LazyBatchNorm3d", lambda nn: nn.LazyBatchNorm3d(affine=False), (2, 3, 2, 2, 2)),
    ("LazyInstanceNorm1d", lambda nn: nn.LazyInstanceNorm1d(affine=True), (2, 3, 4)),
    ("LazyInstanceNorm2d", lambda nn: nn.LazyInstanceNorm2d(track_running_stats=True),
     (2, 3, 3, 3)),
    ("LazyInstanceNorm3d", lambda nn: nn.LazyInstanceNorm3d(), (2, 3, 2, 2, 2)),
]


def _np(t):
    return np.asarray(t.detach().numpy())


@pytest.mark.parametrize(("ctor", "shape"), [c[1:] for c in LAZY], ids=[c[0] for c in LAZY])
def test_lazy_module_initialises_like_torch(ctor, shape):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm, cm = ctor(torch.nn), ctor(chainrule.nn)
    assert repr(cm) == repr(tm)
    assert cm.has_uninitialized_params() and tm.has_uninitialized_params()
    assert list(cm.state_dict()) == list(tm.state_dict())
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm(torch.tensor(x))
        cm(chainrule.tensor(x))
    assert type(cm).__name__ == type(tm).__name__
    assert type(cm).__module__.replace("chainrule", "torch") == type(tm).__module__
    assert repr(cm) == repr(tm)
    assert not cm.has_uninitialized_params() if hasattr(cm, "has_uninitialized_params") \
        else True
    tsd, csd = tm.state_dict(), cm.state_dict()
    assert list(csd) == list(tsd)
    for k in tsd:
        assert tuple(csd[k].shape) == tuple(tsd[k].shape), k
    # from torch's weights the two now compute the same thing
    cm.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tsd.items()})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(_np(cm(chainrule.tensor(x))), _np(tm(torch.tensor(x))),
                                   rtol=1e-4, atol=1e-5)


def test_lazy_linear_loads_a_checkpoint_before_its_first_call():
    src = torch.nn.Linear(4, 3)
    sd = {k: chainrule.tensor(v.numpy()) for k, v in src.state_dict().items()}
    m = chainrule.nn.LazyLinear(3)
    m.load_state_dict(sd)
    assert tuple(m.weight.shape) == (3, 4)
    x = np.random.default_rng(1).standard_normal((2, 4)).astype(np.float32)
    y = m(chainrule.tensor(x))
    assert type(m) is chainrule.nn.Linear and m.in_features == 4
    np.testing.assert_allclose(_np(y), _np(src(torch.tensor(x))), rtol=1e-5, atol=1e-6)


def test_lazy_conv_trains_after_initialisation():
    m = chainrule.nn.LazyConv2d(2, 3)
    out = m(chainrule.randn(1, 3, 5, 5))
    out.sum().backward()
    assert tuple(m.weight.grad.shape) == (2, 3, 3, 3)
    bound = 1 / np.sqrt(27)
    assert np.abs(m.weight.detach().numpy()).max() <= bound + 1e-7


def test_lazy_errors_match_torch():
    assert_same_error(lambda lib: lib.nn.LazyConv2d(4, 3)(lib.randn(2, 3)))
    assert_same_error(lambda lib: lib.nn.LazyConv2d(4, 3, groups=2)(lib.randn(1, 3, 5, 5)))
