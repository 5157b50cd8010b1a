"""Random sampling: the distributions (moments and Kolmogorov-Smirnov tests against the
theoretical distribution, with fixed seeds), reproducibility with manual_seed and
Generator, and shapes, dtypes, graph nodes and errors against torch."""
import math
import pickle

import numpy as np
import pytest
from expr_pairs import same

import chainrule as cr

stats = pytest.importorskip("scipy.stats")
N = 20_000
P_MIN = 1e-3  # seeded draws: a fixed outcome, far from the rejection region


def _np(t):
    return np.asarray(t.detach().numpy(), dtype=np.float64).reshape(-1)


def _ks(sample, dist) -> float:
    return stats.kstest(sample, dist.cdf).pvalue


def _gen(seed=1234):
    return cr.Generator().manual_seed(seed)


# ---------------------------------------------------------------------------- distributions
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_rand_is_uniform_in_unit_interval(dtype):
    x = cr.rand(N, generator=_gen(), dtype=getattr(cr, dtype))
    assert x.dtype is getattr(cr, dtype)
    v = _np(x)
    assert v.min() >= 0 and v.max() < 1
    if dtype != "float16":  # 11-bit grid: KS sees the steps
        assert _ks(v, stats.uniform()) > P_MIN
    assert abs(v.mean() - 0.5) < 0.01 and abs(v.var() - 1 / 12) < 0.005


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_randn_is_standard_normal(dtype):
    v = _np(cr.randn(N, generator=_gen(), dtype=getattr(cr, dtype)))
    assert _ks(v, stats.norm()) > P_MIN


def test_complex_randn_has_variance_half_in_each_part():
    z = cr.randn(N, dtype=cr.complex64, generator=_gen()).numpy()
    assert z.dtype == np.complex64
    for part in (z.real, z.imag):
        assert _ks(part.astype(np.float64), stats.norm(scale=math.sqrt(0.5))) > P_MIN


def test_complex_rand_is_uniform_in_each_part():
    z = cr.rand(N, dtype=cr.complex128, generator=_gen()).numpy()
    for part in (z.real, z.imag):
        assert _ks(part, stats.uniform()) > P_MIN


def test_randint_covers_its_range_uniformly():
    v = cr.randint(-3, 5, (N,), generator=_gen()).numpy()
    assert v.dtype == np.int64 and v.min() == -3 and v.max() == 4
    counts = np.bincount(v + 3)
    assert stats.chisquare(counts).pvalue > P_MIN


def test_randint_full_int64_range():
    v = cr.randint(-2**63, 2**63 - 1, (1000,), generator=_gen()).numpy()
    assert v.min() < -2**61 and v.max() > 2**61


def test_randperm_is_a_uniform_permutation():
    g = _gen()
    firsts = [int(cr.randperm(5, generator=g)[0]) for _ in range(5000)]
    assert stats.chisquare(np.bincount(firsts)).pvalue > P_MIN
    p = cr.randperm(100, generator=g).numpy()
    assert sorted(p.tolist()) == list(range(100))


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 1.0])
def test_bernoulli_mean_is_p(p):
    x = cr.bernoulli(cr.full((N,), p), generator=_gen())
    assert set(np.unique(x.numpy())) <= {0.0, 1.0}
    assert abs(float(x.mean()) - p) < 0.015
    y = cr.zeros(N, dtype=cr.int64).bernoulli_(p, generator=_gen())
    assert abs(float(y.double().mean()) - p) < 0.015


def test_bool_bernoulli_is_random():
    y = cr.zeros(N, dtype=cr.bool).bernoulli_(0.5, generator=_gen())
    assert 0.45 < float(y.double().mean()) < 0.55


def test_multinomial_with_replacement_follows_the_probabilities():
    probs = cr.tensor([0.1, 0.0, 0.6, 0.3])
    v = cr.multinomial(probs, N, replacement=True, generator=_gen()).numpy()
    counts = np.bincount(v, minlength=4)
    assert counts[1] == 0
    expected = np.array([0.1, 0.6, 0.3]) * N
    assert stats.chisquare(counts[[0, 2, 3]], expected).pvalue > P_MIN


