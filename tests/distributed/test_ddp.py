"""DistributedDataParallel: bucketing and the engine callback against torch in-process, and
training under ``mpirun -n 2`` / ``-n 3`` (tests/distributed/ddp_workers/) equal to
single-process training. The MPI runs skip, with the reason, without mpi4py or mpirun."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule
from chainrule.nn.parallel._reducer import (
    DEFAULT_FIRST_BUCKET_BYTES,
    compute_bucket_assignment_by_size,
)

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


def _mpirun():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None, "mpi4py is not installed (pip install chainrule[distributed])"
    try:
        from chainrule import distributed as dist
        dist.init_process_group  # noqa: B018
    except (ImportError, AttributeError):
        return None, "chainrule.distributed is not available"
    for cand in (Path(sys.executable).parent / "mpirun", shutil.which("mpirun"),
                 shutil.which("mpiexec")):
        if cand and Path(cand).exists():
            return str(cand), ""
    return None, "no mpirun next to the interpreter or on PATH"


def run_mpi(n, script, *args, timeout=120):
    mpirun, why = _mpirun()
    if mpirun is None:
        pytest.skip(why)
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    cmd = [mpirun, "-n", str(n), "--oversubscribe", sys.executable, str(script), *args]
    proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.parametrize("world", [2, 3])
def test_ddp_training_equals_single_process(world):
    out = run_mpi(world, HERE / "ddp_workers" / "train_mlp.py")
    for rank in range(world):
        assert f"rank {rank} ok world {world}" in out, out


# -- in one process ---------------------------------------------------------------------
def _pairs(torch, specs):
    mine = [chainrule.zeros(n, dtype=getattr(chainrule, d)) for n, d in specs]
    ref = [torch.zeros(n, dtype=getattr(torch, d)) for n, d in specs]
    return mine, ref


@pytest.mark.parametrize("specs", [
    [(100000, "float32"), (300000, "float32"), (10, "float32"), (3000000, "float32"),
     (5, "float64")],
    [(5, "float64"), (3000000, "float32"), (10, "float32"), (300000, "float32")],
    [(262144, "float32")] * 5,
    [(262143, "float32"), (1, "float32"), (7, "int64"), (131072, "float64"), (3, "float64")],
    [(10, "float32")],
])
@pytest.mark.parametrize("limits", [[DEFAULT_FIRST_BUCKET_BYTES, 25 * 1024 * 1024],
                                    [sys.maxsize], [1000, 2_000_000], [4096]])
def test_bucket_assignment_matches_torch(torch, specs, limits):
    dist = pytest.importorskip("torch.distributed")
    assert dist._DEFAULT_FIRST_BUCKET_BYTES == DEFAULT_FIRST_BUCKET_BYTES
    mine, ref = _pairs(torch, specs)
    assert compute_bucket_assignment_by_size(mine, limits) == \
        tuple(dist._compute_bucket_assignment_by_size(ref, limits))
    for order in (list(reversed(range(len(specs)))), [10 + i for i in range(len(specs))]):
        got = compute_bucket_assignment_by_size(mine, limits, order)
        want = dist._compute_bucket_assignment_by_size(ref, limits, tensor_indices=order)
        assert got == tuple(want)


def test_ddp_needs_a_process_group(torch):
    def both(make):
        with pytest.raises(Exception) as ref:
            make(torch)
        with pytest.raises(Exception) as mine:
            make(chainrule)
        assert type(mine.value).__name__ == type(ref.value).__name__
        assert str(mine.value) == str(ref.value)
    both(lambda m: m.nn.parallel.DistributedDataParallel(m.nn.Linear(2, 2)))
    both(lambda m: m.nn.parallel.DistributedDataParallel(m.nn.ReLU()))


def _callback_trace(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    w = m.tensor([3.0, 4.0], requires_grad=True)
    log = []

    def final():
        log.append(("final", x.grad.tolist(), w.grad.tolist()))
        m.autograd.Variable._execution_engine.queue_callback(lambda: log.append("nested"))

    def hook(g):
        log.append(("hook", g.tolist()))
        m.autograd.Variable._execution_engine.queue_callback(final)

    x.register_hook(hook)
    (x * w).sum().backward()
    log.append("returned")
    return log


def test_queue_callback_runs_when_backward_ends(torch):
    assert _callback_trace(chainrule) == _callback_trace(torch)


def test_queue_callback_outside_backward(torch):
    with pytest.raises(RuntimeError) as ref:
        torch.autograd.Variable._execution_engine.queue_callback(lambda: None)
    with pytest.raises(RuntimeError, match="^" + str(ref.value) + "$"):
        chainrule.autograd.Variable._execution_engine.queue_callback(lambda: None)
