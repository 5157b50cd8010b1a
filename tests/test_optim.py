"""chainrule.optim against torch.optim: SGD's update rule in every configuration, the
Optimizer base (groups, zero_grad, state_dict), reprs and argument errors.

Both sides start from the same weights and see the same data, so parameters must agree
after every step.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch_pairs import C, close  # noqa: E402

import chainrule as cr  # noqa: E402


@pytest.fixture(autouse=True)
def _seed_torch():
    torch.manual_seed(0)




def raises_like(fn_ref, fn_mine):
    with pytest.raises(Exception) as ref:
        fn_ref()
    with pytest.raises(type(ref.value)) as mine:
        fn_mine()
    assert str(mine.value) == str(ref.value)


def models():
    ref = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    mine = cr.nn.Sequential(cr.nn.Linear(3, 4), cr.nn.ReLU(), cr.nn.Linear(4, 2))
    mine.load_state_dict({k: C(v) for k, v in ref.state_dict().items()})
    return ref, mine


SGD_CONFIGS = [
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.01},
    {"lr": 0.1, "momentum": 0.8, "dampening": 0.3},
    {"lr": 0.1, "maximize": True},
    {"lr": 0.05, "momentum": 0.5, "dampening": 0.1, "weight_decay": 0.1, "maximize": True},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05},
]


@pytest.mark.parametrize("config", SGD_CONFIGS, ids=lambda c: ",".join(f"{k}={v}"
                                                                       for k, v in c.items()))
def test_sgd_steps_match_torch(config):
    ref, mine = models()
    opt_t = torch.optim.SGD(ref.parameters(), **config)
    opt_m = cr.optim.SGD(mine.parameters(), **config)
    for _ in range(5):
        x, y = torch.randn(8, 3), torch.randn(8, 2)
        lt = torch.nn.MSELoss()(ref(x), y)
        lm = cr.nn.MSELoss()(mine(C(x)), C(y))
        close(lm, lt)
        opt_t.zero_grad()
        opt_m.zero_grad()
        lt.backward()
        lm.backward()
        for pm, pt in zip(mine.parameters(), ref.parameters()):
            close(pm.grad, pt.grad)
        opt_t.step()
        opt_m.step()
        for pm, pt in zip(mine.parameters(), ref.parameters()):
            close(pm, pt)
    sd_t, sd_m = opt_t.state_dict(), opt_m.state_dict()
    assert sd_m["param_groups"] == sd_t["param_groups"]
    assert sd_m["state"].keys() == sd_t["state"].keys()
    for k in sd_t["state"]:
        assert sd_m["state"][k].keys() == sd_t["state"][k].keys()
        close(sd_m["state"][k]["momentum_buffer"], sd_t["state"][k]["momentum_buffer"])


def test_seed_tutorial_idiom():
    results = []
    start = {k: v.clone() for k, v in torch.nn.Linear(3, 2).state_dict().items()}
    for lib in (torch, cr):
        model = lib.nn.Linear(3, 2)
        model.load_state_dict(start if lib is torch else {k: C(v) for k, v in start.items()})
        some_input = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
        ideal_output = lib.tensor([[1.0, 0.0], [0.0, 1.0]])
        optimizer = lib.optim.SGD(model.parameters(), lr=0.001)
        prediction = model(some_input)
        loss = (ideal_output - prediction).pow(2).sum()
        loss.backward()
        grads = [p.grad.detach().numpy().copy() for p in model.parameters()]
        optimizer.step()
        optimizer.zero_grad()
        assert all(p.grad is None for p in model.parameters())
        results.append((loss.item(), grads, [p.detach().numpy().copy()
                                             for p in model.parameters()]))
    (lt, gt, pt), (lm, gm, pm) = results
    assert abs(lm - lt) < 1e-5
    for a, b in zip(gm + pm, gt + pt):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_step_bumps_version_and_skips_params_without_grad():
    for lib in (torch, cr):
        a = lib.nn.Parameter(lib.ones(2))
        b = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([a, b], lr=0.5, momentum=0.9)
        (a * 3).sum().backward()
        va, vb = a._version, b._version
        opt.step()
        assert a._version == va + 1 and b._version == vb
        assert a.tolist() == [-0.5, -0.5] and b.tolist() == [1.0, 1.0]
        assert list(opt.state_dict()["state"]) == [0]
        assert not a.requires_grad or a.grad_fn is None


def test_sgd_argument_errors():
    p_t, p_m = [torch.nn.Parameter(torch.ones(1))], [cr.nn.Parameter(cr.ones(1))]
    for kwargs in [{"lr": -0.1}, {"lr": 0.1, "momentum": -0.5},
                   {"lr": 0.1, "weight_decay": -1.0}, {"lr": 0.1, "nesterov": True},
                   {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}]:
        raises_like(lambda kw=kwargs: torch.optim.SGD(p_t, **kw),
                    lambda kw=kwargs: cr.optim.SGD(p_m, **kw))
    raises_like(lambda: torch.optim.SGD([], lr=0.1), lambda: cr.optim.SGD([], lr=0.1))
    raises_like(lambda: torch.optim.SGD(torch.ones(2), lr=0.1),
                lambda: cr.optim.SGD(cr.ones(2), lr=0.1))
    raises_like(lambda: torch.optim.SGD([torch.ones(2, requires_grad=True) * 2], lr=0.1),
                lambda: cr.optim.SGD([cr.ones(2, requires_grad=True) * 2], lr=0.1))
    raises_like(lambda: torch.optim.SGD([1.0], lr=0.1), lambda: cr.optim.SGD([1.0], lr=0.1))
    raises_like(lambda: torch.optim.SGD([{"params": p_t}, {"params": p_t}], lr=0.1),
                lambda: cr.optim.SGD([{"params": p_m}, {"params": p_m}], lr=0.1))
    raises_like(lambda: torch.optim.SGD([{"params": set(p_t)}], lr=0.1),
                lambda: cr.optim.SGD([{"params": set(p_m)}], lr=0.1))


def test_param_groups_repr_and_add_param_group():
    ref, mine = models()
    opt_t = torch.optim.SGD([{"params": ref[0].parameters(), "lr": 0.5},
                             {"params": ref[2].parameters()}], lr=0.1, momentum=0.9)
    opt_m = cr.optim.SGD([{"params": mine[0].parameters(), "lr": 0.5},
                          {"params": mine[2].parameters()}], lr=0.1, momentum=0.9)
    assert repr(opt_m) == repr(opt_t)
    assert opt_m.defaults == opt_t.defaults
    extra_t, extra_m = torch.nn.Parameter(torch.ones(3)), cr.nn.Parameter(cr.ones(3))
    opt_t.add_param_group({"params": extra_t, "weight_decay": 0.1})
    opt_m.add_param_group({"params": extra_m, "weight_decay": 0.1})
    assert repr(opt_m) == repr(opt_t)
    x = torch.randn(5, 3)
    for _ in range(3):
        opt_t.zero_grad()
        opt_m.zero_grad()
        (ref(x).pow(2).sum() + extra_t.sum()).backward()
        (mine(C(x)).pow(2).sum() + extra_m.sum()).backward()
        opt_t.step()
        opt_m.step()
    for pm, pt in zip(list(mine.parameters()) + [extra_m], list(ref.parameters()) + [extra_t]):
        close(pm, pt)
    assert opt_m.state_dict()["param_groups"] == opt_t.state_dict()["param_groups"]


def test_state_dict_round_trip_continues_identically():
    ref, mine = models()
    opt_t = torch.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    opt_m = cr.optim.SGD(mine.parameters(), lr=0.1, momentum=0.9)
    x = torch.randn(6, 3)

    def step(model, opt, inp):
        opt.zero_grad()
        model(inp).pow(2).mean().backward()
        opt.step()
    for _ in range(2):
        step(ref, opt_t, x)
        step(mine, opt_m, C(x))
    fresh = cr.optim.SGD(mine.parameters(), lr=0.3)
    fresh.load_state_dict(opt_m.state_dict())
    assert fresh.param_groups[0]["lr"] == 0.1 and fresh.param_groups[0]["momentum"] == 0.9
    assert fresh.param_groups[0]["params"] == list(mine.parameters()) or all(
        a is b for a, b in zip(fresh.param_groups[0]["params"], mine.parameters()))
    for _ in range(2):
        step(ref, opt_t, x)
        step(mine, fresh, C(x))
    for pm, pt in zip(mine.parameters(), ref.parameters()):
        close(pm, pt)
    bad = {"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]}
    raises_like(lambda: torch.optim.SGD(ref.parameters()).load_state_dict(bad),
                lambda: cr.optim.SGD(mine.parameters()).load_state_dict(bad))


def test_zero_grad_set_to_none_false_and_closure():
    for lib in (torch, cr):
        w = lib.nn.Parameter(lib.tensor([1.0, -2.0]))
        opt = lib.optim.SGD([w], lr=0.1)

        def closure(opt=opt, w=w):
            opt.zero_grad()
            loss = (w * w).sum()
            loss.backward()
            return loss
        loss = opt.step(closure)
        assert abs(loss.item() - 5.0) < 1e-6
        np.testing.assert_allclose(w.detach().numpy(), [0.8, -1.6], rtol=1e-6)
        opt.zero_grad(set_to_none=False)
        assert w.grad is not None and w.grad.tolist() == [0.0, 0.0]


def test_step_hooks_and_base_step():
    calls = []
    w = cr.nn.Parameter(cr.ones(1))
    opt = cr.optim.SGD([w], lr=1.0)
    h = opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    opt.step()
    h.remove()
    opt.step()
    assert calls == ["pre", "post", "post"]
    tw = torch.nn.Parameter(torch.ones(1))
    raises_like(lambda: torch.optim.Optimizer([tw], {}).step(),
                lambda: cr.optim.Optimizer([w], {}).step())
