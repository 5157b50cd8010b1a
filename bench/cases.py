"""Benchmark workloads for chainrule, torch eager and a hand-written NumPy/Python floor.

Every case has, per framework, a ``make_*`` function returning a zero-argument callable that
runs the whole workload once (forward + backward) and returns the gradients as NumPy arrays,
so the same callable is used both for the correctness check and for timing.

Frameworks are passed in as modules (``chainrule`` or ``torch``): the two autograd versions
are literally the same code, which is the point of ``import chainrule as torch``.

This module imports only NumPy and math at import time; set the thread variables
(OMP_NUM_THREADS ...) before importing it.
"""
from __future__ import annotations

import math

import numpy as np

# --------------------------------------------------------------------------------------
# (a) a chain of elementwise ops on a shape-(16,) float32 tensor
#     block (x n_blocks): y = y * w; y = y + w; y = sin(y); y = exp(y); y = tanh(y)
#     then y.sum().backward()
# --------------------------------------------------------------------------------------
A_SIZE = 16
A_BLOCKS = 20          # 20 blocks x 5 ops = 100 elementwise ops
A_OPS_PER_BLOCK = 5


def a_inputs(size: int = A_SIZE, dtype=np.float32, seed: int = 0):
    """The raw x and w arrays every implementation of case (a) starts from."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size).astype(dtype)
    w = rng.uniform(-1.0, 1.0, size).astype(dtype)
    return x, w


def make_a_autograd(lib, x_np, w_np, n_blocks: int = A_BLOCKS):
    """Case (a) in an autograd framework ``lib`` (chainrule or torch)."""
    x = lib.tensor(x_np, requires_grad=True)
    w = lib.tensor(w_np, requires_grad=True)
    sin, exp, tanh = lib.sin, lib.exp, lib.tanh
    blocks = range(n_blocks)

    def run():
        x.grad = None
        w.grad = None
        y = x
        for _ in blocks:
            y = y * w
            y = y + w
            y = sin(y)
            y = exp(y)
            y = tanh(y)
        y.sum().backward()
        return x.grad, w.grad

    return run


def make_a_numpy(x_np, w_np, n_blocks: int = A_BLOCKS):
    """Case (a) by hand: forward, then the hand-derived backward, no autograd (the floor)."""
    x = x_np.copy()
    w = w_np.copy()
    sin, cos, exp, tanh, mul = np.sin, np.cos, np.exp, np.tanh, np.multiply
    blocks = range(n_blocks)

    def run():
        saved = []                 # per block: (y_in, b, d, t)
        append = saved.append
        y = x
        for _ in blocks:
            a = y * w
            b = a + w
            c = sin(b)
            d = exp(c)
            t = tanh(d)
            append((y, b, d, t))
            y = t
        # backward of y.sum(): upstream gradient of ones
        g = np.ones_like(y)
        gw = np.zeros_like(w)
        for y_in, b, d, t in reversed(saved):
            g = g * (1 - t * t)    # tanh'
            g = mul(g, d)          # exp'
            g = g * cos(b)         # sin'
            gw += g                # + w
            gw += g * y_in         # y * w  (wrt w)
            g = g * w              # y * w  (wrt y)
        return g, gw

    return run


def a_to_numpy(grads):
    return tuple(np.asarray(_np(g)) for g in grads)


# --------------------------------------------------------------------------------------
# (f) 10,000 chained scalar ops on a 0-d tensor, then backward
#     op i: i % 3 == 0 -> y = y * 1.0001 ; 1 -> y = y + 0.0001 ; 2 -> y = sin(y)
# --------------------------------------------------------------------------------------
F_OPS = 10_000
F_X0 = 0.5
F_MUL = 1.0001
F_ADD = 0.0001


def make_f_autograd(lib, n_ops: int = F_OPS, x0: float = F_X0, dtype=None):
    """Case (f) in an autograd framework ``lib``; ``dtype`` None means lib's default (float32)."""
    x = lib.tensor(x0, requires_grad=True) if dtype is None else \
        lib.tensor(x0, requires_grad=True, dtype=dtype)
    sin = lib.sin
    n_triples, rest = divmod(n_ops, 3)
    triples = range(n_triples)

    def run():
        x.grad = None
        y = x
        for _ in triples:
            y = y * F_MUL
            y = y + F_ADD
            y = sin(y)
        if rest >= 1:
            y = y * F_MUL
        if rest >= 2:
            y = y + F_ADD
        y.backward()
        return (x.grad,)

    return run


