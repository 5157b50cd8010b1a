#!/usr/bin/env python3
"""Type-check torch programs twice with mypy, against torch and against chainrule's stubs
(``import torch`` rewritten to ``import chainrule as torch``), and list the errors that
chainrule's types add: each one is a place where chainrule's stubs are stricter than, or
differ from, torch's. Too slow for the test suite (mypy reads all of torch: about a
minute cold), so it is run by hand:

    python tools/typing_vs_torch.py                      # tests/programs/*.py
    python tools/typing_vs_torch.py examples/*.py ...    # other programs

Exit status 1 when chainrule adds an error.
"""
from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
_REWRITES = [(re.compile(r"^(\s*)import torch$", re.M), r"\1import chainrule as torch"),
             (re.compile(r"^(\s*)import torch\.([\w.]+) as ", re.M), r"\1import chainrule.\2 as "),
             (re.compile(r"^(\s*)import torch\.([\w.]+)$", re.M), r"\1import chainrule.\2"),
             (re.compile(r"^(\s*)from torch(\.| )", re.M), r"\1from chainrule\2")]


def _errors(files, cwd, env) -> set:
    run = subprocess.run([sys.executable, "-m", "mypy", "--check-untyped-defs",
                          "--follow-imports=silent", "--ignore-missing-imports",
                          "--no-error-summary", *map(str, files)],
                         capture_output=True, text=True, cwd=cwd, env=env)
    found = set()
    for line in run.stdout.splitlines():
        match = re.match(r"(.*?):(\d+): error: (.*)", line)
        if match:
            found.add((pathlib.Path(match.group(1)).name, int(match.group(2))))
    return found


def main() -> int:
    programs = [pathlib.Path(p) for p in sys.argv[1:]] or sorted(
        (ROOT / "tests" / "programs").glob("*.py"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "as_torch").mkdir()
        (tmp / "as_chainrule").mkdir()
        for path in programs:
            text = path.read_text()
            (tmp / "as_torch" / path.name).write_text(text)
            for pattern, repl in _REWRITES:
                text = pattern.sub(repl, text)
            (tmp / "as_chainrule" / path.name).write_text(text)
        plain = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
        with_torch = _errors(sorted((tmp / "as_torch").iterdir()), tmp, plain)
        ours = dict(plain, PYTHONPATH=str(ROOT), MYPYPATH=str(ROOT))
        with_chainrule = _errors(sorted((tmp / "as_chainrule").iterdir()), ROOT, ours)
    added = sorted(with_chainrule - with_torch)
    print(f"{len(programs)} programs: {len(with_torch)} error lines with torch, "
          f"{len(with_chainrule)} with chainrule, {len(added)} added by chainrule")
    for name, line in added:
        print(f"  {name}:{line}")
    return 1 if added else 0


if __name__ == "__main__":
    sys.exit(main())
