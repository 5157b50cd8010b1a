"""DataLoader in the main process against torch's: the batches (structure, dtypes,
values) for each way of batching, len(), the warnings and the option errors; shuffling
reproducible from a generator or the global seed, drawing as torch draws."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.utils.data as tdata  # noqa: E402

import chainrule as cr  # noqa: E402
import chainrule.utils.data as cdata  # noqa: E402


def describe(x):
    if isinstance(x, (torch.Tensor, cr.Tensor)):
        return ("tensor", str(x.dtype), tuple(x.shape), x.tolist())
    if isinstance(x, dict):
        return {k: describe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [describe(v) for v in x])
    return (type(x).__name__, x)


def raises_like(ref_call, my_call):
    with pytest.raises(Exception) as ref:
        ref_call()
    with pytest.raises(type(ref.value)) as mine:
        my_call()
    assert str(mine.value) == str(ref.value)


X = np.arange(14.0, dtype=np.float32).reshape(7, 2)


class Dicts:
    """A map-style dataset of dict samples, written once for both libraries."""

    def __init__(self, lib):
        self.lib = lib

    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"x": self.lib.tensor(X[i]), "label": i % 2, "name": f"s{i}", "w": 0.5 * i}


def datasets(lib, data):
    if lib is torch:
        return tdata.TensorDataset(torch.tensor(X), torch.arange(7)), tdata
    return cdata.TensorDataset(cr.tensor(X), cr.arange(7)), cdata


LOADER_CASES = {
    "batch_1": {},
    "batch_3": {"batch_size": 3},
    "batch_3_drop_last": {"batch_size": 3, "drop_last": True},
    "batch_7": {"batch_size": 7},
    "batch_10": {"batch_size": 10},
    "no_batching": {"batch_size": None},
    "sampler": {"batch_size": 2, "sampler": [6, 0, 3, 3]},
    "batch_sampler": {"batch_sampler": [[1, 2], [0], [6, 5, 4]]},
    "collate_fn": {"batch_size": 3, "collate_fn": lambda b: len(b)},
}


@pytest.mark.parametrize("name", sorted(LOADER_CASES))
def test_batches_match_torch(name):
    kw = LOADER_CASES[name]
    ref_ds, _ = datasets(torch, tdata)
    my_ds, _ = datasets(cr, cdata)
    ref = tdata.DataLoader(ref_ds, **kw)
    mine = cdata.DataLoader(my_ds, **kw)
    assert describe(list(mine)) == describe(list(ref))
    assert len(mine) == len(ref)


@pytest.mark.parametrize("kw", [{"batch_size": 2}, {"batch_size": None},
                                {"batch_size": 2, "drop_last": True}])
def test_dict_samples_match_torch(kw):
    ref = list(tdata.DataLoader(Dicts(torch), **kw))
    mine = list(cdata.DataLoader(Dicts(cr), **kw))
    assert describe(mine) == describe(ref)


def test_getitems_fetches_a_whole_batch():
    class Batched(cdata.Dataset):
        calls = []

        def __len__(self):
            return 5

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [i * 10 for i in indices]

    out = [b.tolist() for b in cdata.DataLoader(Batched(), batch_size=2)]
    assert out == [[0, 10], [20, 30], [40]]
    assert Batched.calls == [[0, 1], [2, 3], [4]]


class Count(cdata.IterableDataset):
    def __init__(self, n, reported):
        self.n, self.reported = n, reported

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.reported

    def __repr__(self):
        return "Count"


class TCount(tdata.IterableDataset):
    def __init__(self, n, reported):
        self.n, self.reported = n, reported

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.reported

    def __repr__(self):
        return "Count"


@pytest.mark.parametrize("kw", [{"batch_size": None}, {"batch_size": 2},
                                {"batch_size": 2, "drop_last": True}, {"batch_size": 3}])
def test_iterable_dataset_batches_len_and_warnings_match_torch(kw):
    def run(loader):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            n = len(loader)
            out = list(loader)
        return n, describe(out), [str(x.message) for x in w]

    assert run(cdata.DataLoader(Count(7, 5), **kw)) == run(tdata.DataLoader(TCount(7, 5), **kw))


def test_len_of_iterable_dataset_without_len_raises_like_torch():
    class NoLen(cdata.IterableDataset):
        def __iter__(self):
            return iter(())

    class TNoLen(tdata.IterableDataset):
        def __iter__(self):
            return iter(())

    with pytest.raises(TypeError, match="has no len"):
        len(tdata.DataLoader(TNoLen()))
    with pytest.raises(TypeError, match="has no len"):
        len(cdata.DataLoader(NoLen()))


OPTION_ERRORS = [
    {"num_workers": -1}, {"timeout": -1}, {"prefetch_factor": 2},
    {"num_workers": 1, "prefetch_factor": -1}, {"persistent_workers": True},
    {"sampler": [0, 1], "shuffle": True}, {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True}, {"batch_sampler": [[0]], "sampler": [0]},
    {"batch_sampler": [[0]], "drop_last": True}, {"batch_size": None, "drop_last": True},
    {"batch_size": 0}, {"batch_size": -2}, {"multiprocessing_context": "fork"},
    {"num_workers": 1, "multiprocessing_context": "bogus"},
    {"num_workers": 1, "multiprocessing_context": 3},
]


@pytest.mark.parametrize("kw", OPTION_ERRORS, ids=lambda kw: ",".join(kw))
def test_option_errors_match_torch(kw):
    raises_like(lambda: tdata.DataLoader(range(4), **kw),
                lambda: cdata.DataLoader(range(4), **kw))


@pytest.mark.parametrize("kw", [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}])
def test_iterable_dataset_option_errors_match_torch(kw):
    ref_kw, my_kw = dict(kw), dict(kw)
    raises_like(lambda: tdata.DataLoader(TCount(3, 3), **ref_kw),
                lambda: cdata.DataLoader(Count(3, 3), **my_kw))


@pytest.mark.parametrize("attr", ["batch_size", "batch_sampler", "sampler", "drop_last",
                                  "dataset", "persistent_workers"])
def test_setting_fixed_attributes_raises_like_torch(attr):
    ref, mine = tdata.DataLoader(range(3)), cdata.DataLoader(range(3))
    raises_like(lambda: setattr(ref, attr, None), lambda: setattr(mine, attr, None))
    mine.num_workers = 0  # others may change


def test_timeout_without_workers_and_iterator_pickling_raise_like_torch():
    import pickle
    raises_like(lambda: iter(tdata.DataLoader(range(3), timeout=1)),
                lambda: iter(cdata.DataLoader(range(3), timeout=1)))
    raises_like(lambda: pickle.dumps(iter(tdata.DataLoader(range(3)))),
                lambda: pickle.dumps(iter(cdata.DataLoader(range(3)))))


def test_pin_memory_warns_like_torch_and_changes_nothing():
    def run(mod):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            out = list(mod.DataLoader(range(3), batch_size=2, pin_memory=True))
        return describe(out), [str(x.message) for x in w]

    assert run(cdata) == run(tdata)


def test_too_many_workers_warns_like_torch():
    def message(mod):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            mod.DataLoader(range(3), num_workers=512)
        return [str(x.message) for x in w]

    assert message(cdata) == message(tdata)
    assert len(message(cdata)) == 1


def shuffled(**kw):
    return [b.tolist() for b in cdata.DataLoader(range(12), batch_size=5, shuffle=True, **kw)]


def test_shuffle_with_a_seeded_generator_is_reproducible():
    first = shuffled(generator=cr.Generator().manual_seed(0))
    assert first == shuffled(generator=cr.Generator().manual_seed(0))
    assert first != shuffled(generator=cr.Generator().manual_seed(1))
    assert sorted(sum(first, [])) == list(range(12))
    assert [len(b) for b in first] == [5, 5, 2]


def test_shuffle_draws_the_base_seed_then_the_permutation_from_the_generator():
    got = shuffled(generator=cr.Generator().manual_seed(9))
    g = cr.Generator().manual_seed(9)
    cr.empty((), dtype=cr.int64).random_(generator=g)  # the iterator's base seed
    perm = cr.randperm(12, generator=g).tolist()
    assert got == [perm[:5], perm[5:10], perm[10:]]


def test_shuffle_without_generator_follows_manual_seed():
    cr.manual_seed(21)
    first = shuffled()
    second = shuffled()
    cr.manual_seed(21)
    assert shuffled() == first and shuffled() == second
    assert first != second  # each epoch reshuffles
    cr.manual_seed(21)
    cr.empty((), dtype=cr.int64).random_()  # base seed
    seed = cr.empty((), dtype=cr.int64).random_().item()  # RandomSampler's pass seed
    perm = cr.randperm(12, generator=cr.Generator().manual_seed(seed)).tolist()
    assert first == [perm[:5], perm[5:10], perm[10:]]


def test_dataloader_is_reiterable_and_iterators_have_len():
    loader = cdata.DataLoader(range(5), batch_size=2)
    assert [b.tolist() for b in loader] == [b.tolist() for b in loader]
    it = iter(loader)
    assert len(it) == 3 and iter(it) is it
    assert type(it).__name__ == "_SingleProcessDataLoaderIter"


def test_default_collate_and_get_worker_info_live_where_torch_has_them():
    import chainrule.utils.data.dataloader as dl
    assert cr.utils.data.default_collate is dl.default_collate
    assert cr.utils.data.get_worker_info() is None
    assert cdata._DatasetKind.Map == tdata._DatasetKind.Map
    from chainrule.utils.data._utils.collate import default_collate
    assert default_collate is cdata.default_collate
