"""Argument validation of every optimizer against torch: exception class and message."""
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402


def raises_like(fn_ref, fn_mine):
    with pytest.raises(Exception) as ref:
        fn_ref()
    with pytest.raises(type(ref.value)) as mine:
        fn_mine()
    assert str(mine.value) == str(ref.value)


def params(lib):
    return [lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(3))]


BAD = {
    "SGD": [{"lr": -0.1}, {"momentum": -0.5}, {"weight_decay": -1.0}, {"nesterov": True},
            {"momentum": 0.9, "dampening": 0.1, "nesterov": True},
            {"fused": True, "differentiable": True}, {"fused": True, "foreach": True}],
    "Adam": [{"lr": -1.0}, {"eps": -1.0}, {"betas": (1.0, 0.9)}, {"betas": (0.9, -0.1)},
             {"weight_decay": -0.1}, {"betas": (0.9, 1)},
             {"fused": True, "differentiable": True}, {"fused": True, "foreach": True}],
    "AdamW": [{"lr": -1.0}, {"betas": (0.9, 1.5)}, {"weight_decay": -1e-3},
              {"fused": True, "differentiable": True}],
    "RMSprop": [{"lr": -1.0}, {"eps": -1.0}, {"momentum": -1.0}, {"weight_decay": -1.0},
                {"alpha": -0.1}],
    "Adagrad": [{"lr": -1.0}, {"lr_decay": -1.0}, {"weight_decay": -1.0},
                {"initial_accumulator_value": -1.0}, {"eps": -1.0},
                {"fused": True, "differentiable": True}, {"fused": True, "foreach": True}],
    "Adadelta": [{"lr": -1.0}, {"rho": 1.5}, {"rho": -0.1}, {"eps": -1.0},
                 {"weight_decay": -1.0}],
    "Adamax": [{"lr": -1.0}, {"eps": -1.0}, {"betas": (1.0, 0.5)}, {"betas": (0.5, 1.0)},
               {"weight_decay": -1.0}],
    "NAdam": [{"lr": -1.0}, {"eps": -1.0}, {"betas": (-0.5, 0.5)}, {"weight_decay": -1.0},
              {"momentum_decay": -1.0}],
    "RAdam": [{"lr": -1.0}, {"eps": -1.0}, {"betas": (0.5, 1.5)}, {"weight_decay": -1.0}],
    "ASGD": [{"lr": -1.0}, {"weight_decay": -1.0}],
    "Rprop": [{"lr": -1.0}, {"etas": (1.5, 1.2)}, {"etas": (0.5, 0.9)}, {"etas": (0.0, 1.2)}],
}


@pytest.mark.parametrize("name,kwargs", [(n, kw) for n, kws in BAD.items() for kw in kws],
                         ids=lambda v: str(v))
def test_bad_hyper_parameters_raise_like_torch(name, kwargs):
    raises_like(lambda: getattr(torch.optim, name)(params(torch), **kwargs),
                lambda: getattr(cr.optim, name)(params(cr), **kwargs))


@pytest.mark.parametrize("name", list(BAD) + ["LBFGS"])
def test_tensor_lr_must_have_one_element(name):
    raises_like(lambda: getattr(torch.optim, name)(params(torch), lr=torch.tensor([0.1, 0.2])),
                lambda: getattr(cr.optim, name)(params(cr), lr=cr.tensor([0.1, 0.2])))


def test_adam_tensor_hyper_parameter_errors():
    for kwargs in [{"lr": "T", "foreach": True},
                   {"betas": ("T", 0.9)},
                   {"betas": ("T", "T"), "foreach": True},
                   {"betas": ("T2", "T")}]:
        def make(lib, kwargs=kwargs):
            t = lib.tensor(0.5)
            t2 = lib.tensor([0.5, 0.4])
            kw = {k: (t if v == "T" else v) for k, v in kwargs.items()}
            if "betas" in kw:
                kw["betas"] = tuple(t if b == "T" else t2 if b == "T2" else b
                                    for b in kwargs["betas"])
            return lib.optim.Adam(params(lib), **kw)
        raises_like(lambda m=make: m(torch), lambda m=make: m(cr))


@pytest.mark.parametrize("name", ["Adam", "AdamW", "RMSprop", "Adamax", "NAdam", "RAdam",
                                  "ASGD", "Rprop", "Adadelta"])
def test_capturable_needs_an_accelerator(name):
    """On the CPU torch accepts capturable=True and refuses at the first step."""
    def run(lib):
        p = params(lib)
        opt = getattr(lib.optim, name)(p, capturable=True)
        for q in p:
            q.grad = lib.ones_like(q)
        opt.step()
    raises_like(lambda: run(torch), lambda: run(cr))


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Adagrad", "Rprop"])
def test_differentiable_step_on_leaf_parameters_is_refused(name):
    def run(lib):
        p = params(lib)
        opt = getattr(lib.optim, name)(p, lr=0.1, differentiable=True)
        for q in p:
            q.grad = lib.ones_like(q)
        opt.step()
    raises_like(lambda: run(torch), lambda: run(cr))


