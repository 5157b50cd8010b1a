"""Shared by the collectives: argument checks, buffers, and the cross-rank agreement check.

With each collective the ranks exchange a 16-number signature (which call, root, reduce
op, dtype, shape) in one small Allgather, so a rank that passes a tensor of another shape
or dtype, or calls another collective, gets a clear error on every rank instead of a
wrong result. Where the sizes are known up front (all_reduce, broadcast, reduce, the
``_tensor`` forms, barrier) the exchange is a non-blocking Iallgather started just before
the payload and checked just after it, so it adds no synchronisation point (a blocking
Allgather first cost 10-30% of a 25M-float all-reduce here); the list forms need the
sizes first and exchange them before. ``CHAINRULE_DISTRIBUTED_CHECKS=0`` turns the check
off where it is optional (bench/results/distributed.md has its cost).
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from . import _mpi, _work
from .distributed_c10d import ReduceOp, _state, get_group_rank

OPS = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor",
       "reduce_scatter", "reduce_scatter_tensor", "gather", "scatter", "all_to_all",
       "all_to_all_single", "barrier", "all_reduce_coalesced", "broadcast_object_list",
       "all_gather_object", "gather_object", "scatter_object_list"]
_OP_CODE = {name: i for i, name in enumerate(OPS)}
DTYPES = [np.dtype(n) for n in ("bool", "uint8", "int8", "int16", "int32", "int64",
                                "float16", "float32", "float64", "complex64", "complex128",
                                "uint16", "uint32", "uint64")]
_DTYPE_CODE = {d: i for i, d in enumerate(DTYPES)}
_ROW = 16
_MAX_DIMS = 8
_NO_COMPLEX = ("MAX", "MIN", "PRODUCT", "BAND", "BOR", "BXOR")


# ---------------------------------------------------------------------- arguments
def check_tensor(param, name: str) -> None:
    if not isinstance(param, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"torch.Tensor\n             but got {type(param)} instead.")


def check_tensor_list(param, name: str) -> None:
    if not isinstance(param, list):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[torch.Tensor]\n             but got {type(param)} instead.")
    if not all(isinstance(p, Tensor) for p in param):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"List[torch.Tensor]\n             but got {type(param)} with elements "
                        f"of type {[type(p) for p in param]}.")


def check_writeable(tensor: Tensor, op_name: str, name: str = "tensor") -> None:
    if not tensor._data.flags.writeable:
        raise RuntimeError(f"{op_name}: `{name}` (shape {list(tensor.shape)}) is a read-only or "
                           "expanded view and cannot receive data in place; pass a tensor "
                           "with its own storage (e.g. .clone())")


def check_same_dtype(op_name: str, *tensors) -> None:
    dtypes = {t._data.dtype for t in tensors}
    if len(dtypes) > 1:
        raise ValueError(f"{op_name}: Invalid usage of tensors with different dtypes: found "
                         f"{sorted(str(Tensor._make(np.empty(0, d)).dtype) for d in dtypes)}")


def check_reduce_op(op, arr, op_name: str) -> str:
    """The op's name, after torch's checks for complex and bool tensors."""
    if not isinstance(op, ReduceOp.RedOpType):
        raise TypeError(f"{op_name}: op must be a ReduceOp (e.g. ReduceOp.SUM), got {op!r}")
    name = op.name
    if name in ("PREMUL_SUM", "UNUSED"):
        raise ValueError(f"{op_name}: ReduceOp.{name} is not supported on the MPI backend")
    if arr.dtype.kind == "c" and name in _NO_COMPLEX:
        raise ValueError(f"{op_name} does not support {op} on complex tensors")
    if arr.dtype.kind == "b" and name == "AVG":
        raise RuntimeError(f"{op_name}: Cannot use ReduceOp.AVG with boolean inputs")
    if arr.dtype.kind in "fc" and name in ("BAND", "BOR", "BXOR"):
        raise RuntimeError(f"{op_name}: ReduceOp.{name} needs integer or bool tensors, got "
                           f"{dtype_name(arr.dtype)}")
    return name


def group_rank(pg, global_rank, given_group_rank, role: str) -> int:
    """torch's _canonicalize_group_rank: a group rank from src/dst or group_src/group_dst."""
    if given_group_rank is not None:
        if global_rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
        if not 0 <= given_group_rank < pg.size():
            raise ValueError(f"Group rank {given_group_rank} is not part of group {pg}")
        return int(given_group_rank)
    if global_rank is None:
        raise ValueError("Must specify global_rank or group_rank")
    return get_group_rank(pg, int(global_rank))


