"""nn.init against torch.nn.init: the deterministic initialisers give torch's values; the
random ones give torch's distribution (bounds, moments, structure) from chainrule's own
stream; errors and warnings match; ``generator=`` makes the draws reproducible."""
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch_compare import same  # noqa: E402

import chainrule as cr  # noqa: E402


def same_error(fn):
    out = []
    for m in (torch, cr):
        with pytest.raises(Exception) as info:
            fn(m)
        out.append(info.value)
    t, c = out
    assert type(c).__name__ == type(t).__name__, (c, t)
    assert str(c) == str(t)


@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("conv_transpose3d",),
                                  ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
                                  ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu",)])
def test_calculate_gain_matches_torch(args):
    assert cr.nn.init.calculate_gain(*args) == torch.nn.init.calculate_gain(*args)


@pytest.mark.parametrize("case", [
    lambda m: m.nn.init.calculate_gain("softmax"),
    lambda m: m.nn.init.calculate_gain("leaky_relu", True),
    lambda m: m.nn.init.calculate_gain("leaky_relu", "0.1"),
    lambda m: m.nn.init.eye_(m.empty(2, 2, 2)),
    lambda m: m.nn.init.dirac_(m.empty(2, 2)),
    lambda m: m.nn.init.dirac_(m.empty(3, 2, 3), groups=2),
    lambda m: m.nn.init.xavier_uniform_(m.empty(3)),
    lambda m: m.nn.init.kaiming_normal_(m.empty(3, 3), mode="fan_avg"),
    lambda m: m.nn.init.kaiming_uniform_(m.empty(3, 3), nonlinearity="gelu"),
    lambda m: m.nn.init.orthogonal_(m.empty(3)),
    lambda m: m.nn.init.sparse_(m.empty(3, 3, 3), 0.5),
])
def test_errors_match_torch(case):
    same_error(case)


@pytest.mark.parametrize("name, shape, kwargs", [
    ("constant_", (2, 3), {"val": 0.25}),
    ("ones_", (4,), {}),
    ("zeros_", (2, 2), {}),
    ("eye_", (3, 5), {}),
    ("eye_", (4, 2), {}),
    ("dirac_", (4, 2, 3), {}),
    ("dirac_", (4, 2, 3, 3), {"groups": 2}),
    ("dirac_", (2, 3, 3, 4, 5), {}),
])
def test_deterministic_initialisers_give_torchs_values(name, shape, kwargs):
    def run(m):
        t = m.empty(shape, requires_grad=True)
        out = getattr(m.nn.init, name)(t, **kwargs)
        return out is t, t.requires_grad, t.grad_fn, t.detach().clone()
    same(run)


def _sample(m, name, shape, **kwargs):
    t = m.empty(shape, dtype=m.float64)
    getattr(m.nn.init, name)(t, **kwargs)
    return t.numpy().ravel()


@pytest.mark.parametrize("name, shape, kwargs", [
    ("uniform_", (200, 100), {"a": -0.5, "b": 2.0}),
    ("normal_", (200, 100), {"mean": 1.0, "std": 0.5}),
    ("xavier_uniform_", (200, 100), {"gain": 2.0}),
    ("xavier_normal_", (100, 20, 5), {}),
    ("kaiming_uniform_", (200, 100), {"a": math.sqrt(5)}),
    ("kaiming_uniform_", (50, 40, 3, 3), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", (200, 100), {"nonlinearity": "relu"}),
    ("kaiming_normal_", (200, 100), {"mode": "FAN_OUT", "nonlinearity": "tanh"}),
    ("trunc_normal_", (200, 100), {}),
    ("trunc_normal_", (200, 100), {"std": 0.02}),
    ("trunc_normal_", (200, 100), {"mean": 1.0, "std": 2.0, "a": 0.5, "b": 0.8}),
])
def test_random_initialisers_follow_torchs_distribution(name, shape, kwargs):
    ref = _sample(torch, name, shape, **kwargs)
    mine = _sample(cr, name, shape, **kwargs)
    spread = ref.std()
    assert abs(mine.mean() - ref.mean()) < 0.05 * spread + 1e-12
    assert abs(mine.std() - spread) < 0.05 * spread
    # the same support: bounded initialisers stay inside torch's bounds
    lo, hi = ref.min(), ref.max()
    if name == "trunc_normal_":
        assert mine.min() >= kwargs.get("a", -2.0) and mine.max() <= kwargs.get("b", 2.0)
    elif name in ("uniform_", "xavier_uniform_", "kaiming_uniform_"):
        width = hi - lo
        assert mine.min() >= lo - 0.01 * width and mine.max() <= hi + 0.01 * width


@pytest.mark.parametrize("shape, gain", [((3, 5), 1.0), ((6, 4), 2.0), ((4, 2, 3), 0.5)])
def test_orthogonal_is_orthogonal_times_gain(shape, gain):
    t = cr.empty(shape)
    out = cr.nn.init.orthogonal_(t, gain=gain)
    assert out is t
    flat = t.reshape(shape[0], -1).double()
    gram = flat @ flat.T if shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram.numpy(), gain ** 2 * np.eye(gram.shape[0]), atol=1e-5)


def test_sparse_zeroes_ceil_sparsity_rows_of_each_column():
    for m in (torch, cr):
        t = m.empty(10, 6)
        m.nn.init.sparse_(t, sparsity=0.25, std=0.5)
        zeros_per_col = (t == 0).sum(0).tolist()
        assert zeros_per_col == [3] * 6


def test_generator_makes_draws_reproducible():
    for name in ("uniform_", "normal_", "xavier_uniform_", "kaiming_normal_", "trunc_normal_",
                 "orthogonal_"):
        draws = []
        for _ in range(2):
            g = cr.Generator().manual_seed(7)
            draws.append(getattr(cr.nn.init, name)(cr.empty(4, 5), generator=g).tolist())
        assert draws[0] == draws[1], name


def test_dtype_is_kept_and_version_bumped():
    for dtype in (cr.float16, cr.float64):
        t = cr.empty(3, 4, dtype=dtype)
        v = t._version
        cr.nn.init.kaiming_uniform_(t)
        assert t.dtype == dtype and t._version > v


def test_zero_element_kaiming_warns_and_is_a_no_op():
    def run(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            t = m.nn.init.kaiming_uniform_(m.empty(0, 3))
            m.nn.init.kaiming_normal_(m.empty(3, 0))
        return tuple(t.shape), [str(x.message) for x in w]
    same(run)


def test_trunc_normal_far_mean_warns():
    def run(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            m.nn.init.trunc_normal_(m.empty(10), mean=10.0, std=1.0, a=-2.0, b=2.0)
        return [str(x.message) for x in w]
    same(run)


@pytest.mark.parametrize("old", ["uniform", "normal", "constant", "eye", "dirac", "xavier_uniform",
                                 "xavier_normal", "kaiming_uniform", "kaiming_normal",
                                 "orthogonal", "sparse"])
def test_deprecated_aliases_warn_like_torch(old):
    args = {"constant": (0.5,), "sparse": (0.5,)}.get(old, ())
    shape = (2, 3, 3) if old == "dirac" else (3, 3)

    def run(m):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = getattr(m.nn.init, old)(m.empty(shape), *args)
        return tuple(out.shape), [(x.category.__name__, str(x.message)) for x in w]
    same(run)


def test_all_names_of_torch_init_exist():
    for name in torch.nn.init.__all__:
        assert callable(getattr(cr.nn.init, name)), name
