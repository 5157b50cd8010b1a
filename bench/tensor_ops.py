"""Tensor-op cases of issue #6, forward + backward, chainrule vs torch eager vs NumPy:

    python bench/tensor_ops.py            # all cases, writes bench/results/tensor_ops.md
    python bench/tensor_ops.py --quick    # 3 short repeats, writes nothing

* ``index``: x (1000, 1000) f32 requiring grad, idx 500 int64 rows (with repeats);
  ``y = x.index_select(0, idx)``; ``z = torch.zeros(1000, 1000).index_add(0, idx, y)``;
  ``z.backward(g)``: index_select's backward is an index_add, index_add's a gather.
* ``cumsum``: x (1000, 1000) f32, ``x.cumsum(1).backward(g)`` (backward: a reversed cumsum).
* ``sort``: x (1000, 1000) f32 with distinct values (so every order agrees),
  ``x.sort(1).values.backward(g)`` (backward: a scatter).
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np  # noqa: E402
from _harness import main  # noqa: E402

N = 1000
LABELS = {"index": "index_select + index_add (1000, 1000) f32, 500 rows",
          "cumsum": "cumsum(1) (1000, 1000) f32", "sort": "sort(1).values (1000, 1000) f32"}


def _data():
    rng = np.random.default_rng(0)
    x = rng.permutation(N * N).reshape(N, N).astype(np.float32) / N  # no ties (exact in f32)
    g = rng.standard_normal((N, N)).astype(np.float32)
    idx = rng.integers(0, N, N // 2)
    return x, g, idx


def build(impl, lib, case, _args):
    x, g, idx = _data()
    if impl == "numpy":
        if case == "index":
            def step():
                z = np.zeros_like(x)
                np.add.at(z, idx, x[idx])  # forward
                gx = np.zeros_like(x)
                np.add.at(gx, idx, g[idx])  # backward: gather, then index_add
                return gx
        elif case == "cumsum":
            def step():
                np.cumsum(x, 1)
                return np.cumsum(g[:, ::-1], 1)[:, ::-1]
        else:
            def step():
                order = np.argsort(x, 1, kind="stable")
                np.take_along_axis(x, order, 1)
                gx = np.empty_like(g)
                np.put_along_axis(gx, order, g, 1)
                return gx
        return step
    xt, gt, it = lib.tensor(x, requires_grad=True), lib.tensor(g), lib.tensor(idx)
    zeros = lib.zeros(N, N)

    def step():
        xt.grad = None
        if case == "index":
            out = zeros.index_add(0, it, xt.index_select(0, it))
        elif case == "cumsum":
            out = xt.cumsum(1)
        else:
            out = xt.sort(1).values
        out.backward(gt)
        return xt.grad
    return step


if __name__ == "__main__":
    main(__file__, build, LABELS, result_name="tensor_ops")