def test_multinomial_without_replacement_draws_distinct_categories():
    g = _gen()
    probs = cr.tensor([[0.1, 0.2, 0.3, 0.4], [1.0, 1.0, 0.0, 0.0]])
    firsts = []
    for _ in range(3000):
        picks = cr.multinomial(probs, 2, generator=g).numpy()
        assert len(set(picks[0].tolist())) == 2
        assert sorted(picks[1].tolist()) == [0, 1]
        firsts.append(picks[0, 0])
    expected = np.array([0.1, 0.2, 0.3, 0.4]) * 3000
    assert stats.chisquare(np.bincount(firsts, minlength=4), expected).pvalue > P_MIN
    # more samples than nonzero categories: the zero ones come last, as in torch
    assert cr.multinomial(cr.tensor([1.0, 0.0, 0.0]), 2, generator=g)[0].item() == 0


def test_normal_overloads_have_the_right_moments():
    g = _gen()
    cases = [cr.normal(cr.full((N,), 2.0), 3.0, generator=g),
             cr.normal(2.0, cr.full((N,), 3.0), generator=g),
             cr.normal(cr.full((N,), 2.0), cr.full((N,), 3.0), generator=g),
             cr.normal(2.0, 3.0, (N,), generator=g)]
    for x in cases:
        assert _ks(_np(x), stats.norm(2.0, 3.0)) > P_MIN
    x = cr.zeros(N).normal_(-1.0, 0.5, generator=g)
    assert _ks(_np(x), stats.norm(-1.0, 0.5)) > P_MIN


@pytest.mark.parametrize("rate", [0.5, 4.0, 300.0])
def test_poisson_mean_and_variance_are_the_rate(rate):
    v = _np(cr.poisson(cr.full((N,), rate), generator=_gen()))
    assert np.all(v == np.round(v)) and v.min() >= 0
    assert abs(v.mean() - rate) < 5 * math.sqrt(rate / N)
    assert abs(v.var() / rate - 1) < 0.06


def test_in_place_samplers_follow_their_distributions():
    g = _gen()
    checks = [
        (cr.zeros(N).uniform_(-2, 3, generator=g), stats.uniform(-2, 5)),
        (cr.zeros(N, dtype=cr.float64).exponential_(2.5, generator=g),
         stats.expon(scale=1 / 2.5)),
        (cr.zeros(N, dtype=cr.float64).log_normal_(0.5, 0.75, generator=g),
         stats.lognorm(0.75, scale=math.exp(0.5))),
        (cr.zeros(N, dtype=cr.float64).cauchy_(1.0, 2.0, generator=g),
         stats.cauchy(1.0, 2.0)),
    ]
    for x, dist in checks:
        assert _ks(_np(x), dist) > P_MIN
    geo = _np(cr.zeros(N).geometric_(0.25, generator=g)).astype(int)
    assert geo.min() >= 1
    counts = np.bincount(geo, minlength=9)[1:]  # k = 1, 2, ...: trials to the first success
    observed = np.append(counts[:7], counts[7:].sum())
    pmf = stats.geom(0.25).pmf(np.arange(1, 8))
    assert stats.chisquare(observed, np.append(pmf, 1 - pmf.sum()) * N).pvalue > P_MIN


def test_complex_uniform_and_normal_fill_each_part():
    g = _gen()
    z = cr.zeros(N, dtype=cr.complex128).uniform_(2, 3, generator=g).numpy()
    assert z.real.min() >= 2 and z.imag.max() < 3
    w = cr.zeros(N, dtype=cr.complex128).normal_(5, 1, generator=g).numpy()
    assert abs(w.real.mean() - 5) < 0.02 and abs(w.imag.std() - math.sqrt(0.5)) < 0.02


