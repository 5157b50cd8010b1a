"""DataLoader with worker processes (fork, and spawn in a couple of tests): the same
batches and order as torch and as num_workers=0, worker seeding and get_worker_info,
IterableDataset sharding, persistent workers, worker_init_fn, exceptions carried back
with their traceback, timeouts, a killed worker, batches in shared memory, and cleanup.
"""
import gc
import os
import random
import signal
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import torch.utils.data as tdata  # noqa: E402

import chainrule as cr  # noqa: E402
import chainrule.utils.data as cdata  # noqa: E402
from chainrule.utils.data._utils import worker as cworker  # noqa: E402

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def shm_mappings() -> int:
    """chainrule segments this process maps or holds open (Linux)."""
    count = 0
    try:
        with open("/proc/self/maps") as f:
            count += sum("chainrule-shm" in line for line in f)
        for fd in os.listdir("/proc/self/fd"):
            try:
                count += "chainrule-shm" in os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                pass
    except FileNotFoundError:
        pass
    return count


def shm_names() -> set:
    try:
        return {n for n in os.listdir("/dev/shm") if "chainrule" in n or n.startswith("psm_")}
    except FileNotFoundError:
        return set()


class Rows(cdata.Dataset):
    """Row i is [i, worker id, worker seed]; fails or dies at chosen indices."""

    def __init__(self, n=10, fail_at=None, kill_at=None, sleep=0.0, exc=ValueError):
        self.n, self.fail_at, self.kill_at, self.sleep, self.exc = n, fail_at, kill_at, sleep, exc

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if self.sleep:
            time.sleep(self.sleep)
        if i == self.fail_at:
            raise self.exc(f"bad index {i}")
        if i == self.kill_at:
            time.sleep(0.5)  # let the batches already made reach the main process
            os.kill(os.getpid(), signal.SIGKILL)
        info = cdata.get_worker_info()
        return cr.tensor([i, -1 if info is None else info.id])


class TRows(tdata.Dataset):
    def __init__(self, n=10, fail_at=None, exc=ValueError):
        self.n, self.fail_at, self.exc = n, fail_at, exc

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail_at:
            raise self.exc(f"bad index {i}")
        return torch.tensor([i])


class Shards(cdata.IterableDataset):
    """range(n), split between workers with get_worker_info (or not, when shard=False)."""

    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = cdata.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n

    def __repr__(self):
        return "Shards"


class TShards(tdata.IterableDataset):
    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = tdata.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n

    def __repr__(self):
        return "Shards"


