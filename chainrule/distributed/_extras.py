"""The smaller helpers of torch.distributed: subgroups, counts, backend defaults."""
from __future__ import annotations

from .distributed_c10d import ReduceOp, _default, _state, get_rank, get_world_size, new_group

__all__ = ["supports_complex", "get_pg_count", "get_default_backend_for_device",
           "new_subgroups", "new_subgroups_by_enumeration"]


def supports_complex(reduceOp) -> bool:
    """Whether a ReduceOp works on complex tensors (torch's rule)."""
    return reduceOp not in (ReduceOp.MAX, ReduceOp.MIN, ReduceOp.PRODUCT, ReduceOp.BAND,
                            ReduceOp.BOR, ReduceOp.BXOR)


def get_pg_count() -> int:
    """How many process groups this rank has made (the default one included)."""
    return _state.next_name if _state.world is not None else 0


def get_default_backend_for_device(device) -> str:
    """The backend for a device type: "mpi" for the CPU (the only device here)."""
    kind = device if isinstance(device, str) else getattr(device, "type", str(device))
    if kind.split(":")[0] != "cpu":
        raise RuntimeError(f"Default backend not registered for device : {device}")
    return "mpi"


def new_subgroups_by_enumeration(ranks_per_subgroup_list, timeout=None, backend=None,
                                 pg_options=None, group_desc=None):
    """One new group per list of ranks; (this rank's group, all the groups). Every rank
    calls it."""
    if not ranks_per_subgroup_list:
        raise ValueError("The arg 'ranks_per_subgroup_list' cannot be empty")
    _default()
    rank = get_rank()
    current, groups, seen = None, [], set()
    for ranks in ranks_per_subgroup_list:
        for member in ranks:
            if member in seen:
                raise ValueError(f"Rank {member} has appeared in both subgroup "
                                 f"{[r for r in ranks_per_subgroup_list if member in r][0]} "
                                 f"and {ranks}")
            seen.add(member)
        made = new_group(ranks, timeout=timeout, backend=backend, pg_options=pg_options)
        groups.append(made)
        if rank in ranks:
            current = made
    return current, groups


def new_subgroups(group_size=None, group=None, timeout=None, backend=None, pg_options=None,
                  group_desc=None):
    """Split the world into consecutive groups of ``group_size`` ranks; (this rank's
    group, all the groups)."""
    world = get_world_size(group)
    if group_size is None:
        raise ValueError("new_subgroups: give group_size (there are no devices to count on "
                         "the CPU)")
    if group_size <= 0:
        raise ValueError(f"The arg 'group_size' ({group_size}) must be positive")
    if world % group_size:
        raise ValueError(f"The world size ({world}) must be divisible by 'group_size={group_size}'")
    return new_subgroups_by_enumeration(
        [list(range(start, start + group_size)) for start in range(0, world, group_size)],
        timeout=timeout, backend=backend, pg_options=pg_options)
