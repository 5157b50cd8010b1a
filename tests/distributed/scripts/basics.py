"""Worker: init, ranks, all_reduce sync/async, broadcast, barrier, send/recv, shape check.
Prints one 'ok <what>' line per check and 'DONE rank r' at the end."""
from datetime import timedelta

import numpy as np


def main():
    import chainrule as torch
    import chainrule.distributed as dist

    dist.init_process_group("mpi", timeout=timedelta(seconds=20))
    rank, size = dist.get_rank(), dist.get_world_size()
    assert dist.is_initialized() and dist.get_backend() == "mpi"
    assert dist.group.WORLD is dist.GroupMember.WORLD is not None

    x = torch.ones(4) * (rank + 1)
    assert dist.all_reduce(x) is None
    np.testing.assert_array_equal(x.numpy(), np.full(4, size * (size + 1) / 2))
    print("ok all_reduce", flush=True)

    work = dist.all_reduce(x, op=dist.ReduceOp.MAX, async_op=True)
    assert work.wait() is True and work.is_completed() and work.is_success()
    assert work.result()[0] is x
    print("ok all_reduce async", flush=True)

    y = torch.arange(3.0) if rank == 0 else torch.zeros(3)
    dist.broadcast(y, src=0)
    np.testing.assert_array_equal(y.numpy(), np.arange(3.0))
    print("ok broadcast", flush=True)
    dist.barrier()
    print("ok barrier", flush=True)

    if rank == 0:
        dist.send(torch.arange(5), dst=1, tag=3)
    elif rank == 1:
        got = torch.zeros(5, dtype=torch.int64)
        assert dist.recv(got, tag=3) == 0
        np.testing.assert_array_equal(got.numpy(), np.arange(5))
    print("ok send/recv", flush=True)

    try:
        dist.all_reduce(torch.ones(rank + 2))
    except RuntimeError as exc:
        assert "rank 0 has shape [2]" in str(exc) and "rank 1 has shape [3]" in str(exc), exc
        print("ok shape mismatch", flush=True)
    z = torch.ones(2)
    dist.all_reduce(z)  # the group still works after the mismatch
    assert z.tolist() == [float(size)] * 2
    dist.destroy_process_group()
    assert not dist.is_initialized()
    print(f"DONE rank {rank}", flush=True)


if __name__ == "__main__":
    main()
