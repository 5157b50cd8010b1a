"""Scatter-add strategies for the backward of gathering rows: which is fastest?

    python bench/scatter_add.py                # the brief's case plus a few sizes
    python bench/scatter_add.py --repeats 11

The case: ``x`` of shape (10000, 64) float32, 100000 rows gathered with repeated indices
(``x.index_select(0, idx)``); the backward adds the (100000, 64) upstream gradient back into
zeros of ``x``'s shape. Strategies (all deterministic):

* ``add.at``: ``np.add.at(out, idx, g)``, sequential in index order (torch's CPU order);
* ``bincount``: one ``np.bincount`` over flattened (row * width + column) positions, with
  float64 accumulation, cast back;
* ``sort+reduceat``: a stable ``argsort`` of the indices, then ``np.add.reduceat`` over the
  runs of equal indices, written to the unique rows (same summation order as ``add.at``);
* ``csr (scipy)``: a sparse one-hot (rows x gathered) CSR matrix times the gradient; each
  output row sums its contributions in index order, so the result equals ``add.at``'s;
* ``chainrule``: ``index_select`` and ``x[idx]`` forward + backward through chainrule (the
  CSR product when scipy is importable), and again with scipy hidden (``np.add.at``);
* ``torch``: ``index_select`` forward + backward in torch (single-threaded), for scale.

Runs single-threaded; reports the median of the repeats in milliseconds. ``--cpu`` times
with the process's CPU time instead of the wall clock (steadier on a loaded machine).
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


def add_at(g, idx, n):
    out = np.zeros((n,) + g.shape[1:], dtype=g.dtype)
    np.add.at(out, idx, g)
    return out


def bincount(g, idx, n):
    width = int(np.prod(g.shape[1:], dtype=np.int64))
    flat = (idx[:, None] * width + np.arange(width)).ravel()
    out = np.bincount(flat, weights=g.reshape(-1), minlength=n * width)
    return out.astype(g.dtype, copy=False).reshape((n,) + g.shape[1:])


def sort_reduceat(g, idx, n):
    out = np.zeros((n,) + g.shape[1:], dtype=g.dtype)
    if idx.size == 0:
        return out
    order = np.argsort(idx, kind="stable")
    s = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    out[s[starts]] = np.add.reduceat(g[order], starts, axis=0)
    return out


def csr(g, idx, n):
    import scipy.sparse as sparse
    m = idx.shape[0]
    onehot = sparse.csr_matrix((np.ones(m, dtype=g.dtype), (idx, np.arange(m))), shape=(n, m))
    return (onehot @ g.reshape(m, -1)).reshape((n,) + g.shape[1:])


_clock = time.perf_counter


def _time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t0 = _clock()
        fn()
        times.append(_clock() - t0)
    return statistics.median(times) * 1e3


def run(rows, width, gathered, repeats, with_libs):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, width)).astype(np.float32)
    idx = rng.integers(0, rows, gathered)
    g = rng.standard_normal((gathered, width)).astype(np.float32)
    ref = add_at(g, idx, rows)
    results = {}
    for name, fn in (("add.at", add_at), ("bincount", bincount),
                     ("sort+reduceat", sort_reduceat), ("csr (scipy)", csr)):
        got = fn(g, idx, rows)
        assert np.allclose(got, ref, atol=1e-4, rtol=1e-4), name
        results[name] = _time(lambda fn=fn: fn(g, idx, rows), repeats)
    if with_libs:
        import chainrule as cr
        from chainrule.ops.scatter import _kernels
        xc = cr.tensor(x, requires_grad=True)
        ic, gc_ = cr.tensor(idx), cr.tensor(g)

        def chain():
            xc.grad = None
            cr.index_select(xc, 0, ic).backward(gc_)

        def chain_getitem():
            xc.grad = None
            xc[ic].backward(gc_)
        for name, fn in (("chainrule index_select fwd+bwd", chain),
                         ("chainrule x[idx] fwd+bwd", chain_getitem)):
            fn()
            assert np.allclose(xc.grad.numpy(), ref, atol=1e-4, rtol=1e-4), name
            results[name] = _time(fn, repeats)
            sparse, _kernels._sparse = _kernels._sparse, False
            try:
                results[name + " (np.add.at)"] = _time(fn, repeats)
            finally:
                _kernels._sparse = sparse
        try:
            import torch
        except ImportError:
            torch = None
        if torch is not None:
            torch.set_num_threads(1)
            xt = torch.tensor(x, requires_grad=True)
            it, gt = torch.tensor(idx), torch.tensor(g)

            def tor():
                xt.grad = None
                torch.index_select(xt, 0, it).backward(gt)
            results["torch fwd+bwd"] = _time(tor, repeats)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cpu", action="store_true", help="time with CPU time")
    args = parser.parse_args()
    if args.cpu:
        global _clock
        _clock = time.process_time
    cases = [(10000, 64, 100000, True), (10000, 1, 100000, False), (100, 64, 1000, False),
             (10000, 64, 1000, False), (10, 8, 20, False)]
    for rows, width, gathered, libs in cases:
        res = run(rows, width, gathered, args.repeats, libs)
        line = ", ".join(f"{k} {v:.3f} ms" for k, v in res.items())
        print(f"({rows}, {width}) rows gathered {gathered}x: {line}")


if __name__ == "__main__":
    main()
