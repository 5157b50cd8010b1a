"""Worker for the failure cases: `raise` (rank 1 raises while rank 0 waits in a
collective), `timeout` (a collective and a receive that never complete) and `mismatch`
(ranks calling different collectives, which can leave MPI stuck)."""
import sys
import time
from datetime import timedelta


def main(mode):
    import chainrule as torch
    import chainrule.distributed as dist

    dist.init_process_group("mpi", timeout=timedelta(seconds=2 if mode == "timeout" else 60))
    rank = dist.get_rank()
    print(f"started rank {rank}", flush=True)
    if mode == "raise":
        if rank == 1:
            raise ValueError("boom on purpose")
        dist.all_reduce(torch.ones(3))
        print("unreachable: all_reduce returned", flush=True)
    elif mode == "timeout":
        start = time.monotonic()
        try:
            if rank == 0:
                dist.all_reduce(torch.ones(3))
            else:
                dist.recv(torch.ones(3), src=0)
        except dist.DistBackendError as exc:
            assert isinstance(exc, RuntimeError)
            print(f"TIMEOUT rank {rank} after {time.monotonic() - start:.1f} s: {exc}",
                  flush=True)
    elif mode == "mismatch":
        start = time.monotonic()
        try:
            if rank == 0:
                dist.all_reduce(torch.ones(2))
            else:
                dist.broadcast(torch.ones(2), src=0)
        except RuntimeError as exc:
            print(f"MISMATCH rank {rank} after {time.monotonic() - start:.1f} s: {exc}",
                  flush=True)
    if mode in ("timeout", "mismatch"):
        # let every rank print before the first to exit aborts the job (the group's own
        # communicator is stuck; MPI.COMM_WORLD is another one)
        from mpi4py import MPI
        MPI.COMM_WORLD.Barrier()


if __name__ == "__main__":
    main(sys.argv[1])