class Seeds(cdata.Dataset):
    """What a worker's random streams and WorkerInfo look like."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = cdata.get_worker_info()
        return {"id": info.id, "num_workers": info.num_workers, "seed": info.seed,
                "dataset_is_copy": isinstance(info.dataset, Seeds),
                "random": random.random(), "numpy": float(np.random.random()),
                "chainrule": cr.rand(1).item(), "initial_seed": cr.initial_seed(),
                "pid": os.getpid()}


def batches(loader):
    return [b.tolist() for b in loader]


def test_workers_give_the_batches_of_the_main_process_in_order():
    ds = Rows(11)
    single = [b[:, 0].tolist() for b in cdata.DataLoader(ds, batch_size=3)]
    loader = cdata.DataLoader(ds, batch_size=3, num_workers=2, multiprocessing_context="fork")
    got = list(loader)
    assert [b[:, 0].tolist() for b in got] == single
    assert [b[:, 1].tolist() for b in got] == [[0] * 3, [1] * 3, [0] * 3, [1] * 2]  # round robin
    assert all(b.is_shared() for b in got)


def test_shuffled_order_with_workers_equals_the_order_without():
    def order(workers):
        kw = {"num_workers": workers, "multiprocessing_context": "fork"} if workers else {}
        return [b[:, 0].tolist() for b in cdata.DataLoader(
            Rows(9), batch_size=2, shuffle=True, generator=cr.Generator().manual_seed(3), **kw)]

    assert order(2) == order(0)


@pytest.mark.parametrize("kw", [{"batch_size": 2}, {"batch_size": None},
                                {"batch_size": 2, "drop_last": True}])
def test_iterable_dataset_sharding_matches_torch(kw):
    ref = [b.tolist() if hasattr(b, "tolist") else b for b in tdata.DataLoader(
        TShards(7), num_workers=2, multiprocessing_context="fork", **kw)]
    mine = [b.tolist() if hasattr(b, "tolist") else b for b in cdata.DataLoader(
        Shards(7), num_workers=2, multiprocessing_context="fork", **kw)]
    assert mine == ref


def test_unsharded_iterable_dataset_duplicates_and_warns_like_torch():
    import warnings

    def run(loader):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            n = len(loader)
            out = [b.tolist() for b in loader]
        return n, out, [str(x.message) for x in w]

    ref = run(tdata.DataLoader(TShards(3, shard=False), num_workers=2,
                               multiprocessing_context="fork"))
    mine = run(cdata.DataLoader(Shards(3, shard=False), num_workers=2,
                                multiprocessing_context="fork"))
    assert mine == ref
    assert len(mine[2]) == 3


def test_generate_state_matches_torch():
    from torch.utils.data._utils.worker import _generate_state
    for base, wid in [(0, 0), (1, 3), (2**63 - 1, 7), (123456789012345, 2), (2**40 + 5, 1)]:
        assert cworker._generate_state(base, wid) == _generate_state(base, wid)


def test_workers_are_seeded_from_the_base_seed_and_report_worker_info():
    cr.manual_seed(17)
    loader = cdata.DataLoader(Seeds(), batch_size=None, num_workers=2,
                              multiprocessing_context="fork")
    got = list(loader)
    cr.manual_seed(17)
    base = cr.empty((), dtype=cr.int64).random_().item()
    for i, sample in enumerate(got):
        wid = i % 2
        assert (sample["id"], sample["num_workers"]) == (wid, 2)
        assert sample["seed"] == sample["initial_seed"] == base + wid
        assert sample["dataset_is_copy"]
    first = {s["id"]: s for s in got[:2]}
    for wid, sample in first.items():  # each stream's first draw after seeding
        assert sample["random"] == random.Random(base + wid).random()
        state = np.random.RandomState(cworker._generate_state(base, wid))
        assert sample["numpy"] == state.random_sample()
        assert sample["chainrule"] == cr.rand(1, generator=cr.Generator().manual_seed(
            base + wid)).item()
    assert got[0]["pid"] != got[1]["pid"] != os.getpid()
    cr.manual_seed(17)
    again = list(cdata.DataLoader(Seeds(), batch_size=None, num_workers=2,
                                  multiprocessing_context="fork"))
    assert [s["random"] for s in again] == [s["random"] for s in got]


def test_a_generator_fixes_the_base_seed():
    def seeds():
        loader = cdata.DataLoader(Seeds(), batch_size=None, num_workers=2,
                                  multiprocessing_context="fork",
                                  generator=cr.Generator().manual_seed(5))
        return [s["seed"] for s in loader]

    g = cr.Generator().manual_seed(5)
    base = cr.empty((), dtype=cr.int64).random_(generator=g).item()
    assert seeds() == seeds() == [base, base + 1, base, base + 1]


class InitRecorder(cdata.Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        return int(os.environ.get("CHAINRULE_TEST_WORKER", "-1"))


def record_worker(worker_id):
    info = cdata.get_worker_info()
    assert info.id == worker_id
    os.environ["CHAINRULE_TEST_WORKER"] = str(worker_id * 10 + info.num_workers)


def failing_init(worker_id):
    raise RuntimeError(f"init failed in {worker_id}")


def test_worker_init_fn_runs_in_each_worker_with_worker_info():
    loader = cdata.DataLoader(InitRecorder(), batch_size=None, num_workers=2,
                              worker_init_fn=record_worker, multiprocessing_context="fork")
    assert list(loader) == [2, 12]
    assert "CHAINRULE_TEST_WORKER" not in os.environ


def test_worker_init_fn_exception_surfaces_in_the_main_process():
    loader = cdata.DataLoader(InitRecorder(), num_workers=1, worker_init_fn=failing_init,
                              multiprocessing_context="fork")
    with pytest.raises(RuntimeError) as err:
        list(loader)
    assert str(err.value).startswith("Caught RuntimeError in DataLoader worker process 0.\n"
                                     "Original Traceback (most recent call last):\n")
    assert "init failed in 0" in str(err.value)


@pytest.mark.parametrize("exc", [ValueError, KeyError, IndexError])
def test_worker_exception_carries_the_worker_traceback_like_torch(exc):
    # torch's iterator, collected later with the traceback's cycle, would stall in
    # __del__ (its stop signals never leave a finalized queue): shut it down here.
    ref_it = iter(tdata.DataLoader(TRows(6, fail_at=3, exc=exc), batch_size=2, num_workers=2,
                                   multiprocessing_context="fork"))
    with pytest.raises(exc) as ref:
        try:
            list(ref_it)
        finally:
            ref_it._shutdown_workers()
    with pytest.raises(exc) as mine:
        list(cdata.DataLoader(Rows(6, fail_at=3, exc=exc), batch_size=2, num_workers=2,
                              multiprocessing_context="fork"))
    ref_lines, my_lines = str(ref.value).splitlines(), str(mine.value).splitlines()
    assert my_lines[:2] == ref_lines[:2] == [
        f"Caught {exc.__name__} in DataLoader worker process 1.",
        "Original Traceback (most recent call last):"]
    assert my_lines[-1] == ref_lines[-1]
    assert any("raise self.exc(f\"bad index {i}\")" in line for line in my_lines)
    if exc is KeyError:  # torch keeps KeyError's message legible (no repr of the text)
        assert str(mine.value).startswith("Caught KeyError")


class OddError(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


class RaisesOdd(cdata.Dataset):
    def __len__(self):
        return 1

    def __getitem__(self, i):
        raise OddError(1, 2)


def test_an_exception_that_cannot_be_rebuilt_becomes_runtime_error():
    with pytest.raises(RuntimeError, match="Caught OddError in DataLoader worker process 0"):
        list(cdata.DataLoader(RaisesOdd(), num_workers=1, multiprocessing_context="fork"))


def test_timeout_raises_like_torch():
    it = iter(cdata.DataLoader(Rows(2, sleep=1.5), num_workers=1, timeout=0.3,
                               multiprocessing_context="fork"))
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0\.3 seconds$"):
        next(it)
    assert time.monotonic() - start < 1.2
    it._shutdown_workers()


def _load_until_a_worker_dies():
    loader = cdata.DataLoader(Rows(8, kill_at=5), batch_size=2, num_workers=2,
                              multiprocessing_context="fork")
    it = iter(loader)
    pids = [w.pid for w in it._workers]
    start = time.monotonic()
    seen = []
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) (\d+)\) exited "
                                           r"unexpectedly") as err:
        for batch in it:
            seen.append(batch[:, 0].tolist())
    assert time.monotonic() - start < 4.0  # noticed from the worker's exit, not a 5 s poll
    assert str(pids[0]) in str(err.value)
    assert seen == [[0, 1], [2, 3]]
    it._shutdown_workers()
    assert not any(w.is_alive() for w in it._workers)
    assert shm_mappings() > 0  # a batch that arrived early is still held by the iterator


def test_a_killed_worker_is_reported_at_once_and_leaks_nothing():
    gc.collect()
    maps_before, names_before = shm_mappings(), shm_names()
    _load_until_a_worker_dies()
    gc.collect()
    assert shm_mappings() == maps_before
    assert shm_names() == names_before


def test_persistent_workers_survive_epochs_and_reshuffle():
    loader = cdata.DataLoader(Rows(6), batch_size=2, num_workers=2, persistent_workers=True,
                              shuffle=True, generator=cr.Generator().manual_seed(0),
                              multiprocessing_context="fork")
    epochs = [[b[:, 0].tolist() for b in loader] for _ in range(3)]
    it = loader._iterator
    pids = [w.pid for w in it._workers]
    assert all(w.is_alive() for w in it._workers)
    for epoch in epochs:
        assert sorted(sum(epoch, [])) == list(range(6))
    assert len({str(e) for e in epochs}) == 3
    assert iter(loader) is it and [w.pid for w in it._workers] == pids
    list(it)
    it._shutdown_workers()
    assert not any(w.is_alive() for w in it._workers)


def test_persistent_workers_restart_an_iterable_dataset_each_epoch():
    loader = cdata.DataLoader(Shards(5), batch_size=2, num_workers=2, persistent_workers=True,
                              multiprocessing_context="fork")
    first = batches(loader)
    assert batches(loader) == first == [[0, 2], [1, 3], [4]]
    loader._iterator._shutdown_workers()


def test_workers_stop_when_the_epoch_ends():
    it = iter(cdata.DataLoader(Rows(4), batch_size=2, num_workers=2,
                               multiprocessing_context="fork"))
    workers = list(it._workers)
    assert len(list(it)) == 2
    assert not any(w.is_alive() for w in workers)


def test_prefetch_factor_bounds_the_tasks_in_flight():
    it = iter(cdata.DataLoader(Rows(20), num_workers=2, prefetch_factor=3,
                               multiprocessing_context="fork"))
    assert it._tasks_outstanding == 6 and it._send_idx == 6
    next(it)
    assert it._tasks_outstanding <= 6 and it._send_idx == 7
    it._shutdown_workers()


def test_out_of_order_delivery_gives_every_batch():
    loader = cdata.DataLoader(Rows(9), batch_size=2, num_workers=2, in_order=False,
                              multiprocessing_context="fork")
    assert sorted(x for b in loader for x in b[:, 0].tolist()) == list(range(9))


def test_spawned_workers_load_shared_batches():
    from mp_helpers import SpawnRows  # importable without torch: spawned children start fast
    gc.collect()
    maps_before = shm_mappings()
    loader = cdata.DataLoader(SpawnRows(5), batch_size=2, num_workers=2,
                              multiprocessing_context="spawn")
    got = list(loader)
    assert [b[:, 0].tolist() for b in got] == [[0, 1], [2, 3], [4]]
    assert [b[:, 1].tolist() for b in got] == [[0, 0], [1, 1], [0]]
    assert all(b.is_shared() for b in got)
    del got
    gc.collect()
    assert shm_mappings() == maps_before


def test_an_iterator_collected_in_a_reference_cycle_stops_its_workers_at_once():
    it = iter(cdata.DataLoader(Rows(6, fail_at=0), num_workers=2,
                               multiprocessing_context="fork"))
    workers = list(it._workers)
    try:
        next(it)
    except ValueError as e:
        it.error = e  # iterator -> exception -> traceback -> frame -> iterator
    del it
    start = time.monotonic()
    gc.collect()
    # generous: a full collection of a large test process on a loaded machine takes seconds;
    # a leaked iterator would keep its workers alive until the process ends
    assert time.monotonic() - start < 15.0
    for w in workers:
        w.join(10.0)
    assert not any(w.is_alive() for w in workers)


def test_worker_info_is_torch_s_frozen_record():
    from torch.utils.data._utils.worker import WorkerInfo as TWorkerInfo
    ref = TWorkerInfo(id=1, num_workers=2, seed=3, dataset=None)
    mine = cworker.WorkerInfo(id=1, num_workers=2, seed=3, dataset=None)
    assert repr(mine) == repr(ref)
    import dataclasses
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'id'"):
        ref.id = 0
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'id'"):
        mine.id = 0


def test_a_context_object_selects_the_start_method():
    ctx = cr.multiprocessing.get_context("fork")
    loader = cdata.DataLoader(Rows(3), num_workers=1, multiprocessing_context=ctx)
    assert loader.multiprocessing_context is ctx
    assert [b[0, 0].item() for b in loader] == [0, 1, 2]