@pytest.mark.parametrize("dtype, hi", [("uint8", 255), ("int8", 127), ("int16", 2**15 - 1),
                                       ("bool", 1), ("float16", 2**11), ("float32", 2**24)])
def test_random_fills_the_dtypes_range(dtype, hi):
    v = _np(cr.zeros(N, dtype=getattr(cr, dtype)).random_(generator=_gen()))
    assert v.min() >= 0 and v.max() <= hi and v.max() > hi * 0.9


def test_random_with_bounds():
    g = _gen()
    v = _np(cr.zeros(N).random_(3, generator=g))
    assert set(np.unique(v)) == {0.0, 1.0, 2.0}
    v = _np(cr.zeros(N, dtype=cr.int64).random_(-5, 0, generator=g))
    assert v.min() == -5 and v.max() == -1
    v = _np(cr.zeros(N, dtype=cr.int8).random_(100, None, generator=g))
    assert v.min() == 100 and v.max() == 127


def test_rand_like_and_friends_follow_the_input():
    x = cr.zeros(3, 2, dtype=cr.float64).t()
    for fn in (cr.rand_like, cr.randn_like):
        y = fn(x, generator=_gen())
        assert y.dtype is cr.float64 and y.shape == x.shape and y.stride() == x.stride()
    y = cr.randint_like(x, 2, 5, generator=_gen())
    assert y.dtype is cr.float64 and set(np.unique(y.numpy())) <= {2.0, 3.0, 4.0}


# ---------------------------------------------------------------------------- reproducibility
SAMPLERS = [
    lambda g: cr.rand(5, generator=g), lambda g: cr.randn(2, 3, generator=g),
    lambda g: cr.randint(0, 100, (6,), generator=g), lambda g: cr.randperm(10, generator=g),
    lambda g: cr.bernoulli(cr.full((8,), 0.5), generator=g),
    lambda g: cr.multinomial(cr.ones(6), 3, generator=g),
    lambda g: cr.normal(cr.zeros(4), 1.0, generator=g), lambda g: cr.poisson(cr.ones(5), g),
    lambda g: cr.zeros(4).uniform_(generator=g), lambda g: cr.zeros(4).exponential_(generator=g),
    lambda g: cr.zeros(4).random_(generator=g), lambda g: cr.rand_like(cr.zeros(3), generator=g),
]


@pytest.mark.parametrize("draw", SAMPLERS)
def test_generator_streams_are_reproducible(draw):
    a = draw(cr.Generator().manual_seed(7))
    b = draw(cr.Generator().manual_seed(7))
    c = draw(cr.Generator().manual_seed(8))
    assert a.tolist() == b.tolist()
    assert a.numel() < 4 or a.tolist() != c.tolist()


@pytest.mark.parametrize("draw", SAMPLERS)
def test_manual_seed_makes_the_default_stream_reproducible(draw):
    cr.manual_seed(3)
    a = draw(None)
    cr.manual_seed(3)
    assert draw(None).tolist() == a.tolist()


def test_a_generator_is_independent_of_the_default_stream():
    cr.manual_seed(0)
    a = cr.rand(3)
    cr.manual_seed(0)
    cr.rand(3, generator=cr.Generator().manual_seed(5))
    assert cr.rand(3).tolist() == a.tolist()


def test_state_round_trips():
    g = cr.Generator().manual_seed(11)
    state = g.get_state()
    assert state.dtype is cr.uint8 and state.dim() == 1
    a = cr.randn(4, generator=g)
    g.set_state(state)
    assert cr.randn(4, generator=g).tolist() == a.tolist()
    cr.manual_seed(2)
    s = cr.get_rng_state()
    b = cr.rand(3)
    cr.set_rng_state(s)
    assert cr.rand(3).tolist() == b.tolist()
    h = g.clone_state()
    assert cr.rand(2, generator=h).tolist() == cr.rand(2, generator=g).tolist()


