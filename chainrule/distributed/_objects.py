"""Collectives on picklable Python objects: broadcast_object_list, all_gather_object,
gather_object, scatter_object_list, send_object_list, recv_object_list.

Objects travel pickled (as torch's do: only use them with ranks you trust), as one byte
buffer per call after an exchange of the sizes; like torch's, they block.
"""
from __future__ import annotations

import io
import pickle

import numpy as np

from . import _mpi
from ._common import exchange, group_rank, launch, row, vector
from ._p2p import _peer, _wait_requests
from .distributed_c10d import _resolve, _warn_not_in_group

# the tags object messages travel with (user tensors' tags are usually small)
_SIZES_TAG, _DATA_TAG = 0x7FF0, 0x7FF1

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object",
           "scatter_object_list", "send_object_list", "recv_object_list"]


def _dumps(obj) -> np.ndarray:
    buffer = io.BytesIO()
    pickle.Pickler(buffer).dump(obj)
    return np.frombuffer(buffer.getvalue(), dtype=np.uint8)


def _loads(data) -> object:
    return pickle.loads(data.tobytes())


def _group(group, op_name: str):
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group(op_name)
    return pg


def broadcast_object_list(object_list, src: int | None = None, group=None, device=None,
                          group_src: int | None = None) -> None:
    """Replace ``object_list``'s entries on every rank by those of rank ``src``."""
    pg = _group(group, "broadcast_object_list")
    if pg is None:
        return
    root = group_rank(pg, src, group_src, "src")
    is_root = pg.rank() == root
    count = len(object_list)
    pickled = [_dumps(obj) for obj in object_list] if is_root else None
    received = []

    def job():
        exchange(pg, row("broadcast_object_list", root, None, None, count), same_shape=False)
        sizes = np.array([p.size for p in pickled] if is_root else [0] * count, np.int64)
        pg._comm.Bcast(sizes, root)
        data = np.concatenate(pickled) if is_root and count else np.empty(int(sizes.sum()),
                                                                          np.uint8)
        pg._comm.Bcast(_mpi.message(data), root)
        received.append((sizes, data))

    launch("broadcast_object_list", pg, job, [], False)
    if not is_root:
        sizes, data = received[0]
        offset = 0
        for i, size in enumerate(sizes):
            object_list[i] = _loads(data[offset:offset + size])
            offset += size


def _all_sizes(pg, mine: np.ndarray) -> np.ndarray:
    sizes = np.empty(pg.size(), np.int64)
    pg._comm.Allgather(np.array([mine.size], np.int64), sizes)
    return sizes


def all_gather_object(object_list, obj, group=None) -> None:
    """``object_list[i]`` = rank i's ``obj``, on every rank."""
    pg = _group(group, "all_gather_object")
    if pg is None:
        return
    if len(object_list) < pg.size():
        raise ValueError(f"all_gather_object: object_list has {len(object_list)} entries; it "
                         f"needs one for each of the {pg.size()} ranks of the group")
    mine = _dumps(obj)
    received = []

    def job():
        exchange(pg, row("all_gather_object"), same_shape=False)
        sizes = _all_sizes(pg, mine)
        data = np.empty(int(sizes.sum()), np.uint8)
        pg._comm.Allgatherv(_mpi.message(mine), vector(data, sizes))
        received.append((sizes, data))

    launch("all_gather_object", pg, job, [], False)
    _unpack(object_list, *received[0])


def _unpack(object_list, sizes, data) -> None:
    offset = 0
    for i, size in enumerate(sizes):
        object_list[i] = _loads(data[offset:offset + size])
        offset += size


