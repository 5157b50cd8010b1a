"""Hypothesis properties for the reduction family: over random shapes (0-d and empty
included), dims (negative, tuples), keepdim and values with ties, every main reduction
gives torch's values, dtypes, grad_fn name and gradients (float64)."""
import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

SETTINGS = settings(max_examples=40, deadline=None)

# ops over a tuple of dims (None: all), and ops over one dim
MULTI = {
    "sum": lambda x, d, k: x.sum(d, keepdim=k) if d is not None else x.sum(),
    "mean": lambda x, d, k: x.mean(d, keepdim=k) if d is not None else x.mean(),
    "nansum": lambda x, d, k: x.nansum(d, keepdim=k) if d is not None else x.nansum(),
    "amax": lambda x, d, k: x.amax(() if d is None else d, keepdim=k),
    "amin": lambda x, d, k: x.amin(() if d is None else d, keepdim=k),
    "logsumexp": lambda x, d, k: x.logsumexp(tuple(range(x.ndim)) if d is None else d, k),
    "var": lambda x, d, k: x.var(d, keepdim=k, correction=0),
    "std": lambda x, d, k: x.std(d, keepdim=k, correction=0),
}
SINGLE = {
    "prod": lambda x, d, k: x.prod(d, keepdim=k),
    "max": lambda x, d, k: x.max(d, keepdim=k)[0],
    "min": lambda x, d, k: x.min(d, keepdim=k)[0],
    "median": lambda x, d, k: x.median(d, keepdim=k)[0],
    "nanmedian": lambda x, d, k: x.nanmedian(d, keepdim=k)[0],
    "mode": lambda x, d, k: x.mode(d, keepdim=k)[0],
    "kthvalue": lambda x, d, k: x.kthvalue(max(1, x.shape[d] // 2) if x.ndim else 1, d, k)[0],
    "cumsum": lambda x, d, k: x.cumsum(d),
    "cumprod": lambda x, d, k: x.cumprod(d),
    "cummax": lambda x, d, k: x.cummax(d)[0],
    "logcumsumexp": lambda x, d, k: x.logcumsumexp(d),
    "sort": lambda x, d, k: x.sort(d, descending=k)[0],
    "topk": lambda x, d, k: x.topk(min(2, x.shape[d]) if x.ndim else 1, d, largest=k)[0],
}
# non-empty reductions over a dim (torch raises for a zero-size dim)
NEEDS_SIZE = {"max", "min", "median", "nanmedian", "mode", "kthvalue", "amax", "amin"}


def _values(shape, seed, ties):
    rng = np.random.default_rng(seed)
    if ties:
        return rng.integers(-2, 3, shape).astype(float) * 0.5
    return rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)


def _compare(fn, a, seed):
    results = []
    for m in (torch, chainrule):
        x = m.tensor(a, dtype=m.float64, requires_grad=True)
        try:
            out = fn(x)
        except Exception as exc:  # noqa: BLE001 - compared below
            results.append(exc)
            continue
        g = np.random.default_rng(seed + 1).standard_normal(tuple(out.shape))
        if out.requires_grad:
            out.backward(m.tensor(g, dtype=m.float64))
        results.append((out, x.grad))
    t, c = results
    if isinstance(t, Exception):
        assert isinstance(c, Exception) and type(c).__name__ == type(t).__name__, (t, c)
        return
    assert not isinstance(c, Exception), f"chainrule raises {c!r}"
    (to, tg), (co, cg) = t, c
    assert tuple(co.shape) == tuple(to.shape) and str(co.dtype) == str(to.dtype)
    np.testing.assert_allclose(co.detach().numpy(), to.detach().numpy(), rtol=1e-10,
                               atol=1e-12, equal_nan=True)
    assert (co.grad_fn is None) == (to.grad_fn is None)
    if to.grad_fn is not None:
        assert co.grad_fn.name() == to.grad_fn.name()
    if tg is not None:
        np.testing.assert_allclose(cg.numpy(), tg.numpy(), rtol=1e-9, atol=1e-12,
                                   equal_nan=True)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4), data=st.data(),
       name=st.sampled_from(sorted(MULTI)), keepdim=st.booleans(), ties=st.booleans(),
       seed=st.integers(0, 2 ** 16))
def test_multi_dim_reductions_match_torch(shape, data, name, keepdim, ties, seed):
    nd = len(shape)
    if nd:
        dims = data.draw(st.lists(st.integers(0, nd - 1), unique=True, min_size=1, max_size=nd))
        dims = [d - nd if data.draw(st.booleans()) else d for d in dims]
        dim = data.draw(st.sampled_from([None, tuple(dims), dims[0]]))
    else:
        dim = data.draw(st.sampled_from([None, 0, -1]))
    a = _values(shape, seed, ties)
    if name in NEEDS_SIZE and 0 in shape:
        return  # compared in tests/test_reductions.py (torch's errors)
    _compare(lambda x: MULTI[name](x, dim, keepdim), a, seed)


@SETTINGS
@given(shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=5), data=st.data(),
       name=st.sampled_from(sorted(SINGLE)), keepdim=st.booleans(), ties=st.booleans(),
       seed=st.integers(0, 2 ** 16))
def test_single_dim_reductions_match_torch(shape, data, name, keepdim, ties, seed):
    nd = len(shape)
    dim = data.draw(st.integers(-max(nd, 1), max(nd, 1) - 1))
    a = _values(shape, seed, ties)
    # with ties, the gradient goes to the index torch chooses: compared as well
    _compare(lambda x: SINGLE[name](x, dim, keepdim), a, seed)