def test_fork_rng_restores_the_default_stream():
    cr.manual_seed(4)
    with cr.random.fork_rng():
        cr.rand(10)
    after = cr.rand(2)
    cr.manual_seed(4)
    assert cr.rand(2).tolist() == after.tolist()


def test_generator_pickles_with_its_state():
    g = cr.Generator().manual_seed(9)
    cr.rand(3, generator=g)
    h = pickle.loads(pickle.dumps(g))
    assert h.initial_seed() == 9
    assert cr.rand(3, generator=h).tolist() == cr.rand(3, generator=g).tolist()


def test_seed_functions(torch):
    assert cr.manual_seed(5) is cr.default_generator is cr.random.default_generator
    assert cr.initial_seed() == 5
    s = cr.seed()
    assert isinstance(s, int) and cr.initial_seed() == s
    g = cr.Generator()
    assert g.initial_seed() == torch.Generator().initial_seed()
    for m in (torch, cr):
        assert m.Generator().manual_seed(-5).initial_seed() == 2**64 - 5
        assert m.Generator().manual_seed(2**63).initial_seed() == 2**63
    assert g.device == cr.device("cpu")


@pytest.mark.parametrize("expr", [
    "m.Generator().manual_seed(2**64)", "m.Generator().manual_seed(1.5)",
    "m.Generator().manual_seed('a')", "m.manual_seed(-2**63 - 1)",
    "m.Generator().set_state([1])", "m.set_rng_state(5)", "m.Generator(device='cuda')",
    "m.Generator('cpu').device", "m.Generator(device='cpu').initial_seed()",
    "m.rand(2, generator=m.Generator()).shape", "m.cuda.manual_seed_all(1)",
])
def test_generator_api_matches_torch(torch, expr):
    same(torch, expr, message="cuda" not in expr)


def test_set_state_size_error():
    with pytest.raises(RuntimeError, match="Expected a CPUGeneratorImplState of size 48 but "
                                           "found the input RNG state size to be 5"):
        cr.Generator().set_state(cr.zeros(5, dtype=cr.uint8))


