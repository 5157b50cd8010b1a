"""torch.amp against torch: GradScaler's loss scaling, inf-skipped steps, growth/backoff,
state dicts and errors; autocast's state, checks and warnings; torch.compile accepted."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402


def _train(m, steps, bad_steps, growth_interval=3, clip=False):
    """A linear model trained with a GradScaler("cpu"); on ``bad_steps`` a gradient is set
    to inf/NaN after backward. Returns the per-step (scale, tracker, skipped, loss) and the
    final weights."""
    gen = np.random.default_rng(0)
    w0, x0, y0 = gen.standard_normal((3, 4)), gen.standard_normal((8, 4)), gen.standard_normal((8, 3))
    lin = m.nn.Linear(4, 3)
    with m.no_grad():
        lin.weight.copy_(m.tensor(w0, dtype=m.float32))
        lin.bias.zero_()
    opt = m.optim.SGD(lin.parameters(), lr=0.05, momentum=0.9)
    scaler = m.amp.GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=growth_interval)
    x, y = m.tensor(x0, dtype=m.float32), m.tensor(y0, dtype=m.float32)
    hist = []
    for k in range(steps):
        opt.zero_grad()
        loss = m.nn.functional.mse_loss(lin(x), y)
        scaled = scaler.scale(loss)
        scaled.backward()
        if k in bad_steps:
            lin.weight.grad[0, 0] = float("inf") if k % 2 else float("nan")
        if clip:
            scaler.unscale_(opt)
            m.nn.utils.clip_grad_norm_(lin.parameters(), 0.5)
        ret = scaler.step(opt)
        scaler.update()
        hist.append((scaler.get_scale(), scaler._get_growth_tracker(), ret,
                     float(scaled.detach() / loss.detach()), float(loss.detach())))
    return hist, lin.weight.detach().numpy().copy(), scaler.state_dict()


@pytest.mark.parametrize("clip", [False, True])
def test_grad_scaler_trajectory_matches_torch(clip):
    t = _train(torch, 12, {2, 7, 8}, clip=clip)
    c = _train(cr, 12, {2, 7, 8}, clip=clip)
    assert [h[:4] for h in c[0]] == [h[:4] for h in t[0]]
    np.testing.assert_allclose([h[4] for h in c[0]], [h[4] for h in t[0]], rtol=1e-5)
    np.testing.assert_allclose(c[1], t[1], rtol=1e-5, atol=1e-6)
    assert c[2] == t[2]


def test_grad_scaler_growth_is_capped_at_finite_values():
    for m in (torch, cr):
        s = m.amp.GradScaler("cpu", init_scale=2.0 ** 127, growth_interval=1)
        w = m.nn.Parameter(m.ones(2))
        opt = m.optim.SGD([w], lr=0.0)
        s.scale(w.sum()).backward()
        s.step(opt)
        s.update()
        assert s.get_scale() == 2.0 ** 127


def test_grad_scaler_scale_nested_and_errors():
    out = []
    for m in (torch, cr):
        s = m.amp.GradScaler("cpu", init_scale=4.0)
        got = s.scale([m.ones(2), (m.ones(1), m.ones(1))])
        out.append((type(got).__name__, type(got[1]).__name__, got[0].tolist(), got[1][0].tolist()))
        w = m.nn.Parameter(m.ones(2))
        opt = m.optim.SGD([w], lr=0.1)
        errs = []
        fresh = m.amp.GradScaler("cpu")
        for fn in (lambda: fresh.step(opt), lambda: fresh.unscale_(opt)):
            with pytest.raises(AssertionError) as e:
                fn()
            errs.append(str(e.value))
        s.scale(w.sum()).backward()
        s.unscale_(opt)
        with pytest.raises(RuntimeError) as e:
            s.unscale_(opt)
        errs.append(str(e.value))
        s.step(opt)
        for fn in (lambda: s.step(opt), lambda: s.unscale_(opt)):
            with pytest.raises(RuntimeError) as e:
                fn()
            errs.append(str(e.value))
        with pytest.raises(RuntimeError) as e:
            s.step(opt, closure=lambda: 0)
        errs.append(str(e.value))
        s.update(8.0)
        errs.append(s.get_scale())
        s.update(m.tensor(16.0))
        errs.append(s.get_scale())
        with pytest.raises(RuntimeError) as e:
            m.amp.GradScaler("cpu").load_state_dict({})
        errs.append(str(e.value))
        out.append(errs)
    assert out[0] == out[2] and out[1] == out[3]


def test_grad_scaler_state_dict_round_trip_and_disabled():
    for m in (torch, cr):
        s = m.amp.GradScaler("cpu", init_scale=32.0, growth_factor=3.0, backoff_factor=0.25,
                             growth_interval=7)
        s2 = m.amp.GradScaler("cpu")
        s2.load_state_dict(s.state_dict())
        assert s2.state_dict() == s.state_dict() == {
            "scale": 32.0, "growth_factor": 3.0, "backoff_factor": 0.25,
            "growth_interval": 7, "_growth_tracker": 0}
        off = m.amp.GradScaler("cpu", enabled=False)
        x = m.ones(2)
        assert off.scale(x) is x and off.get_scale() == 1.0 and off.state_dict() == {}
        assert not off.is_enabled()


def test_cuda_scaler_and_autocast_disable_themselves_with_torchs_warnings():
    msgs = []
    for m in (torch, cr):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            a = m.amp.GradScaler().is_enabled()
            b = m.cuda.amp.GradScaler().is_enabled()
            with m.autocast("cuda"):
                c = m.is_autocast_enabled("cuda")
            with m.autocast("cpu", dtype=m.float64):
                d = m.is_autocast_enabled("cpu")
        msgs.append(([str(w.message).split("\n")[0] for w in rec],
                     [w.category.__name__ for w in rec], a, b, c, d))
    assert msgs[0] == msgs[1]


def test_autocast_state_nests_and_restores():
    seen = []
    for m in (torch, cr):
        row = [m.is_autocast_enabled("cpu")]
        with m.autocast("cpu", dtype=m.float16):
            row += [m.is_autocast_enabled("cpu"), m.get_autocast_dtype("cpu") == m.float16]
            with m.autocast("cpu", enabled=False):
                row.append(m.is_autocast_enabled("cpu"))
            row.append(m.is_autocast_enabled("cpu"))
        row.append(m.is_autocast_enabled("cpu"))

        @m.autocast("cpu", dtype=m.float16)
        def f():
            return m.is_autocast_enabled("cpu")
        row.append(f())
        with pytest.raises(ValueError):
            m.autocast(m.device("cpu"))
        seen.append(row)
    assert seen[0] == seen[1]


def test_compile_returns_something_that_runs_the_same():
    lin = cr.nn.Linear(3, 2)
    x = cr.ones(1, 3)
    compiled = cr.compile(lin)
    assert cr.equal(compiled(x), lin(x))

    @cr.compile(mode="reduce-overhead")
    def f(a):
        return a * 2
    assert f(cr.ones(2)).tolist() == [2.0, 2.0]
    assert cr.nn.Linear(2, 2).compile() is None
