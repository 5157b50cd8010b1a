"""Collectives on tensors, in place as torch does them, each run as one blocking MPI call
on the communication thread (``async_op=True`` returns its Work).

Like torch, they modify the tensors' storage without touching autograd: no version bump,
no check for tensors requiring grad.
"""
from __future__ import annotations

import numpy as np

from . import _mpi
from ._common import (
    agree_flag,
    check_reduce_op,
    check_same_dtype,
    check_tensor,
    check_tensor_list,
    check_writeable,
    checked,
    contiguous,
    divide,
    exchange,
    group_rank,
    launch,
    reducible,
    row,
    shape_of,
    shapes_hash,
    vector,
)
from .distributed_c10d import ReduceOp, _resolve, _warn_not_in_group

__all__ = ["all_reduce", "all_reduce_coalesced", "broadcast", "reduce", "all_gather",
           "all_gather_into_tensor", "reduce_scatter", "reduce_scatter_tensor", "gather",
           "scatter", "all_to_all", "all_to_all_single", "barrier", "monitored_barrier"]


def _group(group, op_name: str):
    pg = _resolve(group)
    if pg is None:
        _warn_not_in_group(op_name)
    return pg


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``tensor`` across all ranks with ``op``; every rank gets the result in place
    (under ``mpirun``: ``dist.all_reduce(grad, op=dist.ReduceOp.AVG)``)."""
    check_tensor(tensor, "tensor")
    pg = _group(group, "all_reduce")
    if pg is None:
        return None
    arr = tensor._data
    name = check_reduce_op(op, arr, "all_reduce")
    check_writeable(tensor, "all_reduce")
    MPI = _mpi.load()
    mpi_op = _mpi.reduction_op(name, arr.dtype.kind == "b")

    signature = row("all_reduce", -1, op, arr)

    def job():
        buf, write_back = reducible(arr)
        pg._comm.Allreduce(MPI.IN_PLACE, buf, mpi_op)
        if name == "AVG":
            divide(buf, pg.size())
        write_back()

    return launch("all_reduce", pg, job, [tensor], async_op, signature)


def all_reduce_coalesced(tensors, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """all_reduce of several tensors of one dtype in a single MPI call."""
    if isinstance(tensors, list) is False and not isinstance(tensors, tuple):
        check_tensor(tensors, "tensors")
        tensors = [tensors]
    tensors = list(tensors)
    check_tensor_list(tensors, "tensor")
    pg = _group(group, "all_reduce_coalesced")
    if pg is None or not tensors:
        return None
    check_same_dtype("all_reduce_coalesced", *tensors)
    arrays = [t._data for t in tensors]
    name = check_reduce_op(op, arrays[0], "all_reduce_coalesced")
    for t in tensors:
        check_writeable(t, "all_reduce_coalesced", "tensors")
    MPI = _mpi.load()
    mpi_op = _mpi.reduction_op(name, arrays[0].dtype.kind == "b")

    flat = np.concatenate([a.reshape(-1) for a in arrays])
    signature = row("all_reduce_coalesced", -1, op, flat, shapes_hash(tensors))

    def job():
        buf, write_back = reducible(flat)
        pg._comm.Allreduce(MPI.IN_PLACE, buf, mpi_op)
        if name == "AVG":
            divide(buf, pg.size())
        write_back()
        offset = 0
        for a in arrays:
            np.copyto(a, flat[offset:offset + a.size].reshape(a.shape))
            offset += a.size

    return launch("all_reduce_coalesced", pg, job, tensors, async_op, signature)


def broadcast(tensor, src: int | None = None, group=None, async_op: bool = False,
              group_src: int | None = None):
    """Copy ``tensor`` from rank ``src`` into ``tensor`` on every other rank."""
    check_tensor(tensor, "tensor")
    pg = _group(group, "broadcast")
    if pg is None:
        return None
    root = group_rank(pg, src, group_src, "src")
    arr = tensor._data
    is_root = pg.rank() == root
    if not is_root:
        check_writeable(tensor, "broadcast")

    signature = row("broadcast", root, None, arr)

    def job():
        buf, write_back = contiguous(arr)
        pg._comm.Bcast(_mpi.message(buf), root)
        if not is_root:
            write_back()

    return launch("broadcast", pg, job, [tensor], async_op, signature)


def reduce(tensor, dst: int | None = None, op=ReduceOp.SUM, group=None,
           async_op: bool = False, group_dst: int | None = None):
    """Reduce ``tensor`` across all ranks into ``tensor`` on rank ``dst`` (the others keep
    theirs)."""
    check_tensor(tensor, "tensor")
    pg = _group(group, "reduce")
    if pg is None:
        return None
    root = group_rank(pg, dst, group_dst, "dst")
    arr = tensor._data
    name = check_reduce_op(op, arr, "reduce")
    is_root = pg.rank() == root
    if is_root:
        check_writeable(tensor, "reduce")
    MPI = _mpi.load()
    mpi_op = _mpi.reduction_op(name, arr.dtype.kind == "b")

    signature = row("reduce", root, op, arr)

    def job():
        buf, write_back = reducible(arr)
        if is_root:
            pg._comm.Reduce(MPI.IN_PLACE, buf, mpi_op, root)
            if name == "AVG":
                divide(buf, pg.size())
            write_back()
        else:
            pg._comm.Reduce(buf, None, mpi_op, root)

    return launch("reduce", pg, job, [tensor], async_op, signature)


def all_gather(tensor_list, tensor, group=None, async_op: bool = False):
    """Every rank's ``tensor`` into ``tensor_list[rank]`` on every rank (sizes may differ
    between ranks; ``tensor_list[i]`` must have rank i's size)."""
    check_tensor_list(tensor_list, "tensor_list")
    check_tensor(tensor, "tensor")
    pg = _group(group, "all_gather")
    if pg is None:
        return None
    check_same_dtype("all_gather", tensor, *tensor_list)
    if len(tensor_list) != pg.size():
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors; it must "
                         f"have one for each of the {pg.size()} ranks of the group")
    for t in tensor_list:
        check_writeable(t, "all_gather", "tensor_list")
    arr = tensor._data

    def job():
        rows = exchange(pg, row("all_gather", -1, None, arr, shapes_hash(tensor_list)),
                        same_shape=False)
        for rank, (out, theirs) in enumerate(zip(tensor_list, rows)):
            if out._data.size != theirs[6]:
                raise RuntimeError(
                    f"all_gather: tensor_list[{rank}] has shape {list(out.shape)} but rank "
                    f"{pg._ranks[rank]} sends a tensor of shape {shape_of(theirs)}")
        counts = [int(r[6]) for r in rows]
        flat = np.empty(sum(counts), dtype=arr.dtype)
        send, _ = contiguous(arr)
        pg._comm.Allgatherv(_mpi.message(send), vector(flat, counts))
        offset = 0
        for out, count in zip(tensor_list, counts):
            np.copyto(out._data, flat[offset:offset + count].reshape(out._data.shape))
            offset += count

    return launch("all_gather", pg, job, tensor_list, async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op: bool = False):
    """Every rank's ``input_tensor``, concatenated (or stacked) in rank order into
    ``output_tensor``."""
    check_tensor(output_tensor, "output_tensor")
    check_tensor(input_tensor, "input_tensor")
    pg = _group(group, "all_gather_into_tensor")
    if pg is None:
        return None
    check_same_dtype("all_gather_into_tensor", output_tensor, input_tensor)
    out, arr = output_tensor._data, input_tensor._data
    if out.size != arr.size * pg.size():
        raise ValueError(
            f"all_gather_into_tensor: output tensor size must be equal to world_size times "
            f"input tensor size: output {list(out.shape)}, input {list(arr.shape)}, "
            f"world_size {pg.size()}")
    check_writeable(output_tensor, "all_gather_into_tensor", "output_tensor")

    signature = row("all_gather_into_tensor", -1, None, arr)

    def job():
        recv, write_back = contiguous(out)
        send, _ = contiguous(arr)
        pg._comm.Allgather(_mpi.message(send), _mpi.blocks(recv, pg.size()))
        write_back()

    return launch("all_gather_into_tensor", pg, job, [output_tensor], async_op, signature)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``input_list[i]`` across the ranks into ``output`` on rank i."""
    check_tensor(output, "output")
    check_tensor_list(input_list, "input_list")
    pg = _group(group, "reduce_scatter")
    if pg is None:
        return None
    check_same_dtype("reduce_scatter", output, *input_list)
    if len(input_list) != pg.size():
        raise ValueError(f"reduce_scatter: input_list has {len(input_list)} tensors; it must "
                         f"have one for each of the {pg.size()} ranks of the group")
    out = output._data
    name = check_reduce_op(op, out, "reduce_scatter")
    check_writeable(output, "reduce_scatter", "output")
    mpi_op = _mpi.reduction_op(name, out.dtype.kind == "b")

    def job():
        rows = exchange(pg, row("reduce_scatter", -1, op, out, shapes_hash(input_list)),
                        same_shape=False)
        for rank, (piece, theirs) in enumerate(zip(input_list, rows)):
            if piece._data.size != theirs[6]:
                raise RuntimeError(
                    f"reduce_scatter: input_list[{rank}] has shape {list(piece.shape)} but "
                    f"rank {pg._ranks[rank]} receives into an output of shape "
                    f"{shape_of(theirs)}")
        send, _ = reducible(np.concatenate([p._data.reshape(-1) for p in input_list]))
        recv, write_back = reducible(out)
        pg._comm.Reduce_scatter(send, recv, [int(r[6]) for r in rows], mpi_op)
        if name == "AVG":
            divide(recv, pg.size())
        write_back()

    return launch("reduce_scatter", pg, job, [output], async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input`` across the ranks and give rank i the i-th of its world_size equal
    chunks, in ``output``."""
    check_tensor(output, "output")
    check_tensor(input, "input")
    pg = _group(group, "reduce_scatter_tensor")
    if pg is None:
        return None
    check_same_dtype("reduce_scatter_tensor", output, input)
    out, arr = output._data, input._data
    if arr.size != out.size * pg.size():
        raise ValueError(
            f"reduce_scatter_tensor: input tensor size must be equal to world_size times "
            f"output tensor size: input {list(arr.shape)}, output {list(out.shape)}, "
            f"world_size {pg.size()}")
    name = check_reduce_op(op, out, "reduce_scatter_tensor")
    check_writeable(output, "reduce_scatter_tensor", "output")
    mpi_op = _mpi.reduction_op(name, out.dtype.kind == "b")

    signature = row("reduce_scatter_tensor", -1, op, arr)

    def job():
        send, _ = reducible(arr)
        recv, write_back = reducible(out)
        pg._comm.Reduce_scatter_block(send, recv, mpi_op)
        if name == "AVG":
            divide(recv, pg.size())
        write_back()

    return launch("reduce_scatter_tensor", pg, job, [output], async_op, signature)