# ---------------------------------------------------------------------------- vs torch
SHAPES = [
    "m.rand(2, 3)", "m.rand((2, 3))", "m.rand([2, 3])", "m.rand(m.Size([2, 3]))", "m.rand(())",
    "m.rand(size=(2, 3))", "m.rand(2, dtype=m.float16)", "m.rand(2, dtype=m.float64)",
    "m.rand(2, dtype=m.complex64)", "m.randn(2, dtype=m.complex128)", "m.rand(0)",
    "m.rand(2, requires_grad=True)", "m.rand(2, out=m.empty(3))",
    "m.rand(2, out=m.empty(2, dtype=m.float64))", "m.randint(5, (3,))", "m.randint(2, 5, (3,))",
    "m.randint(5, size=(3,))", "m.randint(low=2, high=5, size=(3,))",
    "m.randint(high=5, size=(2,))", "m.randint(3, high=5, size=(2,))",
    "m.randint(3, (2,), dtype=m.float32)", "m.randint(3, [2])", "m.randint(3, m.Size([2]))",
    "m.randint(3, (2,), dtype=m.float32, requires_grad=True)",
    "m.randint(3, (2,), out=m.empty(2))", "m.randint(2, (4,), dtype=m.bool)",
    "m.randint(-2**63, 2**63 - 1, (2,))", "m.randperm(5)", "m.randperm(5, dtype=m.float32)",
    "m.randperm(0)", "m.randperm(5, dtype=m.uint8)",
    "m.randperm(3, dtype=m.float64, requires_grad=True)",
    "m.randperm(3, out=m.empty(3, dtype=m.int32))", "m.rand_like(m.zeros(2, 3))",
    "m.randn_like(m.zeros(2, dtype=m.float64))", "m.randint_like(m.zeros(2), 5)",
    "m.randint_like(m.zeros(2), 2, 5)", "m.randint_like(m.zeros(2), high=5)",
    "m.rand_like(m.zeros(2), dtype=m.float64)", "m.rand_like(m.zeros(2, requires_grad=True))",
    "m.rand_like(m.zeros(2), requires_grad=True)",
    "m.bernoulli(m.full((3,), 0.5))", "m.bernoulli(m.full((3,), 0.5), 0.3)",
    "m.bernoulli(m.full((3,), 0.5), p=0.3)", "m.bernoulli(m.tensor([0.5], dtype=m.float64))",
    "m.bernoulli(m.tensor(0.5))", "m.full((3,), 0.5).bernoulli()",
    "m.bernoulli(m.full((2,), 0.5, dtype=m.float64), out=m.empty(2, dtype=m.int64))",
    "m.zeros(3).bernoulli_(m.full((1,), 0.5))",
    "m.zeros(3, dtype=m.int64).bernoulli_(m.full((3,), 1.))",
    "m.multinomial(m.tensor([0.2, 0.8]), 3, True)", "m.multinomial(m.tensor([0.2, 0.8]), 2)",
    "m.multinomial(m.tensor([[0.2, 0.8], [1., 0.]]), 1)", "m.multinomial(m.ones(0, 3), 2)",
    "m.multinomial(m.ones(2, dtype=m.float16), 1)", "m.ones(2).multinomial(1)",
    "m.multinomial(m.ones(2, requires_grad=True), 1)",
    "m.multinomial(m.tensor([0.2, 0.8]), 3, replacement=True, out=m.empty(5, dtype=m.int64))",
    "m.normal(m.zeros(3), m.ones(3))", "m.normal(m.zeros(3), 1.0)",
    "m.normal(0.0, m.ones(3, dtype=m.float64))", "m.normal(0., 1., (2, 3))",
    "m.normal(0., 1., size=(2, 3))", "m.normal(0, 1, (2,), dtype=m.float64)",
    "m.normal(m.zeros(2, 1), m.ones(3))", "m.normal(m.zeros(2), m.ones(2, dtype=m.int64))",
    "m.normal(m.zeros(2, dtype=m.float64), m.ones(2))",
    "m.normal(m.zeros(2), m.ones(2, dtype=m.float64))", "m.normal(m.zeros(2))",
    "m.normal(m.zeros(2, dtype=m.float16), 1.)", "m.normal(m.zeros(2, dtype=m.complex64), 1.)",
    "m.normal(m.zeros(()), 1.)", "m.normal(m.zeros(0), m.ones(0))",
    "m.normal(mean=m.zeros(2), std=1.)", "m.normal(mean=0., std=1., size=(2,))",
    "m.normal(0., 1., (2,), requires_grad=True)", "m.normal(0, m.ones(2))",
    "m.normal(m.zeros(2), 1., out=m.empty(2))",
    "m.poisson(m.tensor([1., 2.]))", "m.poisson(m.tensor([0.]))",
    "m.poisson(m.zeros(2, dtype=m.float16))", "m.poisson(m.tensor([1.], dtype=m.float64))",
    "m.zeros(3).uniform_()", "m.zeros(3).uniform_(2, 3)", "m.zeros(3).uniform_(2, 2)",
    "m.zeros(3, dtype=m.float16).uniform_()", "m.zeros(3).normal_(1, 2)",
    "m.zeros(3).normal_(mean=1, std=0)", "m.zeros(3).exponential_(lambd=2)",
    "m.zeros(3).geometric_(p=0.3)", "m.zeros(3, dtype=m.int64).geometric_(0.5)",
    "m.zeros(3).log_normal_(1, 2)", "m.zeros(3).cauchy_(median=1, sigma=2)",
    "m.zeros(3).random_()", "m.zeros(3).random_(5)", "m.zeros(3).random_(2, 5)",
    "m.zeros(3).random_(to=4)", "m.zeros(3).random_(0, None)",
    "m.zeros(3, dtype=m.int32).random_(3, None)", "m.zeros(3).random_(-5, 0)",
    "m.zeros(3, dtype=m.bool).random_(2)", "m.zeros(3, dtype=m.uint8).random_()",
    "m.zeros(3, dtype=m.int8).random_(-128, 0)", "m.zeros(3).bernoulli_()",
    "m.zeros(3).bernoulli_(0.2)", "m.zeros(3).bernoulli_(p=0.5)",
    "m.zeros(3, dtype=m.complex64).uniform_()", "m.zeros(3, dtype=m.complex64).normal_()",
    "m.randn(2, 2)[0].uniform_()",
]
ERRORS = [
    "m.rand(2, dtype=m.int64)", "m.randn(2, dtype=m.int32)", "m.rand()", "m.rand(-1)",
    "m.rand(2, 3, generator=5)", "m.rand(2, dtype=m.float32, out=m.empty(2, dtype=m.float64))",
    "m.randint(5, 2, (3,))", "m.randint(5, 3)", "m.randint(5)", "m.randint(3, (2,), dtype=m.bool)",
    "m.randint(300, (2,), dtype=m.uint8)", "m.randint(0, 2**63, (2,))",
    "m.randint(3, (2,), requires_grad=True)", "m.randint(-3, (2,))", "m.randint(2.5, (2,))",
    "m.randint(0, 0, (2,))", "m.randint(3, 3, (0,))", "m.randint(low=1, size=(2,))",
    "m.randint(3, (2,), low=1)", "m.randint(3, (2,), dtype=m.complex64)", "m.randint(3, (-1,))",
    "m.randperm(-1)", "m.randperm(300, dtype=m.uint8)", "m.randperm(3, dtype=m.bool)",
    "m.randperm(3, requires_grad=True)", "m.randperm(3000, dtype=m.float16)",
    "m.randperm(3.5)", "m.randperm(3, 4)",
    "m.rand_like(m.zeros(2, dtype=m.int64))", "m.randn_like(m.zeros(2, dtype=m.int64))",
    "m.randint_like(m.zeros(2, dtype=m.bool), 5)",
    "m.bernoulli(m.tensor([1, 0]))", "m.bernoulli(m.tensor([1.5]))",
    "m.bernoulli(m.tensor([-0.5]))", "m.bernoulli(m.tensor([True]))",
    "m.zeros(3).bernoulli_(1.5)", "m.zeros(3).bernoulli_(m.tensor([2., 1., 1.]))",
    "m.zeros(3).bernoulli_(m.full((2,), 0.5))",
    "m.zeros(3).bernoulli_(m.full((3,), 1, dtype=m.int64))",
    "m.zeros(3, dtype=m.complex64).bernoulli_()",
    "m.multinomial(m.tensor([0.2, 0.8]), 3)", "m.multinomial(m.tensor([-1., 2.]), 1)",
    "m.multinomial(m.tensor([0., 0.]), 1)", "m.multinomial(m.tensor([1., float('inf')]), 1)",
    "m.multinomial(m.tensor([1., float('nan')]), 1)", "m.multinomial(m.tensor(1.), 1)",
    "m.multinomial(m.ones(2, 2, 2), 1)", "m.multinomial(m.tensor([1, 2]), 1)",
    "m.multinomial(m.ones(2), 0)", "m.multinomial(m.ones(2), -1)",
    "m.multinomial(m.ones(0), 1)", "m.multinomial(m.ones(2, 0), 1)",
    "m.multinomial(m.ones(2), 1, out=m.empty(1))",
    "m.multinomial(m.tensor([0.2, 0.8]), True)", "m.multinomial(m.tensor([0.2, 0.8]), 1.5)",
    "m.multinomial(m.tensor([[0., 0.], [1., 1.]]), 1)",
    "m.multinomial(m.zeros(3, 0), 1, True)",
    "m.normal(m.zeros(2), m.ones(3))", "m.normal(m.zeros(6), m.ones(2, 3))",
    "m.normal(m.zeros(2), -1.)", "m.normal(m.zeros(2), m.tensor([-1., 1.]))",
    "m.normal(m.zeros(2, dtype=m.int64), 1.)", "m.normal(0., m.ones(2, dtype=m.int64))",
    "m.normal(2, 3, size=(2,), dtype=m.int64)", "m.normal(0., -1., (2,))",
    "m.normal(0., m.tensor(float('nan')))", "m.normal(m.zeros(2), float('nan'))",
    "m.poisson(m.tensor([-1.]))", "m.poisson(m.tensor([1, 2]))",
    "m.poisson(m.tensor([float('nan')]))",
    "m.zeros(3).uniform_(3, 2)", "m.zeros(3).uniform_(1.5)",
    "m.zeros(3, dtype=m.int64).uniform_()", "m.zeros(3).uniform_(float('inf'), 1)",
    "m.zeros(3).uniform_(0, float('inf'))", "m.zeros(3).uniform_(-3e38, 3e38)",
    "m.zeros(3, dtype=m.float16).uniform_(0, 1e5)",
    "m.zeros(3).normal_(0, -1)", "m.zeros(3, dtype=m.int64).normal_()",
    "m.zeros(3).exponential_(-1)", "m.zeros(3).exponential_(0)",
    "m.zeros(3, dtype=m.int64).exponential_()", "m.zeros(3, dtype=m.complex64).exponential_()",
    "m.zeros(3).geometric_(0)", "m.zeros(3).geometric_(1.5)", "m.zeros(3).geometric_(1)",
    "m.zeros(3, dtype=m.bool).geometric_(0.5)", "m.zeros(3, dtype=m.complex64).geometric_(0.5)",
    "m.zeros(3).log_normal_(0, -1)", "m.zeros(3).log_normal_(0, 0)",
    "m.zeros(3, dtype=m.int64).log_normal_()", "m.zeros(3, dtype=m.complex64).log_normal_()",
    "m.zeros(3).cauchy_(0, -1)", "m.zeros(3).cauchy_(0, 0)",
    "m.zeros(3, dtype=m.int64).cauchy_()", "m.zeros(3, dtype=m.complex64).cauchy_()",
    "m.zeros(3).random_(5, 2)", "m.zeros(3, dtype=m.uint8).random_(300)",
    "m.zeros(3, dtype=m.uint8).random_(-1, 5)", "m.zeros(3, dtype=m.int8).random_(-129, 0)",
    "m.zeros(3, dtype=m.bool).random_(0, 3)", "m.zeros(3, dtype=m.int64).random_(0, 2**63)",
    "m.zeros(3, dtype=m.complex64).random_()", "m.zeros(3).random_(5.5)",
    "m.zeros(3).random_(True)", "m.ones(3, requires_grad=True).uniform_()",
]


