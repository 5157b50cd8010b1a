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
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

ROOT = Path(__file__).resolve().parent.parent
RESULT = ROOT / "bench" / "results" / "ddp.md"


def _worker(args) -> None:
    if args.impl == "torch":  # torch's DDP on gloo, the ranks started by the same mpirun
        import torch
        import torch.distributed as dist
        from torch import nn
        from torch.nn.parallel import DistributedDataParallel as DDP
        torch.set_num_threads(1)
        rank = int(os.environ["OMPI_COMM_WORLD_RANK"])
        world = int(os.environ["OMPI_COMM_WORLD_SIZE"])
        dist.init_process_group("gloo", init_method=f"file://{args.rendezvous}", rank=rank,
                                world_size=world)
    else:
        sys.path.insert(0, str(ROOT))
        import chainrule as torch
        from chainrule import distributed as dist
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
    if args.impl == "torch":
        # torch's rebuilt buckets: its assignment over the gradient-ready order
        ready = list(reversed(list(model.parameters())))
        idx, _ = dist._compute_bucket_assignment_by_size(
            ready, [dist._DEFAULT_FIRST_BUCKET_BYTES, 25 * 1024 * 1024],
            tensor_indices=list(range(len(ready))))
        flats = [torch.zeros(sum(ready[i].numel() for i in b)) for b in idx]
    else:
        flats = [b.flat for b in ddp.reducer.buckets]

    def allreduce():
        works = [dist.all_reduce(f, async_op=True) for f in flats]
        for w in works:
            w.wait()

    cases = {"local": local, "allreduce": allreduce, "ddp": ddp_step}
    for f in cases.values():
        f()
    times = {k: [] for k in cases}
    times["wait"] = []  # chainrule: the all-reduce time left to wait for when backward ends
    for _ in range(args.rounds):
        for name, f in cases.items():
            dist.barrier()
            t0 = time.perf_counter()
            f()
            dt = time.perf_counter() - t0
            slowest = torch.tensor([dt], dtype=torch.float64)
            dist.all_reduce(slowest, op=dist.ReduceOp.MAX)
            times[name].append(float(slowest))
            if name == "ddp" and args.impl != "torch":
                times["wait"].append(ddp.reducer.last_wait_s)
    if rank == 0:
        print("RESULT " + json.dumps({
            "world": world, "sizes": sizes, "batch": args.batch, "params": n_params,
            "buckets": [int(f.numel()) for f in flats], "times": times}), flush=True)
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
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2, help="mpirun jobs per implementation")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--no-torch", action="store_true", help="skip torch's DDP (gloo)")
    ap.add_argument("--impl", default="chainrule")
    ap.add_argument("--rendezvous", default="")
    args = ap.parse_args()
    if args.worker:
        _worker(args)
        return
    if args.quick:
        args.sizes, args.batch, args.rounds, args.no_write = "64,256,256,64", 64, 3, True
        args.jobs = 1
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    results, runs = {}, {}
    impls = ["chainrule"] + ([] if args.no_torch else ["torch"])
    for impl in [i for _ in range(args.jobs) for i in impls]:  # alternate: drift hits both
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [_mpirun(), "-n", str(args.ranks), "--oversubscribe", sys.executable,
                   __file__, "--worker", "--impl", impl, "--sizes", args.sizes,
                   "--batch", str(args.batch), "--rounds", str(args.rounds),
                   "--rendezvous", str(Path(tmp) / "pg")]
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(proc.stdout + proc.stderr)
        line = next(s for s in proc.stdout.splitlines() if s.startswith("RESULT "))
        res = json.loads(line[len("RESULT "):])
        if impl in runs:
            for k, v in res["times"].items():
                runs[impl]["times"][k] += v
        else:
            runs[impl] = res
    for impl, res in runs.items():
        med = {k: statistics.median(v) for k, v in res["times"].items() if v}
        hidden = (med["local"] + med["allreduce"] - med["ddp"]) / med["allreduce"]
        results[impl] = (res, med, min(1.0, max(0.0, hidden)))
    report = _report(results)
    print(report)
    if not args.no_write:
        RESULT.write_text(report)
        print(f"wrote {RESULT.relative_to(ROOT)}")


def _report(results) -> str:
    import platform
    res = results["chainrule"][0]
    sizes = "-".join(str(s) for s in res["sizes"])
    impls = list(results)
    rows = [("forward+backward alone (no DDP), ms", "local"),
            ("bucket all-reduces alone, ms", "allreduce"),
            ("DDP forward+backward (overlapped), ms", "ddp")]
    lines = [
        "# DDP step: communication hidden behind backward",
        "",
        f"`python bench/ddp.py` — MLP {sizes} (Linear+Tanh), float32, "
        f"{res['params'] / 1e6:.1f} M parameters, MSELoss, global batch {res['batch']} split "
        f"over {res['world']} ranks (`mpirun -n {res['world']} --oversubscribe`, one thread "
        f"each). Median of {len(res['times']['ddp'])} rounds (two mpirun jobs per library, "
        "alternating), each the slower rank's time. "
        "chainrule runs on MPI (chainrule.distributed); torch 2.13's DDP on gloo, started by "
        "the same mpirun, is the reference.",
        "",
        "| measure | " + " | ".join(impls) + " |",
        "|---|" + "---|" * len(impls),
    ]
    for label, key in rows:
        lines.append(f"| {label} | " + " | ".join(
            f"{1e3 * results[i][1][key]:.1f}" for i in impls) + " |")
    lines.append("| communication hidden: (alone + all-reduce - DDP) / all-reduce | " +
                 " | ".join(f"{100 * results[i][2]:.0f} %" for i in impls) + " |")
    if results["chainrule"][1].get("wait") is not None:
        waits = results["chainrule"][1]
        lines.append("| all-reduce still running when backward ends (rank 0 waits), ms | "
                     f"{1e3 * waits['wait']:.1f} (hidden: "
                     f"{100 * max(0.0, 1 - waits['wait'] / waits['allreduce']):.0f} %) |"
                     + " — |" * (len(impls) - 1))
    lines.append("| buckets (MB, in reduction order) | " + " | ".join(
        ", ".join(f"{4 * n / 2**20:.1f}" for n in results[i][0]["buckets"]) for i in impls)
        + " |")
    lines += [
        "",
        "How to read it: the step-time share needs a spare core per rank for the "
        "communication to run beside the computation; on a 2-core machine running both ranks "
        "(and other jobs) the all-reduce competes with backward for the same cores, so "
        "neither library hides any of it that way. The second measure is what the reducer "
        "achieves: how much of the all-reduce work is already done when backward ends "
        "(buckets start from the post-accumulate-grad hooks and run on "
        "chainrule.distributed's communication thread).",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; shared with other jobs, so single runs are noisy "
        f"(load average {os.getloadavg()[0]:.1f} when the run ended).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
