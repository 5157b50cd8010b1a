"""chainrule.distributed: worker scripts under mpirun (tests/distributed/scripts/),
checked from their output and exit status; skipped when mpi4py or mpirun is absent."""
import subprocess
import sys

import pytest
from distributed_launch import missing_reason, mpirun

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


@needs_mpi
def test_basics_on_two_ranks():
    out = _done(mpirun(2, "basics.py"), 2)
    for what in ("all_reduce", "all_reduce async", "broadcast", "barrier", "send/recv",
                 "shape mismatch"):
        assert out.count(f"ok {what}\n") == 2, out


def test_init_without_mpi4py_names_the_extra():
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "import chainrule.distributed as dist\n"
            "try:\n    dist.init_process_group('mpi')\n"
            "except ImportError as exc:\n    print('ImportError:', exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "ImportError:" in out.stdout and "pip install chainrule[distributed]" in out.stdout, (
        out.stdout + out.stderr)
