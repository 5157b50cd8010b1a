"""Helpers the nn layer tests share: build one module in torch and in chainrule, move
torch's weights into ours through the state_dict, and compare everything observable
(repr, state_dict keys/shapes/dtypes, outputs, input and parameter gradients, buffers)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")


# ----------------------------------------------------------------- input makers
def R(*shape):
    """A float32 N(0, 1) input (requires grad)."""
    return lambda rng: rng.standard_normal(shape).astype(np.float32)


def P(*shape):
    """A float32 input in (0.05, 0.95): probabilities (requires grad)."""
    return lambda rng: rng.uniform(0.05, 0.95, shape).astype(np.float32)


def Pos(*shape):
    """A float32 input in (0.5, 2) (requires grad)."""
    return lambda rng: rng.uniform(0.5, 2.0, shape).astype(np.float32)


def I(high, *shape, low=0):  # noqa: E743 - reads as "integers"
    """An int64 input in [low, high)."""
    return lambda rng: rng.integers(low, high, shape).astype(np.int64)


def S(*shape):
    """A float32 input of +-1 (no grad: a target)."""
    return lambda rng: np.where(rng.standard_normal(shape) > 0, 1.0, -1.0).astype(np.float32)


def A(array, dtype=np.int64):
    """A fixed array."""
    return lambda rng: np.asarray(array, dtype=dtype)


@dataclass
class Case:
    """One module to compare: ``ctor(nn)`` builds it, ``inputs`` make its arguments,
    ``call(module, *args)`` runs it. ``grad`` names which float inputs get gradients
    (default: all float inputs except targets made by S). ``modes``: train and/or eval
    (train only by default: most layers do not look at the mode)."""

    name: str
    ctor: Callable[[Any], Any]
    inputs: tuple
    call: Callable | None = None
    grad: tuple | None = None
    modes: tuple = ("train",)
    atol: float = 1e-5
    rtol: float = 1e-4
    double: bool = False
    id: str = field(default="")

    def __post_init__(self):
        self.id = self.id or self.name


def _to_lib(lib, a, rg):
    t = lib.tensor(a)
    if rg:
        t.requires_grad_(True)
    return t


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for o in out]
    return [out]


def _np(t):
    return np.asarray(t.detach().numpy())


def run_both(case: Case, mode: str, seed: int = 0):
    """Build the module in both libraries (chainrule loads torch's state_dict), run the
    case in ``mode`` and return, per library: the module, its outputs, input grads,
    parameter grads."""
    rng = np.random.default_rng(seed)
    arrays = [make(rng) for make in case.inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        tm = case.ctor(torch.nn)
        cm = case.ctor(chainrule.nn)
    if case.double:
        tm, cm = tm.double(), cm.double()
        arrays = [a.astype(np.float64) if a.dtype == np.float32 else a for a in arrays]
    cm.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    results = []
    for lib, m in ((torch, tm), (chainrule, cm)):
        m.train(mode == "train")
        if case.grad is None:
            rg = [a.dtype.kind == "f" and not _is_sign(a) for a in arrays]
        else:
            rg = list(case.grad)
        leaves = [_to_lib(lib, a, g) for a, g in zip(arrays, rg)]
        call = case.call or (lambda mod, *xs: mod(*xs))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = call(m, *leaves)
        outs = _flat(out)
        first = outs[0]
        if first.requires_grad:
            g = np.random.default_rng(seed + 1).standard_normal(tuple(first.shape))
            first.backward(lib.tensor(g.astype(_np(first).dtype)))
        results.append((m, outs, [leaf.grad if leaf.requires_grad else None
                                  for leaf in leaves],
                        {n: p.grad for n, p in m.named_parameters()}))
    return results


def _is_sign(a):
    return a.dtype.kind == "f" and a.size > 0 and bool(np.all(np.abs(a) == 1.0))


def assert_close(c, t, case: Case, what: str):
    assert (c is None) == (t is None), f"{what}: chainrule {c is None} vs torch {t is None}"
    if c is None:
        return
    if getattr(t, "is_sparse", False):  # sparse=True: chainrule's gradients are dense
        t = t.to_dense()
    ca, ta = _np(c), _np(t)
    assert ca.shape == ta.shape, f"{what}: shape {ca.shape} vs torch {ta.shape}"
    assert ca.dtype == ta.dtype, f"{what}: dtype {ca.dtype} vs torch {ta.dtype}"
    np.testing.assert_allclose(ca, ta, rtol=case.rtol, atol=case.atol, err_msg=what)


def compare_case(case: Case, mode: str) -> None:
    (tm, touts, tig, tpg), (cm, couts, cig, cpg) = run_both(case, mode)
    assert len(couts) == len(touts)
    for i, (c, t) in enumerate(zip(couts, touts)):
        assert_close(c, t, case, f"output {i}")
        tn = t.grad_fn.name() if getattr(t, "grad_fn", None) is not None else None
        cn = c.grad_fn.name() if getattr(c, "grad_fn", None) is not None else None
        assert cn == tn, f"output {i} grad_fn {cn} vs torch {tn}"
    for i, (c, t) in enumerate(zip(cig, tig)):
        assert_close(c, t, case, f"grad of input {i}")
    assert list(cpg) == list(tpg)
    for name in tpg:
        assert_close(cpg[name], tpg[name], case, f"grad of {name}")
    for (name, cb), (_, tb) in zip(cm.named_buffers(), tm.named_buffers()):
        assert_close(cb, tb, case, f"buffer {name}")
    for (name, cp), (_, tp) in zip(cm.named_parameters(), tm.named_parameters()):
        assert_close(cp, tp, case, f"parameter {name} after the call")  # e.g. max_norm


def build_pair(ctor):
    """(torch module, chainrule module), seeded alike, warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.manual_seed(0)
        return ctor(torch.nn), ctor(chainrule.nn)


def outcome(fn, lib):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(lib)
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return exc


def assert_same_error(fn, exact=True):
    """``fn(lib)`` raises the same exception class (and message when ``exact``)."""
    t, c = outcome(fn, torch), outcome(fn, chainrule)
    assert isinstance(t, Exception), f"torch raised nothing (got {t!r})"
    assert isinstance(c, Exception), f"chainrule raised nothing, torch raised {t!r}"
    assert type(c).__name__ == type(t).__name__, f"{c!r} vs torch's {t!r}"
    if exact:
        assert str(c) == str(t)