def gather_object(obj, object_gather_list=None, dst: int | None = None, group=None,
                  group_dst: int | None = None) -> None:
    """Every rank's ``obj`` into ``object_gather_list`` on rank ``dst``."""
    pg = _group(group, "gather_object")
    if pg is None:
        return
    root = group_rank(pg, dst, group_dst, "dst")
    is_root = pg.rank() == root
    if is_root and (object_gather_list is None or len(object_gather_list) < pg.size()):
        raise ValueError("Argument ``object_gather_list`` must be specified on destination "
                         f"rank, with one entry for each of the {pg.size()} ranks")
    if not is_root and object_gather_list is not None:
        raise ValueError("Argument ``object_gather_list`` must NOT be specified on "
                         "non-destination ranks.")
    mine = _dumps(obj)
    received = []

    def job():
        exchange(pg, row("gather_object", root), same_shape=False)
        sizes = _all_sizes(pg, mine)
        if is_root:
            data = np.empty(int(sizes.sum()), np.uint8)
            pg._comm.Gatherv(_mpi.message(mine), vector(data, sizes), root)
            received.append((sizes, data))
        else:
            pg._comm.Gatherv(_mpi.message(mine), None, root)

    launch("gather_object", pg, job, [], False)
    if is_root:
        _unpack(object_gather_list, *received[0])


def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None,
                        src: int | None = None, group=None,
                        group_src: int | None = None) -> None:
    """``scatter_object_output_list[0]`` = ``scatter_object_input_list[i]`` of rank ``src``,
    on rank i."""
    pg = _group(group, "scatter_object_list")
    if pg is None:
        return
    if not isinstance(scatter_object_output_list, list) or not scatter_object_output_list:
        raise ValueError("Expected argument scatter_object_output_list to be a list of size "
                         "at least 1.")
    root = group_rank(pg, src, group_src, "src")
    is_root = pg.rank() == root
    if is_root and (scatter_object_input_list is None
                    or len(scatter_object_input_list) != pg.size()):
        raise ValueError("scatter_object_list: the source rank needs "
                         f"scatter_object_input_list with {pg.size()} entries")
    pickled = [_dumps(o) for o in scatter_object_input_list] if is_root else None
    received = []

    def job():
        exchange(pg, row("scatter_object_list", root), same_shape=False)
        sizes = np.array([p.size for p in pickled] if is_root else [0] * pg.size(), np.int64)
        pg._comm.Bcast(sizes, root)
        data = np.empty(int(sizes[pg.rank()]), np.uint8)
        flat = np.concatenate(pickled) if is_root else None
        pg._comm.Scatterv(vector(flat, sizes) if is_root else None, _mpi.message(data), root)
        received.append(data)

    launch("scatter_object_list", pg, job, [], False)
    scatter_object_output_list[0] = _loads(received[0])


def send_object_list(object_list, dst: int | None = None, group=None, device=None,
                     group_dst: int | None = None, use_batch: bool = False) -> None:
    """Send the objects of ``object_list`` to rank ``dst`` (a recv_object_list there)."""
    pg = _group(group, "send_object_list")
    if pg is None:
        return
    peer = _peer(pg, dst, group_dst, "dst")
    pickled = [_dumps(obj) for obj in object_list]
    sizes = np.array([p.size for p in pickled], np.int64)
    data = np.concatenate(pickled) if pickled else np.empty(0, np.uint8)
    requests = [pg._comm.Isend(sizes, peer, _SIZES_TAG),
                pg._comm.Isend(_mpi.message(data), peer, _DATA_TAG)]
    _wait_requests("send_object_list", pg, requests, (sizes, data))


def recv_object_list(object_list, src: int | None = None, group=None, device=None,
                     group_src: int | None = None, use_batch: bool = False) -> int:
    """Fill ``object_list`` with the objects rank ``src`` sent; the sender's rank."""
    pg = _group(group, "recv_object_list")
    if pg is None:
        return -1
    MPI = _mpi.load()
    peer = MPI.ANY_SOURCE if src is None and group_src is None else _peer(
        pg, src, group_src, "src")
    sizes = np.empty(len(object_list), np.int64)
    first = _wait_requests("recv_object_list", pg, [pg._comm.Irecv(sizes, peer, _SIZES_TAG)],
                           sizes, [MPI.Status()])
    source = first._statuses[0].Get_source()
    data = np.empty(int(sizes.sum()), np.uint8)
    _wait_requests("recv_object_list", pg,
                   [pg._comm.Irecv(_mpi.message(data), source, _DATA_TAG)], data)
    _unpack(object_list, sizes, data)
    return pg._ranks[source]
