"""The side-by-side driver the per-family bench scripts share: each implementation
(chainrule, torch, hand-written NumPy) runs in its own single-threaded process, first
returns the gradient of the very callable it is about to time (the parent compares them),
then times it. A script gives ``build(impl, lib, case, args) -> step`` (``step()`` runs
forward + backward and returns the gradient as an array or tensor) and its case labels.
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
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
IMPLS = ("chainrule", "torch", "numpy")


def _lib(impl):
    if impl == "torch":
        import torch
        torch.set_num_threads(1)
        return torch
    if impl == "chainrule":
        sys.path.insert(0, str(ROOT))
        import chainrule
        return chainrule
    return None


def _worker(build, impl, case, repeats, min_time, script_args):
    step = build(impl, _lib(impl), case, script_args)
    grad = step()
    np.save(os.environ["BENCH_GRAD_OUT"],
            np.asarray(grad if isinstance(grad, np.ndarray) else grad.numpy(), np.float64))
    step()
    t0 = time.perf_counter()
    step()
    calls = max(1, int(min_time / max(time.perf_counter() - t0, 1e-9)))
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            step()
        times.append((time.perf_counter() - t0) / calls)
    print(json.dumps({"times": times}))


def main(script, build, labels, *, result_name, extra_args=(), rtol=1e-4):
    """Parse the command line and run as the parent or as one worker. ``labels``:
    {case: human label}; ``extra_args``: (flag, type, default) the script's cases read."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker")
    ap.add_argument("--case")
    ap.add_argument("--only", default=",".join(labels))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--quick", action="store_true")
    for flag, typ, default in extra_args:
        ap.add_argument(flag, type=typ, default=default)
    args = ap.parse_args()
    if args.worker:
        _worker(build, args.worker, args.case, args.repeats, args.min_time, args)
        return
    if args.quick:
        args.repeats, args.min_time = 3, 0.03
    passthrough = [x for flag, _, _ in extra_args
                   for x in (flag, str(getattr(args, flag.lstrip("-").replace("-", "_"))))]
    rows, failed = [], False
    with tempfile.TemporaryDirectory() as tmp:
        for case in args.only.split(","):
            res, grads = {}, {}
            for impl in IMPLS:
                out = Path(tmp) / f"{case}_{impl}.npy"
                env = dict(os.environ, BENCH_GRAD_OUT=str(out), PYTHONPATH=str(ROOT))
                proc = subprocess.run(
                    [sys.executable, script, "--worker", impl, "--case", case,
                     "--repeats", str(args.repeats), "--min-time", str(args.min_time),
                     *passthrough], capture_output=True, text=True, env=env, check=False)
                if proc.returncode:
                    raise RuntimeError(f"{impl} worker failed on {case}:\n{proc.stderr}")
                res[impl] = json.loads(proc.stdout.strip().splitlines()[-1])["times"]
                grads[impl] = np.load(out)
            scale = max(np.abs(grads["torch"]).max(), 1e-30)
            ok = all(np.allclose(grads[i], grads["torch"], rtol=rtol, atol=rtol * scale)
                     for i in ("chainrule", "numpy"))
            failed |= not ok
            med = {k: statistics.median(v) * 1e6 for k, v in res.items()}
            mn = {k: min(v) * 1e6 for k, v in res.items()}
            rows.append(f"| {labels[case]} | {med['chainrule']:.0f} | {med['torch']:.0f} | "
                        f"{med['numpy']:.0f} | {med['chainrule'] / med['torch']:.2f} | "
                        f"{mn['chainrule'] / mn['torch']:.2f} | "
                        f"{med['numpy'] / med['torch']:.2f} | {'PASS' if ok else 'FAIL'} |")
    table = "\n".join(["| case (fwd+bwd) | chainrule µs | torch µs | numpy µs | cr/torch | "
                       "cr/torch (min) | numpy/torch | check |",
                       "| --- | --- | --- | --- | --- | --- | --- | --- |", *rows])
    print(table)
    if not args.quick:
        import torch
        out = ROOT / "bench" / "results" / f"{result_name}.md"
        old = out.read_text() if out.exists() else ""
        notes = old.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in old else "\n"
        out.write_text(
            f"# bench/{Path(script).name}\n\nMachine: {platform.machine()}, {os.cpu_count()} "
            f"CPUs (shared), Python {platform.python_version()}, NumPy {np.__version__}, "
            f"torch {torch.__version__}; one thread each; medians of {args.repeats} repeats; "
            f"date {time.strftime('%Y-%m-%d')}.\n\n{table}\n\n<!-- notes -->{notes}")
    sys.exit(1 if failed else 0)
