"""chainrule vs torch eager vs hand-written NumPy: one command, one table.

    python bench/run.py                      # full run (7 repeats), writes bench/results/latest.md
    python bench/run.py --quick              # smoke run (3 repeats, shorter), writes nothing
    python bench/run.py --json bench/results/<name>.json

Each implementation runs in its own worker process, single-threaded, and their timed
repeats are interleaved (chainrule, torch, numpy, chainrule, torch, numpy, ...) so a drift
in the machine's speed hits all of them alike.  Each case checks that the gradients (for the
training step (t): the parameters after a few steps) agree before anything is timed; a case
whose check fails is reported as FAIL and never as PASS.
See bench/README.md.
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import cases  # noqa: E402
import numpy as np  # noqa: E402

TARGETS = {  # case -> max allowed chainrule/torch ratio, or seconds for import
    "a": ("ratio_torch", 0.6),
    "f": ("ratio_torch", 0.5),
    "t": ("ratio_torch", 1.0),
    "import": ("seconds", 0.25),
}
IMPLS = ("chainrule", "torch", "numpy")
CASE_ORDER = ("a", "f", "t", "import")
TIMED_CASES = ("a", "f", "t")      # run in the workers


# ----------------------------------------------------------------------------------------
# timing: one worker process per implementation, driven in turn
# ----------------------------------------------------------------------------------------
#
# Each implementation is timed in its own process that imports only what it needs (the
# chainrule worker never imports torch, the torch worker never imports chainrule).  This
# matters: chainrule's graph is made of Python objects, so the garbage collector's full
# collections scan every live Python object in the process, and torch's import alone adds
# ~150,000 of them; timing chainrule beside an imported torch made (f) ~30% slower than
# what a chainrule user sees.  The parent process drives the three workers in turn,
# repeat by repeat (chainrule, torch, numpy, chainrule, ...), so drift in the machine's
# speed hits all of them alike.

def _calibrate(fn, target_s):
    """Calls of fn per timed repeat so that one repeat lasts about target_s (>= 1)."""
    t0 = time.perf_counter()
    fn()
    one = time.perf_counter() - t0
    return max(1, math.ceil(target_s / max(one, 1e-9)))


def _grads_to_lists(grads):
    out = []
    for g in grads:
        a = cases._np(g)
        out.append({"dtype": a.dtype.name, "shape": list(a.shape), "data": a.ravel().tolist()})
    return out


def _grads_from_lists(items):
    return tuple(np.asarray(i["data"], dtype=i["dtype"]).reshape(i["shape"]) for i in items)


def worker_main(impl):
    """The worker loop: one JSON command per line on stdin, one JSON answer per line."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stdout = sys.stderr               # nothing but the protocol on the pipe
    lib = None
    if impl == "torch":
        import torch as lib
        lib.set_num_threads(1)
        try:
            lib.set_num_interop_threads(1)
        except RuntimeError:
            pass
    elif impl == "chainrule":
        import chainrule as lib
    fns = {}
    proto.write(json.dumps({"ok": True, "modules": sorted(
        m for m in ("torch", "chainrule") if m in sys.modules)}) + "\n")
    perf = time.perf_counter
    for line in sys.stdin:
        msg = json.loads(line)
        cmd, case = msg["cmd"], msg.get("case")
        try:
            if cmd == "quit":
                break
            if case is not None and case not in fns:
                fns[case] = cases.build(case, impl, lib)
            if cmd == "grads":                 # (t): the parameters after a few steps
                for _ in range(cases.CHECK_CALLS.get(case, 1)):
                    out = fns[case]()
                ans = {"grads": _grads_to_lists(out)}
            elif cmd == "calibrate":           # warm-up, then size one repeat
                fns[case]()
                ans = {"inner": _calibrate(fns[case], msg["target_s"])}
            elif cmd == "time":
                fn, n = fns[case], msg["inner"]
                loop = range(n)
                gc.collect()                    # nobody pays for earlier garbage
                t0 = perf()
                for _ in loop:
                    fn()
                dt = perf() - t0
                ans = {"us_per_op": dt / n / cases.N_OPS[case] * 1e6}
            else:
                raise ValueError(f"unknown command {cmd!r}")
        except Exception:  # noqa: BLE001
            ans = {"error": traceback.format_exc()}
        proto.write(json.dumps(ans) + "\n")


