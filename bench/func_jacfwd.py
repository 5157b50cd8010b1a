"""jacfwd by forward mode (dual tensors vmapped over the basis) vs the old double-vjp
route vs torch.func, single-threaded.

    python bench/func_jacfwd.py            # writes bench/results/func_jacfwd.md
    python bench/func_jacfwd.py --quick    # 2 short repeats, writes nothing

Cases:

* ``jacfwd``: ``jacfwd(lambda x: tanh(W @ x + b))``, W (2048, 2048) float32.
* ``hessian``: ``hessian`` of a scalar MLP loss ``Linear(16, 32) -> tanh -> Linear(32, 1)``
  w.r.t. its 16 inputs, float64 (jacfwd(jacrev(f)): the dual route hands a reverse
  transform inside over to the double-vjp route, so both chainrule routes do the same work).

Each implementation runs in its own process (``--worker``). Reported: the median repeat in ms.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

IMPLS = ("chainrule-dual", "chainrule-double-vjp", "torch")


def _worker(impl: str, repeats: int) -> dict:
    if impl == "torch":
        import torch as m
        m.set_num_threads(1)
    else:
        import chainrule as m
        from chainrule.func import _transforms
        _transforms._FORWARD_JACFWD = impl == "chainrule-dual"
    rng = np.random.default_rng(0)
    w = m.tensor(rng.standard_normal((2048, 2048)).astype("float32") / 45)
    b = m.tensor(rng.standard_normal(2048).astype("float32"))
    x = m.tensor(rng.standard_normal(2048).astype("float32"))
    w1 = m.tensor(rng.standard_normal((32, 16)))
    w2 = m.tensor(rng.standard_normal((1, 32)))
    xs = m.tensor(rng.standard_normal(16))
    cases = {
        "jacfwd": lambda: m.func.jacfwd(lambda v: m.tanh(w @ v + b))(x),
        "hessian": lambda: m.func.hessian(lambda v: (w2 @ m.tanh(w1 @ v)).sum())(xs),
    }
    out = {}
    for name, fn in cases.items():
        fn()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
        out[name] = statistics.median(times)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    repeats = 2 if args.quick else args.repeats
    if args.worker:
        print(json.dumps(_worker(args.worker, repeats)))
        return
    res = {}
    for impl in IMPLS:
        cmd = [sys.executable, __file__, "--worker", impl, "--repeats", str(repeats)]
        res[impl] = json.loads(subprocess.check_output(cmd).decode().strip().splitlines()[-1])
    lines = ["# jacfwd: dual route vs double-vjp route vs torch.func (ms, median, 1 thread)",
             "", "| case | " + " | ".join(IMPLS) + " |", "|---" * (len(IMPLS) + 1) + "|"]
    for case in ("jacfwd", "hessian"):
        lines.append(f"| {case} | " + " | ".join(f"{res[i][case]:.1f}" for i in IMPLS) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                            "func_jacfwd.md")
        with open(path, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
