"""Smoke test for bench/: each benchmark's correctness check, small sizes, no timing.

Timings never go in unit tests; this only proves the benchmark workloads compute the same
gradients in chainrule, torch and the hand-written NumPy/Python floor (and, for the training
step (t), the same parameters after a few SGD steps).
"""
import importlib.util
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

import chainrule  # noqa: E402

_CASES = Path(__file__).resolve().parents[1] / "bench" / "cases.py"


@pytest.fixture(scope="module")
def cases():
    spec = importlib.util.spec_from_file_location("chainrule_bench_cases", _CASES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_case_a_gradients_agree(cases):
    assert cases.check_a(chainrule, torch, size=4, n_blocks=2)


def test_case_a_default_size_gradients_agree(cases):
    assert cases.check_a(chainrule, torch)


def test_case_f_gradients_agree(cases):
    assert cases.check_f(chainrule, torch, n_ops=301)   # 301: exercises the trailing mul


def test_case_f_check_catches_a_wrong_gradient(cases, monkeypatch):
    # A fast wrong answer must never pass: perturb the floor's derivative and expect failure.
    import math
    from types import SimpleNamespace
    wrong = SimpleNamespace(sin=math.sin, cos=lambda v: math.cos(v) * 1.001)
    monkeypatch.setattr(cases, "math", wrong)
    with pytest.raises(AssertionError):
        cases.check_f(chainrule, torch, n_ops=302)


def test_case_t_parameters_agree(cases):
    assert cases.check_t(chainrule, torch)                   # 5 steps, float32 and float64


def test_case_t_small_batch_parameters_agree(cases):
    assert cases.check_t(chainrule, torch, steps=2, batch=3)


def test_case_t_check_catches_a_wrong_update(cases, monkeypatch):
    # A fast wrong answer must never pass: a floor whose momentum is 1% off changes the
    # weights by far less than their size, but its updates differ by >1%; expect failure.
    right = cases.make_t_numpy

    def wrong(params, x, y, lr=cases.T_LR, momentum=cases.T_MOMENTUM):
        return right(params, x, y, lr=lr, momentum=momentum * 1.01)

    monkeypatch.setattr(cases, "make_t_numpy", wrong)
    with pytest.raises(AssertionError, match="param updates"):
        cases.check_t(chainrule, torch)


@pytest.mark.parametrize("case", ["a", "f", "t"])
def test_timed_callables_agree(cases, case):
    # The exact callables bench/run.py times, checked as run.py checks them before timing
    # (called CHECK_CALLS times, as the workers do: (t) compares after several steps).
    libs = {"chainrule": chainrule, "torch": torch, "numpy": None}
    results = {}
    for impl, lib in libs.items():
        fn = cases.build(case, impl, lib)
        for _ in range(cases.CHECK_CALLS.get(case, 1)):
            out = fn()
        results[impl] = tuple(cases._np(g).copy() for g in out)
    assert cases.compare_timed(case, results)


@pytest.mark.parametrize("case", ["index", "cumsum", "sort"])
def test_tensor_ops_bench_gradients_agree(case):
    import sys
    bench = str(_CASES.parent)
    sys.path.insert(0, bench)
    try:
        spec = importlib.util.spec_from_file_location("chainrule_bench_tensor_ops",
                                                      _CASES.parent / "tensor_ops.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(bench)
    import numpy as np
    grads = {impl: module.build(impl, lib, case, None)()
             for impl, lib in (("chainrule", chainrule), ("torch", torch), ("numpy", None))}
    ref = grads["torch"].numpy()
    atol = 1e-5 * np.abs(ref).max()  # float32 sums of up to 1000 terms, in any order
    np.testing.assert_allclose(grads["chainrule"].numpy(), ref, rtol=1e-5, atol=atol)
    np.testing.assert_allclose(grads["numpy"], ref, rtol=1e-5, atol=atol)