@pytest.mark.parametrize("expr", SHAPES)
def test_shapes_and_dtypes_match_torch(torch, expr):
    same(torch, expr, values=False)


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_match_torch(torch, expr):
    same(torch, expr, message="generator=5" not in expr)


def test_float_random_bounds_warn_like_torch(torch):
    for m in (torch, cr):
        with pytest.warns(UserWarning, match=r"to - 1 is out of bounds \[-\(2\^24\), 2\^24\]"):
            m.zeros(3).random_(2**25)
        with pytest.warns(UserWarning, match=r"from is out of bounds \[-\(2\^24\), 2\^24\]"):
            m.zeros(3).random_(-2**25, 0)


GRAPHS = [
    "m.ones(3, requires_grad=True).clone().uniform_()",
    "m.ones(3, requires_grad=True).clone().normal_()",
    "m.ones(3, requires_grad=True).clone().bernoulli_()",
    "m.ones(3, requires_grad=True).clone().bernoulli_(m.rand(3))",
    "m.ones(3, requires_grad=True).clone().bernoulli_(m.rand(3, requires_grad=True))",
    "m.ones(3, requires_grad=True).clone().exponential_()",
    "m.ones(3, requires_grad=True).clone().geometric_(0.5)",
    "m.ones(3, requires_grad=True).clone().log_normal_()",
    "m.ones(3, requires_grad=True).clone().cauchy_()",
    "m.ones(3, requires_grad=True).clone().random_()",
    "m.ones(3, requires_grad=True).clone().random_(3)",
    "m.ones(3, requires_grad=True).clone().random_(1, 3)",
    "m.bernoulli(m.full((3,), 0.5, requires_grad=True))",
    "m.normal(m.ones(3, requires_grad=True), 1.)",
    "m.normal(0., m.ones(3, requires_grad=True))",
    "m.normal(m.ones(3, requires_grad=True), m.ones(3, requires_grad=True))",
    "m.normal(m.ones(2, 1, requires_grad=True), m.ones(3))",
    "m.poisson(m.ones(3, requires_grad=True))",
]


