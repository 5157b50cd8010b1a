"""chainrule.multiprocessing: tensors cross processes through shared memory (torch's
behaviour: the receiver works on the sender's memory, the sender's tensor becomes
shared), share_memory_ / is_shared / Module.share_memory, Hogwild training in place,
spawn with the child's traceback, and cleanup: segments die with their last tensor, in
whichever process, also when a process is killed."""
import gc
import os
import pickle
import signal
import sys
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mp_helpers  # noqa: E402

import chainrule as cr  # noqa: E402
import chainrule.multiprocessing as cmp  # noqa: E402

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and memfd")
fork = cmp.get_context("fork") if hasattr(os, "fork") else None


def shm_mappings(pid="self") -> int:
    """chainrule segments a process maps or holds open."""
    count = 0
    with open(f"/proc/{pid}/maps") as f:
        count += sum("chainrule-shm" in line for line in f)
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += "chainrule-shm" in os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            pass
    return count


def shm_names() -> set:
    try:
        return {n for n in os.listdir("/dev/shm") if "chainrule" in n or n.startswith("psm_")}
    except FileNotFoundError:
        return set()


def roundtrip(obj):
    """What a receiving process rebuilds (here the same process: the same segment)."""
    return pickle.loads(ForkingPickler.dumps(obj))


# ----------------------------------------------------------------------------- in process
def test_share_memory_moves_the_storage_and_keeps_the_values():
    x = cr.arange(6.0).reshape(2, 3)
    assert not x.is_shared() and not x.untyped_storage().is_shared()
    assert x.share_memory_() is x
    assert x.is_shared() and x.untyped_storage().is_shared()
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    ptr = x.data_ptr()
    x.share_memory_()
    assert x.data_ptr() == ptr  # already shared: nothing moves


def test_share_memory_keeps_layout_as_torch():
    cases = {
        "transposed": lambda lib: lib.arange(6.0).reshape(2, 3).t(),
        "expanded": lambda lib: lib.ones(3).expand(2, 3),
        "sliced": lambda lib: lib.arange(10).reshape(2, 5)[:, 1:4],
        "int8": lambda lib: lib.tensor([1, -2, 3], dtype=lib.int8),
        "bool": lambda lib: lib.tensor([True, False]),
        "complex": lambda lib: lib.tensor([1 + 2j]),
        "zero_dim": lambda lib: lib.tensor(2.5),
    }
    for make in cases.values():
        ref, mine = make(torch), make(cr)
        ref.share_memory_()
        mine.share_memory_()
        assert mine.is_shared() == ref.is_shared()
        assert (mine.tolist(), mine.stride(), mine.storage_offset(), mine.is_contiguous()) == \
            (ref.tolist(), ref.stride(), ref.storage_offset(), ref.is_contiguous())
        back = roundtrip(mine)
        assert (back.tolist(), back.stride(), back.storage_offset(), str(back.dtype)) == \
            (mine.tolist(), mine.stride(), mine.storage_offset(), str(mine.dtype))


def test_view_and_base_move_together_as_in_torch():
    for lib in (torch, cr):
        base = lib.zeros(4)
        view = base[1:]
        view.share_memory_()
        assert base.is_shared() and view.is_shared()
        view.fill_(1.0)
        assert base.tolist() == [0.0, 1.0, 1.0, 1.0]
        assert view.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()


def test_empty_tensors_share_and_travel_by_value_as_in_torch():
    for lib in (torch, cr):
        z = lib.zeros(0, 3)
        z.share_memory_()
        assert z.is_shared()
        back = roundtrip(lib.zeros(0, 3))
        assert back.shape == (0, 3) and not back.is_shared()


def test_storages_share_memory():
    s = cr.UntypedStorage(4)
    assert not s.is_shared()
    assert s.share_memory_().is_shared()
    t = cr.ones(3)
    storage = t.untyped_storage()
    storage.share_memory_()
    assert t.is_shared() and storage.is_shared()


def test_module_share_memory_shares_parameters_grads_and_buffers():
    for lib in (torch, cr):
        m = lib.nn.Linear(3, 2)
        m.register_buffer("running", lib.zeros(2))
        m.weight.grad = lib.ones(2, 3)
        assert m.share_memory() is m
        assert all(p.is_shared() for p in m.parameters())
        assert m.weight.grad.is_shared() and m.running.is_shared()
        assert isinstance(m.weight, lib.nn.Parameter) and m.weight.requires_grad


