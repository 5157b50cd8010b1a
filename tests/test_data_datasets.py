"""Datasets and random_split against torch.utils.data: indexing, lengths, composition,
errors (class and message), and random_split's lengths, remainder distribution, warnings
and subsets (with the same permutation fed to both)."""
import warnings

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


def values(x):
    if isinstance(x, (torch.Tensor, cr.Tensor)):
        return ("tensor", str(x.dtype), x.tolist())
    if isinstance(x, dict):
        return {k: values(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [values(v) for v in x])
    return x


def test_tensor_dataset_matches_torch():
    a = np.arange(12.0).reshape(4, 3)
    ref = tdata.TensorDataset(torch.tensor(a), torch.arange(4))
    mine = cdata.TensorDataset(cr.tensor(a), cr.arange(4))
    assert len(mine) == len(ref) == 4
    for i in (0, 3, -1, slice(1, 3)):
        assert values(mine[i]) == values(ref[i])
    raises_like(lambda: tdata.TensorDataset(torch.ones(2), torch.ones(3)),
                lambda: cdata.TensorDataset(cr.ones(2), cr.ones(3)))


class Squares(cdata.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i * i


class TSquares(tdata.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i * i


def test_concat_dataset_indexing_and_errors_match_torch():
    ref = tdata.ConcatDataset([TSquares(2), TSquares(0), TSquares(3)])
    mine = cdata.ConcatDataset([Squares(2), Squares(0), Squares(3)])
    assert mine.cumulative_sizes == ref.cumulative_sizes
    assert [mine[i] for i in range(-5, 5)] == [ref[i] for i in range(-5, 5)]
    raises_like(lambda: ref[-6], lambda: mine[-6])
    raises_like(lambda: ref[5], lambda: mine[5])
    raises_like(lambda: tdata.ConcatDataset([]), lambda: cdata.ConcatDataset([]))
    raises_like(lambda: tdata.ConcatDataset([tdata.IterableDataset()]),
                lambda: cdata.ConcatDataset([cdata.IterableDataset()]))
    with pytest.warns(FutureWarning, match="renamed"):
        assert mine.cummulative_sizes == [2, 2, 5]
    assert isinstance(Squares(1) + Squares(2), cdata.ConcatDataset)
    assert len(Squares(1) + Squares(2)) == 3


class Stream(cdata.IterableDataset):
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


class TStream(tdata.IterableDataset):
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def test_chain_dataset_matches_torch():
    ref = tdata.ChainDataset([TStream([1, 2]), TStream([3])])
    mine = cdata.ChainDataset([Stream([1, 2]), Stream([3])])
    assert list(mine) == list(ref) == [1, 2, 3]
    assert len(mine) == len(ref) == 3
    assert list(Stream([1]) + Stream([2])) == [1, 2]
    raises_like(lambda: list(tdata.ChainDataset([TSquares(2)])),
                lambda: list(cdata.ChainDataset([Squares(2)])))
    raises_like(lambda: len(tdata.ChainDataset([TSquares(2)])),
                lambda: len(cdata.ChainDataset([Squares(2)])))


def test_base_dataset_getitem_raises_like_torch():
    raises_like(lambda: tdata.Dataset()[0], lambda: cdata.Dataset()[0])


def test_subset_matches_torch():
    ref = tdata.Subset(TSquares(10), [7, 2, 5])
    mine = cdata.Subset(Squares(10), [7, 2, 5])
    assert len(mine) == 3
    assert [mine[i] for i in range(3)] == [ref[i] for i in range(3)]
    assert mine.__getitems__([2, 0]) == ref.__getitems__([2, 0]) == [25, 49]

    class Bad(cdata.Subset):
        def __getitem__(self, idx):
            return 0

    class TBad(tdata.Subset):
        def __getitem__(self, idx):
            return 0

    with pytest.raises(NotImplementedError) as ref_err:
        TBad(TSquares(3), [0])
    with pytest.raises(NotImplementedError) as my_err:
        Bad(Squares(3), [0])
    assert str(my_err.value).replace("Bad", "TBad") == str(ref_err.value)


def test_stack_dataset_matches_torch():
    ref = tdata.StackDataset(TSquares(3), tdata.TensorDataset(torch.arange(3)))
    mine = cdata.StackDataset(Squares(3), cdata.TensorDataset(cr.arange(3)))
    assert values(mine[1]) == values(ref[1])
    assert values(mine.__getitems__([2, 0])) == values(ref.__getitems__([2, 0]))
    ref = tdata.StackDataset(a=TSquares(2), b=tdata.Subset(TSquares(5), [4, 3]))
    mine = cdata.StackDataset(a=Squares(2), b=cdata.Subset(Squares(5), [4, 3]))
    assert mine[1] == ref[1]
    assert mine.__getitems__([1, 0]) == ref.__getitems__([1, 0])
    assert len(mine) == 2
    raises_like(lambda: tdata.StackDataset(), lambda: cdata.StackDataset())
    raises_like(lambda: tdata.StackDataset(TSquares(1), b=TSquares(1)),
                lambda: cdata.StackDataset(Squares(1), b=Squares(1)))
    raises_like(lambda: tdata.StackDataset(TSquares(1), TSquares(2)),
                lambda: cdata.StackDataset(Squares(1), Squares(2)))
    raises_like(lambda: tdata.StackDataset(x=TSquares(1), y=TSquares(2)),
                lambda: cdata.StackDataset(x=Squares(1), y=Squares(2)))


SPLITS = [
    (10, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (10, [0.33, 0.33, 0.34]), (7, [0.25] * 4),
    (2, [0.1, 0.9, 0.0]), (5, [1.0]), (10, [3, 7]), (0, [0, 0]), (13, [0.7, 0.2, 0.1]),
    (3, [0.2, 0.2, 0.2, 0.2, 0.2]),
]


@pytest.mark.parametrize("n,lengths", SPLITS)
def test_random_split_lengths_and_warnings_match_torch(n, lengths):
    with warnings.catch_warnings(record=True) as ref_w:
        warnings.simplefilter("always")
        ref = tdata.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    with warnings.catch_warnings(record=True) as my_w:
        warnings.simplefilter("always")
        mine = cdata.random_split(range(n), lengths, generator=cr.Generator().manual_seed(0))
    assert [len(s) for s in mine] == [len(s) for s in ref]
    assert [str(w.message) for w in my_w] == [str(w.message) for w in ref_w]
    got = sorted(i for s in mine for i in s)
    assert got == list(range(n))  # a partition of the dataset


def test_random_split_uses_one_permutation_split_in_order(monkeypatch):
    perm = [4, 0, 8, 1, 9, 3, 7, 2, 6, 5]
    monkeypatch.setattr(tdata.dataset, "randperm",  # torch binds the name at import
                        lambda n, generator=None: torch.tensor(perm[:n]))
    monkeypatch.setattr(cr, "randperm", lambda n, generator=None: cr.tensor(perm[:n]))
    for lengths in ([3, 3, 4], [0.5, 0.2, 0.3], [10]):
        ref = tdata.random_split(range(10), lengths)
        mine = cdata.random_split(range(10), lengths)
        assert [list(s) for s in mine] == [list(s) for s in ref]
        assert [s.indices for s in mine] == [s.indices for s in ref]


@pytest.mark.parametrize("lengths", [[3, 3], [1.5, -0.5], [0.5, 0.6], [11], [0.2, 0.2]])
def test_random_split_errors_match_torch(lengths):
    raises_like(lambda: tdata.random_split(range(10), lengths),
                lambda: cdata.random_split(range(10), lengths))


def test_random_split_is_reproducible_with_a_generator_and_the_global_seed():
    def split(**kw):
        return [list(s) for s in cdata.random_split(range(20), [5, 15], **kw)]

    assert split(generator=cr.Generator().manual_seed(1)) == \
        split(generator=cr.Generator().manual_seed(1))
    assert split(generator=cr.Generator().manual_seed(1)) != \
        split(generator=cr.Generator().manual_seed(2))
    cr.manual_seed(3)
    first = split()
    cr.manual_seed(3)
    assert split() == first
    cr.manual_seed(3)
    expected = cr.randperm(20).tolist()
    assert first == [expected[:5], expected[5:]]