def _graph(fn):
    if fn is None:
        return None
    return fn.name(), tuple(_graph(f) for f, _ in fn.next_functions)


@pytest.mark.parametrize("expr", GRAPHS)
def test_graph_nodes_match_torch(torch, expr):
    ref = eval(expr, {"m": torch})
    mine = eval(expr, {"m": cr})
    assert _graph(mine.grad_fn) == _graph(ref.grad_fn)
    assert mine.requires_grad == ref.requires_grad


def test_sample_gradients_are_zero(torch):
    for m in (torch, cr):
        mean = m.ones(2, 1, requires_grad=True)
        std = m.ones(3, dtype=m.float64, requires_grad=True)
        y = m.normal(mean, std) + m.ones(2, 3, requires_grad=True).clone().uniform_()
        y.sum().backward()
        assert mean.grad.tolist() == [[0.0], [0.0]]
        assert std.grad.dtype == m.float64 and std.grad.tolist() == [0.0, 0.0, 0.0]


def test_in_place_sampling_bumps_the_version_and_keeps_views():
    x = cr.zeros(4)
    v = x[1:3]
    before = x._version
    v.uniform_(5, 6)
    assert x._version == before + 1
    assert x[0].item() == 0 and 5 <= x[1].item() < 6 and x[3].item() == 0


