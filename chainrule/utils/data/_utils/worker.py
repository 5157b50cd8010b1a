"""What runs inside a DataLoader worker process: seeding, ``get_worker_info()``, the
fetch loop, and the wrapper that carries a worker's exception (with its traceback) back
to the main process."""
from __future__ import annotations

import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass

from . import MP_STATUS_CHECK_INTERVAL

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper"]


class KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError prints its traceback legibly."""

    def __repr__(self) -> str:
        return self


class ExceptionWrapper:
    """An exception and its formatted traceback, to re-raise in another thread or
    process as ``Caught ValueError in DataLoader worker process 0. Original Traceback``."""

    def __init__(self, exc_info=None, where: str = "in background") -> None:
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the wrapped exception's type with the original traceback as message."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # an exception that cannot be built from one message
            raise RuntimeError(msg) from None
        raise exception


class ManagerWatchdog:
    """Notices when the process that started this worker has gone."""

    def __init__(self) -> None:
        self.manager_pid = os.getppid()
        self.manager_dead = False

    def is_alive(self) -> bool:
        if not self.manager_dead:
            self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """Inside a worker: its ``id``, the loader's ``num_workers``, its ``seed`` (base seed
    + id, the seed of its ``random``, chainrule and NumPy streams) and its copy of the
    ``dataset``. Shard an IterableDataset with ``id`` and ``num_workers``."""

    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str | None = "multiprocessing"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The WorkerInfo of the DataLoader worker this runs in; None in the main process.

    >>> get_worker_info() is None
    True
    """
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    """A worker's IterableDataset is exhausted."""

    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    """Start a new epoch (persistent workers)."""

    seed: int | None = None


_MASK32 = 0xFFFFFFFF


def _generate_state(base_seed: int, worker_id: int) -> list:
    """Four 32-bit words seeding a worker's ``numpy.random``: NumPy's SeedSequence mixing
    of (worker_id, base_seed), so that NumPy's stream differs from ``random``'s, which is
    seeded with ``base_seed + worker_id`` (torch's scheme, same words for the same seed)."""
    hash_const = [0x43B0D7E5]

    def hashmix(value: int) -> int:
        value = (value ^ hash_const[0]) & _MASK32
        hash_const[0] = (hash_const[0] * 0x931E8875) & _MASK32
        value = (value * hash_const[0]) & _MASK32
        return (value ^ (value >> 16)) & _MASK32

    def mix(x: int, y: int) -> int:
        result = ((0xCA01F9DD * x) - (0x4973F715 * y)) & _MASK32
        return (result ^ (result >> 16)) & _MASK32

    pool = [hashmix(v) for v in (worker_id, base_seed & _MASK32, base_seed >> 32, 0)]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    out, mult = [], 0x8B51F9DD
    for value in pool:
        value = (value ^ mult) & _MASK32
        mult = (mult * 0x58F38DED) & _MASK32
        value = (value * mult) & _MASK32
        out.append((value ^ (value >> 16)) & _MASK32)
    return out


def _seed_worker(base_seed: int, worker_id: int) -> int:
    import numpy as np

    from .... import manual_seed, set_num_threads
    set_num_threads(1)
    seed = base_seed + worker_id
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(_generate_state(base_seed, worker_id))
    return seed


def _worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event,
                 auto_collation, collate_fn, drop_last, base_seed, init_fn, worker_id,
                 num_workers, persistent_workers, shared_seed) -> None:
    """A worker: take (task number, indices) from ``index_queue``, put (task number,
    batch or ExceptionWrapper) on ``data_queue``, until told to stop (None) or orphaned."""
    try:
        from ..dataloader import _DatasetKind
        seed = _seed_worker(base_seed, worker_id)
        global _worker_info
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_exception = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                  collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=where)
        iteration_end = False
        watchdog = ManagerWatchdog()
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break  # shut down, and the stop signal is not coming
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))  # acknowledge
                iteration_end = False
                fetcher = _DatasetKind.create_fetcher(dataset_kind, dataset, auto_collation,
                                                      collate_fn, drop_last)
                continue
            if r is None:  # stop
                break
            if done_event.is_set() or iteration_end:
                continue  # drain what is left until the stop signal
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as e:
                    if isinstance(e, StopIteration) and dataset_kind == _DatasetKind.Iterable:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True  # the main process sends no more for this epoch
                    else:
                        data = ExceptionWrapper(where=where)
            data_queue.put((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