class Worker:
    def __init__(self, impl):
        self.impl = impl
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()),
                                      "--worker", impl], cwd=str(ROOT), env=dict(os.environ),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        hello = self._read()
        if impl == "chainrule" and "torch" in hello["modules"]:
            raise RuntimeError("the chainrule worker imported torch; its timings would be unfair")

    def _read(self):
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.impl} worker died (see its stderr above)")
        ans = json.loads(line)
        if "error" in ans:
            raise RuntimeError(f"{self.impl} worker failed:\n{ans['error']}")
        return ans

    def ask(self, **msg):
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self):
        try:
            self.proc.stdin.write(json.dumps({"cmd": "quit"}) + "\n")
            self.proc.stdin.close()
        except (BrokenPipeError, ValueError):
            pass
        self.proc.wait(timeout=30)


def time_case(workers, case, repeats, target_s):
    """Correctness of the very callables being timed, then interleaved timed repeats.
    Returns ({impl: [µs per op per repeat]}, {impl: calls per repeat})."""
    grads = {impl: _grads_from_lists(w.ask(cmd="grads", case=case)["grads"])
             for impl, w in workers.items()}
    cases.compare_timed(case, grads)
    inner = {impl: w.ask(cmd="calibrate", case=case, target_s=target_s)["inner"]
             for impl, w in workers.items()}
    samples = {impl: [] for impl in workers}
    for _ in range(repeats):
        for impl, w in workers.items():
            samples[impl].append(w.ask(cmd="time", case=case, inner=inner[impl])["us_per_op"])
    return samples, inner


def _summary(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "samples": samples}


def run_case_a(chainrule, torch, workers, repeats, target_s):
    cases.check_a(chainrule, torch)          # float32 and float64, all three, in-process
    samples, inner = time_case(workers, "a", repeats, target_s)
    n_ops = cases.N_OPS["a"]
    return {
        "title": f"(a) {n_ops} elementwise ops, shape ({cases.A_SIZE},) float32, fwd+bwd",
        "unit": "µs/op", "n_ops": n_ops, "inner_calls": inner,
        "numpy_impl": "hand-written NumPy forward + hand-derived backward, float32",
        "results": {k: _summary(v) for k, v in samples.items()},
    }


def run_case_f(chainrule, torch, workers, repeats, target_s):
    cases.check_f(chainrule, torch)
    samples, inner = time_case(workers, "f", repeats, target_s)
    return {
        "title": f"(f) {cases.F_OPS:,} chained scalar ops (0-d float32), fwd+bwd",
        "unit": "µs/op", "n_ops": cases.F_OPS, "inner_calls": inner,
        "numpy_impl": "Python floats with math.sin/math.cos (float64), hand-written backward; "
                      "faster than NumPy 0-d arrays, so the honest floor",
        "results": {k: _summary(v) for k, v in samples.items()},
    }


def run_case_t(chainrule, torch, workers, repeats, target_s):
    cases.check_t(chainrule, torch)          # float32 and float64, all three, in-process
    samples, inner = time_case(workers, "t", repeats, target_s)
    return {
        "title": f"(t) SGD training step: MLP {cases.T_IN}-{cases.T_HIDDEN}-{cases.T_OUT} "
                 f"(Linear, Tanh, Linear), MSELoss, batch {cases.T_BATCH}, float32, "
                 f"SGD(lr={cases.T_LR}, momentum={cases.T_MOMENTUM}); "
                 "zero_grad+forward+loss+backward+step",
        "unit": "µs/step", "n_ops": 1, "inner_calls": inner,
        "numpy_impl": "hand-written NumPy forward, hand-derived backward and SGD-momentum "
                      "update, float32",
        "results": {k: _summary(v) for k, v in samples.items()},
    }