def gather(tensor, gather_list=None, dst: int | None = None, group=None,
           async_op: bool = False, group_dst: int | None = None):
    """Every rank's ``tensor`` into ``gather_list`` on rank ``dst``."""
    check_tensor(tensor, "tensor")
    if gather_list is not None:
        check_tensor_list(gather_list, "gather_list")
    pg = _group(group, "gather")
    if pg is None:
        return None
    root = group_rank(pg, dst, group_dst, "dst")
    is_root = pg.rank() == root
    if is_root and not gather_list:
        raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    if not is_root and gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination "
                         "ranks.")
    arr = tensor._data
    if is_root:
        check_same_dtype("gather", tensor, *gather_list)
        if len(gather_list) != pg.size():
            raise ValueError(f"gather: gather_list has {len(gather_list)} tensors; it must "
                             f"have one for each of the {pg.size()} ranks of the group")

    def job():
        rows = exchange(pg, row("gather", root, None, arr), same_shape=False)
        problem = ""
        if is_root:
            for rank, (out, theirs) in enumerate(zip(gather_list, rows)):
                if out._data.size != theirs[6]:
                    problem = (f"gather: gather_list[{rank}] has shape {list(out.shape)} but "
                               f"rank {pg._ranks[rank]} sends shape {shape_of(theirs)}")
        if not agree_flag(pg, not problem, root):
            raise RuntimeError(problem or "gather: the destination rank's gather_list does not "
                               "match the tensors the ranks send (see its error)")
        send, _ = contiguous(arr)
        if is_root:
            counts = [int(r[6]) for r in rows]
            flat = np.empty(sum(counts), dtype=arr.dtype)
            pg._comm.Gatherv(_mpi.message(send), vector(flat, counts), root)
            offset = 0
            for out, count in zip(gather_list, counts):
                np.copyto(out._data, flat[offset:offset + count].reshape(out._data.shape))
                offset += count
        else:
            pg._comm.Gatherv(_mpi.message(send), None, root)

    return launch("gather", pg, job, gather_list or [], async_op)


