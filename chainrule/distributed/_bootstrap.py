"""What each rank started by ``chainrule.distributed.run`` runs first: set torchrun's
environment variables from MPI, then run the user's script as ``__main__``."""
from __future__ import annotations

import os
import runpy
import sys


def main(argv: list) -> None:
    master_addr, master_port, kind, target, *script_args = argv
    from mpi4py import MPI
    world = MPI.COMM_WORLD
    node = world.Split_type(MPI.COMM_TYPE_SHARED)
    local_rank, local_size = node.Get_rank(), node.Get_size()
    node_leaders = world.Split(0 if local_rank == 0 else MPI.UNDEFINED, world.Get_rank())
    group_rank = node_leaders.Get_rank() if local_rank == 0 else 0
    if local_rank == 0:
        node_leaders.Free()
    group_rank = node.bcast(group_rank, root=0)
    node.Free()
    os.environ.update(RANK=str(world.Get_rank()), WORLD_SIZE=str(world.Get_size()),
                      LOCAL_RANK=str(local_rank), LOCAL_WORLD_SIZE=str(local_size),
                      GROUP_RANK=str(group_rank), MASTER_ADDR=master_addr,
                      MASTER_PORT=master_port)
    if kind == "-m":
        sys.argv = [target, *script_args]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        sys.argv = [target, *script_args]
        sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
        runpy.run_path(target, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