def dtype_name(np_dtype) -> str:
    return str(Tensor._make(np.empty(0, np_dtype)).dtype)


# ---------------------------------------------------------------------- buffers
def contiguous(arr):
    """(a C-contiguous array holding arr's values, a function writing it back into arr)."""
    if arr.flags.c_contiguous:
        return arr, _nothing
    tmp = np.ascontiguousarray(arr)
    return tmp, lambda: np.copyto(arr, tmp)


def reducible(arr):
    """(a contiguous array MPI can reduce, a function writing it back into arr): float16
    reduces in float32 where the MPI library has no 16-bit float type."""
    if _mpi.datatype(arr.dtype) is None:
        tmp = arr.astype(np.float32)
        return tmp, lambda: np.copyto(arr, tmp, casting="unsafe")
    return contiguous(arr)


def divide(buf, count: int) -> None:
    """ReduceOp.AVG after a SUM: true division for floats, truncating for integers."""
    if buf.dtype.kind in "fc":
        buf /= count
    else:
        np.copyto(buf, np.sign(buf) * (np.abs(buf) // count), casting="unsafe")


def vector(flat, counts, displs=None):
    """A mpi4py vector message ``[buffer, counts, displacements, datatype]``."""
    MPI = _mpi.load()
    counts = [int(c) for c in counts]
    if displs is None:
        displs = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(int).tolist()
    mpi_type = _mpi.datatype(flat.dtype)
    if mpi_type is None:
        size = flat.dtype.itemsize
        return [flat.view("u1"), [c * size for c in counts], [d * size for d in displs],
                MPI.BYTE]
    return [flat, counts, displs, mpi_type]


def _nothing() -> None:
    return None


# ---------------------------------------------------------------------- agreement
def row(op_name: str, root: int = -1, redop=None, arr=None, extra: int = 0):
    """This rank's signature for a collective."""
    out = np.full(_ROW, -1, dtype=np.int64)
    out[0] = _OP_CODE[op_name]
    out[1] = root
    out[2] = -1 if redop is None else redop.value
    out[3] = extra & 0x7FFFFFFFFFFFFFFF
    if arr is not None:
        out[4] = _DTYPE_CODE.get(arr.dtype, 99)
        out[5] = arr.ndim
        out[6] = arr.size
        dims = arr.shape[:_MAX_DIMS]
        out[7:7 + len(dims)] = dims
    return out


def shape_of(signature) -> list:
    ndim = int(signature[5])
    if ndim > _MAX_DIMS:
        return [f"<{ndim} dims, {int(signature[6])} elements>"]
    return [int(d) for d in signature[7:7 + ndim]]


def exchange(pg, mine, same_shape: bool = True, same_dtype: bool = True):
    """Allgather every rank's signature (on the communication thread) and raise the same
    clear error on every rank when they disagree; the rows, one a rank."""
    rows = np.empty((pg.size(), _ROW), dtype=np.int64)
    pg._comm.Allgather(mine, rows)
    _verify(pg, rows, same_shape, same_dtype)
    return rows


def _verify(pg, rows, same_shape: bool = True, same_dtype: bool = True) -> None:
    first = rows[0]
    for other in rows:
        if other[0] != first[0]:
            calls = ", ".join(f"rank {pg._ranks[r]} called {OPS[int(o[0])]}"
                              if 0 <= o[0] < len(OPS) else f"rank {pg._ranks[r]} called ?"
                              for r, o in enumerate(rows))
            raise RuntimeError(f"chainrule.distributed: the ranks of the group made different "
                               f"collective calls: {calls}")
        name = OPS[int(first[0])]
        for index, label in ((1, "src/dst rank (as a group rank)"), (2, "reduce op"),
                             (3, "list of tensor shapes")):
            if other[index] != first[index]:
                values = ", ".join(f"rank {pg._ranks[r]} gave "
                                   f"{_describe_field(index, int(o[index]))}"
                                   for r, o in enumerate(rows))
                raise RuntimeError(f"{name}: the ranks of the group disagree on the "
                                   f"{label}: {values}")
        differs = (same_dtype and other[4] != first[4]) or (
            same_shape and not np.array_equal(other[5:], first[5:]))
        if differs:
            tensors = ", ".join(f"rank {pg._ranks[r]} has shape {shape_of(o)} and dtype "
                                f"{_dtype_label(int(o[4]))}" for r, o in enumerate(rows))
            raise RuntimeError(f"{name}: the tensors differ across the ranks of the group: "
                               f"{tensors}; every rank must pass a tensor of the same shape "
                               "and dtype")


def checked(pg, mine, payload) -> None:
    """Run ``payload()`` (blocking MPI calls) after or alongside the agreement check:
    the signatures travel in an Iallgather; for a small payload it is waited for first
    (one small collective, no thread hop), for a large one (over 1 MiB) it is checked on
    the checking thread while the payload runs, so it adds no synchronisation point and
    fails the Work at once if the payload gets stuck. Skipped when
    CHAINRULE_DISTRIBUTED_CHECKS=0."""
    if not _state.checks:
        payload()
        return
    rows = np.empty((pg.size(), _ROW), dtype=np.int64)
    request = pg._comm.Iallgather(mine, rows)   # non-blocking on both paths: they match
    code = int(mine[4])
    nbytes = int(mine[6]) * DTYPES[code].itemsize if 0 <= code < len(DTYPES) else 0
    if nbytes <= _OVERLAP_BYTES:
        request.Wait()
        _verify(pg, rows)
        payload()
        return
    verdict = _work.check_later(request, lambda: _verify(pg, rows))
    try:
        payload()
    except Exception:
        verdict.settle()   # a mismatch explains an MPI error better than MPI does
        raise
    verdict.settle()


_OVERLAP_BYTES = 1 << 20


def _describe_field(index: int, value: int) -> str:
    if index == 2:
        return "none" if value < 0 else f"ReduceOp.{ReduceOp.RedOpType(value).name}"
    if index == 3:
        return f"shapes with hash {value:#x}"
    return str(value)


def _dtype_label(code: int) -> str:
    return dtype_name(DTYPES[code]) if 0 <= code < len(DTYPES) else "?"


def shapes_hash(tensors) -> int:
    return hash(tuple(tuple(t._data.shape) for t in tensors)) & 0x7FFFFFFFFFFFFFFF


def agree_flag(pg, ok: bool, root: int | None = None) -> bool:
    """Whether every rank (or the root) found its local checks passed."""
    MPI = _mpi.load()
    flag = np.array([1 if ok else 0], dtype=np.int32)
    if root is None:
        pg._comm.Allreduce(MPI.IN_PLACE, flag, MPI.MIN)
    else:
        pg._comm.Bcast(flag, root)
    return bool(flag[0])


def launch(op_name: str, pg, job, outputs, async_op: bool, signature=None):
    """Run ``job`` on the communication thread (with the overlapped agreement check on
    ``signature`` when given); its Work if ``async_op``, else wait for it."""
    if signature is not None:
        payload = job

        def job():
            checked(pg, signature, payload)
    work = _work.submit(op_name, pg, job, outputs)
    if async_op:
        return work
    work.wait()
    return None