def make_f_python(n_ops: int = F_OPS, x0: float = F_X0):
    """Case (f) floor: forward and hand-written backward on Python floats (math.sin/cos).

    Python floats beat NumPy 0-d arrays and NumPy scalars by ~10x per op, so this is the
    fastest honest floor; it computes in float64.
    """
    sin, cos = math.sin, math.cos
    n_triples, rest = divmod(n_ops, 3)
    triples = range(n_triples)

    def run():
        y = x0
        saved = []                 # inputs of each sin
        append = saved.append
        for _ in triples:
            y = y * F_MUL + F_ADD
            append(y)
            y = sin(y)
        # backward: only mul and sin scale the gradient, add passes it through
        if rest >= 1:
            y = y * F_MUL
        if rest >= 2:
            y = y + F_ADD
        g = 1.0
        if rest >= 1:
            g *= F_MUL
        for s in reversed(saved):
            g = g * cos(s) * F_MUL
        return (np.asarray(g),)

    return run


# --------------------------------------------------------------------------------------
# (t) one SGD training step of a small MLP
#     model = Sequential(Linear(64, 128), Tanh(), Linear(128, 10)), MSELoss (mean),
#     SGD(lr=0.01, momentum=0.9); fixed batch x (32, 64), fixed targets y (32, 10), float32.
#     One call = zero_grad + forward + loss + backward + step.
# --------------------------------------------------------------------------------------
T_BATCH = 32
T_IN, T_HIDDEN, T_OUT = 64, 128, 10
T_LR = 0.01
T_MOMENTUM = 0.9
T_CHECK_STEPS = 5      # steps run before the parameters are compared
T_PARAM_NAMES = ("0.weight", "0.bias", "2.weight", "2.bias")


def t_inputs(dtype=np.float32, seed: int = 0, batch: int = T_BATCH):
    """Initial parameters ({state_dict name: array}), inputs x and targets y of case (t).

    The weights follow PyTorch's default Linear init (uniform in +-1/sqrt(fan_in)), drawn
    with NumPy from a fixed seed so that every implementation starts from the same point.
    """
    rng = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in ((0, (T_IN, T_HIDDEN)), (2, (T_HIDDEN, T_OUT))):
        bound = 1.0 / math.sqrt(fan_in)
        params[f"{i}.weight"] = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(dtype)
        params[f"{i}.bias"] = rng.uniform(-bound, bound, fan_out).astype(dtype)
    x = rng.standard_normal((batch, T_IN)).astype(dtype)
    y = rng.standard_normal((batch, T_OUT)).astype(dtype)
    return params, x, y


def make_t_autograd(lib, params, x_np, y_np, lr: float = T_LR, momentum: float = T_MOMENTUM):
    """Case (t) in an autograd framework ``lib``: nn.Sequential + MSELoss + optim.SGD.

    The module is built as a user builds it, cast to the inputs' dtype, and its initial
    parameters are loaded from the NumPy arrays with ``load_state_dict``. Each call makes one
    training step and returns the parameter tensors (in ``T_PARAM_NAMES`` order, after the
    step; the live tensors, not copies)."""
    nn = lib.nn
    model = nn.Sequential(nn.Linear(T_IN, T_HIDDEN), nn.Tanh(), nn.Linear(T_HIDDEN, T_OUT))
    dtype = np.dtype(x_np.dtype)
    if dtype == np.float64:
        model = model.double()
    elif dtype != np.float32:
        raise ValueError(f"(t) supports float32 and float64, not {dtype}")
    model.load_state_dict({k: lib.tensor(v) for k, v in params.items()})
    named = dict(model.named_parameters())
    out = tuple(named[k] for k in T_PARAM_NAMES)
    opt = lib.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loss_fn = nn.MSELoss()
    x = lib.tensor(x_np)
    y = lib.tensor(y_np)

    def run():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return out

    return run