def test_pickling_for_another_process_shares_the_senders_memory():
    t = cr.tensor([1.0, 2.0])
    back = roundtrip(t)
    assert t.is_shared()  # sending moved it, as torch does
    assert back.data_ptr() == t.data_ptr()  # the same segment, mapped once
    back.add_(1)
    assert t.tolist() == [2.0, 3.0]
    plain = pickle.loads(pickle.dumps(t))  # ordinary pickling still copies
    assert not plain.is_shared() and plain.data_ptr() != t.data_ptr()


def test_views_in_one_message_share_one_segment():
    base = cr.arange(6.0)
    a, b = base[:3], base[2:]
    ra, rb = roundtrip((a, b))
    ra[2] = 100.0
    assert rb[0].item() == 100.0 and base[2].item() == 100.0


def test_requires_grad_parameters_and_non_leaves_as_torch():
    p = roundtrip(cr.nn.Parameter(cr.ones(2)))
    assert type(p) is cr.nn.Parameter and p.requires_grad and p.is_shared()
    leaf = roundtrip(cr.ones(2, requires_grad=True))
    assert type(leaf) is cr.Tensor and leaf.requires_grad and leaf.is_leaf
    with pytest.raises(RuntimeError) as ref:
        ForkingPickler.dumps(torch.ones(2, requires_grad=True) * 2)
    with pytest.raises(RuntimeError) as mine:
        ForkingPickler.dumps(cr.ones(2, requires_grad=True) * 2)
    assert str(mine.value) == str(ref.value)
    ForkingPickler.dumps((cr.ones(2, requires_grad=True) * 2).detach())


def test_hooks_are_not_sent_and_warn_as_torch():
    t = cr.ones(2, requires_grad=True)
    t.register_hook(lambda g: g)
    with pytest.warns(UserWarning, match="on tensor will not be serialized"):
        ForkingPickler.dumps(t)


def test_namespace_and_sharing_strategies_as_torch():
    assert set(torch.multiprocessing.__all__) <= set(cmp.__all__)
    for name in ("Process", "Queue", "SimpleQueue", "Pool", "Pipe", "get_context",
                 "set_start_method", "get_start_method", "spawn", "start_processes",
                 "ProcessRaisedException", "ProcessExitedException", "ProcessContext"):
        assert hasattr(cmp, name), name
    assert cmp.get_sharing_strategy() == torch.multiprocessing.get_sharing_strategy()
    assert cmp.get_all_sharing_strategies() == torch.multiprocessing.get_all_sharing_strategies()
    with pytest.raises(AssertionError, match=r"invalid sharing strategy 'bogus', expected one "
                                             r"of \{"):
        cmp.set_sharing_strategy("bogus")
    cmp.set_sharing_strategy("file_system")
    try:
        t = cr.ones(2)
        assert roundtrip(t).data_ptr() == t.data_ptr()
    finally:
        cmp.set_sharing_strategy("file_descriptor")
    assert cr.multiprocessing is cmp


@linux_only
def test_segments_are_released_with_their_last_tensor():
    gc.collect()
    before = shm_mappings()
    t = cr.ones(1000).share_memory_()
    view = t[10:20]
    received = roundtrip(t)
    assert shm_mappings() > before
    del t
    gc.collect()
    assert shm_mappings() > before  # the view and the received tensor keep it
    del view, received
    gc.collect()
    assert shm_mappings() == before


@linux_only
def test_the_shared_memory_fallback_leaves_no_name_in_dev_shm(monkeypatch):
    monkeypatch.delattr(os, "memfd_create")
    names = shm_names()
    t = cr.arange(5.0).share_memory_()
    assert shm_names() == names
    assert roundtrip(t).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


# ----------------------------------------------------------------------------- processes
needs_fork = pytest.mark.skipif(fork is None, reason="needs fork")


@needs_fork
def test_queue_round_trip_works_on_the_same_memory():
    inbox, outbox = fork.Queue(), fork.Queue()
    child = fork.Process(target=mp_helpers.echo, args=(inbox, outbox))
    child.start()
    try:
        t = cr.zeros(3)
        inbox.put(t)
        back, fresh = outbox.get(timeout=30), outbox.get(timeout=30)
        assert t.tolist() == [1.0, 1.0, 1.0]  # changed in place by the child
        assert t.is_shared() and back.data_ptr() == t.data_ptr()
        assert fresh.tolist() == [7.0, 7.0] and fresh.is_shared()
        inbox.put(None)
        assert outbox.get(timeout=30) == "bye"
    finally:
        child.join(30)
    assert child.exitcode == 0
    assert fresh.tolist() == [7.0, 7.0]  # readable after the sender exited