def test_nn_init_draws_from_the_generator():
    w = cr.empty(3, 4)
    cr.nn.init.uniform_(w, generator=cr.Generator().manual_seed(1))
    u = cr.empty(3, 4)
    cr.nn.init.uniform_(u, generator=cr.Generator().manual_seed(1))
    assert w.tolist() == u.tolist()
    assert cr.nn.init.normal_(cr.empty(())).shape == ()


# ---------------------------------------------------------------------------- hypothesis
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_SHAPE = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)


@settings(max_examples=40, deadline=None)
@given(a=_SHAPE, b=_SHAPE, kind=st.sampled_from(["normal", "bernoulli_", "map"]))
def test_parameter_broadcasting_property(a, b, kind):
    torch = pytest.importorskip("torch")
    expr = {"normal": "m.normal(m.zeros(a), m.ones(b))",
            "bernoulli_": "m.zeros(a).bernoulli_(m.full(b, 0.5))",
            "map": "m.zeros(a).map_(m.ones(b), lambda x, y: x + y)"}[kind]
    same(torch, expr, values=kind == "map", a=a, b=b)


@settings(max_examples=30, deadline=None)
@given(shape=_SHAPE, n=st.integers(-1, 4), replacement=st.booleans(),
       rows=st.booleans())
def test_multinomial_shapes_property(shape, n, replacement, rows):
    torch = pytest.importorskip("torch")
    k = shape[-1] if shape else 3
    size = (2, k) if rows else (k,)
    same(torch, "m.multinomial(m.ones(size), n, replacement)", values=False, size=size, n=n,
         replacement=replacement)