def make_t_numpy(params, x_np, y_np, lr: float = T_LR, momentum: float = T_MOMENTUM):
    """Case (t) by hand (the floor): the same forward and loss, the hand-derived backward,
    and SGD with momentum written out (PyTorch's rule with dampening 0: ``buf = momentum *
    buf + g`` -- the first step's ``buf = g`` is the same thing from a zero buffer -- then
    ``p -= lr * buf``). Returns the parameter arrays after the step (live, not copies)."""
    w1, b1, w2, b2 = (params[k].copy() for k in T_PARAM_NAMES)
    x, y = x_np.copy(), y_np.copy()
    bufs = [np.zeros_like(p) for p in (w1, b1, w2, b2)]
    out = (w1, b1, w2, b2)
    pairs = tuple(zip(out, bufs))
    scale = 2.0 / y.size                      # d mean((o - y)^2) / d o = 2 (o - y) / N
    dot = np.dot

    def run():
        # forward: Linear -> Tanh -> Linear -> MSELoss (mean)
        h = np.tanh(dot(x, w1.T) + b1)
        diff = dot(h, w2.T) + b2 - y
        loss = np.mean(diff * diff)  # noqa: F841 - computed, as the autograd versions do
        # backward
        g = diff * scale                      # dL/d out
        gw2 = dot(g.T, h)
        gb2 = g.sum(axis=0)
        gz = dot(g, w2)                       # dL/d h
        gz *= 1.0 - h * h                     # tanh'
        gw1 = dot(gz.T, x)
        gb1 = gz.sum(axis=0)
        # SGD with momentum, in place
        for (p, buf), gp in zip(pairs, (gw1, gb1, gw2, gb2)):
            buf *= momentum
            buf += gp
            p -= lr * buf
        return out

    return run


# --------------------------------------------------------------------------------------
# correctness checks (run before any timing, and by tests/test_bench_smoke.py)
# --------------------------------------------------------------------------------------
def _np(t):
    if isinstance(t, np.ndarray):
        return t
    if hasattr(t, "detach"):
        return t.detach().numpy()
    return np.asarray(t)


def _compare(name, results, rtol, atol, what="grad"):
    """results: {impl: tuple of gradient arrays}. Raises AssertionError on any mismatch.
    ``what`` names the arrays in the messages ("grad", "param", ...).

    ``atol`` is RELATIVE to the largest magnitude of the reference gradient, so a gradient
    whose entries are all tiny (vanishing through a long chain) is still compared on its
    own scale instead of passing trivially against a fixed absolute tolerance.
    """
    impls = list(results)
    ref_name = impls[0]
    ref = [_np(g) for g in results[ref_name]]
    for other in impls[1:]:
        got = [_np(g) for g in results[other]]
        assert len(got) == len(ref), \
            f"{name}: {other} returned {len(got)} grads, {ref_name} {len(ref)}"
        for i, (r, o) in enumerate(zip(ref, got)):
            assert r.shape == o.shape, \
                f"{name}: {what} {i} shape {o.shape} ({other}) vs {r.shape} ({ref_name})"
            assert np.all(np.isfinite(o)), f"{name}: {what} {i} of {other} is not finite"
            r64, o64 = r.astype(np.float64), o.astype(np.float64)
            scale = float(np.max(np.abs(r64))) if r64.size else 0.0
            assert scale > 0.0, f"{name}: reference {what} {i} ({ref_name}) is all zero"
            if not np.allclose(o64, r64, rtol=rtol, atol=atol * scale):
                err = np.max(np.abs(o64 - r64))
                raise AssertionError(f"{name}: {what} {i} of {other} differs from {ref_name} "
                                     f"(max abs err {err:.3g}, scale {scale:.3g}, "
                                     f"rtol={rtol}, atol={atol}*scale)")


def check_a(chainrule, torch, size: int = A_SIZE, n_blocks: int = A_BLOCKS):
    """Gradients of case (a) agree: chainrule vs torch vs NumPy, in float32 and float64."""
    for dtype, rtol, atol in ((np.float32, 1e-3, 1e-5), (np.float64, 1e-9, 1e-12)):
        x, w = a_inputs(size, dtype)
        results = {
            "chainrule": make_a_autograd(chainrule, x, w, n_blocks)(),
            "torch": make_a_autograd(torch, x, w, n_blocks)(),
            "numpy": make_a_numpy(x, w, n_blocks)(),
        }
        for impl in ("chainrule", "torch"):
            dt = [_np(g).dtype for g in results[impl]]
            assert all(d == dtype for d in dt), f"(a) {impl} grad dtypes {dt}, expected {dtype}"
        _compare(f"(a) {np.dtype(dtype).name}", results, rtol, atol)
    return True


def check_f(chainrule, torch, n_ops: int = F_OPS):
    """Gradient of case (f) agrees: float64 all three tightly; float32 chainrule vs torch,
    and float32 vs the float64 Python floor loosely (rounding accumulates over the chain)."""
    results64 = {
        "chainrule": make_f_autograd(chainrule, n_ops, dtype=chainrule.float64)(),
        "torch": make_f_autograd(torch, n_ops, dtype=torch.float64)(),
        "python": make_f_python(n_ops)(),
    }
    _compare("(f) float64", results64, 1e-9, 0.0)
    results32 = {
        "chainrule": make_f_autograd(chainrule, n_ops)(),
        "torch": make_f_autograd(torch, n_ops)(),
    }
    assert _np(results32["chainrule"][0]).dtype == np.float32, "(f) chainrule grad is not float32"
    _compare("(f) float32", results32, 1e-3, 0.0)
    _compare("(f) float32 vs float64 floor",
             {"python": results64["python"], "chainrule": results32["chainrule"]}, 1e-2, 0.0)
    return True


