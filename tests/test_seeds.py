"""The tutorials our users learned from (../shared/seeds, as runnable programs in
examples/seeds/) run unchanged on chainrule and print exactly what torch prints."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "examples" / "seeds").glob("*.py"))
# Run a seed with `import torch` bound to chainrule, or to torch itself.
RUNNER = ("import sys, runpy\n"
          "if sys.argv[1] == 'chainrule':\n"
          "    import chainrule; sys.modules['torch'] = chainrule\n"
          "runpy.run_path(sys.argv[2], run_name='__main__')\n")


def _run(lib: str, path: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    proc = subprocess.run([sys.executable, "-c", RUNNER, lib, str(path)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, f"{lib} failed on {path.name}:\n{proc.stderr}"
    return re.sub(r"0x[0-9a-f]+", "0xADDR", proc.stdout)


def _random_lines(text: str) -> list:
    return text.splitlines()


@pytest.mark.parametrize("path", SEEDS, ids=[p.stem for p in SEEDS])
def test_seed_prints_what_torch_prints(path):
    pytest.importorskip("torch")
    pytest.importorskip("matplotlib")
    ours, theirs = _run("chainrule", path), _run("torch", path)
    assert ours == theirs
