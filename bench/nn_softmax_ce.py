"""softmax / log_softmax / cross_entropy forward + backward: chainrule vs torch eager vs
hand-written NumPy, single-threaded.

    python bench/nn_softmax_ce.py           # all cases, writes bench/results/nn_softmax_ce.md
    python bench/nn_softmax_ce.py --quick          # small CE, 3 repeats, writes nothing
    python bench/nn_softmax_ce.py --only softmax   # softmax,log_softmax,ce

Cases:

* ``softmax`` / ``log_softmax``: x (64, 1024) float32 requiring grad; ``y = softmax(x, 1)``,
  ``y.backward(g)`` with a fixed upstream gradient; ``x.grad`` reset to None before each call.
* ``ce``: logits (4096, 32000) float32 requiring grad, int64 class-index targets;
  ``cross_entropy(x, t).backward()``. No one-hot matrix anywhere: the forward gathers the
  target log-probabilities, the backward is softmax minus a scatter of 1 at the targets.

Each implementation runs in its own process (``--worker``), so chainrule never shares a
process with torch; workers first return their gradients, which the parent compares, then
time. Reported: the median of the repeats (and min/max), in microseconds or milliseconds.
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
SM_SHAPE = (64, 1024)


def _data(case, ce_rows, ce_classes):
    rng = np.random.default_rng(0)
    if case in ("softmax", "log_softmax"):
        x = rng.standard_normal(SM_SHAPE).astype(np.float32)
        g = rng.standard_normal(SM_SHAPE).astype(np.float32)
        return x, g
    x = (rng.standard_normal((ce_rows, ce_classes), dtype=np.float32) * 2)
    t = rng.integers(0, ce_classes, ce_rows)
    return x, t


# ---------------------------------------------------------------------------- workloads
def _build_lib(lib, case, x, other):
    xt = lib.tensor(x, requires_grad=True)
    if case == "ce":
        tt = lib.tensor(other)
        F = lib.nn.functional

        def step():
            xt.grad = None
            F.cross_entropy(xt, tt).backward()
            return xt.grad
    else:
        gt = lib.tensor(other)
        fn = getattr(lib, case)

        def step():
            xt.grad = None
            fn(xt, 1).backward(gt)
            return xt.grad
    return step


def _build_numpy(case, x, other):
    ones = np.ones(x.shape[1], dtype=x.dtype)
    if case == "softmax":
        def step():
            y = x - np.maximum.reduce(x, axis=1, keepdims=True)
            np.exp(y, out=y)
            y *= 1 / (y @ ones)[:, None]
            gx = other - np.vecdot(other, y)[:, None]
            gx *= y
            return gx
    elif case == "log_softmax":
        def step():
            s = x - np.maximum.reduce(x, axis=1, keepdims=True)
            s -= np.log(np.exp(s) @ ones)[:, None]
            gx = np.exp(s)
            gx *= (other @ ones)[:, None]
            np.subtract(other, gx, out=gx)
            return gx
    else:
        rows = np.arange(x.shape[0])

        def step():
            s = x - np.maximum.reduce(x, axis=1, keepdims=True)
            s -= np.log(np.exp(s) @ ones)[:, None]
            loss = -s[rows, other].mean()  # noqa: F841 - the forward a user would compute
            gx = np.exp(s, out=s)
            gx[rows, other] -= 1
            gx *= np.float32(1 / x.shape[0])
            return gx
    return step


def worker(impl, case, repeats, min_time, ce_rows, ce_classes):
    if impl == "torch":
        import torch
        torch.set_num_threads(1)
        lib = torch
    elif impl == "chainrule":
        sys.path.insert(0, str(ROOT))
        import chainrule
        lib = chainrule
    x, other = _data(case, ce_rows, ce_classes)
    step = _build_numpy(case, x, other) if impl == "numpy" else _build_lib(lib, case, x, other)
    grad = step()
    grad = np.asarray(grad if impl == "numpy" else grad.numpy(), dtype=np.float64)
    np.save(os.environ["BENCH_GRAD_OUT"], grad)
    step()
    calls = 1
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


# ---------------------------------------------------------------------------- driver
def run_case(case, repeats, min_time, ce_rows, ce_classes, tmp):
    results, grads = {}, {}
    for impl in ("chainrule", "torch", "numpy"):
        out = Path(tmp) / f"{case}_{impl}.npy"
        env = dict(os.environ, BENCH_GRAD_OUT=str(out), PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, __file__, "--worker", impl, "--case", case,
                               "--repeats", str(repeats), "--min-time", str(min_time),
                               "--ce-rows", str(ce_rows), "--ce-classes", str(ce_classes)],
                              capture_output=True, text=True, env=env, check=False)
        if proc.returncode:
            raise RuntimeError(f"{impl} worker failed:\n{proc.stderr}")
        results[impl] = json.loads(proc.stdout.strip().splitlines()[-1])["times"]
        grads[impl] = np.load(out)
        out.unlink()
    scale = np.abs(grads["torch"]).max()
    ok = all(np.allclose(grads[i], grads["torch"], rtol=1e-3, atol=1e-5 * scale)
             for i in ("chainrule", "numpy"))
    return results, ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("--case", default="softmax")
    ap.add_argument("--only", default="softmax,log_softmax,ce")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--ce-rows", type=int, default=4096)
    ap.add_argument("--ce-classes", type=int, default=32000)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.case, args.repeats, args.min_time, args.ce_rows,
               args.ce_classes)
        return
    if args.quick:
        args.repeats, args.min_time, args.ce_rows, args.ce_classes = 3, 0.05, 256, 4000
    import tempfile
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.only.split(","):
            ce_rep = max(3, args.repeats // 2) if case == "ce" else args.repeats
            res, ok = run_case(case, ce_rep, args.min_time if case != "ce" else 0.0,
                               args.ce_rows, args.ce_classes, tmp)
            rows.append((case, res, ok))
    unit = {"softmax": 1e6, "log_softmax": 1e6, "ce": 1e3}
    label = {"softmax": "softmax fwd+bwd (64, 1024) f32",
             "log_softmax": "log_softmax fwd+bwd (64, 1024) f32",
             "ce": f"cross_entropy fwd+bwd ({args.ce_rows}, {args.ce_classes}) f32"}
    lines = ["| case | unit | chainrule | torch | numpy | cr/torch | cr/torch (min) | "
             "numpy/torch | check |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    failed = False
    for case, res, ok in rows:
        med = {k: statistics.median(v) * unit[case] for k, v in res.items()}
        mn = {k: min(v) * unit[case] for k, v in res.items()}
        failed |= not ok
        lines.append(f"| {label[case]} | {'µs' if unit[case] == 1e6 else 'ms'} | "
                     f"{med['chainrule']:.1f} | {med['torch']:.1f} | {med['numpy']:.1f} | "
                     f"{med['chainrule'] / med['torch']:.2f} | "
                     f"{mn['chainrule'] / mn['torch']:.2f} | "
                     f"{med['numpy'] / med['torch']:.2f} | {'PASS' if ok else 'FAIL'} |")
    table = "\n".join(lines)
    print(table)
    if not args.quick:
        import torch
        machine = platform.processor() or platform.machine()
        header = (f"# bench/nn_softmax_ce.py\n\nMachine: {machine}"
                  f", {os.cpu_count()} CPUs (shared), Python {platform.python_version()}, NumPy "
                  f"{np.__version__}, torch {torch.__version__}; one thread each; medians of "
                  f"{args.repeats} repeats (CE: {max(3, args.repeats // 2)}); date "
                  f"{time.strftime('%Y-%m-%d')}.\n\n")
        out = ROOT / "bench" / "results" / "nn_softmax_ce.md"
        notes = out.read_text().split("<!-- notes -->", 1)[1] if out.exists() and \
            "<!-- notes -->" in out.read_text() else ""
        out.write_text(header + table + "\n\n<!-- notes -->" + notes)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