def _t_steps(run, steps):
    """Run ``steps`` training steps; copies of the parameters after the last one."""
    for _ in range(steps):
        params = run()
    return tuple(np.array(_np(p), copy=True) for p in params)


def _compare_t(name, results, params0, rtol, atol):
    """Parameters after the steps agree, and so do their CHANGES from the shared starting
    point: the change is what the gradients and the optimizer made, and it is small next to
    the weights (a wrong gradient could hide inside a tolerance on the weights alone), so
    it is compared on its own scale too."""
    start = tuple(params0[k] for k in T_PARAM_NAMES)
    deltas = {impl: tuple(_np(p).astype(np.float64) - p0.astype(np.float64)
                          for p, p0 in zip(ps, start))
              for impl, ps in results.items()}
    _compare(f"{name} param updates", deltas, rtol, atol, what="param update")
    _compare(f"{name} params", results, rtol, atol, what="param")


T_TOL = {np.float32: (1e-3, 1e-4), np.float64: (1e-9, 1e-12)}


def check_t(chainrule, torch, steps: int = T_CHECK_STEPS, batch: int = T_BATCH):
    """Case (t): after ``steps`` SGD steps the parameters of chainrule, torch and the NumPy
    floor agree (and so do their changes from the start), in float32 and float64."""
    for dtype, (rtol, atol) in T_TOL.items():
        params, x, y = t_inputs(dtype, batch=batch)
        results = {
            "chainrule": _t_steps(make_t_autograd(chainrule, params, x, y), steps),
            "torch": _t_steps(make_t_autograd(torch, params, x, y), steps),
            "numpy": _t_steps(make_t_numpy(params, x, y), steps),
        }
        for impl, ps in results.items():
            dt = [p.dtype for p in ps]
            assert all(d == dtype for d in dt), f"(t) {impl} param dtypes {dt}, expected {dtype}"
        _compare_t(f"(t) {np.dtype(dtype).name} after {steps} steps", results, params, rtol, atol)
    return True


# --------------------------------------------------------------------------------------
# the exact callables that bench/run.py times, one per (case, implementation)
# --------------------------------------------------------------------------------------
N_OPS = {"a": A_BLOCKS * A_OPS_PER_BLOCK, "f": F_OPS, "t": 1}     # t: µs per training step
CHECK_CALLS = {"t": T_CHECK_STEPS}   # calls of the timed callable before its check (default 1)


def build(case: str, impl: str, lib=None):
    """The timed callable for ``case`` ('a', 'f' or 't') and ``impl`` ('chainrule', 'torch' or
    'numpy'); ``lib`` is the chainrule or torch module for the autograd implementations."""
    if case == "a":
        x, w = a_inputs()
        return make_a_numpy(x, w) if impl == "numpy" else make_a_autograd(lib, x, w)
    if case == "f":
        return make_f_python() if impl == "numpy" else make_f_autograd(lib)
    if case == "t":
        params, x, y = t_inputs()
        return make_t_numpy(params, x, y) if impl == "numpy" else \
            make_t_autograd(lib, params, x, y)
    raise ValueError(f"unknown case {case!r}")


def compare_timed(case: str, results):
    """Check the gradients returned by the timed callables themselves (float32 autograd,
    float32 NumPy for (a) and (t), float64 Python floats for (f)). results: {impl: tuple of
    arrays}; for (t) the parameters after ``CHECK_CALLS['t']`` steps from ``t_inputs()``."""
    if case == "a":
        _compare("(a) timed float32", results, 1e-3, 1e-5)
    elif case == "t":
        _compare_t(f"(t) timed float32 after {T_CHECK_STEPS} steps", results, t_inputs()[0],
                   *T_TOL[np.float32])
    elif case == "f":
        _compare("(f) timed float32", {k: results[k] for k in ("chainrule", "torch")}, 1e-3, 0.0)
        _compare("(f) timed float32 vs float64 floor",
                 {"numpy": results["numpy"], "chainrule": results["chainrule"]}, 1e-2, 0.0)
    else:
        raise ValueError(f"unknown case {case!r}")
    return True
