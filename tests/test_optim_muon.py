"""Muon against torch: its Newton-Schulz iteration runs in bfloat16 in torch and in float32
rounded to bfloat16 at every step in chainrule (no bfloat16 dtype), so parameters are
compared over 12 steps (they agree to float32 rounding); errors and state as torch."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from optim_pairs import same_structure, to_cr, to_torch  # noqa: E402
from test_optim_errors import raises_like  # noqa: E402

import chainrule as cr  # noqa: E402

CONFIGS = [{}, {"lr": 0.02, "momentum": 0.9, "nesterov": False, "weight_decay": 0.0},
           {"lr": 0.01, "adjust_lr_fn": "match_rms_adamw", "ns_steps": 3},
           {"lr": 0.01, "adjust_lr_fn": "original", "ns_coefficients": (2.0, -1.5, 0.5)}]


def params(lib, dtype, rng):
    return [lib.nn.Parameter(lib.tensor(rng.standard_normal(s), dtype=getattr(lib, dtype)))
            for s in [(4, 6), (7, 3)]]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("config", CONFIGS, ids=str)
def test_muon_matches_torch(config, dtype):
    rng = np.random.default_rng(0)
    p0 = [rng.standard_normal(s) for s in [(4, 6), (7, 3)]]
    grads = [[rng.standard_normal(s) for s in [(4, 6), (7, 3)]] for _ in range(12)]
    out = []
    for lib in (torch, cr):
        ps = [lib.nn.Parameter(lib.tensor(p, dtype=getattr(lib, dtype))) for p in p0]
        opt = lib.optim.Muon(ps, **config)
        seq = []
        for k, gs in enumerate(grads):
            for p, g in zip(ps, gs):
                p.grad = lib.tensor(g, dtype=getattr(lib, dtype))
            opt.step()
            seq.append([p.detach().numpy().copy() for p in ps])
            if k == 5:
                sd = opt.state_dict()
                opt = lib.optim.Muon(ps, **config)
                opt.load_state_dict(sd)
        out.append((seq, opt.state_dict(), repr(opt)))
    for mine, ref in zip(out[1][0], out[0][0]):
        for a, b in zip(mine, ref):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    same_structure(out[1][1], out[0][1]) if dtype == "float64" else None
    assert out[1][2] == out[0][2]


def test_newton_schulz_rounds_like_bfloat16():
    from torch.optim._muon import _zeropower_via_newtonschulz as ns_t

    from chainrule.optim._muon import _zeropower_via_newtonschulz as ns_m
    rng = np.random.default_rng(3)
    for shape in [(5, 8), (9, 4), (6, 6)]:
        g = rng.standard_normal(shape).astype(np.float32)
        ref = ns_t(torch.tensor(g), (3.4445, -4.7750, 2.0315), 5, 1e-7).float().numpy()
        mine = ns_m(cr.tensor(g), (3.4445, -4.7750, 2.0315), 5, 1e-7).numpy()
        assert mine.shape == ref.shape
        # every value is a bfloat16 value, equal to torch's bit for bit here (a float32
        # accumulation-order difference could move one by a bfloat16 ulp)
        assert (mine.view(np.uint32) & 0xFFFF).max() == 0
        np.testing.assert_array_equal(mine, ref)


def test_muon_errors_match_torch():
    def ps(lib):
        return [lib.nn.Parameter(lib.ones(3, 2))]
    for kwargs in [{"lr": -1.0}, {"momentum": -0.1}, {"weight_decay": -1.0},
                   {"adjust_lr_fn": "bad"}]:
        raises_like(lambda kw=kwargs: torch.optim.Muon(ps(torch), **kw),
                    lambda kw=kwargs: cr.optim.Muon(ps(cr), **kw))
    raises_like(lambda: torch.optim.Muon([torch.nn.Parameter(torch.ones(3))]),
                lambda: cr.optim.Muon([cr.nn.Parameter(cr.ones(3))]))

    def ns_steps(lib):
        p = ps(lib)
        opt = lib.optim.Muon(p, ns_steps=100)
        p[0].grad = lib.ones(3, 2)
        opt.step()
    raises_like(lambda: ns_steps(torch), lambda: ns_steps(cr))
    assert cr.optim.Muon.__module__ == "chainrule.optim"
    assert cr.optim.Adafactor.__module__ == "chainrule.optim"


def test_adafactor_errors_match_torch():
    def ps(lib):
        return [lib.nn.Parameter(lib.ones(3, 2))]
    for kwargs in [{"lr": -1.0}, {"beta2_decay": 0.5}, {"eps": (-1.0, 1e-3)},
                   {"eps": (None, -1.0)}, {"d": 0.5}, {"weight_decay": -1.0}]:
        raises_like(lambda kw=kwargs: torch.optim.Adafactor(ps(torch), **kw),
                    lambda kw=kwargs: cr.optim.Adafactor(ps(cr), **kw))

    def complex_step(lib):
        p = lib.nn.Parameter(lib.ones(2, dtype=lib.complex64))
        opt = lib.optim.Adafactor([p])
        p.grad = lib.ones(2, dtype=lib.complex64)
        opt.step()
    raises_like(lambda: complex_step(torch), lambda: complex_step(cr))
    _ = (to_cr, to_torch)
