"""DDP step of a large MLP on 2 ranks: how much of the gradient all-reduce hides behind
backward.

The model: MLP 1024-4096-4096-1024 (Linear, Tanh, Linear, Tanh, Linear), float32, 25.2 M
parameters (a ~100 MB gradient, the size of the all-reduce case), MSELoss; the global batch
of 256 is split in half, 128 rows a rank. Three things are timed on each rank, in turn, in
every round (a barrier before each, the median over rounds reported, the slower rank's):

* ``local``: forward + backward of the plain module on the half batch (no communication);
* ``allreduce``: the DDP buckets' all-reduces alone (the same flat buffers, started one
  after another with ``async_op=True``, then waited for) — the communication a step needs;
* ``ddp``: forward + backward of the DistributedDataParallel module (its bucket
  all-reduces start during backward, from the post-accumulate-grad hooks).

The hidden share is ``(local + allreduce - ddp) / allreduce``, clipped to [0, 1]: 1 when
the step costs no more than the computation, 0 when communication is fully exposed.

    python bench/ddp.py                 # starts mpirun -n 2; writes bench/results/ddp.md
    python bench/ddp.py --quick         # a small MLP and few rounds (smoke test)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "bench" / "results" / "ddp.md"


def _worker(args) -> None:
    sys.path.insert(0, str(ROOT))
    import chainrule.distributed as dist

    import chainrule as torch
    from chainrule import nn
    from chainrule.nn.parallel import DistributedDataParallel as DDP

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    sizes = [int(s) for s in args.sizes.split(",")]
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh())
    torch.manual_seed(0)
    model = nn.Sequential(*layers)
    ddp = DDP(model)
    gen = torch.Generator().manual_seed(1 + rank)
    half = args.batch // world
    x = torch.randn(half, sizes[0], generator=gen)
    y = torch.randn(half, sizes[-1], generator=gen)
    n_params = sum(p.numel() for p in model.parameters())

    def local():
        model.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()

    def ddp_step():
        ddp.zero_grad()
        nn.functional.mse_loss(ddp(x), y).backward()

    ddp_step()
    ddp_step()   # the buckets are rebuilt after the first iteration, as in torch
    buckets = ddp.reducer.buckets

    def allreduce():
        works = [dist.all_reduce(b.flat, async_op=True) for b in buckets]
        for w in works:
            w.wait()

    cases = {"local": local, "allreduce": allreduce, "ddp": ddp_step}
    for f in cases.values():
        f()
    times = {k: [] for k in cases}
    for _ in range(args.rounds):
        for name, f in cases.items():
            dist.barrier()
            t0 = time.perf_counter()
            f()
            dt = time.perf_counter() - t0
            slowest = torch.tensor([dt], dtype=torch.float64)
            dist.all_reduce(slowest, op=dist.ReduceOp.MAX)
            times[name].append(float(slowest))
    if rank == 0:
        print("RESULT " + json.dumps({
            "world": world, "sizes": sizes, "batch": args.batch, "params": n_params,
            "buckets": [int(b.flat.numel()) for b in buckets], "times": times}), flush=True)
    dist.destroy_process_group()


def _mpirun() -> str:
    for cand in (Path(sys.executable).parent / "mpirun", shutil.which("mpirun")):
        if cand and Path(cand).exists():
            return str(cand)
    raise SystemExit("no mpirun next to the interpreter or on PATH")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--sizes", default="1024,4096,4096,1024")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if args.worker:
        _worker(args)
        return
    if args.quick:
        args.sizes, args.batch, args.rounds, args.no_write = "64,256,256,64", 64, 3, True
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    cmd = [_mpirun(), "-n", str(args.ranks), "--oversubscribe", sys.executable, __file__,
           "--worker", "--sizes", args.sizes, "--batch", str(args.batch),
           "--rounds", str(args.rounds)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout + proc.stderr)
    line = next(s for s in proc.stdout.splitlines() if s.startswith("RESULT "))
    res = json.loads(line[len("RESULT "):])
    med = {k: statistics.median(v) for k, v in res["times"].items()}
    hidden = (med["local"] + med["allreduce"] - med["ddp"]) / med["allreduce"]
    hidden = min(1.0, max(0.0, hidden))
    report = _report(res, med, hidden)
    print(report)
    if not args.no_write:
        RESULT.write_text(report)
        print(f"wrote {RESULT.relative_to(ROOT)}")


def _report(res, med, hidden) -> str:
    import platform
    sizes = "-".join(str(s) for s in res["sizes"])
    mb = [f"{4 * n / 2**20:.1f}" for n in res["buckets"]]
    ms = {k: 1e3 * v for k, v in med.items()}
    return "\n".join([
        "# DDP step: communication hidden behind backward",
        "",
        f"`python bench/ddp.py` — MLP {sizes} (Linear+Tanh), float32, "
        f"{res['params'] / 1e6:.1f} M parameters, global batch {res['batch']} split over "
        f"{res['world']} ranks (`mpirun -n {res['world']}`, one thread each); buckets "
        f"(MB, in reduction order): {', '.join(mb)}. Median of {len(res['times']['ddp'])} "
        "rounds, the slower rank each time.",
        "",
        "| measure | ms |",
        "|---|---|",
        f"| forward+backward alone (no DDP) | {ms['local']:.1f} |",
        f"| bucket all-reduces alone | {ms['allreduce']:.1f} |",
        f"| DDP forward+backward (overlapped) | {ms['ddp']:.1f} |",
        f"| communication hidden: (alone + all-reduce - DDP) / all-reduce | "
        f"{100 * hidden:.0f} % |",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; shared with other jobs, so single runs are noisy.",
        "",
    ])


if __name__ == "__main__":
    main()
