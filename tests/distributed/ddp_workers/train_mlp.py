"""Run under ``mpirun -n W``: DistributedDataParallel training equals single-process training.

Every rank trains a float64 MLP with DDP on its shard of each batch (rank r takes rows
r, r+W, ... so a batch of 7 on 2 ranks splits 4/3: uneven shards) and, in the same process,
a reference copy on the whole batch without DDP. torch's DDP semantics: each rank's loss is
the mean over its own shard and the gradients are averaged over the W ranks, so the
reference loss is ``sum_r mean(shard r) / W`` (the plain mean of the batch when the shards
are even). Some steps accumulate two micro-batches, the first under ``no_sync()``. Losses
and parameters must agree to 1e-10 on every step; the script prints ``rank R ok ...`` at
the end (the pytest side checks the line from every rank) and raises on the first mismatch.

Also checked: broadcast of parameters at construction (ranks start from different random
weights), buffer broadcast before each forward, find_unused_parameters (a head that only
some ranks use, one nobody uses), the error for unused parameters without it, many small
buckets with gradient_as_bucket_view, and DistributedSampler shards through a DataLoader.
"""
import sys

import chainrule as torch
from chainrule import nn
from chainrule.nn.parallel import DistributedDataParallel as DDP

TOL = 1e-10
dist = None  # chainrule.distributed, imported in main()


def mlp(seed, hidden=16):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                         nn.Tanh(), nn.Linear(hidden, 3)).double()


class Scaled(nn.Module):
    """An MLP whose output is multiplied by a buffer (to see buffer broadcasts)."""

    def __init__(self, seed, hidden=16):
        super().__init__()
        self.net = mlp(seed, hidden)
        self.register_buffer("scale", torch.ones((), dtype=torch.float64))

    def forward(self, x):
        return self.net(x) * self.scale


def maxdiff(a, b):
    return max(float((p - q).abs().max()) for p, q in zip(a, b))


def check(cond, what):
    if not cond:
        raise AssertionError(f"rank {dist.get_rank()}: {what}")


def batches(world, step):
    """Batch sizes: varied, the last ones uneven across ranks."""
    sizes = [4 * world, 3 * world + 1, 2 * world, 5 * world - 1, world + 1]
    return sizes[step % len(sizes)]


def train(world, rank, steps=20, hidden=16, buckets=1, **ddp_kwargs):
    model = Scaled(seed=100 + rank, hidden=hidden)  # different weights on every rank ...
    ddp = DDP(model, **ddp_kwargs)                  # ... until the broadcast from rank 0
    ref = Scaled(seed=100, hidden=hidden)
    check(maxdiff(model.parameters(), ref.parameters()) == 0, "construction broadcast")
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    ref_opt = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    gen = torch.Generator().manual_seed(7)
    worst = 0.0
    for step in range(steps):
        micro = 2 if step % 4 == 3 else 1      # accumulate two micro-batches with no_sync
        opt.zero_grad()
        ref_opt.zero_grad()
        local_total = torch.zeros((), dtype=torch.float64)
        ref_total = torch.zeros((), dtype=torch.float64)
        for k in range(micro):
            n = batches(world, step + k)
            x = torch.randn(n, 5, generator=gen, dtype=torch.float64)
            y = torch.randn(n, 3, generator=gen, dtype=torch.float64)
            if rank != 0 and k == 0:
                # broadcast_buffers: rank 0's buffers win before a forward that follows a
                # synced one (torch skips the broadcast after a forward inside no_sync)
                model.scale.fill_(3.0 + rank)
            xs, ys = x[rank::world], y[rank::world]
            sync = k == micro - 1
            if sync:
                loss = nn.functional.mse_loss(ddp(xs), ys)
                loss.backward()
            else:
                with ddp.no_sync():
                    loss = nn.functional.mse_loss(ddp(xs), ys)
                    loss.backward()
            local_total = local_total + loss.detach()
            # the reference: one process, the whole batch, each row weighted as DDP does
            per_row = nn.functional.mse_loss(ref(x), y, reduction="none").mean(1)
            weight = torch.zeros(n, dtype=torch.float64)
            for r in range(world):
                weight[r::world] = 1.0 / (world * len(range(r, n, world)))
            ref_loss = (per_row * weight).sum()
            ref_loss.backward()
            ref_total = ref_total + ref_loss.detach()
        opt.step()
        ref_opt.step()
        global_loss = local_total.clone()
        dist.all_reduce(global_loss)
        global_loss /= world
        worst = max(worst, abs(float(global_loss - ref_total)))
        check(abs(float(global_loss - ref_total)) < TOL,
              f"step {step}: loss {float(global_loss)} vs {float(ref_total)}")
        d = maxdiff(model.parameters(), ref.parameters())
        worst = max(worst, d)
        check(d < TOL, f"step {step}: parameters differ by {d}")
    check(len(ddp.reducer.buckets) == buckets, f"{len(ddp.reducer.buckets)} buckets")
    check(list(ddp.state_dict()) == ["module." + k for k in model.state_dict()],
          "state_dict keys carry the module. prefix")
    return worst


