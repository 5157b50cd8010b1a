"""layer_norm, embedding and batch_norm forward + backward: chainrule vs torch eager vs
hand-written NumPy, single-threaded.

    python bench/nn_norm.py                 # all cases, writes bench/results/nn_norm.md
    python bench/nn_norm.py --quick         # 3 short repeats, writes nothing
    python bench/nn_norm.py --only ln,bn    # ln,emb,bn
    python bench/nn_norm.py --interleaved   # all three in one process, round-robin

Cases:

* ``ln``: x (64, 1024) float32, weight and bias (1024,), all requiring grad;
  ``layer_norm(x, (1024,), w, b).backward(g)`` with a fixed upstream gradient.
* ``emb``: a (32000, 512) float32 table requiring grad, (64, 128) int64 indices;
  ``embedding(idx, w).backward(g)``. The weight's gradient is a scatter-add of rows into a
  zero table (no one-hot matrix); the table's gradient alone is 65 MB.
* ``bn``: a batch_norm training step: x (64, 64, 14, 14) float32, weight and bias (64,)
  requiring grad, running statistics updated; ``batch_norm(...).backward(g)``.

Gradients are reset to None before each call. Each implementation runs in its own process
(``--worker``), so chainrule never shares a process with torch; the workers first return
the input's gradient, which the parent compares, then time. Reported: the median of the
repeats (and the ratio of the minima), in microseconds or milliseconds.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHAPES = {"ln": (64, 1024), "emb": ((32000, 512), (64, 128)), "bn": (64, 64, 14, 14)}


def _data(case):
    rng = np.random.default_rng(0)
    f32 = np.float32
    if case == "ln":
        shape = SHAPES["ln"]
        return (rng.standard_normal(shape).astype(f32), rng.standard_normal(shape[1:]).astype(f32),
                rng.standard_normal(shape[1:]).astype(f32), rng.standard_normal(shape).astype(f32))
    if case == "emb":
        table, idx_shape = SHAPES["emb"]
        return (rng.standard_normal(table).astype(f32), rng.integers(0, table[0], idx_shape),
                rng.standard_normal(idx_shape + table[1:]).astype(f32))
    shape = SHAPES["bn"]
    c = shape[1]
    return (rng.standard_normal(shape).astype(f32), rng.standard_normal(c).astype(f32),
            rng.standard_normal(c).astype(f32), rng.standard_normal(shape).astype(f32))


# ---------------------------------------------------------------------------- workloads
def _build_lib(lib, case, data):
    F = lib.nn.functional
    if case == "ln":
        x, w, b, g = data
        xt, wt, bt, gt = (lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True),
                          lib.tensor(b, requires_grad=True), lib.tensor(g))

        def step():
            xt.grad = wt.grad = bt.grad = None
            F.layer_norm(xt, (x.shape[1],), wt, bt).backward(gt)
            return xt.grad
    elif case == "emb":
        w, idx, g = data
        wt, it, gt = lib.tensor(w, requires_grad=True), lib.tensor(idx), lib.tensor(g)

        def step():
            wt.grad = None
            F.embedding(it, wt).backward(gt)
            return wt.grad
    else:
        x, w, b, g = data
        c = x.shape[1]
        xt, wt, bt, gt = (lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True),
                          lib.tensor(b, requires_grad=True), lib.tensor(g))
        rm, rv = lib.zeros(c), lib.ones(c)

        def step():
            xt.grad = wt.grad = bt.grad = None
            F.batch_norm(xt, rm, rv, wt, bt, training=True).backward(gt)
            return xt.grad
    return step


def _build_numpy(case, data):
    if case == "ln":
        x, w, b, g = data
        k = x.shape[1]
        ones, ones_m = np.ones(k, np.float32), np.ones(x.shape[0], np.float32)
        inv = np.float32(1 / k)

        def step():
            mean = (x @ ones) * inv
            xhat = x - mean[:, None]
            rstd = 1 / np.sqrt(np.vecdot(xhat, xhat) * inv + np.float32(1e-5))
            xhat *= rstd[:, None]
            y = xhat * w
            y += b
            tmp = g * xhat
            gw, gb = ones_m @ tmp, ones_m @ g  # noqa: F841 - weight, bias grads
            a, c = (g @ w) * inv, (tmp @ w) * inv
            gxh = g * w
            np.multiply(xhat, c[:, None], out=tmp)
            gxh -= a[:, None]
            gxh -= tmp
            gxh *= rstd[:, None]
            return gxh
    elif case == "emb":
        w, idx, g = data
        flat, rows = idx.reshape(-1), g.reshape(-1, w.shape[1])

        def step():
            out = w[idx]  # noqa: F841 - the forward a user would compute
            grad = np.zeros_like(w)
            np.add.at(grad, flat, rows)
            return grad
    else:
        x, w, b, g = data
        n, c = x.shape[:2]
        m = n * int(np.prod(x.shape[2:]))
        x3, g3 = x.reshape(n, c, -1), g.reshape(n, c, -1)
        rm, rv = np.zeros(c, np.float32), np.ones(c, np.float32)

        def step():
            mean = x3.sum((0, 2)) / m
            xc = x3 - mean[None, :, None]
            var = np.vecdot(xc, xc).sum(0) / m
            invstd = 1 / np.sqrt(var + np.float32(1e-5))
            rm[:] = 0.9 * rm + 0.1 * mean
            rv[:] = 0.9 * rv + 0.1 * var * (m / (m - 1))
            y = xc * (invstd * w)[None, :, None]
            y += b[None, :, None]
            sum_g, dot = g3.sum((0, 2)), np.vecdot(g3, xc).sum(0)
            gx = xc * (dot / m * invstd * invstd)[None, :, None]
            np.subtract(g3, gx, out=gx)
            gx -= (sum_g / m)[None, :, None]
            gx *= (invstd * w)[None, :, None]
            return gx.reshape(x.shape)
    return step


def worker(impl, case, repeats, min_time):
    if impl == "torch":
        import torch
        torch.set_num_threads(1)
        lib = torch
    elif impl == "chainrule":
        sys.path.insert(0, str(ROOT))
        import chainrule
        lib = chainrule
    data = _data(case)
    step = _build_numpy(case, data) if impl == "numpy" else _build_lib(lib, case, data)
    grad = step()
    grad = np.asarray(grad if impl == "numpy" else grad.numpy(), dtype=np.float64)
    np.save(os.environ["BENCH_GRAD_OUT"], grad)
    step()
    t0 = time.perf_counter()
    step()
    once = time.perf_counter() - t0
    calls = max(1, int(min_time / max(once, 1e-9)))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            step()
        times.append((time.perf_counter() - t0) / calls)
    print(json.dumps({"times": times}))


def interleaved(case, rounds, min_time):
    """All three in this one process, round-robin: the fairest comparison on a shared
    machine (drift hits all alike), at the price of torch's objects sharing chainrule's
    garbage collector (negligible for these array-bound steps)."""
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, str(ROOT))
    import chainrule
    data = _data(case)
    steps = {"chainrule": _build_lib(chainrule, case, data),
             "torch": _build_lib(torch, case, data), "numpy": _build_numpy(case, data)}
    calls = {}
    for impl, step in steps.items():
        step()
        t0 = time.perf_counter()
        step()
        calls[impl] = max(1, int(min_time / max(time.perf_counter() - t0, 1e-9)))
    times = {impl: [] for impl in steps}
    for _ in range(rounds):
        for impl, step in steps.items():
            t0 = time.perf_counter()
            for _ in range(calls[impl]):
                step()
            times[impl].append((time.perf_counter() - t0) / calls[impl])
    return times


# ---------------------------------------------------------------------------- driver
def run_case(case, repeats, min_time, tmp):
    """Workers run round by round (chainrule, torch, numpy, ...): drift hits all alike."""
    results = {impl: [] for impl in ("chainrule", "torch", "numpy")}
    grads = {}
    for _ in range(max(1, repeats // 3)):
        for impl in results:
            out = Path(tmp) / f"{case}_{impl}.npy"
            env = dict(os.environ, BENCH_GRAD_OUT=str(out), PYTHONPATH=str(ROOT))
            proc = subprocess.run([sys.executable, __file__, "--worker", impl, "--case", case,
                                   "--repeats", "3", "--min-time", str(min_time)],
                                  capture_output=True, text=True, env=env, check=False)
            if proc.returncode:
                raise RuntimeError(f"{impl} worker failed:\n{proc.stderr}")
            results[impl] += json.loads(proc.stdout.strip().splitlines()[-1])["times"]
            grads[impl] = np.load(out)
            out.unlink()
    scale = np.abs(grads["torch"]).max()
    ok = all(np.allclose(grads[i], grads["torch"], rtol=1e-3, atol=1e-5 * scale)
             for i in ("chainrule", "numpy"))
    return results, ok


LABELS = {"ln": "layer_norm fwd+bwd (64, 1024) f32",
          "emb": "embedding fwd+bwd (32000, 512) table, (64, 128) indices",
          "bn": "batch_norm train fwd+bwd (64, 64, 14, 14) f32"}
UNITS = {"ln": 1e6, "emb": 1e3, "bn": 1e3}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("--case", default="ln")
    ap.add_argument("--only", default="ln,emb,bn")
    ap.add_argument("--repeats", type=int, default=9)
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--interleaved", action="store_true",
                    help="one process, round-robin (prints the table, writes nothing)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "nn_norm.md"))
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.case, args.repeats, args.min_time)
        return
    if args.quick:
        args.repeats, args.min_time = 3, 0.05
    import tempfile
    rows = []
    if args.interleaved:
        for case in args.only.split(","):
            rows.append((case, interleaved(case, 3 * args.repeats, args.min_time / 3), True))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            for case in args.only.split(","):
                rows.append((case, *run_case(case, args.repeats, args.min_time, tmp)))
    lines = ["| case | unit | chainrule | torch | numpy | cr/torch | cr/torch (min) | "
             "numpy/torch | check |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    failed = False
    for case, res, ok in rows:
        med = {k: statistics.median(v) * UNITS[case] for k, v in res.items()}
        mn = {k: min(v) * UNITS[case] for k, v in res.items()}
        failed |= not ok
        lines.append(f"| {LABELS[case]} | {'µs' if UNITS[case] == 1e6 else 'ms'} | "
                     f"{med['chainrule']:.1f} | {med['torch']:.1f} | {med['numpy']:.1f} | "
                     f"{med['chainrule'] / med['torch']:.2f} | "
                     f"{mn['chainrule'] / mn['torch']:.2f} | "
                     f"{med['numpy'] / med['torch']:.2f} | {'PASS' if ok else 'FAIL'} |")
    table = "\n".join(lines)
    print(table)
    if not args.quick and not args.interleaved:
        import torch
        header = (f"# bench/nn_norm.py\n\nMachine: {platform.processor() or platform.machine()}"
                  f", {os.cpu_count()} CPUs, Python {platform.python_version()}, NumPy "
                  f"{np.__version__}, torch {torch.__version__}; one thread each; medians of "
                  f"{3 * max(1, args.repeats // 3)} repeats over {max(1, args.repeats // 3)} "
                  f"rounds of fresh worker processes; date {time.strftime('%Y-%m-%d')}.\n\n")
        out = Path(args.out)
        old = out.read_text() if out.exists() else ""
        notes = old.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in old else ""
        out.write_text(header + table + "\n\n<!-- notes -->" + notes)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
