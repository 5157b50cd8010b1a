"""Process groups on MPI communicators: init, groups, ranks, ReduceOp, Backend."""
from __future__ import annotations

import enum
import os
import sys
import warnings
from datetime import timedelta

from . import _mpi, _work

__all__ = [
    "Backend", "ReduceOp", "ProcessGroup", "GroupMember", "group", "default_pg_timeout",
    "is_available", "is_mpi_available", "is_nccl_available", "is_gloo_available",
    "is_ucc_available", "is_xccl_available", "is_torchelastic_launched", "is_initialized",
    "is_backend_available", "init_process_group", "destroy_process_group", "new_group",
    "get_rank", "get_world_size", "get_backend", "get_process_group_ranks",
    "get_group_rank", "get_global_rank", "get_node_local_rank",
]

default_pg_timeout = timedelta(minutes=30)


class Backend(str):
    """A backend name (torch's class): ``Backend("mpi") == Backend.MPI == "mpi"``."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"

    def __new__(cls, name: str):
        if not isinstance(name, str):
            raise ValueError(f"Backend name must be a string, but got: {name}")
        value = getattr(Backend, name.upper(), Backend.UNDEFINED)
        if value == Backend.UNDEFINED:
            value = name.lower()
        return str.__new__(cls, value)


class ReduceOp:
    """Reduction operations for collectives: SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR."""

    class RedOpType(enum.Enum):
        SUM = 0
        AVG = 1
        PRODUCT = 2
        MIN = 3
        MAX = 4
        BAND = 5
        BOR = 6
        BXOR = 7
        PREMUL_SUM = 8
        UNUSED = 9

    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM
    UNUSED = RedOpType.UNUSED


class ProcessGroup:
    """A group of ranks and the MPI communicator their collectives run on."""

    def __init__(self, comm, ranks: list, timeout: float, name: str, global_rank: int):
        self._comm = comm
        self._ranks = list(ranks)
        self._timeout = timeout
        self._name = name
        self._global_rank = global_rank

    def rank(self) -> int:
        return self._comm.Get_rank()

    def size(self) -> int:
        return len(self._ranks)

    def name(self) -> str:
        return "mpi"

    @property
    def group_name(self) -> str:
        return self._name

    def _get_backend_name(self) -> str:
        return "mpi"

    def __repr__(self) -> str:
        return f"ProcessGroup(backend=mpi, name={self._name!r}, ranks={self._ranks})"


class _State:
    world: ProcessGroup | None = None
    groups: dict = {}          # name -> ProcessGroup, the world included
    next_name = 0
    checks = True
    hook_installed = False


_state = _State()


class _WorldMeta(type):
    @property
    def WORLD(cls) -> ProcessGroup | None:
        return _state.world


class group(metaclass=_WorldMeta):
    """``group.WORLD``: the default process group (None before init_process_group)."""


class GroupMember(metaclass=_WorldMeta):
    """``GroupMember.WORLD`` and ``GroupMember.NON_GROUP_MEMBER``, the value new_group gives
    ranks outside the new group."""

    NON_GROUP_MEMBER = -100


# ---------------------------------------------------------------------- availability
def is_available() -> bool:
    """Whether the distributed package can run here (mpi4py importable)."""
    return _mpi.available()


def is_mpi_available() -> bool:
    return _mpi.available()


def is_nccl_available() -> bool:
    return False


def is_gloo_available() -> bool:
    return False


def is_ucc_available() -> bool:
    return False


def is_xccl_available() -> bool:
    return False


def is_backend_available(backend: str) -> bool:
    return str(backend).lower() == "mpi" and _mpi.available()


def is_torchelastic_launched() -> bool:
    return os.environ.get("TORCHELASTIC_RUN_ID") is not None


def is_initialized() -> bool:
    """Whether init_process_group has run (and destroy_process_group has not)."""
    return _state.world is not None


# ---------------------------------------------------------------------- init
def _resolve_backend(backend) -> str:
    if backend is None:
        return "mpi"
    name = str(backend).lower()
    # "cpu:gloo,cuda:nccl" style: keep the CPU entry
    if ":" in name:
        entries = dict(part.split(":", 1) for part in name.split(",") if ":" in part)
        name = entries.get("cpu", name)
    if name in ("mpi", "gloo"):
        return "mpi"   # gloo programs run unchanged, on MPI (docs/differences.md)
    if name == "nccl":
        raise RuntimeError("Distributed package doesn't have NCCL built in")
    raise ValueError(f"Invalid backend: '{backend}'; chainrule.distributed runs on 'mpi' "
                     "(and accepts 'gloo' as a name for it)")


def _seconds(timeout, default: float) -> float:
    if timeout is None:
        return default
    if not isinstance(timeout, timedelta):
        raise TypeError("Expected timeout argument to be of type"
                        f"datetime.timedelta, got {timeout}")
    return timeout.total_seconds()


def _env_int(name: str):
    value = os.environ.get(name)
    return None if value in (None, "") else int(value)


def init_process_group(backend: str | None = None, init_method: str | None = None,
                       timeout: timedelta | None = None, world_size: int = -1,
                       rank: int = -1, store=None, group_name: str = "", pg_options=None,
                       device_id=None, _ranks=None) -> None:
    """Join the MPI job as one rank of the default process group.

    Rank and world size come from ``MPI.COMM_WORLD`` (launch with ``mpirun -n N`` or
    ``python -m chainrule.distributed.run``); explicit ``rank``/``world_size`` and the
    ``RANK``/``WORLD_SIZE`` environment variables are checked against them.
    ``init_method`` and ``store`` are accepted and unused: MPI does the rendezvous.
    """
    if is_initialized():
        raise ValueError("trying to initialize the default process group twice!")
    _resolve_backend(backend)
    seconds = _seconds(timeout, default_pg_timeout.total_seconds())
    MPI = _mpi.load()
    if MPI.Query_thread() < MPI.THREAD_MULTIPLE:
        raise RuntimeError(
            "chainrule.distributed needs an MPI library initialised with "
            "MPI_THREAD_MULTIPLE; this one provides level "
            f"{MPI.Query_thread()} (rebuild MPI with thread support)")
    world = MPI.COMM_WORLD
    mpi_rank, mpi_size = world.Get_rank(), world.Get_size()
    launch = ("launch the ranks with `mpirun -n N python script.py` or "
              "`python -m chainrule.distributed.run --nproc-per-node N script.py`")
    for label, given, actual in (("world_size", world_size, mpi_size), ("rank", rank, mpi_rank),
                                 ("WORLD_SIZE", _env_int("WORLD_SIZE"), mpi_size),
                                 ("RANK", _env_int("RANK"), mpi_rank)):
        if given is not None and given != -1 and given != actual:
            where = "argument" if label.islower() else "environment variable"
            raise ValueError(
                f"init_process_group: the {label} {where} is {given} but MPI says this "
                f"process is rank {mpi_rank} of {mpi_size}; {launch}")
    comm = world.Dup()
    comm.Set_errhandler(MPI.ERRORS_RETURN)
    _state.world = ProcessGroup(comm, range(mpi_size), seconds, "0", mpi_rank)
    _state.groups = {"0": _state.world}
    _state.next_name = 1
    _state.checks = os.environ.get("CHAINRULE_DISTRIBUTED_CHECKS", "1") not in ("0", "off")
    _install_excepthook(mpi_rank)


def _install_excepthook(rank: int) -> None:
    if _state.hook_installed:
        return
    _state.hook_installed = True
    previous = sys.excepthook

    def hook(kind, value, traceback):
        previous(kind, value, traceback)
        sys.stderr.write(f"chainrule.distributed: rank {rank} failed: "
                         f"{kind.__name__}: {value}\n")
        sys.stderr.flush()
        _mpi.load().COMM_WORLD.Abort(1)

    sys.excepthook = hook


def _default() -> ProcessGroup:
    if _state.world is None:
        raise ValueError("Default process group has not been initialized, "
                         "please make sure to call init_process_group.")
    return _state.world


def _resolve(group) -> ProcessGroup | None:
    """The ProcessGroup to run on; None for a rank outside the group."""
    if group is None or group is _state.world:
        return _default()
    if group == GroupMember.NON_GROUP_MEMBER:
        return None
    _default()
    if not isinstance(group, ProcessGroup):
        raise TypeError(f"group must be a ProcessGroup, got {type(group).__name__}")
    if group._comm is None:
        raise ValueError("The given group has been destroyed (destroy_process_group)")
    return group


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization: bool = False, group_desc=None, device_id=None,
              sort_ranks: bool = True):
    """A process group of some ranks, on its own MPI communicator. Every rank of the
    default group calls it (only the members when ``use_local_synchronization``); ranks
    outside get ``GroupMember.NON_GROUP_MEMBER``."""
    world = _default()
    if backend is not None:
        _resolve_backend(backend)
    size = world.size()
    members = list(range(size)) if ranks is None else [int(r) for r in ranks]
    if sort_ranks:
        members = sorted(members)
    for member in members:
        if not 0 <= member < size:
            raise ValueError("The new group's rank should be within the world_size set by "
                             f"init_process_group (got rank {member}, world_size {size})")
    if len(set(members)) != len(members):
        raise ValueError(f"new_group: ranks must not repeat, got {members}")
    name = str(_state.next_name)
    _state.next_name += 1
    seconds = _seconds(timeout, world._timeout)
    me = world._global_rank
    if me not in members:
        return GroupMember.NON_GROUP_MEMBER
    MPI = _mpi.load()
    made = []

    def create():  # on the communication thread, in order with the queued collectives
        world_group = world._comm.Get_group()
        sub = world_group.Incl(members)
        comm = world._comm.Create_group(sub, tag=int(name) % 32768)
        sub.Free()
        world_group.Free()
        comm.Set_errhandler(MPI.ERRORS_RETURN)
        made.append(comm)

    _work.submit("new_group", world, create).wait()
    comm = made[0]
    pg = ProcessGroup(comm, members, seconds, name, me)
    _state.groups[name] = pg
    return pg


def destroy_process_group(group=None) -> None:
    """Free a group's communicator; with no argument, every group and the default one."""
    if group == GroupMember.NON_GROUP_MEMBER:
        return
    pg = _resolve(group)
    if group is None or pg is _state.world:
        for each in list(_state.groups.values()):
            _free(each)
        _state.groups = {}
        _state.world = None
    else:
        _free(pg)
        _state.groups.pop(pg._name, None)


