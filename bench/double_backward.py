"""Bench g: a Hessian-vector product by double backward, chainrule against torch.

    python bench/double_backward.py                 # n = 256, 7 interleaved repeats
    python bench/double_backward.py --n 64 --repeats 11
    python bench/double_backward.py --wrt W         # Hv w.r.t. the matrix, V of W's shape

f(x) = sum(tanh(W @ x)); g = grad(f, x, create_graph=True); Hv = grad(g @ v, x). Both
libraries run in this one process, single-threaded, alternately (repeat i of chainrule, then
repeat i of torch), so the ratio is taken under the same machine load; the report is the
ratio of the fastest repeats and of the medians. The two Hv are compared first.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_hvp(lib, n: int, dtype: str = "float32", wrt: str = "x"):
    rng = np.random.default_rng(0)
    dt = getattr(lib, dtype)
    w = lib.tensor(rng.standard_normal((n, n)) / np.sqrt(n), dtype=dt,
                   requires_grad=wrt == "W")
    x = lib.tensor(rng.standard_normal(n), dtype=dt, requires_grad=wrt == "x")
    if wrt == "W":
        vw = lib.tensor(rng.standard_normal((n, n)), dtype=dt)

        def step_w():
            f = lib.tanh(w @ x).sum()
            g, = lib.autograd.grad(f, w, create_graph=True)
            hv, = lib.autograd.grad((g * vw).sum(), w)
            return hv
        return step_w
    v = lib.tensor(rng.standard_normal(n), dtype=dt)

    def step():
        f = lib.tanh(w @ x).sum()
        g, = lib.autograd.grad(f, x, create_graph=True)
        hv, = lib.autograd.grad(g @ v, x)
        return hv
    return step


def _time(step, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        step()
    return (time.perf_counter() - t0) / calls


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--wrt", choices=("x", "W"), default="x",
                    help="differentiate w.r.t. x (W a constant) or W (V of W's shape)")
    ap.add_argument("--min-time", type=float, default=0.2, help="seconds per repeat")
    args = ap.parse_args()
    import torch

    import chainrule
    torch.set_num_threads(1)
    steps = {"chainrule": make_hvp(chainrule, args.n, wrt=args.wrt),
             "torch": make_hvp(torch, args.n, wrt=args.wrt)}
    ours, ref = steps["chainrule"]().numpy(), steps["torch"]().numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-4, atol=1e-5)
    calls = {}
    for name, step in steps.items():
        step()
        calls[name] = max(1, int(args.min_time / max(_time(step, 1), 1e-9)))
    times = {name: [] for name in steps}
    for _ in range(args.repeats):
        for name, step in steps.items():
            times[name].append(_time(step, calls[name]))
    best = {k: min(v) for k, v in times.items()}
    med = {k: statistics.median(v) for k, v in times.items()}
    for name in steps:
        print(f"{name:10s} best {best[name] * 1e6:8.1f} us  median {med[name] * 1e6:8.1f} us")
    print(f"ratio chainrule/torch: best {best['chainrule'] / best['torch']:.2f}x, "
          f"median {med['chainrule'] / med['torch']:.2f}x (n={args.n}, w.r.t. {args.wrt})")


if __name__ == "__main__":
    main()
