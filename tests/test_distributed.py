"""chainrule.distributed: worker scripts under mpirun (tests/distributed/scripts/),
checked from their output and exit status; skipped when mpi4py or mpirun is absent."""
import subprocess
import sys
import time

import pytest
from distributed_launch import launcher, missing_reason, mpirun

needs_mpi = pytest.mark.skipif(missing_reason() is not None,
                               reason=str(missing_reason()))


def _done(result, nprocs):
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    for rank in range(nprocs):
        assert f"DONE rank {rank}" in out, out
    return out


def test_importing_chainrule_does_not_import_mpi4py():
    code = ("import chainrule, chainrule.distributed, sys; "
            "assert 'mpi4py' not in sys.modules; print('clean')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and "clean" in out.stdout, out.stderr


def test_init_without_mpi4py_names_the_extra():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import chainrule.distributed as dist\n"
            "try:\n    dist.init_process_group('mpi')\n"
            "except ImportError as exc:\n    print('ImportError:', exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "ImportError:" in out.stdout and "pip install chainrule[distributed]" in out.stdout, (
        out.stdout + out.stderr)


@needs_mpi
def test_every_collective_on_every_dtype_through_the_launcher():
    out = _done(launcher(2, "collectives.py", "--launcher"), 2)
    for what in ("launcher env", "bool", "uint8", "int8", "int16", "int32", "int64",
                 "float16", "float32", "float64", "complex64", "complex128", "extras",
                 "objects", "mismatches", "groups"):
        assert out.count(f"ok {what}\n") == 2, (what, out)


@needs_mpi
def test_collectives_and_groups_on_three_ranks_float16_without_mpi_type():
    out = _done(mpirun(3, "collectives.py", "--quick"), 3)
    for what in ("bool", "float16", "complex128", "objects", "mismatches", "groups"):
        assert out.count(f"ok {what}\n") == 3, (what, out)


@needs_mpi
def test_a_rank_raising_ends_every_rank_naming_it():
    start = time.monotonic()
    result = mpirun(2, "failures.py", "raise", timeout=60)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "chainrule.distributed: rank 1 failed: ValueError: boom on purpose" in out, out
    assert "unreachable" not in out
    assert time.monotonic() - start < 45, "the job hung instead of aborting"


@needs_mpi
def test_a_collective_past_its_timeout_raises_on_every_rank():
    result = mpirun(2, "failures.py", "timeout", timeout=60)
    out = result.stdout + result.stderr
    for rank, op in ((0, "all_reduce"), (1, "recv")):
        line = next(x for x in out.splitlines() if x.startswith(f"TIMEOUT rank {rank} "))
        seconds = float(line.split(" after ")[1].split(" s")[0])
        assert 1.9 <= seconds < 10, line
        assert f"{op} on rank {rank} timed out after 2 s" in line, line
    assert result.returncode != 0, out  # the broken group aborts the job at exit