def test_differentiable_step_with_step_requiring_grad():
    def run(lib):
        p = lib.ones(2, requires_grad=True).clone()
        p.retain_grad()
        opt = lib.optim.Adam([p], differentiable=True)
        p.grad = lib.ones(2)
        opt.state[p]["step"] = lib.tensor(0.0, requires_grad=True)
        opt.state[p]["exp_avg"] = lib.zeros(2)
        opt.state[p]["exp_avg_sq"] = lib.zeros(2)
        opt.step()
    raises_like(lambda: run(torch), lambda: run(cr))


def test_sparse_adam_is_a_documented_stub():
    with pytest.raises(NotImplementedError, match="SparseAdam"):
        cr.optim.SparseAdam(params(cr))


def test_base_class_errors():
    raises_like(lambda: torch.optim.SGD([], lr=0.1), lambda: cr.optim.SGD([], lr=0.1))
    raises_like(lambda: torch.optim.Adam(torch.ones(2)), lambda: cr.optim.Adam(cr.ones(2)))
    raises_like(lambda: torch.optim.Adam([1.0]), lambda: cr.optim.Adam([1.0]))
    raises_like(lambda: torch.optim.Adam([torch.ones(2, requires_grad=True) * 2]),
                lambda: cr.optim.Adam([cr.ones(2, requires_grad=True) * 2]))
    p_t, p_m = params(torch), params(cr)
    raises_like(lambda: torch.optim.Adam([{"params": p_t}, {"params": p_t[:1]}]),
                lambda: cr.optim.Adam([{"params": p_m}, {"params": p_m[:1]}]))
    raises_like(lambda: torch.optim.Adam([{"params": set(p_t)}]),
                lambda: cr.optim.Adam([{"params": set(p_m)}]))
    raises_like(lambda: torch.optim.Adam([("a", p_t[0]), p_t[1]]),
                lambda: cr.optim.Adam([("a", p_m[0]), p_m[1]]))
    opt_t, opt_m = torch.optim.Adam([("a", p_t[0])]), cr.optim.Adam([("a", p_m[0])])
    raises_like(lambda: opt_t.add_param_group({"params": [p_t[1]]}),
                lambda: opt_m.add_param_group({"params": [p_m[1]]}))
    raises_like(lambda: opt_t.add_param_group([p_t[1]]),
                lambda: opt_m.add_param_group([p_m[1]]))
    from torch.optim.optimizer import required as required_t

    from chainrule.optim.optimizer import required as required_m
    raises_like(lambda: torch.optim.Optimizer(p_t, {"lr": required_t}),
                lambda: cr.optim.Optimizer(p_m, {"lr": required_m}))
    assert repr(required_m) == repr(required_t)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        cr.optim.Adam([p_m[0], p_m[0]])


def test_load_state_dict_errors():
    opt_t, opt_m = torch.optim.Adam(params(torch)), cr.optim.Adam(params(cr))
    for bad in [{"state": {}, "param_groups": []},
                {"state": {}, "param_groups": [{"params": [0]}]}]:
        raises_like(lambda b=bad: opt_t.load_state_dict(b),
                    lambda b=bad: opt_m.load_state_dict(b))


FOREACH = ["Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam",
           "ASGD", "Rprop"]


@pytest.mark.parametrize("with_grads", [True, False])
@pytest.mark.parametrize("flag", ["differentiable", "capturable"])
@pytest.mark.parametrize("name", FOREACH)
def test_foreach_kernels_refuse_like_torch(name, flag, with_grads):
    """foreach=True runs torch's multi-tensor kernels, which refuse autograd and (on the CPU)
    capturable state, each in its own order of checks."""
    if flag == "capturable" and name == "Adagrad":
        return  # Adagrad has no capturable option
    def run(lib):
        p = params(lib)
        opt = getattr(lib.optim, name)(p, foreach=True, **{flag: True})
        if with_grads:
            for q in p:
                q.grad = lib.ones_like(q)
        opt.step()
        return [q.tolist() for q in p]
    try:
        ref = run(torch)
    except Exception:
        raises_like(lambda: run(torch), lambda: run(cr))
    else:
        assert run(cr) == ref


def test_fused_adam_ignores_capturable_as_torch():
    out = []
    for lib in (torch, cr):
        p = params(lib)
        opt = lib.optim.Adam(p, lr=0.1, fused=True, capturable=True)
        for k in range(3):
            for q in p:
                q.grad = lib.ones_like(q) * (k - 1.5)
            opt.step()
        out.append([q.tolist() for q in p])
    import numpy as np
    for a, b in zip(out[1], out[0]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