def scatter(tensor, scatter_list=None, src: int | None = None, group=None,
            async_op: bool = False, group_src: int | None = None):
    """``scatter_list[i]`` on rank ``src`` into ``tensor`` on rank i."""
    check_tensor(tensor, "tensor")
    if scatter_list is not None:
        check_tensor_list(scatter_list, "scatter_list")
    pg = _group(group, "scatter")
    if pg is None:
        return None
    root = group_rank(pg, src, group_src, "src")
    is_root = pg.rank() == root
    if is_root and not scatter_list:
        raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
    if not is_root and scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source "
                         "ranks.")
    out = tensor._data
    check_writeable(tensor, "scatter")
    if is_root:
        check_same_dtype("scatter", tensor, *scatter_list)
        if len(scatter_list) != pg.size():
            raise ValueError(f"scatter: scatter_list has {len(scatter_list)} tensors; it must "
                             f"have one for each of the {pg.size()} ranks of the group")

    def job():
        rows = exchange(pg, row("scatter", root, None, out), same_shape=False)
        problem = ""
        if is_root:
            for rank, (piece, theirs) in enumerate(zip(scatter_list, rows)):
                if piece._data.size != theirs[6]:
                    problem = (f"scatter: scatter_list[{rank}] has shape {list(piece.shape)} "
                               f"but rank {pg._ranks[rank]} receives into shape "
                               f"{shape_of(theirs)}")
        if not agree_flag(pg, not problem, root):
            raise RuntimeError(problem or "scatter: the source rank's scatter_list does not "
                               "match the tensors the ranks receive into (see its error)")
        recv, write_back = contiguous(out)
        if is_root:
            flat = np.concatenate([p._data.reshape(-1) for p in scatter_list])
            counts = [int(r[6]) for r in rows]
            pg._comm.Scatterv(vector(flat, counts), _mpi.message(recv), root)
        else:
            pg._comm.Scatterv(None, _mpi.message(recv), root)
        write_back()

    return launch("scatter", pg, job, [tensor], async_op)


