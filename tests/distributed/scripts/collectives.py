"""Worker: every collective against NumPy, on every dtype, sync and async; groups; object
forms. Prints 'ok <name>' per family and 'DONE rank r'; any failure raises (the
excepthook then aborts the job with a non-zero status)."""
import sys
from datetime import timedelta

import numpy as np

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
          "float64", "complex64", "complex128"]


def data(rank, shape, dtype, salt=0):
    """Rank-dependent values exact in every dtype (small integers)."""
    n = int(np.prod(shape))
    base = (np.arange(n) * (rank + 2) + rank + salt) % 7 + (-3 if dtype.startswith("int") else 0)
    if dtype == "bool":
        return (base % 2 == 1).reshape(shape)
    out = base.astype(dtype).reshape(shape)
    if dtype.startswith("complex"):
        out = out + 1j * (base[::-1].reshape(shape) % 3).astype(dtype)
    return out


def reference(op, arrays):
    stack = np.stack(arrays)
    kind = stack.dtype.kind
    if kind == "b":
        return {"SUM": stack.any(0), "MAX": stack.any(0), "MIN": stack.all(0),
                "PRODUCT": stack.all(0)}[op]
    if op == "SUM":
        return stack.sum(0).astype(stack.dtype)
    if op == "PRODUCT":
        return stack.prod(0).astype(stack.dtype)
    if op == "MIN":
        return stack.min(0)
    if op == "MAX":
        return stack.max(0)
    total = stack.sum(0).astype(stack.dtype)
    if kind in "fc":
        return (total / len(arrays)).astype(stack.dtype)
    return (np.sign(total) * (np.abs(total) // len(arrays))).astype(stack.dtype)


def ops_for(dtype):
    if dtype == "bool":
        return ["SUM", "PRODUCT", "MIN", "MAX"]
    if dtype.startswith("complex"):
        return ["SUM", "AVG"]
    return ["SUM", "AVG", "PRODUCT", "MIN", "MAX"]


def same(got, want, what):
    got = got.numpy()
    if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


def finish(work, async_op):
    if async_op:
        assert work is not None
        work.wait()
        assert work.is_completed()
    else:
        assert work is None


def main():
    import chainrule as torch
    import chainrule.distributed as dist

    dist.init_process_group(backend="gloo", timeout=timedelta(seconds=30))
    rank, size = dist.get_rank(), dist.get_world_size()
    if "--launcher" in sys.argv:
        import os
        assert os.environ["RANK"] == str(rank) and os.environ["WORLD_SIZE"] == str(size)
        assert os.environ["LOCAL_RANK"] == str(rank)
        assert os.environ["LOCAL_WORLD_SIZE"] == str(size)
        assert os.environ["MASTER_ADDR"] and os.environ["MASTER_PORT"]
        print("ok launcher env", flush=True)
    dtypes = DTYPES
    if "--quick" in sys.argv:  # fewer dtypes; float16 as if MPI had no 16-bit float type
        from chainrule.distributed import _mpi
        _mpi._DATATYPES[np.dtype("float16")] = None
        dtypes = ["bool", "int64", "float16", "float32", "complex128"]
    T = torch.from_numpy
    ranks = range(size)
    shape = (2, 3)
    for dtype in dtypes:
        for async_op in (False, True):
            tag = f"{dtype} async={async_op}"
            for op in ops_for(dtype):
                t = T(data(rank, shape, dtype).copy())
                w = dist.all_reduce(t, op=getattr(dist.ReduceOp, op), async_op=async_op)
                finish(w, async_op)
                same(t, reference(op, [data(r, shape, dtype) for r in ranks]),
                     f"all_reduce {op} {tag}")
                t = T(data(rank, shape, dtype).copy())
                w = dist.reduce(t, dst=size - 1, op=getattr(dist.ReduceOp, op),
                                async_op=async_op)
                finish(w, async_op)
                if rank == size - 1:
                    same(t, reference(op, [data(r, shape, dtype) for r in ranks]),
                         f"reduce {op} {tag}")
                out = T(np.zeros(shape, dtype))
                w = dist.reduce_scatter_tensor(
                    out, T(np.concatenate([data(rank, shape, dtype, s) for s in ranks])),
                    op=getattr(dist.ReduceOp, op), async_op=async_op)
                finish(w, async_op)
                same(out, reference(op, [data(r, shape, dtype, rank) for r in ranks]),
                     f"reduce_scatter_tensor {op} {tag}")
                out = T(np.zeros((rank + 1, 2), dtype))
                pieces = [T(data(rank, (s + 1, 2), dtype, s)) for s in ranks]
                w = dist.reduce_scatter(out, pieces, op=getattr(dist.ReduceOp, op),
                                        async_op=async_op)
                finish(w, async_op)
                same(out, reference(op, [data(r, (rank + 1, 2), dtype, rank) for r in ranks]),
                     f"reduce_scatter {op} {tag}")
            # broadcast from the last rank, into a non-contiguous view
            base = T(np.zeros((3, 4), dtype) if rank else data(0, (3, 4), dtype))
            target = base.t() if rank != size - 1 else T(data(size - 1, (3, 4), dtype).T.copy())
            w = dist.broadcast(target, src=size - 1, async_op=async_op)
            finish(w, async_op)
            same(target, data(size - 1, (3, 4), dtype).T, f"broadcast {tag}")
            # all_gather (uneven sizes) and all_gather_into_tensor (concat and stack)
            outs = [T(np.zeros((r + 1,), dtype)) for r in ranks]
            w = dist.all_gather(outs, T(data(rank, (rank + 1,), dtype)), async_op=async_op)
            finish(w, async_op)
            for r in ranks:
                same(outs[r], data(r, (r + 1,), dtype), f"all_gather {tag}")
            for out_shape in ((size * 2, 3), (size, 2, 3)):
                out = T(np.zeros(out_shape, dtype))
                w = dist.all_gather_into_tensor(out, T(data(rank, shape, dtype)),
                                                async_op=async_op)
                finish(w, async_op)
                want = np.stack([data(r, shape, dtype) for r in ranks]).reshape(out_shape)
                same(out, want, f"all_gather_into_tensor {out_shape} {tag}")
            # gather to rank 0, scatter from rank 1 % size
            glist = [T(np.zeros((r + 2,), dtype)) for r in ranks] if rank == 0 else None
            w = dist.gather(T(data(rank, (rank + 2,), dtype)), glist, dst=0, async_op=async_op)
            finish(w, async_op)
            if rank == 0:
                for r in ranks:
                    same(glist[r], data(r, (r + 2,), dtype), f"gather {tag}")
            src = 1 % size
            slist = [T(data(src, (2,), dtype, r)) for r in ranks] if rank == src else None
            out = T(np.zeros((2,), dtype))
            w = dist.scatter(out, slist, src=src, async_op=async_op)
            finish(w, async_op)
            same(out, data(src, (2,), dtype, rank), f"scatter {tag}")
            # all_to_all: rank i sends (i + j + 1) elements to rank j
            ins = [T(data(rank, (rank + j + 1,), dtype, j)) for j in ranks]
            outs = [T(np.zeros((j + rank + 1,), dtype)) for j in ranks]
            w = dist.all_to_all(outs, ins, async_op=async_op)
            finish(w, async_op)
            for j in ranks:
                same(outs[j], data(j, (j + rank + 1,), dtype, rank), f"all_to_all {tag}")
            # all_to_all_single, even and with split sizes
            inp = T(np.concatenate([data(rank, (1, 2), dtype, j) for j in ranks]))
            out = T(np.zeros((size, 2), dtype))
            w = dist.all_to_all_single(out, inp, async_op=async_op)
            finish(w, async_op)
            same(out, np.concatenate([data(j, (1, 2), dtype, rank) for j in ranks]),
                 f"all_to_all_single {tag}")
            in_splits = [j + 1 for j in ranks]
            inp = T(np.concatenate([data(rank, (j + 1, 2), dtype, j) for j in ranks]))
            out = T(np.zeros(((rank + 1) * size, 2), dtype))
            w = dist.all_to_all_single(out, inp, [rank + 1] * size, in_splits,
                                       async_op=async_op)
            finish(w, async_op)
            same(out, np.concatenate([data(j, (rank + 1, 2), dtype, rank) for j in ranks]),
                 f"all_to_all_single splits {tag}")
            # point to point around a ring, blocking and non-blocking
            right, left = (rank + 1) % size, (rank - 1) % size
            got = T(np.zeros((3,), dtype))
            if async_op:
                works = [dist.isend(T(data(rank, (3,), dtype)), right, tag=7),
                         dist.irecv(got, left, tag=7)]
                for work in works:
                    work.wait()
            elif rank % 2 == 0:
                dist.send(T(data(rank, (3,), dtype)), right, tag=7)
                dist.recv(got, left, tag=7)
            else:
                dist.recv(got, left, tag=7)
                dist.send(T(data(rank, (3,), dtype)), right, tag=7)
            same(got, data(left, (3,), dtype), f"send/recv {tag}")
        print(f"ok {dtype}", flush=True)

    # all_reduce_coalesced, Work.result, 0-d tensors, grad-requiring leaves (torch: allowed,
    # no version bump)
    a, b = torch.ones(3) * rank, torch.arange(4.0) + rank
    dist.all_reduce_coalesced([a, b])
    same(a, np.full(3, sum(ranks), np.float32), "all_reduce_coalesced")
    scalar = torch.tensor(float(rank + 1), requires_grad=True)
    work = dist.all_reduce(scalar, op=dist.ReduceOp.PRODUCT, async_op=True)
    assert work.result() == [scalar]
    assert scalar.item() == float(np.prod([r + 1 for r in ranks])) and scalar._version == 0
    fut = dist.all_reduce(torch.ones(1), async_op=True).get_future()
    assert fut.wait()[0].item() == size
    print("ok extras", flush=True)

    # object forms
    objs = [{"rank": rank}, "x" * rank, None] if rank == 0 else [None, None, None]
    dist.broadcast_object_list(objs, src=0)
    assert objs == [{"rank": 0}, "", None], objs
    gathered = [None] * size
    dist.all_gather_object(gathered, ("r", rank, torch.ones(rank)))
    assert [g[1] for g in gathered] == list(ranks)
    assert [g[2].shape[0] for g in gathered] == list(ranks)
    glist = [None] * size if rank == 0 else None
    dist.gather_object(rank * 10, glist, dst=0)
    if rank == 0:
        assert glist == [r * 10 for r in ranks], glist
    out = [None]
    dist.scatter_object_list(out, [f"to {r}" for r in ranks] if rank == 0 else None, src=0)
    assert out == [f"to {rank}"], out
    if rank == 0:
        dist.send_object_list([1, "two", [3]], dst=size - 1)
    elif rank == size - 1:
        got = [None] * 3
        assert dist.recv_object_list(got) == 0 and got == [1, "two", [3]], got
    print("ok objects", flush=True)

    # groups
    members = [0, size - 1]
    sub = dist.new_group(members)
    if rank in members:
        assert dist.get_world_size(sub) == 2 and dist.get_process_group_ranks(sub) == members
        assert dist.get_rank(sub) == members.index(rank)
        assert dist.get_group_rank(sub, size - 1) == 1 and dist.get_global_rank(sub, 1) == size - 1
        t = torch.tensor([float(rank)])
        dist.all_reduce(t, group=sub)
        assert t.item() == float(sum(members)), t
        t = torch.tensor([float(rank)])
        dist.broadcast(t, src=size - 1, group=sub)
        assert t.item() == float(size - 1)
        t = torch.tensor([float(rank)])
        dist.broadcast(t, group=sub, group_src=0)
        assert t.item() == 0.0
    else:
        assert sub == dist.GroupMember.NON_GROUP_MEMBER
        assert dist.get_rank(sub) == -1 and dist.get_world_size(sub) == -1
        import warnings
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert dist.all_reduce(torch.ones(1), group=sub) is None
        assert "does not belong to the given group" in str(caught[0].message)
    dist.barrier()
    dist.destroy_process_group(sub) if sub != dist.GroupMember.NON_GROUP_MEMBER else None
    mine, subgroups = dist.new_subgroups(group_size=1)
    assert len(subgroups) == size and dist.get_process_group_ranks(mine) == [rank]
    t = torch.tensor([float(rank)])
    dist.all_reduce(t, group=mine)
    assert t.item() == float(rank)
    print("ok groups", flush=True)

    print(f"DONE rank {rank}", flush=True)

    # a mismatch across ranks: a clear error on every rank. It comes last: MPI may be left
    # inside the mismatched payload, and the group is not used after it (the job then
    # aborts at exit rather than hang in MPI_Finalize)
    try:
        if "--quick" in sys.argv:
            dist.all_reduce(torch.ones(2, dtype=torch.float64 if rank else torch.float32))
        else:
            dist.all_reduce(torch.ones(rank + 2))
        raise AssertionError("no error for a mismatch")
    except RuntimeError as exc:
        if "--quick" in sys.argv:
            assert "dtype torch.float64" in str(exc) and "dtype torch.float32" in str(exc), exc
        else:
            assert "the tensors differ across the ranks" in str(exc), exc
            assert "rank 0 has shape [2]" in str(exc) and "rank 1 has shape [3]" in str(exc), exc
    print(f"ok mismatch rank {rank}", flush=True)


if __name__ == "__main__":
    main()