def unused_heads(world, rank):
    """find_unused_parameters: head b is used on rank 0 only, head c by nobody."""
    class Heads(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(1)
            self.a = nn.Linear(4, 2).double()
            self.b = nn.Linear(4, 2).double()
            self.c = nn.Linear(4, 2).double()

        def forward(self, x, use_b):
            return self.a(x) + self.b(x) if use_b else self.a(x)

    model = Heads()
    ddp = DDP(model, find_unused_parameters=True)
    x = torch.arange(12, dtype=torch.float64).reshape(3, 4) / 10 + rank
    for _ in range(2):
        ddp.zero_grad()
        ddp(x, use_b=(rank == 0)).sum().backward()
        # every rank computes every rank's local gradient to know the average
        grads_a, grads_b = [], []
        for r in range(world):
            ref = Heads()
            xr = torch.arange(12, dtype=torch.float64).reshape(3, 4) / 10 + r
            ref(xr, use_b=(r == 0)).sum().backward()
            grads_a.append(ref.a.weight.grad)
            grads_b.append(ref.b.weight.grad)
        check(maxdiff([model.a.weight.grad], [sum(grads_a) / world]) < TOL, "used head")
        check(maxdiff([model.b.weight.grad], [grads_b[0] / world]) < TOL,
              "head used on rank 0 only: its gradient averaged over all ranks")
        check(model.c.weight.grad is None and model.c.bias.grad is None,
              "a parameter no rank uses keeps grad None")

    # without find_unused_parameters: torch's error at the next forward
    ddp = DDP(Heads())
    ddp(x, use_b=False).sum().backward()
    try:
        ddp(x, use_b=False)
    except RuntimeError as e:
        msg = str(e)
        check(msg.startswith("Expected to have finished reduction in the prior iteration "
                             "before starting a new one."), msg)
        check(f"Parameter indices which did not receive grad for rank {rank}: 2 3 4 5\n"
              in msg, msg)
    else:
        check(False, "no error for unused parameters")


def buffers_not_broadcast(world, rank):
    model = Scaled(seed=5)
    ddp = DDP(model, broadcast_buffers=False)
    model.scale.fill_(1.0 + rank)
    ddp(torch.ones(2, 5, dtype=torch.float64))
    check(float(model.scale) == 1.0 + rank, "broadcast_buffers=False keeps local buffers")
    ddp2 = DDP(model)  # construction broadcasts buffers from rank 0 too
    check(float(model.scale) == 1.0, "construction broadcasts buffers")
    model.scale.fill_(1.0 + rank)
    ddp2(torch.ones(2, 5, dtype=torch.float64))
    check(float(model.scale) == 1.0, "forward broadcasts buffers")


def mismatched_models(world, rank):
    """A rank with another model: every rank fails at construction, naming the ranks."""
    width = 4 if rank == world - 1 else 3
    layers = [nn.Linear(2, width)] + ([nn.Linear(width, 1)] if rank != 1 else [])
    try:
        DDP(nn.Sequential(*layers))
    except RuntimeError as e:
        check("DDP expects same model across all ranks, but Rank" in str(e), str(e))
    else:
        check(False, "no error for a different parameter count")
    try:
        DDP(nn.Linear(2, width))
    except RuntimeError as e:
        where = "this process" if rank == world - 1 else f"process {world - 1}"
        check(str(e) == f"[{rank}]: params[0] in {where} with sizes [4, 2] appears not to "
              "match sizes of the same param in process 0.", str(e))
    else:
        check(False, "no error for a different shape")
    dist.barrier()


def sampler_shards(world, rank):
    data = torch.utils.data.TensorDataset(torch.arange(23))
    sampler = torch.utils.data.DistributedSampler(data, shuffle=True, seed=3)
    check((sampler.num_replicas, sampler.rank) == (world, rank), "sampler defaults")
    sampler.set_epoch(2)
    mine = [int(i) for (b,) in torch.utils.data.DataLoader(data, batch_size=4,
                                                            sampler=sampler) for i in b]
    everyone = [torch.zeros(len(mine), dtype=torch.int64) for _ in range(world)]
    dist.all_gather(everyone, torch.tensor(mine))
    flat = [i for s in everyone for i in s.tolist()]
    check(len(mine) == -(-23 // world) and sorted(set(flat)) == list(range(23)),
          f"sampler shards {everyone}")


def main():
    global dist
    import chainrule.distributed as dist
    dist.init_process_group("mpi")
    world, rank = dist.get_world_size(), dist.get_rank()
    worst = train(world, rank)
    # a 1.2 MB layer fills torch's 1 MiB first bucket; then one bucket per parameter: 3
    worst = max(worst, train(world, rank, steps=6, hidden=384, buckets=3,
                             bucket_cap_mb=0.0005, gradient_as_bucket_view=True))
    worst = max(worst, train(world, rank, steps=6, find_unused_parameters=True))
    unused_heads(world, rank)
    buffers_not_broadcast(world, rank)
    mismatched_models(world, rank)
    sampler_shards(world, rank)
    print(f"rank {rank} ok world {world} worst {worst:.3g}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
