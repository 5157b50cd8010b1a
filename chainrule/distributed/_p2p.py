"""Point-to-point: send, recv, isend, irecv, as MPI non-blocking requests started from the
calling thread and polled against the group's timeout."""
from __future__ import annotations

from . import _mpi
from ._common import check_tensor, check_writeable, contiguous, group_rank
from ._work import Work
from .distributed_c10d import _resolve, _warn_not_in_group

__all__ = ["send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv"]


def _peer(pg, global_rank, given_group_rank, role: str) -> int:
    peer = group_rank(pg, global_rank, given_group_rank, role)
    if peer == pg.rank():
        word = "destination" if role == "dst" else "source"
        raise ValueError(f"Invalid {word} rank: {word} rank should not be the same as the rank "
                         "of the current process.")
    return peer


def _check_tag(tag) -> int:
    tag = int(tag)
    if tag < 0:
        raise ValueError(f"tag must be a non-negative integer, got {tag}")
    return tag


def isend(tensor, dst: int | None = None, group=None, tag: int = 0,
          group_dst: int | None = None):
    """Start sending ``tensor`` to rank ``dst``; a Work to wait on."""
    check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("isend")
        return None
    peer = _peer(pg, dst, group_dst, "dst")
    buf, _ = contiguous(tensor._data)
    request = pg._comm.Isend(_mpi.message(buf), peer, _check_tag(tag))
    work = Work("send", pg, [tensor], requests=[request])
    work._buffer = buf  # keep the bytes alive until the send completes
    return work


def irecv(tensor, src: int | None = None, group=None, tag: int = 0,
          group_src: int | None = None):
    """Start receiving into ``tensor`` from rank ``src`` (any rank when None)."""
    check_tensor(tensor, "tensor")
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group("irecv")
        return None
    MPI = _mpi.load()
    if src is None and group_src is None:
        peer = MPI.ANY_SOURCE
    else:
        peer = _peer(pg, src, group_src, "src")
    check_writeable(tensor, "recv")
    arr = tensor._data
    buf, write_back = contiguous(arr)
    request = pg._comm.Irecv(_mpi.message(buf), peer, _check_tag(tag))

    def finish(work):
        status = work._statuses[0]
        got = status.Get_count(MPI.BYTE)
        if got != buf.nbytes:
            raise RuntimeError(
                f"recv: the message from rank {pg._ranks[status.Get_source()]} holds {got} "
                f"bytes but the receiving tensor (shape {list(tensor.shape)}, dtype "
                f"{tensor.dtype}) holds {buf.nbytes}; send and recv tensors must match")
        write_back()
        work._source_rank = pg._ranks[status.Get_source()]

    work = Work("recv", pg, [tensor], requests=[request], finish=finish)
    work._statuses = [MPI.Status()]
    work._buffer = buf
    return work


def send(tensor, dst: int | None = None, group=None, tag: int = 0,
         group_dst: int | None = None) -> None:
    """Send ``tensor`` to rank ``dst`` (returns once the send buffer may be reused)."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor, src: int | None = None, group=None, tag: int = 0,
         group_src: int | None = None) -> int:
    """Receive into ``tensor`` from rank ``src`` (any rank when None); the sender's rank."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    return work._source_rank


def _wait_requests(op_name: str, pg, requests, keep, statuses=None) -> Work:
    """Wait (against the group's timeout) for MPI requests; ``keep`` holds their buffers."""
    work = Work(op_name, pg, requests=requests)
    work._buffer = keep
    work._statuses = statuses
    work.wait()
    return work


class P2POp:
    """One isend or irecv for batch_isend_irecv."""

    def __init__(self, op, tensor, peer: int | None = None, group=None, tag: int = 0,
                 group_peer: int | None = None):
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type "
                             "``torch.distributed.isend`` or ``torch.distributed.irecv``.")
        self.op, self.tensor, self.peer, self.group = op, tensor, peer, group
        self.tag, self.group_peer = tag, group_peer


def batch_isend_irecv(p2p_op_list) -> list:
    """Start every isend/irecv of the list; their Works."""
    if not isinstance(p2p_op_list, list) or not all(isinstance(p, P2POp) for p in p2p_op_list):
        raise ValueError("Invalid ``p2p_op_list``. Each op is expected to to be of type "
                         "``torch.distributed.P2POp``.")
    return [p.op(p.tensor, p.peer, p.group, p.tag, p.group_peer) for p in p2p_op_list]