def _pairing_problem(pg, name: str, send_counts, recv_counts) -> str:
    """Each rank tells each other how much it sends; '' when it matches what they expect."""
    sent_to_me = np.empty(pg.size(), dtype=np.int64)
    pg._comm.Alltoall(np.asarray(send_counts, dtype=np.int64), sent_to_me)
    for rank, (got, want) in enumerate(zip(sent_to_me, recv_counts)):
        if got != want:
            return (f"{name}: rank {pg._ranks[rank]} sends {int(got)} elements to rank "
                    f"{pg._global_rank}, which expects {int(want)}")
    return ""


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op: bool = False):
    """``input_tensor_list[j]`` of rank i into ``output_tensor_list[i]`` of rank j."""
    check_tensor_list(output_tensor_list, "output_tensor_list")
    check_tensor_list(input_tensor_list, "input_tensor_list")
    pg = _group(group, "all_to_all")
    if pg is None:
        return None
    check_same_dtype("all_to_all", *output_tensor_list, *input_tensor_list)
    for label, tensors in (("output_tensor_list", output_tensor_list),
                           ("input_tensor_list", input_tensor_list)):
        if len(tensors) != pg.size():
            raise ValueError(f"all_to_all: {label} has {len(tensors)} tensors; it must have "
                             f"one for each of the {pg.size()} ranks of the group")
    for t in output_tensor_list:
        check_writeable(t, "all_to_all", "output_tensor_list")
    sample = input_tensor_list[0]._data

    def job():
        exchange(pg, row("all_to_all", -1, None, sample), same_shape=False)
        send_counts = [t._data.size for t in input_tensor_list]
        recv_counts = [t._data.size for t in output_tensor_list]
        problem = _pairing_problem(pg, "all_to_all", send_counts, recv_counts)
        if not agree_flag(pg, not problem):
            raise RuntimeError(problem or "all_to_all: the tensor sizes do not pair up across "
                               "the ranks (see the other ranks' errors)")
        send = np.concatenate([t._data.reshape(-1) for t in input_tensor_list])
        recv = np.empty(sum(recv_counts), dtype=sample.dtype)
        pg._comm.Alltoallv(vector(send, send_counts), vector(recv, recv_counts))
        offset = 0
        for out, count in zip(output_tensor_list, recv_counts):
            np.copyto(out._data, recv[offset:offset + count].reshape(out._data.shape))
            offset += count

    return launch("all_to_all", pg, job, output_tensor_list, async_op)


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None,
                      group=None, async_op: bool = False):
    """Split ``input`` along dim 0 (evenly, or by ``input_split_sizes``), send piece j to
    rank j, and concatenate what arrives into ``output``."""
    check_tensor(output, "output")
    check_tensor(input, "input")
    pg = _group(group, "all_to_all_single")
    if pg is None:
        return None
    check_same_dtype("all_to_all_single", output, input)
    out, arr = output._data, input._data
    size = pg.size()
    send_rows = _splits(arr, input_split_sizes, size, "input")
    recv_rows = _splits(out, output_split_sizes, size, "output")
    check_writeable(output, "all_to_all_single", "output")
    send_row = arr.size // arr.shape[0] if arr.ndim and arr.shape[0] else 1
    recv_row = out.size // out.shape[0] if out.ndim and out.shape[0] else 1

    def job():
        exchange(pg, row("all_to_all_single", -1, None, arr), same_shape=False)
        send_counts = [r * send_row for r in send_rows]
        recv_counts = [r * recv_row for r in recv_rows]
        problem = _pairing_problem(pg, "all_to_all_single", send_counts, recv_counts)
        if not agree_flag(pg, not problem):
            raise RuntimeError(problem or "all_to_all_single: the split sizes do not pair up "
                               "across the ranks (see the other ranks' errors)")
        send, _ = contiguous(arr)
        recv, write_back = contiguous(out)
        pg._comm.Alltoallv(vector(send.reshape(-1), send_counts),
                           vector(recv.reshape(-1), recv_counts))
        write_back()

    return launch("all_to_all_single", pg, job, [output], async_op)