def _free(pg: ProcessGroup) -> None:
    comm, pg._comm = pg._comm, None
    if comm is not None and not _work._broken[0]:
        _work.submit("destroy_process_group", pg, comm.Free).wait()


# ---------------------------------------------------------------------- ranks
def get_rank(group=None) -> int:
    """This process's rank in ``group`` (the default group by default); -1 outside it."""
    if group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return _resolve(group).rank()


def get_world_size(group=None) -> int:
    """The number of ranks in ``group``; -1 for a rank outside it."""
    if group == GroupMember.NON_GROUP_MEMBER:
        return -1
    return _resolve(group).size()


def get_backend(group=None) -> Backend:
    if group == GroupMember.NON_GROUP_MEMBER:
        raise ValueError("Invalid process group specified")
    _resolve(group)
    return Backend("mpi")


def get_process_group_ranks(group) -> list:
    """The global ranks of a group's members, in group-rank order."""
    return list(_resolve(group)._ranks)


def get_group_rank(group, global_rank: int) -> int:
    pg = _resolve(group)
    if global_rank not in pg._ranks:
        raise ValueError(f"Global rank {global_rank} is not part of group {pg}")
    return pg._ranks.index(global_rank)


def get_global_rank(group, group_rank: int) -> int:
    pg = _resolve(group)
    if not 0 <= group_rank < len(pg._ranks):
        raise ValueError(f"Group rank {group_rank} is not part of group {pg}")
    return pg._ranks[group_rank]


def get_node_local_rank(fallback_rank: int | None = None) -> int:
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank "
                       "to allow `get_node_local_rank` to work, assuming you are not running "
                       "in a multi-device context and want the code to run locally instead.")


def _warn_not_in_group(op_name: str) -> None:
    world = _state.world
    rank = -1 if world is None else world._global_rank
    warnings.warn(f"Running {op_name} on global rank {rank} which does not belong to the "
                  "given group.", stacklevel=3)
