"""Run one case in chainrule only, for a profiler (no torch import, no timing).

    python -m cProfile -s tottime bench/prof.py a 200     # case (a), 200 forward+backward calls
    python -m cProfile -s tottime bench/prof.py f 5       # case (f), 5 calls of 10,000 ops
    python -m cProfile -s tottime bench/prof.py t 2000    # case (t), 2000 training steps

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
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else {"a": 200, "f": 5, "t": 2000}.get(case, 1)
    if case == "a":
        fn = cases.make_a_autograd(chainrule, *cases.a_inputs())
    elif case == "f":
        fn = cases.make_f_autograd(chainrule)
    elif case == "t":
        fn = cases.make_t_autograd(chainrule, *cases.t_inputs())
    else:
        raise SystemExit(f"unknown case {case!r}; use a, f or t")
    for _ in range(calls):
        fn()


if __name__ == "__main__":
    main()
