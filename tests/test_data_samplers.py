"""Samplers against torch.utils.data: the same index sequences where the algorithm is
deterministic (Sequential, Batch, Distributed without shuffle), the same sequences for
the random samplers when both libraries are fed the same random draws (so the structure
around the draws — chunks of 32, concatenated permutations, padding, sharding — is
torch's), reproducibility from a generator or the global seed, and torch's errors."""
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.utils.data as tdata  # noqa: E402

import chainrule as cr  # noqa: E402
import chainrule.utils.data as cdata  # noqa: E402


def raises_like(ref_call, my_call):
    with pytest.raises(Exception) as ref:
        ref_call()
    with pytest.raises(type(ref.value)) as mine:
        my_call()
    assert str(mine.value) == str(ref.value)


def test_sequential_sampler_matches_torch():
    for n in (0, 1, 7):
        assert list(cdata.SequentialSampler(range(n))) == list(tdata.SequentialSampler(range(n)))
        assert len(cdata.SequentialSampler(range(n))) == n


@pytest.mark.parametrize("n,batch_size,drop_last",
                         list(itertools.product([0, 1, 5, 9, 12], [1, 3, 4, 13], [False, True])))
def test_batch_sampler_matches_torch(n, batch_size, drop_last):
    ref = tdata.BatchSampler(tdata.SequentialSampler(range(n)), batch_size, drop_last)
    mine = cdata.BatchSampler(cdata.SequentialSampler(range(n)), batch_size, drop_last)
    assert list(mine) == list(ref)
    assert len(mine) == len(ref)


def test_batch_sampler_takes_any_iterable():
    assert list(cdata.BatchSampler(iter([5, 3, 1]), 2, False)) == [[5, 3], [1]]


@pytest.mark.parametrize("args", [(0, False), (-1, False), (True, False), (2.0, False),
                                  (2, 1), (2, None)])
def test_batch_sampler_errors_match_torch(args):
    raises_like(lambda: tdata.BatchSampler(range(3), *args),
                lambda: cdata.BatchSampler(range(3), *args))


CASES = list(itertools.product([0, 1, 5, 7, 8, 10], [1, 2, 3, 4], [False, True]))


@pytest.mark.parametrize("n,replicas,drop_last", CASES)
def test_distributed_sampler_without_shuffle_matches_torch(n, replicas, drop_last):
    for rank in range(replicas):
        ref = tdata.DistributedSampler(range(n), replicas, rank, shuffle=False,
                                       drop_last=drop_last)
        mine = cdata.DistributedSampler(range(n), replicas, rank, shuffle=False,
                                        drop_last=drop_last)
        assert list(mine) == list(ref)
        assert (len(mine), mine.num_samples, mine.total_size) == \
            (len(ref), ref.num_samples, ref.total_size)


class FakeRandom:
    """The same 'random' draws for torch and chainrule: permutations and integers from a
    NumPy stream keyed on the generator's seed and a call counter."""

    def __init__(self, lib):
        self.lib = lib
        self.calls = []

    def _rng(self, generator):
        seed = generator.initial_seed() if generator is not None else 12345
        self.calls.append(seed)
        return np.random.default_rng([seed, len(self.calls)])

    def randperm(self, n, generator=None, **kw):
        return self.lib.tensor(self._rng(generator).permutation(n).tolist(),
                               dtype=self.lib.int64)

    def randint(self, *, high, size, dtype=None, generator=None):
        return self.lib.tensor(self._rng(generator).integers(0, high, size).tolist(),
                               dtype=self.lib.int64)

    def multinomial(self, weights, num_samples, replacement=False, generator=None):
        assert weights.dtype == self.lib.float64 and weights.dim() == 1
        p = np.asarray(weights.tolist())
        drawn = self._rng(generator).choice(len(p), num_samples, replace=replacement,
                                            p=p / p.sum())
        return self.lib.tensor(drawn.tolist(), dtype=self.lib.int64)


@pytest.fixture
def same_draws(monkeypatch):
    fakes = FakeRandom(torch), FakeRandom(cr)
    for lib, fake in zip((torch, cr), fakes):
        for name in ("randperm", "randint", "multinomial"):
            monkeypatch.setattr(lib, name, getattr(fake, name))
    return fakes


@pytest.mark.parametrize("n,replicas,drop_last", [c for c in CASES if c[0] > 0])
def test_distributed_sampler_shards_a_shuffle_as_torch(same_draws, n, replicas, drop_last):
    for epoch, rank in itertools.product((0, 3), range(replicas)):
        ref = tdata.DistributedSampler(range(n), replicas, rank, seed=7, drop_last=drop_last)
        mine = cdata.DistributedSampler(range(n), replicas, rank, seed=7, drop_last=drop_last)
        ref.set_epoch(epoch)
        mine.set_epoch(epoch)
        assert list(mine) == list(ref)
    ref_seeds, my_seeds = same_draws[0].calls, same_draws[1].calls
    assert my_seeds == ref_seeds and set(my_seeds) == {7, 10}  # seed + epoch


