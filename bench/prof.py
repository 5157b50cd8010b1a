"""Run one case in chainrule only, for a profiler (no torch import, no timing).

    python -m cProfile -s tottime bench/prof.py a 200     # case (a), 200 forward+backward calls
    python -m cProfile -s tottime bench/prof.py f 5       # case (f), 5 calls of 10,000 ops

(Not named profile.py: that would shadow the standard library's `profile` module.)
"""
import os
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cases  # noqa: E402

import chainrule  # noqa: E402


def main():
    case = sys.argv[1] if len(sys.argv) > 1 else "a"
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else (200 if case == "a" else 5)
    if case == "a":
        fn = cases.make_a_autograd(chainrule, *cases.a_inputs())
    elif case == "f":
        fn = cases.make_f_autograd(chainrule)
    else:
        raise SystemExit(f"unknown case {case!r}; use a or f")
    for _ in range(calls):
        fn()


if __name__ == "__main__":
    main()
