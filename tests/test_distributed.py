"""chainrule.distributed: worker scripts under mpirun (tests/distributed/scripts/),
checked from their output and exit status; skipped when mpi4py or mpirun is absent."""
import os
import subprocess
import sys
import time

import pytest
from distributed_launch import ROOT, launcher, missing_reason, mpirun

needs_mpi = pytest.mark.skipif(missing_reason() is not None,
                               reason=str(missing_reason()))


def _done(result, nprocs):
    """Every rank finished its checks, then got the mismatch error (the scripts end with
    one; after it MPI may be stuck, so the exit status is not asked)."""
    out = result.stdout + result.stderr
    for rank in range(nprocs):
        assert f"DONE rank {rank}" in out, out
        assert f"ok mismatch rank {rank}" in out, out
    assert "failed:" not in out, out
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
                 "objects", "groups"):
        assert out.count(f"ok {what}\n") == 2, (what, out)


@needs_mpi
def test_collectives_and_groups_on_three_ranks_float16_without_mpi_type():
    out = _done(mpirun(3, "collectives.py", "--quick"), 3)
    for what in ("bool", "float16", "complex128", "objects", "groups"):
        assert out.count(f"ok {what}\n") == 3, (what, out)


@needs_mpi
def test_a_rank_raising_ends_every_rank_naming_it():
    start = time.monotonic()
    result = launcher(2, "failures.py", "raise", timeout=60)  # its exit status passes through
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
        assert 1.9 <= seconds < 20, line
        assert f"{op} on rank {rank} timed out after 2 s" in line, line
    assert result.returncode != 0, out  # the broken group aborts the job at exit


@needs_mpi
def test_ranks_calling_different_collectives_get_a_clear_error_not_a_hang():
    result = mpirun(2, "failures.py", "mismatch", timeout=60)
    out = result.stdout + result.stderr
    for rank in (0, 1):
        line = next(x for x in out.splitlines() if x.startswith(f"MISMATCH rank {rank} "))
        assert "rank 0 called all_reduce, rank 1 called broadcast" in line, line
        assert float(line.split(" after ")[1].split(" s")[0]) < 20, line  # not the 60 s timeout


@needs_mpi
def test_rank_environment_disagreeing_with_mpi_is_a_clear_error():
    code = ("import chainrule.distributed as dist\n"
            "try:\n    dist.init_process_group()\n"
            "except ValueError as exc:\n    print('ValueError:', exc)\n")
    env = dict(os.environ, RANK="1", WORLD_SIZE="2", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, timeout=60)
    assert "the WORLD_SIZE environment variable is 2 but MPI says this process is rank 0 of 1" \
        in out.stdout, out.stdout + out.stderr
    assert "mpirun -n N" in out.stdout


def test_launcher_command_line(tmp_path):
    from chainrule.distributed import run
    parse = run._parser().parse_args
    command = run.build_command(parse(["--nproc-per-node", "3", "train.py", "--lr", "1"]),
                                "/x/mpiexec", open_mpi=True)
    assert command[:4] == ["/x/mpiexec", "-n", "3", "--oversubscribe"]
    assert command[-7:] == ["chainrule.distributed._bootstrap", "127.0.0.1", "29500", "-f",
                            "train.py", "--lr", "1"]
    hosts = tmp_path / "hosts"
    hosts.write_text("node01 slots=4\n# a comment\nnode02 slots=4\n")
    command = run.build_command(parse(["--nproc_per_node=4", "--hostfile", str(hosts), "-m",
                                       "pkg.train"]), "mpiexec", open_mpi=True)
    assert command[1:7] == ["-n", "8", "--hostfile", str(hosts), "--map-by", "ppr:4:node"]
    assert command[-2:] == ["-m", "pkg.train"]
    command = run.build_command(parse(["--nproc-per-node", "2", "--hostfile", str(hosts),
                                       "t.py"]), "mpiexec", open_mpi=False)
    assert command[1:7] == ["-n", "4", "--hostfile", str(hosts), "-ppn", "2"]
    with pytest.raises(SystemExit, match="needs --hostfile"):
        run.build_command(parse(["--nnodes", "2", "t.py"]), "mpiexec", open_mpi=True)