def test_distributed_shards_cover_the_dataset_and_follow_the_epoch():
    shards = [list(cdata.DistributedSampler(range(10), 3, r, seed=1)) for r in range(3)]
    assert [len(s) for s in shards] == [4, 4, 4]  # 10 padded to 12 by wrapping around
    assert set(itertools.chain(*shards)) == set(range(10))
    s = cdata.DistributedSampler(range(10), 3, 0, seed=1)
    first = list(s)
    assert list(s) == first
    s.set_epoch(1)
    assert list(s) != first


def test_distributed_sampler_errors_match_torch():
    for rank in (-1, 2, 5):
        raises_like(lambda: tdata.DistributedSampler(range(4), 2, rank),
                    lambda: cdata.DistributedSampler(range(4), 2, rank))
    # without a process group: torch's ValueError now that chainrule.distributed exists
    raises_like(lambda: tdata.DistributedSampler(range(4)),
                lambda: cdata.DistributedSampler(range(4)))


@pytest.mark.parametrize("n,num_samples,replacement",
                         [(5, None, False), (5, 12, False), (5, 3, False), (4, 70, True),
                          (3, 31, True), (6, None, True), (2, 64, True)])
def test_random_sampler_structure_matches_torch(same_draws, n, num_samples, replacement):
    ref = tdata.RandomSampler(range(n), replacement, num_samples,
                              generator=torch.Generator().manual_seed(5))
    mine = cdata.RandomSampler(range(n), replacement, num_samples,
                               generator=cr.Generator().manual_seed(5))
    assert list(mine) == list(ref)
    assert len(mine) == len(ref)
    assert same_draws[1].calls == same_draws[0].calls


def test_subset_random_and_weighted_samplers_match_torch(same_draws):
    ref = tdata.SubsetRandomSampler([10, 20, 30, 40], generator=torch.Generator().manual_seed(2))
    mine = cdata.SubsetRandomSampler([10, 20, 30, 40], generator=cr.Generator().manual_seed(2))
    assert list(mine) == list(ref) and len(mine) == len(ref) == 4
    for replacement in (True, False):
        ref = tdata.WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0], 4, replacement,
                                          generator=torch.Generator().manual_seed(3))
        mine = cdata.WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0], 4, replacement,
                                           generator=cr.Generator().manual_seed(3))
        assert list(mine) == list(ref) and len(mine) == len(ref) == 4


@pytest.mark.parametrize("kw", [{"replacement": 1}, {"num_samples": 0}, {"num_samples": 2.5},
                                {"num_samples": -3}])
def test_random_sampler_errors_match_torch(kw):
    raises_like(lambda: tdata.RandomSampler(range(3), **kw),
                lambda: cdata.RandomSampler(range(3), **kw))


@pytest.mark.parametrize("args", [([1.0, 2.0], 0), ([1.0, 2.0], True), ([1.0, 2.0], 2, 1),
                                  ([[1.0, 2.0]], 2)])
def test_weighted_sampler_errors_match_torch(args):
    raises_like(lambda: tdata.WeightedRandomSampler(*args),
                lambda: cdata.WeightedRandomSampler(*args))


def test_random_sampler_is_a_permutation_reproducible_from_its_generator():
    def order(seed):
        return list(cdata.RandomSampler(range(20), generator=cr.Generator().manual_seed(seed)))

    assert sorted(order(0)) == list(range(20))
    assert order(0) == order(0) != order(1)
    g = cr.Generator().manual_seed(4)
    sampler = cdata.RandomSampler(range(20), generator=g)
    assert list(sampler) != list(sampler)  # the generator moves on between passes
    drawn = list(cdata.RandomSampler(range(3), True, 100, generator=g))
    assert len(drawn) == 100 and set(drawn) <= {0, 1, 2}


def test_random_sampler_without_generator_seeds_from_the_global_stream():
    cr.manual_seed(11)
    got = list(cdata.RandomSampler(range(15)))
    cr.manual_seed(11)
    seed = cr.empty((), dtype=cr.int64).random_().item()
    expected = cr.randperm(15, generator=cr.Generator().manual_seed(seed)).tolist()
    assert got == expected
    cr.manual_seed(11)
    assert list(cdata.RandomSampler(range(15))) == got


def test_weighted_sampler_follows_the_weights():
    drawn = list(cdata.WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200,
                                             generator=cr.Generator().manual_seed(0)))
    assert set(drawn) == {1, 3} and drawn.count(3) > drawn.count(1)
    without = list(cdata.WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False))
    assert sorted(without) == [0, 1, 2, 3]


def test_base_sampler_iter_raises_not_implemented():
    with pytest.raises(NotImplementedError):
        iter(cdata.Sampler())