def _splits(arr, split_sizes, size: int, label: str) -> list:
    rows = arr.shape[0] if arr.ndim else 1
    if split_sizes is None or len(split_sizes) == 0:
        if rows % size:
            raise ValueError(f"all_to_all_single: the {label} tensor's dim 0 ({rows}) must "
                             f"divide evenly by the group size {size} when no "
                             f"{label}_split_sizes are given")
        return [rows // size] * size
    split_sizes = [int(s) for s in split_sizes]
    if len(split_sizes) != size or sum(split_sizes) != rows:
        raise ValueError(f"all_to_all_single: {label}_split_sizes {split_sizes} must have "
                         f"{size} entries summing to the {label} tensor's dim 0 ({rows})")
    return split_sizes


def barrier(group=None, async_op: bool = False, device_ids=None, timeout=None):
    """Wait until every rank of the group has reached the barrier."""
    pg = _group(group, "barrier")
    if pg is None:
        return None

    signature = row("barrier")

    def job():
        pg._comm.Barrier()

    from . import _work
    work = _work.submit("barrier", pg, lambda: checked(pg, signature, job))
    if async_op:
        return work
    work.wait(timeout)
    return None


def monitored_barrier(group=None, timeout=None, wait_all_ranks: bool = False):
    """A barrier that raises after ``timeout`` (the group's timeout by default)."""
    return barrier(group, timeout=timeout)
