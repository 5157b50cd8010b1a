"""Distances and the bilinear form against torch: errors, the nodes double backward
records (or torch's refusal), dtype handling of cosine_similarity, and hypothesis sweeps of
cdist's shapes, norms and compute modes. Values, gradients and graphs of each option are in
tests/op_db/nn_distance.py."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from op_db.nn_norm import _has  # noqa: E402
from test_nn_norm import F, T, same  # noqa: E402

import chainrule as cr  # noqa: E402

RNG = np.random.default_rng(3)
A, B = RNG.standard_normal((4, 3)), RNG.standard_normal((5, 3))

ERRORS = {
    "cdist_1d": lambda m: m.cdist(T(m, A[0]), T(m, B)),
    "cdist_columns": lambda m: m.cdist(T(m, A), T(m, B[:, :2])),
    "cdist_long": lambda m: m.cdist(T(m, A, "int64"), T(m, B, "int64")),
    "cdist_negative_p": lambda m: m.cdist(T(m, A), T(m, B), p=-1.0),
    "cdist_mode": lambda m: m.cdist(T(m, A), T(m, B), compute_mode="bad"),
    "pdist_1d": lambda m: F(m).pdist(T(m, A[0])),
    "pdist_3d": lambda m: F(m).pdist(T(m, A[None])),
    "pdist_long": lambda m: F(m).pdist(T(m, A, "int64")),
    "pdist_negative_p": lambda m: F(m).pdist(T(m, A), -1),
    "bilinear_dims": lambda m: F(m).bilinear(T(m, A), T(m, B[0]), T(m, np.ones((2, 3, 3)))),
    "bilinear_batch": lambda m: F(m).bilinear(T(m, A), T(m, B), T(m, np.ones((2, 3, 3)))),
    "bilinear_weight_2d": lambda m: F(m).bilinear(T(m, A), T(m, A), T(m, np.ones((3, 3)))),
    "bilinear_in1": lambda m: F(m).bilinear(T(m, A), T(m, A), T(m, np.ones((2, 4, 3)))),
    "bilinear_in2": lambda m: F(m).bilinear(T(m, A), T(m, A), T(m, np.ones((2, 3, 4)))),
    "bilinear_weight_4d": lambda m: F(m).bilinear(T(m, A), T(m, A), T(m, np.ones((2, 3, 3, 1)))),
    "bilinear_weight_1d": lambda m: F(m).bilinear(T(m, A), T(m, A), T(m, np.ones(3))),
    "bilinear_bias_2d": lambda m: F(m).bilinear(T(m, A), T(m, A), T(m, np.ones((2, 3, 3))),
                                                T(m, np.ones((2, 2)))),
    "bilinear_bias": lambda m: F(m).bilinear(T(m, A), T(m, A), T(m, np.ones((2, 3, 3))),
                                             T(m, np.ones(3))),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_torch(name):
    same(ERRORS[name])


@pytest.mark.skipif(not _has("norm_dim", "linalg_vector_norm"), reason="needs linalg's norms")
def test_composites_take_torch_dtypes():
    same(lambda m: F(m).cosine_similarity(T(m, A, "int64"), T(m, A + 1, "int64")))
    same(lambda m: F(m).cosine_similarity(T(m, A), T(m, A, "float64")))
    same(lambda m: F(m).cosine_similarity(T(m, A), T(m, A, "int64")))
    same(lambda m: F(m).cosine_similarity(T(m, A, "bool"), T(m, A)))
    same(lambda m: F(m).pairwise_distance(T(m, A, "int64"), T(m, A, "int64")))
    same(lambda m: F(m).pairwise_distance(T(m, A), T(m, B[:4], "float64")))


@pytest.mark.parametrize("fn", [
    lambda m, a, b: m.cdist(a, b), lambda m, a, b: F(m).pdist(a),
    lambda m, a, b: m.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
    lambda m, a, b: F(m).bilinear(a, b[:4], m.ones((2, 3, 3), dtype=a.dtype))],
    ids=["cdist", "pdist", "cdist_mm", "bilinear"])
def test_double_backward_matches_torch_or_its_refusal(fn):
    def run(m):
        a, b = T(m, A, "float64", rg=True), T(m, B + 5, "float64", rg=True)
        ga, = m.autograd.grad(fn(m, a, b).sum(), a, create_graph=True)
        names = ga.grad_fn.name()
        gga, = m.autograd.grad((ga * ga).sum(), a)
        return names, gga
    t, c = [None, None], [None, None]
    try:
        t = run(torch)
    except Exception as exc:  # noqa: BLE001
        t = exc
    try:
        c = run(cr)
    except Exception as exc:  # noqa: BLE001
        c = exc
    if isinstance(t, Exception):
        assert type(c) is type(t) and str(c) == str(t)
        return
    assert c[0] == t[0]
    np.testing.assert_allclose(c[1].numpy(), t[1].numpy(), rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(b1=st.lists(st.integers(1, 2), max_size=2), b2=st.lists(st.integers(1, 2), max_size=2),
       r1=st.integers(1, 4), r2=st.integers(1, 30), m_=st.integers(1, 3),
       p=st.sampled_from([0.0, 1.0, 2.0, 1.5, float("inf")]),
       mode=st.sampled_from(["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                             "donot_use_mm_for_euclid_dist"]))
def test_cdist_configurations(b1, b2, r1, r2, m_, p, mode):
    n = min(len(b1), len(b2))
    b2 = b2[:n] if len(b2) > len(b1) else b2
    b1 = [1 if i >= len(b1) - n and x != b2[i - (len(b1) - n)] and b2[i - (len(b1) - n)] != 1
          else x for i, x in enumerate(b1)]
    rng = np.random.default_rng(r1 * 31 + r2)
    x1 = rng.standard_normal(tuple(b1) + (r1, m_))
    x2 = rng.standard_normal(tuple(b2) + (r2, m_)) + 4.0
    res = []
    for m in (torch, cr):
        a, b = T(m, x1, "float64", rg=True), T(m, x2, "float64", rg=True)
        y = m.cdist(a, b, p, compute_mode=mode)
        y.backward(T(m, np.ones(tuple(y.shape)), "float64"))
        res.append((y.grad_fn.name(), y.detach().numpy(), a.grad.numpy(), b.grad.numpy()))
    assert res[1][0] == res[0][0]
    for c, t in zip(res[1][1:], res[0][1:]):
        np.testing.assert_allclose(c, t, rtol=1e-7, atol=1e-9)
