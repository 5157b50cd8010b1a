"""Probe for the in-place error that names source lines (bench/results/inplace_lines.md):
the cost of finding the first frame outside chainrule, against a per-op step."""
import os
import sys
import timeit

sys.path.insert(0, os.getcwd())
import numpy as np

import chainrule

PKG = os.path.dirname(chainrule.__file__)
_getframe = sys._getframe
def where():
    f = _getframe(1)
    while f.f_code.co_filename.startswith(PKG):
        f = f.f_back
    return f.f_code, f.f_lineno
# simulate: user -> Tensor.__mul__ -> dispatch2 -> where (fake chain of chainrule frames)
src = "def inner():\n    return where()\ndef mid():\n    return inner()\n"
ns = {"where": where}
exec(compile(src, os.path.join(PKG, "_fake.py"), "exec"), ns)
print("walk us", min(timeit.repeat(ns["mid"], number=200000, repeat=5)) / 200000 * 1e6)
print("getframe only us",
      min(timeit.repeat(lambda: _getframe(0), number=200000, repeat=5)) / 200000 * 1e6)
x = chainrule.tensor(np.random.rand(16).astype(np.float32), requires_grad=True)
w = chainrule.tensor(np.random.rand(16).astype(np.float32), requires_grad=True)
def blk():
    y = x
    for _ in range(10):
        y = chainrule.tanh(chainrule.exp(chainrule.sin(y * w + w)))
    y.sum().backward()
print("workload-a-like per op us", min(timeit.repeat(blk, number=500, repeat=5)) / 500 / 50 * 1e6)
