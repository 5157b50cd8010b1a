"""Per-sample gradients with torch.func: ``vmap(grad(loss))`` over ``functional_call`` vs a
Python loop of ``grad`` per sample, and jacrev of a wide layer; chainrule and torch eager,
single-threaded.

    python bench/func_vmap.py            # writes bench/results/func_vmap.md
    python bench/func_vmap.py --quick    # 3 short repeats, writes nothing

Cases:

* ``psg``: an MLP ``Linear(32, 64) -> ReLU -> Linear(64, 10)``, cross-entropy per sample,
  batch 64, float32: per-sample gradients of all four parameters, as the per-sample-grads
  tutorial computes them (``vmap(grad(compute_loss), in_dims=(None, None, 0, 0))``), and as
  a Python loop over the 64 samples (``grad`` per sample, then ``stack``). The two results
  are compared before timing.
* ``jac``: ``jacrev(lambda x: tanh(W @ x))`` with W (2048, 2048) float32.

Each implementation runs in its own process (``--worker``): chainrule never shares a
process with torch. Reported: the median repeat, in milliseconds, and the loop/vmap ratio.
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
BATCH = 64


def _data():
    rng = np.random.default_rng(0)
    f32 = np.float32
    return {
        "0.weight": rng.uniform(-0.17, 0.17, (64, 32)).astype(f32),
        "0.bias": rng.uniform(-0.17, 0.17, 64).astype(f32),
        "2.weight": rng.uniform(-0.125, 0.125, (10, 64)).astype(f32),
        "2.bias": rng.uniform(-0.125, 0.125, 10).astype(f32),
        "x": rng.standard_normal((BATCH, 32)).astype(f32),
        "y": rng.integers(0, 10, BATCH),
        "W": (rng.standard_normal((2048, 2048)) / 50).astype(f32),
        "v": rng.standard_normal(2048).astype(f32),
    }


def _setup(name):
    if name == "torch":
        import torch
        torch.set_num_threads(1)
    else:
        sys.path.insert(0, str(ROOT))
        import chainrule as torch
    functional_call, grad = torch.func.functional_call, torch.func.grad
    jacrev, vmap = torch.func.jacrev, torch.func.vmap
    d = _data()
    model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10))
    params = {k: torch.tensor(d[k]) for k in ("0.weight", "0.bias", "2.weight", "2.bias")}
    x, y = torch.tensor(d["x"]), torch.tensor(d["y"])

    def compute_loss(p, sample, target):
        out = functional_call(model, p, (sample.unsqueeze(0),))
        return torch.nn.functional.cross_entropy(out, target.unsqueeze(0))

    per_sample = vmap(grad(compute_loss), in_dims=(None, 0, 0))
    one = grad(compute_loss)

    def vmapped():
        return per_sample(params, x, y)

    def loop():
        grads = [one(params, x[i], y[i]) for i in range(BATCH)]
        return {k: torch.stack([g[k] for g in grads]) for k in params}

    W, v = torch.tensor(d["W"]), torch.tensor(d["v"])
    jac = jacrev(lambda u: torch.tanh(W @ u))

    def jacobian():
        return jac(v)
    return {"psg_vmap": vmapped, "psg_loop": loop, "jac": jacobian}


def _time(fn, repeats, target):
    fn()
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    number = max(1, int(target / max(once, 1e-9)))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return times


def worker(name, repeats, target):
    cases = _setup(name)
    out = {}
    a, b = cases["psg_vmap"](), cases["psg_loop"]()
    out["max_diff"] = max(float(abs(a[k].detach().numpy() - b[k].detach().numpy()).max())
                          for k in a)
    out["psg_vmap_value"] = {k: v.detach().numpy().tolist() for k, v in a.items()}
    for case, fn in cases.items():
        out[case] = _time(fn, repeats, target)
    print(json.dumps(out))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker")
    args = parser.parse_args()
    repeats, target = (3, 0.05) if args.quick else (7, 0.3)
    if args.worker:
        worker(args.worker, repeats, target)
        return
    results = {}
    for name in ("chainrule", "torch"):
        proc = subprocess.run([sys.executable, __file__, "--worker", name] +
                              (["--quick"] if args.quick else []),
                              capture_output=True, text=True, check=True)
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    cr, th = results["chainrule"], results["torch"]
    agree = max(float(np.abs(np.array(cr["psg_vmap_value"][k]) -
                             np.array(th["psg_vmap_value"][k])).max())
                for k in cr["psg_vmap_value"])
    ok = cr["max_diff"] < 1e-5 and agree < 1e-5
    med = {n: {c: statistics.median(r[c]) * 1e3 for c in ("psg_vmap", "psg_loop", "jac")}
           for n, r in results.items()}
    rows = [
        ("per-sample grads, vmap(grad), batch 64", "psg_vmap"),
        ("per-sample grads, Python loop of grad, batch 64", "psg_loop"),
        ("jacrev tanh(W @ x), W (2048, 2048)", "jac"),
    ]
    lines = ["# bench/func_vmap.py", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
             f"{platform.python_version()}, NumPy {np.__version__}; one thread each; medians "
             f"of {repeats} repeats; date {time.strftime('%Y-%m-%d')}.", "",
             "| case | chainrule ms | torch ms | cr/torch |", "| --- | --- | --- | --- |"]
    for label, key in rows:
        lines.append(f"| {label} | {med['chainrule'][key]:.2f} | {med['torch'][key]:.2f} | "
                     f"{med['chainrule'][key] / med['torch'][key]:.2f} |")
    speedup_cr = med["chainrule"]["psg_loop"] / med["chainrule"]["psg_vmap"]
    speedup_th = med["torch"]["psg_loop"] / med["torch"]["psg_vmap"]
    lines += ["", f"loop / vmap: chainrule **{speedup_cr:.1f}x**, torch {speedup_th:.1f}x "
              f"(target: chainrule >= 5x). vmap vs loop max |diff| {cr['max_diff']:.2e}; "
              f"chainrule vs torch per-sample grads max |diff| {agree:.2e}: "
              f"{'PASS' if ok else 'FAIL'}."]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        (ROOT / "bench" / "results" / "func_vmap.md").write_text(text)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