@needs_fork
def test_pool_maps_tensors():
    with fork.Pool(2) as pool:
        out = pool.map(mp_helpers.square, [cr.tensor([1.0, 2.0]), cr.tensor([3.0])])
    assert [o.tolist() for o in out] == [[1.0, 4.0], [9.0]]


@needs_fork
def test_hogwild_two_processes_train_one_shared_model_in_place():
    cr.manual_seed(0)
    model = cr.nn.Linear(3, 1)
    model.share_memory()
    x = cr.randn(32, 3)
    y = x @ cr.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    loss_before = ((model(x) - y) ** 2).mean().item()
    weight_before = model.weight.detach().clone()
    procs = [fork.Process(target=mp_helpers.hogwild_train, args=(r, model, 40, (x, y)))
             for r in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert not bool((model.weight == weight_before).all())  # the children's steps are here
    assert ((model(x) - y) ** 2).mean().item() < loss_before / 4


def test_spawned_processes_share_tensors_and_report_a_childs_traceback():
    gc.collect()
    names = shm_names()
    shared = cr.zeros(2).share_memory_()
    done = cmp.get_context("spawn").SimpleQueue()
    cmp.spawn(mp_helpers.add_rank, args=(shared, done), nprocs=2)
    assert shared.tolist() == [1.0, 2.0]
    reports = sorted(done.get() for _ in range(2))
    assert [r[0] for r in reports] == [0, 1] and all(r[2] for r in reports)
    cr.manual_seed(0)  # Hogwild with spawned processes: the module travels by pickle
    model = cr.nn.Linear(3, 1).share_memory()
    x = cr.randn(32, 3)
    y = x @ cr.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    loss_before = ((model(x) - y) ** 2).mean().item()
    cmp.spawn(mp_helpers.hogwild_train, args=(model, 40, (x, y)), nprocs=2)
    assert ((model(x) - y) ** 2).mean().item() < loss_before / 4
    with pytest.raises(cmp.ProcessRaisedException) as err:
        cmp.spawn(mp_helpers.fail_on_rank, args=(1,), nprocs=2)
    msg = str(err.value)
    assert msg.startswith("\n\n-- Process 1 terminated with the following error:\n"
                          "Traceback (most recent call last):\n")
    assert msg.rstrip().endswith("ValueError: rank 1 failed on purpose")
    assert err.value.error_index == 1 and err.value.error_pid > 0
    assert isinstance(pickle.loads(pickle.dumps(err.value)), cmp.ProcessRaisedException)
    assert shm_names() == names


@needs_fork
def test_exit_codes_and_signals_come_back_as_process_exited_exception():
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        with pytest.raises(cmp.ProcessExitedException,
                           match="^process 0 terminated with exit code 3$") as err:
            cmp.spawn(mp_helpers.exit_with, args=(3,), nprocs=1, start_method="fork")
    assert err.value.exit_code == 3
    context = cmp.start_processes(mp_helpers.exit_with, args=(0,), nprocs=2, join=False,
                                  start_method="fork")
    assert isinstance(context, cmp.ProcessContext) and len(context.pids()) == 2
    while not context.join():
        pass
    context = cmp.start_processes(mp_helpers.sleep_rank, args=(30,), nprocs=1, join=False,
                                  start_method="fork")
    os.kill(context.pids()[0], signal.SIGKILL)
    with pytest.raises(cmp.ProcessExitedException,
                       match="^process 0 terminated with signal SIGKILL$") as err:
        while not context.join():
            pass
    assert err.value.signal_name == "SIGKILL"


@linux_only
@needs_fork
def test_a_killed_process_holding_shared_tensors_leaks_nothing():
    gc.collect()
    before, names = shm_mappings(), shm_names()
    ready = fork.Queue()
    t = cr.ones(100).share_memory_()
    child = fork.Process(target=mp_helpers.fill_segment, args=(t, 5.0))
    child.start()
    child.join(30)
    assert t.tolist() == [5.0] * 100
    holder = fork.Process(target=_hold_forever, args=(t, ready))
    holder.start()
    assert ready.get(timeout=30) == "holding"
    assert shm_mappings(holder.pid) > 0
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(30)
    del t
    gc.collect()
    assert shm_mappings() == before
    assert shm_names() == names


def _hold_forever(t, ready):
    import time
    kept = [t, cr.zeros(50).share_memory_()]
    ready.put("holding")
    while kept:
        time.sleep(1)


def test_receiving_in_another_process_maps_the_senders_bytes():
    arr = np.arange(4, dtype=np.float32)
    t = cr.from_numpy(arr.copy())
    back = roundtrip(t)
    assert back.numpy().tobytes() == arr.tobytes()