def run_case_import(runs):
    """Fresh-process import time: median wall time of `python -c "import X"` minus the
    median of `python -c "pass"`, all run in turn so drift hits all alike.

    Measured as a user sees it, with bytecode caching on: PYTHONDONTWRITEBYTECODE is
    dropped and PYTHONPYCACHEPREFIX points at a directory under the system temp dir, so
    the warm-up run compiles once and nothing is written into the source tree.  chainrule
    is also measured with caching off (every module compiled from source on each import),
    reported as chainrule_no_pyc and not judged.
    """
    env = dict(os.environ)
    old_path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + old_path if old_path else "")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "chainrule-bench-pycache")
    env_nopyc = dict(env)
    env_nopyc.pop("PYTHONPYCACHEPREFIX")
    env_nopyc["PYTHONDONTWRITEBYTECODE"] = "1"
    stmts = {"pass": ("pass", env), "numpy": ("import numpy", env),
             "chainrule": ("import chainrule", env), "torch": ("import torch", env),
             "chainrule_no_pyc": ("import chainrule", env_nopyc)}

    def once(stmt, e):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", stmt], env=e, cwd=str(ROOT),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"`python -c {stmt!r}` failed:\n{proc.stderr.decode()[-2000:]}")
        return dt

    for stmt, e in stmts.values():  # warm-up: bytecode cache, file-system caches
        once(stmt, e)
    raw = {k: [] for k in stmts}
    for _ in range(runs):
        for k, (stmt, e) in stmts.items():
            raw[k].append(once(stmt, e))
    base = statistics.median(raw["pass"])
    results = {}
    for k in ("chainrule", "torch", "numpy"):
        results[k] = _summary([t - base for t in raw[k]])
    return {
        "title": "import time, fresh process, minus `python -c pass` (bytecode cache on)",
        "unit": "s", "runs": runs, "baseline_pass_s": base,
        "numpy_impl": "`import numpy` (chainrule's floor: it needs NumPy)",
        "chainrule_no_pyc": _summary([t - base for t in raw["chainrule_no_pyc"]]),
        "results": results, "raw": raw,
    }


# ----------------------------------------------------------------------------------------
# report
# ----------------------------------------------------------------------------------------
def machine_info():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = None
    info = {
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M:%S UTC"),
        "nproc": os.cpu_count(), "nproc_usable": affinity, "cpu_model": cpu,
        "platform": platform.platform(), "python": platform.python_version(),
        "numpy": np.__version__,
    }
    try:
        import torch
        info["torch"] = torch.__version__
    except Exception as exc:  # noqa: BLE001
        info["torch"] = f"unavailable ({exc})"
    try:
        import chainrule
        info["chainrule"] = getattr(chainrule, "__version__", "?")
    except Exception as exc:  # noqa: BLE001
        info["chainrule"] = f"unavailable ({exc})"
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "chainrule"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        info["git"] = commit + (" + uncommitted changes in chainrule/" if dirty else "")
    except OSError:
        info["git"] = "unknown"
    info["threads"] = "OMP/MKL/OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)"
    return info


def verdict(case, res):
    kind, limit = TARGETS[case]
    target = f"≤ {limit}x torch" if kind == "ratio_torch" else f"≤ {limit} s"
    if "error" in res:
        return "FAIL", target
    med = {k: v["median"] for k, v in res["results"].items()}
    if kind == "ratio_torch":
        value = med["chainrule"] / med["torch"]
        return ("PASS" if value <= limit else "MISS"), target
    value = med["chainrule"]
    return ("PASS" if value <= limit else "MISS"), target


def _fmt(v, unit):
    if unit == "s":
        return f"{v:.3f}"
    return f"{v:.2f}" if v < 100 else f"{v:.0f}"


def build_rows(report):
    rows = []
    for case in CASE_ORDER:
        res = report["cases"].get(case)
        if res is None:
            continue
        ver, target = verdict(case, res)
        if "error" in res:
            rows.append([case, "-", "-", "-", "-", "-", "-", target, ver])
            continue
        med = {k: v["median"] for k, v in res["results"].items()}
        unit = res["unit"]
        rows.append([case, unit, _fmt(med["chainrule"], unit), _fmt(med["torch"], unit),
                     _fmt(med["numpy"], unit), f"{med['chainrule'] / med['torch']:.2f}",
                     f"{med['chainrule'] / med['numpy']:.1f}", target, ver])
    return rows


HEADER = ["case", "unit", "chainrule", "torch", "numpy", "cr/torch", "cr/numpy", "target",
          "verdict"]


