"""All-reduce through chainrule.distributed vs mpi4py's raw Allreduce on the same buffer.

    python bench/distributed.py            # 2 ranks, prints the table
    python bench/distributed.py --write    # also writes its section of bench/results/distributed.md

The script starts itself under mpirun (next to the interpreter, or on PATH). Each repeat
runs every variant in turn (interleaved), so drift in the machine's speed hits all alike;
the median repeat is reported, and the ratios are of throughputs within one run.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "distributed.md"
BEGIN, END = "<!-- allreduce:begin -->", "<!-- allreduce:end -->"


def _worker(numel: int, repeats: int, calls: int) -> None:
    sys.path.insert(0, str(ROOT))
    from mpi4py import MPI

    import chainrule as torch
    import chainrule.distributed as dist
    from chainrule.distributed import distributed_c10d

    dist.init_process_group("mpi")
    raw_comm = MPI.COMM_WORLD.Dup()
    size = raw_comm.Get_size()
    results = {}
    for label, n in (("25M float32", numel), ("1k float32", 1000)):
        tensor = torch.ones(n)
        buf = tensor.numpy()

        def raw():
            raw_comm.Allreduce(MPI.IN_PLACE, buf, MPI.SUM)

        def checked():
            distributed_c10d._state.checks = True
            dist.all_reduce(tensor)

        def unchecked():
            distributed_c10d._state.checks = False
            dist.all_reduce(tensor)

        def async_wait():
            distributed_c10d._state.checks = True
            dist.all_reduce(tensor, async_op=True).wait()

        variants = {"mpi4py Allreduce": raw, "all_reduce": checked,
                    "all_reduce, checks off": unchecked,
                    "all_reduce(async_op=True).wait()": async_wait}
        times = {name: [] for name in variants}
        reps = calls if n == numel else calls * 200
        for fn in variants.values():
            fn()
        for _ in range(repeats):
            for name, fn in variants.items():
                buf[...] = 1.0
                raw_comm.Barrier()
                start = time.perf_counter()
                for _ in range(reps):
                    fn()
                elapsed = (time.perf_counter() - start) / reps
                times[name].append(raw_comm.allreduce(elapsed, MPI.MAX))
        results[label] = {name: (statistics.median(t), min(t)) for name, t in times.items()}
    if raw_comm.Get_rank() == 0:
        import platform
        library = MPI.Get_library_version().replace("\0", "").splitlines()[0].strip()
        lines = [BEGIN, "## All-reduce: chainrule.distributed vs raw mpi4py", "",
                 f"`python bench/distributed.py`: {size} ranks on one machine "
                 f"({platform.machine()}, {os.cpu_count()} CPUs, shared), "
                 f"{library}, mpi4py; "
                 f"medians of {repeats} interleaved repeats (each the slowest rank's time); "
                 f"date {time.strftime('%Y-%m-%d')}.", "",
                 "| tensor | variant | median | min | throughput vs raw Allreduce (median, min) |",
                 "| --- | --- | --- | --- | --- |"]
        for label, found in results.items():
            base, base_min = found["mpi4py Allreduce"]
            for name, (seconds, fastest) in found.items():
                lines.append(f"| {label} | {name} | {_show(seconds)} | {_show(fastest)} | "
                             f"{base / seconds:.2f}x, {base_min / fastest:.2f}x |")
        lines.append(END)
        print("\n".join(lines), flush=True)
    dist.destroy_process_group()


def _show(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds > 1e-3 else f"{seconds * 1e6:.0f} µs"


def _mpirun() -> str:
    here = Path(sys.executable).parent
    for name in ("mpirun", "mpiexec"):
        if (here / name).exists():
            return str(here / name)
    import shutil
    found = shutil.which("mpirun") or shutil.which("mpiexec")
    if not found:
        raise SystemExit("bench/distributed.py needs mpirun (pip install chainrule[distributed])")
    return found


def _write(section: str) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# bench/distributed.py\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


def main() -> None:
    args = sys.argv[1:]
    if args and args[0] == "--worker":
        _worker(int(args[1]), int(args[2]), int(args[3]))
        return
    repeats = 9
    command = [_mpirun(), "-n", "2", "--oversubscribe", sys.executable, __file__, "--worker",
               str(25_000_000), str(repeats), "3"]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run(command, capture_output=True, text=True, env=env)
    if out.returncode:
        raise SystemExit(out.stdout + out.stderr)
    section = out.stdout[out.stdout.index(BEGIN):out.stdout.index(END) + len(END)]
    print(section)
    if "--write" in args:
        _write(section)


if __name__ == "__main__":
    main()
