"""nn.LSTM forward + backward: chainrule vs torch eager, single-threaded.

    python bench/nn_rnn.py            # writes bench/results/nn_rnn.md
    python bench/nn_rnn.py --quick    # 3 short repeats, writes nothing

Case: ``nn.LSTM(128, 128)`` on x (seq 50, batch 32, 128) float32 requiring grad;
``out, (h, c) = lstm(x); (out * g).sum().backward()`` with a fixed upstream gradient,
gradients reset to None before each call. torch runs its fused CPU kernels (oneDNN for a
float32 unidirectional LSTM); chainrule composes the recurrence from public ops: one
input-projection matmul per layer, then per step one addmm and the gate arithmetic.

Each library runs in its own process (``--worker``); the workers first return x's
gradient and the weight gradients, which the parent compares, then time. Reported: the
median of the repeats and the ratio of the medians, in milliseconds.
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
SEQ, BATCH, INPUT, HIDDEN = 50, 32, 128, 128


def _data():
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(HIDDEN)
    shapes = {"weight_ih_l0": (4 * HIDDEN, INPUT), "weight_hh_l0": (4 * HIDDEN, HIDDEN),
              "bias_ih_l0": (4 * HIDDEN,), "bias_hh_l0": (4 * HIDDEN,)}
    weights = {k: rng.uniform(-bound, bound, s).astype(np.float32) for k, s in shapes.items()}
    x = rng.standard_normal((SEQ, BATCH, INPUT)).astype(np.float32)
    g = rng.standard_normal((SEQ, BATCH, HIDDEN)).astype(np.float32)
    return weights, x, g


def _worker(lib_name: str, repeats: int) -> dict:
    if lib_name == "torch":
        import torch as lib
        lib.set_num_threads(1)
    else:
        sys.path.insert(0, str(ROOT))
        import chainrule as lib
    weights, x_np, g_np = _data()
    lstm = lib.nn.LSTM(INPUT, HIDDEN)
    lstm.load_state_dict({k: lib.tensor(v) for k, v in weights.items()})
    x = lib.tensor(x_np, requires_grad=True)
    g = lib.tensor(g_np)

    def step():
        x.grad = None
        for p in lstm.parameters():
            p.grad = None
        out, _ = lstm(x)
        (out * g).sum().backward()

    step()
    grads = {"x": x.grad.numpy().tolist(),
             "weight_hh_l0": lstm.weight_hh_l0.grad.numpy().tolist()}
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return {"grads": grads, "times": times}


def _run(lib_name: str, repeats: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", lib_name, str(repeats)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--worker", nargs=2)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker[0], int(args.worker[1]))))
        return
    repeats = 3 if args.quick else 20
    results = {name: _run(name, repeats) for name in ("chainrule", "torch")}
    for key in results["torch"]["grads"]:
        np.testing.assert_allclose(np.array(results["chainrule"]["grads"][key]),
                                   np.array(results["torch"]["grads"][key]),
                                   rtol=1e-3, atol=1e-4)
    med = {name: 1000 * statistics.median(r["times"]) for name, r in results.items()}
    best = {name: 1000 * min(r["times"]) for name, r in results.items()}
    lines = [
        "# nn.LSTM forward + backward (bench/nn_rnn.py)", "",
        f"LSTM({INPUT}, {HIDDEN}), x ({SEQ}, {BATCH}, {INPUT}) float32, single-threaded, "
        f"{repeats} repeats; {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}.", "",
        "| | median ms | min ms |", "|---|---|---|",
        f"| chainrule | {med['chainrule']:.1f} | {best['chainrule']:.1f} |",
        f"| torch | {med['torch']:.1f} | {best['torch']:.1f} |",
        f"| ratio chainrule / torch | {med['chainrule'] / med['torch']:.2f} | "
        f"{best['chainrule'] / best['torch']:.2f} |", "",
        "Gradients of x and weight_hh_l0 agree with torch (rtol 1e-3).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        (ROOT / "bench" / "results" / "nn_rnn.md").write_text(text)


if __name__ == "__main__":
    main()