def text_table(rows):
    widths = [max(len(str(r[i])) for r in [HEADER] + rows) for i in range(len(HEADER))]
    line = lambda r: "  ".join(str(c).rjust(w) if 1 < i < 7 else str(c).ljust(w)  # noqa: E731
                               for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([line(HEADER), line(["-" * w for w in widths])] + [line(r) for r in rows])


def md_table(rows):
    out = ["| " + " | ".join(HEADER) + " |", "|" + "|".join("---" for _ in HEADER) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def best_ratios(report):
    """chainrule/torch from each side's fastest repeat: a busy machine only ever adds time,
    so the minimums are a useful cross-check on the medians (not judged)."""
    out = []
    for case, res in report["cases"].items():
        if "error" in res:
            continue
        r = res["results"]
        out.append(f"({case}) {r['chainrule']['min'] / r['torch']['min']:.2f}")
    return "cr/torch from fastest repeats (cross-check, not judged): " + ", ".join(out)


def write_markdown(path, report, rows):
    m = report["machine"]
    lines = [
        "# chainrule benchmark results", "",
        f"Generated by `python bench/run.py{' --quick' if report['quick'] else ''}` "
        f"on {m['date_utc']}; medians of {report['repeats']} repeats "
        f"(import: {report['import_runs']} fresh processes).", "",
        md_table(rows), "", best_ratios(report), "",
        "cr/torch and cr/numpy are chainrule's median divided by the other's: below 1 chainrule "
        "is faster, above 1 slower. numpy is the no-autograd floor (for import: `import "
        "numpy`). Targets: (a) ≤ 0.6x torch, (f) ≤ 0.5x torch, (t) ≤ 1.0x torch, "
        "import chainrule ≤ 0.25 s.", "",
        "## Cases", "",
    ]
    for case, res in report["cases"].items():
        if "error" in res:
            lines += [f"- **{case}**: FAILED — `{res['error'].splitlines()[-1]}`"]
            continue
        spread = ", ".join(f"{k} {_fmt(v['min'], res['unit'])}–{_fmt(v['max'], res['unit'])}"
                           for k, v in res["results"].items())
        lines += [f"- **{res['title']}** — min–max over repeats: {spread} {res['unit']}. "
                  f"NumPy column: {res['numpy_impl']}."]
        if "chainrule_no_pyc" in res:
            lines += [f"  Without bytecode cache (`PYTHONDONTWRITEBYTECODE=1`, every module "
                      f"compiled on import): chainrule "
                      f"{_fmt(res['chainrule_no_pyc']['median'], 's')} s (not judged)."]
    lines += ["", "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in m.items()]
    lines += [""]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines), encoding="utf-8")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 repeats, short repeats (smoke use)")
    ap.add_argument("--repeats", type=int, default=None, help="timed repeats per case (default 7)")
    ap.add_argument("--json", metavar="PATH", help="write machine-readable results here")
    ap.add_argument("--md", metavar="PATH", default=None,
                    help="human-readable table (default bench/results/latest.md on full runs, "
                         "none with --quick)")
    ap.add_argument("--only", default="a,f,t,import",
                    help="comma list of cases: a,f,t,import")
    ap.add_argument("--worker", choices=IMPLS, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker_main(args.worker)
        return 0

    repeats = args.repeats or (3 if args.quick else 7)
    target_s = 0.03 if args.quick else 0.3      # seconds per timed repeat per impl
    import_runs = 3 if args.quick else repeats
    wanted = [c.strip() for c in args.only.split(",") if c.strip()]

    import torch
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    import chainrule

    report = {"quick": args.quick, "repeats": repeats, "import_runs": import_runs,
              "machine": machine_info(), "cases": {}}
    for case in wanted:
        if case not in TARGETS:
            ap.error(f"unknown case {case!r}")
    workers = {}
    try:
        if any(c in TIMED_CASES for c in wanted):
            workers = {impl: Worker(impl) for impl in IMPLS}
        for case in wanted:
            print(f"running case {case} ...", file=sys.stderr, flush=True)
            try:
                if case == "a":
                    res = run_case_a(chainrule, torch, workers, repeats, target_s)
                elif case == "f":
                    res = run_case_f(chainrule, torch, workers, repeats, target_s)
                elif case == "t":
                    res = run_case_t(chainrule, torch, workers, repeats, target_s)
                else:
                    res = run_case_import(import_runs)
            except Exception:  # noqa: BLE001 - a failed check is a FAIL row, not a crash
                res = {"error": traceback.format_exc()}
                print(res["error"], file=sys.stderr)
            report["cases"][case] = res
    finally:
        for w in workers.values():
            w.close()

    rows = build_rows(report)
    for row, case in zip(rows, [c for c in CASE_ORDER if c in report["cases"]]):
        report["cases"][case]["verdict"] = row[-1]
    m = report["machine"]
    print(f"chainrule {m['chainrule']} ({m['git']}) vs torch {m['torch']} vs numpy {m['numpy']}; "
          f"python {m['python']}; {m['cpu_model']} ({m['nproc']} cpus); single-threaded")
    print(f"medians of {repeats} repeats; (a),(f) in µs per op (forward+backward), "
          "(t) in µs per training step, import in s")
    print(text_table(rows))
    print(best_ratios(report))

    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
        print(f"wrote {args.json}")
    md = args.md or (None if args.quick else str(BENCH / "results" / "latest.md"))
    if md:
        write_markdown(md, report, rows)
        try:
            md = os.path.relpath(md)
        except ValueError:
            pass
        print(f"wrote {md}")
    return 1 if any(r[-1] == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
