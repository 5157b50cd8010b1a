"""A/B in one process: what keeping a freed node's plain values (dims, scalars, shapes, for
``grad_fn._saved_*`` after backward) costs in backward, against freeing everything.
Workloads (a) and (f) of bench/run.py and a chain of keepdim sums (nodes with plain slots).
Run: python bench/freed_values.py (figures in bench/results/freed_values.md)."""
import gc
import time

import chainrule as torch
from chainrule.ops import _node

KEEP = _node._freed


def free_all(node, saved):
    return _node._FREED


def case_f():
    y = torch.tensor(0.5, requires_grad=True)
    for _ in range(3333):
        y = (y * 1.0001 + 0.0001).sin()
    y.backward()


def case_a():
    x = torch.randn(16, requires_grad=True)
    w = torch.randn(16, requires_grad=True)
    y = x
    for _ in range(20):
        y = ((y * w + w).sin().exp()).tanh()
    y.sum().backward()


def case_sum():
    y = torch.randn(4, 16, requires_grad=True)
    for _ in range(100):
        y = (y.sum(0, keepdim=True) * 0.01 + y).tanh()
    y.sum().backward()


def main(repeats=9):
    for name, fn, n in (("f", case_f, 5), ("a", case_a, 200), ("sum", case_sum, 30)):
        times = {"keep": [], "free": []}
        for _ in range(repeats):
            for key, impl in (("keep", KEEP), ("free", free_all)):
                _node._freed = impl
                gc.collect()
                start = time.perf_counter()
                for _ in range(n):
                    fn()
                times[key].append((time.perf_counter() - start) / n)
        _node._freed = KEEP
        med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
        print(f"{name:4s} keep {med['keep'] * 1e3:8.3f} ms  free {med['free'] * 1e3:8.3f} ms  "
              f"ratio {med['keep'] / med['free']:.3f}")


if __name__ == "__main__":
    main()
